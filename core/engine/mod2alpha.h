#pragma once
// mod2alpha (NIWT step 3): a linear map with bias from a class's domain knowledge (a class vector:
// attributes, caption encoding, ...) to the neuron importances of its images.
#include <torch/torch.h>

#include <functional>
#include <vector>

namespace niwt {

struct Mod2AlphaOptions {
    double validationFraction = 0.2;  // share of the seen classes held out for early stopping
    int maxEpochs = 2000;             // full-batch Adam steps
    int patience = 100;               // steps without validation improvement before stopping
    double learningRate = 1e-2;
    double weightDecay = 1e-4;  // L2 on the map's weights
    uint64_t seed = 11;
};

struct Mod2AlphaReport {
    int epochs = 0;  // steps run on the fit classes
    int bestEpoch = 0;
    double validationCosineDistance = 0;  // mean over held-out classes' images of 1 - cos
    double trainCosineDistance = 0;       // on all seen images, final map
    int fitClasses = 0, validationClasses = 0;
    double seconds = 0;
};

// Class vectors are L2-normalised per class before the map: attributes on 0-100 and unit-length
// caption encodings then live on one scale, and a class's description length does not matter.
torch::Tensor normaliseClassVectors(const torch::Tensor& classVectors);

struct Mod2Alpha {
    torch::Tensor weight;  // K x a
    torch::Tensor bias;    // K
    // classVectors: C x a (raw; normalised here) -> predicted importances C x K.
    torch::Tensor predict(const torch::Tensor& classVectors) const;
};

// importances: N x K (seen training images), imageClass: N (row of classVectors for each image),
// classVectors: C x a. Loss: mean over images of 1 - cos(M s_c + b, alpha_i), Adam. All images of
// a class share one input, so the image-level loss equals the class-level loss
//   1 - sum_c n_c |m_c| cos(M s_c + b, m_c) / N,  m_c = mean of the class's unit importance vectors,
// which is what is optimised (exactly the same objective, one row per class, full batch).
// Validation: held-out seen classes (not images); the best step's weights are kept, then the map
// is refitted on all seen classes for that many steps.
Mod2Alpha fitMod2Alpha(const torch::Tensor& importances, const torch::Tensor& imageClass,
                       const torch::Tensor& classVectors, const Mod2AlphaOptions& options, Mod2AlphaReport* report,
                       const std::function<bool(int step, double loss)>& progress = {});

}  // namespace niwt
