// mod2alpha and alpha2w on problems whose answers are known.
#include "core/engine/alpha2w.h"
#include "core/engine/importance.h"
#include "core/engine/importance_jacobian.h"
#include "core/engine/mod2alpha.h"
#include "tests/engine/tiny_networks.h"

#include <gtest/gtest.h>

using namespace niwt;

// The importance basis of the hand network of test_importance.cpp: with the head rows as basis,
// T[p, r] is the importance row r induces, hand-computed there as (-1.5, 1.5) and (3.25, -1.25).
// By linearity a combination z gives z_0 (-1.5, 1.5) + z_1 (3.25, -1.25); z = (2, -1) -> (-6.25, 4.25).
TEST(ImportanceBasis, EqualsHandDerivedImportancesAndIsLinear) {
    const auto v = torch::tensor({{1.0f, 1.0f}, {2.0f, -1.0f}});
    const auto w = torch::tensor({{1.0f, -2.0f}, {0.5f, 3.0f}});
    StagedNetwork net(test::identityThenMix(v, torch::zeros({2}), w, torch::zeros({2})));
    auto a = torch::zeros({1, 2, 1, 2});
    a[0][0][0][0] = 1.0f;
    a[0][1][0][0] = 1.5f;
    a[0][0][0][1] = -1.0f;
    a[0][1][0][1] = 0.5f;
    const auto T = importanceBasis(net, 0, a, w);
    ASSERT_EQ(T.sizes(), (std::vector<int64_t>{1, 2, 2}));
    EXPECT_TRUE(torch::allclose(T[0][0], torch::tensor({-1.5f, 1.5f})));
    EXPECT_TRUE(torch::allclose(T[0][1], torch::tensor({3.25f, -1.25f})));
    // The engine's importance for the combined weight vector equals T z.
    const auto z = torch::tensor({2.0f, -1.0f});
    LinearHead combined{torch::mv(w.t(), z).unsqueeze(0), torch::zeros({1})};
    const auto direct = neuronImportances(net, 0, combined, a, torch::tensor({0L}));
    EXPECT_TRUE(torch::allclose(direct[0], torch::tensor({-6.25f, 4.25f}), 1e-5, 1e-6));
}

// When every pool image has the same basis T_0 and the target is T_0 z*, the cosine part is 0 at
// any positive multiple of z*; with lambda = 0 the optimiser must find that direction.
TEST(Alpha2W, RecoversTheDirectionThatInducesTheTarget) {
    torch::manual_seed(1);
    const int64_t P = 5, R = 4, K = 12, F = 6;
    const auto T0 = torch::randn({R, K});
    const auto T = T0.unsqueeze(0).expand({P, R, K}).contiguous();
    LinearHead seen{torch::randn({R, F}), torch::randn({R})};
    const auto zTrue = torch::tensor({{0.5f, 0.1f, 0.3f, 0.1f}, {0.05f, 0.05f, 0.1f, 0.8f}});
    const auto targets = torch::mm(zTrue, T0) * 3.0;  // scale does not matter to a cosine
    Alpha2WOptions options;
    options.lambda = 0;
    options.maxIterations = 5000;
    options.tolerance = 1e-7;
    Alpha2WReport report;
    const auto out = alpha2w(T, seen, targets, options, &report);
    EXPECT_LT(report.cosineLoss, 1e-3);
    ASSERT_EQ(out.weight.sizes(), (std::vector<int64_t>{2, F}));
    // Induced importances of the returned weights point along the targets.
    const auto induced = torch::mm(std::get<0>(torch::linalg::lstsq(seen.weight.t(), out.weight.t(), {}, {})).t(), T0);
    const auto cos = torch::nn::functional::cosine_similarity(
        induced, targets, torch::nn::functional::CosineSimilarityFuncOptions().dim(1));
    EXPECT_GT(cos.min().item<float>(), 0.999f);
    // Scale: each new vector has the mean seen norm, and the bias is the mean seen bias.
    EXPECT_TRUE(torch::allclose(out.weight.norm(2, 1), seen.weight.norm(2, 1).mean().expand({2}), 1e-4, 1e-5));
    EXPECT_NEAR(out.bias[0].item<float>(), seen.bias.mean().item<float>(), 1e-6);
}

// A large lambda pins the weights to the mean seen weight vector (the L2 anchor).
TEST(Alpha2W, LargeLambdaStaysAtTheMeanSeenWeight) {
    torch::manual_seed(2);
    const auto T = torch::randn({3, 4, 8});
    LinearHead seen{torch::randn({4, 5}), torch::zeros({4})};
    Alpha2WOptions options;
    options.lambda = 1e4;
    Alpha2WReport report;
    const auto out = alpha2w(T, seen, torch::randn({1, 8}), options, &report);
    const auto mean = seen.weight.mean(0);
    const auto expected = mean * (seen.weight.norm(2, 1).mean() / mean.norm());
    EXPECT_TRUE(torch::allclose(out.weight[0], expected, 1e-2, 1e-3));
    EXPECT_TRUE(report.converged);
}

