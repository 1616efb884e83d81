#include "core/data/text_encoder.h"
#include "core/io/input_limits.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace niwt {

namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool isWordByte(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

// Counts of each term of `text`.
std::map<std::string, int> termCounts(const std::string& text) {
    std::map<std::string, int> counts;
    for (const auto& token : tokenize(text)) ++counts[token];
    return counts;
}

// 1-based line of byte offset `byte` in `text`.
long lineOf(const std::string& text, size_t byte) {
    byte = std::min(byte, text.size());
    return 1 + long(std::count(text.begin(), text.begin() + long(byte), '\n'));
}

}  // namespace

std::string stem(const std::string& word) {
    static const std::map<std::string, std::string> irregular{
        {"feet", "foot"},      {"teeth", "tooth"}, {"geese", "goose"}, {"mice", "mouse"},
        {"children", "child"}, {"leaves", "leaf"}, {"halves", "half"}};
    static const std::set<std::string> kept{"species", "series", "always", "perhaps", "news", "lens"};
    if (word.size() <= 3) return word;
    if (const auto it = irregular.find(word); it != irregular.end()) return it->second;
    if (kept.count(word)) return word;
    if (endsWith(word, "ies"))
        return word.size() >= 5 ? word.substr(0, word.size() - 3) + "y" : word.substr(0, word.size() - 1);
    if (endsWith(word, "sses")) return word.substr(0, word.size() - 2);
    for (const char* suffix : {"ches", "shes", "xes", "zzes"})
        if (endsWith(word, suffix)) return word.substr(0, word.size() - 2);
    if (endsWith(word, "ss") || endsWith(word, "us") || endsWith(word, "is")) return word;
    if (endsWith(word, "s")) return word.substr(0, word.size() - 1);
    return word;
}

const std::set<std::string>& stopWords() {
    static const std::set<std::string> words{
        "a",      "about",  "above", "after", "again", "against", "all",   "also", "am",    "an",      "and",   "any",
        "are",    "as",     "at",    "be",    "been",  "being",   "both",  "but",  "by",    "can",     "could", "did",
        "do",     "does",   "each",  "few",   "for",   "from",    "had",   "has",  "have",  "having",  "he",    "her",
        "here",   "hers",   "him",   "his",   "how",   "i",       "if",    "in",   "into",  "is",      "it",    "its",
        "itself", "may",    "me",    "might", "more",  "most",    "much",  "must", "my",    "no",      "nor",   "not",
        "of",     "often",  "on",    "once",  "only",  "or",      "other", "our",  "ours",  "out",     "own",   "same",
        "she",    "should", "so",    "some",  "such",  "than",    "that",  "the",  "their", "theirs",  "them",  "then",
        "there",  "these",  "they",  "this",  "those", "through", "to",    "too",  "until", "usually", "very",  "was",
        "we",     "were",   "what",  "when",  "where", "which",   "while", "who",  "whom",  "whose",   "why",   "will",
        "with",   "would",  "you",   "your",  "yours"};
    return words;
}

std::vector<std::string> splitWords(const std::string& text) {
    std::vector<std::string> words;
    std::string word;
    for (char c : text) {
        if (isWordByte(static_cast<unsigned char>(c))) {
            word.push_back(lower(c));
        } else if (!word.empty()) {
            words.push_back(std::move(word));
            word.clear();
        }
    }
    if (!word.empty()) words.push_back(std::move(word));
    return words;
}

std::vector<std::string> tokenize(const std::string& text) {
    std::vector<std::string> tokens;
    const auto& stops = stopWords();
    for (const auto& word : splitWords(text)) {
        if (word.size() <= 1 || stops.count(word)) continue;
        std::string s = stem(word);
        if (!s.empty() && !stops.count(s)) tokens.push_back(std::move(s));
    }
    return tokens;
}

nlohmann::json parseJsonText(const std::string& text, const std::string& file) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        const std::string what = e.what();
        const auto colon = what.rfind(": ");
        throw DataError(located(file, lineOf(text, e.byte > 0 ? e.byte - 1 : 0),
                                "bad JSON: " + (colon == std::string::npos ? what : what.substr(colon + 2))));
    } catch (const nlohmann::json::exception& e) {
        // Not a syntax error but still unreadable, e.g. a number too large for a double ("1e400").
        throw DataError(located(file, 0, std::string("bad JSON: ") + e.what()));
    }
}

