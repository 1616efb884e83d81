// Grad-CAM maps against closed forms on hand-made networks (see tiny_networks.h).
#include "core/engine/gradcam.h"
#include "core/engine/importance.h"
#include "tests/engine/tiny_networks.h"

#include <gtest/gtest.h>

using namespace niwt;

namespace {

// identityThenMix with V = [[1, 1], [2, -1]] (M = 2 outputs x K = 2 inputs), no biases; the bundle's
// own classifier (2 classes x F = 2) is W.
torch::Tensor handV() { return torch::tensor({{1.0f, 1.0f}, {2.0f, -1.0f}}); }
torch::Tensor handW() { return torch::tensor({{1.0f, -2.0f}, {0.5f, 3.0f}}); }

StagedNetwork handNetwork(const torch::Tensor& v = handV()) {
    return StagedNetwork(test::identityThenMix(v, torch::zeros({v.size(0)}), handW(), torch::zeros({2})));
}

LinearHead handHead() { return {handW(), torch::zeros({2})}; }

// One image, K = 2 channels on a 2 x 2 map; (A0, A1) at each position:
//   (0,0): (1, 1.5)   (0,1): (-1, 0.5)
//   (1,0): (2, 0)     (1,1): (0, 1)
torch::Tensor handActivations() {
    const auto a0 = torch::tensor({{1.0f, -1.0f}, {2.0f, 0.0f}});
    const auto a1 = torch::tensor({{1.5f, 0.5f}, {0.0f, 1.0f}});
    return torch::stack({a0, a1}).unsqueeze(0);
}

}  // namespace

// Stage 0 (identity) then z = V a, ReLU, mean over the 4 positions, score = w . f with w = (1, -2).
// z per position: (0,0) -> (2.5, 0.5) both on; (0,1) -> (-0.5, -2.5) both off; (1,0) -> (2, 4) both on;
// (1,1) -> (1, -1) only z0 on. d score / d a_k(p) = sum_m w_m V[m,k] [z_m(p) > 0] / 4:
//   both on: (1*1 - 2*2, 1*1 - 2*(-1)) / 4 = (-3, 3) / 4; only z0: (1, 1) / 4.
// alpha = ((-3) + (-3) + 1, 3 + 3 + 1) / 4 = (-1.25, 1.75).
// map = ReLU(-1.25 A0 + 1.75 A1): (0,0) -1.25 + 2.625 = 1.375; (0,1) 1.25 + 0.875 = 2.125;
//                                  (1,0) -2.5 -> 0;             (1,1) 1.75.
TEST(GradCam, MatchesClosedFormThroughReluStage) {
    const auto net = handNetwork();
    torch::Tensor alpha;
    const auto map = gradCam(net, 0, handActivations(), torch::tensor({1.0f, -2.0f}), &alpha);
    ASSERT_EQ(map.sizes(), (std::vector<int64_t>{1, 2, 2}));
    ASSERT_EQ(alpha.sizes(), (std::vector<int64_t>{1, 2}));
    EXPECT_NEAR(alpha[0][0].item<float>(), -1.25f, 1e-6);
    EXPECT_NEAR(alpha[0][1].item<float>(), 1.75f, 1e-6);
    EXPECT_NEAR(map[0][0][0].item<float>(), 1.375f, 1e-6);
    EXPECT_NEAR(map[0][0][1].item<float>(), 2.125f, 1e-6);
    EXPECT_NEAR(map[0][1][0].item<float>(), 0.0f, 1e-6);
    EXPECT_NEAR(map[0][1][1].item<float>(), 1.75f, 1e-6);
}

