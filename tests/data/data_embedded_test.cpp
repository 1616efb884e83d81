// Embedded datasets/ files and the default Fashion-MNIST attribute table they carry.
#include "core/data/embedded.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "core/data/csv.h"
#include "core/data/text_table.h"
#include "test_support.h"

namespace niwt {
namespace {

using test::dataErrorOf;

const std::vector<std::string> kFashionMnistClasses = {"T-shirt_top", "Trouser", "Pullover", "Dress", "Coat",
                                                       "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle_boot"};

TEST(Embedded, HoldsTheFashionMnistDefaults) {
    auto names = embeddedFileNames();
    EXPECT_NE(std::find(names.begin(), names.end(), "fashion-mnist/attributes.csv"), names.end());
    EXPECT_NE(std::find(names.begin(), names.end(), "fashion-mnist/unseen_classes.txt"), names.end());
    EXPECT_TRUE(hasEmbeddedFile("fashion-mnist/attributes.csv"));
}

TEST(Embedded, MatchesTheSourceTree) {
    // The build embeds the files as they are in datasets/; a stale copy would hide an edit.
    const std::string datasets = std::string(NIWT_TEST_SOURCE_DIR) + "/../../datasets/";
    for (const std::string& name : embeddedFileNames()) {
        std::ifstream in(datasets + name, std::ios::binary);
        ASSERT_TRUE(in) << datasets + name;
        std::string onDisk((std::istreambuf_iterator<char>(in)), {});
        EXPECT_EQ(embeddedFile(name), onDisk) << name;
    }
}

TEST(Embedded, UnknownNameIsAnErrorAndPrefixReadsEmbedded) {
    EXPECT_EQ(dataErrorOf([] { embeddedFile("nothing.txt"); }), "embedded:nothing.txt: no such embedded file");
    EXPECT_EQ(readFileOrEmbedded("embedded:fashion-mnist/unseen_classes.txt"),
              embeddedFile("fashion-mnist/unseen_classes.txt"));
}

TEST(FashionMnistAttributes, CoverAllClassesWithAtLeast15AttributesInZeroToOne) {
    auto rows = parseCsv(embeddedFile("fashion-mnist/attributes.csv"), "attributes.csv");
    ASSERT_EQ(rows.size(), 11u);  // header + 10 classes
    EXPECT_EQ(rows[0].fields[0], "class");
    EXPECT_GE(rows[0].fields.size() - 1, 15u);
    std::vector<std::vector<float>> vectors;
    for (size_t r = 1; r < rows.size(); ++r) {
        EXPECT_EQ(rows[r].fields[0], kFashionMnistClasses[r - 1]) << "rows follow the label order 0-9";
        std::vector<float> vector;
        for (size_t c = 1; c < rows[r].fields.size(); ++c) {
            float value = -1;
            EXPECT_TRUE(parseFloat(rows[r].fields[c], &value));
            EXPECT_GE(value, 0.0f);
            EXPECT_LE(value, 1.0f);
            vector.push_back(value);
        }
        vectors.push_back(vector);
    }
    // Identical class vectors could never be told apart by a zero-shot model.
    for (size_t a = 0; a < vectors.size(); ++a)
        for (size_t b = a + 1; b < vectors.size(); ++b)
            EXPECT_NE(vectors[a], vectors[b]) << kFashionMnistClasses[a] << " vs " << kFashionMnistClasses[b];
}

TEST(FashionMnistAttributes, UnseenClassesShareAttributesWithSeenOnes) {
    auto rows = parseCsv(embeddedFile("fashion-mnist/attributes.csv"), "attributes.csv");
    TextTable unseenList = TextTable::parse(embeddedFile("fashion-mnist/unseen_classes.txt"), "unseen");
    std::vector<std::string> unseen;
    for (const TextLine& line : unseenList.lines())
        if (line.text[0] != '#') unseen.push_back(line.text);
    EXPECT_EQ(unseen, (std::vector<std::string>{"Pullover", "Sandal", "Dress"}));
    auto isUnseen = [&](const std::string& name) {
        return std::find(unseen.begin(), unseen.end(), name) != unseen.end();
    };
    // Zero-shot transfer needs the attributes that describe an unseen class to be learnable
    // from seen classes: every attribute an unseen class has (value >= 0.3) except at most one
    // per class (its defining novelty, e.g. Sandal's open_upper) is >= 0.3 in some seen class.
    const size_t dims = rows[0].fields.size() - 1;
    for (size_t r = 1; r < rows.size(); ++r) {
        if (!isUnseen(rows[r].fields[0])) continue;
        int unlearnable = 0;
        for (size_t c = 1; c <= dims; ++c) {
            if (std::stof(rows[r].fields[c]) < 0.3f) continue;
            bool inSeen = false;
            for (size_t s = 1; s < rows.size(); ++s)
                if (!isUnseen(rows[s].fields[0]) && std::stof(rows[s].fields[c]) >= 0.3f) inSeen = true;
            if (!inSeen) ++unlearnable;
        }
        EXPECT_LE(unlearnable, 1) << rows[r].fields[0];
    }
}

}  // namespace
}  // namespace niwt
