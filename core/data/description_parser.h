#pragma once
// The description parser: free English ("a small bird with a bright red head, black back and white
// wings") turned into a class vector of a data set's attribute-like modality, with a report of what
// it understood. Plain C++ (no torch, no Qt); parsing one sentence takes well under a millisecond.
//
// Two kinds of vocabulary:
//   - "part::value" names (CUB: "has_wing_color::red", 28 parts). Colour, pattern, shape, size and
//     length words are bound to the body part they modify ("red head" sets the crown, forehead and
//     nape colours, not the wings), through lists ("black and white wings", "a yellow throat and
//     belly"), after the part ("wings black"), and under negation ("no crest", "without wing bars").
//   - plain names (AwA2's "stripes", "longneck"; Fashion-MNIST's "thick_sole"): a dimension is stated
//     when the words of its name (after the lexicon's synonyms) occur in the text together.
// Words go through the lexicon first (datasets/lexicon/description_lexicon.txt, compiled in):
// synonyms and near-colours (crimson -> red, gray -> grey, rusty -> rufous, buffy -> buff), part
// words (head -> crown, forehead, nape), whole-bird words (woodpecker -> tree-clinging-like).
// A word the lexicon lacks is looked up in WordNet when it is installed (Debian's wordnet-base):
// a synonym or hypernym the lexicon knows gives its meaning ("kestrel" -> falcon -> hawk-like).
//
// No zero fill: dimensions the text does not state are filled from a prior learned on the data
// set's seen classes, conditioned on what was said: the seen classes whose rows agree best with
// the stated values (and whose names contain a stated family word such as "sparrow") are averaged
// with softmax weights. Stated values then replace their dimensions, and the other values of a
// part whose value was stated are lowered. The result has the scale and density of the seen rows
// mod2alpha was trained on.
#include "core/data/dataset.h"

#include <memory>
#include <string>
#include <vector>

namespace niwt {

// One understood phrase: a stretch of the text and the dimensions it set.
struct ParsedPhrase {
    size_t begin = 0, end = 0;   // byte range [begin, end) in the parsed text
    std::string text;            // the text of that range
    bool negated = false;        // "no crest", "without wing bars"
    std::vector<int> dims;       // modality dimensions this phrase stated
    std::vector<float> weights;  // per dim, how strongly (0..1]; negated phrases state absence
};

// A word the parser did not understand (not a stop word, not in the lexicon, not a word of any
// dimension name). Listed, never dropped silently.
struct UnknownWord {
    size_t begin = 0, end = 0;  // byte range in the text
    std::string word;           // as typed
};

struct DescriptionParse {
    std::vector<float> vector;  // modality dims: the class vector to learn from; empty when !ok()
    std::vector<ParsedPhrase> phrases;
    std::vector<UnknownWord> unknownWords;
    std::vector<int> statedDims;          // dims set by the text (sorted, unique), negated ones included
    std::vector<int> nearestSeenClasses;  // data set class indices that filled the rest, best first
    // Words the lexicon lacks that WordNet explained: {word as typed, the synonym or hypernym the
    // parser read it as} ("vermilion" -> "red", "kestrel" -> "falcon").
    std::vector<std::pair<std::string, std::string>> wordNetReadings;
    std::string problem;  // why no vector was made ("the description is empty", ...)
    bool ok() const { return problem.empty() && !vector.empty(); }
};

struct DescriptionParserOptions {
    // The lexicon's text; empty: the compiled-in datasets/lexicon/description_lexicon.txt.
    std::string lexicon;
    // Words the lexicon does not know are looked up in WordNet (core/data/wordnet.h) when its
    // database is installed: synonyms, then hypernyms, that the lexicon knows.
    bool useWordNet = true;
    // The defaults were chosen on seen classes only (README, "Describing a class in words"):
    // NIWT's unseen-only accuracy on xlsa17's validation split (26 validation classes with images,
    // learned from tests/data/cub_val_typed.json), and how well parsed sentences of seen classes
    // (cub_seen_typed_dev.json, descriptors_cub.json), each with its own class left out of the
    // prior, retrieve their real attribute row among the 150 seen rows.
    // Prior: softmax temperature over the seen classes' agreement with the text (agreement is in
    // [0, 1]), and how many of the best-agreeing seen classes are averaged.
    double priorSharpness = 8.0;
    int priorNeighbours = 40;
    // A stated value is set to this quantile of its dimension's values above the minimum, over
    // the seen rows (times the statement's weight).
    double statedQuantile = 0.85;
    // ... but at least this share of the median dimension's span (quantile minus minimum), so that
    // a value the seen classes rarely show still stands out when stated.
    double statedFloor = 0.5;
    // Other values of a part whose value was stated keep this share of their prior value.
    double otherValuesKept = 0.35;
};

class DescriptionParser {
public:
    // A parser for `modality` (which needs dimNames) of `dataset`. The prior uses the rows of the
    // data set's seen classes in the split (every seen class, with images or not). Throws
    // std::invalid_argument when the modality has no dimension names or no seen class, DataError
    // for a malformed lexicon (naming its line).
    DescriptionParser(const Dataset& dataset, const Modality& modality, const DescriptionParserOptions& options = {});
    ~DescriptionParser();
    DescriptionParser(DescriptionParser&&) noexcept;
    DescriptionParser& operator=(DescriptionParser&&) noexcept;

    // Never throws for text: an empty text, or one in which nothing is understood, gives a parse
    // with `problem` set and no vector.
    DescriptionParse parse(const std::string& text) const;

    // parse(), then throws std::invalid_argument("<what>: <problem>") when it made no vector.
    std::vector<float> vectorOrThrow(const std::string& text, const std::string& what = "description") const;

    // "has_wing_color::red" -> "wing color: red"; plain names with '_' as spaces.
    static std::string readableDimName(const std::string& dimName);

    int dims() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace niwt
