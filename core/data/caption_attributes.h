#pragma once
// Attribute values suggested by a free-text caption, for data sets described by attributes only
// (no class descriptions to fit a caption encoder on): how much of each attribute's name the
// caption mentions. A starting point a person then edits in the class composer, not a learned map.
// Plain C++ (no torch, no Qt).
//
// Words are compared after tokenize() (text_encoder.h: lower case, stop words such as "has"
// dropped, plurals stemmed), so "wings" matches "wing" and "has_" counts for nothing.
//   - "part::value" names (CUB, "has_wing_color::red"): 0 unless every word of the value occurs in
//     the caption; then 0.5 + 0.5 x the share of the part's words that occur. When some attribute
//     with the same value has a part word in the caption, those whose part is not mentioned get 0:
//     "red wings" gives has_wing_color::red 0.75 and has_back_color::red 0, while "a red bird"
//     (no part named) gives 0.5 to every "::red".
//   - other names (Fashion-MNIST's "thick_sole"): the share of the name's words in the caption
//     ("a thick sole" -> 1, "thick fur" -> 0.5).
//   - a name with no word left after tokenize(): 0.
#include <string>
#include <vector>

namespace niwt {

// One score in [0, 1] per name, in the order of `dimNames`.
std::vector<float> attributeScoresFromCaption(const std::string& caption, const std::vector<std::string>& dimNames);

}  // namespace niwt
