#pragma once
// Neuron importances (NIWT step 2).
#include "core/engine/linear_head.h"
#include "core/engine/staged_network.h"

namespace niwt {

// Activations of `stage` for a batch of images: runs stages 0..stage without autograd.
// images: N x C x H x W (normalised) -> N x K x h x w.
torch::Tensor stageActivations(const StagedNetwork& net, const torch::Tensor& images, int stage);

// alpha[i,k] = sum over (h,w) of d logit_{targets[i]} / d A[i,k,h,w], where A = `activations`
// (N x K x h x w, the output of `stage`) and logits = head(featuresFromStage(A)): the gradient flows
// through the later stages, the spatial mean (and neck) and the head.
// targets: N (int64, rows of head). Returns N x K on A's device. One backward pass per batch:
// images do not interact (eval mode), so the gradient of the summed target logits is per image.
torch::Tensor neuronImportances(const StagedNetwork& net, int stage, const LinearHead& head,
                                const torch::Tensor& activations, const torch::Tensor& targets);

// Both at once, with the pooled features the forward pass produces on the way (N x F), which the
// seen head and the zero-shot steps reuse. `features` may be null.
torch::Tensor imageImportances(const StagedNetwork& net, int stage, const LinearHead& head, const torch::Tensor& images,
                               const torch::Tensor& targets, torch::Tensor* features);

}  // namespace niwt
