#pragma once
// ESZSL: "An embarrassingly simple approach to zero-shot learning" (Romera-Paredes & Torr,
// ICML 2015), the closed form.
//
// With training features X (N x d, one row per image), labels Y (N x z; one-hot 1 at the image's
// class and 0 elsewhere by default, or +1/-1 as in the authors' code) and seen class vectors S
// (a x z, one column per seen class; the API takes the transpose, z x a, one row per class):
//
//     V = (X^T X + gamma I_d)^-1  X^T Y S^T  (S S^T + lambda I_a)^-1          (d x a)
//
// computed in double precision with Cholesky solves (no explicit inverse). Scores for any classes
// with class vectors S' (a x classes) are X V S'.
//
// Labels: one-hot is the default because the -1 entries of signed labels add a rank-one target
// -1 1^T, which pulls X V towards -(sum of the seen class vectors) and so biases every image's
// scores by a class-dependent term (s_k . sum s); on the synthetic problem of test_eszsl.cpp
// (20 seen, 6 unseen Gaussian class vectors) signed labels reach 50 % unseen accuracy where
// one-hot labels reach 100 %. signedLabels = true reproduces the authors' choice.
//
// Normalisation (EszslOptions, both on by default): every feature row and every class-vector row
// is scaled to unit L2 norm (rows of zeros stay zero), at fit time and again in scores(), so
// features of any scale and class vectors of any scale (e.g. CUB's 0..100 attribute percentages)
// behave alike. The model remembers the choice.
//
// Invalid arguments throw std::invalid_argument.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace niwt {

struct EszslOptions {
    bool normaliseFeatures = true;      // L2-normalise each feature row
    bool normaliseClassVectors = true;  // L2-normalise each class-vector row
    bool signedLabels = false;          // false: one-hot 1 / 0; true: +1 / -1 (authors' code)
};

struct EszslModel {
    torch::Tensor V;  // d x a, double, on the features' device
    EszslOptions options;
    // features: N x d, classVectors: classes x a -> N x classes scores (double, features' device).
    torch::Tensor scores(const torch::Tensor& features, const torch::Tensor& classVectors) const;
    int featureDim() const { return V.defined() ? int(V.size(0)) : 0; }
    int classVectorDim() const { return V.defined() ? int(V.size(1)) : 0; }
};

// features: N x d; labels: N (int64, 0..z-1, indices into seenClassVectors' rows);
// seenClassVectors: z x a. gamma, lambda > 0.
EszslModel fitEszsl(const torch::Tensor& features, const torch::Tensor& labels, const torch::Tensor& seenClassVectors,
                    double gamma, double lambda, const EszslOptions& options = {});

// Choosing gamma and lambda by held-out seen CLASSES (never unseen ones):
//   1. the seen classes 0..z-1 are split with splitClasses (zsl_metrics.h): round(
//      validationFraction * z) of them (at least 1, at most z - 2, needs z >= 3) become validation
//      classes, the rest fit classes;
//   2. for every (gamma, lambda) on the grid {1e-3, 1e-2, ..., 1e3} x {1e-3, ..., 1e3} (49 pairs;
//      X^T X, X^T Y and one Cholesky factor per gamma are shared), ESZSL is fitted on the images of
//      the fit classes, and the images of the validation classes are classified among the
//      validation classes only (zero-shot); the score is their per-class mean top-1 accuracy;
//   3. the best pair (ties: the first in grid order, gamma then lambda ascending) is refitted on
//      the images of all seen classes.
// With folds > 1, steps 1-2 are repeated with seeds seed, seed+1, ... and the accuracies averaged.
struct EszslValidation {
    double validationFraction = 0.2;
    uint64_t seed = 11;
    int folds = 1;
    std::vector<double> grid{1e-3, 1e-2, 1e-1, 1.0, 1e1, 1e2, 1e3};  // for both gamma and lambda
};

struct EszslValidationReport {
    double gamma = 0, lambda = 0;
    double validationAccuracy = 0;  // per-class mean top-1 (fraction 0..1) of the chosen pair
    // accuracy[i][j]: gamma = grid[i], lambda = grid[j], averaged over the folds.
    std::vector<std::vector<double>> accuracy;
    std::vector<int64_t> validationClasses;  // of the first fold
};

EszslModel fitEszslWithValidation(const torch::Tensor& features, const torch::Tensor& labels,
                                  const torch::Tensor& seenClassVectors, const EszslValidation& validation = {},
                                  EszslValidationReport* report = nullptr, const EszslOptions& options = {});

}  // namespace niwt
