#pragma once
// A linear classifier over pooled features, and its training with a held-out part for
// early stopping (the "seen-class head" of NIWT step 1).
#include <torch/torch.h>

#include <functional>

namespace niwt {

struct LinearHead {
    torch::Tensor weight;  // classes x features
    torch::Tensor bias;    // classes
    // features: N x F -> logits N x classes.
    torch::Tensor logits(const torch::Tensor& features) const;
    int classes() const { return weight.defined() ? int(weight.size(0)) : 0; }
    int featureDim() const { return weight.defined() ? int(weight.size(1)) : 0; }
    LinearHead to(const torch::Device& device) const;
};

struct HeadTrainingOptions {
    double heldOutFraction = 0.15;  // part of the training images kept for early stopping
    int maxEpochs = 300;
    int patience = 25;  // epochs without held-out improvement before stopping
    int batchSize = 256;
    double learningRate = 3e-3;  // Adam
    double weightDecay = 1e-4;   // L2 on weights, applied to standardised features
    uint64_t seed = 7;
};

struct HeadTrainingReport {
    int epochs = 0;            // epochs run
    int bestEpoch = 0;         // epoch whose weights were kept
    double trainAccuracy = 0;  // on the fitted part, with the kept weights
    double heldOutAccuracy = 0;
    double seconds = 0;
};

// Epoch progress: (epoch, held-out accuracy so far). Return false to cancel (throws Cancelled).
using HeadProgress = std::function<bool(int epoch, double heldOutAccuracy)>;

// features: N x F (any device), labels: N (int64, 0..classes-1). Features are standardised for
// training and the scaling folded back into the returned weights, so the head applies to raw
// features (gradients through it are the real ones).
LinearHead trainLinearHead(const torch::Tensor& features, const torch::Tensor& labels, int classes,
                           const HeadTrainingOptions& options, HeadTrainingReport* report,
                           const HeadProgress& progress = {});

// Fraction of rows whose arg-max logit equals the label.
double top1Accuracy(const torch::Tensor& logits, const torch::Tensor& labels);

}  // namespace niwt