// The L2 pull with the scale profiled out, through its definition: the cosine term does not change
// when v is scaled by a > 0, so the pull is min over a > 0 of ||a v - m||^2, reached at
// a* = max(0, v.m) / ||v||^2 (setting d/da = 2 a ||v||^2 - 2 v.m to 0).
static torch::Tensor pullByDefinition(const torch::Tensor& v, const torch::Tensor& m) {
    const auto a = torch::mv(v, m).clamp_min(0.0) / v.pow(2).sum(1);
    return (a.unsqueeze(1) * v - m).pow(2).sum(1);
}

// The pull equals the original L2 term minimised over the scale: on a grid of a > 0, ||a v - m||^2
// never goes below it and comes within grid resolution of it. For v.m < 0 the grid's best is its
// smallest a, and the pull is ||m||^2 (the infimum, at a -> 0).
TEST(Alpha2W, ProfiledPullIsTheL2TermMinimisedOverTheScale) {
    torch::manual_seed(3);
    const auto opts = torch::TensorOptions().dtype(torch::kDouble);
    const auto m = torch::randn({6}, opts);
    auto v = torch::randn({2, 6}, opts);
    v[0] = v[0] * torch::sign(v[0].dot(m));   // v0 . m > 0
    v[1] = v[1] * -torch::sign(v[1].dot(m));  // v1 . m < 0
    const auto pull = pullByDefinition(v, m);
    const auto grid = torch::logspace(-6, 3, 20001, 10.0, opts);  // a from 1e-6 to 1e3
    for (int64_t c = 0; c < 2; ++c) {
        const auto values = (grid.unsqueeze(1) * v[c] - m).pow(2).sum(1);
        EXPECT_GE(values.min().item<double>(), pull[c].item<double>() - 1e-12);
        EXPECT_NEAR(values.min().item<double>(), pull[c].item<double>(), 1e-5 * pull[c].item<double>());
    }
    EXPECT_NEAR(pull[1].item<double>(), m.pow(2).sum().item<double>(), 1e-12);
}

// The closed-form objective and gradient equal autograd through the definition,
//   loss = mean_c [ mean_p (1 - cos(T_p' z_c, t_c)) + lambda pull(z_c B) ],
// computed here the slow way (importances T_p' z_c formed explicitly), in double precision, for
// a class whose vector leans towards the mean seen w (pull active) and one leaning away (pull ||m||^2).
TEST(Alpha2W, ClosedFormGradientEqualsAutograd) {
    torch::manual_seed(4);
    const int64_t P = 7, R = 5, K = 9, F = 6, C = 3;
    const auto opts = torch::TensorOptions().dtype(torch::kDouble);
    const auto T = torch::randn({P, R, K}, opts);
    LinearHead seen{torch::randn({R, F}, opts), torch::randn({R}, opts)};
    const auto targets = torch::nn::functional::normalize(torch::randn({C, K}, opts),
                                                          torch::nn::functional::NormalizeFuncOptions().dim(1));
    const double lambda = 0.3;
    const auto m = seen.weight.mean(0);
    auto z0 = torch::randn({C, R}, opts);
    const auto lean = torch::sign(torch::mv(torch::mm(z0, seen.weight), m));  // C
    z0 = z0 * (lean * torch::tensor({1.0, -1.0, 1.0}, opts)).unsqueeze(1);    // classes 0, 2 towards m, 1 away
    const auto z = z0.clone().requires_grad_(true);

    const auto induced = torch::einsum("prk,cr->cpk", {T, z});  // C x P x K
    const auto cos = torch::nn::functional::cosine_similarity(
        induced, targets.unsqueeze(1), torch::nn::functional::CosineSimilarityFuncOptions().dim(2).eps(0));
    const auto l2 = pullByDefinition(torch::mm(z, seen.weight), m);
    const auto reference = ((1.0 - cos).mean(1) + lambda * l2).mean();
    reference.backward();

    const auto closed = alpha2wObjective(prepareAlpha2W(T, seen), targets, lambda, z.detach());
    EXPECT_NEAR(closed.loss.item<double>(), reference.item<double>(), 1e-12);
    EXPECT_TRUE(torch::allclose(closed.l2, l2, 1e-10, 1e-12));
    EXPECT_NEAR(closed.l2[1].item<double>(), m.pow(2).sum().item<double>(), 1e-12);
    EXPECT_LT(closed.l2[0].item<double>(), m.pow(2).sum().item<double>());
    EXPECT_TRUE(torch::allclose(closed.gradient, z.grad(), 1e-9, 1e-12)) << closed.gradient << "\nvs autograd\n"
                                                                         << z.grad();
    // Of degree 0 in z: the gradient is orthogonal to z (Euler), so Newton works on the sphere.
    EXPECT_LT((closed.gradient * z0).sum(1).abs().max().item<double>(), 1e-12);
}

