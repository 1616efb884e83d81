#pragma once
// NIWT steps 3-4 for a data set: mod2alpha on the seen training images' importances, then alpha2w
// for unseen classes, from an Extractor's caches. The same computation as `niwt run` (method niwt),
// shared by the commands that need new classes' weights (`niwt explain` for an unseen class).
#include "core/data/dataset.h"
#include "core/engine/alpha2w.h"
#include "core/engine/mod2alpha.h"
#include "core/pipeline/extraction.h"

#include <functional>
#include <vector>

namespace niwt {

// A modality's values as a C x a float tensor (C = number of data set classes, rows in class order).
torch::Tensor classVectorMatrix(const Modality& modality, int classes);

// Unseen classes that can be learned and evaluated: unseen, in the split, with at least one image
// among `features.images` (dataset class indices, in class order).
std::vector<int> learnableUnseenClasses(const Dataset& dataset, const FeatureSet& features);

struct UnseenLearningOptions {
    Mod2AlphaOptions mod2alpha;
    Alpha2WOptions alpha2w;
    int poolPerClass = 2;  // alpha2w's image pool: seen training images per head class
    // Span: the seen rows' span only. Full: then the whole weight space from the span solution
    // (the importance Jacobians of the pool are computed once and cached).
    Alpha2WSpace space = kDefaultAlpha2WSpace;
};

struct LearnedClasses {
    std::vector<int> classes;  // dataset class index of each row of `weights`
    NewClassWeights weights;   // rows follow `classes`, on the extractor's device
    Mod2Alpha mod2alpha;
    Mod2AlphaReport mod2alphaReport;
    Alpha2WReport alpha2wReport;  // the final solve's (full mode: the full-space refinement's)
    Alpha2WReport spanReport;     // the span solve's (the final one in span mode)
    Alpha2WSpace space = Alpha2WSpace::Span;
    SeenFeatureMoments seenFeatures;  // where the new logits were placed, on the extractor's device
    ImportanceSet importances;  // the seen training images' importances mod2alpha learned from
    ImportanceBasis basis;      // alpha2w's pool and basis
    // alpha2wSeconds: the solves alone (span, plus the full refinement in full mode);
    // jacobianSeconds: the Jacobians (from cache or computed) and their preparation, full mode only.
    double mod2alphaSeconds = 0, alpha2wSeconds = 0, jacobianSeconds = 0;
    bool jacobiansClosedForm = false, jacobiansFromCache = false;
};

// The pieces learnUnseenClasses runs, for callers that learn classes one at a time from vectors of
// their own (NiwtSession): mod2alpha fitted on all seen training images' importances...
Mod2Alpha fitMod2AlphaOnImportances(const ImportanceSet& importances, const torch::Tensor& classVectors,
                                    const Mod2AlphaOptions& options, Mod2AlphaReport* report,
                                    const std::function<bool(int step, double loss)>& progress = {});
// ... and where alpha2w places new logits: the mean and covariance of the seen head classes'
// training features (both undefined when there are none).
SeenFeatureMoments seenTrainingFeatureMoments(const Dataset& dataset, const FeatureSet& features, const SeenHead& head);

// classVectors: C x a (all data set classes, raw; e.g. classVectorMatrix). classes: the dataset
// class indices to learn (e.g. learnableUnseenClasses). Runs, as `niwt run` does: the extractor's
// importances and importance basis (cached), fitMod2Alpha on all seen training images, its
// predictions for `classes`, and alpha2w on the extractor's device, with the bias anchored at the
// mean feature of the seen head classes' training images. Throws std::invalid_argument when
// `classes` is empty or names a bad class.
LearnedClasses learnUnseenClasses(Extractor& extractor, const Dataset& dataset, const torch::Tensor& classVectors,
                                  const std::vector<int>& classes, const torch::Device& device,
                                  const UnseenLearningOptions& options = {});

struct LearnedClassifier;

// A learned classifier's files in `dir` (created): classifier.json, classifier.pt (TorchScript,
// through `bundle`) and projector/ (`importances`, one row per image with its class name and image
// path, for TensorBoard's embedding projector). Each written atomically. Returns the three paths.
std::vector<std::string> writeClassifierExport(const std::string& dir, const LearnedClassifier& classifier,
                                               const Bundle& bundle, const Dataset& dataset,
                                               const ImportanceSet& importances);

}  // namespace niwt
