#include "core/data/description_parser.h"

#include "core/data/embedded.h"
#include "core/data/text_encoder.h"
#include "core/data/text_table.h"
#include "core/data/wordnet.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

namespace niwt {

namespace {

constexpr const char* kLexiconName = "embedded:lexicon/description_lexicon.txt";
constexpr size_t kMaxPhraseWords = 6;  // the longest lexicon phrase, in words
// Seen classes whose family word (the last word of the name: "sparrow") the text names count as
// agreeing this much more (scores are in [0, 1]).
constexpr double kFamilyBonus = 0.35;
// A value found through WordNet (a synonym or hypernym of an unknown word) states its attribute
// this strongly: less sure than the lexicon's own words.
constexpr double kWordNetWeight = 0.8;
// A positive value of a part weaker than this share of the part's strongest is dropped.
constexpr double kYieldShare = 0.75;
constexpr int kWordNetDepth = 6;  // hypernym levels searched ("kestrel" -> falcon -> hawk)

// ---- text ----------------------------------------------------------------------------------------

char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }
bool isWordByte(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

std::vector<std::string> splitOn(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string item;
    std::istringstream in(s);
    while (std::getline(in, item, sep)) out.push_back(trimmed(item));
    return out;
}

// A phrase's words: lower case, split on anything but letters/digits (hyphens and underscores
// included), each stemmed as the TF-IDF encoder does. "Red-headed" -> {"red", "headed"}.
std::vector<std::string> phraseWords(const std::string& text) {
    std::vector<std::string> words = splitWords(text);
    for (auto& w : words) w = stem(w);
    return words;
}

std::string joinWords(const std::vector<std::string>& words, size_t begin, size_t end) {
    std::string s;
    for (size_t i = begin; i < end; ++i) s += (i > begin ? " " : "") + words[i];
    return s;
}
std::string joinWords(const std::vector<std::string>& words) { return joinWords(words, 0, words.size()); }

// "word*0.6" -> {"word", 0.6}.
std::pair<std::string, double> weighted(const std::string& item, const std::string& source, int line) {
    const auto star = item.rfind('*');
    if (star == std::string::npos) return {trimmed(item), 1.0};
    try {
        size_t used = 0;
        const std::string number = trimmed(item.substr(star + 1));
        const double w = std::stod(number, &used);
        if (used != number.size() || !(w > 0) || w > 1) throw std::invalid_argument("range");
        return {trimmed(item.substr(0, star)), w};
    } catch (const std::exception&) {
        throw DataError(located(source, line, "weight in \"" + item + "\" is not a number in (0, 1]"));
    }
}

// ---- attribute names -----------------------------------------------------------------------------

const std::set<std::string>& aspectWords() {
    static const std::set<std::string> aspects{"color", "colour", "pattern", "shape", "length"};
    return aspects;
}

// "has_wing_color::red" -> part "has_wing_color", body "wing", value words {"red"}.
// "has_size::very_small_(3_-_5_in)" -> body "size", value "very small" (the bracket dropped).
struct DimName {
    bool partValue = false;
    std::string part;                // text before "::" (or the whole name)
    std::string body;                // part without "has_" and its aspect word
    std::string aspect;              // "color", "pattern", "shape", "length" or ""
    std::vector<std::string> value;  // words of the value (partValue) or of the whole name
    // Plain names written "category, value" or "category: value" ("colour, blue"): the value's
    // words, which state the dimension on their own ("a blue square"). Empty otherwise.
    std::vector<std::string> valueAfterCategory;
};

DimName splitDimName(const std::string& name) {
    DimName d;
    const auto cut = name.find("::");
    if (cut == std::string::npos) {
        d.part = name;
        d.value = phraseWords(name);
        // "has_laces" -> "lace": the helper verb is not a word of the attribute.
        if (d.value.size() > 1 && (d.value.front() == "ha" || d.value.front() == "has" || d.value.front() == "is"))
            d.value.erase(d.value.begin());
        if (const auto separator = name.find_last_of(",:");
            separator != std::string::npos && separator + 1 < name.size()) {
            auto tail = phraseWords(name.substr(separator + 1));
            if (!tail.empty() && tail.size() < d.value.size()) d.valueAfterCategory = std::move(tail);
        }
        return d;
    }
    d.partValue = true;
    d.part = name.substr(0, cut);
    auto partWords = phraseWords(d.part);
    if (!partWords.empty() && (partWords.front() == "ha" || partWords.front() == "has"))
        partWords.erase(partWords.begin());
    if (partWords.size() > 1 && aspectWords().count(partWords.back())) {
        d.aspect = partWords.back() == "colour" ? "color" : partWords.back();
        partWords.pop_back();
    }
    d.body = joinWords(partWords);
    std::replace(d.body.begin(), d.body.end(), ' ', '_');
    std::string value = name.substr(cut + 2);
    if (const auto bracket = value.find("_("); bracket != std::string::npos) value = value.substr(0, bracket);
    d.value = phraseWords(value);
    return d;
}

// ---- the lexicon ---------------------------------------------------------------------------------

struct WeightedName {
    std::string name;
    double weight = 1;
};

struct Lexicon {
    std::vector<std::vector<std::string>> groups;            // "same": phrases (words joined by ' ')
    std::map<std::string, std::vector<WeightedName>> mixes;  // phrase -> canonical phrases
    struct Part {
        std::vector<WeightedName> bodies;
        std::vector<WeightedName> implies;  // full attribute names
        std::string label;                  // first surface form
    };
    std::vector<Part> parts;
    std::map<std::string, int> partOf;  // surface phrase -> parts index
    std::set<std::string> wholeWords;   // phrases
    std::vector<WeightedName> wholeBodies;
    std::map<std::string, std::vector<WeightedName>> birdWords;  // phrase -> attribute names
    std::map<std::string, std::vector<WeightedName>> dimWords;   // attribute name -> phrases
    std::set<std::string> negations, intensities, ignored;
};

Lexicon parseLexicon(const std::string& text, const std::string& source) {
    Lexicon lex;
    std::istringstream in(text);
    std::string line;
    int lineNo = 0;
    const auto phrases = [&](const std::string& list) {
        std::vector<std::string> out;
        for (const auto& item : splitOn(list, ','))
            if (!item.empty()) out.push_back(joinWords(phraseWords(item)));
        return out;
    };
    // Phrases as matched words ("long legs" -> "long leg"); bodies as attribute names spell them
    // after the stemmer ("underparts" -> "underpart", "upper tail" -> "upper_tail"); attribute
    // names as they are.
    enum class Items { Phrases, Bodies, Names };
    const auto weightedList = [&](const std::string& list, Items items) {
        std::vector<WeightedName> out;
        for (const auto& item : splitOn(list, ',')) {
            if (item.empty()) continue;
            auto [name, w] = weighted(item, source, lineNo);
            if (items == Items::Phrases) name = joinWords(phraseWords(name));
            if (items == Items::Bodies) {
                const auto at = name.find('@');
                const std::string aspect = at == std::string::npos ? "" : name.substr(at);
                name = joinWords(phraseWords(name.substr(0, at)));
                std::replace(name.begin(), name.end(), ' ', '_');
                name += aspect;
            }
            out.push_back({name, w});
        }
        return out;
    };
    while (std::getline(in, line)) {
        ++lineNo;
        if (const auto hash = line.find('#'); hash != std::string::npos) line = line.substr(0, hash);
        line = trimmed(line);
        if (line.empty()) continue;
        const auto space = line.find(' ');
        const std::string kind = line.substr(0, space);
        const std::string rest = space == std::string::npos ? "" : trimmed(line.substr(space + 1));
        const auto eq = rest.find(" = ");
        const std::string left = eq == std::string::npos ? rest : trimmed(rest.substr(0, eq));
        const std::string right = eq == std::string::npos ? "" : trimmed(rest.substr(eq + 3));
        const auto needRight = [&] {
            if (eq == std::string::npos || right.empty())
                throw DataError(located(source, lineNo, "\"" + kind + "\" needs \"WORDS = MEANING\""));
        };
        if (kind == "same") {
            lex.groups.push_back(phrases(rest));
        } else if (kind == "mix") {
            needRight();
            lex.mixes[joinWords(phraseWords(left))] = weightedList(right, Items::Phrases);
        } else if (kind == "part" || kind == "whole") {
            needRight();
            std::string bodies = right, implied;
            if (const auto bar = right.find('|'); bar != std::string::npos) {
                bodies = trimmed(right.substr(0, bar));
                implied = trimmed(right.substr(bar + 1));
            }
            if (kind == "whole") {
                for (const auto& p : phrases(left)) lex.wholeWords.insert(p);
                lex.wholeBodies = weightedList(bodies, Items::Bodies);
                continue;
            }
            Lexicon::Part part;
            part.bodies = weightedList(bodies, Items::Bodies);
            part.implies = weightedList(implied, Items::Names);
            const auto surfaces = phrases(left);
            part.label = surfaces.empty() ? "" : surfaces.front();
            for (const auto& s : surfaces) lex.partOf[s] = int(lex.parts.size());
            lex.parts.push_back(std::move(part));
        } else if (kind == "bird") {
            needRight();
            const auto dims = weightedList(right, Items::Names);
            for (const auto& p : phrases(left)) lex.birdWords[p] = dims;
        } else if (kind == "dim") {
            needRight();
            auto& list = lex.dimWords[left];
            for (const auto& w : weightedList(right, Items::Phrases)) list.push_back(w);
        } else if (kind == "negate") {
            for (const auto& p : phrases(rest)) lex.negations.insert(p);
        } else if (kind == "intensity") {
            for (const auto& p : phrases(rest)) lex.intensities.insert(p);
        } else if (kind == "ignore") {
            for (const auto& p : phrases(rest)) lex.ignored.insert(p);
        } else {
            throw DataError(
                located(source, lineNo,
                        "unknown line kind \"" + kind +
                            "\" (expected same, mix, part, whole, bird, dim, negate, intensity or ignore)"));
        }
    }
    return lex;
}

// Words that structure a sentence rather than describe.
const std::set<std::string>& conjunctions() {
    static const std::set<std::string> words{"and", "or", "plus", "&", "nor"};
    return words;
}
const std::set<std::string>& withWords() {
    static const std::set<std::string> words{"with",      "ha",       "has",     "have",    "having",
                                             "featuring", "sporting", "showing", "wearing", "bearing"};
    return words;
}

enum class Kind {
    Modifier,
    Part,
    Whole,
    Bird,
    Negate,
    Intensity,
    Conjunction,
    With,
    But,
    Comma,
    Stop,
    Plain,
    Filler,
    Unknown
};

struct Token {
    size_t begin = 0, end = 0;  // bytes in the text
    std::string phrase;         // matched words (stemmed, joined by ' ')
    std::string surface;        // one word as typed, lower case (for WordNet)
    std::string birdKey;        // Bird: the lexicon's bird word (differs through WordNet)
    std::string wordNet;        // what WordNet made of an unknown word ("falcon"), else ""
    Kind kind = Kind::Unknown;
    std::vector<WeightedName> values;  // Modifier: canonical value phrases with weights
    int part = -1;                     // Part: lexicon part index
    bool colourValue = false;          // Modifier that is (only) a colour
};

}  // namespace

// ---- the parser ----------------------------------------------------------------------------------

struct DescriptionParser::Impl {
    DescriptionParserOptions options;
    Lexicon lex;
    std::vector<std::string> dimNames;
    std::vector<DimName> dims;
    int D = 0;

