// The description parser (core/data/description_parser.h) on hand-written sentences over a small
// CUB-like vocabulary whose seen rows are chosen so that every expected value follows by hand.
#include <gtest/gtest.h>

#include "core/data/description_parser.h"

#include <algorithm>
#include <set>

namespace niwt {
namespace {

// CUB's naming: has_<body>_<aspect>::<value>.
const std::vector<std::string> kNames = {"has_crown_color::red",
                                         "has_crown_color::black",
                                         "has_forehead_color::red",
                                         "has_forehead_color::black",
                                         "has_nape_color::red",
                                         "has_nape_color::black",
                                         "has_back_color::black",
                                         "has_back_color::grey",
                                         "has_upperparts_color::black",
                                         "has_wing_color::white",
                                         "has_wing_color::black",
                                         "has_wing_color::red",
                                         "has_throat_color::yellow",
                                         "has_belly_color::yellow",
                                         "has_belly_color::white",
                                         "has_breast_color::rufous",
                                         "has_breast_pattern::striped",
                                         "has_head_pattern::crested",
                                         "has_wing_pattern::striped",
                                         "has_wing_pattern::multi-colored",
                                         "has_eye_color::red",
                                         "has_eye_color::black",
                                         "has_shape::tree-clinging-like",
                                         "has_shape::perching-like",
                                         "has_bill_shape::cone",
                                         "has_bill_length::shorter_than_head",
                                         "has_tail_shape::forked_tail",
                                         "has_wing_color::iridescent",
                                         "has_back_color::buff",
                                         "has_primary_color::red",
                                         "has_size::small_(5_-_9_in)",
                                         "has_size::very_small_(3_-_5_in)"};

int dim(const std::string& name) {
    const auto it = std::find(kNames.begin(), kNames.end(), name);
    return it == kNames.end() ? -1 : int(it - kNames.begin());
}

// Three seen classes and one unseen. Rows 0..100 like CUB's. The unseen row must never matter.
Dataset birds() {
    Dataset d;
    d.kind = "test";
    d.classes = {{1, "001.Downy_Woodpecker", true, true},
                 {2, "002.House_Sparrow", true, true},
                 {3, "003.Scarlet_Tanager", true, true},
                 {4, "004.Mystery_Bird", false, true}};
    Modality m;
    m.name = "attributes";
    m.dims = int(kNames.size());
    m.dimNames = kNames;
    m.values.assign(4 * kNames.size(), 0.0f);
    const auto set = [&](int c, const std::string& name, float v) {
        m.values[size_t(c) * kNames.size() + size_t(dim(name))] = v;
    };
    // Woodpecker: black and red head, red eye, tree-clinging.
    set(0, "has_crown_color::red", 60);
    set(0, "has_crown_color::black", 40);
    set(0, "has_eye_color::red", 80);
    set(0, "has_shape::tree-clinging-like", 90);
    set(0, "has_back_color::black", 70);
    set(0, "has_wing_color::white", 50);
    // Sparrow: black eye, perching, cone bill.
    set(1, "has_eye_color::black", 90);
    set(1, "has_shape::perching-like", 90);
    set(1, "has_bill_shape::cone", 80);
    set(1, "has_back_color::grey", 60);
    set(1, "has_crown_color::black", 20);
    // Tanager: red everywhere, black wings, black eye.
    set(2, "has_crown_color::red", 90);
    set(2, "has_primary_color::red", 95);
    set(2, "has_wing_color::black", 80);
    set(2, "has_eye_color::black", 70);
    set(2, "has_shape::perching-like", 80);
    // The unseen class: values the parser must not see.
    for (size_t k = 0; k < kNames.size(); ++k) m.values[3 * kNames.size() + k] = 55;
    d.modalities.push_back(m);
    return d;
}

std::set<int> positives(const DescriptionParse& p) {
    std::set<int> out;
    for (const auto& ph : p.phrases)
        if (!ph.negated)
            for (int d : ph.dims) out.insert(d);
    return out;
}
std::set<int> negatives(const DescriptionParse& p) {
    std::set<int> out;
    for (const auto& ph : p.phrases)
        if (ph.negated)
            for (int d : ph.dims) out.insert(d);
    return out;
}
std::set<int> dimsOf(std::initializer_list<const char*> names) {
    std::set<int> out;
    for (const char* n : names) {
        EXPECT_GE(dim(n), 0) << n;
        out.insert(dim(n));
    }
    return out;
}

class DescriptionParserTest : public ::testing::Test {
protected:
    Dataset data = birds();
    DescriptionParser parser{data, data.modalities.front()};
};

// The sentence: "red head" binds red to crown, forehead and nape (head's colour bodies),
// not to the wings or back; "black back" to the back (and, at 0.6, the upperparts); "white wings"
// to the wings only.
TEST_F(DescriptionParserTest, BindsColoursToTheirParts) {
    const auto p = parser.parse("a bird with a bright red head, black back and white wings");
    ASSERT_TRUE(p.ok()) << p.problem;
    EXPECT_EQ(positives(p), dimsOf({"has_crown_color::red", "has_forehead_color::red", "has_nape_color::red",
                                    "has_back_color::black", "has_upperparts_color::black", "has_wing_color::white"}));
    EXPECT_TRUE(p.unknownWords.empty());
}

// A colour list before one part sets both; a colour before "throat and belly" serves both parts.
TEST_F(DescriptionParserTest, ListsAndConjunctions) {
    EXPECT_EQ(positives(parser.parse("black and white wings")),
              dimsOf({"has_wing_color::black", "has_wing_color::white"}));
    EXPECT_EQ(positives(parser.parse("a yellow throat and belly")),
              dimsOf({"has_throat_color::yellow", "has_belly_color::yellow"}));
    // After the part: "wings black and white".
    EXPECT_EQ(positives(parser.parse("wings black and white")),
              dimsOf({"has_wing_color::black", "has_wing_color::white"}));
    // "white wing bars": wing colour white at the part's 0.5, and wing bars state the wing pattern.
    EXPECT_EQ(positives(parser.parse("white wing bars")),
              dimsOf({"has_wing_color::white", "has_wing_pattern::striped", "has_wing_pattern::multi-colored"}));
}

// "no crest" and "without wing bars" deny what the part words state; nothing else is stated.
TEST_F(DescriptionParserTest, Negation) {
    const auto p = parser.parse("no crest, without wing bars, a red eye");
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(negatives(p),
              dimsOf({"has_head_pattern::crested", "has_wing_pattern::striped", "has_wing_pattern::multi-colored"}));
    EXPECT_EQ(positives(p), dimsOf({"has_eye_color::red"}));
    // A denied value is the seen minimum (0) in the vector.
    EXPECT_EQ(p.vector[size_t(dim("has_head_pattern::crested"))], 0.0f);
}

// Synonyms and near-colours from the lexicon: crimson -> red, gray -> grey, rusty -> rufous,
// buffy -> buff, glossy -> iridescent, streaky -> striped; tiny -> very small.
TEST_F(DescriptionParserTest, Synonyms) {
    EXPECT_EQ(positives(parser.parse("crimson crown")), dimsOf({"has_crown_color::red"}));
    EXPECT_EQ(positives(parser.parse("a gray back")), dimsOf({"has_back_color::grey"}));
    EXPECT_EQ(positives(parser.parse("rusty breast")), dimsOf({"has_breast_color::rufous"}));
    EXPECT_EQ(positives(parser.parse("buffy back")), dimsOf({"has_back_color::buff"}));
    EXPECT_EQ(positives(parser.parse("glossy wings")), dimsOf({"has_wing_color::iridescent"}));
    EXPECT_EQ(positives(parser.parse("a streaky breast")), dimsOf({"has_breast_pattern::striped"}));
    const auto tiny = positives(parser.parse("a tiny bird"));
    EXPECT_TRUE(tiny.count(dim("has_size::very_small_(3_-_5_in)")));
}

// Hyphenated compounds read as colour + part; a bill and a tail word.
TEST_F(DescriptionParserTest, CompoundsBillAndTail) {
    EXPECT_EQ(positives(parser.parse("red-headed")),
              dimsOf({"has_crown_color::red", "has_forehead_color::red", "has_nape_color::red"}));
    const auto p = positives(parser.parse("a thick bill and a forked tail"));
    EXPECT_TRUE(p.count(dim("has_bill_shape::cone")));
    EXPECT_TRUE(p.count(dim("has_bill_length::shorter_than_head")));
    EXPECT_TRUE(p.count(dim("has_tail_shape::forked_tail")));
}

// Whole-bird words state their shape; "woodpecker" also names the seen Downy Woodpecker's family,
// which therefore leads the classes that fill the rest.
TEST_F(DescriptionParserTest, WholeBirdWordsAndFamilyPrior) {
    const auto p = parser.parse("a woodpecker");
    ASSERT_TRUE(p.ok()) << p.problem;
    EXPECT_EQ(positives(p), dimsOf({"has_shape::tree-clinging-like"}));
    ASSERT_FALSE(p.nearestSeenClasses.empty());
    EXPECT_EQ(p.nearestSeenClasses.front(), 0);
}

// Words it does not know are listed with their place in the text, never dropped.
TEST_F(DescriptionParserTest, UnknownWordsAreListed) {
    const std::string text = "a zzyzx bird with red wings";
    const auto p = parser.parse(text);
    ASSERT_TRUE(p.ok());
    ASSERT_EQ(p.unknownWords.size(), 1u);
    EXPECT_EQ(p.unknownWords[0].word, "zzyzx");
    EXPECT_EQ(text.substr(p.unknownWords[0].begin, p.unknownWords[0].end - p.unknownWords[0].begin), "zzyzx");
}

// Empty text, or text with nothing understood, gives no vector and says why; vectorOrThrow throws.
TEST_F(DescriptionParserTest, BadInputGivesAMessageNotAZeroVector) {
    for (const std::string text : {"", "   \n", "zzyzx qqqq", "the of and"}) {
        const auto p = parser.parse(text);
        EXPECT_FALSE(p.ok()) << text;
        EXPECT_TRUE(p.vector.empty()) << text;
        EXPECT_FALSE(p.problem.empty()) << text;
    }
    EXPECT_NE(parser.parse("zzyzx qqqq").problem.find("zzyzx"), std::string::npos);
    EXPECT_THROW(parser.vectorOrThrow("", "class \"x\""), std::invalid_argument);
}

// The fill: with one neighbour, an unstated part takes that seen class's value exactly; the other
// values of a stated part keep otherValuesKept of it; a stated value is the statedQuantile of its
// seen values above the minimum (quantile 1: the maximum). "red eye": only the woodpecker has a red
// eye, so it is the neighbour; its back black = 70 is unstated and is copied; its eye black = 0
// stays 0; stated eye red = max over seen (80).
TEST(DescriptionParserFill, NearestSeenClassFillsTheRest) {
    const Dataset data = birds();
    DescriptionParserOptions o;
    o.priorNeighbours = 1;
    o.statedQuantile = 1.0;
    o.otherValuesKept = 0.5;
    const DescriptionParser parser(data, data.modalities.front(), o);
    const auto p = parser.parse("a red eye");
    ASSERT_TRUE(p.ok());
    ASSERT_EQ(p.nearestSeenClasses, std::vector<int>{0});
    EXPECT_FLOAT_EQ(p.vector[size_t(dim("has_eye_color::red"))], 80.0f);
    EXPECT_FLOAT_EQ(p.vector[size_t(dim("has_back_color::black"))], 70.0f);
    EXPECT_FLOAT_EQ(p.vector[size_t(dim("has_crown_color::red"))], 60.0f);
    // "black crown": the woodpecker's crown black 40 is the seen maximum (agreement 40 / 40 = 1),
    // the sparrow's 20 agrees 0.5 and the tanager's 0 not at all, so the woodpecker fills.
    const auto q = parser.parse("a black crown");
    ASSERT_EQ(q.nearestSeenClasses, std::vector<int>{0});
    // Stated: max over seen = 40. The other value of the part, crown red 60, keeps half: 30.
    EXPECT_FLOAT_EQ(q.vector[size_t(dim("has_crown_color::black"))], 40.0f);
    EXPECT_FLOAT_EQ(q.vector[size_t(dim("has_crown_color::red"))], 30.0f);
    // The unseen class's row (55 everywhere) is never used: nothing equals 55.
    for (float v : q.vector) EXPECT_NE(v, 55.0f);
}

// With the default options the vector is dense like the seen rows: every dimension some seen
// class has is filled.
TEST_F(DescriptionParserTest, NoZeroFill) {
    const auto p = parser.parse("red wings");
    ASSERT_TRUE(p.ok());
    EXPECT_GT(p.vector[size_t(dim("has_shape::perching-like"))], 0.0f);
    EXPECT_GT(p.vector[size_t(dim("has_eye_color::black"))], 0.0f);
}

// Names without "::" (AwA2, Fashion-MNIST): a name is stated when its words occur in the text;
// the lexicon adds phrases ("laces" -> has_laces); "no" just before denies it.
TEST(DescriptionParserPlain, FashionStyleNames) {
    Dataset d;
    d.classes = {{0, "Sneaker", true, true}, {1, "Boot", true, true}, {2, "Bag", false, true}};
    Modality m;
    m.name = "attributes";
    m.dimNames = {"worn_on_feet", "has_laces", "thick_sole", "has_handle", "thick_material"};
    m.dims = 5;
    m.values = {1, 1, 0.2f, 0, 0.1f, /* boot */ 1, 0.3f, 0.9f, 0, 0.5f, /* bag */ 0, 0, 0, 1, 0.2f};
    d.modalities.push_back(m);
    const DescriptionParser parser(d, d.modalities.front());
    // "thick sole" takes "thick" for itself: thick_material (4) is not stated.
    const auto p = parser.parse("a shoe with laces and a thick sole");
    ASSERT_TRUE(p.ok()) << p.problem;
    EXPECT_EQ(positives(p), (std::set<int>{0, 1, 2}));
    EXPECT_EQ(positives(parser.parse("a thick coat")), (std::set<int>{4}));
    const auto q = parser.parse("a shoe with no laces");
    EXPECT_EQ(negatives(q), (std::set<int>{1}));
    // A denied value is the seen minimum: the boot's 0.3 (the bag is unseen).
    EXPECT_FLOAT_EQ(q.vector[1], 0.3f);
    // A negation ends at a comma: the sole is stated, the laces denied.
    const auto r = parser.parse("no laces, a thick sole");
    EXPECT_EQ(negatives(r), (std::set<int>{1}));
    EXPECT_EQ(positives(r), (std::set<int>{2}));
    // No seen class has a handle (span 0), so a stated handle takes the floor: half the median
    // span over the dimensions. Spans (quantile minus minimum over the sneaker and the boot):
    // worn_on_feet 0, has_laces 0.7, thick_sole 0.7, has_handle 0, thick_material 0.4 -> median
    // 0.4 -> 0 + 0.5 x 0.4 = 0.2.
    EXPECT_FLOAT_EQ(parser.parse("a bag with a handle").vector[3], 0.2f);
}

// Plain names written "category, value" ("colour, blue", as a CSV header may hold): the value on
// its own states the dimension ("a blue square" -> "colour, blue"), and the whole name still does.
TEST(DescriptionParserPlain, CategoryCommaValueNames) {
    Dataset d;
    d.classes = {{0, "red", true, true}, {1, "green", true, true}, {2, "blue", false, true}};
    Modality m;
    m.name = "attributes";
    m.dimNames = {"colour, red", "colour, green", "colour, blue", "bright"};
    m.dims = 4;
    m.values = {90, 5, 5, 50, /* green */ 5, 90, 5, 60, /* blue */ 5, 5, 90, 40};
    d.modalities.push_back(m);
    const DescriptionParser parser(d, d.modalities.front());
    EXPECT_EQ(positives(parser.parse("a bright blue square")), (std::set<int>{2, 3}));
    EXPECT_EQ(positives(parser.parse("colour blue")), (std::set<int>{2}));
    EXPECT_EQ(positives(parser.parse("green")), (std::set<int>{1}));
}

TEST(DescriptionParserNames, Readable) {
    EXPECT_EQ(DescriptionParser::readableDimName("has_wing_color::red"), "wing color: red");
    EXPECT_EQ(DescriptionParser::readableDimName("has_size::small_(5_-_9_in)"), "size: small (5 - 9 in)");
    EXPECT_EQ(DescriptionParser::readableDimName("thick_sole"), "thick sole");
}

TEST(DescriptionParserErrors, ModalityWithoutNamesAndBadLexicon) {
    Dataset d = birds();
    Modality unnamed = d.modalities.front();
    unnamed.dimNames.clear();
    EXPECT_THROW(DescriptionParser(d, unnamed), std::invalid_argument);
    DescriptionParserOptions o;
    o.lexicon = "same red, crimson\npart head = crown*2\n";
    try {
        DescriptionParser p(d, d.modalities.front(), o);
        FAIL() << "a weight of 2 must be refused";
    } catch (const DataError& e) {
        EXPECT_NE(std::string(e.what()).find("lexicon:2:"), std::string::npos) << e.what();
    }
    o.lexicon = "colour red\n";
    EXPECT_THROW(DescriptionParser(d, d.modalities.front(), o), DataError);
    // No seen class: no prior to fill from.
    for (auto& c : d.classes) c.seen = false;
    EXPECT_THROW(DescriptionParser(d, d.modalities.front()), std::invalid_argument);
}

}  // namespace
}  // namespace niwt