// The closed-form Hessian blocks equal central differences of the closed-form gradient (itself
// checked against autograd above): d^2 loss / dz_c dz_c[j] ~ (grad(z + h e_cj) - grad(z - h e_cj)) / 2h,
// and the blocks between different classes are zero (the classes do not interact).
TEST(Alpha2W, ClosedFormHessianEqualsDifferencesOfTheGradient) {
    torch::manual_seed(6);
    const int64_t P = 6, R = 4, K = 7, F = 5, C = 2;
    const auto opts = torch::TensorOptions().dtype(torch::kDouble);
    LinearHead seen{torch::randn({R, F}, opts), torch::randn({R}, opts)};
    const auto basis = prepareAlpha2W(torch::randn({P, R, K}, opts), seen);
    const auto targets = torch::nn::functional::normalize(torch::randn({C, K}, opts),
                                                          torch::nn::functional::NormalizeFuncOptions().dim(1));
    const double lambda = 0.2, h = 1e-6;
    auto z = torch::randn({C, R}, opts);
    const auto lean = torch::sign(torch::mv(torch::mm(z, seen.weight), seen.weight.mean(0)));
    z = z * (lean * torch::tensor({1.0, -1.0}, opts)).unsqueeze(1);  // class 0's pull active, class 1's not
    const auto hessian = alpha2wObjective(basis, targets, lambda, z, /*withHessian=*/true).hessian;
    ASSERT_EQ(hessian.sizes(), (std::vector<int64_t>{C, R, R}));
    for (int64_t c = 0; c < C; ++c)
        for (int64_t j = 0; j < R; ++j) {
            auto plus = z.clone(), minus = z.clone();
            plus[c][j] += h;
            minus[c][j] -= h;
            const auto column = (alpha2wObjective(basis, targets, lambda, plus).gradient -
                                 alpha2wObjective(basis, targets, lambda, minus).gradient) /
                                (2 * h);  // C x R
            EXPECT_TRUE(torch::allclose(column[c], hessian[c].select(1, j), 1e-5, 1e-7))
                << "class " << c << " column " << j << ": " << column[c] << " vs " << hessian[c].select(1, j);
            EXPECT_LT(column[1 - c].abs().max().item<double>(), 1e-7);
        }
}

// Newton and L-BFGS minimise the same objective from the same start: Newton ends at least as low
// (the loss is not convex, so only "no worse" is guaranteed), in fewer iterations.
TEST(Alpha2W, NewtonAndLbfgsReachTheSameMinimum) {
    torch::manual_seed(7);
    const auto T = torch::randn({20, 6, 16});
    LinearHead seen{torch::randn({6, 9}), torch::randn({6})};
    const auto targets = torch::randn({3, 16});
    Alpha2WOptions options;
    options.tolerance = 1e-7;
    Alpha2WReport newton, lbfgs;
    alpha2w(T, seen, targets, options, &newton);
    options.optimiser = Alpha2WOptions::Optimiser::Lbfgs;
    alpha2w(T, seen, targets, options, &lbfgs);
    EXPECT_TRUE(newton.converged);
    EXPECT_LE(newton.loss, lbfgs.loss * (1 + 1e-5));
    EXPECT_LT(newton.iterations, lbfgs.iterations) << newton.iterations << " vs " << lbfgs.iterations;
}

// A prepared basis reused for two calls gives the same weights as one-off calls (the interactive
// path prepares once and learns class after class).
TEST(Alpha2W, PreparedBasisGivesTheSameWeightsAsAOneOffCall) {
    torch::manual_seed(5);
    const auto T = torch::randn({6, 4, 10});
    LinearHead seen{torch::randn({4, 7}), torch::randn({4})};
    const auto targets = torch::randn({2, 10});
    const Alpha2WOptions options;
    const auto basis = prepareAlpha2W(T, seen);
    for (int row = 0; row < 2; ++row) {
        const auto oneOff = alpha2w(T, seen, targets.slice(0, row, row + 1), options, nullptr);
        const auto reused = alpha2w(basis, targets.slice(0, row, row + 1), options, nullptr);
        EXPECT_TRUE(torch::equal(oneOff.weight, reused.weight));
        EXPECT_TRUE(torch::equal(oneOff.bias, reused.bias));
    }
}

TEST(Alpha2W, RejectsNaNTargets) {
    LinearHead seen{torch::randn({2, 3}), torch::zeros({2})};
    auto targets = torch::zeros({1, 4});
    targets[0][1] = std::nanf("");
    EXPECT_THROW(alpha2w(torch::randn({2, 2, 4}), seen, targets, {}, nullptr), std::invalid_argument);
}

