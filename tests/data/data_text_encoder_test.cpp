// The caption-text encoder: tokenizer and stemmer, TF-IDF weights computed by hand, similarity,
// class-name matching, the descriptions file and the "captions" modality (also on the real CUB
// descriptions when ../shared holds them).
#include <gtest/gtest.h>

#include <cmath>

#include "core/data/loaders.h"
#include "core/data/text_encoder.h"
#include "test_support.h"

namespace niwt {
namespace {

using Tokens = std::vector<std::string>;

// Lower-cased, split on punctuation / '_' / "::", stop words ("a", "with", "and", "its", "has")
// and one-letter tokens dropped, plurals stemmed.
TEST(TextEncoder, TokenizesAndStems) {
    EXPECT_EQ(tokenize("A long, hooked Bill with black-tipped WINGS"),
              (Tokens{"long", "hooked", "bill", "black", "tipped", "wing"}));
    EXPECT_EQ(tokenize("has_bill_shape::hooked_seabird"), (Tokens{"bill", "shape", "hooked", "seabird"}));
    EXPECT_EQ(tokenize("a wingspan of up to 3.5 feet"), (Tokens{"wingspan", "up", "foot"}));
    EXPECT_EQ(tokenize("  ...  "), Tokens{});
}

TEST(TextEncoder, StemsPlurals) {
    EXPECT_EQ(stem("feathers"), "feather");
    EXPECT_EQ(stem("wings"), "wing");
    EXPECT_EQ(stem("eyes"), "eye");
    EXPECT_EQ(stem("bodies"), "body");      // -ies -> -y
    EXPECT_EQ(stem("patches"), "patch");    // -ches -> -ch
    EXPECT_EQ(stem("glasses"), "glass");    // -sses -> -ss
    EXPECT_EQ(stem("feet"), "foot");        // irregular
    EXPECT_EQ(stem("grass"), "grass");      // -ss kept
    EXPECT_EQ(stem("various"), "various");  // -us kept
    EXPECT_EQ(stem("iris"), "iris");        // -is kept
    EXPECT_EQ(stem("species"), "species");  // listed as kept
    EXPECT_EQ(stem("gas"), "gas");          // 3 letters: kept
}

// Three documents: "red wings" -> {red, wing}; "red feathers" -> {red, feather}; "long tail".
// n = 3; df(red) = 2, every other term 1. Smoothed idf = ln((1 + n) / (1 + df)) + 1:
//   idf(red) = ln(4/3) + 1 = 1.287682;  idf(wing) = ln(4/2) + 1 = 1.693147.
// Vocabulary sorted: feather, long, red, tail, wing.
// encode("red red wings"): red tf 2 -> (1 + ln 2) * 1.287682 = 2.180241, wing (1 + 0) * 1.693147;
// L2 norm sqrt(2.180241^2 + 1.693147^2) = 2.760475, so red 0.789808, wing 0.613354, others 0.
TEST(TextEncoder, IdfAndWeightsByHand) {
    const auto encoder = TextEncoder::fit({"red wings", "red feathers", "long tail"});
    EXPECT_EQ(encoder.vocabulary(), (Tokens{"feather", "long", "red", "tail", "wing"}));
    EXPECT_EQ(encoder.documentCount(), 3);
    const double idfRed = std::log(4.0 / 3.0) + 1, idfOnce = std::log(2.0) + 1;
    EXPECT_NEAR(encoder.idf()[2], idfRed, 1e-12);
    EXPECT_NEAR(encoder.idf()[0], idfOnce, 1e-12);
    EXPECT_NEAR(encoder.idf()[4], idfOnce, 1e-12);
    const auto v = encoder.encode("Red red wings!");
    const double red = (1 + std::log(2.0)) * idfRed, wing = idfOnce;
    const double norm = std::sqrt(red * red + wing * wing);
    EXPECT_NEAR(v[2], red / norm, 1e-6);
    EXPECT_NEAR(v[4], wing / norm, 1e-6);
    EXPECT_NEAR(v[2], 0.789808, 1e-5);
    EXPECT_EQ(v[0], 0.0f);
    // Nothing known: all zeros (not NaN).
    for (float x : encoder.encode("blue beak")) EXPECT_EQ(x, 0.0f);
}

// Sentences sharing most content words (black, white, wing, hooked, bill) are much closer than
// ones sharing none: cosine > 0.5 versus exactly 0.
TEST(TextEncoder, SimilarSentencesAreCloser) {
    const auto encoder =
        TextEncoder::fit({"black and white wings with a hooked bill", "white wings, black hooked bills",
                          "a small yellow bird with a short conical beak", "a seabird with long narrow wings"});
    const auto a = encoder.encode("black and white wings with a hooked bill");
    const auto b = encoder.encode("White wings, black hooked bills");
    const auto c = encoder.encode("a small yellow bird with a short conical beak");
    EXPECT_NEAR(cosineSimilarity(a, b), 1.0, 1e-6);  // same terms once each after stemming
    EXPECT_DOUBLE_EQ(cosineSimilarity(a, c), 0.0);
    const auto d = encoder.encode("a seabird with long narrow wings");
    EXPECT_GT(cosineSimilarity(a, d), 0.0);  // shares "wing"
    EXPECT_LT(cosineSimilarity(a, d), 0.5);
}

TEST(TextEncoder, JsonRoundTrip) {
    const auto encoder = TextEncoder::fit({"red wings", "red feathers", "long tail"});
    const auto back = TextEncoder::fromJson(nlohmann::json::parse(encoder.toJson().dump()));
    EXPECT_EQ(back.vocabulary(), encoder.vocabulary());
    EXPECT_EQ(back.idf(), encoder.idf());
    EXPECT_EQ(back.encode("red tail"), encoder.encode("red tail"));
    auto bad = encoder.toJson();
    bad["idf"].erase(0);
    EXPECT_NE(test::dataErrorOf([&] { TextEncoder::fromJson(bad, "enc.json"); }).find("enc.json: "), std::string::npos);
}

// CUB folder names and description names meet on one key.
TEST(TextEncoder, ClassNameMatching) {
    EXPECT_EQ(classNameKey("001.Black_footed_Albatross"), "black footed albatross");
    EXPECT_EQ(classNameKey("Black-footed Albatross"), "black footed albatross");
    EXPECT_EQ(classNameKey("Chuck_will_Widow"), classNameKey("Chuck-will Widow"));
    EXPECT_NE(classNameKey("Laysan Albatross"), classNameKey("Sooty Albatross"));
    // Typed names: separators dropped altogether, so spacing and hyphenation do not matter.
    EXPECT_EQ(compactClassNameKey("Le Conte Sparrow"), "lecontesparrow");
    EXPECT_EQ(compactClassNameKey("LeConte Sparrow"), "lecontesparrow");
    EXPECT_EQ(compactClassNameKey("123.Le_Conte_Sparrow"), "lecontesparrow");
    EXPECT_EQ(compactClassNameKey("Red-headed Woodpecker"), compactClassNameKey("191.Red_headed_Woodpecker"));
    EXPECT_NE(compactClassNameKey("Laysan Albatross"), compactClassNameKey("Sooty Albatross"));
}

// The vocabulary is fitted on the seen classes' descriptions only. Classes: A and B seen, C unseen,
// D outside the split; the attributes modality's names are no documents either.
//   A "red crown" -> {red, crown};  B "blue crown. long tail" -> {blue, crown, long, tail};
//   C "red crested plume" and D "green eye" are not fitted.
// So n = 2 documents, vocabulary {blue, crown, long, red, tail}: "plume" and "crested" (only in the
// unseen C), "green" (only in D) and "eye"/"color" (only in the attribute name) are absent.
// df(crown) = 2, every other term 1: idf(crown) = ln(3/3) + 1 = 1, idf(red) = ln(3/2) + 1.
// Rows: A = (red idf(red), crown 1) / norm, so red = 1.405465 / 1.724915 = 0.814802; C's only known
// term is red, so its row is exactly 1 at red and 0 elsewhere (unit vector of one term).
TEST(TextEncoder, VocabularyComesFromSeenClassesOnly) {
    test::TempDir dir;
    Dataset d;
    for (const char* name : {"A", "B", "C", "D"}) {
        ClassInfo info;
        info.id = int(d.classes.size());
        info.name = name;
        d.classes.push_back(info);
    }
    d.classes[2].seen = false;
    d.classes[3].seen = false;
    d.classes[3].inSplit = false;
    Modality attributes;
    attributes.name = "attributes";
    attributes.dims = 1;
    attributes.dimNames = {"has_eye_color::black"};
    attributes.values.assign(4, 1.0f);
    d.modalities.push_back(attributes);
    test::writeFile(dir / "desc.json", R"({"A": ["red crown"], "B": ["blue crown", "long tail"],
                                          "C": ["red crested plume"], "D": ["green eye"]})");

