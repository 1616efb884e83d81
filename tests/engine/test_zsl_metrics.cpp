// Zero-shot / generalized zero-shot metrics on hand-made confusion tables: every expected value is
// worked out by hand in the comments.
#include "core/engine/zsl_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <iterator>
#include <map>
#include <set>

using namespace niwt;

namespace {

// Classes 0, 1 seen; 2, 3 unseen. Ten images, truth 0 0 0 1 1 2 2 2 3 3.
//
//  img truth  logits (cols 0..3)   arg-max over all   best unseen   gap = max seen - max unseen
//   0    0    5 1 0 0              0  right           2             5 - 0 =  5
//   1    0    4 0 1 0              0  right           2             4 - 1 =  3
//   2    0    2 0 3 0              2  wrong           2             2 - 3 = -1
//   3    1    0 4 1 0              1  right           2             4 - 1 =  3
//   4    1    3 2 0 0              0  wrong           2 (tie->first) 3 - 0 = 3
//   5    2    0 0 4 1              2  right           2  right      0 - 4 = -4
//   6    2    3 0 2 1              0  wrong           2  right      3 - 2 =  1
//   7    2    0 0 1 2              3  wrong           3  wrong      0 - 2 = -2
//   8    3    0 3 0 2              1  wrong           3  right      3 - 2 =  1
//   9    3    1 0 0 4              3  right           3  right      1 - 4 = -3
const std::vector<int64_t> kSeen{0, 1};
const std::vector<int64_t> kUnseen{2, 3};

torch::Tensor tableLogits() {
    return torch::tensor({{5.f, 1.f, 0.f, 0.f},
                          {4.f, 0.f, 1.f, 0.f},
                          {2.f, 0.f, 3.f, 0.f},
                          {0.f, 4.f, 1.f, 0.f},
                          {3.f, 2.f, 0.f, 0.f},
                          {0.f, 0.f, 4.f, 1.f},
                          {3.f, 0.f, 2.f, 1.f},
                          {0.f, 0.f, 1.f, 2.f},
                          {0.f, 3.f, 0.f, 2.f},
                          {1.f, 0.f, 0.f, 4.f}});
}

torch::Tensor tableTruth() { return torch::tensor({0L, 0L, 0L, 1L, 1L, 2L, 2L, 2L, 3L, 3L}); }

}  // namespace

// No calibration:
//   S = mean(class 0: 2/3, class 1: 1/2) = 7/12 = 58.333 %
//   U = mean(class 2: 1/3, class 3: 1/2) = 5/12 = 41.667 %
//   H = 2 (5/12)(7/12) / (12/12) = 70/144 = 48.611 %
//   zsl (unseen columns only) = mean(class 2: 2/3, class 3: 2/2) = 5/6 = 83.333 %
// (Plain accuracy over the 10 images would be 5/10; the per-class mean differs.)
TEST(ZslMetrics, GzslOnHandMadeTable) {
    const auto r = evaluateGzsl(tableLogits(), tableTruth(), kSeen, kUnseen);
    EXPECT_NEAR(r.S, 100.0 * 7 / 12, 1e-9);
    EXPECT_NEAR(r.U, 100.0 * 5 / 12, 1e-9);
    EXPECT_NEAR(r.H, 100.0 * 70 / 144, 1e-9);
    EXPECT_NEAR(r.zsl, 100.0 * 5 / 6, 1e-9);
    ASSERT_EQ(r.perClassS.size(), 2u);
    ASSERT_EQ(r.perClassU.size(), 2u);
    EXPECT_NEAR(r.perClassS[0], 100.0 * 2 / 3, 1e-9);
    EXPECT_NEAR(r.perClassS[1], 50.0, 1e-9);
    EXPECT_NEAR(r.perClassU[0], 100.0 / 3, 1e-9);
    EXPECT_NEAR(r.perClassU[1], 50.0, 1e-9);
}

