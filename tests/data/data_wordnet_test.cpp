// WordNet lookups (core/data/wordnet.h) and the description parser's use of them, on the system's
// WordNet 3.0 database (Debian's wordnet-base). Skips when the database is absent.
#include <gtest/gtest.h>

#include "core/data/description_parser.h"
#include "core/data/wordnet.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace niwt {
namespace {

bool contains(const std::vector<std::string>& words, const std::string& w) {
    return std::find(words.begin(), words.end(), w) != words.end();
}

class WordNetTest : public ::testing::Test {
protected:
    void SetUp() override {
        wordNet = WordNet::system();
        if (!wordNet) GTEST_SKIP() << "WordNet database absent (/usr/share/wordnet; install wordnet-base)";
    }
    const WordNet* wordNet = nullptr;
};

// WordNet 3.0 puts crimson, scarlet and red in one adjective synset ("red, reddish, ruddy,
// blood-red, carmine, ..."), and a kestrel is a falcon.
TEST_F(WordNetTest, SynonymsAndHypernyms) {
    EXPECT_TRUE(contains(wordNet->synonyms("crimson", WordNet::PartOfSpeech::Adjective), "red"));
    EXPECT_TRUE(contains(wordNet->synonyms("scarlet", WordNet::PartOfSpeech::Adjective), "red"));
    const auto up = wordNet->hypernyms("kestrel");
    ASSERT_FALSE(up.empty());
    EXPECT_TRUE(contains(up.front(), "falcon"));
    EXPECT_TRUE(wordNet->synonyms("zzyzxq", WordNet::PartOfSpeech::Noun).empty());
    // The binary search reaches the end of the sorted index.
    EXPECT_FALSE(wordNet->synonyms("zyrian", WordNet::PartOfSpeech::Noun).empty());  // the last entry
}

// "kestrel" is not in the lexicon: through WordNet it is a falcon, a lexicon bird word, so it
// states has_shape::hawk-like; the reading is reported.
TEST_F(WordNetTest, ParserReadsUnknownWordsThroughWordNet) {
    Dataset d;
    d.classes = {{1, "001.Red_tailed_Hawk", true, true}, {2, "002.House_Sparrow", true, true}};
    Modality m;
    m.name = "attributes";
    m.dimNames = {"has_shape::hawk-like", "has_shape::perching-like"};
    m.dims = 2;
    m.values = {90, 0, 0, 90};
    d.modalities.push_back(m);
    const DescriptionParser parser(d, d.modalities.front());
    const auto p = parser.parse("a kestrel");
    ASSERT_TRUE(p.ok()) << p.problem;
    EXPECT_EQ(p.statedDims, std::vector<int>{0});
    ASSERT_EQ(p.wordNetReadings.size(), 1u);
    EXPECT_EQ(p.wordNetReadings[0].first, "kestrel");
    EXPECT_EQ(p.wordNetReadings[0].second, "falcon");
    // Without WordNet the word is unknown and nothing is understood.
    DescriptionParserOptions o;
    o.useWordNet = false;
    const auto q = DescriptionParser(d, d.modalities.front(), o).parse("a kestrel");
    EXPECT_FALSE(q.ok());
    ASSERT_EQ(q.unknownWords.size(), 1u);
}

TEST(WordNetErrors, MissingDatabaseNamesTheFolder) {
    const auto dir = std::filesystem::temp_directory_path() / "niwt_no_wordnet";
    std::filesystem::create_directories(dir);
    try {
        WordNet w(dir.string());
        FAIL() << "an empty folder is not a WordNet database";
    } catch (const DataError& e) {
        EXPECT_NE(std::string(e.what()).find("niwt_no_wordnet"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("index.adj"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace niwt
