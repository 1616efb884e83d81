#include "core/data/wordnet.h"

#include "core/data/dataset.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace niwt {

namespace {

std::string readWhole(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw DataError(located(path, 0, "cannot open the WordNet file"));
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// One index file: its text and the start of every entry line (license lines start with spaces and
// are skipped), in the file's sorted order.
struct Index {
    std::string text;
    std::vector<size_t> lines;

    void load(const std::string& path) {
        text = readWhole(path);
        for (size_t at = 0; at < text.size();) {
            const size_t end = text.find('\n', at);
            if (text[at] != ' ') lines.push_back(at);
            if (end == std::string::npos) break;
            at = end + 1;
        }
    }
    // Synset offsets of `lemma` ("red", "blood_red"), in sense order.
    std::vector<long> offsets(const std::string& lemma) const {
        const auto keyOf = [&](size_t start) {
            const size_t space = text.find(' ', start);
            return std::string_view(text).substr(start, space - start);
        };
        const auto it = std::lower_bound(lines.begin(), lines.end(), lemma,
                                         [&](size_t start, const std::string& key) { return keyOf(start) < key; });
        if (it == lines.end() || keyOf(*it) != lemma) return {};
        const size_t end = text.find('\n', *it);
        std::istringstream fields(text.substr(*it, end - *it));
        std::string word, pos;
        int synsets = 0, pointers = 0;
        fields >> word >> pos >> synsets >> pointers;
        std::string skip;
        for (int p = 0; p < pointers; ++p) fields >> skip;
        int senses = 0, tagged = 0;
        fields >> senses >> tagged;
        std::vector<long> out;
        long offset = 0;
        for (int s = 0; s < synsets && fields >> offset; ++s) out.push_back(offset);
        return out;
    }
};

struct Synset {
    std::vector<std::string> words;
    std::vector<long> hypernyms;  // '@' and '@i' pointers to nouns
};

Synset readSynset(std::ifstream& data, long offset) {
    Synset s;
    data.clear();
    data.seekg(offset);
    std::string line;
    if (!std::getline(data, line)) return s;
    std::istringstream fields(line);
    std::string token, type;
    long own = 0;
    int lexFile = 0;
    fields >> own >> lexFile >> type;
    std::string countHex;
    fields >> countHex;
    const int words = int(std::strtol(countHex.c_str(), nullptr, 16));
    for (int w = 0; w < words; ++w) {
        std::string word, lexId;
        fields >> word >> lexId;
        if (const auto bracket = word.find('('); bracket != std::string::npos)
            word = word.substr(0, bracket);  // "red(a)"
        std::transform(word.begin(), word.end(), word.begin(),
                       [](unsigned char c) { return c == '_' ? ' ' : char(std::tolower(c)); });
        s.words.push_back(word);
    }
    int pointers = 0;
    fields >> pointers;
    for (int p = 0; p < pointers; ++p) {
        std::string symbol, pos, sourceTarget;
        long target = 0;
        fields >> symbol >> target >> pos >> sourceTarget;
        if ((symbol == "@" || symbol == "@i") && pos == "n") s.hypernyms.push_back(target);
    }
    return s;
}

}  // namespace

struct WordNet::Impl {
    std::string directory;
    Index adjectives, nouns;
    std::string adjectiveData, nounData;
};

WordNet::WordNet(const std::string& directory) : impl_(std::make_unique<Impl>()) {
    impl_->directory = directory;
    for (const char* file : {"index.adj", "index.noun", "data.adj", "data.noun"})
        if (!std::filesystem::exists(std::filesystem::path(directory) / file))
            throw DataError(located(directory, 0, std::string("not a WordNet database: ") + file + " is missing"));
    impl_->adjectives.load((std::filesystem::path(directory) / "index.adj").string());
    impl_->nouns.load((std::filesystem::path(directory) / "index.noun").string());
    impl_->adjectiveData = (std::filesystem::path(directory) / "data.adj").string();
    impl_->nounData = (std::filesystem::path(directory) / "data.noun").string();
}

WordNet::~WordNet() = default;

const WordNet* WordNet::system() {
    static const std::unique_ptr<WordNet> instance = []() -> std::unique_ptr<WordNet> {
        const char* env = std::getenv("NIWT_WORDNET_DIR");
        const std::string dir = env && *env ? env : "/usr/share/wordnet";
        try {
            return std::make_unique<WordNet>(dir);
        } catch (const std::exception&) {
            return nullptr;
        }
    }();
    return instance.get();
}

std::vector<std::string> WordNet::synonyms(const std::string& lemma, PartOfSpeech pos, int senses) const {
    std::string key = lemma;
    std::replace(key.begin(), key.end(), ' ', '_');
    const Index& index = pos == PartOfSpeech::Adjective ? impl_->adjectives : impl_->nouns;
    std::ifstream data(pos == PartOfSpeech::Adjective ? impl_->adjectiveData : impl_->nounData, std::ios::binary);
    std::vector<std::string> out;
    const auto offsets = index.offsets(key);
    for (size_t s = 0; s < offsets.size() && int(s) < senses; ++s)
        for (auto& w : readSynset(data, offsets[s]).words) out.push_back(std::move(w));
    return out;
}

std::vector<std::vector<std::string>> WordNet::hypernyms(const std::string& lemma, int senses, int depth) const {
    std::string key = lemma;
    std::replace(key.begin(), key.end(), ' ', '_');
    std::ifstream data(impl_->nounData, std::ios::binary);
    std::vector<long> level;
    const auto offsets = impl_->nouns.offsets(key);
    for (size_t s = 0; s < offsets.size() && int(s) < senses; ++s) level.push_back(offsets[s]);
    std::set<long> visited(level.begin(), level.end());
    std::vector<std::vector<std::string>> out;
    for (int d = 0; d < depth && !level.empty(); ++d) {
        std::vector<long> next;
        std::vector<std::string> words;
        for (long offset : level)
            for (long up : readSynset(data, offset).hypernyms)
                if (visited.insert(up).second) next.push_back(up);
        for (long offset : next)
            for (auto& w : readSynset(data, offset).words) words.push_back(std::move(w));
        if (!words.empty()) out.push_back(std::move(words));
        level = std::move(next);
    }
    return out;
}

}  // namespace niwt