// gamma = 1.5 flips exactly the images whose gap is below 1.5 and that were predicted seen:
// images 6 and 8 (gap 1) now go to their best unseen class, both right; image 2 was already
// unseen. S unchanged 7/12; U = mean(2/3, 2/2) = 5/6;
// H = 2 (5/6)(7/12) / (5/6 + 7/12) = (70/72) / (17/12) = 840/1224 = 68.627 %. zsl unchanged.
TEST(ZslMetrics, CalibrationFlipsKnownPredictions) {
    const auto r = evaluateGzsl(tableLogits(), tableTruth(), kSeen, kUnseen, 1.5);
    EXPECT_NEAR(r.S, 100.0 * 7 / 12, 1e-9);
    EXPECT_NEAR(r.U, 100.0 * 5 / 6, 1e-9);
    EXPECT_NEAR(r.H, 100.0 * 840 / 1224, 1e-9);
    EXPECT_NEAR(r.zsl, 100.0 * 5 / 6, 1e-9);

    // gamma = 3.5 also flips images 1, 3, 4 (gap 3) to unseen classes, all wrong:
    // S = mean(class 0: 1/3, class 1: 0/2) = 1/6 = 16.667 %, U = 5/6 = 83.333 %.
    const auto r2 = evaluateGzsl(tableLogits(), tableTruth(), kSeen, kUnseen, 3.5);
    EXPECT_NEAR(r2.S, 100.0 / 6, 1e-9);
    EXPECT_NEAR(r2.U, 100.0 * 5 / 6, 1e-9);

    // A negative gamma favours seen classes: gamma = -1.5 pulls image 2 (gap -1) back to class 0
    // (right), so S = mean(3/3, 1/2) = 75 %; unseen images with gaps -4, -3 stay unseen, image 7
    // (gap -2) stays on class 3 (wrong): U = 5/12 as without calibration.
    const auto r3 = evaluateGzsl(tableLogits(), tableTruth(), kSeen, kUnseen, -1.5);
    EXPECT_NEAR(r3.S, 75.0, 1e-9);
    EXPECT_NEAR(r3.U, 100.0 * 5 / 12, 1e-9);
}

// Ties go to the seen class: with gamma = 1 exactly, images 6 and 8 (gap 1) stay seen, so the
// result equals the uncalibrated one.
TEST(ZslMetrics, CalibrationTieKeepsSeenClass) {
    const auto r = evaluateGzsl(tableLogits(), tableTruth(), kSeen, kUnseen, 1.0);
    EXPECT_NEAR(r.U, 100.0 * 5 / 12, 1e-9);
    EXPECT_NEAR(r.S, 100.0 * 7 / 12, 1e-9);
}

// Every unseen image is swallowed by a seen class (its seen logit is 10): U = 0, S = 100, H = 0,
// while zsl (unseen columns only) is 100. H with U = S = 0 is 0, not NaN.
TEST(ZslMetrics, HarmonicMeanIsZeroWhenUIsZero) {
    const auto logits = torch::tensor({{9.f, 0.f, 1.f},     // truth 0, predicted 0
                                       {0.f, 9.f, 1.f},     // truth 1, predicted 1
                                       {10.f, 0.f, 5.f},    // truth 2, predicted 0
                                       {0.f, 10.f, 5.f}});  // truth 2, predicted 1
    const auto truth = torch::tensor({0L, 1L, 2L, 2L});
    const auto r = evaluateGzsl(logits, truth, {0, 1}, {2});
    EXPECT_DOUBLE_EQ(r.U, 0.0);
    EXPECT_DOUBLE_EQ(r.S, 100.0);
    EXPECT_DOUBLE_EQ(r.H, 0.0);
    EXPECT_DOUBLE_EQ(r.zsl, 100.0);
    EXPECT_DOUBLE_EQ(harmonicMean(0.0, 0.0), 0.0);
    EXPECT_DOUBLE_EQ(harmonicMean(50.0, 50.0), 50.0);
}