    const CaptionModel model = captionModelFromFile(d, dir / "desc.json");
    EXPECT_EQ(model.encoder.documentCount(), 2);
    EXPECT_EQ(model.encoder.vocabulary(), (Tokens{"blue", "crown", "long", "red", "tail"}));
    for (const char* absent : {"plume", "crested", "green", "eye", "color", "black"})
        EXPECT_EQ(model.encoder.termIndex(absent), -1) << absent;
    const double idfRed = std::log(1.5) + 1;
    EXPECT_NEAR(model.encoder.idf()[size_t(model.encoder.termIndex("crown"))], 1.0, 1e-12);
    EXPECT_NEAR(model.encoder.idf()[size_t(model.encoder.termIndex("red"))], idfRed, 1e-12);
    const Modality& m = model.modality;
    ASSERT_EQ(m.dims, 5);
    const int red = model.encoder.termIndex("red"), crown = model.encoder.termIndex("crown");
    EXPECT_NEAR(m.row(0)[red], idfRed / std::sqrt(idfRed * idfRed + 1), 1e-6);
    EXPECT_NEAR(m.row(0)[red], 0.814802, 1e-5);
    EXPECT_NEAR(m.row(0)[crown], 1 / std::sqrt(idfRed * idfRed + 1), 1e-6);
    EXPECT_FLOAT_EQ(m.row(2)[red], 1.0f);  // unseen C: encoded over the seen vocabulary
    for (int k = 0; k < m.dims; ++k) {
        if (k != red) {
            EXPECT_EQ(m.row(2)[k], 0.0f);
        }
    }
    for (int k = 0; k < m.dims; ++k) EXPECT_EQ(m.row(3)[k], 0.0f);  // D: "green eye", no known term

