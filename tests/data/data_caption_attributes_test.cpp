// Attribute values suggested by a caption (caption_attributes.h), on names whose scores follow
// from the rule by hand.
#include <gtest/gtest.h>

#include "core/data/caption_attributes.h"

namespace niwt {
namespace {

const std::vector<std::string> kCub = {"has_wing_color::red", "has_back_color::red", "has_bill_shape::dagger",
                                       "has_bill_shape::hooked", "has_wing_color::black"};

// "red wings": value "red" is mentioned; has_wing_color's words {wing, color}: 1 of 2 -> 0.75.
// has_back_color::red names no mentioned part while wing_color::red does -> 0. "dagger" absent -> 0.
TEST(CaptionAttributes, ValueMustBeMentionedAndThePartCounts) {
    const auto s = attributeScoresFromCaption("A small bird with red wings", kCub);
    EXPECT_EQ(s, (std::vector<float>{0.75f, 0.0f, 0.0f, 0.0f, 0.0f}));
}

// No part named for "red": every "::red" gets 0.5. "dagger bill": bill is 1 of {bill, shape} -> 0.75;
// "hooked" is not mentioned -> 0 although its part is.
TEST(CaptionAttributes, UnnamedPartsShareTheValue) {
    const auto s = attributeScoresFromCaption("a red bird with a dagger bill", kCub);
    EXPECT_EQ(s, (std::vector<float>{0.5f, 0.5f, 0.75f, 0.0f, 0.0f}));
}

// Plain names: the share of their words ("thick_sole" 2 of 2, "thick_material" 1 of 2,
// "has_laces" -> {lace}, matched through the plural; "worn_on_feet" not mentioned).
TEST(CaptionAttributes, PlainNamesScoreTheirShareOfWords) {
    const std::vector<std::string> names = {"thick_sole", "thick_material", "has_laces", "worn_on_feet", "has"};
    const auto s = attributeScoresFromCaption("A shoe with laces and a THICK sole.", names);
    EXPECT_EQ(s, (std::vector<float>{1.0f, 0.5f, 1.0f, 0.0f, 0.0f}));  // "has" alone is a stop word: no words, 0
}

TEST(CaptionAttributes, EmptyCaptionScoresNothing) {
    EXPECT_EQ(attributeScoresFromCaption("", kCub), std::vector<float>(kCub.size(), 0.0f));
    EXPECT_TRUE(attributeScoresFromCaption("red", {}).empty());
}

}  // namespace
}  // namespace niwt
