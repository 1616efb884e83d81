#pragma once
// A caption-text encoder for class descriptions: tokenizer, light stemmer and TF-IDF vectors.
// Plain C++ (no torch, no Qt), so the engine's callers and the widgets can both use it.
//
// Tokens: the text is lower-cased (ASCII letters) and split on every byte that is not an ASCII
// letter or digit (bytes >= 0x80, i.e. UTF-8 letters, stay inside words). Tokens of one character
// and English stop words (a small built-in list: articles, pronouns, auxiliaries, prepositions and
// connectives; see stopWords()) are dropped, and the rest are stemmed (stem()).
//
// Weights: for a term t in a text, w = (1 + ln tf) * idf(t), with tf the count of t in the text
// (sublinear tf), idf(t) = ln((1 + n) / (1 + df(t))) + 1 (smoothed idf: n documents fitted, df the
// number of them containing t). The vector over the vocabulary is then L2-normalised; a text with
// no vocabulary term encodes to all zeros.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/data/dataset.h"

namespace niwt {

// Light English plural stemmer: a few irregular plurals (feet -> foot, teeth -> tooth,
// geese -> goose, mice -> mouse, children -> child, leaves -> leaf, halves -> half); "-ies" -> "-y"
// (bodies -> body) when 5 letters or more; "-sses" -> "-ss"; "-ches", "-shes", "-xes", "-zzes" drop
// "es" (patches -> patch); words ending in "ss", "us", "is" or "ous" are kept (grass, fungus, iris,
// various); any other word of 4 letters or more ending in "s" drops it (feathers -> feather,
// wings -> wing, eyes -> eye). Words of 3 letters or fewer are kept as they are.
std::string stem(const std::string& word);

// The built-in stop words (lower case).
const std::set<std::string>& stopWords();

// Lower-case (ASCII) and split on every byte that is not a letter or digit (UTF-8 bytes stay in
// words). In text order; nothing dropped or stemmed.
std::vector<std::string> splitWords(const std::string& text);

// splitWords, then drop one-character tokens and stop words, stem. In text order.
std::vector<std::string> tokenize(const std::string& text);

// `text` parsed as JSON; a syntax error is a DataError "FILE:LINE: bad JSON: ..." naming `file`.
nlohmann::json parseJsonText(const std::string& text, const std::string& file);

class TextEncoder {
public:
    // Vocabulary: every term (after tokenize) of the documents, sorted; idf from the documents.
    static TextEncoder fit(const std::vector<std::string>& documents);

    // TF-IDF vector of `text` over vocabulary(), L2-normalised (zeros when no term is known).
    std::vector<float> encode(const std::string& text) const;

    const std::vector<std::string>& vocabulary() const { return vocabulary_; }
    const std::vector<double>& idf() const { return idf_; }
    int documentCount() const { return documents_; }
    int dims() const { return int(vocabulary_.size()); }
    // Index of a (stemmed) term in vocabulary(), -1 when absent.
    int termIndex(const std::string& term) const;

    // {"format": "niwt-text-encoder/1", "documents": n, "vocabulary": [...], "idf": [...]}.
    nlohmann::json toJson() const;
    // Throws DataError naming `source` when the object is not in that format.
    static TextEncoder fromJson(const nlohmann::json& json, const std::string& source = "text encoder");

private:
    std::vector<std::string> vocabulary_;
    std::vector<double> idf_;
    std::map<std::string, int> index_;
    int documents_ = 0;
};

// Cosine similarity of two vectors of the same length (0 when either is all zeros).
double cosineSimilarity(const std::vector<float>& a, const std::vector<float>& b);

// Reads a JSON object "class common name" -> list of description phrases (the format of
// descriptors_cub.json: {"Black-footed Albatross": ["a seabird", ...], ...}). Errors (missing
// file, bad JSON with its line, not an object, a value that is not a list of strings) throw
// DataError naming the file.
std::map<std::string, std::vector<std::string>> readDescriptions(const std::string& jsonFile);
// The same from the file's text already in memory; `jsonFile` names it in errors.
std::map<std::string, std::vector<std::string>> parseDescriptions(const std::string& text, const std::string& jsonFile);

// Class-name key for matching data set classes to description names: CUB's "NNN." prefix removed,
// ASCII lower-cased, '_', '-' and ' ' all turned into ' ' ("001.Black_footed_Albatross" and
// "Black-footed Albatross" both give "black footed albatross").
std::string classNameKey(const std::string& name);

// classNameKey with the separators dropped altogether, for names people type: "Le Conte Sparrow",
// "LeConte Sparrow", "Le-Conte sparrow" and "123.Le_Conte_Sparrow" all give "lecontesparrow".
std::string compactClassNameKey(const std::string& name);

// The phrases of a class joined into one text ("phrase. phrase. ...").
std::string joinPhrases(const std::vector<std::string>& phrases);

// Documents for TextEncoder::fit over a data set: one per description of a class that is seen and
// in the split (description names matched to classes by classNameKey), its joined phrases, in the
// order of `descriptions`. Nothing else: unseen classes' descriptions and attribute names are left
// out, so every vocabulary term occurs in some seen class's text and mod2alpha, which learns from
// seen classes only, has trained weights for every input it will be given. Without a data set
// (nullptr) every description is a document.
std::vector<std::string> encoderDocuments(const std::map<std::string, std::vector<std::string>>& descriptions,
                                          const Dataset* dataset = nullptr);

// The modality "captions": one row per class of `dataset` (dims = encoder.dims(), dimNames = the
// vocabulary), the encoding of the class's joined phrases. Description names match classes by
// classNameKey. Classes without a description get a row of zeros and are listed in
// `classesWithoutDescription` (names as in the data set) when given; the return value's rows follow
// dataset.classes. Two description names with the same key are a DataError (naming `source`).
Modality captionModality(const Dataset& dataset, const std::map<std::string, std::vector<std::string>>& descriptions,
                         const TextEncoder& encoder, std::vector<std::string>* classesWithoutDescription = nullptr,
                         const std::string& source = "descriptions");

// CUB's class descriptions beside a data set (DIR/../cub_descriptors/descriptors_cub.json), or ""
// when that file is absent.
std::string defaultDescriptionsFile(const Dataset& dataset);

// The encoder fitted on a data set's seen classes' descriptions (encoderDocuments) and its
// "captions" modality (captionModality: every class, seen or unseen, encoded over that
// vocabulary), as `niwt run --modality captions` builds them; the encoder turns new text into class
// vectors of the same modality. Errors as readDescriptions; a DataError naming the file when no
// seen class of the data set has a description with a word in it (the vocabulary would be empty).
struct CaptionModel {
    TextEncoder encoder;
    Modality modality;
};
CaptionModel captionModelFromFile(const Dataset& dataset, const std::string& descriptionsFile);

// The modality `name` of a data set kept const (the engines' sessions): "captions", when the data
// set has none, is built from `descriptionsFile` (empty: defaultDescriptionsFile) into `captions`,
// and the result refers into it. Throws std::invalid_argument naming a missing modality (listing
// the data set's) or a missing descriptions file; errors of the file as readDescriptions.
const Modality& modalityOrCaptions(const Dataset& dataset, const std::string& name, const std::string& descriptionsFile,
                                   std::optional<CaptionModel>& captions);

}  // namespace niwt