    // Without a data set every description is a document (no split to consult).
    EXPECT_EQ(encoderDocuments(readDescriptions(dir / "desc.json")).size(), 4u);
    // No seen class described: a DataError naming the file, not an empty modality.
    test::writeFile(dir / "unseen_only.json", R"({"C": ["red crested plume"]})");
    EXPECT_NE(test::dataErrorOf([&] {
                  captionModelFromFile(d, dir / "unseen_only.json");
              }).find(dir / "unseen_only.json: no seen class"),
              std::string::npos);
}

// Three classes, two described: their rows are unit vectors, the third is zeros and reported.
TEST(TextEncoder, CaptionModalityRowsFollowClasses) {
    Dataset d;
    for (const char* name : {"001.Black_footed_Albatross", "002.Laysan_Albatross", "003.Mystery_Bird"}) {
        ClassInfo info;
        info.id = int(d.classes.size()) + 1;
        info.name = name;
        d.classes.push_back(info);
    }
    const std::map<std::string, std::vector<std::string>> descriptions{
        {"Black-footed Albatross", {"a seabird", "black feet"}}, {"laysan albatross", {"white with black wings"}}};
    const auto encoder = TextEncoder::fit(encoderDocuments(descriptions, &d));
    std::vector<std::string> missing;
    const Modality m = captionModality(d, descriptions, encoder, &missing);
    EXPECT_EQ(m.name, "captions");
    EXPECT_EQ(m.dims, encoder.dims());
    EXPECT_EQ(m.dimNames, encoder.vocabulary());
    ASSERT_EQ(m.values.size(), 3u * size_t(m.dims));
    const auto norm = [&](int c) {
        double s = 0;
        for (int k = 0; k < m.dims; ++k) s += double(m.row(c)[k]) * m.row(c)[k];
        return std::sqrt(s);
    };
    EXPECT_NEAR(norm(0), 1.0, 1e-6);
    EXPECT_NEAR(norm(1), 1.0, 1e-6);
    EXPECT_EQ(norm(2), 0.0);
    EXPECT_EQ(missing, (Tokens{"003.Mystery_Bird"}));
    EXPECT_GT(m.row(0)[encoder.termIndex("seabird")], 0.0f);

    // Two description names for one class are an error naming the source.
    auto twice = descriptions;
    twice["Laysan_Albatross"] = {"x"};
    EXPECT_NE(test::dataErrorOf([&] { captionModality(d, twice, encoder, nullptr, "desc.json"); }).find("desc.json: "),
              std::string::npos);
}

TEST(TextEncoder, ReadDescriptionsAndErrors) {
    test::TempDir dir;
    test::writeFile(dir / "ok.json", R"({"Sooty Albatross": ["webbed feet", "long wings"]})");
    const auto d = readDescriptions(dir / "ok.json");
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d.at("Sooty Albatross"), (Tokens{"webbed feet", "long wings"}));