// Classes {0, 1, 2}, truth 0 0 1 5, predicted 0 1 1 5: class 0 1/2, class 1 1/1, class 2 has no
// images (NaN, left out), the image of class 5 is not listed and ignored: mean (0.5 + 1) / 2 = 0.75
// (a fraction, not percent).
TEST(ZslMetrics, PerClassMeanLeavesOutClassesWithoutImages) {
    std::vector<double> perClass;
    const double mean =
        perClassMeanTop1(torch::tensor({0L, 1L, 1L, 5L}), torch::tensor({0L, 0L, 1L, 5L}), {0, 1, 2}, &perClass);
    EXPECT_NEAR(mean, 0.75, 1e-12);
    ASSERT_EQ(perClass.size(), 3u);
    EXPECT_NEAR(perClass[0], 0.5, 1e-12);
    EXPECT_NEAR(perClass[1], 1.0, 1e-12);
    EXPECT_TRUE(std::isnan(perClass[2]));
    // No listed class has an image: NaN.
    EXPECT_TRUE(std::isnan(perClassMeanTop1(torch::tensor({0L}), torch::tensor({0L}), {3})));
}

// An unseen class with no test images (class 3 here, its images dropped from the table) is NaN in
// perClassU and left out of U: U = class 2's 1/3 = 33.333 %; zsl = class 2's 2/3.
TEST(ZslMetrics, GzslLeavesOutUnseenClassWithoutImages) {
    const auto rows = torch::tensor({0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L});
    const auto r =
        evaluateGzsl(tableLogits().index_select(0, rows), tableTruth().index_select(0, rows), kSeen, kUnseen);
    EXPECT_NEAR(r.U, 100.0 / 3, 1e-9);
    EXPECT_NEAR(r.zsl, 200.0 / 3, 1e-9);
    EXPECT_TRUE(std::isnan(r.perClassU[1]));
    EXPECT_NEAR(r.S, 100.0 * 7 / 12, 1e-9);
}

// Columns in neither list are never predicted: a huge logit in column 4 changes nothing.
TEST(ZslMetrics, ColumnsOutsideTheSplitAreIgnored) {
    auto logits = torch::cat({tableLogits(), torch::full({10, 1}, 100.f)}, 1);
    const auto r = evaluateGzsl(logits, tableTruth(), kSeen, kUnseen);
    EXPECT_NEAR(r.H, 100.0 * 70 / 144, 1e-9);
}

// Gamma chosen on the same table used as a validation pass (0, 1 pseudo-seen, 2, 3 pseudo-unseen).
// Distinct gaps: -4 -3 -2 -1 1 3 5; candidates (margin 9 = max(1, 5 - (-4))):
//   -13  all seen                      S 75     U 0       H 0
//   -3.5 img 5 unseen                  S 75     U 1/6     H 27.27
//   -2.5 + img 9                       S 75     U 5/12    H 53.57
//   -1.5 + img 7 (wrong)               S 75     U 5/12    H 53.57
//    0   + img 2 (seen image, wrong)   S 7/12   U 5/12    H 48.61
//    2   + img 6, 8 (right)            S 7/12   U 5/6     H 68.63   <- best
//    4   + img 1, 3, 4 (wrong)         S 1/6    U 5/6     H 27.78
//    14  all unseen                    S 0      U 5/6     H 0
TEST(ZslMetrics, ChoosesGammaMaximisingH) {
    GzslResult atBest;
    const double gamma = chooseCalibrationGamma(tableLogits(), tableTruth(), kSeen, kUnseen, &atBest);
    EXPECT_DOUBLE_EQ(gamma, 2.0);
    EXPECT_NEAR(atBest.H, 100.0 * 840 / 1224, 1e-9);
    EXPECT_NEAR(atBest.U, 100.0 * 5 / 6, 1e-9);

    // With only 3 of the 8 candidates, by rank 0, round(3.5) = 4 and 7 (-13, 0, 14), 0 wins (H 48.61).
    CalibrationSearch coarse;
    coarse.maxCandidates = 3;
    EXPECT_DOUBLE_EQ(chooseCalibrationGamma(tableLogits(), tableTruth(), kSeen, kUnseen, nullptr, coarse), 0.0);
}

