#pragma once
// Read-only access to Princeton WordNet 3.0's database files (Debian's wordnet-base:
// /usr/share/wordnet/index.{adj,noun} and data.{adj,noun}), for the description parser's unknown
// words: a word's synonyms (its synsets' words) and a noun's hypernyms ("kestrel" -> falcon ->
// hawk). Plain C++; no network, nothing written. The index files are read into memory on first use
// (about 6 MB) and searched by binary search; data lines are read by their byte offset.
#include <memory>
#include <string>
#include <vector>

namespace niwt {

class WordNet {
public:
    // The database in `directory`. Throws DataError naming the directory when an index or data
    // file is missing.
    explicit WordNet(const std::string& directory);
    ~WordNet();

    // The system's database: $NIWT_WORDNET_DIR, else /usr/share/wordnet; nullptr when absent
    // (the parser then uses its own lexicon alone). Loaded once per process.
    static const WordNet* system();

    enum class PartOfSpeech { Adjective, Noun };

    // Words (lower case, '_' as ' ') of the first `senses` synsets of `lemma`, each synset's words
    // in their order, the lemma's own senses first. Empty when WordNet does not know the word.
    std::vector<std::string> synonyms(const std::string& lemma, PartOfSpeech pos, int senses = 3) const;

    // Breadth-first over the hypernyms of the noun `lemma`'s first `senses` senses: each level's
    // words, nearest first, at most `depth` levels ("grosbeak" -> {"finch"}, {"oscine", ...}, ...).
    std::vector<std::vector<std::string>> hypernyms(const std::string& lemma, int senses = 2, int depth = 6) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace niwt
