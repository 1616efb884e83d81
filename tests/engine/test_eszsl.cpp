// ESZSL closed form: checked by hand, against the explicit-inverse formula, and on a synthetic
// zero-shot problem it must solve.
#include "core/engine/eszsl.h"
#include "core/engine/zsl_metrics.h"

#include <gtest/gtest.h>

using namespace niwt;

namespace {

EszslOptions raw() {
    EszslOptions o;
    o.normaliseFeatures = false;
    o.normaliseClassVectors = false;
    return o;
}

// Features are a fixed linear map of the class vector plus small noise:
//   x = A s_c + 0.01 n,  A: 24 x 8 Gaussian, s_c: 8-dim Gaussian class vectors, n standard normal.
// 20 seen classes (training), 6 unseen classes (never seen while fitting), 30 images each.
struct Synthetic {
    torch::Tensor seenVectors, unseenVectors;  // classes x 8
    torch::Tensor trainX, trainY, unseenX, unseenY;
};

Synthetic synthetic() {
    torch::manual_seed(17);
    const int a = 8, d = 24, perClass = 30, seen = 20, unseen = 6;
    const auto map = torch::randn({d, a}, torch::kDouble);
    Synthetic p;
    p.seenVectors = torch::randn({seen, a}, torch::kDouble);
    p.unseenVectors = torch::randn({unseen, a}, torch::kDouble);
    const auto images = [&](const torch::Tensor& vectors, torch::Tensor* x, torch::Tensor* y) {
        const int64_t classes = vectors.size(0);
        *y = torch::arange(classes, torch::kLong).repeat_interleave(perClass);
        *x = vectors.index_select(0, *y).matmul(map.t()) + 0.01 * torch::randn({classes * perClass, d}, torch::kDouble);
    };
    images(p.seenVectors, &p.trainX, &p.trainY);
    images(p.unseenVectors, &p.unseenX, &p.unseenY);
    return p;
}

std::vector<int64_t> range(int64_t n) {
    std::vector<int64_t> v(n);
    for (int64_t i = 0; i < n; ++i) v[i] = i;
    return v;
}

}  // namespace

// One feature, one attribute, two classes, by hand (no normalisation, signed labels):
//   X = [1; 2], labels 0, 1 -> Y = [[1, -1], [-1, 1]], class vectors s_0 = 1, s_1 = -1 (S = [1 -1]).
//   X^T X + gamma = 5 + 1 = 6;  X^T Y = [1 - 2, -1 + 2] = [-1, 1];  X^T Y S^T = -1 - 1 = -2;
//   S S^T + lambda = 2 + 1 = 3;  V = (1/6)(-2)(1/3) = -1/9.
//   Scores of x = 2 over (s_0, s_1): 2 (-1/9) [1, -1] = [-2/9, 2/9] -> class 1, its own.
TEST(Eszsl, TinyCaseByHand) {
    const auto x = torch::tensor({{1.0}, {2.0}}, torch::kDouble);
    const auto s = torch::tensor({{1.0}, {-1.0}}, torch::kDouble);
    auto options = raw();
    options.signedLabels = true;
    const auto model = fitEszsl(x, torch::tensor({0L, 1L}), s, 1.0, 1.0, options);
    ASSERT_EQ(model.V.sizes(), (std::vector<int64_t>{1, 1}));
    EXPECT_NEAR(model.V.item<double>(), -1.0 / 9.0, 1e-14);
    const auto scores = model.scores(torch::tensor({{2.0}}, torch::kDouble), s);
    EXPECT_NEAR(scores[0][0].item<double>(), -2.0 / 9.0, 1e-14);
    EXPECT_NEAR(scores[0][1].item<double>(), 2.0 / 9.0, 1e-14);
}

// A small random case (N 7, d 5, z 3, a 4) against the formula written with explicit inverses:
// V = inv(X^T X + g I) X^T Y S^T inv(S S^T + l I), S = class vectors transposed. Both in double,
// so they agree to ~1e-12. Also with one-hot (0/1) labels, and scores = X V S'.
TEST(Eszsl, MatchesExplicitInverseFormula) {
    torch::manual_seed(3);
    const auto x = torch::randn({7, 5}, torch::kDouble);
    const auto classVectors = torch::randn({3, 4}, torch::kDouble);
    const auto labels = torch::tensor({0L, 1L, 2L, 0L, 1L, 2L, 2L});
    const double g = 0.3, l = 2.0;
    for (bool signedLabels : {true, false}) {
        auto options = raw();
        options.signedLabels = signedLabels;
        auto y = torch::one_hot(labels, 3).to(torch::kDouble);
        if (signedLabels) y = 2 * y - 1;
        const auto S = classVectors.t();
        const auto expected = torch::inverse(x.t().matmul(x) + g * torch::eye(5, torch::kDouble))
                                  .matmul(x.t())
                                  .matmul(y)
                                  .matmul(S.t())
                                  .matmul(torch::inverse(S.matmul(S.t()) + l * torch::eye(4, torch::kDouble)));
        const auto model = fitEszsl(x, labels, classVectors, g, l, options);
        EXPECT_LT((model.V - expected).abs().max().item<double>(), 1e-10) << "signed " << signedLabels;
        const auto other = torch::randn({2, 4}, torch::kDouble);
        EXPECT_LT((model.scores(x, other) - x.matmul(expected).matmul(other.t())).abs().max().item<double>(), 1e-10);
    }
}

