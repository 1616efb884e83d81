#pragma once
// Explanations (NIWT step 6): an inverse linear map from neuron importances back to the
// class-vector space of a modality (CUB's 312 attributes, caption TF-IDF dimensions, ...), which
// names neurons and turns an image's importances for a class into words. LibTorch only.
//
// The map f(alpha) = W n(alpha) + b (W: a x K, b: a) is fitted on the seen training images: the
// input is an image's importance vector alpha_i (for its own class), the target its class's vector.
//   Inputs:  n(alpha) = alpha / |alpha|_2 (a zero vector stays zero): an image's importances are
//            only known up to scale (its logit's size, the head's norm), and the explanation of a
//            class should not depend on it. Grad-CAM importances alpha(w) of a weight vector w are
//            normalised the same way, so any w (a seen head row, a new class's weights, any
//            multiple of them) gives the same explanation.
//   Targets: normaliseClassVectors (mod2alpha.h): each class vector L2-normalised, so attributes on
//            0-100 and unit caption encodings live on one scale (the same space mod2alpha maps from).
// Fit: ridge regression in double precision, closed form:
//   min_{W,b} (1/N) sum_i |W n(alpha_i) + b - t_{c_i}|^2 + lambda |W|_F^2  (b not penalised),
//   W^T = (Xc^T Xc / N + lambda I)^-1 Xc^T Yc / N,  b = mean(t) - W mean(n(alpha)),
// with Xc, Yc the centred inputs and targets, solved through one eigendecomposition of the K x K
// Gram matrix per fit. lambda is chosen on held-out seen CLASSES (never images of a fitted class):
// the candidate with the lowest held-out mean squared error; then the map is refitted on all
// seen images with it.
#include <torch/torch.h>

#include <string>
#include <vector>

namespace niwt {

struct InverseMapOptions {
    // Candidate ridges lambda (see the objective above; inputs are unit vectors, so the Gram
    // matrix / N has trace 1 and eigenvalues around 1/K).
    std::vector<double> ridges = {1e-8, 1e-7, 1e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 1.0};
    double validationFraction = 0.2;  // share of the seen classes held out to choose lambda
    uint64_t seed = 13;
    bool normaliseInputs = true;   // n(alpha) as above; false: raw importances (tests, other uses)
    bool normaliseTargets = true;  // normaliseClassVectors; false: raw class vectors
};

struct InverseMapReport {
    double lambda = 0;  // chosen ridge
    int fitClasses = 0, validationClasses = 0;
    // On the held-out classes' images with the chosen lambda: mean squared error of the predicted
    // (normalised) class vector, the same for always predicting the fit classes' mean target
    // (the baseline the map must beat), and mean cosine similarity with the true class vector.
    double validationError = 0, validationBaselineError = 0, validationCosine = 0;
    double trainError = 0;                // final map on all seen images
    std::vector<double> candidateErrors;  // held-out error of each candidate ridge
    double seconds = 0;
};

struct InverseMap {
    torch::Tensor weight;      // a x K, double, CPU
    torch::Tensor bias;        // a, double
    torch::Tensor targetMean;  // a, double: the mean (normalised) target over the fitted images
    bool normaliseInputs = true;
    bool normaliseTargets = true;
    double lambda = 0;

    int dims() const { return weight.defined() ? int(weight.size(0)) : 0; }
    int channels() const { return weight.defined() ? int(weight.size(1)) : 0; }
    // alpha: N x K or K (any dtype/device) -> N x a or a, double, CPU.
    torch::Tensor predict(const torch::Tensor& alpha) const;
    // The linear part applied to each unit vector e_k, f(e_k) - f(0) = W e_k: K x a.
    torch::Tensor neuronVectors() const { return weight.t().contiguous(); }
};

// importances: N x K (seen training images), imageClass: N (int64, row of classVectors of each
// image), classVectors: C x a (raw). Needs at least 2 images; with fewer than 2 distinct classes
// (or validationFraction 0) no class can be held out and the smallest candidate ridge is used.
// Throws std::invalid_argument for bad shapes, empty input, non-finite values or no candidates.
InverseMap fitInverseMap(const torch::Tensor& importances, const torch::Tensor& imageClass,
                         const torch::Tensor& classVectors, const InverseMapOptions& options = {},
                         InverseMapReport* report = nullptr);

// The plain ridge solve on given inputs and targets, no normalisation, no selection:
// X: N x K, Y: N x a -> map with predict(x) = W x + b (normaliseInputs = normaliseTargets = false).
InverseMap fitRidge(const torch::Tensor& X, const torch::Tensor& Y, double lambda);

struct DimensionScore {
    int index = 0;  // dimension (attribute) index, 0..a-1
    double score = 0;
};

// The k largest entries of a vector (any dtype/device), largest first; ties keep the lower index
// first. k is clipped to the vector's length; k <= 0 gives nothing. Throws std::invalid_argument
// for a tensor that is not 1-D or holds NaN.
std::vector<DimensionScore> topDimensions(const torch::Tensor& scores, int k);

// Textual explanation: the top-k dimensions of f(alpha) for one importance vector alpha (K).
// relativeToMean: rank f(alpha) - map.targetMean instead, i.e. what the importances say beyond the
// average seen class (attributes every class has, such as "has_shape::perching-like", drop out).
std::vector<DimensionScore> explainImportances(const InverseMap& map, const torch::Tensor& alpha, int k,
                                               bool relativeToMean = false);

// Neuron names: for each channel k, the top-k dimensions of W e_k (the linear part alone).
std::vector<std::vector<DimensionScore>> neuronNames(const InverseMap& map, int k);

// Names for dimensions: names[i] where given (names non-empty), else "dim<i>".
std::string dimensionName(const std::vector<std::string>& names, int index);

}  // namespace niwt