TextEncoder TextEncoder::fit(const std::vector<std::string>& documents) {
    std::map<std::string, int> df;
    for (const auto& document : documents)
        for (const auto& [term, count] : termCounts(document)) ++df[term];
    TextEncoder encoder;
    encoder.documents_ = int(documents.size());
    const double n = double(documents.size());
    for (const auto& [term, frequency] : df) {
        encoder.index_[term] = int(encoder.vocabulary_.size());
        encoder.vocabulary_.push_back(term);
        encoder.idf_.push_back(std::log((1.0 + n) / (1.0 + double(frequency))) + 1.0);
    }
    return encoder;
}

int TextEncoder::termIndex(const std::string& term) const {
    const auto it = index_.find(term);
    return it == index_.end() ? -1 : it->second;
}

std::vector<float> TextEncoder::encode(const std::string& text) const {
    std::vector<double> weights(vocabulary_.size(), 0.0);
    double norm2 = 0;
    for (const auto& [term, count] : termCounts(text)) {
        const int i = termIndex(term);
        if (i < 0) continue;
        weights[size_t(i)] = (1.0 + std::log(double(count))) * idf_[size_t(i)];
        norm2 += weights[size_t(i)] * weights[size_t(i)];
    }
    std::vector<float> out(weights.size(), 0.0f);
    if (norm2 > 0) {
        const double scale = 1.0 / std::sqrt(norm2);
        for (size_t i = 0; i < weights.size(); ++i) out[i] = float(weights[i] * scale);
    }
    return out;
}

nlohmann::json TextEncoder::toJson() const {
    return nlohmann::json{
        {"format", "niwt-text-encoder/1"}, {"documents", documents_}, {"vocabulary", vocabulary_}, {"idf", idf_}};
}

TextEncoder TextEncoder::fromJson(const nlohmann::json& json, const std::string& source) {
    const auto fail = [&](const std::string& message) -> TextEncoder { throw DataError(located(source, 0, message)); };
    if (!json.is_object() || json.value("format", std::string()) != "niwt-text-encoder/1")
        return fail("not a niwt-text-encoder/1 object");
    const auto vocabulary = json.find("vocabulary");
    const auto idf = json.find("idf");
    const auto documents = json.find("documents");
    if (vocabulary == json.end() || !vocabulary->is_array() || idf == json.end() || !idf->is_array() ||
        documents == json.end() || !documents->is_number_integer())
        return fail("text encoder needs \"documents\", \"vocabulary\" and \"idf\"");
    if (vocabulary->size() != idf->size())
        return fail("text encoder has " + std::to_string(vocabulary->size()) + " terms but " +
                    std::to_string(idf->size()) + " idf values");
    TextEncoder encoder;
    encoder.documents_ = documents->get<int>();
    for (size_t i = 0; i < vocabulary->size(); ++i) {
        const auto& term = (*vocabulary)[i];
        const auto& weight = (*idf)[i];
        if (!term.is_string() || !weight.is_number() || !std::isfinite(weight.get<double>()))
            return fail("text encoder term " + std::to_string(i) + " is not a string with a finite idf");
        const auto name = term.get<std::string>();
        if (!encoder.index_.emplace(name, int(i)).second)
            return fail("text encoder lists the term \"" + name + "\" twice");
        encoder.vocabulary_.push_back(name);
        encoder.idf_.push_back(weight.get<double>());
    }
    return encoder;
}

double cosineSimilarity(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) throw std::invalid_argument("cosineSimilarity: vectors differ in length");
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        dot += double(a[i]) * b[i];
        na += double(a[i]) * a[i];
        nb += double(b[i]) * b[i];
    }
    if (na == 0 || nb == 0) return 0;
    return dot / std::sqrt(na * nb);
}

std::map<std::string, std::vector<std::string>> readDescriptions(const std::string& jsonFile) {
    return parseDescriptions(readInputFile(jsonFile, kMaxDescriptionsBytes, "descriptions"), jsonFile);
}