// ---- alpha2w in the full weight space ----

// The Jacobians of the hand network (stage "id", then a 1x1 conv with ReLU, then the mean pool):
// the closed form (W' diag(mask mean)) must equal F backward passes, and J_p w must be the
// importance one backward pass gives for w (importanceBasis). By hand for image 0, position 0:
// a = (1, 1.5), pre-activations v a + vb = (2.5 + 0.5, 0.5 - 0.5) = (3, 0): only feature 0 active;
// position 1: a = (-1, 0.5) -> (-0.5 + 0.5, -2.5 - 0.5) = (0, -3): none. So J_0' row 0 is
// v[0] * 1/2 = (0.5, 0.5) and row 1 is zero.
TEST(ImportanceJacobians, ClosedFormEqualsBackwardPassesAndHandValues) {
    const auto v = torch::tensor({{1.0f, 1.0f}, {2.0f, -1.0f}});
    const auto vb = torch::tensor({0.5f, -0.5f});
    const auto w = torch::tensor({{1.0f, -2.0f}, {0.5f, 3.0f}});
    StagedNetwork net(test::identityThenMix(v, vb, w, torch::zeros({2})));
    torch::manual_seed(11);
    auto a = torch::randn({5, 2, 3, 3});
    a[0].zero_();
    a[0][0][0][0] = 1.0f;
    a[0][1][0][0] = 1.5f;
    a[0][0][0][1] = -1.0f;
    a[0][1][0][1] = 0.5f;
    a = a.slice(3, 0, 3);
    const auto closed = importanceJacobians(net, 0, a);
    EXPECT_TRUE(closed.closedForm());
    const auto values = closed.dense();
    const auto backward = importanceJacobiansByBackward(net, 0, a);
    ASSERT_EQ(values.sizes(), (std::vector<int64_t>{5, 2, 2}));
    EXPECT_TRUE(torch::allclose(values, backward, 1e-5, 1e-6)) << values << "\nvs\n" << backward;
    // Image 0 (3x3 positions, 7 of them zero: pre-activations vb = (0.5, -0.5), feature 0 active
    // there too): feature 0 is active at 8 of 9 positions, feature 1 at none.
    EXPECT_TRUE(torch::allclose(values[0][0], torch::tensor({8.0f / 9, 8.0f / 9}), 1e-6, 1e-7));
    EXPECT_TRUE(torch::allclose(values[0][1], torch::zeros({2})));
    const auto z = torch::tensor({{0.3f, -1.2f}});
    EXPECT_TRUE(
        torch::allclose(torch::matmul(z, values).squeeze(1), importanceBasis(net, 0, a, z).squeeze(1), 1e-5, 1e-6));
}

// A last stage that the closed form does not model (its output doubled after the ReLU) must be
// refused by the check against the stage's own output, and computed by backward passes instead.
TEST(ImportanceJacobians, AnUnmodelledTailFallsBackToBackwardPasses) {
    const auto v = torch::tensor({{1.0f, 1.0f}, {2.0f, -1.0f}, {0.5f, 0.5f}});
    torch::jit::Module stages("__torch__.niwt_test.Stages2");
    stages.register_module("id", test::scriptedStage("Id", {}, "x"));
    stages.register_module("mix", test::scriptedStage("Mix2", {{"weight", v.unsqueeze(2).unsqueeze(3)}},
                                                      "2.0 * torch.relu(torch.conv2d(x, self.weight))"));
    torch::jit::Module m("__torch__.niwt_test.Net2");
    m.register_module("stages", stages);
    m.register_module("classifier",
                      test::scriptedStage("Linear", {{"weight", torch::randn({2, 3})}, {"bias", torch::zeros({2})}},
                                          "torch.linear(x, self.weight, self.bias)"));
    c10::List<std::string> names;
    names.push_back("id");
    names.push_back("mix");
    m.register_attribute("stage_names", c10::ListType::ofStrings(), names);
    m.define(
        "def forward(self, x):\n    return "
        "self.classifier.forward(self.stages.mix.forward(self.stages.id.forward(x)).mean([2, 3]))\n");
    StagedNetwork net(m);
    torch::manual_seed(12);
    const auto a = torch::randn({4, 2, 2, 2});
    const auto out = importanceJacobians(net, 0, a);
    EXPECT_FALSE(out.closedForm());
    EXPECT_TRUE(torch::allclose(out.values, importanceJacobiansByBackward(net, 0, a)));
    const auto z = torch::randn({1, 3});
    EXPECT_TRUE(
        torch::allclose(torch::matmul(z, out.values).squeeze(1), importanceBasis(net, 0, a, z).squeeze(1), 1e-5, 1e-6));
}