// Equal H on several intervals: the smallest |gamma| wins. Two images, pseudo-seen 0 and
// pseudo-unseen 1; image of class 0 has gap 2, image of class 1 has gap -2. Candidates -6, 0, 6:
// -6 gives U = 0 (H 0), 6 gives S = 0 (H 0), 0 gives U = S = 100 (H 100).
// Then the same with the unseen image at gap +2 too (one distinct gap 2, margin 1; candidates 1
// and 3): H = 0 at both (U = 0, then S = 0), and 1 (smaller |gamma|) wins.
TEST(ZslMetrics, GammaTiesGoToLeastCalibration) {
    const auto logits = torch::tensor({{2.f, 0.f}, {0.f, 2.f}});
    const auto truth = torch::tensor({0L, 1L});
    EXPECT_DOUBLE_EQ(chooseCalibrationGamma(logits, truth, {0}, {1}), 0.0);
    const auto logits2 = torch::tensor({{2.f, 0.f}, {2.f, 0.f}});
    EXPECT_DOUBLE_EQ(chooseCalibrationGamma(logits2, truth, {0}, {1}), 1.0);
}

// Gamma across folds maximises the mean H over the folds, not any one fold's. Two images per fold,
// pseudo-seen 0 and pseudo-unseen 1 (gamma is subtracted from column 0):
//   fold A: logits (2, 0) and (0, 2): H = 100 for gamma in (-2, 2), else 0;
//   fold C: logits (4, 0) and (3, 0): gaps 4 and 3, H = 100 only for gamma in (3, 4), else 0.
// Folds C, C, A: mean H 200/3 at 3.5 (the midpoint of C's gaps) against 100/3 at 0 -> 3.5.
// Folds A, A, C: 0 has the larger mean (200/3), so gamma stays 0.
TEST(ZslMetrics, GammaAcrossFoldsMaximisesTheMeanH) {
    const CalibrationFold a{torch::tensor({{2.f, 0.f}, {0.f, 2.f}}), torch::tensor({0L, 1L}), {0}, {1}};
    const CalibrationFold c{torch::tensor({{4.f, 0.f}, {3.f, 0.f}}), torch::tensor({0L, 1L}), {0}, {1}};
    const auto calibrated = chooseCalibrationGammaAcrossFolds({c, c, a});
    EXPECT_DOUBLE_EQ(calibrated.gamma, 3.5);
    EXPECT_NEAR(calibrated.meanH, 200.0 / 3, 1e-9);
    EXPECT_NEAR(calibrated.meanHAtZero, 100.0 / 3, 1e-9);
    ASSERT_EQ(calibrated.atGamma.size(), 3u);
    EXPECT_DOUBLE_EQ(calibrated.atGamma[2].H, 0.0);  // fold A is hurt by the calibration its mates want
    const auto kept = chooseCalibrationGammaAcrossFolds({a, a, c});
    EXPECT_DOUBLE_EQ(kept.gamma, 0.0);
    EXPECT_NEAR(kept.meanH, 200.0 / 3, 1e-9);
    EXPECT_GE(kept.meanH, kept.meanHAtZero);
}

TEST(ZslMetrics, RejectsBadArguments) {
    EXPECT_THROW(evaluateGzsl(tableLogits(), tableTruth(), {0, 1}, {1, 2}), std::invalid_argument);
    EXPECT_THROW(evaluateGzsl(tableLogits(), tableTruth(), {0, 1}, {4}), std::invalid_argument);
    EXPECT_THROW(evaluateGzsl(tableLogits(), tableTruth().narrow(0, 0, 5), kSeen, kUnseen), std::invalid_argument);
    EXPECT_THROW(perClassMeanTop1(torch::tensor({0L}), torch::tensor({0L}), {0, 0}), std::invalid_argument);
    // A validation pass without pseudo-unseen images cannot choose gamma.
    EXPECT_THROW(chooseCalibrationGamma(tableLogits().narrow(0, 0, 5), tableTruth().narrow(0, 0, 5), kSeen, kUnseen),
                 std::invalid_argument);
}

