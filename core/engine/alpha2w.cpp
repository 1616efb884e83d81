#include "core/engine/alpha2w.h"

#include "core/engine/cancelled.h"

#include <ATen/Parallel.h>

#include <chrono>
#include <cmath>
#include <deque>
#include <stdexcept>

namespace niwt {

torch::Tensor importanceBasis(const StagedNetwork& net, int stage, const torch::Tensor& activations,
                              const torch::Tensor& basis, int chunk) {
    if (activations.dim() != 4 || basis.dim() != 2 || basis.size(1) != net.featureDim())
        throw std::invalid_argument("importanceBasis: activations must be P x K x h x w and basis R x featureDim");
    std::vector<torch::Tensor> parts;
    const auto b = basis.to(activations.device()).to(activations.dtype());
    for (int64_t start = 0; start < activations.size(0); start += chunk) {
        torch::AutoGradMode enable(true);
        auto a =
            activations.slice(0, start, std::min(activations.size(0), start + chunk)).detach().requires_grad_(true);
        const auto f = net.featuresFromStage(a, stage);  // n x F
        std::vector<torch::Tensor> rows;
        for (int64_t r = 0; r < b.size(0); ++r) {
            const auto g = torch::autograd::grad({torch::mv(f, b[r]).sum()}, {a}, {}, /*retain_graph=*/true)[0];
            rows.push_back(g.sum({2, 3}));  // n x K
        }
        parts.push_back(torch::stack(rows, 1).detach());  // n x R x K
    }
    return torch::cat(parts);
}

Alpha2WBasis prepareAlpha2W(const torch::Tensor& basisImportances, const LinearHead& seenHead) {
    const auto& B = seenHead.weight;  // R x F
    if (basisImportances.dim() != 3 || B.dim() != 2 || basisImportances.size(1) != B.size(0))
        throw std::invalid_argument("alpha2w: need basis importances P x R x K and a head of R rows");
    Alpha2WBasis out;
    out.importances = basisImportances.to(B.device()).to(B.dtype()).contiguous();
    out.gram = torch::bmm(out.importances, out.importances.transpose(1, 2)).contiguous();
    out.headWeight = B;
    out.headBias = seenHead.bias;
    out.meanSeen = B.mean(0);
    out.seenWeightNorm = B.norm(2, 1).mean().item<double>();
    const auto B64 = B.to(torch::kFloat64), m64 = out.meanSeen.to(torch::kFloat64);
    out.headGram = torch::mm(B64, B64.t()).contiguous();
    out.headMean = torch::mv(B64, m64).contiguous();
    out.meanSquaredNorm = m64.dot(m64).item<double>();
    // The start's normal equations: sum_p G_p / ||T_p||^2 (each image weighted to unit Frobenius
    // norm, as the cosine weighs every image alike), with a small ridge.
    constexpr double kStartRidge = 1e-3;  // relative to the mean diagonal
    const auto imageNorms = out.importances.to(torch::kFloat64).pow(2).sum({1, 2}).clamp_min(1e-300);  // P
    auto normal = (out.gram.to(torch::kFloat64) / imageNorms.view({-1, 1, 1})).sum(0);
    normal += kStartRidge * normal.diagonal().mean().clamp_min(1e-300) * torch::eye(normal.size(0), normal.options());
    out.startFactor = torch::linalg_cholesky(normal);
    out.startImageWeights = imageNorms.rsqrt().to(B.dtype());
    return out;
}

namespace {

// C x P x R: rows T_p t_c, so that T_p' z . t_c = z . (T_p t_c). One GEMM.
torch::Tensor projectTargets(const Alpha2WBasis& basis, const torch::Tensor& unitTargets) {
    const auto& T = basis.importances;
    const int64_t P = T.size(0), R = T.size(1), K = T.size(2);
    return torch::mm(T.reshape({P * R, K}), unitTargets.t()).reshape({P, R, -1}).permute({2, 0, 1}).contiguous();
}

// P x R x C: G_p x_c for every pool image and row x_c of x (C x R). The span objective's one GEMM
// (P R^2 C multiply-adds).
torch::Tensor gramTimes(const Alpha2WBasis& basis, const torch::Tensor& x) {
    const int64_t P = basis.gram.size(0), R = basis.gram.size(1);
    return torch::mm(basis.gram.reshape({P * R, R}), x.t()).reshape({P, R, x.size(0)});
}

// C x P: y_c' (G_p x_c) from gx = gramTimes(x) (P x R x C) and y (C x R).
torch::Tensor gramDots(const torch::Tensor& gx, const torch::Tensor& y) {
    return (gx * y.t().unsqueeze(0)).sum(1).t();
}

// C x P: u_cp = z_c . (T_p t_c).
torch::Tensor targetDots(const torch::Tensor& projected, const torch::Tensor& z) {
    return torch::bmm(projected, z.unsqueeze(2)).squeeze(2);
}

// The L2 pull with the scale profiled out. The cosine term does not change when a class's vector v
// is scaled by a > 0, so over the scale the objective is least at a* = max(0, v.m) / ||v||^2, where
//   ||a* v - m||^2 = ||m||^2 - max(0, v.m)^2 / ||v||^2.
// The solvers minimise cosine + lambda times this over directions: the same infimum as the original
// objective over w, without its flat scale direction. (Where v.m < 0 at the best direction, the
// original's infimum lies at a* = 0 and is not attained: its iterates shrink towards w = 0.)
// From n = v.m and q = ||v||^2 (C each, float64): the pull and its gradient's two coefficients,
// d pull / dx = hWeight dn/dx + qWeight (dq/dx) / 2 for whatever x parametrises v.
struct ProfiledPull {
    torch::Tensor value, hWeight, qWeight, n, q;  // C, float64
};
ProfiledPull profiledPull(const torch::Tensor& n, const torch::Tensor& q, double meanSquaredNorm) {
    const auto positive = n.clamp_min(0.0), safeQ = q.clamp_min(1e-300);
    const auto ratio = positive / safeQ;  // a*
    return {(meanSquaredNorm - positive * ratio).clamp_min(0.0), -2.0 * ratio, 2.0 * ratio * ratio, n, safeQ};
}

// The span's n = z.(B m) and q = z' (B B') z with B B' z (float64).
ProfiledPull spanPull(const Alpha2WBasis& basis, const torch::Tensor& z64, const torch::Tensor& headGramZ64) {
    return profiledPull(torch::mv(z64, basis.headMean), (headGramZ64 * z64).sum(1), basis.meanSquaredNorm);
}

// gramZ: G_p z (gramTimes(basis, z)) where the caller already has it; else computed here.
Alpha2WObjective evaluateObjective(const Alpha2WBasis& basis, const torch::Tensor& projected, double lambda,
                                   const torch::Tensor& z, bool withHessian = false,
                                   const torch::Tensor& gramZ = {}) {
    torch::NoGradGuard noGrad;
    const int64_t P = basis.gram.size(0), R = basis.gram.size(1), C = z.size(0);
    // cos_cp = u_cp / s_cp with u_cp = z_c . (T_p t_c) and s_cp^2 = z_c' G_p z_c.
    const auto gz = gramZ.defined() ? gramZ : gramTimes(basis, z);  // G_p z_c: P x R x C
    const auto squaredNorm = gramDots(gz, z);                       // C x P
    const auto u = targetDots(projected, z);                        // C x P
    const auto s = squaredNorm.clamp_min(1e-24).sqrt();
    Alpha2WObjective out;
    out.cosine = (1.0 - u / s).mean(1);
    // d(1 - cos_cp)/dz_c = -T_p t_c / s + u G_p z_c / s^3, averaged over p.
    const auto towardsTarget = torch::bmm((1.0 / (s * double(P))).unsqueeze(1), projected).squeeze(1);  // C x R
    const auto alongNorm = (gz * (u / (s.pow(3) * double(P))).t().unsqueeze(1)).sum(0).t();             // C x R
    // The profiled pull and its gradient from R x R products (see Alpha2WBasis): h = B m, H = B B'.
    const auto z64 = z.to(torch::kFloat64);
    const auto headGramZ = torch::mm(z64, basis.headGram);  // H z, C x R
    const auto pull = spanPull(basis, z64, headGramZ);
    out.l2 = pull.value.to(z.dtype());
    const auto l2Gradient =
        (pull.hWeight.unsqueeze(1) * basis.headMean + pull.qWeight.unsqueeze(1) * headGramZ).to(z.dtype());  // C x R
    out.loss = (out.cosine + lambda * out.l2).mean();
    out.gradient = ((alongNorm - towardsTarget + lambda * l2Gradient) / double(C)).contiguous();
    if (withHessian) {
        // d^2(1 - cos_cp)/dz_c^2 = (T_p t g' + g (T_p t)')/s^3 + u G_p/s^3 - 3u g g'/s^5, g = G_p z_c.
        // The two rank-one sums come from one batched product: with h = T_p t / s^3 - 3u g / (2 s^5),
        // X = sum_p h g' gives X + X' = sum_p (T_p t g' + g (T_p t)')/s^3 - 3u g g'/s^5.
        const auto g = gz.permute({2, 0, 1}).contiguous();      // C x P x R
        const auto inverseCube = 1.0 / (s.pow(3) * double(P));  // C x P
        const auto h = projected * inverseCube.unsqueeze(2) - g * (1.5 * u * inverseCube / s.pow(2)).unsqueeze(2);
        const auto rankOne = torch::bmm(h.transpose(1, 2), g);  // C x R x R
        const auto curvature = torch::mm(u * inverseCube, basis.gram.reshape({P, R * R})).reshape({C, R, R});
        // The pull's Hessian where n > 0 (else 0), with Hz = H z:
        //   -[2 h h'/q - 4n/q^2 (h (Hz)' + Hz h') + 8n^2/q^3 Hz (Hz)' - 2n^2/q^2 H].
        const auto n = pull.n.clamp_min(0.0), q = pull.q;
        const auto hv = basis.headMean.unsqueeze(0).expand({C, R});
        const auto outer = [](const torch::Tensor& a, const torch::Tensor& b) { return a.unsqueeze(2) * b.unsqueeze(1); };
        const auto cross = outer(hv, headGramZ);
        const auto coefficient = [&](const torch::Tensor& v) { return v.view({C, 1, 1}); };
        const auto l2Hessian = -(coefficient(2.0 / q) * outer(hv, hv) -
                                 coefficient(4.0 * n / q.pow(2)) * (cross + cross.transpose(1, 2)) +
                                 coefficient(8.0 * n.pow(2) / q.pow(3)) * outer(headGramZ, headGramZ) -
                                 coefficient(2.0 * n.pow(2) / q.pow(2)) * basis.headGram.unsqueeze(0));
        const auto active = coefficient((pull.n > 0).to(torch::kFloat64));
        out.hessian = ((rankOne + rankOne.transpose(1, 2) + curvature + lambda * (active * l2Hessian).to(z.dtype())) /
                       double(C))
                          .contiguous();
    }
    return out;
}

// Converged when the loss changed by less than tolerance x |loss| over the last `window` steps.
class LossWindow {
public:
    LossWindow(int window, double tolerance) : window_(window), tolerance_(tolerance) {}
    bool converged(double value) {
        recent_.push_back(value);
        if (int(recent_.size()) <= window_) return false;
        const double before = recent_.front();
        recent_.pop_front();
        return std::abs(before - value) < tolerance_ * std::abs(value);
    }

private:
    int window_;
    double tolerance_;
    std::deque<double> recent_;
};

torch::Tensor unitRows(const torch::Tensor& t) {
    return torch::nn::functional::normalize(t, torch::nn::functional::NormalizeFuncOptions().dim(1).eps(1e-12));
}

// Either objective along a search direction, x + t d per class: the induced importances are linear
// in x, so per pool image their dot with the unit target is u0 + t ud and their squared norm
// a + 2 t b + t^2 c, and the profiled pull's n and q are n0 + t nd and q0 + 2 t q1 + t^2 q2. Once
// these are known (one GEMM for
// the direction's induced importances), any trial step costs C x P scalar work instead of a GEMM.
// Where the trial point's importances are much shorter than the two parts they sum from, the
// expansion of s^2 cancels (in float32, about 1e-7 / ratio relative error): such trials are
// flagged, and the caller evaluates them directly.
struct LineObjective {
    static constexpr double kWellConditioned = 0.1;  // least s^2 / (a + 2|t b| + t^2 c) trusted
    torch::Tensor u0, ud, a, b, c;       // C x P
    torch::Tensor n0, nd, q0, q1, q2;    // C, float64
    double meanSquaredNorm = 0;          // ||m||^2
    torch::ScalarType dtype = torch::kFloat32;

