#pragma once
// Zero-shot and generalized zero-shot evaluation (the standard protocol of Xian et al., "Zero-Shot
// Learning - A Comprehensive Evaluation of the Good, the Bad and the Ugly", TPAMI 2018), with
// calibrated stacking (Chao et al., ECCV 2016) and the choice of its gamma on a validation pass.
//
// Class ids are column indices of the logits (0..C-1). Everything is computed on the CPU in double
// precision; inputs may live on any device. Invalid arguments throw std::invalid_argument.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace niwt {

// Per-class mean top-1 accuracy, as a FRACTION in [0, 1]:
//   mean over the listed classes c that have at least one image of (images of c predicted c) /
//   (images of c).
// predicted, truth: 1-D integer tensors of the same length (class ids). Images whose truth is not
// among `classes` are ignored. Classes without images are left out of the mean; perClass (when
// given) receives one entry per listed class, in the order of `classes`: its accuracy, or NaN when
// it has no images. Returns NaN when no listed class has an image. `classes` must not repeat.
double perClassMeanTop1(const torch::Tensor& predicted, const torch::Tensor& truth, const std::vector<int64_t>& classes,
                        std::vector<double>* perClass = nullptr);

// Generalized zero-shot results. All values in PERCENT (0..100).
struct GzslResult {
    double U = 0;                   // per-class mean top-1 of unseen-class images, arg-max over ALL classes
    double S = 0;                   // per-class mean top-1 of seen-class images, arg-max over ALL classes
    double H = 0;                   // harmonic mean 2 U S / (U + S); 0 when U = S = 0
    double zsl = 0;                 // per-class mean top-1 of unseen-class images, arg-max over UNSEEN classes only
    std::vector<double> perClassU;  // one per unseen class (order of unseenClasses), NaN: no images
    std::vector<double> perClassS;  // one per seen class (order of seenClasses), NaN: no images
};

// logits: N x C scores over all classes; truth: N class ids. seenClasses and unseenClasses must be
// disjoint, non-empty and within 0..C-1. "All classes" means seenClasses and unseenClasses
// together: columns in neither list are never predicted, and images whose truth is in neither
// list are ignored. `calibration` (gamma of calibrated stacking) is subtracted from the seen
// classes' logits before the arg-max over all classes (it does not affect zsl); ties go to the
// seen class. U or S is NaN (and so is H) when no image of an unseen (seen) class is given.
GzslResult evaluateGzsl(const torch::Tensor& logits, const torch::Tensor& truth,
                        const std::vector<int64_t>& seenClasses, const std::vector<int64_t>& unseenClasses,
                        double calibration = 0);

// The harmonic mean used for H: 2 u s / (u + s), 0 when both are 0.
double harmonicMean(double u, double s);

// Choosing gamma of calibrated stacking WITHOUT test labels: the caller runs its model on
// VALIDATION images of seen classes only, with some seen classes held out of training (the
// "pseudo-unseen" classes; the remaining seen classes are "pseudo-seen"), and passes those logits.
//
// Search: for each image, the prediction over all classes is the best pseudo-seen class when
// gap = max(seen logits) - max(unseen logits) >= gamma, else the best pseudo-unseen class. So H is
// a step function of gamma that changes only at the images' gaps, and the search is exhaustive:
// the candidates are one value below the smallest gap, the midpoints between consecutive distinct
// gaps, and one value above the largest gap (so the result is a midpoint of an optimal interval,
// never on a step). When there are more than `maxCandidates` such values, an evenly spaced subset
// of them (by rank, the first and last kept) is searched. The gamma with the highest H wins; ties
// go to the smallest |gamma| (the least calibration). Returns that gamma; `atBest` (when given)
// receives evaluateGzsl of the validation logits at it. Throws std::invalid_argument unless the
// validation images include both pseudo-seen and pseudo-unseen classes.
struct CalibrationSearch {
    int maxCandidates = 4001;
};
double chooseCalibrationGamma(const torch::Tensor& validationLogits, const torch::Tensor& validationTruth,
                              const std::vector<int64_t>& pseudoSeenClasses,
                              const std::vector<int64_t>& pseudoUnseenClasses, GzslResult* atBest = nullptr,
                              const CalibrationSearch& search = {});

// Calibrated stacking's gamma from several validation splits (folds of pseudo-unseen classes):
// the gamma that maximises the mean over folds of the validation H, searched over every fold's
// steps of H(gamma) and 0. Gamma stays 0 unless some gamma raises the mean H above gamma 0's
// (ties go to the smaller |gamma|), so on average over the folds calibration never lowers H.
struct CalibrationFold {
    torch::Tensor logits, truth;  // validation images' logits (N x columns) and true columns
    std::vector<int64_t> pseudoSeen, pseudoUnseen;
};
struct FoldedCalibration {
    double gamma = 0;
    double meanH = 0, meanHAtZero = 0;  // mean validation H over the folds at gamma and at 0
    std::vector<GzslResult> atGamma;    // each fold's validation result at gamma
};
FoldedCalibration chooseCalibrationGammaAcrossFolds(const std::vector<CalibrationFold>& folds,
                                                    const CalibrationSearch& search = {});

// Which classes play the unseen role in each of `folds` validation folds: every fold holds
// `perFold` of the n classes (clamped to 1..n-1), read cyclically from one std::mt19937_64 shuffle
// seeded with `seed`, so fold f takes shuffle positions [f perFold, (f + 1) perFold) mod n. The
// folds are disjoint while folds x perFold <= n; beyond that they wrap around and every class is
// held out equally often, give or take one. Each fold's indices (into 0..n-1) come sorted. n >= 2.
std::vector<std::vector<size_t>> pseudoUnseenFolds(size_t n, size_t perFold, int folds, uint64_t seed);

// Splits `classes` into kept and held-out lists (for a validation pass that holds out whole
// classes): round(heldOutFraction * n) classes, at least 1 and at most n - 1, chosen by a
// std::mt19937_64 shuffle seeded with `seed`. Both lists keep the order of `classes`. Needs n >= 2.
void splitClasses(const std::vector<int64_t>& classes, double heldOutFraction, uint64_t seed,
                  std::vector<int64_t>* kept, std::vector<int64_t>* heldOut);

}  // namespace niwt
