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
#include "core/engine/linear_head.h"
#include "core/engine/staged_network.h"

#include <functional>

namespace niwt {

// T: P x R x K, T[p, r, :] = alpha_p(basis[r]) for the pool's stage activations (P x K x h x w).
// R backward passes of the later stages, batched over the pool, in chunks of `chunk` images.
torch::Tensor importanceBasis(const StagedNetwork& net, int stage, const torch::Tensor& activations,
                              const torch::Tensor& basis, int chunk = 64);

struct Alpha2WOptions {
    double lambda = 1e-3;        // weight of ||w - mean seen w||^2
    int maxIterations = 1000;
    // Converged when the total loss changed by less than tolerance x |loss| over `window` steps.
    double tolerance = 1e-5;
    int window = 5;
    enum class Optimiser { Lbfgs, Adam };
    Optimiser optimiser = Optimiser::Lbfgs;
    double learningRate = 0.05;  // Adam only: step relative to the initial coefficients
    double initNoise = 0.1;      // initial coefficients: 1/R (the mean seen w) times (1 + noise)
    uint64_t seed = 3;
};

struct Alpha2WReport {
    int iterations = 0;
    bool converged = false;
    double loss = 0, cosineLoss = 0, l2Loss = 0;  // final, averaged over the classes
    double seconds = 0;
};

struct NewClassWeights {
    torch::Tensor weight;  // C x F, scaled to the mean seen weight norm (logits comparable with seen ones)
    // C. With a mean training feature f given: chosen so that each new logit at f equals the seen
    // classes' average logit at f (new and seen scores then start from one level); else the mean
    // seen bias.
    torch::Tensor bias;
};

// (iteration, total, cosine, l2) per step; return false to cancel (throws Cancelled).
using Alpha2WProgress = std::function<bool(int, double, double, double)>;

// basisImportances: P x R x K (importanceBasis with basis = seenHead.weight), seenHead: R x F,
// targets: C x K predicted importances. All C classes are optimised together (vectorised):
//   loss_c = mean_p (1 - cos(T_p z_c, target_c)) + lambda ||z_c B - mean_r b_r||^2.
NewClassWeights alpha2w(const torch::Tensor& basisImportances, const LinearHead& seenHead,
                        const torch::Tensor& targets, const Alpha2WOptions& options, Alpha2WReport* report,
                        const Alpha2WProgress& progress = {}, const torch::Tensor& meanFeature = {});

}  // namespace niwt