    // Vocabulary-specific: phrase -> canonical phrase (the group member present in the names).
    std::map<std::string, std::string> canonical;
    std::set<std::string> valuePhrases;                  // canonical phrases stating some part::value dim
    std::set<std::string> colourPhrases;                 // canonical values of *_color dims
    std::map<std::string, std::vector<int>> dimsOfBody;  // body -> part::value dims
    // Per dim: canonical phrase -> weight with which that word states it (bound to its body).
    std::vector<std::map<std::string, double>> statedBy;
    std::map<std::string, int> dimIndex;
    std::vector<int> partOfDim;  // dim -> part group index (dims sharing "part::")
    int partGroups = 0;
    // Plain (no "::") dims: the canonical word sequences that state each.
    std::vector<std::pair<int, std::vector<std::string>>> plainPhrases;
    std::set<std::string> plainWords;  // canonical words of plain phrases

    // Prior: seen classes' rows.
    std::vector<int> seenClasses;         // data set class indices
    std::vector<std::string> seenFamily;  // last word of each seen class name
    std::set<std::string> families;
    std::vector<float> rows;       // seen x D
    std::vector<float> low, high;  // per dim: min over seen rows, statedQuantile of the rest

    bool useWordNet = true;
    mutable std::mutex wordNetMutex;
    mutable std::map<std::string, Token> wordNetCache;  // surface word -> its reading

