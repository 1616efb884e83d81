#pragma once
// Grad-CAM (Selvaraju et al., ICCV 2017) for any class, seen or new: the class is given as a weight
// vector on the pooled features, so a zero-shot class (whose classifier is just a weight vector and
// a bias) is explained exactly like a seen one. LibTorch only.
#include "core/engine/linear_head.h"
#include "core/engine/staged_network.h"

namespace niwt {

// Grad-CAM maps at `stage`.
//   activations:  N x K x h x w, the output of `stage` (e.g. from stageActivations).
//   classWeights: N x F (one class weight vector per image), 1 x F or F (the same class for all),
//                 F = net.featureDim(), the input of the classifier (after the neck, if any).
//   importances:  optional out, N x K: alpha[i,k] = sum_{h,w} d (w_i . features_i) / d A[i,k,h,w],
//                 the gradient flowing through the later stages, the spatial mean and the neck.
//                 This is NIWT's neuron importance; Grad-CAM's usual 1/(hw) factor only rescales
//                 every map of a stage by the same constant, so it is left out. A class bias does
//                 not change any gradient and is not needed.
// Returns N x h x w on A's device and dtype: map[i] = ReLU(sum_k alpha[i,k] A[i,k]).
// Images do not interact (eval mode), so one backward pass serves the whole batch.
// Throws std::out_of_range for a bad stage, std::invalid_argument for bad shapes.
torch::Tensor gradCam(const StagedNetwork& net, int stage, const torch::Tensor& activations,
                      const torch::Tensor& classWeights, torch::Tensor* importances = nullptr);

// The same for rows of a linear head: classes N (int64, rows of head.weight) or 1 (one class
// for every image). Equivalent to gradCam(net, stage, A, head.weight.index_select(0, classes)).
torch::Tensor gradCam(const StagedNetwork& net, int stage, const torch::Tensor& activations, const LinearHead& head,
                      const torch::Tensor& classes, torch::Tensor* importances = nullptr);

// Per-map min-max scaling to [0, 1]: maps N x h x w (or one h x w map) -> same shape (floating
// maps keep their dtype, others become float).
// A constant map (max == min) becomes all zeros. Throws std::invalid_argument for non-finite values
// or a map of fewer than 2 dimensions.
torch::Tensor normaliseMaps(const torch::Tensor& maps);

// Bilinear resize (align_corners = false, as torch.nn.functional.interpolate and cv::resize):
// maps N x h x w (or h x w) -> N x H x W (or H x W), same dtype (non-floating maps become float).
// Throws std::invalid_argument for H or W < 1.
torch::Tensor upsampleMaps(const torch::Tensor& maps, int64_t height, int64_t width);

}  // namespace niwt