    struct Terms {
        torch::Tensor cosine, l2;  // per class: mean_p (1 - cos), ||x + t d - m||^2
        torch::Tensor reliable;    // per class: no image's s^2 cancels below kWellConditioned
    };
    // The classes `rows` (indices) at steps t (one per row). At t = 0 exactly the terms at x.
    Terms at(const torch::Tensor& rows, const torch::Tensor& t) const {
        const auto pick = [&](const torch::Tensor& v) { return v.index_select(0, rows); };
        const auto tp = t.unsqueeze(1);
        const auto squaredNorm = pick(a) + tp * (2.0 * pick(b) + tp * pick(c));
        const auto u = pick(u0) + tp * pick(ud);
        const auto t64 = t.to(torch::kFloat64);
        const auto parts = pick(a) + 2.0 * (tp * pick(b)).abs() + tp * tp * pick(c);
        const auto pull = profiledPull(pick(n0) + t64 * pick(nd), pick(q0) + t64 * (2.0 * pick(q1) + t64 * pick(q2)),
                                       meanSquaredNorm);
        return {(1.0 - u / squaredNorm.clamp_min(1e-24).sqrt()).mean(1), pull.value.to(dtype),
                (squaredNorm >= kWellConditioned * parts).all(1)};
    }
    torch::Tensor allRows() const {
        return torch::arange(u0.size(0), torch::TensorOptions().dtype(torch::kLong).device(u0.device()));
    }
};

// Loss, cosine and L2 of every class at its step along the line (no gradient): the span and the
// full objective alike.
template <typename Objective>
Objective objectiveAlong(const LineObjective& line, const torch::Tensor& steps, double lambda) {
    const auto terms = line.at(line.allRows(), steps);
    Objective out;
    out.cosine = terms.cosine;
    out.l2 = terms.l2;
    out.loss = (terms.cosine + lambda * terms.l2).mean();
    return out;
}

// The span objective along z + t d, from gz = G_p z and gd = G_p d (P x R x C each).
LineObjective spanLine(const Alpha2WBasis& basis, const torch::Tensor& projected, const torch::Tensor& z,
                       const torch::Tensor& gz, const torch::Tensor& d, const torch::Tensor& gd) {
    LineObjective line;
    line.u0 = targetDots(projected, z);
    line.ud = targetDots(projected, d);
    line.a = gramDots(gz, z);  // the expressions evaluateObjective uses: equal values at t = 0
    line.b = gramDots(gd, z);
    line.c = gramDots(gd, d);
    const auto z64 = z.to(torch::kFloat64), d64 = d.to(torch::kFloat64);
    const auto headGramD = torch::mm(d64, basis.headGram);
    line.n0 = torch::mv(z64, basis.headMean);
    line.nd = torch::mv(d64, basis.headMean);
    line.q0 = (torch::mm(z64, basis.headGram) * z64).sum(1);
    line.q1 = (headGramD * z64).sum(1);
    line.q2 = (headGramD * d64).sum(1);
    line.meanSquaredNorm = basis.meanSquaredNorm;
    line.dtype = z.scalar_type();
    return line;
}

}  // namespace

Alpha2WObjective alpha2wObjective(const Alpha2WBasis& basis, const torch::Tensor& unitTargets, double lambda,
                                  const torch::Tensor& z, bool withHessian) {
    return evaluateObjective(basis, projectTargets(basis, unitTargets), lambda, z, withHessian);
}

Alpha2WObjective alpha2wObjectiveAlong(const Alpha2WBasis& basis, const torch::Tensor& unitTargets, double lambda,
                                       const torch::Tensor& z, const torch::Tensor& direction,
                                       const torch::Tensor& steps) {
    torch::NoGradGuard noGrad;
    const auto line = spanLine(basis, projectTargets(basis, unitTargets), z, gramTimes(basis, z), direction,
                               gramTimes(basis, direction));
    return objectiveAlong<Alpha2WObjective>(line, steps, lambda);
}

namespace {

// Armijo backtracking for independent per-class problems, all classes at once: each class halves
// its own step (from 1) until its loss falls by enough. trialLoss(rows, steps) gives the losses of
// the classes `rows` (indices) at those steps; only the classes still without an accepted step are
// tried again. Returns each class's accepted step and loss; a class with no acceptable step gets
// step 0, its start loss, and stays unaccepted.
struct Backtracked {
    torch::Tensor step, loss, accepted;
};

template <typename TrialLoss>
Backtracked backtrackPerClass(const torch::Tensor& loss, const torch::Tensor& slope, int halvings,
                              const TrialLoss& trialLoss) {
    constexpr double kArmijo = 1e-4;  // sufficient-decrease fraction of the predicted decrease
    Backtracked out{torch::zeros_like(loss), loss.clone(), torch::zeros_like(loss, torch::kBool)};
    auto step = torch::ones_like(loss);
    for (int halving = 0; halving <= halvings && !out.accepted.all().item<bool>(); ++halving) {
        const auto pending = torch::logical_not(out.accepted).nonzero().squeeze(1);
        const auto steps = step.index_select(0, pending);
        const auto trial = trialLoss(pending, steps);
        const auto ok = trial <= loss.index_select(0, pending) + kArmijo * steps * slope.index_select(0, pending);
        const auto okRows = ok.nonzero().squeeze(1);
        const auto okClasses = pending.index_select(0, okRows);
        out.step.index_copy_(0, okClasses, steps.index_select(0, okRows));
        out.loss.index_copy_(0, okClasses, trial.index_select(0, okRows));
        out.accepted.index_fill_(0, okClasses, true);
        step = torch::where(out.accepted, step, step * 0.5);
    }
    return out;
}

// v (one value per class) shaped to broadcast along dimension `dim` of a `dims`-dimensional tensor.
torch::Tensor alongDim(const torch::Tensor& v, int64_t dims, int64_t dim) {
    std::vector<int64_t> sizes(size_t(dims), 1);
    sizes[size_t(dim)] = v.size(0);
    return v.view(sizes);
}

// x + step d per class (along `dim`) where accepted, else x (a rejected step may be NaN).
torch::Tensor stepped(const torch::Tensor& x, const torch::Tensor& d, const Backtracked& result, int64_t dim = 0) {
    return torch::where(alongDim(result.accepted, x.dim(), dim), x + alongDim(result.step, x.dim(), dim) * d, x);
}

// One damped Newton step for every class at once. Where a class's Hessian block is not positive
// definite (the cosine loss is not convex), a multiple of the identity is added until a Cholesky
// factorisation succeeds (Levenberg-Marquardt damping; a batched Cholesky costs far less than an
// eigendecomposition), so every direction descends; each class then backtracks its own step
// (Armijo) until its loss falls. gramZ (G_p z, P x R x C) is carried from the previous step, and
// the line search costs one GEMM (G_p d) whatever its trials: along d every trial's objective is a
// scalar expansion (LineObjective), and G_p at the new point is G_p z + t G_p d. Returns the new
// coefficients, their G_p products and each class's loss before and after.
struct NewtonStep {
    torch::Tensor z, gramZ, before, after;
    torch::Tensor cosine, l2;       // per class at `z`, from the line search (no evaluation again)
    int64_t directEvaluations = 0;  // trial steps evaluated directly (see LineObjective), per class
};

NewtonStep newtonStep(const Alpha2WBasis& basis, const torch::Tensor& projected, double lambda,
                      const torch::Tensor& z, const torch::Tensor& gramZ) {
    constexpr double kFirstDamping = 1e-6;  // relative to the block's mean |diagonal|
    constexpr int kDampingTries = 24;       // x10 each: up to 1e17, beyond any curvature here
    constexpr int kHalvings = 30;
    const auto at = evaluateObjective(basis, projected, lambda, z, /*withHessian=*/true, gramZ);
    const int64_t R = z.size(1);
    const auto identity = torch::eye(R, z.options()).unsqueeze(0);
    // The objective does not change along z (it is of degree 0 in z, see profiledPull): Newton's
    // step is taken on the sphere, with the Hessian restricted to the directions orthogonal to z,
    // Q H Q with Q = I - u u' (u = z / ||z||; the Riemannian Hessian, as u . gradient = 0), and the
    // radial direction given the mean curvature so that the system stays regular.
    const auto unit = z / z.norm(2, 1, true).clamp_min(1e-30);  // C x R
    const auto hu = torch::bmm(at.hessian, unit.unsqueeze(2)).squeeze(2);  // H u, C x R
    const auto uhu = (hu * unit).sum(1, true);                           // C x 1
    const auto radial = at.hessian.diagonal(0, 1, 2).abs().mean(1, true);  // C x 1
    const auto outerUnit = unit.unsqueeze(2) * unit.unsqueeze(1);
    const auto tangentHessian = at.hessian - unit.unsqueeze(2) * hu.unsqueeze(1) - hu.unsqueeze(2) * unit.unsqueeze(1) +
                                (uhu + radial).unsqueeze(2) * outerUnit;
    const auto gradient = at.gradient - (at.gradient * unit).sum(1, true) * unit;
    const auto scale = radial.squeeze(1).clamp_min(1e-30);  // C
    auto damping = torch::zeros_like(scale);
    torch::Tensor factor;
    for (int attempt = 0; attempt < kDampingTries; ++attempt) {
        auto [L, info] = torch::linalg_cholesky_ex(tangentHessian + (damping * scale).view({-1, 1, 1}) * identity);
        factor = L;
        const auto failed = info != 0;
        if (!failed.any().item<bool>()) break;
        damping = torch::where(
            failed, torch::where(damping > 0, damping * 10.0, torch::full_like(damping, kFirstDamping)), damping);
    }
    const auto direction = -torch::cholesky_solve(gradient.unsqueeze(2), factor).squeeze(2);  // C x R
    // Predicted decrease per class (the gradient is of the mean over classes: x C per class).
    const auto slope = (gradient * direction).sum(1) * double(z.size(0));
    const auto before = at.cosine + lambda * at.l2;

    const auto gramDirection = gramTimes(basis, direction);
    const auto line = spanLine(basis, projected, z, gramZ, direction, gramDirection);
    // Trials the expansion cannot price are evaluated directly; a class's last trial is its
    // accepted one, so `lastDirect` says whether its new point's values come from here.
    auto lastDirect = torch::zeros_like(before, torch::kBool);
    auto directGram = torch::zeros_like(gramZ);
    auto directCosine = torch::zeros_like(before), directL2 = torch::zeros_like(before);
    int64_t directEvaluations = 0;
    const auto lossAt = [&](const torch::Tensor& rows, const torch::Tensor& steps) {
        const auto terms = line.at(rows, steps);
        auto loss = terms.cosine + lambda * terms.l2;
        lastDirect.index_fill_(0, rows, false);
        const auto unreliable = torch::logical_not(terms.reliable).nonzero().squeeze(1);
        if (unreliable.size(0) > 0) {
            const auto classes = rows.index_select(0, unreliable);
            const auto trial = z.index_select(0, classes) +
                               steps.index_select(0, unreliable).unsqueeze(1) * direction.index_select(0, classes);
            const auto g = gramTimes(basis, trial);
            const auto o = evaluateObjective(basis, projected.index_select(0, classes), lambda, trial, false, g);
            directEvaluations += classes.size(0);
            loss.index_copy_(0, unreliable, o.cosine + lambda * o.l2);
            directGram.index_copy_(2, classes, g);
            directCosine.index_copy_(0, classes, o.cosine);
            directL2.index_copy_(0, classes, o.l2);
            lastDirect.index_fill_(0, classes, true);
        }
        return loss;
    };
    // The Armijo reference from the expansion too (equal to `before`: the same expressions at t = 0).
    const auto atStart = line.at(line.allRows(), torch::zeros_like(before));
    const auto result = backtrackPerClass(atStart.cosine + lambda * atStart.l2, slope, kHalvings, lossAt);
    // A class with no acceptable step has t = 0: its values where it was.
    const auto terms = line.at(line.allRows(), result.step);
    const auto direct = torch::logical_and(lastDirect, result.accepted);
    NewtonStep out;
    // Back to unit norm (the objective does not change; the Hessian's scale stays comparable).
    const auto moved = stepped(z, direction, result);
    const auto norms = moved.norm(2, 1).clamp_min(1e-30);  // C
    out.z = moved / norms.unsqueeze(1);
    out.gramZ = torch::where(alongDim(direct, 3, 2), directGram, stepped(gramZ, gramDirection, result, 2)) /
                alongDim(norms, 3, 2);
    out.before = before;
    out.after = result.loss;
    out.cosine = torch::where(direct, directCosine, terms.cosine);
    out.l2 = torch::where(direct, directL2, terms.l2);
    out.directEvaluations = directEvaluations;
    return out;
}

}  // namespace

namespace {

// The final state of either solver (span or full objective) as a report; `report` may be null.
template <typename Objective>
void fillReport(Alpha2WReport* report, const Objective& objective, int iterations, bool converged,
                std::chrono::steady_clock::time_point start) {
    if (!report) return;
    report->iterations = iterations;
    report->converged = converged;
    report->loss = objective.loss.template item<double>();
    report->cosineLoss = objective.cosine.mean().template item<double>();
    report->l2Loss = objective.l2.mean().template item<double>();
    report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// sqrt(w' Sigma w) per row of w (C x F): the standard deviation of the logit w.x over features
// whose covariance is Sigma. float64.
torch::Tensor logitSpread(const torch::Tensor& rows, const torch::Tensor& covariance) {
    const auto w = rows.to(torch::kFloat64);
    return (torch::mm(w, covariance.to(w.device(), torch::kFloat64)) * w).sum(1).clamp_min(0.0).sqrt();
}

// The solver's directions v as classifier rows: the minimiser a* v (a* = max(0, v.m) / ||v||^2,
// see profiledPull) and the weights, with their length and bias as the options say.
NewClassWeights finishWeights(const torch::Tensor& v, const torch::Tensor& headWeight, const torch::Tensor& headBias,
                              double seenWeightNorm, const Alpha2WOptions& options,
                              const SeenFeatureMoments& seenFeatures) {
    torch::NoGradGuard noGrad;
    NewClassWeights out;
    const auto v64 = v.detach().to(torch::kFloat64);
    const auto squaredNorm = v64.pow(2).sum(1, true).clamp_min(1e-300);
    const auto bestScale = torch::mv(v64, headWeight.mean(0).to(torch::kFloat64)).clamp_min(0.0).unsqueeze(1) / squaredNorm;
    const auto direction64 = v64 / squaredNorm.sqrt();
    out.direction = direction64.to(v.scalar_type());
    out.optimum = (v64 * bestScale).to(v.scalar_type());
    using Scale = Alpha2WOptions::Scale;
    if (options.scale == Scale::Spread && seenFeatures.covariance.defined()) {
        // Every new row's logit spreads over the training features as the seen rows' do on average.
        const auto ownSpread = logitSpread(direction64, seenFeatures.covariance).clamp_min(1e-300).unsqueeze(1);
        out.weight = (direction64 * (seenFeatures.seenLogitSpread / ownSpread)).to(v.scalar_type());
    } else if (options.scale == Scale::Keep) {
        out.weight = out.optimum.clone();
    } else {
        out.weight = out.direction * seenWeightNorm;
    }
    const int64_t C = out.weight.size(0);
    if (!options.matchBiasLevel) {
        out.bias = torch::zeros({C}, out.weight.options());
    } else if (seenFeatures.mean.defined()) {
        // New logits at the mean training feature equal the seen classes' average logit there.
        const auto f = seenFeatures.mean.to(out.weight.device()).to(out.weight.dtype());
        const double seenAtMean = (torch::mv(headWeight, f) + headBias).mean().item<double>();
        out.bias = seenAtMean - torch::mv(out.weight, f);
    } else {
        out.bias = torch::full({C}, headBias.mean().item<double>(), out.weight.options());
    }
    return out;
}

}  // namespace

SeenFeatureMoments seenFeatureMoments(const torch::Tensor& features, const torch::Tensor& headWeight) {
    if (features.dim() != 2 || features.size(0) < 1 || headWeight.dim() != 2 || headWeight.size(1) != features.size(1))
        throw std::invalid_argument("seenFeatureMoments: need N x F features (N >= 1) and an R x F head");
    torch::NoGradGuard noGrad;
    const auto x = features.to(torch::kFloat64);
    const auto mean = x.mean(0);
    const auto centred = x - mean;
    SeenFeatureMoments out;
    out.covariance = torch::mm(centred.t(), centred).div_(double(x.size(0)));
    out.seenLogitSpread = logitSpread(headWeight, out.covariance).mean().item<double>();
    out.mean = mean.to(features.scalar_type());
    return out;
}

SeenFeatureMoments SeenFeatureMoments::to(const torch::Device& device) const {
    SeenFeatureMoments out = *this;
    if (mean.defined()) out.mean = mean.to(device);
    if (covariance.defined()) out.covariance = covariance.to(device);
    return out;
}

NewClassWeights alpha2w(const torch::Tensor& basisImportances, const LinearHead& seenHead, const torch::Tensor& targets,
                        const Alpha2WOptions& options, Alpha2WReport* report, const Alpha2WProgress& progress,
                        const SeenFeatureMoments& seenFeatures) {
    const auto start = std::chrono::steady_clock::now();
    const auto basis = prepareAlpha2W(basisImportances, seenHead);
    auto out = alpha2w(basis, targets, options, report, progress, seenFeatures);
    if (report)  // the preparation is part of a one-off call's cost
        report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
}

namespace {

// C x R, unit rows: the coefficients whose induced importances fit the unit targets best in least
// squares, every pool image weighted to unit norm (see Alpha2WBasis::startFactor). On CUB's pool it
// starts within 1 % of the optimum's loss, where the mean seen weight vector starts at 1 - cos > 1.
// A class whose fit vanishes (a target orthogonal to everything the span induces) starts at the
// mean seen weight vector (z = 1/R).
torch::Tensor leastSquaresStart(const Alpha2WBasis& basis, const torch::Tensor& projected) {
    torch::NoGradGuard noGrad;
    const auto rhs = (projected * basis.startImageWeights.view({1, -1, 1})).sum(1).to(torch::kFloat64);  // C x R
    auto z = torch::cholesky_solve(rhs.t(), basis.startFactor).t();
    const auto norms = z.norm(2, 1, true);
    const auto fallback = torch::full_like(z, 1.0 / double(z.size(1)));
    z = torch::where(norms > 1e-150, z, fallback);
    return (z / z.norm(2, 1, true)).to(projected.scalar_type()).contiguous();
}

}  // namespace

NewClassWeights alpha2w(const Alpha2WBasis& basis, const torch::Tensor& targets, const Alpha2WOptions& options,
                        Alpha2WReport* report, const Alpha2WProgress& progress, const SeenFeatureMoments& seenFeatures) {
    const auto start = std::chrono::steady_clock::now();
    const auto& B = basis.headWeight;  // R x F
    if (!basis.gram.defined() || targets.dim() != 2 || targets.size(1) != basis.importances.size(2))
        throw std::invalid_argument("alpha2w: targets must be C x K, K = the basis importances' channels");
    if (!torch::isfinite(targets).all().item<bool>())
        throw std::invalid_argument("alpha2w: predicted importances contain NaN or infinity");
    const int64_t R = B.size(0), C = targets.size(0);
    const auto device = B.device();
    const auto projected = projectTargets(basis, unitRows(targets.to(device).to(B.dtype())));  // C x P x R

    auto z = leastSquaresStart(basis, projected).requires_grad_(true);
    Alpha2WObjective objective;
    // The closed-form gradient goes straight into z.grad: no autograd graph per step.
    int64_t classEvaluations = 0;
    auto evaluateInto = [&] {
        classEvaluations += C;
        objective = evaluateObjective(basis, projected, options.lambda, z.detach());
        z.mutable_grad() = objective.gradient;
        return objective.loss;
    };

    // L-BFGS with a strong-Wolfe line search: the problem is smooth and small (C x R unknowns),
    // so quasi-Newton steps converge in far fewer iterations than Adam's.
    torch::optim::LBFGS lbfgs({z}, torch::optim::LBFGSOptions(1.0)
                                       .max_iter(1)
                                       .history_size(20)
                                       .tolerance_grad(1e-9)
                                       .tolerance_change(1e-12)
                                       .line_search_fn("strong_wolfe"));
    // The start has unit norm, so its coefficients are ~1/sqrt(R): the step is relative to that.
    torch::optim::Adam adam({z}, torch::optim::AdamOptions(options.learningRate / std::sqrt(double(R))));
    LossWindow recent(options.window, options.tolerance);
    // Newton: per-class state (every class is stepped in the first iteration, so all get filled).
    auto newtonDone = torch::zeros({C}, torch::TensorOptions().dtype(torch::kBool).device(device));
    auto classCosine = torch::zeros({C}, B.options()), classL2 = torch::zeros({C}, B.options());
    torch::Tensor gramZ;  // Newton: G_p z_c at the current coefficients, P x R x C
    int iteration = 0;
    bool converged = false;
    for (iteration = 1; iteration <= options.maxIterations; ++iteration) {
        bool newtonConverged = false;
        if (options.optimiser == Alpha2WOptions::Optimiser::Newton) {
            // Classes converge one by one; a converged class takes no further steps or evaluations.
            torch::NoGradGuard noGrad;
            const auto active = torch::logical_not(newtonDone).nonzero().squeeze(1);
            if (!gramZ.defined()) gramZ = gramTimes(basis, z.detach());  // then carried from step to step
            const auto step = newtonStep(basis, projected.index_select(0, active), options.lambda,
                                         z.detach().index_select(0, active), gramZ.index_select(2, active));
            z.detach().index_copy_(0, active, step.z);
            gramZ.index_copy_(2, active, step.gramZ);
            // Per class: the evaluation at z with its Hessian, and G_p d for every line-search trial.
            classEvaluations += 2 * active.size(0) + step.directEvaluations;
            classCosine.index_copy_(0, active, step.cosine);
            classL2.index_copy_(0, active, step.l2);
            newtonDone.index_copy_(0, active, (step.before - step.after) <= options.tolerance * step.before.abs());
            newtonConverged = newtonDone.all().item<bool>();
            objective.cosine = classCosine.clone();
            objective.l2 = classL2.clone();
            objective.loss = (classCosine + options.lambda * classL2).mean();
        } else {
            if (options.optimiser == Alpha2WOptions::Optimiser::Lbfgs) {
                lbfgs.step(evaluateInto);
            } else {
                evaluateInto();
                adam.step();
            }
            // The objective at the new point (the line search's last trial need not be the accepted one).
            classEvaluations += C;
            objective = evaluateObjective(basis, projected, options.lambda, z.detach());
        }
        const double value = objective.loss.item<double>();
        if (progress &&
            !progress(iteration, value, objective.cosine.mean().item<double>(), objective.l2.mean().item<double>()))
            throw Cancelled();
        if (newtonConverged) {
            converged = true;
            break;
        }
        if (recent.converged(value)) {
            converged = true;
            break;
        }
    }

    NewClassWeights out;
    {
        torch::NoGradGuard g;
        out = finishWeights(torch::mm(z, B), B, basis.headBias, basis.seenWeightNorm, options, seenFeatures);
    }
    fillReport(report, objective, std::min(iteration, options.maxIterations), converged, start);
    if (report) report->classEvaluations = classEvaluations;
    return out;
}

Alpha2WFullSpace prepareFullAlpha2W(const torch::Tensor& denseJacobians, const LinearHead& seenHead) {
    ImportanceJacobians j;
    j.values = denseJacobians;
    return prepareFullAlpha2W(j, seenHead);
}

Alpha2WFullSpace prepareFullAlpha2W(const ImportanceJacobians& jacobians, const LinearHead& seenHead) {
    const auto& B = seenHead.weight;
    const int64_t F = B.size(1);
    Alpha2WFullSpace out;
    if (jacobians.closedForm()) {
        if (jacobians.rowScale.dim() != 2 || jacobians.rowScale.size(1) != F || jacobians.shared.dim() != 2 ||
            jacobians.shared.size(0) != F)
            throw std::invalid_argument(
                "alpha2w: need factored Jacobians P x F and F x K with F = the head's features");
        out.pool = jacobians.rowScale.size(0);
        out.channels = jacobians.shared.size(1);
        out.rowScale = jacobians.rowScale.to(B.device()).to(B.dtype()).contiguous();
        out.shared = jacobians.shared.to(B.device()).to(B.dtype()).contiguous();
    } else {
        const auto& J = jacobians.values;
        if (J.dim() != 3 || B.dim() != 2 || J.size(1) != F)
            throw std::invalid_argument("alpha2w: need Jacobians P x F x K with F = the head's features");
        out.pool = J.size(0);
        out.channels = J.size(2);
        // F x (P K): W (C x F) times it gives every induced importance in one GEMM.
        out.jacobians = J.to(B.device()).to(B.dtype()).permute({1, 0, 2}).reshape({F, -1}).contiguous();
    }
    const auto diagonal = out.shared.defined()
                              ? out.rowScale.pow(2).mean(0) * out.shared.pow(2).sum(1)
                              : out.jacobians.view({F, out.pool, out.channels}).pow(2).sum(2).mean(1);  // F
    out.curvatureScale = (diagonal / diagonal.mean().clamp_min(1e-30)).clamp_min(1e-6).contiguous();
    out.headWeight = B;
    out.headBias = seenHead.bias;
    out.meanSeen = B.mean(0);
    out.seenWeightNorm = B.norm(2, 1).mean().item<double>();
    out.meanSquaredNorm = out.meanSeen.to(torch::kFloat64).pow(2).sum().item<double>();
    return out;
}

namespace {

// The full space's profiled pull: n = w.m, q = ||w||^2.
ProfiledPull fullPull(const Alpha2WFullSpace& space, const torch::Tensor& weights) {
    const auto w64 = weights.to(torch::kFloat64);
    return profiledPull(torch::mv(w64, space.meanSeen.to(torch::kFloat64)), w64.pow(2).sum(1),
                        space.meanSquaredNorm);
}

// The full space's two products, split over LibTorch's intra-op threads. One torch::mm is one BLAS
// call, and BLAS is held to one thread (keepBlasSingleThreaded), so a single product would use one
// core; at::parallel_for gives each thread its own classes (factored) or its own columns (dense),
// and the tensor operations inside it run serially. The factored form's scaling by rowScale is done
// a few classes at a time, so that each scaled block is still in cache for its product.
constexpr int64_t kClassesPerBlock = 4;  // C P x F floats per block: 3 MB for CUB's pool of 146

// work(begin, end) over [0, total): on the CPU split over the intra-op threads (ranges of at least
// `grain`); elsewhere (CUDA) one call, the device having its own parallelism.
template <typename Work>
void splitForCpu(const torch::Device& device, int64_t total, int64_t grain, const Work& work) {
    if (device.is_cpu())
        at::parallel_for(0, total, grain, work);
    else
        work(int64_t(0), total);
}

// work(first, last) over the classes [0, C) in blocks: on the CPU each thread takes its classes
// kClassesPerBlock at a time; on CUDA all C in one block.
template <typename Work>
void forClassBlocks(const torch::Device& device, int64_t C, const Work& work) {
    const int64_t classesPerBlock = device.is_cpu() ? kClassesPerBlock : std::max<int64_t>(C, 1);
    splitForCpu(device, C, 1, [&](int64_t begin, int64_t end) {
        for (int64_t first = begin; first < end; first += classesPerBlock)
            work(first, std::min(end, first + classesPerBlock));
    });
}

// C x P x K: J_p w_c for every class and pool image. The forward GEMM (C x F x P K multiply-adds).
torch::Tensor inducedImportances(const Alpha2WFullSpace& space, const torch::Tensor& weights) {
    const int64_t C = weights.size(0), P = space.pool, K = space.channels, F = weights.size(1);
    auto out = torch::empty({C, P, K}, weights.options());
    if (space.shared.defined()) {
        forClassBlocks(weights.device(), C, [&](int64_t first, int64_t last) {
            const int64_t n = last - first;
            const auto scaled = weights.slice(0, first, last).unsqueeze(1) * space.rowScale.unsqueeze(0);
            auto block = out.slice(0, first, last).view({n * P, K});
            torch::mm_out(block, scaled.view({n * P, F}), space.shared);
        });
    } else {
        auto flat = out.view({C, P * K});
        splitForCpu(weights.device(), P * K, K, [&](int64_t begin, int64_t end) {
            auto block = flat.slice(1, begin, end);
            torch::mm_out(block, weights, space.jacobians.slice(1, begin, end));
        });
    }
    return out;
}

// C x F: J_p' g_cp summed over the pool, for g = dInduced (C x P x K). The backward GEMM.
torch::Tensor pulledBack(const Alpha2WFullSpace& space, const torch::Tensor& dInduced) {
    const int64_t C = dInduced.size(0), P = space.pool, K = space.channels;
    const int64_t F = space.shared.defined() ? space.shared.size(0) : space.jacobians.size(0);
    auto out = torch::empty({C, F}, dInduced.options());
    if (space.shared.defined()) {
        forClassBlocks(dInduced.device(), C, [&](int64_t first, int64_t last) {
            const int64_t n = last - first;
            const auto back = torch::mm(dInduced.slice(0, first, last).reshape({n * P, K}), space.shared.t());
            out.slice(0, first, last).copy_((back.view({n, P, F}) * space.rowScale.unsqueeze(0)).sum(1));
        });
    } else {
        const auto flat = dInduced.reshape({C, P * K});
        splitForCpu(dInduced.device(), F, 16, [&](int64_t begin, int64_t end) {
            auto block = out.slice(1, begin, end);
            torch::mm_out(block, flat, space.jacobians.slice(0, begin, end).t());
        });
    }
    return out;
}

// The objective at `weights` whose induced importances are already known; the gradient is the
// backward GEMM (J_p' of the importances' gradient, C x F x P K multiply-adds).
Alpha2WFullObjective fullObjectiveAt(const Alpha2WFullSpace& space, const torch::Tensor& unitTargets, double lambda,
                                     const torch::Tensor& weights, const torch::Tensor& induced) {
    const int64_t C = weights.size(0), P = space.pool;
    const auto t = unitTargets.unsqueeze(1);             // C x 1 x K
    const auto u = (induced * t).sum(2);                 // C x P
    const auto s = induced.norm(2, 2).clamp_min(1e-12);  // C x P
    Alpha2WFullObjective out;
    out.cosine = (1.0 - u / s).mean(1);
    const auto pull = fullPull(space, weights);
    out.l2 = pull.value.to(weights.scalar_type());
    out.loss = (out.cosine + lambda * out.l2).mean();
    // d(1 - u/s)/d(J_p w) = -t/s + u J_p w / s^3, averaged over p; then J_p' of it.
    const auto dInduced = (induced * (u / s.pow(3)).unsqueeze(2) - t / s.unsqueeze(2)) / double(P);
    const auto cosineGradient = pulledBack(space, dInduced);
    const auto l2Gradient = (pull.hWeight.unsqueeze(1) * space.meanSeen.to(torch::kFloat64) +
                             pull.qWeight.unsqueeze(1) * weights.to(torch::kFloat64))
                                .to(weights.scalar_type());
    out.gradient = ((cosineGradient + lambda * l2Gradient) / double(C)).contiguous();
    return out;
}

// The full objective along w + t d, from the induced importances of w and of d (C x P x K each).
LineObjective fullLine(const Alpha2WFullSpace& space, const torch::Tensor& unitTargets, const torch::Tensor& w,
                       const torch::Tensor& induced, const torch::Tensor& d, const torch::Tensor& inducedD) {
    LineObjective line;
    const auto t = unitTargets.unsqueeze(1);
    line.u0 = (induced * t).sum(2);
    line.ud = (inducedD * t).sum(2);
    line.a = induced.pow(2).sum(2);
    line.b = (induced * inducedD).sum(2);
    line.c = inducedD.pow(2).sum(2);
    const auto w64 = w.to(torch::kFloat64), d64 = d.to(torch::kFloat64), m64 = space.meanSeen.to(torch::kFloat64);
    line.n0 = torch::mv(w64, m64);
    line.nd = torch::mv(d64, m64);
    line.q0 = w64.pow(2).sum(1);
    line.q1 = (w64 * d64).sum(1);
    line.q2 = d64.pow(2).sum(1);
    line.meanSquaredNorm = space.meanSquaredNorm;
    line.dtype = w.scalar_type();
    return line;
}

}  // namespace

Alpha2WFullObjective alpha2wFullObjective(const Alpha2WFullSpace& space, const torch::Tensor& unitTargets,
                                          double lambda, const torch::Tensor& weights) {
    torch::NoGradGuard noGrad;
    return fullObjectiveAt(space, unitTargets, lambda, weights, inducedImportances(space, weights));
}

Alpha2WFullObjective alpha2wFullObjectiveAlong(const Alpha2WFullSpace& space, const torch::Tensor& unitTargets,
                                               double lambda, const torch::Tensor& weights,
                                               const torch::Tensor& direction, const torch::Tensor& steps) {
    torch::NoGradGuard noGrad;
    const auto line = fullLine(space, unitTargets, weights, inducedImportances(space, weights), direction,
                               inducedImportances(space, direction));
    return objectiveAlong<Alpha2WFullObjective>(line, steps, lambda);
}

NewClassWeights alpha2wFull(const Alpha2WFullSpace& space, const torch::Tensor& targets, const Alpha2WOptions& options,
                            Alpha2WReport* report, const Alpha2WProgress& progress, const SeenFeatureMoments& seenFeatures,
                            const torch::Tensor& start) {
    const auto startTime = std::chrono::steady_clock::now();
    const auto& B = space.headWeight;
    if ((!space.jacobians.defined() && !space.shared.defined()) || targets.dim() != 2 ||
        targets.size(1) != space.channels)
        throw std::invalid_argument("alpha2w: targets must be C x K, K = the Jacobians' channels");
    if (!torch::isfinite(targets).all().item<bool>())
        throw std::invalid_argument("alpha2w: predicted importances contain NaN or infinity");
    const int64_t C = targets.size(0), F = B.size(1);
    const auto unitTargets = unitRows(targets.to(B.device()).to(B.dtype()));
    torch::Tensor w;
    if (start.defined()) {
        if (start.dim() != 2 || start.size(0) != C || start.size(1) != F)
            throw std::invalid_argument("alpha2w: the start must be C x F");
        w = start.to(B.device()).to(B.dtype()).clone();
    } else {
        torch::manual_seed(options.seed);
        w = space.meanSeen.unsqueeze(0).expand({C, F}) * (1.0 + options.initNoise * torch::randn({C, F}, B.options()));
    }
    // The objective is of degree 0 in w (see profiledPull): the solver works with unit rows.
    w = w / w.norm(2, 1, true).clamp_min(1e-30);
    // Per-class L-BFGS, batched: the classes are independent problems, so each keeps its own
    // curvature pairs, step length and convergence (one joint L-BFGS lets the slowest class set
    // everyone's steps and mixes their curvature). A step is accepted by Armijo backtracking per
    // class. The induced importances are linear in w, so they are carried from step to step
    // (J (w + t d) = J w + t J d): an iteration costs one forward GEMM (J d, which prices every trial
    // step by LineObjective) and one backward GEMM (the gradient at the accepted point).
    constexpr int kHistory = 10;  // curvature pairs kept per class
    constexpr int kHalvings = 20;
    torch::NoGradGuard noGrad;
    // The objective of the classes `rows` (indices) at their weights `at` (one row each), with
    // their induced importances.
    const auto perClass = [&](const torch::Tensor& rows, const torch::Tensor& at, const torch::Tensor& inducedAt) {
        auto o = fullObjectiveAt(space, unitTargets.index_select(0, rows), options.lambda, at, inducedAt);
        o.gradient = o.gradient * double(at.size(0));  // d(class loss)/dw_c: the mean over classes undone
        return o;
    };
    const auto allClasses = torch::arange(C, torch::TensorOptions().dtype(torch::kLong).device(w.device()));
    const auto dot = [](const torch::Tensor& a, const torch::Tensor& b) { return (a * b).sum(1); };  // C
    auto induced = inducedImportances(space, w);  // J w, C x P x K
    int64_t classEvaluations = C;                 // a forward and a backward product per class
    Alpha2WFullObjective objective = perClass(allClasses, w, induced);
    auto loss = objective.cosine + options.lambda * objective.l2;  // C
    const torch::Tensor& curvature = space.curvatureScale;
    std::deque<torch::Tensor> S, Y, Rho;
    std::deque<torch::Tensor> recentLoss;  // per-class losses of the last `window` steps
    auto done = torch::zeros({C}, torch::TensorOptions().dtype(torch::kBool).device(w.device()));
    int iteration = 0;
    bool converged = false;
    for (iteration = 1; iteration <= options.maxIterations; ++iteration) {
        const auto& g = objective.gradient;
        // Two-loop recursion, every class at once (a class whose pair was skipped has rho 0).
        auto q = g.clone();
        std::vector<torch::Tensor> alphas(S.size());
        for (int i = int(S.size()) - 1; i >= 0; --i) {
            alphas[size_t(i)] = Rho[size_t(i)] * dot(S[size_t(i)], q);
            q -= alphas[size_t(i)].unsqueeze(1) * Y[size_t(i)];
        }
        torch::Tensor scale;
        if (S.empty()) {
            const auto preconditioned = g / curvature;
            scale = w.norm(2, 1).clamp_min(1e-12) / preconditioned.norm(2, 1).clamp_min(1e-12) * 1e-2;  // a 1 % step
        } else {
            const auto sy = dot(S.back(), Y.back()), yHy = dot(Y.back(), Y.back() / curvature);
            scale = torch::where(sy > 0, sy / yHy.clamp_min(1e-30), torch::ones_like(sy));
        }
        auto r = q / curvature * scale.unsqueeze(1);
        for (size_t i = 0; i < S.size(); ++i) {
            const auto beta = Rho[i] * dot(Y[i], r);
            r += (alphas[i] - beta).unsqueeze(1) * S[i];
        }
        auto direction = -r;
        auto slope = dot(g, direction);
        const auto ascent = slope >= 0;  // not a descent direction: steepest descent instead
        direction = torch::where(ascent.unsqueeze(1), -g / curvature * scale.abs().unsqueeze(1), direction);
        slope = dot(g, direction);

        // Only the classes not yet converged step: one forward product for their directions, then
        // every trial along them is scalar work.
        const auto active = torch::logical_not(done).nonzero().squeeze(1);
        classEvaluations += active.size(0);
        const auto activeW = w.index_select(0, active), activeD = direction.index_select(0, active);
        const auto activeInduced = induced.index_select(0, active);
        const auto inducedD = inducedImportances(space, activeD);
        const auto line = fullLine(space, unitTargets.index_select(0, active), activeW, activeInduced, activeD, inducedD);
        // Trials the expansion cannot price get a forward product of their own (see the span's
        // newtonStep); a class's last trial is its accepted one.
        const auto activeTargets = unitTargets.index_select(0, active);
        auto lastDirect = torch::zeros({active.size(0)}, done.options());
        auto directInduced = torch::zeros_like(activeInduced);
        const auto lossAt = [&](const torch::Tensor& rows, const torch::Tensor& steps) {
            const auto terms = line.at(rows, steps);
            auto trialLoss = terms.cosine + options.lambda * terms.l2;
            lastDirect.index_fill_(0, rows, false);
            const auto unreliable = torch::logical_not(terms.reliable).nonzero().squeeze(1);
            if (unreliable.size(0) > 0) {
                const auto classes = rows.index_select(0, unreliable);  // rows of the active classes
                const auto trial = activeW.index_select(0, classes) +
                                   steps.index_select(0, unreliable).unsqueeze(1) * activeD.index_select(0, classes);
                const auto trialInduced = inducedImportances(space, trial);
                classEvaluations += classes.size(0);
                const auto targets = activeTargets.index_select(0, classes).unsqueeze(1);
                const auto u = (trialInduced * targets).sum(2);
                const auto norm = trialInduced.norm(2, 2).clamp_min(1e-12);
                trialLoss.index_copy_(0, unreliable, (1.0 - u / norm).mean(1) +
                                                         options.lambda * fullPull(space, trial).value.to(u.dtype()));
                directInduced.index_copy_(0, classes, trialInduced);
                lastDirect.index_fill_(0, classes, true);
            }
            return trialLoss;
        };
        const auto atStart = line.at(line.allRows(), torch::zeros_like(slope.index_select(0, active)));
        const auto result = backtrackPerClass(atStart.cosine + options.lambda * atStart.l2,
                                              slope.index_select(0, active), kHalvings, lossAt);
        // The accepted classes move, with their induced importances, and need the gradient there
        // (the backward product); the others stay put and count as converged.
        const auto okRows = result.accepted.nonzero().squeeze(1);
        const auto okClasses = active.index_select(0, okRows);
        done.index_fill_(0, active.index_select(0, torch::logical_not(result.accepted).nonzero().squeeze(1)), true);
        // Moved rows back to unit norm, their induced importances with them (J is linear).
        const auto moved = stepped(activeW, activeD, result);
        const auto norms = moved.norm(2, 1, true).clamp_min(1e-30);
        auto next = w.clone();
        next.index_copy_(0, active, moved / norms);
        const auto direct = torch::logical_and(lastDirect, result.accepted);
        induced.index_copy_(0, active, torch::where(alongDim(direct, 3, 0), directInduced,
                                                    stepped(activeInduced, inducedD, result)) /
                                           norms.unsqueeze(2));
        Alpha2WFullObjective nextObjective;
        nextObjective.gradient = objective.gradient.clone();
        nextObjective.cosine = objective.cosine.clone();
        nextObjective.l2 = objective.l2.clone();
        auto nextLoss = loss.clone();
        if (okClasses.size(0) > 0) {
            const auto o = perClass(okClasses, next.index_select(0, okClasses), induced.index_select(0, okClasses));
            nextObjective.gradient.index_copy_(0, okClasses, o.gradient);
            nextObjective.cosine.index_copy_(0, okClasses, o.cosine);
            nextObjective.l2.index_copy_(0, okClasses, o.l2);
            nextLoss.index_copy_(0, okClasses, o.cosine + options.lambda * o.l2);
        }
        const auto s = next - w, y = nextObjective.gradient - g;
        const auto sy = dot(s, y);
        S.push_back(s);
        Y.push_back(y);
        Rho.push_back(torch::where(sy > 1e-12, 1.0 / sy.clamp_min(1e-12), torch::zeros_like(sy)));
        if (int(S.size()) > kHistory) {
            S.pop_front();
            Y.pop_front();
            Rho.pop_front();
        }
        w = next;
        objective = nextObjective;
        loss = nextLoss;
        const double value = loss.mean().item<double>();
        if (progress &&
            !progress(iteration, value, objective.cosine.mean().item<double>(), objective.l2.mean().item<double>()))
            throw Cancelled();
        // A class has converged when its loss fell by less than tolerance x itself over `window` steps.
        recentLoss.push_back(loss.clone());
        if (int(recentLoss.size()) > options.window) {
            done = torch::logical_or(done, (recentLoss.front() - loss).abs() < options.tolerance * loss.abs());
            recentLoss.pop_front();
        }
        if (done.all().item<bool>()) {
            converged = true;
            break;
        }
    }
    objective.loss = loss.mean();
    NewClassWeights out = finishWeights(w.detach(), B, space.headBias, space.seenWeightNorm, options, seenFeatures);
    fillReport(report, objective, std::min(iteration, options.maxIterations), converged, startTime);
    if (report) report->classEvaluations = classEvaluations;
    return out;
}

}  // namespace niwt
