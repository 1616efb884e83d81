// Neuron importances against closed forms on hand-made networks.
#include "core/engine/importance.h"
#include "core/engine/small_cnn.h"
#include "tests/engine/tiny_networks.h"

#include <gtest/gtest.h>

using namespace niwt;

namespace {

// V (2x2), W (2 classes x 2), no biases: see identityThenMix.
StagedNetwork handNetwork(LinearHead* head) {
    const auto v = torch::tensor({{1.0f, 1.0f}, {2.0f, -1.0f}});
    const auto w = torch::tensor({{1.0f, -2.0f}, {0.5f, 3.0f}});
    head->weight = w;
    head->bias = torch::zeros({2});
    return StagedNetwork(test::identityThenMix(v, torch::zeros({2}), w, torch::zeros({2})));
}

// One image, K = 2 channels, 1 x 2 positions. Position 0 holds (1, 1.5), position 1 holds (-1, 0.5).
torch::Tensor handActivations() {
    auto a = torch::zeros({1, 2, 1, 2});
    a[0][0][0][0] = 1.0f;
    a[0][1][0][0] = 1.5f;
    a[0][0][0][1] = -1.0f;
    a[0][1][0][1] = 0.5f;
    return a;
}

}  // namespace

// z = V a: position 0 gives (2.5, 0.5), both > 0; position 1 gives (-0.5, -2.5), both cut by ReLU.
// d logit_c / d a[k, p] = sum_m W[c,m] V[m,k] [z_m(p) > 0] / 2 (the spatial mean over 2 positions),
// so alpha_k = sum_m W[c,m] V[m,k] / 2 (only position 0 contributes):
//   c = 0: k0 = (1*1 - 2*2)/2 = -1.5,   k1 = (1*1 - 2*(-1))/2 = 1.5
//   c = 1: k0 = (0.5*1 + 3*2)/2 = 3.25, k1 = (0.5*1 + 3*(-1))/2 = -1.25
TEST(NeuronImportances, MatchHandComputedValuesThroughReluStage) {
    LinearHead head;
    const auto net = handNetwork(&head);
    const auto a = handActivations();
    const auto alpha0 = neuronImportances(net, 0, head, a, torch::tensor({0L}));
    const auto alpha1 = neuronImportances(net, 0, head, a, torch::tensor({1L}));
    EXPECT_NEAR(alpha0[0][0].item<float>(), -1.5f, 1e-6);
    EXPECT_NEAR(alpha0[0][1].item<float>(), 1.5f, 1e-6);
    EXPECT_NEAR(alpha1[0][0].item<float>(), 3.25f, 1e-6);
    EXPECT_NEAR(alpha1[0][1].item<float>(), -1.25f, 1e-6);
}

// Images in a batch do not interact, so one backward over a batch gives each image's own row.
TEST(NeuronImportances, BatchRowsEqualSingleImageResults) {
    LinearHead head;
    const auto net = handNetwork(&head);
    const auto a = torch::cat({handActivations(), handActivations()});
    const auto alpha = neuronImportances(net, 0, head, a, torch::tensor({0L, 1L}));
    ASSERT_EQ(alpha.sizes(), (std::vector<int64_t>{2, 2}));
    EXPECT_TRUE(torch::allclose(alpha[0], torch::tensor({-1.5f, 1.5f})));
    EXPECT_TRUE(torch::allclose(alpha[1], torch::tensor({3.25f, -1.25f})));
}

// At the last stage, logit_c = W_c . mean_hw(A) + b_c, so sum_hw d logit_c / d A[k,h,w] = W[c,k]
// whatever the activations.
TEST(NeuronImportances, AtLastStageEqualHeadWeights) {
    LinearHead head;
    const auto net = handNetwork(&head);
    const auto a = torch::randn({3, 2, 4, 5});
    const auto alpha = neuronImportances(net, 1, head, a, torch::tensor({1L, 0L, 1L}));
    EXPECT_TRUE(torch::allclose(alpha[0], head.weight[1], 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(alpha[1], head.weight[0], 1e-5, 1e-6));
}

// alpha[i,k] is the derivative of logit_c along the direction "add eps to every position of
// channel k", so a central finite difference in double precision must agree.
TEST(NeuronImportances, AgreeWithFiniteDifferencesOnSmallCnn) {
    SmallCnnShape shape;
    shape.inChannels = 3;
    shape.widths = {5, 6, 7};
    shape.classes = 4;
    auto module = makeSmallCnn(shape, 3);
    module.to(torch::kDouble);
    StagedNetwork net(module);
    LinearHead head{torch::randn({3, 7}, torch::kDouble), torch::randn({3}, torch::kDouble)};
    const auto images = torch::randn({2, 3, 12, 12}, torch::kDouble);
    const auto targets = torch::tensor({2L, 0L});
    const int stage = 0;
    const auto a = stageActivations(net, images, stage);
    const auto alpha = neuronImportances(net, stage, head, a, targets);
    const double eps = 1e-6;
    torch::NoGradGuard g;
    for (int i = 0; i < 2; ++i)
        for (int k = 0; k < 5; ++k) {
            auto plus = a.clone(), minus = a.clone();
            plus[i][k] += eps;
            minus[i][k] -= eps;
            const auto lp =
                head.logits(net.featuresFromStage(plus, stage))[i][targets[i].item<int64_t>()].item<double>();
            const auto lm =
                head.logits(net.featuresFromStage(minus, stage))[i][targets[i].item<int64_t>()].item<double>();
            EXPECT_NEAR(alpha[i][k].item<double>(), (lp - lm) / (2 * eps), 1e-5) << "image " << i << " channel " << k;
        }
}

TEST(NeuronImportances, RejectWrongShapes) {
    LinearHead head;
    const auto net = handNetwork(&head);
    EXPECT_THROW(neuronImportances(net, 0, head, torch::zeros({2, 2}), torch::tensor({0L, 1L})), std::invalid_argument);
    EXPECT_THROW(neuronImportances(net, 0, head, handActivations(), torch::tensor({0L, 1L})), std::invalid_argument);
}