// Normalisation: with it on, scaling a feature row or a class vector changes nothing (rows are
// L2-normalised before use), so scores of 10 x features equal scores of the features.
TEST(Eszsl, NormalisationMakesScaleIrrelevant) {
    torch::manual_seed(4);
    const auto x = torch::randn({9, 4}, torch::kDouble);
    const auto s = torch::randn({3, 5}, torch::kDouble);
    const auto labels = torch::tensor({0L, 1L, 2L, 0L, 1L, 2L, 0L, 1L, 2L});
    const auto a = fitEszsl(x, labels, s, 1.0, 1.0);
    const auto b = fitEszsl(10 * x, labels, 100 * s, 1.0, 1.0);
    EXPECT_LT((a.V - b.V).abs().max().item<double>(), 1e-12);
    EXPECT_LT((a.scores(x, s) - a.scores(3 * x, 7 * s)).abs().max().item<double>(), 1e-12);
}

// The zero-shot test: features are a linear map of class vectors plus noise 100x smaller than the
// signal, so a V exists that sends every image near its class vector. Fitted on the 20 seen
// classes only, ESZSL must classify the 6 never-seen classes' 180 images among those 6 classes
// (per-class mean top-1) at 100 % (we allow 97 %: one or two images of bad luck). Default options:
// L2-normalised rows, one-hot labels.
TEST(Eszsl, RecoversUnseenClassesOnSyntheticProblem) {
    const auto p = synthetic();
    const auto model = fitEszsl(p.trainX, p.trainY, p.seenVectors, 1e-2, 1e-2);
    EXPECT_EQ(model.featureDim(), 24);
    EXPECT_EQ(model.classVectorDim(), 8);
    const auto predicted = model.scores(p.unseenX, p.unseenVectors).argmax(1);
    EXPECT_GE(perClassMeanTop1(predicted, p.unseenY, range(6)), 0.97);
    // Seen training images among the seen classes: also right.
    const auto seenPredicted = model.scores(p.trainX, p.seenVectors).argmax(1);
    EXPECT_GE(perClassMeanTop1(seenPredicted, p.trainY, range(20)), 0.97);

    // Why one-hot is the default: signed (+1/-1) labels add a class-dependent bias (see eszsl.h)
    // and fall well short on the same problem (50 % measured; asserted below 90 %).
    EszslOptions signedOptions;
    signedOptions.signedLabels = true;
    const auto signedModel = fitEszsl(p.trainX, p.trainY, p.seenVectors, 1e-2, 1e-2, signedOptions);
    EXPECT_LT(perClassMeanTop1(signedModel.scores(p.unseenX, p.unseenVectors).argmax(1), p.unseenY, range(6)), 0.9);
}

// Validation by held-out seen classes picks a grid pair that also solves the unseen classes; the
// grid is 7 x 7 (10^-3 .. 10^3), 20 % of 20 seen classes = 4 validation classes, all from the
// seen ones (unseen images are never passed in).
TEST(Eszsl, ValidationOverHeldOutSeenClasses) {
    const auto p = synthetic();
    EszslValidationReport report;
    const auto model = fitEszslWithValidation(p.trainX, p.trainY, p.seenVectors, {}, &report);
    ASSERT_EQ(report.accuracy.size(), 7u);
    ASSERT_EQ(report.accuracy[0].size(), 7u);
    EXPECT_EQ(report.validationClasses.size(), 4u);
    for (int64_t c : report.validationClasses) {
        EXPECT_GE(c, 0);
        EXPECT_LT(c, 20);
    }
    EXPECT_GE(report.validationAccuracy, 0.97);
    EXPECT_GT(report.gamma, 0);
    EXPECT_GT(report.lambda, 0);
    const auto predicted = model.scores(p.unseenX, p.unseenVectors).argmax(1);
    EXPECT_GE(perClassMeanTop1(predicted, p.unseenY, range(6)), 0.97);
}

TEST(Eszsl, RejectsBadArguments) {
    const auto x = torch::randn({4, 3});
    const auto s = torch::randn({2, 2});
    EXPECT_THROW(fitEszsl(x, torch::tensor({0L, 1L, 2L, 0L}), s, 1, 1), std::invalid_argument);
    EXPECT_THROW(fitEszsl(x, torch::tensor({0L, 1L}), s, 1, 1), std::invalid_argument);
    EXPECT_THROW(fitEszsl(x, torch::tensor({0L, 1L, 0L, 1L}), s, 0, 1), std::invalid_argument);
    const auto model = fitEszsl(x, torch::tensor({0L, 1L, 0L, 1L}), s, 1, 1);
    EXPECT_THROW(model.scores(torch::randn({2, 5}), s), std::invalid_argument);
    EXPECT_THROW(model.scores(x, torch::randn({2, 3})), std::invalid_argument);
    EXPECT_THROW(fitEszslWithValidation(x, torch::tensor({0L, 1L, 0L, 1L}), s), std::invalid_argument);
}