// 10 classes, 30 % held out: 3 held out, 7 kept, disjoint, order kept, same seed same split.
TEST(ZslMetrics, SplitClassesHoldsOutWholeClasses) {
    std::vector<int64_t> classes{10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, kept, held, kept2, held2;
    splitClasses(classes, 0.3, 42, &kept, &held);
    EXPECT_EQ(kept.size(), 7u);
    EXPECT_EQ(held.size(), 3u);
    std::set<int64_t> all(kept.begin(), kept.end());
    all.insert(held.begin(), held.end());
    EXPECT_EQ(all.size(), 10u);
    EXPECT_TRUE(std::is_sorted(kept.begin(), kept.end()));
    splitClasses(classes, 0.3, 42, &kept2, &held2);
    EXPECT_EQ(held, held2);
    EXPECT_THROW(splitClasses({1}, 0.5, 1, &kept, &held), std::invalid_argument);
}

// Folds read one shuffle cyclically. 10 classes, 4 per fold, 5 folds: 20 places over 10 classes,
// so every class is pseudo-unseen exactly twice; folds 0 and 1 take positions 0-7 (disjoint), and
// fold 2 takes 8, 9, 0, 1 (two classes shared with fold 0). 73 classes, 20 per fold (CUB-100's
// 27 / 100 unseen share), 5 folds: 100 places, so 27 classes twice and 46 once.
TEST(ZslMetrics, PseudoUnseenFoldsHoldOutEveryClassEquallyOften) {
    const auto folds = pseudoUnseenFolds(10, 4, 5, 7);
    ASSERT_EQ(folds.size(), 5u);
    std::map<size_t, int> times;
    for (const auto& f : folds) {
        ASSERT_EQ(f.size(), 4u);
        EXPECT_TRUE(std::is_sorted(f.begin(), f.end()));
        EXPECT_EQ(std::set<size_t>(f.begin(), f.end()).size(), 4u);
        for (size_t c : f) ++times[c];
    }
    EXPECT_EQ(times.size(), 10u);
    for (const auto& [c, n] : times) EXPECT_EQ(n, 2) << "class " << c;
    std::vector<size_t> shared;
    std::set_intersection(folds[0].begin(), folds[0].end(), folds[1].begin(), folds[1].end(),
                          std::back_inserter(shared));
    EXPECT_TRUE(shared.empty());
    std::set_intersection(folds[0].begin(), folds[0].end(), folds[2].begin(), folds[2].end(),
                          std::back_inserter(shared));
    EXPECT_EQ(shared.size(), 2u);

    std::map<size_t, int> cub;
    for (const auto& f : pseudoUnseenFolds(73, 20, 5, 5))
        for (size_t c : f) ++cub[c];
    int twice = 0, once = 0;
    for (const auto& [c, n] : cub) (n == 2 ? twice : once) += 1;
    EXPECT_EQ(twice, 27);
    EXPECT_EQ(once, 46);
    EXPECT_EQ(cub.size(), 73u);

    // perFold is kept within 1..n-1; the same seed gives the same folds.
    EXPECT_EQ(pseudoUnseenFolds(5, 0, 1, 1)[0].size(), 1u);
    EXPECT_EQ(pseudoUnseenFolds(5, 9, 1, 1)[0].size(), 4u);
    EXPECT_EQ(pseudoUnseenFolds(10, 4, 5, 7), folds);
    EXPECT_THROW(pseudoUnseenFolds(1, 1, 1, 1), std::invalid_argument);
}