// The full-space objective and gradient equal autograd through the definition (double precision).
TEST(Alpha2WFull, ClosedFormGradientEqualsAutograd) {
    torch::manual_seed(13);
    const int64_t P = 5, K = 7, F = 6, C = 3, R = 4;
    const auto opts = torch::TensorOptions().dtype(torch::kDouble);
    const auto J = torch::randn({P, F, K}, opts);  // J_p' rows
    LinearHead seen{torch::randn({R, F}, opts), torch::randn({R}, opts)};
    const auto targets = torch::nn::functional::normalize(torch::randn({C, K}, opts),
                                                          torch::nn::functional::NormalizeFuncOptions().dim(1));
    const double lambda = 0.4;
    auto w0 = torch::randn({C, F}, opts);
    const auto lean = torch::sign(torch::mv(w0, seen.weight.mean(0)));
    w0 = w0 * (lean * torch::tensor({1.0, -1.0, 1.0}, opts)).unsqueeze(1);  // classes 0, 2 towards m, 1 away
    const auto w = w0.clone().requires_grad_(true);
    const auto induced = torch::einsum("pfk,cf->cpk", {J, w});
    const auto cos = torch::nn::functional::cosine_similarity(
        induced, targets.unsqueeze(1), torch::nn::functional::CosineSimilarityFuncOptions().dim(2).eps(0));
    const auto l2 = pullByDefinition(w, seen.weight.mean(0));
    const auto reference = ((1.0 - cos).mean(1) + lambda * l2).mean();
    reference.backward();
    const auto closed = alpha2wFullObjective(prepareFullAlpha2W(J, seen), targets, lambda, w.detach());
    EXPECT_NEAR(closed.loss.item<double>(), reference.item<double>(), 1e-12);
    EXPECT_TRUE(torch::allclose(closed.gradient, w.grad(), 1e-9, 1e-12)) << closed.gradient << "\nvs\n" << w.grad();
}

// The factored Jacobian (closed form) gives the dense objective's loss and gradient. Nine classes:
// the products split them over threads and blocks of four, with a remainder.
TEST(Alpha2WFull, FactoredJacobiansGiveTheDenseObjective) {
    torch::manual_seed(16);
    const int64_t P = 4, K = 6, F = 5, C = 9;
    const auto opts = torch::TensorOptions().dtype(torch::kDouble);
    ImportanceJacobians factored;
    factored.rowScale = torch::rand({P, F}, opts);
    factored.shared = torch::randn({F, K}, opts);
    LinearHead seen{torch::randn({3, F}, opts), torch::zeros({3}, opts)};
    const auto targets = torch::nn::functional::normalize(torch::randn({C, K}, opts),
                                                          torch::nn::functional::NormalizeFuncOptions().dim(1));
    const auto w = torch::randn({C, F}, opts);
    const auto a = alpha2wFullObjective(prepareFullAlpha2W(factored, seen), targets, 0.1, w);
    const auto b = alpha2wFullObjective(prepareFullAlpha2W(factored.dense(), seen), targets, 0.1, w);
    EXPECT_NEAR(a.loss.item<double>(), b.loss.item<double>(), 1e-12);
    EXPECT_TRUE(torch::allclose(a.gradient, b.gradient, 1e-10, 1e-12));
}

// A target outside what the span of the seen rows can induce: every pool image shares one
// Jacobian J0 (K = 5 < F = 8, so J0 reaches every target), and the two seen rows induce only a
// 2-d subspace S of the 5-d importances. The target is u + 0.5 s with unit u orthogonal to S and
// unit s in S: the best cosine within the span is 0.5 / sqrt(1.25) (the target's projection on S),
// a cosine loss of 0.553 that span mode must reach and cannot beat; full mode reaches 0.
TEST(Alpha2WFull, RecoversATargetOutsideTheSpan) {
    torch::manual_seed(14);
    const int64_t P = 4, K = 5, F = 8, R = 2;
    const auto J0 = torch::randn({F, K});  // J0' : row j = the importance e_j induces
    const auto J = J0.unsqueeze(0).expand({P, F, K}).contiguous();
    LinearHead seen{torch::randn({R, F}), torch::zeros({R})};
    const auto Q = std::get<0>(torch::linalg::qr(torch::mm(seen.weight, J0).t()));  // K x 2, orthonormal basis of S
    auto u = torch::randn({K});
    u = u - torch::mv(Q, torch::mv(Q.t(), u));
    u = u / u.norm();
    const auto target = (u + 0.5 * Q.select(1, 0)).unsqueeze(0);  // 1 x K
    const double bestSpanLoss = 1.0 - 0.5 / std::sqrt(1.25);
    Alpha2WOptions options;
    options.lambda = 0;
    options.maxIterations = 2000;
    options.tolerance = 1e-9;
    Alpha2WReport spanReport, fullReport;
    const auto span = alpha2w(torch::matmul(seen.weight, J), seen, target, options, &spanReport);
    const auto full = alpha2wFull(prepareFullAlpha2W(J, seen), target, options, &fullReport, {}, {}, span.direction);
    EXPECT_NEAR(spanReport.cosineLoss, bestSpanLoss, 1e-4);
    EXPECT_LT(fullReport.cosineLoss, 1e-6) << fullReport.iterations << " iterations";
    const auto induced = torch::mm(full.weight, J0);
    EXPECT_GT(torch::nn::functional::cosine_similarity(induced, target).item<float>(), 0.99999f);
}

