// The seen-class head: training with early stopping, and the folded standardisation.
#include "core/engine/linear_head.h"

#include <gtest/gtest.h>

using namespace niwt;

namespace {

// Three well separated Gaussian clusters; feature 1 is on a scale 1000x larger than feature 0,
// so a head that forgot to fold the standardisation back would misclassify raw features.
void clusters(int perClass, torch::Tensor* x, torch::Tensor* y) {
    torch::manual_seed(5);
    const auto centres = torch::tensor({{0.0f, 0.0f}, {5.0f, 5000.0f}, {-5.0f, 10000.0f}});
    std::vector<torch::Tensor> xs;
    std::vector<int64_t> ys;
    for (int c = 0; c < 3; ++c) {
        xs.push_back(centres[c] + torch::randn({perClass, 2}) * torch::tensor({0.5f, 500.0f}));
        for (int i = 0; i < perClass; ++i) ys.push_back(c);
    }
    *x = torch::cat(xs);
    *y = torch::tensor(ys, torch::kLong);
}

}  // namespace

// Clusters 10 standard deviations apart are separable: every image, held out or not, is right.
TEST(LinearHead, SeparatesWellSeparatedClassesOnRawFeatures) {
    torch::Tensor x, y;
    clusters(60, &x, &y);
    HeadTrainingReport report;
    const auto head = trainLinearHead(x, y, 3, HeadTrainingOptions{}, &report);
    EXPECT_EQ(head.classes(), 3);
    EXPECT_EQ(head.featureDim(), 2);
    EXPECT_DOUBLE_EQ(report.heldOutAccuracy, 1.0);
    EXPECT_DOUBLE_EQ(top1Accuracy(head.logits(x), y), 1.0);
    EXPECT_GE(report.epochs, report.bestEpoch);
    EXPECT_GT(report.bestEpoch, 0);
}

// Early stopping: labels independent of the features carry nothing to learn, so the held-out
// part stops improving early and the run ends p epochs after the kept one, long before the cap.
TEST(LinearHead, StopsWithinPatienceOfBestEpoch) {
    torch::manual_seed(3);
    const auto x = torch::randn({90, 8});
    const auto y = torch::randint(3, {90}, torch::kLong);
    HeadTrainingOptions options;
    options.patience = 5;
    options.maxEpochs = 500;
    HeadTrainingReport report;
    trainLinearHead(x, y, 3, options, &report);
    EXPECT_LE(report.epochs - report.bestEpoch, 5);
    EXPECT_LT(report.epochs, 500);
}

TEST(LinearHead, RejectsNaNFeatures) {
    auto x = torch::zeros({4, 2});
    x[1][1] = std::nanf("");
    EXPECT_THROW(trainLinearHead(x, torch::tensor({0L, 1L, 0L, 1L}), 2, {}, nullptr), std::invalid_argument);
}

// top1Accuracy: 2 of 3 rows have their arg-max at the label.
TEST(LinearHead, Top1AccuracyCountsArgMaxHits) {
    const auto logits = torch::tensor({{1.0f, 0.0f}, {0.0f, 2.0f}, {3.0f, 1.0f}});
    EXPECT_NEAR(top1Accuracy(logits, torch::tensor({0L, 1L, 1L})), 2.0 / 3.0, 1e-12);
}
