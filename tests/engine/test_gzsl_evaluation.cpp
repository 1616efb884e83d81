// The generalized zero-shot evaluation end to end (core/pipeline/gzsl_evaluation.h) on the colour
// data set: red, green, yellow, cyan and magenta seen (ESZSL's validation needs 3 or more), blue
// unseen, an attribute table, a small CNN.
#include "core/engine/cancelled.h"
#include "core/pipeline/gzsl_evaluation.h"
#include "tests/engine/colour_fixture.h"

#include <gtest/gtest.h>

#include <fstream>
#include <numeric>

using namespace niwt;

namespace {

GzslEvaluationRequest requestFor(const test::ColourFixture& f) {
    GzslEvaluationRequest request;
    request.context.dataset = std::make_shared<const Dataset>(f.dataset);
    request.context.bundle = (f.root / "bundle").string();
    request.context.device = "cpu";
    request.context.cacheDir = (f.root / "cache").string();
    return request;
}

double meanAccuracy(const std::vector<ClassAccuracy>& perClass, bool seen) {
    double sum = 0;
    int n = 0;
    for (const auto& c : perClass)
        if (c.seen == seen && c.accuracy >= 0) {
            sum += c.accuracy;
            ++n;
        }
    return n ? sum / n : -1;
}

}  // namespace

// Per-class mean top-1 is the definition of U and S: each must equal the mean of its per-class
// list; H must be their harmonic mean; the classes are the 5 seen head classes and blue.
TEST(GzslEvaluation, ScoresAreConsistentWithTheirPerClassAccuracies) {
    test::ColourFixtureOptions options;
    options.attributeTable = true;
    options.mixedColours = true;
    const auto f = test::makeColourFixture("niwt-test-gzsl-evaluation", options);
    const auto r = evaluateDataset(requestFor(f));
    EXPECT_EQ(r.seenClasses, 5);
    EXPECT_EQ(r.unseenClasses, 1);
    EXPECT_EQ(r.modality, "attributes");
    EXPECT_EQ(r.modalityDims, 4);
    for (const MethodEvaluation* m : {&r.niwt, &r.eszsl}) {
        ASSERT_TRUE(m->computed);
        ASSERT_EQ(m->perClass.size(), 6u);
        EXPECT_EQ(f.dataset.classes[size_t(m->perClass.back().classIndex)].name, "blue");
        EXPECT_FALSE(m->perClass.back().seen);
        EXPECT_NEAR(m->scores.U, meanAccuracy(m->perClass, false), 1e-9);
        EXPECT_NEAR(m->scores.S, meanAccuracy(m->perClass, true), 1e-9);
        const double h =
            m->scores.U + m->scores.S > 0 ? 2 * m->scores.U * m->scores.S / (m->scores.U + m->scores.S) : 0;
        EXPECT_NEAR(m->scores.H, h, 1e-9);
        EXPECT_TRUE(m->calibrated.computed);
        // gamma is chosen on validation folds and never lowers their mean H (gamma 0 is a candidate).
        EXPECT_GE(m->calibrated.validation.H, m->calibrated.validationHAtZero - 1e-9);
    }
    EXPECT_GT(r.alpha2wIterations, 0);
    EXPECT_GE(r.totalSeconds, r.alpha2wSeconds);
}

// Two unseen classes (blue and cyan): unseen-only accuracy (ZSL) restricts the arg-max to the
// unseen columns, so for every unseen image that the generalized arg-max gets right it is right
// too: ZSL >= U for each method (a property; with one unseen class ZSL would be 100 whatever).
TEST(GzslEvaluation, UnseenOnlyAccuracyIsAtLeastTheGeneralizedOne) {
    test::ColourFixtureOptions options;
    options.attributeTable = true;
    options.mixedColours = true;
    auto f = test::makeColourFixture("niwt-test-gzsl-two-unseen", options);
    std::ofstream(f.root / "unseen2.txt") << "blue\ncyan\n";
    applySplit(f.dataset, "classes:" + (f.root / "unseen2.txt").string());
    auto request = requestFor(f);
    request.options.calibration = false;
    const auto r = evaluateDataset(request);
    EXPECT_EQ(r.unseenClasses, 2);
    for (const MethodEvaluation* m : {&r.niwt, &r.eszsl}) {
        ASSERT_TRUE(m->computed);
        EXPECT_GE(m->scores.zsl, m->scores.U - 1e-9);
        EXPECT_LE(m->scores.zsl, 100.0);
    }
}

// Test labels never reach a choice: relabelling the seen classes' test images (red <-> green)
// leaves both methods' calibration gamma and ESZSL's gamma and lambda exactly as they were.
TEST(GzslEvaluation, TestLabelsDoNotChangeChosenHyperParameters) {
    test::ColourFixtureOptions options;
    options.attributeTable = true;
    options.mixedColours = true;
    const auto f = test::makeColourFixture("niwt-test-gzsl-test-labels", options);
    auto relabelled = f;
    const int red = relabelled.dataset.classIndexByName("red"), green = relabelled.dataset.classIndexByName("green");
    ASSERT_GE(red, 0);
    ASSERT_GE(green, 0);
    int changed = 0;
    for (auto& image : relabelled.dataset.images)
        if (image.subset == Subset::Test && (image.classIndex == red || image.classIndex == green)) {
            image.classIndex = image.classIndex == red ? green : red;
            ++changed;
        }
    ASSERT_GT(changed, 0);
    const auto a = evaluateDataset(requestFor(f));
    const auto b = evaluateDataset(requestFor(relabelled));
    EXPECT_EQ(a.niwt.calibrated.gamma, b.niwt.calibrated.gamma);
    EXPECT_EQ(a.eszsl.calibrated.gamma, b.eszsl.calibrated.gamma);
    EXPECT_EQ(a.eszslGamma, b.eszslGamma);
    EXPECT_EQ(a.eszslLambda, b.eszslLambda);
    EXPECT_NE(a.niwt.scores.S, b.niwt.scores.S);  // the relabelling did reach the test scores
}

TEST(GzslEvaluation, EszslOnlySkipsNiwt) {
    test::ColourFixtureOptions options;
    options.attributeTable = true;
    options.mixedColours = true;
    const auto f = test::makeColourFixture("niwt-test-gzsl-eszsl-only", options);
    auto request = requestFor(f);
    request.options.niwt = false;
    request.options.calibration = false;
    const auto r = evaluateDataset(request);
    EXPECT_TRUE(r.eszsl.computed);
    EXPECT_FALSE(r.niwt.computed);
    EXPECT_FALSE(r.eszsl.calibrated.computed);
}

TEST(GzslEvaluation, BadRequestsNameTheProblem) {
    const auto f = test::makeColourFixture("niwt-test-gzsl-bad");  // no attribute table
    auto request = requestFor(f);
    try {
        evaluateDataset(request);
        FAIL() << "a data set without the modality must be refused";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("attributes"), std::string::npos) << e.what();
    }
    request.context.bundle = (f.root / "no-such-bundle").string();
    request.context.modality = "attributes";
    EXPECT_ANY_THROW(evaluateDataset(request));
}

TEST(GzslEvaluation, CancelledBeforeTheFirstBatchThrowsCancelled) {
    test::ColourFixtureOptions options;
    options.attributeTable = true;
    options.mixedColours = true;
    const auto f = test::makeColourFixture("niwt-test-gzsl-cancel", options);
    EXPECT_THROW(evaluateDataset(requestFor(f), {}, [] { return true; }), Cancelled);
}
