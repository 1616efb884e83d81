// The description parser on real vocabularies (../shared): CUB's 312 attributes with the seen
// classes' typed development sentences (tests/data/cub_seen_typed_dev.json), and AwA2's 85
// predicates. Only seen classes are used: each sentence is parsed with its own class left out of
// the prior, then its vector is compared with the real rows of the 150 seen classes. Skips when
// ../shared is absent.
#include <gtest/gtest.h>

#include "core/data/caption_attributes.h"
#include "core/data/description_parser.h"
#include "core/data/loaders.h"
#include "core/data/text_encoder.h"
#include "test_support.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

namespace niwt {
namespace {

const std::string kData = test::sharedDir() + "/data";

// Cosine after subtracting the seen classes' mean row: what tells one bird from another.
double centredCosine(const std::vector<float>& a, const float* b, const std::vector<double>& mean) {
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        const double x = a[i] - mean[i], y = b[i] - mean[i];
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    return na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 0.0;
}

struct Retrieval {
    int sentences = 0;
    int top1 = 0, top5 = 0;
};

// For each typed sentence of a seen class: the rank of that class's real row among all seen rows,
// by centred cosine with the sentence's vector.
template <typename ToVector>
Retrieval retrieval(const Dataset& cub, const nlohmann::json& sentences, ToVector toVector) {
    const Modality& m = *cub.modality("attributes");
    std::vector<int> seen;
    for (size_t c = 0; c < cub.classes.size(); ++c)
        if (cub.classes[c].seen && cub.classes[c].inSplit) seen.push_back(int(c));
    std::vector<double> mean(size_t(m.dims), 0.0);
    for (int c : seen)
        for (int d = 0; d < m.dims; ++d) mean[size_t(d)] += m.row(c)[d] / double(seen.size());
    Retrieval r;
    for (const auto& [name, sentence] : sentences.items()) {
        int c = -1;
        for (int s : seen)
            if (classNameKey(cub.classes[size_t(s)].name) == classNameKey(name)) c = s;
        if (c < 0) continue;
        const std::vector<float> v = toVector(c, sentence.template get<std::string>());
        if (v.empty()) continue;
        const double own = centredCosine(v, m.row(c), mean);
        int rank = 0;
        for (int other : seen)
            if (other != c && centredCosine(v, m.row(other), mean) > own) ++rank;
        ++r.sentences;
        r.top1 += rank == 0;
        r.top5 += rank < 5;
    }
    return r;
}

TEST(DescriptionParserShared, TypedSeenSentencesFindTheirClass) {
    const std::string cubDir = kData + "/CUB_200_2011", split = kData + "/xlsa17/CUB";
    const std::string devFile = std::string(NIWT_TEST_SOURCE_DIR) + "/cub_seen_typed_dev.json";
    if (!test::fs::exists(cubDir) || !test::fs::exists(split))
        GTEST_SKIP() << cubDir << " or " << split << " is absent";
    Dataset cub = openDataset("cub:" + cubDir);
    applySplit(cub, "xlsa17:" + split);
    std::ifstream in(devFile);
    ASSERT_TRUE(in) << devFile;
    const auto sentences = nlohmann::json::parse(in);

    // The parser, its own class left out of the prior (the class is made unseen in a copy).
    const Retrieval parsed = retrieval(cub, sentences, [&](int c, const std::string& text) {
        Dataset copy = cub;
        copy.classes[size_t(c)].seen = false;
        return DescriptionParser(copy, *copy.modality("attributes")).parse(text).vector;
    });
    // The older keyword matcher, scores scaled to each attribute's largest seen value.
    const Modality& m = *cub.modality("attributes");
    std::vector<float> largest(size_t(m.dims), 0.0f);
    for (size_t c = 0; c < cub.classes.size(); ++c)
        if (cub.classes[c].seen && cub.classes[c].inSplit)
            for (int d = 0; d < m.dims; ++d) largest[size_t(d)] = std::max(largest[size_t(d)], m.row(int(c))[d]);
    const Retrieval keyword = retrieval(cub, sentences, [&](int, const std::string& text) {
        auto s = attributeScoresFromCaption(text, m.dimNames);
        for (size_t d = 0; d < s.size(); ++d) s[d] *= largest[d];
        return s;
    });
    ASSERT_GE(parsed.sentences, 30);
    std::cout << "typed seen sentences: " << parsed.sentences << ", parser top-1 " << parsed.top1 << " top-5 "
              << parsed.top5 << "; keyword matcher top-1 " << keyword.top1 << " top-5 " << keyword.top5 << "\n";
    // Measured with the committed defaults: top-5 28 of 35 (keyword matcher: 10). The floor, 20
    // (57 %), is far above chance (5 of 150 per sentence: 3 %) and twice the keyword matcher.
    EXPECT_GE(parsed.top5, 20);
    EXPECT_GT(parsed.top5, keyword.top5);
}

// AwA2's predicates have no "::" parts: names are stated by their own words and the lexicon's
// phrases. "a big gray animal with tusks, no fur, that swims in rivers" states big, gray, tusks,
// swims and water, and denies furry. Tusks are the rarest of these in AwA2's table, so the seen
// class that agrees best (the first neighbour) is one whose row has tusks (elephant or walrus).
TEST(DescriptionParserShared, AwA2Predicates) {
    const std::string dir = kData + "/AwA2";
    if (!test::fs::exists(dir)) GTEST_SKIP() << dir << " is absent";
    Dataset awa = openDataset("awa2:" + dir);
    const Modality& m = *awa.modality("attributes");
    const auto dimOf = [&](const std::string& name) {
        return int(std::find(m.dimNames.begin(), m.dimNames.end(), name) - m.dimNames.begin());
    };
    const DescriptionParser parser(awa, m);
    const auto p = parser.parse("a big gray animal with tusks, no fur, that swims in rivers");
    ASSERT_TRUE(p.ok()) << p.problem;
    for (const char* name : {"big", "gray", "tusks", "swims", "water"})
        EXPECT_NE(std::find(p.statedDims.begin(), p.statedDims.end(), dimOf(name)), p.statedDims.end()) << name;
    // "no fur": furry is denied, so it takes the seen minimum (0 in AwA2's table).
    EXPECT_EQ(p.vector[size_t(dimOf("furry"))], 0.0f);
    ASSERT_FALSE(p.nearestSeenClasses.empty());
    const int first = p.nearestSeenClasses.front();
    EXPECT_GE(m.row(first)[dimOf("tusks")], 50.0f) << awa.classes[size_t(first)].name;
}

}  // namespace
}  // namespace niwt