std::map<std::string, std::vector<std::string>> parseDescriptions(const std::string& text,
                                                                  const std::string& jsonFile) {
    const nlohmann::json json = parseJsonText(text, jsonFile);
    if (!json.is_object())
        throw DataError(located(jsonFile, 0, "expected a JSON object of class name -> list of phrases"));
    std::map<std::string, std::vector<std::string>> descriptions;
    for (const auto& [name, phrases] : json.items()) {
        if (!phrases.is_array())
            throw DataError(located(jsonFile, 0, "class \"" + name + "\": expected a list of phrases"));
        std::vector<std::string> list;
        for (const auto& phrase : phrases) {
            if (!phrase.is_string())
                throw DataError(located(jsonFile, 0, "class \"" + name + "\": a phrase is not a string"));
            list.push_back(phrase.get<std::string>());
        }
        descriptions[name] = std::move(list);
    }
    return descriptions;
}

std::string classNameKey(const std::string& name) {
    size_t digits = 0;
    while (digits < name.size() && name[digits] >= '0' && name[digits] <= '9') ++digits;
    const size_t start = (digits > 0 && digits + 1 < name.size() && name[digits] == '.') ? digits + 1 : 0;
    std::string key;
    for (size_t i = start; i < name.size(); ++i) {
        const char c = name[i];
        key.push_back(c == '_' || c == '-' ? ' ' : lower(c));
    }
    return key;
}

std::string compactClassNameKey(const std::string& name) {
    std::string key = classNameKey(name);
    key.erase(std::remove(key.begin(), key.end(), ' '), key.end());
    return key;
}

std::string joinPhrases(const std::vector<std::string>& phrases) {
    std::string text;
    for (const auto& phrase : phrases) {
        if (!text.empty()) text += ". ";
        text += phrase;
    }
    return text;
}

std::vector<std::string> encoderDocuments(const std::map<std::string, std::vector<std::string>>& descriptions,
                                          const Dataset* dataset) {
    std::set<std::string> seenKeys;
    if (dataset)
        for (const auto& c : dataset->classes)
            if (c.seen && c.inSplit) seenKeys.insert(classNameKey(c.name));
    std::vector<std::string> documents;
    for (const auto& [name, phrases] : descriptions)
        if (!dataset || seenKeys.count(classNameKey(name))) documents.push_back(joinPhrases(phrases));
    return documents;
}

Modality captionModality(const Dataset& dataset, const std::map<std::string, std::vector<std::string>>& descriptions,
                         const TextEncoder& encoder, std::vector<std::string>* classesWithoutDescription,
                         const std::string& source) {
    std::map<std::string, const std::pair<const std::string, std::vector<std::string>>*> byKey;
    for (const auto& entry : descriptions) {
        const auto [it, inserted] = byKey.emplace(classNameKey(entry.first), &entry);
        if (!inserted)
            throw DataError(
                located(source, 0,
                        "descriptions \"" + it->second->first + "\" and \"" + entry.first + "\" name the same class"));
    }
    Modality modality;
    modality.name = "captions";
    modality.dims = encoder.dims();
    modality.dimNames = encoder.vocabulary();
    modality.source = source;
    modality.values.assign(dataset.classes.size() * size_t(modality.dims), 0.0f);
    if (classesWithoutDescription) classesWithoutDescription->clear();
    for (size_t c = 0; c < dataset.classes.size(); ++c) {
        const auto it = byKey.find(classNameKey(dataset.classes[c].name));
        if (it == byKey.end()) {
            if (classesWithoutDescription) classesWithoutDescription->push_back(dataset.classes[c].name);
            continue;
        }
        const auto row = encoder.encode(joinPhrases(it->second->second));
        std::copy(row.begin(), row.end(), modality.values.begin() + long(c * size_t(modality.dims)));
    }
    return modality;
}

std::string defaultDescriptionsFile(const Dataset& dataset) {
    const auto guess = std::filesystem::path(dataset.root).parent_path() / "cub_descriptors" / "descriptors_cub.json";
    std::error_code ec;
    return std::filesystem::exists(guess, ec) ? guess.string() : std::string();
}