// Classes are independent problems, and each stops when it has converged: learning two classes
// together costs exactly what learning each alone costs (objective evaluations counted per class)
// and gives the same weights. Evaluating every class until the slowest one converges, as a joint
// solver does, would cost 2 x max(iterations) evaluations instead of the sum. Float64, and starts
// with no noise (the span's least-squares fit; the full space's from the span), so that the batched
// and single runs take the same steps.
TEST(Alpha2W, ConvergedClassesAreNotEvaluatedAgain) {
    torch::manual_seed(21);
    const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
    const int64_t P = 12, R = 5, K = 9, F = 7;
    const auto J = torch::randn({P, F, K}, opts);
    LinearHead seen{torch::randn({R, F}, opts), torch::randn({R}, opts)};
    const auto T = torch::matmul(seen.weight, J);  // P x R x K: the basis importances
    // Class 0 asks for the importances of seen class 2 (easy); class 1 for roughly their opposite
    // (more Newton steps).
    const auto targets = torch::stack({T.select(1, 2).mean(0), -T.select(1, 2).mean(0) + torch::randn({K}, opts)});
    const Alpha2WOptions options;
    const auto basis = prepareAlpha2W(T, seen);
    const auto full = prepareFullAlpha2W(J, seen);
    Alpha2WReport together, first, second, fullTogether, fullFirst, fullSecond;
    const auto both = alpha2w(basis, targets, options, &together);
    const auto one = alpha2w(basis, targets.slice(0, 0, 1), options, &first);
    const auto two = alpha2w(basis, targets.slice(0, 1, 2), options, &second);
    EXPECT_GT(first.classEvaluations, 0);
    EXPECT_NE(first.iterations, second.iterations);  // else the property below could not fail
    EXPECT_EQ(together.classEvaluations, first.classEvaluations + second.classEvaluations);
    // Same steps; batched and single products round differently in the last bits (1e-15 here).
    EXPECT_TRUE(torch::allclose(both.weight, torch::cat({one.weight, two.weight}), 1e-4, 1e-5))
        << (both.weight - torch::cat({one.weight, two.weight})).abs().max().item<double>();

    const auto bothFull = alpha2wFull(full, targets, options, &fullTogether, {}, {}, both.direction);
    const auto oneFull = alpha2wFull(full, targets.slice(0, 0, 1), options, &fullFirst, {}, {}, one.direction);
    const auto twoFull = alpha2wFull(full, targets.slice(0, 1, 2), options, &fullSecond, {}, {}, two.direction);
    EXPECT_GT(fullFirst.classEvaluations, 0);
    EXPECT_NE(fullFirst.iterations, fullSecond.iterations);
    EXPECT_EQ(fullTogether.classEvaluations, fullFirst.classEvaluations + fullSecond.classEvaluations);
    EXPECT_TRUE(torch::allclose(bothFull.weight, torch::cat({oneFull.weight, twoFull.weight}), 1e-6, 1e-9))
        << (bothFull.weight - torch::cat({oneFull.weight, twoFull.weight})).abs().max().item<double>();
}

// Where the best direction leans away from the mean seen w (v.m < 0), the original objective has no
// minimiser: its L2 term keeps falling as w shrinks to 0 along v, while the cosine stays. The
// returned optimum is then zero and the rescaled weight is the direction at the mean seen norm.
// Where it leans towards m, the optimum is a* v with a* = v.m for unit v. One pool image, so each
// target is induced exactly by w* = z* B: the best direction is w* / ||w*|| for any small lambda.
TEST(Alpha2W, OptimumIsZeroWhereTheBestDirectionLeansAwayFromTheMeanSeenWeight) {
    torch::manual_seed(17);
    const auto opts = torch::TensorOptions().dtype(torch::kDouble);
    const int64_t R = 4, K = 10, F = 6;
    const auto T0 = torch::randn({R, K}, opts);
    LinearHead seen{torch::randn({R, F}, opts), torch::zeros({R}, opts)};
    const auto m = seen.weight.mean(0);
    auto zStar = torch::randn({2, R}, opts);
    const auto lean = torch::sign(torch::mv(torch::mm(zStar, seen.weight), m));
    zStar = zStar * (lean * torch::tensor({-1.0, 1.0}, opts)).unsqueeze(1);  // class 0 away from m, 1 towards
    const auto wStar = torch::mm(zStar, seen.weight);
    const auto unitStar = wStar / wStar.norm(2, 1, true);
    Alpha2WOptions options;
    options.lambda = 1e-9;  // small enough not to tilt the direction measurably
    options.tolerance = 1e-12;
    Alpha2WReport report;
    const auto out = alpha2w(T0.unsqueeze(0), seen, torch::mm(zStar, T0), options, &report);
    EXPECT_LT(report.cosineLoss, 1e-9);
    EXPECT_TRUE(torch::allclose(out.direction, unitStar, 1e-6, 1e-8)) << out.direction << "\nvs\n" << unitStar;
    EXPECT_EQ(out.optimum[0].abs().max().item<double>(), 0.0);
    EXPECT_TRUE(torch::allclose(out.optimum[1], unitStar[1] * unitStar[1].dot(m), 1e-6, 1e-8));
    EXPECT_TRUE(torch::allclose(out.weight, unitStar * seen.weight.norm(2, 1).mean(), 1e-6, 1e-8));
}

