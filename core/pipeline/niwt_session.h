#pragma once
// One data set + one network bundle, ready to learn new classes from descriptions, one at a time:
// the engine behind the explorer's class composer. Torch-free interface (pimpl), so widgets can
// hold it; the implementation runs the same pieces as `niwt run` (core/pipeline/niwt_learning.h).
//
// Threads: a session is not thread-safe. Make one call at a time, from one worker thread (never
// the GUI thread: prepare() takes seconds to minutes, learnClass() up to seconds). The const
// accessors may be called from another thread only while no call is running.
//
// Cancellation: `cancelled` is polled between batches / optimisation steps; when it returns true
// niwt::Cancelled (core/engine/cancelled.h) is thrown. A cancelled prepare() leaves the session
// unprepared (caches on disk stay as they were); a cancelled learnClass() changes nothing (the
// session keeps no learned classes: callers own the results).
#include "core/data/dataset.h"
#include "core/engine/alpha2w_space.h"
#include "core/pipeline/engine_context.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace niwt {

// How the session learns; what it learns from is its EngineContext.
struct NiwtSessionOptions {
    int alpha2wMaxIterations = 1000;
    double alpha2wTolerance = 1e-5;  // relative loss change; < 0: never met, runs maxIterations (tests of cancel)
    // Full: prepare() also computes (or loads) the pool's importance Jacobians, and learnClass
    // refines the span solution in the whole weight space.
    Alpha2WSpace alpha2wSpace = kDefaultAlpha2WSpace;
};

// What prepare() found, for status bars and the composer.
struct NiwtSessionInfo {
    std::string stageName;
    std::string device;  // describeDevice()
    std::string modality;
    int modalityDims = 0;
    int featureImages = 0;  // images with features (unreadable ones dropped)
    int seenHeadClasses = 0;
    double seenTestAccuracy = 0;  // 0..1
    int importanceImages = 0;
    double mod2alphaValidationCosineDistance = 0;
    double seconds = 0;
};

// (phase, done, total): "features", "head", "importances", "mod2alpha" ...
using SessionProgressFn = std::function<void(const std::string& phase, int done, int total)>;
// One alpha2w step: iteration (1-based), loss terms averaged over the class (total = cosine + l2).
using LearnProgressFn = std::function<void(int iteration, double total, double cosine, double l2)>;
using SessionCancelFn = std::function<bool()>;

struct RankedImage {
    int image = 0;    // index into Dataset::images
    float score = 0;  // the new class's logit
    // score minus the image's best seen-class logit (the seen head): how clearly the new class
    // would win the generalized zero-shot decision for this image. Rankings sort by it, so the top
    // images are those the new class claims, not seen look-alikes with large logits everywhere.
    float margin = 0;
};

struct LearnedClass {
    std::string name;
    std::vector<float> classVector;  // the description it was learned from (modality space)
    std::vector<float> weight;       // F: featureDim of the bundle
    float bias = 0;
    int iterations = 0;                // alpha2w's (full mode: the refinement's)
    std::string alpha2wMode = "span";  // "span", or "full" once refined in the whole weight space
    double spanCosineLoss = 0;         // the span solution's, for comparison in full mode
    bool converged = false;
    double loss = 0, cosineLoss = 0, l2Loss = 0;
    double seconds = 0;
    double mod2alphaValidationCosineDistance = 0;  // how well descriptions predict importances (held-out seen classes)
    std::vector<RankedImage> ranking;              // every image with features, highest margin first
};

class NiwtSession {
public:
    // Throws std::invalid_argument for an incomplete context (no data set or no bundle).
    explicit NiwtSession(EngineContext context, NiwtSessionOptions options = {});
    ~NiwtSession();
    NiwtSession(const NiwtSession&) = delete;
    NiwtSession& operator=(const NiwtSession&) = delete;

    // Opens the bundle, computes or loads (cached) all features, the seen head, the seen training
    // images' importances and alpha2w's importance basis, and fits mod2alpha for the modality.
    // Throws DataError / std::invalid_argument with a one-line message for bad input.
    // `mod2alphaCurve` gets every mod2alpha step: (step, held-out classes' 1 - cos, same, 0).
    NiwtSessionInfo prepare(const SessionProgressFn& progress = {}, const SessionCancelFn& cancelled = {},
                            const LearnProgressFn& mod2alphaCurve = {});
    bool isPrepared() const;
    const NiwtSessionInfo& info() const;  // valid after prepare()

    const Dataset& dataset() const { return *context_.dataset; }
    const EngineContext& context() const { return context_; }
    const NiwtSessionOptions& options() const { return options_; }
    // The modality new classes are described in (the data set's, or "captions" built by prepare()).
    // Null before prepare() for captions.
    const Modality* modality() const;

    // A caption's class vector in the captions modality (TF-IDF, as the seen classes' descriptions
    // were encoded). Throws std::logic_error when the session's modality is not "captions" or it is
    // not prepared.
    std::vector<float> classVectorFromCaption(const std::string& text) const;

    // mod2alpha's predicted importances for `classVector` (modality dims), then alpha2w for one new
    // class; `progress` is called after every alpha2w step. Ranks every image by the new logit.
    // Throws std::invalid_argument for a vector of the wrong size or all zeros, std::logic_error
    // before prepare(). In full mode (NiwtSessionOptions::alpha2wSpace) the span solution goes to
    // `spanReady` first (a complete LearnedClass, to show at once), then the full-space refinement
    // runs from it and is returned; `progress` continues its steps after the span's.
    LearnedClass learnClass(const std::string& name, const std::vector<float>& classVector,
                            const LearnProgressFn& progress = {}, const SessionCancelFn& cancelled = {},
                            const std::function<void(const LearnedClass&)>& spanReady = {});

    // Writes the classifier over the seen head's classes and `learned` (weights and biases as
    // learned) into `directory` (created): classifier.json ("niwt-classifier/1") and classifier.pt
    // (TorchScript: forward(features) and forward_images(x) through the bundle; loads with
    // torch.jit.load), both written atomically, and projector/ (tensors.tsv + metadata.tsv: the
    // seen training images' neuron importances for TensorBoard's embedding projector). Returns the
    // three paths. Throws std::invalid_argument
    // for a class whose weight has the wrong size or a duplicate name, std::logic_error before
    // prepare(), DataError when a file cannot be written.
    std::vector<std::string> exportClassifier(const std::string& directory,
                                              const std::vector<LearnedClass>& learned) const;

private:
    struct Engine;
    EngineContext context_;
    NiwtSessionOptions options_;
    std::unique_ptr<Engine> engine_;  // null until prepared
    NiwtSessionInfo info_;
};

}  // namespace niwt