// At the last stage, score = w . mean_hw(A), so alpha_k = sum_hw w_k / (hw) = w_k exactly and the map
// is ReLU(sum_k w_k A_k). By hand with w = (1, -2) on handActivations:
//   (0,0) 1 - 3 = -2 -> 0; (0,1) -1 - 1 = -2 -> 0; (1,0) 2 - 0 = 2; (1,1) 0 - 2 = -2 -> 0.
TEST(GradCam, AtLastStageImportancesAreTheClassWeights) {
    const auto net = handNetwork();
    torch::Tensor alpha;
    const auto map = gradCam(net, 1, handActivations(), torch::tensor({{1.0f, -2.0f}}), &alpha);
    EXPECT_TRUE(torch::allclose(alpha[0], torch::tensor({1.0f, -2.0f}), 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(map[0], torch::tensor({{0.0f, 0.0f}, {2.0f, 0.0f}}), 1e-5, 1e-6));

    // And for random activations and weights, against the closed form directly.
    const auto a = torch::randn({3, 2, 4, 5});
    const auto w = torch::randn({3, 2});
    const auto maps = gradCam(net, 1, a, w, &alpha);
    EXPECT_TRUE(torch::allclose(alpha, w, 1e-5, 1e-6));
    const auto expected = torch::relu((w.unsqueeze(2).unsqueeze(3) * a).sum(1));
    EXPECT_TRUE(torch::allclose(maps, expected, 1e-5, 1e-6));
}

// V = I, w = (1, 1), every activation 0 except both channels at (2, 1) of a 4 x 4 map. ReLU'(0) = 0, so
// only the hot position passes gradient: alpha_k = w_k / 16 > 0 and the map is positive only at (2, 1).
// Upsampled to 16 x 16 (factor 4), the peak lies in that cell's 4 x 4 block: rows 8..11, columns 4..7.
TEST(GradCam, SingleHotSpotLandsWhereTheEvidenceIs) {
    const auto net = handNetwork(torch::eye(2));
    auto a = torch::zeros({1, 2, 4, 4});
    a.index_put_({0, torch::indexing::Slice(), 2, 1}, 1.0f);
    const auto map = gradCam(net, 0, a, torch::tensor({1.0f, 1.0f}));
    const auto flatArg = map[0].flatten().argmax().item<int64_t>();
    EXPECT_EQ(flatArg / 4, 2);
    EXPECT_EQ(flatArg % 4, 1);
    EXPECT_NEAR(map[0][2][1].item<float>(), 2.0f / 16.0f, 1e-7);  // (1/16) * 1 + (1/16) * 1
    EXPECT_EQ(map.gt(0).sum().item<int64_t>(), 1);

    const auto up = normaliseMaps(upsampleMaps(map, 16, 16));
    ASSERT_EQ(up.sizes(), (std::vector<int64_t>{1, 16, 16}));
    const auto upArg = up[0].flatten().argmax().item<int64_t>();
    EXPECT_GE(upArg / 16, 8);
    EXPECT_LE(upArg / 16, 11);
    EXPECT_GE(upArg % 16, 4);
    EXPECT_LE(upArg % 16, 7);
    EXPECT_FLOAT_EQ(up.max().item<float>(), 1.0f);
    EXPECT_FLOAT_EQ(up.min().item<float>(), 0.0f);
}

// Images do not interact, so a batch with one weight row per image gives each image's own map, and a
// single row is used for every image.
TEST(GradCam, BatchedRowsEqualSingleImages) {
    const auto net = handNetwork();
    const auto a = torch::randn({3, 2, 3, 3});
    const auto w = torch::randn({3, 2});
    torch::Tensor alpha;
    const auto maps = gradCam(net, 0, a, w, &alpha);
    for (int64_t i = 0; i < 3; ++i) {
        torch::Tensor alphaOne;
        const auto one = gradCam(net, 0, a.slice(0, i, i + 1), w[i], &alphaOne);
        EXPECT_TRUE(torch::allclose(maps[i], one[0], 1e-5, 1e-6)) << "image " << i;
        EXPECT_TRUE(torch::allclose(alpha[i], alphaOne[0], 1e-5, 1e-6)) << "image " << i;
    }
    const auto shared = gradCam(net, 0, a, w.slice(0, 1, 2));
    EXPECT_TRUE(torch::allclose(shared[1], maps[1], 1e-5, 1e-6));
}

// The head-row convenience equals passing the rows' weight vectors, and agrees with NIWT's
// neuronImportances for the same rows.
TEST(GradCam, HeadRowsEqualTheirWeightVectors) {
    const auto net = handNetwork();
    const auto head = handHead();
    const auto a = torch::cat({handActivations(), handActivations()});
    const auto rows = torch::tensor({1L, 0L});
    torch::Tensor alphaRows, alphaWeights;
    const auto byRows = gradCam(net, 0, a, head, rows, &alphaRows);
    const auto byWeights = gradCam(net, 0, a, head.weight.index_select(0, rows), &alphaWeights);
    EXPECT_TRUE(torch::allclose(byRows, byWeights));
    EXPECT_TRUE(torch::allclose(alphaRows, neuronImportances(net, 0, head, a, rows), 1e-5, 1e-6));
    EXPECT_THROW(gradCam(net, 0, a, head, torch::tensor({0L, 2L})), std::invalid_argument);
}

// A "new" (zero-shot) class is only a weight vector that is no row of any head: w = (0.3, 0.7).
// Its importances must equal neuronImportances for a head that happens to hold w as a row, and
// its map is ReLU(alpha . A) with them.
TEST(GradCam, NewClassWeightVectorWorks) {
    const auto net = handNetwork();
    const auto w = torch::tensor({0.3f, 0.7f});
    const auto a = torch::randn({2, 2, 3, 3});
    torch::Tensor alpha;
    const auto maps = gradCam(net, 0, a, w, &alpha);
    const LinearHead newHead{w.unsqueeze(0), torch::tensor({-4.0f})};  // the bias plays no part
    EXPECT_TRUE(torch::allclose(alpha, neuronImportances(net, 0, newHead, a, torch::tensor({0L, 0L})), 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(maps, torch::relu((alpha.unsqueeze(2).unsqueeze(3) * a).sum(1)), 1e-5, 1e-6));
}

// Min-max per map: [0, 2; 4, 8] -> [0, .25; .5, 1]; a constant map has no range and becomes zeros
// (not NaN), independently of the other map in the batch.
TEST(GradCam, NormaliseMapsPerImageAndConstantMapsToZeros) {
    const auto maps = torch::stack({torch::tensor({{0.0f, 2.0f}, {4.0f, 8.0f}}), torch::full({2, 2}, 3.5f)});
    const auto n = normaliseMaps(maps);
    EXPECT_TRUE(torch::allclose(n[0], torch::tensor({{0.0f, 0.25f}, {0.5f, 1.0f}})));
    EXPECT_TRUE(torch::equal(n[1], torch::zeros({2, 2})));
    EXPECT_TRUE(torch::equal(normaliseMaps(torch::zeros({3, 3})), torch::zeros({3, 3})));
    // Offsets do not matter: [-3, -1] -> [0, 1].
    EXPECT_TRUE(torch::allclose(normaliseMaps(torch::tensor({{-3.0f, -1.0f}})), torch::tensor({{0.0f, 1.0f}})));
    EXPECT_THROW(normaliseMaps(torch::tensor({{0.0f, std::nanf("")}})), std::invalid_argument);
}

// align_corners = false: a column ramp [0, 1] over 2 pixels upsampled to 4 samples at source
// x = (j + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped to [0, 1]: values 0, .25, .75, 1.
TEST(GradCam, UpsampleIsBilinearWithoutAlignedCorners) {
    const auto up = upsampleMaps(torch::tensor({{0.0f, 1.0f}, {0.0f, 1.0f}}), 4, 4);
    ASSERT_EQ(up.sizes(), (std::vector<int64_t>{4, 4}));
    for (int64_t r = 0; r < 4; ++r)
        EXPECT_TRUE(torch::allclose(up[r], torch::tensor({0.0f, 0.25f, 0.75f, 1.0f}))) << "row " << r;
    EXPECT_EQ(upsampleMaps(torch::ones({2, 1, 1}), 3, 5).sizes(), (std::vector<int64_t>{2, 3, 5}));
    EXPECT_THROW(upsampleMaps(torch::ones({1, 2, 2}), 0, 4), std::invalid_argument);
}

TEST(GradCam, RejectsBadArguments) {
    const auto net = handNetwork();
    const auto a = handActivations();
    EXPECT_THROW(gradCam(net, 2, a, torch::ones({2})), std::out_of_range);
    EXPECT_THROW(gradCam(net, 0, torch::zeros({2, 2}), torch::ones({2})), std::invalid_argument);
    EXPECT_THROW(gradCam(net, 0, a, torch::ones({3})), std::invalid_argument);     // F mismatch
    EXPECT_THROW(gradCam(net, 0, a, torch::ones({2, 2})), std::invalid_argument);  // 2 rows, 1 image
}