// The default length (Scale::Spread): over the seen training features X, each new logit's
// standard deviation equals the mean over the seen rows of theirs, measured here on X itself
// (population std, as SeenFeatureMoments divides by N), and the bias puts every new logit at the
// mean feature on the seen logits' average there. The direction is the solver's, unchanged.
// Without a covariance the length falls back to the mean seen norm.
TEST(Alpha2W, SpreadScaleGivesNewLogitsTheSeenLogitsSpreadOverTheTrainingFeatures) {
    torch::manual_seed(23);
    const auto opts = torch::TensorOptions().dtype(torch::kDouble);
    const int64_t R = 4, K = 10, F = 6, N = 50;
    const auto T0 = torch::randn({R, K}, opts);
    LinearHead seen{torch::randn({R, F}, opts), torch::randn({R}, opts)};
    const auto zStar = torch::randn({3, R}, opts);
    const auto wStar = torch::mm(zStar, seen.weight);
    const auto unitStar = wStar / wStar.norm(2, 1, true);
    // Features with very unequal spreads per dimension, so norm and spread matching differ.
    const auto X = torch::randn({N, F}, opts) * torch::tensor({5.0, 0.2, 1.0, 3.0, 0.5, 2.0}, opts) + 1.5;
    const SeenFeatureMoments moments = seenFeatureMoments(X, seen.weight);
    EXPECT_TRUE(torch::allclose(moments.mean, X.mean(0), 1e-12, 1e-12));
    Alpha2WOptions options;
    options.lambda = 1e-9;
    options.tolerance = 1e-12;
    ASSERT_EQ(options.scale, Alpha2WOptions::Scale::Spread);  // the default
    const auto out = alpha2w(T0.unsqueeze(0), seen, torch::mm(zStar, T0), options, nullptr, {}, moments);
    EXPECT_TRUE(torch::allclose(out.direction, unitStar, 1e-6, 1e-8));
    const auto populationStd = [&](const torch::Tensor& logits) { return logits.std(0, /*unbiased=*/false); };
    const double seenSpread = populationStd(torch::mm(X, seen.weight.t())).mean().item<double>();
    const auto newSpread = populationStd(torch::mm(X, out.weight.t()));
    EXPECT_TRUE(torch::allclose(newSpread, torch::full({3}, seenSpread, opts), 1e-9, 1e-12)) << newSpread << seenSpread;
    const auto cosines = (out.weight * unitStar).sum(1) / out.weight.norm(2, 1);
    EXPECT_TRUE(torch::allclose(cosines, torch::ones({3}, opts), 1e-9, 1e-12));
    const double seenAtMean = (torch::mv(seen.weight, moments.mean) + seen.bias).mean().item<double>();
    EXPECT_TRUE(torch::allclose(torch::mv(out.weight, moments.mean) + out.bias, torch::full({3}, seenAtMean, opts),
                                1e-9, 1e-12));

    SeenFeatureMoments meanOnly;
    meanOnly.mean = moments.mean;
    const auto normRule = alpha2w(T0.unsqueeze(0), seen, torch::mm(zStar, T0), options, nullptr, {}, meanOnly);
    EXPECT_TRUE(torch::allclose(normRule.weight, unitStar * seen.weight.norm(2, 1).mean(), 1e-6, 1e-8));
}

// A large lambda pins the full-space weights to the mean seen weight vector, and the original's
// choices (no norm rescaling, zero bias) leave the optimum as it is.
TEST(Alpha2WFull, LargeLambdaStaysAtTheMeanSeenWeightWithoutRescaling) {
    torch::manual_seed(15);
    const auto J = torch::randn({3, 5, 8});
    LinearHead seen{torch::randn({4, 5}), torch::randn({4})};
    Alpha2WOptions options;
    options.lambda = 1e4;
    options.scale = Alpha2WOptions::Scale::Keep;
    options.matchBiasLevel = false;
    Alpha2WReport report;
    const auto out = alpha2wFull(prepareFullAlpha2W(J, seen), torch::randn({1, 8}), options, &report);
    EXPECT_TRUE(torch::allclose(out.weight[0], seen.weight.mean(0), 1e-3, 1e-4)) << out.weight << seen.weight.mean(0);
    EXPECT_TRUE(torch::equal(out.weight, out.optimum));
    EXPECT_EQ(out.bias.abs().max().item<float>(), 0.0f);
}

