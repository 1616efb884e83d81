#pragma once
// The Jacobian of induced importances, for alpha2w in the full weight space (core/engine/alpha2w.h).
//
// With the network frozen, the importance that a classifier weight vector w induces on image p is
// linear in w: alpha_p(w) = J_p w, where
//   J_p[k, j] = sum_{h,w} d f_p[j] / d A_p[k, h, w]        (K x F; f = pooled features, A = stage activations)
// Once J_p is known for every pool image, the paper's unconstrained alpha2w needs no backward pass.
#include "core/engine/staged_network.h"

#include <functional>

namespace niwt {

// J_p' for every pool image, dense or factored.
struct ImportanceJacobians {
    // Dense (F backward passes): P x F x K, values[p, j, :] = alpha_p(e_j), i.e. J_p transposed.
    torch::Tensor values;
    // Factored (closed form): J_p' = diag(rowScale[p]) shared, rowScale P x F, shared F x K; then
    // `values` stays undefined (P F K floats never formed: 240 MB for CUB's pool on MobileNetV2).
    torch::Tensor rowScale, shared;

    bool closedForm() const { return shared.defined(); }
    int64_t pool() const { return closedForm() ? rowScale.size(0) : values.size(0); }
    torch::Tensor dense() const;  // P x F x K either way
};

// (done, total) backward passes; return false to cancel (throws Cancelled).
using JacobianProgress = std::function<bool(int done, int total)>;

// activations: P x K x h x w, stage `stage`'s output. Closed form (factored) when the rest of the network is
// one stage made of a 1x1 convolution, an optional batch norm and a ReLU, ReLU6 or no activation,
// followed by the mean pool (MobileNetV2's last stage): then J_p = W' diag(s) diag(m_p), with W the
// convolution's F x K weight, s the batch norm's scale and m_p[j] the mean over positions of the
// activation's derivative; P K F multiply-adds. The closed form is used only after it reproduces
// the stage's own output and one backward pass through it. Otherwise: one backward pass per
// feature (F passes over the pool, in chunks of `chunk` images).
ImportanceJacobians importanceJacobians(const StagedNetwork& net, int stage, const torch::Tensor& activations,
                                        int chunk = 64, const JacobianProgress& progress = {});

// The generic path alone (F backward passes), for tests that check the closed form against it.
torch::Tensor importanceJacobiansByBackward(const StagedNetwork& net, int stage, const torch::Tensor& activations,
                                            int chunk = 64, const JacobianProgress& progress = {});

}  // namespace niwt