    EXPECT_NE(test::dataErrorOf([&] { readDescriptions(dir / "absent.json"); }).find(dir / "absent.json: "),
              std::string::npos);
    // Bad JSON on line 3: the message names file and line.
    test::writeFile(dir / "bad.json", "{\n\"A\": [\"x\"],\n\"B\": [\"y\" \"z\"]\n}");
    EXPECT_NE(test::dataErrorOf([&] { readDescriptions(dir / "bad.json"); }).find(dir / "bad.json:3: "),
              std::string::npos);
    test::writeFile(dir / "list.json", R"(["a", "b"])");
    EXPECT_NE(test::dataErrorOf([&] { readDescriptions(dir / "list.json"); }).find(dir / "list.json: "),
              std::string::npos);
    test::writeFile(dir / "num.json", R"({"A": [1]})");
    EXPECT_NE(test::dataErrorOf([&] { readDescriptions(dir / "num.json"); }).find("not a string"), std::string::npos);
}

// The real CUB descriptions (200 classes) against the real CUB classes.txt: every one of the 200
// classes finds its description, so no row is zero; two albatrosses are closer to each other than
// an albatross is to a warbler.
TEST(TextEncoder, AllCubClassesMatchRealDescriptions) {
    const std::string json = test::sharedDir() + "/data/cub_descriptors/descriptors_cub.json";
    const std::string cub = test::sharedDir() + "/data/CUB_200_2011";
    if (!test::fs::exists(json)) GTEST_SKIP() << json << " is absent";
    if (!test::fs::exists(cub)) GTEST_SKIP() << cub << " is absent";
    const auto descriptions = readDescriptions(json);
    EXPECT_EQ(descriptions.size(), 200u);
    const Dataset d = openDataset("cub:" + cub);
    ASSERT_EQ(d.classes.size(), 200u);
    const auto encoder = TextEncoder::fit(encoderDocuments(descriptions, &d));
    EXPECT_EQ(encoder.documentCount(), 200);    // no split: every class is seen; no attribute names
    EXPECT_GE(encoder.termIndex("hooked"), 0);  // the albatrosses' and cormorants' "hooked" bills
    std::vector<std::string> missing;
    const Modality m = captionModality(d, descriptions, encoder, &missing);
    EXPECT_TRUE(missing.empty()) << missing.size() << " classes unmatched, first: " << missing.front();
    const auto rowOf = [&](const std::string& name) {
        const int c = d.classIndexMatching(name);
        EXPECT_GE(c, 0) << name;
        return std::vector<float>(m.row(c), m.row(c) + m.dims);
    };
    const auto blackFooted = rowOf("Black_footed_Albatross");
    EXPECT_GT(cosineSimilarity(blackFooted, rowOf("Laysan_Albatross")),
              cosineSimilarity(blackFooted, rowOf("Cerulean_Warbler")));

    // With the standard split, only the 150 seen (trainval) classes' descriptions are fitted.
    const std::string xlsa = test::sharedDir() + "/data/xlsa17/CUB";
    if (!test::fs::exists(xlsa + "/trainvalclasses.txt")) return;
    Dataset split = d;
    applySplit(split, "xlsa17:" + xlsa);
    EXPECT_EQ(TextEncoder::fit(encoderDocuments(descriptions, &split)).documentCount(), 150);
}

}  // namespace
}  // namespace niwt