namespace {

// "\"a\", \"b\", \"c\" and 7 more": class names for a one-line message.
std::string quotedNames(const std::vector<std::string>& names) {
    constexpr size_t kShown = 5;
    std::string text;
    for (size_t i = 0; i < names.size() && i < kShown; ++i) text += (i ? ", \"" : "\"") + names[i] + "\"";
    if (names.size() > kShown) text += " and " + std::to_string(names.size() - kShown) + " more";
    return text;
}

bool hasWord(const std::string& text) {
    return std::any_of(text.begin(), text.end(), [](unsigned char c) { return isWordByte(c); });
}

// An all-zero class vector cannot be learned from or told apart: descriptions that are present but
// hold no word (empty lists, empty strings), or none for any class of the data set, are refused,
// naming the classes.
void refuseEmptyDescriptions(const Dataset& dataset,
                             const std::map<std::string, std::vector<std::string>>& descriptions,
                             const std::string& file) {
    std::map<std::string, const std::vector<std::string>*> byKey;
    for (const auto& [name, phrases] : descriptions) byKey.emplace(classNameKey(name), &phrases);
    std::vector<std::string> empty, described;
    for (const auto& c : dataset.classes) {
        const auto it = byKey.find(classNameKey(c.name));
        if (it == byKey.end()) continue;
        const bool any = std::any_of(it->second->begin(), it->second->end(), hasWord);
        (any ? described : empty).push_back(c.name);
    }
    if (!empty.empty())
        throw DataError(located(file, 0,
                                "empty descriptions (no phrase with a word) for " + std::to_string(empty.size()) +
                                    " classes: " + quotedNames(empty) + "; their captions vectors would be all zeros"));
    if (described.empty()) {
        std::vector<std::string> all;
        for (const auto& c : dataset.classes) all.push_back(c.name);
        throw DataError(located(file, 0,
                                "describes none of the data set's " + std::to_string(all.size()) + " classes (" +
                                    quotedNames(all) + "); the captions vectors would be all zeros"));
    }
}

}  // namespace

CaptionModel captionModelFromFile(const Dataset& dataset, const std::string& descriptionsFile) {
    const auto descriptions = readDescriptions(descriptionsFile);
    refuseEmptyDescriptions(dataset, descriptions, descriptionsFile);
    CaptionModel out;
    out.encoder = TextEncoder::fit(encoderDocuments(descriptions, &dataset));
    if (out.encoder.dims() == 0)
        throw DataError(located(descriptionsFile, 0,
                                "no seen class of the data set has a description with a word in it (" +
                                    std::to_string(descriptions.size()) +
                                    " descriptions), so the captions vocabulary would be empty"));
    out.modality = captionModality(dataset, descriptions, out.encoder, nullptr, descriptionsFile);
    // Words known only from unseen classes' descriptions are not in the vocabulary: every class
    // vector can still come out zero.
    if (std::all_of(out.modality.values.begin(), out.modality.values.end(), [](float v) { return v == 0.0f; })) {
        std::vector<std::string> all;
        for (const auto& c : dataset.classes) all.push_back(c.name);
        throw DataError(located(descriptionsFile, 0,
                                "the captions vectors of all " + std::to_string(all.size()) + " classes (" +
                                    quotedNames(all) + ") are all zeros: no described word is in the vocabulary"));
    }
    return out;
}

const Modality& modalityOrCaptions(const Dataset& dataset, const std::string& name, const std::string& descriptionsFile,
                                   std::optional<CaptionModel>& captions) {
    if (name == "captions" && !dataset.modality("captions")) {
        const std::string file = descriptionsFile.empty() ? defaultDescriptionsFile(dataset) : descriptionsFile;
        if (file.empty())
            throw std::invalid_argument(
                "the captions modality needs a descriptions file (JSON: class name -> phrases); "
                "none was given and " +
                dataset.root + "/../cub_descriptors/descriptors_cub.json is absent");
        captions = captionModelFromFile(dataset, file);
        return captions->modality;
    }
    if (const Modality* m = dataset.modality(name)) return *m;
    std::string names;
    for (const auto& m : dataset.modalities) names += (names.empty() ? "" : ", ") + m.name;
    throw std::invalid_argument("the data set has no modality \"" + name + "\" (it has: " + names + ")");
}

}  // namespace niwt