// Importances generated by a linear map of the (normalised) class vectors: the fitted map must
// predict the importances of held-out classes almost exactly (cosine distance near 0).
TEST(Mod2Alpha, LearnsALinearMapThatGeneralisesToHeldOutClasses) {
    torch::manual_seed(4);
    const int64_t classes = 40, a = 6, K = 10, perClass = 5;
    const auto s = torch::rand({classes, a}) * 100;
    const auto M = torch::randn({K, a});
    const auto b = torch::randn({K}) * 0.2;
    const auto clean = torch::addmm(b, normaliseClassVectors(s), M.t());
    std::vector<int64_t> labels;
    std::vector<torch::Tensor> rows;
    for (int64_t c = 0; c < classes; ++c)
        for (int64_t i = 0; i < perClass; ++i) {
            labels.push_back(c);
            rows.push_back(clean[c] * (1.0 + 0.5 * i));  // per-image scale: invisible to the cosine
        }
    Mod2AlphaOptions options;
    Mod2AlphaReport report;
    const auto map = fitMod2Alpha(torch::stack(rows), torch::tensor(labels, torch::kLong), s, options, &report);
    EXPECT_EQ(report.validationClasses, 8);  // 20% of 40 classes
    EXPECT_LT(report.validationCosineDistance, 0.01);
    const auto cos = torch::nn::functional::cosine_similarity(
        map.predict(s), clean, torch::nn::functional::CosineSimilarityFuncOptions().dim(1));
    EXPECT_GT(cos.min().item<float>(), 0.98f);
}

// The line searches price trial steps by expanding along the direction (the induced importances
// are linear in the unknowns, so their norms are quadratics in the step); at any step the
// expansion must give the objective evaluated directly at that point, in both spaces, for steps
// short, long and negative.
TEST(Alpha2W, LineExpansionEqualsTheObjectiveAtTheTrialPoint) {
    torch::manual_seed(31);
    const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
    const int64_t P = 9, R = 4, K = 7, F = 6, C = 5;
    const auto J = torch::randn({P, F, K}, opts);
    LinearHead seen{torch::randn({R, F}, opts), torch::randn({R}, opts)};
    const auto targets = torch::nn::functional::normalize(torch::randn({C, K}, opts),
                                                          torch::nn::functional::NormalizeFuncOptions().dim(1));
    const auto steps = torch::tensor({1.0, 0.5, 1e-3, 2.0, -0.25}, opts);
    const double lambda = 0.3;
    const auto check = [&](const torch::Tensor& cosine, const torch::Tensor& l2, const torch::Tensor& loss,
                           const torch::Tensor& directCosine, const torch::Tensor& directL2,
                           const torch::Tensor& directLoss) {
        EXPECT_TRUE(torch::allclose(cosine, directCosine, 1e-6, 1e-12)) << cosine << "\nvs\n" << directCosine;
        EXPECT_TRUE(torch::allclose(l2, directL2, 1e-6, 1e-12)) << l2 << "\nvs\n" << directL2;
        EXPECT_NEAR(loss.item<double>(), directLoss.item<double>(), 1e-6 * std::abs(directLoss.item<double>()));
    };

    const auto basis = prepareAlpha2W(torch::matmul(seen.weight, J), seen);
    const auto z = torch::randn({C, R}, opts), d = torch::randn({C, R}, opts);
    const auto along = alpha2wObjectiveAlong(basis, targets, lambda, z, d, steps);
    const auto direct = alpha2wObjective(basis, targets, lambda, z + steps.unsqueeze(1) * d);
    check(along.cosine, along.l2, along.loss, direct.cosine, direct.l2, direct.loss);

    const auto w = torch::randn({C, F}, opts), v = torch::randn({C, F}, opts);
    ImportanceJacobians factored;  // the closed form's rowScale/shared path
    factored.rowScale = torch::rand({P, F}, opts);
    factored.shared = torch::randn({F, K}, opts);
    for (const auto& space : {prepareFullAlpha2W(J, seen), prepareFullAlpha2W(factored, seen)}) {
        const auto fullAlong = alpha2wFullObjectiveAlong(space, targets, lambda, w, v, steps);
        const auto fullDirect = alpha2wFullObjective(space, targets, lambda, w + steps.unsqueeze(1) * v);
        check(fullAlong.cosine, fullAlong.l2, fullAlong.loss, fullDirect.cosine, fullDirect.l2, fullDirect.loss);
    }
}