    // An unknown word read through WordNet: a synonym that is a value, bird or part word of the
    // lexicon, else the nearest hypernym that is. Unknown stays Unknown.
    Token throughWordNet(const Token& unknown) const;

    std::string canon(const std::string& phrase) const {
        const auto it = canonical.find(phrase);
        return it == canonical.end() ? phrase : it->second;
    }

    void build(const Dataset& dataset, const Modality& modality);
    std::vector<Token> tokens(const std::string& text) const;
    Token classify(const std::vector<std::string>& words, size_t at, size_t length) const;
    DescriptionParse parse(const std::string& text) const;
};

void DescriptionParser::Impl::build(const Dataset& dataset, const Modality& modality) {
    dimNames = modality.dimNames;
    D = modality.dims;
    std::set<std::string> vocabulary;  // every phrase and word of the dimension names
    std::map<std::string, int> groupIndex;
    for (int d = 0; d < D; ++d) {
        dims.push_back(splitDimName(dimNames[size_t(d)]));
        dimIndex[dimNames[size_t(d)]] = d;
        const auto& v = dims.back().value;
        vocabulary.insert(joinWords(v));
        for (const auto& w : v) vocabulary.insert(w);
        const std::string key = dims.back().partValue ? dims.back().part : dimNames[size_t(d)];
        const auto [it, inserted] = groupIndex.emplace(key, int(groupIndex.size()));
        partOfDim.push_back(it->second);
    }
    partGroups = int(groupIndex.size());
    // Each group's canonical phrase: its first member that the names use (else its first member).
    for (const auto& group : lex.groups) {
        if (group.empty()) continue;
        std::string chosen = group.front();
        for (const auto& member : group)
            if (vocabulary.count(member)) {
                chosen = member;
                break;
            }
        for (const auto& member : group) canonical.emplace(member, chosen);
    }
    statedBy.resize(size_t(D));
    for (int d = 0; d < D; ++d) {
        const DimName& n = dims[size_t(d)];
        auto& by = statedBy[size_t(d)];
        if (n.partValue) {
            dimsOfBody[n.body].push_back(d);
            if (!n.value.empty()) {
                // The whole value as one phrase, unless it holds a part or bird word: "forked tail"
                // must leave "tail" to bind, so only its first word states it.
                const bool holdsPart = std::any_of(n.value.begin(), n.value.end(), [&](const std::string& w) {
                    return lex.partOf.count(w) || lex.birdWords.count(w) || lex.wholeWords.count(w);
                });
                if (!holdsPart || n.value.size() == 1) by[canon(joinWords(n.value))] = 1.0;
                // "forked tail" is also stated by "forked"; "about the same as head" only through the lexicon.
                const std::string first = canon(n.value.front());
                if (n.value.size() > 1 && !stopWords().count(n.value.front()) && !lex.ignored.count(first) &&
                    !lex.partOf.count(first))
                    by.emplace(first, 1.0);
            }
            if (n.part.find("color") != std::string::npos || n.part.find("colour") != std::string::npos)
                for (const auto& [phrase, w] : by) colourPhrases.insert(phrase);
        }
        if (const auto it = lex.dimWords.find(dimNames[size_t(d)]); it != lex.dimWords.end())
            for (const auto& [phrase, w] : it->second) {
                double& slot = by[canon(phrase)];
                slot = std::max(slot, w);
            }
        if (n.partValue) {
            for (const auto& [phrase, w] : by) valuePhrases.insert(phrase);
        } else {
            // Stop words are skipped in the text, so they are left out here too ("worn on feet").
            std::vector<std::string> own;
            for (const auto& w : n.value)
                if (!stopWords().count(w)) own.push_back(canon(w));
            if (!own.empty()) plainPhrases.push_back({d, own});
            std::vector<std::string> tail;
            for (const auto& w : n.valueAfterCategory)
                if (!stopWords().count(w)) tail.push_back(canon(w));
            if (!tail.empty() && tail != own) plainPhrases.push_back({d, tail});
            for (const auto& [phrase, w] : by) {
                std::vector<std::string> words;
                for (const auto& word : phraseWords(phrase))
                    if (!stopWords().count(word)) words.push_back(canon(word));
                if (!words.empty() && words != own) plainPhrases.push_back({d, words});
            }
        }
    }
    for (const auto& [d, words] : plainPhrases)
        for (const auto& w : words) plainWords.insert(w);
    // Longest phrases first: "thick sole" takes its words before "thick" (thick material) can.
    std::stable_sort(plainPhrases.begin(), plainPhrases.end(),
                     [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });

    // Prior rows: every seen class in the split.
    for (size_t c = 0; c < dataset.classes.size(); ++c) {
        const auto& info = dataset.classes[c];
        if (!info.seen || !info.inSplit) continue;
        seenClasses.push_back(int(c));
        const auto words = phraseWords(classNameKey(info.name));
        seenFamily.push_back(words.empty() ? "" : words.back());
        if (!words.empty()) families.insert(words.back());
        const float* row = modality.row(int(c));
        rows.insert(rows.end(), row, row + D);
    }
    if (seenClasses.empty())
        throw std::invalid_argument(
            "the description parser needs seen classes for its prior, and the data set has none");
    const size_t n = seenClasses.size();
    low.assign(size_t(D), 0.0f);
    high.assign(size_t(D), 1.0f);
    std::vector<float> column(n);
    for (int d = 0; d < D; ++d) {
        for (size_t c = 0; c < n; ++c)
            column[c] = std::isfinite(rows[c * size_t(D) + size_t(d)]) ? rows[c * size_t(D) + size_t(d)] : 0.0f;
        const float lo = *std::min_element(column.begin(), column.end());
        std::vector<float> above;
        for (float v : column)
            if (v > lo) above.push_back(v);
        low[size_t(d)] = lo;
        if (above.empty()) {
            high[size_t(d)] = lo;
            continue;
        }
        std::sort(above.begin(), above.end());
        const double q = std::clamp(options.statedQuantile, 0.0, 1.0);
        high[size_t(d)] = above[std::min(above.size() - 1, size_t(std::floor(q * double(above.size() - 1) + 0.5)))];
    }
    // A value the seen classes rarely or never show ("open upper" when no seen class is a sandal)
    // still deserves a clear value when stated: at least statedFloor of the typical dimension's.
    std::vector<float> spans;
    for (int d = 0; d < D; ++d) spans.push_back(high[size_t(d)] - low[size_t(d)]);
    std::nth_element(spans.begin(), spans.begin() + long(spans.size() / 2), spans.end());
    const float typicalSpan = spans[spans.size() / 2];
    for (int d = 0; d < D; ++d)
        high[size_t(d)] = std::max(high[size_t(d)], low[size_t(d)] + float(options.statedFloor) * typicalSpan);
}

Token DescriptionParser::Impl::classify(const std::vector<std::string>& words, size_t at, size_t length) const {
    Token t;
    t.phrase = joinWords(words, at, at + length);
    const std::string& p = t.phrase;
    const std::string c = canon(p);
    if (const auto it = lex.partOf.find(p); it != lex.partOf.end()) {
        t.kind = Kind::Part;
        t.part = it->second;
    } else if (lex.wholeWords.count(p)) {
        t.kind = Kind::Whole;
    } else if (lex.birdWords.count(p)) {
        t.kind = Kind::Bird;
        t.birdKey = p;
    } else if (lex.negations.count(p)) {
        t.kind = Kind::Negate;
    } else if (length == 1 && conjunctions().count(p)) {
        t.kind = Kind::Conjunction;
    } else if (length == 1 && withWords().count(p)) {
        t.kind = Kind::With;
    } else if (length == 1 && (p == "but" || p == "though" || p == "although" || p == "while" || p == "whereas")) {
        t.kind = Kind::But;
    } else if (lex.intensities.count(p) && !valuePhrases.count(c)) {
        t.kind = Kind::Intensity;
    } else if (valuePhrases.count(c)) {
        t.kind = Kind::Modifier;
        t.values.push_back({c, 1.0});
        t.colourValue = colourPhrases.count(c) > 0;
    } else if (const auto mix = lex.mixes.find(p); mix != lex.mixes.end()) {
        t.kind = Kind::Modifier;
        for (const auto& v : mix->second) t.values.push_back({canon(v.name), v.weight});
        t.colourValue = true;
    } else if (plainWords.count(c) || (length == 1 && families.count(p))) {
        t.kind = Kind::Plain;
    } else if (lex.ignored.count(p) || lex.intensities.count(p) || (length == 1 && stopWords().count(p))) {
        t.kind = Kind::Filler;
    } else {
        t.kind = Kind::Unknown;
    }
    return t;
}

Token DescriptionParser::Impl::throughWordNet(const Token& unknown) const {
    const WordNet* wordNet = WordNet::system();
    if (!wordNet || unknown.surface.empty() || std::isdigit(static_cast<unsigned char>(unknown.surface[0])))
        return unknown;
    {
        std::lock_guard<std::mutex> lock(wordNetMutex);
        if (const auto it = wordNetCache.find(unknown.surface); it != wordNetCache.end()) return it->second;
    }
    // The first word of `words` the lexicon reads as a value, bird or part word, as a token.
    const auto reading = [&](const std::vector<std::string>& words, bool nounsToo) -> std::optional<Token> {
        for (const auto& w : words) {
            const auto parts = phraseWords(w);
            if (parts.empty()) continue;
            const std::string p = joinWords(parts);
            if (p == unknown.phrase) continue;
            Token t = unknown;
            t.wordNet = w;
            const std::string c = canon(p);
            if (valuePhrases.count(c)) {
                t.kind = Kind::Modifier;
                t.values = {{c, kWordNetWeight}};
                t.colourValue = colourPhrases.count(c) > 0;
                return t;
            }
            if (!nounsToo) continue;
            if (lex.birdWords.count(p)) {
                t.kind = Kind::Bird;
                t.birdKey = p;
                return t;
            }
            if (parts.size() == 1 && families.count(p)) {
                t.kind = Kind::Plain;
                t.phrase = p;
                return t;
            }
            if (const auto it = lex.partOf.find(p); it != lex.partOf.end()) {
                t.kind = Kind::Part;
                t.part = it->second;
                return t;
            }
        }
        return std::nullopt;
    };
    std::optional<Token> found = reading(wordNet->synonyms(unknown.surface, WordNet::PartOfSpeech::Adjective), false);
    if (!found) found = reading(wordNet->synonyms(unknown.surface, WordNet::PartOfSpeech::Noun), true);
    if (!found)
        for (const auto& level : wordNet->hypernyms(unknown.surface, 2, kWordNetDepth))
            if ((found = reading(level, true))) break;
    const Token out = found ? *found : unknown;
    std::lock_guard<std::mutex> lock(wordNetMutex);
    wordNetCache.emplace(unknown.surface, out);
    return out;
}

std::vector<Token> DescriptionParser::Impl::tokens(const std::string& text) const {
    struct Raw {
        size_t begin, end;
        std::string word;  // stemmed; empty for punctuation
        char mark;         // punctuation: ',' for a soft break, '.' for a hard one
        std::string surface;
    };
    std::vector<Raw> raw;
    for (size_t i = 0; i < text.size();) {
        const auto ch = static_cast<unsigned char>(text[i]);
        if (isWordByte(ch)) {
            size_t j = i;
            std::string w;
            while (j < text.size() && isWordByte(static_cast<unsigned char>(text[j])))
                w.push_back(lowerAscii(text[j++]));
            raw.push_back({i, j, stem(w), 0, w});
            i = j;
            continue;
        }
        if (ch == ',')
            raw.push_back({i, i + 1, "", ',', ""});
        else if (ch == '.' || ch == ';' || ch == '!' || ch == '?' || ch == ':' || ch == '\n' || ch == '(' || ch == ')')
            raw.push_back({i, i + 1, "", '.', ""});
        else if (ch == '&' || ch == '+')
            raw.push_back({i, i + 1, "and", 0, "and"});
        else if (ch == '/')
            raw.push_back({i, i + 1, "or", 0, "or"});
        ++i;
    }
    std::vector<Token> out;
    for (size_t i = 0; i < raw.size();) {
        if (raw[i].mark) {
            Token t;
            t.begin = raw[i].begin;
            t.end = raw[i].end;
            t.kind = raw[i].mark == ',' ? Kind::Comma : Kind::Stop;
            out.push_back(t);
            ++i;
            continue;
        }
        size_t run = 0;
        std::vector<std::string> words;
        while (i + run < raw.size() && !raw[i + run].mark && run < kMaxPhraseWords)
            words.push_back(raw[i + run++].word);
        Token best;
        size_t length = 1;
        for (size_t n = run; n >= 1; --n) {
            Token t = classify(words, 0, n);
            if (n == 1 || (t.kind != Kind::Unknown && !(t.kind == Kind::Filler && !lex.ignored.count(t.phrase)))) {
                best = t;
                length = n;
                break;
            }
        }
        if (length == 1 && raw[i].word.size() == 1 && best.kind == Kind::Unknown)
            best.kind = Kind::Filler;  // "bird's" -> s
        if (length == 1 && best.kind == Kind::Unknown && useWordNet) {
            best.surface = raw[i].surface;
            best = throughWordNet(best);
        }
        best.begin = raw[i].begin;
        best.end = raw[i + length - 1].end;
        out.push_back(best);
        i += length;
    }
    return out;
}

DescriptionParse DescriptionParser::Impl::parse(const std::string& text) const {
    DescriptionParse out;
    if (trimmed(text).empty()) {
        out.problem = "the description is empty: describe the class in words, e.g. \"a small bird with a red head\"";
        return out;
    }
    const std::vector<Token> toks = tokens(text);
    for (const auto& t : toks)
        if (!t.wordNet.empty()) out.wordNetReadings.push_back({text.substr(t.begin, t.end - t.begin), t.wordNet});
    std::map<int, std::pair<double, bool>> stated;  // dim -> (weight, negated)
    std::set<std::string> familyHits;

    struct Mod {
        const Token* token;
        bool negated;
    };
    const auto bind = [&](const std::vector<Mod>& mods, const std::vector<WeightedName>& bodies,
                          const std::vector<WeightedName>& implied, bool negatedPart, size_t begin, size_t end) {
        ParsedPhrase ph;
        ph.begin = begin;
        ph.end = end;
        ph.text = text.substr(begin, end - begin);
        std::map<int, std::pair<double, bool>> set;
        const auto add = [&](int d, double w, bool negated) {
            if (w <= 0) return;
            auto& slot = set[d];
            slot.first = std::max(slot.first, w);
            slot.second = negated;
        };
        for (const auto& m : mods) {
            ph.negated = ph.negated || m.negated;
            for (const auto& value : m.token->values)
                for (const auto& body : bodies) {
                    // "head@pattern": the body serves only that aspect ("striped crown" -> head pattern).
                    const auto at = body.name.find('@');
                    const auto it = dimsOfBody.find(body.name.substr(0, at));
                    if (it == dimsOfBody.end()) continue;
                    for (int d : it->second) {
                        if (at != std::string::npos && dims[size_t(d)].aspect != body.name.substr(at + 1)) continue;
                        const auto& by = statedBy[size_t(d)];
                        if (const auto w = by.find(value.name); w != by.end())
                            add(d, value.weight * body.weight * w->second, m.negated);
                    }
                }
        }
        for (const auto& dim : implied)
            if (const auto it = dimIndex.find(dim.name); it != dimIndex.end()) add(it->second, dim.weight, negatedPart);
        ph.negated = ph.negated || (negatedPart && !implied.empty());
        for (const auto& [d, sw] : set) {
            ph.dims.push_back(d);
            ph.weights.push_back(float(sw.first));
            auto& slot = stated[d];
            slot = (slot.first > 0 && slot.second == sw.second)
                       ? std::make_pair(std::max(slot.first, sw.first), sw.second)
                       : sw;
        }
        out.phrases.push_back(std::move(ph));
    };

    const auto meaningfulAfter = [&](size_t i) -> const Token* {
        for (size_t j = i + 1; j < toks.size(); ++j)
            if (toks[j].kind != Kind::Filler && toks[j].kind != Kind::Unknown) return &toks[j];
        return nullptr;
    };

    std::vector<Mod> pending;
    struct Group {
        std::vector<Mod> mods;
        std::vector<WeightedName> bodies;
        size_t begin = 0;
    } last;
    bool haveLast = false, postBind = false, joined = false, negated = false, negationBound = false;
    std::vector<Token> intensityModifiers;  // stable storage for "dark" read as a colour
    intensityModifiers.reserve(toks.size());
    const auto flush = [&] {
        if (pending.empty()) return;
        const size_t end = pending.back().token->end;
        if (haveLast && postBind)
            bind(pending, last.bodies, {}, false, last.begin, end);
        else
            bind(pending, lex.wholeBodies, {}, false, pending.front().token->begin, end);
        pending.clear();
    };
    for (size_t i = 0; i < toks.size(); ++i) {
        const Token& t = toks[i];
        switch (t.kind) {
        case Kind::Filler: break;
        case Kind::Unknown:
            if (!std::all_of(t.phrase.begin(), t.phrase.end(), [](char c) { return c >= '0' && c <= '9'; }))
                out.unknownWords.push_back({t.begin, t.end, text.substr(t.begin, t.end - t.begin)});
            break;
        case Kind::Plain:
            if (families.count(t.phrase)) familyHits.insert(t.phrase);
            break;
        case Kind::Negate:
            negated = true;
            negationBound = false;
            joined = false;
            break;
        case Kind::Intensity: {
            const Token* next = meaningfulAfter(i);
            if (next && next->kind == Kind::Modifier && next->colourValue) break;  // "bright red"
            const auto mix = lex.mixes.find(t.phrase);
            if (mix == lex.mixes.end()) break;
            Token asColour = t;
            asColour.kind = Kind::Modifier;
            for (const auto& v : mix->second) asColour.values.push_back({canon(v.name), v.weight});
            intensityModifiers.push_back(asColour);
            pending.push_back({&intensityModifiers.back(), negated});
            joined = false;
            break;
        }
        case Kind::Modifier:
            pending.push_back({&t, negated});
            joined = false;
            break;
        case Kind::Conjunction:
            joined = true;
            if (negationBound && t.phrase != "or" && t.phrase != "nor") negated = false;
            break;
        case Kind::Comma:
            // "head black, white throat": a colour after its part ends at the comma. "a long, hooked
            // bill": modifiers before any part run on.
            if (!pending.empty() && haveLast && postBind && pending.front().token->begin > last.begin) flush();
            postBind = false;
            joined = true;
            if (negationBound) negated = false;
            break;
        case Kind::With:
            flush();
            joined = false;
            negated = false;
            break;
        case Kind::But:
        case Kind::Stop:
            flush();
            haveLast = postBind = joined = negated = false;
            break;
        case Kind::Part:
        case Kind::Whole:
        case Kind::Bird: {
            static const std::vector<WeightedName> none;
            const std::vector<WeightedName>& bodies =
                t.kind == Kind::Part ? lex.parts[size_t(t.part)].bodies : lex.wholeBodies;
            const std::vector<WeightedName>& implied = t.kind == Kind::Part   ? lex.parts[size_t(t.part)].implies
                                                       : t.kind == Kind::Bird ? lex.birdWords.at(t.birdKey)
                                                                              : none;
            if (t.kind == Kind::Bird) {
                const auto words = splitOn(t.birdKey, ' ');
                if (!words.empty() && families.count(words.back())) familyHits.insert(words.back());
            }
            if (!pending.empty()) {
                bind(pending, bodies, implied, negated, pending.front().token->begin, t.end);
                last = {pending, bodies, t.begin};
                pending.clear();
            } else if (joined && haveLast && !last.mods.empty()) {
                bind(last.mods, bodies, implied, negated, t.begin, t.end);  // "a yellow throat and belly"
                last.bodies = bodies;
                last.begin = t.begin;
            } else {
                bind({}, bodies, implied, negated, t.begin, t.end);
                last = {{}, bodies, t.begin};
            }
            haveLast = postBind = true;
            joined = false;
            if (negated) negationBound = true;
            break;
        }
        }
    }
    flush();

    // Names without "::": their phrases anywhere in the text (fillers skipped), negated when a
    // negation stands just before.
    if (!plainPhrases.empty()) {
        struct Word {
            std::string word;
            size_t token;
        };
        std::vector<Word> seq;
        for (size_t i = 0; i < toks.size(); ++i) {
            const Token& t = toks[i];
            if (t.kind == Kind::Filler || t.kind == Kind::With || (t.kind == Kind::Conjunction && t.phrase != "and"))
                continue;
            // Breaks no phrase matches across, and where a negation ends: "no heel, worn on feet"
            // and "no laces and a thick sole" deny only the heel and the laces.
            if (t.kind == Kind::Stop || t.kind == Kind::Comma || t.kind == Kind::Conjunction) {
                seq.push_back({".", i});
                continue;
            }
            for (const auto& w : splitOn(t.phrase, ' ')) seq.push_back({canon(w), i});
        }
        std::set<size_t> known;
        std::vector<char> used(seq.size(), 0);  // words already taken by a longer phrase
        for (const auto& [d, words] : plainPhrases) {
            for (size_t at = 0; at + words.size() <= seq.size(); ++at) {
                bool match = true;
                for (size_t k = 0; k < words.size() && match; ++k)
                    match = !used[at + k] &&
                            (seq[at + k].word == words[k] || canon(toks[seq[at + k].token].phrase) == words[k]);
                if (!match) continue;
                for (size_t k = 0; k < words.size(); ++k) used[at + k] = 1;
                bool isNegated = false;
                for (size_t back = 1; back <= 3 && back <= at; ++back) {
                    const Token& prev = toks[seq[at - back].token];
                    if (seq[at - back].word == ".") break;
                    isNegated = isNegated || prev.kind == Kind::Negate;
                }
                const size_t first = seq[at].token, lastToken = seq[at + words.size() - 1].token;
                for (size_t k = first; k <= lastToken; ++k) known.insert(k);
                ParsedPhrase ph;
                ph.begin = toks[first].begin;
                ph.end = toks[lastToken].end;
                ph.text = text.substr(ph.begin, ph.end - ph.begin);
                ph.negated = isNegated;
                ph.dims.push_back(d);
                ph.weights.push_back(1.0f);
                stated[d] = {1.0, isNegated};
                out.phrases.push_back(std::move(ph));
            }
        }
        out.unknownWords.erase(std::remove_if(out.unknownWords.begin(), out.unknownWords.end(),
                                              [&](const UnknownWord& u) {
                                                  for (size_t k : known)
                                                      if (toks[k].begin == u.begin) return true;
                                                  return false;
                                              }),
                               out.unknownWords.end());
    }
    std::sort(out.phrases.begin(), out.phrases.end(), [](const ParsedPhrase& a, const ParsedPhrase& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });

    // Within a part, a value stated much more weakly than another yields to it: "a long heavy
    // dagger bill" is a dagger (1) rather than a cone (heavy: 0.7); "a red bird with black wings"
    // keeps black wings (1) over the whole bird's red (0.5).
    std::vector<double> strongest(size_t(partGroups), 0.0);
    for (const auto& [d, sw] : stated)
        if (!sw.second)
            strongest[size_t(partOfDim[size_t(d)])] = std::max(strongest[size_t(partOfDim[size_t(d)])], sw.first);
    for (auto it = stated.begin(); it != stated.end();) {
        if (!it->second.second && it->second.first < kYieldShare * strongest[size_t(partOfDim[size_t(it->first)])])
            it = stated.erase(it);
        else
            ++it;
    }
    for (auto& ph : out.phrases) {
        std::vector<int> keptDims;
        std::vector<float> keptWeights;
        for (size_t k = 0; k < ph.dims.size(); ++k)
            if (stated.count(ph.dims[k])) {
                keptDims.push_back(ph.dims[k]);
                keptWeights.push_back(ph.weights[k]);
            }
        ph.dims = std::move(keptDims);
        ph.weights = std::move(keptWeights);
    }
    for (const auto& [d, sw] : stated) out.statedDims.push_back(d);
    if (stated.empty() && familyHits.empty()) {
        std::string unknown;
        for (const auto& u : out.unknownWords) unknown += (unknown.empty() ? "" : ", ") + u.word;
        out.problem =
            unknown.empty()
                ? "nothing in the description names an attribute of this data set"
                : "no word of the description names an attribute of this data set (not understood: " + unknown + ")";
        return out;
    }

    // Prior: the seen classes that agree best with what was said, softmax-weighted.
    const size_t n = seenClasses.size();
    std::vector<double> score(n, 0.0);
    double totalWeight = 0;
    for (const auto& [d, sw] : stated) totalWeight += sw.first;
    for (size_t c = 0; c < n; ++c) {
        double agree = 0;
        for (const auto& [d, sw] : stated) {
            const double range = double(high[size_t(d)]) - double(low[size_t(d)]);
            const double v = rows[c * size_t(D) + size_t(d)];
            const double a = range > 0 ? std::clamp((v - double(low[size_t(d)])) / range, 0.0, 1.0) : 0.0;
            agree += sw.first * (sw.second ? 1.0 - a : a);
        }
        score[c] = totalWeight > 0 ? agree / totalWeight : 0.0;
        if (familyHits.count(seenFamily[c])) score[c] += kFamilyBonus;
    }
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t(0));
    const size_t k = std::min(n, size_t(std::max(1, options.priorNeighbours)));
    std::partial_sort(order.begin(), order.begin() + long(k), order.end(),
                      [&](size_t a, size_t b) { return score[a] != score[b] ? score[a] > score[b] : a < b; });
    std::vector<double> weight(k);
    double sum = 0;
    for (size_t j = 0; j < k; ++j)
        sum += weight[j] = std::exp(options.priorSharpness * (score[order[j]] - score[order[0]]));
    std::vector<double> v(size_t(D), 0.0);
    for (size_t j = 0; j < k; ++j) {
        const float* row = rows.data() + order[j] * size_t(D);
        for (int d = 0; d < D; ++d) v[size_t(d)] += weight[j] / sum * (std::isfinite(row[d]) ? row[d] : 0.0f);
        out.nearestSeenClasses.push_back(seenClasses[order[j]]);
    }

