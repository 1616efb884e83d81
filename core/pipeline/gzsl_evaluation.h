#pragma once
// Generalized zero-shot evaluation of a data set with a network bundle (Xian et al.'s protocol):
// NIWT (mod2alpha + alpha2w) and the ESZSL baseline side by side, each with calibrated stacking
// chosen on a validation pass over held-out seen classes. What `niwt run` prints and what the
// explorer's Evaluation panel shows. Torch-free interface, safe to include from widgets; the torch
// side is core/pipeline/gzsl_run.h.
#include "core/data/dataset.h"
#include "core/engine/alpha2w_space.h"
#include "core/pipeline/engine_context.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace niwt {

// Percentages. U: unseen classes' images over all classes; S: seen classes' test images over all
// classes; H = 2US/(U+S); zsl: unseen images over the unseen classes only.
struct GzslScores {
    double U = 0, S = 0, H = 0, zsl = 0;
};

struct ClassAccuracy {
    int classIndex = 0;  // into Dataset::classes
    bool seen = false;
    double accuracy = -1;  // percent; -1 when the class has no evaluation image
};

struct CalibratedScores {
    bool computed = false;
    double gamma = 0;              // subtracted from the seen classes' logits
    GzslScores test;               // with that gamma, on the test images
    GzslScores validation;         // on the validation folds that chose it (means over the folds)
    double validationHAtZero = 0;  // the folds' mean H without calibration (gamma 0), for comparison
};

struct MethodEvaluation {
    bool computed = false;
    GzslScores scores;
    std::vector<ClassAccuracy> perClass;  // seen head classes, then unseen classes
    CalibratedScores calibrated;
    double seconds = 0;
};

struct GzslEvaluationOptions {
    bool niwt = true;          // false: ESZSL only (cheap)
    bool calibration = true;   // the validation folds choosing gamma (an NIWT and ESZSL fit per fold)
    int calibrationFolds = 5;  // folds of pseudo-unseen classes (each the split's share of unseen classes)
    std::string exportDir;     // non-empty: write the NIWT classifier there (see core/pipeline/export.h)
    Alpha2WSpace alpha2wSpace = kDefaultAlpha2WSpace;  // NIWT's alpha2w (the validation pass uses the same)
};

struct GzslEvaluation {
    std::string dataset, bundle, stage, modality, device;
    int modalityDims = 0;
    int seenClasses = 0, unseenClasses = 0;
    double seenHeadTestAccuracy = 0;  // percent
    MethodEvaluation niwt, eszsl;
    // NIWT's learning.
    double mod2alphaValidationCosineDistance = 0, mod2alphaTrainCosineDistance = 0;
    int mod2alphaValidationClasses = 0, mod2alphaSteps = 0, mod2alphaBestStep = 0;
    int alpha2wIterations = 0, alpha2wPoolImages = 0;
    bool alpha2wConverged = false;
    double alpha2wLoss = 0, alpha2wCosineLoss = 0, alpha2wL2Loss = 0, alpha2wLambda = 0;
    std::string alpha2wMode = "span";
    int alpha2wSpanIterations = 0;
    double alpha2wSpanCosineLoss = 0, jacobianSeconds = 0;
    bool jacobiansClosedForm = false;
    // ESZSL's hyper-parameters (chosen on held-out seen classes).
    double eszslGamma = 0, eszslLambda = 0;
    int pseudoUnseenClasses = 0, validationImages = 0, calibrationFolds = 0;  // summed over the folds
    // Seconds.
    double extractSeconds = 0, mod2alphaSeconds = 0, alpha2wSeconds = 0, eszslSeconds = 0, calibrationSeconds = 0,
           totalSeconds = 0;
    std::vector<std::string> exportedFiles;
};

// The explorer's entry point: opens the bundle (a folder or its bundle.pt) on `device` ("auto",
// "cpu", "cuda[:N]"), resolves `stage` (empty: the bundle's default), takes the data set's modality
// named `modality`, and evaluates. Caches (features, head, importances) go to `cacheDir` (empty:
// the default). `progress(phase, done, total)` reports extraction; `cancelled` is polled between
// batches and phases (niwt::Cancelled is thrown). Throws DataError / std::invalid_argument with a
// one-line message for bad input (a missing bundle, a data set without unseen classes, an unknown
// modality or stage).
struct GzslEvaluationRequest {
    EngineContext context;  // descriptionsFile unused: the modality must be one of the data set's
    GzslEvaluationOptions options;
};
GzslEvaluation evaluateDataset(const GzslEvaluationRequest& request,
                               const std::function<void(const std::string&, int, int)>& progress = {},
                               const std::function<bool()>& cancelled = {});

}  // namespace niwt
