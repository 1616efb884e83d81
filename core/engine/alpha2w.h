#pragma once
// alpha2w (NIWT step 4): classifier weights for new classes whose induced neuron importances
// match the importances predicted from their descriptions.
//
// With the network frozen, the importance a weight vector w induces on image p,
//   alpha_p(w)[k] = sum_hw d(w . f_p) / dA_p[k,h,w],
// is linear in w. New weights are sought in the span of a basis B (R x F; here the seen head's
// weight vectors), w = z B, so alpha_p(w) = sum_r z_r alpha_p(b_r) = T_p z with T precomputed once
// (R backward passes over the image pool) and every optimisation step is one small matrix product
// instead of a double backward pass through the network. The span of the seen classifiers holds
// the mean seen weight vector (the L2 anchor) and every seen class's direction; the optimisation is
// exact within it, an approximation of the paper's unconstrained w (see the README).
#include "core/engine/alpha2w_space.h"
#include "core/engine/importance_jacobian.h"
#include "core/engine/linear_head.h"
#include "core/engine/staged_network.h"

#include <functional>
#include <string>

namespace niwt {

// T: P x R x K, T[p, r, :] = alpha_p(basis[r]) for the pool's stage activations (P x K x h x w).
// R backward passes of the later stages, batched over the pool, in chunks of `chunk` images.
torch::Tensor importanceBasis(const StagedNetwork& net, int stage, const torch::Tensor& activations,
                              const torch::Tensor& basis, int chunk = 64);

struct Alpha2WOptions {
    double lambda = 1e-3;  // weight of ||w - mean seen w||^2
    int maxIterations = 1000;
    // Converged when the total loss changed by less than tolerance x |loss| over `window` steps
    // (L-BFGS, Adam); Newton: when every class's loss fell by less than tolerance x its loss in one step.
    double tolerance = 1e-5;
    int window = 5;
    // Newton (default): per-class R x R Hessians in closed form, made positive definite by taking
    // absolute eigenvalues, with a per-class backtracking line search; quadratic convergence in
    // a few dozen steps where L-BFGS needs ~150.
    enum class Optimiser { Newton, Lbfgs, Adam };
    Optimiser optimiser = Optimiser::Newton;
    double learningRate = 0.05;  // Adam only: step relative to the initial coefficients
    // Full space without a start only: the mean seen w times (1 + noise). The span starts from a
    // least-squares fit (Alpha2WBasis::startFactor).
    double initNoise = 0.1;
    uint64_t seed = 3;
    // How long each new vector is (the cosine loss sees only directions). Spread (default): each
    // new logit's standard deviation over the seen classes' training features equals the seen
    // logits' mean standard deviation there, so every new class spreads its scores like a seen one
    // and calibrated stacking's gamma carries over from validation folds to test (README,
    // "Why new logits are spread-matched"); needs SeenFeatureMoments::covariance, else the Norm
    // rule. Norm: the mean seen weight norm. Keep: the minimiser itself, as the original code.
    enum class Scale { Spread, Norm, Keep };
    Scale scale = Scale::Spread;
    // Biases that put new logits at the seen classes' level (else zero, as the original code).
    bool matchBiasLevel = true;
};

struct Alpha2WReport {
    int iterations = 0;
    bool converged = false;
    double loss = 0, cosineLoss = 0, l2Loss = 0;  // final, averaged over the classes
    double seconds = 0;
    // GEMM-level evaluations, one per class each (the cost measure independent of the machine).
    // Newton: two per class and step, the gradient and Hessian at its point and the product G_p d
    // along its direction; the line search's trials along d are scalar expansions and not counted.
    // Full mode: one for the start and one per class and L-BFGS step, each a forward product
    // (C x P x F x K multiply-adds for all classes; J d, whose expansion prices every trial step)
    // and a backward one (the gradient at the accepted point, skipped where no step is accepted).
    // Both: plus one per class for a trial evaluated directly, where the expansion would cancel
    // (rare on CUB). L-BFGS and Adam in the span: one per class and evaluation.
    int64_t classEvaluations = 0;
};

struct NewClassWeights {
    // C x F, unit rows: the best direction (the warm start for the full space).
    torch::Tensor direction;
    // C x F: the minimiser itself, a* direction with a* = max(0, direction . mean seen w). Zero rows
    // where the best direction points away from the mean seen w: the original objective's infimum
    // is then approached only as w -> 0 along the direction (see README, alpha2w).
    torch::Tensor optimum;
    // C x F, the direction at the length options.scale says (logits comparable with seen ones).
    torch::Tensor weight;
    // C. With the seen training features' mean f given: chosen so that each new logit at f equals
    // the seen classes' average logit at f (new and seen scores then start from one level); else
    // the mean seen bias. Zero when options.matchBiasLevel is off.
    torch::Tensor bias;
};

// The seen classes' training features (the seen head's training images), summarised: where new
// logits are placed beside the seen ones (NewClassWeights::weight and bias).
struct SeenFeatureMoments {
    torch::Tensor mean;          // F, the features' dtype
    torch::Tensor covariance;    // F x F, float64, over the images (divided by N)
    double seenLogitSpread = 0;  // mean over the seen head's rows b_r of sqrt(b_r' covariance b_r)
    // The same moments on `device` (where alpha2w's weights are), so no learn copies them again.
    SeenFeatureMoments to(const torch::Device& device) const;
};
// features: N x F, the seen head classes' training features (N >= 1); headWeight: R x F. Once per
// engine: the covariance is an F x F product over the images, and the seen rows' spread R F^2.
SeenFeatureMoments seenFeatureMoments(const torch::Tensor& features, const torch::Tensor& headWeight);

// (iteration, total, cosine, l2) per step; return false to cancel (throws Cancelled).
using Alpha2WProgress = std::function<bool(int, double, double, double)>;

// What alpha2w needs from the basis importances and the seen head, independent of the targets:
// computed once and reused by every later call (the interactive path learns one class at a time).
struct Alpha2WBasis {
    torch::Tensor importances;  // T: P x R x K
    torch::Tensor gram;         // G_p = T_p T_p': P x R x R
    torch::Tensor headWeight;   // B: R x F
    torch::Tensor meanSeen;     // mean_r b_r: F
    torch::Tensor headBias;     // R
    double seenWeightNorm = 0;  // mean_r ||b_r||
    // The L2 term without F-wide products: ||z B - m||^2 = z' (B B') z - 2 z . (B m) + ||m||^2.
    // Kept in float64, where the expansion's cancellation (z B close to m) costs no precision.
    torch::Tensor headGram;      // B B': R x R
    torch::Tensor headMean;      // B m: R
    double meanSquaredNorm = 0;  // ||m||^2
    // The start: the least-squares fit of the induced importances to the targets, each pool image
    // weighted to unit norm. Cholesky factor of its R x R normal matrix (float64), and the weights.
    torch::Tensor startFactor;        // R x R
    torch::Tensor startImageWeights;  // P: 1 / ||T_p||
};

// basisImportances: P x R x K (importanceBasis with basis = seenHead.weight), seenHead: R x F.
// Everything lands on the head's device and dtype.
Alpha2WBasis prepareAlpha2W(const torch::Tensor& basisImportances, const LinearHead& seenHead);

// The objective at coefficients z (C x R) for unit targets (C x K), in closed form (no autograd):
//   loss = mean_c [ mean_p (1 - cos(T_p' z_c, t_c)) + lambda ||z_c B - mean seen w||^2 ].
// One GEMM over the Gram matrices per call: G_p z_c for all p and c (P R^2 C multiply-adds).
struct Alpha2WObjective {
    torch::Tensor loss;      // scalar
    torch::Tensor gradient;  // C x R, d loss / d z
    torch::Tensor cosine;    // C, mean_p (1 - cos)
    torch::Tensor l2;        // C, ||z_c B - mean seen w||^2
    // C x R x R, withHessian only: d^2 loss / dz_c^2 (the classes are independent, so the full
    // Hessian is block diagonal with these blocks). Three more GEMMs of P R^2 C.
    torch::Tensor hessian;
};
Alpha2WObjective alpha2wObjective(const Alpha2WBasis& basis, const torch::Tensor& unitTargets, double lambda,
                                  const torch::Tensor& z, bool withHessian = false);

// The objective's cosine and L2 terms (and loss) at z_c + t_c d_c (steps t: C), from the expansion
// along the direction that the Newton line search uses: u and G_p are applied to d once (one GEMM),
// after which s^2 is a quadratic and u linear in t. Equal to alpha2wObjective there to round-off.
Alpha2WObjective alpha2wObjectiveAlong(const Alpha2WBasis& basis, const torch::Tensor& unitTargets, double lambda,
                                       const torch::Tensor& z, const torch::Tensor& direction,
                                       const torch::Tensor& steps);

// targets: C x K predicted importances. All C classes are optimised together (vectorised), by
// Newton (default), L-BFGS or Adam on the closed-form objective above.
NewClassWeights alpha2w(const Alpha2WBasis& basis, const torch::Tensor& targets, const Alpha2WOptions& options,
                        Alpha2WReport* report, const Alpha2WProgress& progress = {},
                        const SeenFeatureMoments& seenFeatures = {});

// The same, preparing the basis first (one-off calls).
NewClassWeights alpha2w(const torch::Tensor& basisImportances, const LinearHead& seenHead, const torch::Tensor& targets,
                        const Alpha2WOptions& options, Alpha2WReport* report, const Alpha2WProgress& progress = {},
                        const SeenFeatureMoments& seenFeatures = {});

// ---- The full weight space ------------------------------------------------------------------
// Unknowns w_c in R^F; the importance w induces on pool image p is J_p w. Loss, per class,
//   mean_p (1 - cos(J_p w_c, t_c)) + lambda ||w_c - mean seen w||^2,
// the paper's objective (no span restriction). One evaluation of loss and gradient for C classes
// is two GEMMs of C x F x (P K) multiply-adds; per-class L-BFGS with Armijo backtracking, whose
// trial steps cost no GEMM (see alpha2wFullObjectiveAlong).
struct Alpha2WFullSpace {
    // Dense: F x (P K), column block p is J_p'. Factored: rowScale P x F and shared F x K, with
    // J_p w = shared' (rowScale[p] * w): P F K multiply-adds per class reading only P F + F K
    // values, where the dense product streams all P F K.
    torch::Tensor jacobians;
    torch::Tensor rowScale, shared;
    // F: mean_p diag(J_p' J_p), scaled to mean 1; L-BFGS's initial inverse Hessian is its reciprocal
    // (a fixed diagonal preconditioner: the features' importance scales differ by orders).
    torch::Tensor curvatureScale;
    int64_t pool = 0, channels = 0;
    torch::Tensor headWeight, headBias, meanSeen;  // R x F, R, F
    double seenWeightNorm = 0;
    double meanSquaredNorm = 0;  // ||mean seen w||^2
};

// Lands on the head's device and dtype; a factored Jacobian stays factored.
Alpha2WFullSpace prepareFullAlpha2W(const ImportanceJacobians& jacobians, const LinearHead& seenHead);
// denseJacobians: P x F x K.
Alpha2WFullSpace prepareFullAlpha2W(const torch::Tensor& denseJacobians, const LinearHead& seenHead);

struct Alpha2WFullObjective {
    torch::Tensor loss;      // scalar, mean over the classes
    torch::Tensor gradient;  // C x F, d loss / d w
    torch::Tensor cosine;    // C, mean_p (1 - cos)
    torch::Tensor l2;        // C, ||w_c - mean seen w||^2
};
Alpha2WFullObjective alpha2wFullObjective(const Alpha2WFullSpace& space, const torch::Tensor& unitTargets,
                                          double lambda, const torch::Tensor& weights);

// The same along w_c + t_c d_c (steps t: C): the induced importances are J w + t J d, so after one
// forward product for d every step costs C x P x K elementwise work (the L-BFGS line search).
Alpha2WFullObjective alpha2wFullObjectiveAlong(const Alpha2WFullSpace& space, const torch::Tensor& unitTargets,
                                               double lambda, const torch::Tensor& weights,
                                               const torch::Tensor& direction, const torch::Tensor& steps);

// targets: C x K. start: C x F (e.g. the span solution's `optimum`); undefined: the mean seen w
// with noise. options.maxIterations / tolerance / window bound the L-BFGS steps.
NewClassWeights alpha2wFull(const Alpha2WFullSpace& space, const torch::Tensor& targets, const Alpha2WOptions& options,
                            Alpha2WReport* report, const Alpha2WProgress& progress = {},
                            const SeenFeatureMoments& seenFeatures = {}, const torch::Tensor& start = {});

}  // namespace niwt