    // Stated values replace their dimensions; the other values of their parts are lowered.
    std::vector<char> partStated(size_t(partGroups), 0);
    for (const auto& [d, sw] : stated)
        if (!sw.second) partStated[size_t(partOfDim[size_t(d)])] = 1;
    for (int d = 0; d < D; ++d) {
        const auto it = stated.find(d);
        const double lo = low[size_t(d)], hi = high[size_t(d)];
        if (it != stated.end()) {
            v[size_t(d)] = it->second.second ? lo : std::max(v[size_t(d)], lo + it->second.first * (hi - lo));
        } else if (partStated[size_t(partOfDim[size_t(d)])]) {
            v[size_t(d)] = lo + options.otherValuesKept * (v[size_t(d)] - lo);
        }
    }
    out.vector.assign(v.begin(), v.end());
    return out;
}

DescriptionParser::DescriptionParser(const Dataset& dataset, const Modality& modality,
                                     const DescriptionParserOptions& options)
    : impl_(std::make_unique<Impl>()) {
    if (modality.dims <= 0 || int(modality.dimNames.size()) != modality.dims)
        throw std::invalid_argument("the modality \"" + modality.name +
                                    "\" has no dimension names, so a description in words cannot be mapped onto it");
    if (modality.values.size() != dataset.classes.size() * size_t(modality.dims))
        throw std::invalid_argument("the modality \"" + modality.name + "\" does not have one row per class");
    impl_->options = options;
    impl_->useWordNet = options.useWordNet;
    const std::string source = options.lexicon.empty() ? std::string(kLexiconName) : std::string("lexicon");
    impl_->lex = parseLexicon(options.lexicon.empty() ? readFileOrEmbedded(kLexiconName) : options.lexicon, source);
    impl_->build(dataset, modality);
}

DescriptionParser::~DescriptionParser() = default;
DescriptionParser::DescriptionParser(DescriptionParser&&) noexcept = default;
DescriptionParser& DescriptionParser::operator=(DescriptionParser&&) noexcept = default;

DescriptionParse DescriptionParser::parse(const std::string& text) const { return impl_->parse(text); }

std::vector<float> DescriptionParser::vectorOrThrow(const std::string& text, const std::string& what) const {
    DescriptionParse p = parse(text);
    if (!p.ok()) throw std::invalid_argument(what + ": " + p.problem);
    return std::move(p.vector);
}

int DescriptionParser::dims() const { return impl_->D; }

std::string DescriptionParser::readableDimName(const std::string& dimName) {
    const auto cut = dimName.find("::");
    std::string part = cut == std::string::npos ? dimName : dimName.substr(0, cut);
    if (cut != std::string::npos && part.rfind("has_", 0) == 0) part = part.substr(4);
    std::replace(part.begin(), part.end(), '_', ' ');
    if (cut == std::string::npos) return part;
    std::string value = dimName.substr(cut + 2);
    std::replace(value.begin(), value.end(), '_', ' ');
    return part + ": " + value;
}

}  // namespace niwt
