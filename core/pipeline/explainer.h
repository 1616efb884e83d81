#pragma once
// Explanations (NIWT step 6) for the explorer's heatmap and neuron panels: one data set + one
// network bundle, prepared once, then Grad-CAM maps, predictions, textual explanations, the
// neuron table and each unit's top images on request. Torch-free interface (pimpl), so widgets can
// hold it; the implementation runs the same pieces as `niwt explain` / `niwt neurons`
// (core/pipeline/explanations.h).
//
// Threads: an Explainer is not thread-safe. Make one call at a time, from one worker thread (never
// the GUI thread: prepare() takes seconds to minutes, and any call naming a stage that is not
// prepared yet prepares it first). The const accessors may be called from another thread only while
// no call is running.
//
// Cancellation: `cancelled` is polled between batches; when it returns true niwt::Cancelled
// (core/engine/cancelled.h) is thrown. A cancelled call changes nothing (a stage whose preparation
// was cancelled stays unprepared; caches on disk stay as they were).
#include "core/data/dataset.h"
#include "core/pipeline/engine_context.h"
#include "core/pipeline/neuron_table.h"  // NeuronListing, ScoredName

#include <opencv2/core/mat.hpp>

#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace niwt {

// How the explainer works; what it explains is its EngineContext.
struct ExplainerOptions {
    // Images the neuron panel ranks per unit: the seen training images (as `niwt neurons`), evenly
    // thinned to at most this many so a unit's top images come in seconds (0: all).
    int topImagePool = 2000;
    // Extraction (ExtractionOptions; the cache folder is the context's): images per batch, JPEG
    // decoding threads (0: automatic), at most this many images per list (0: all; quick runs) and
    // whether caches are read (false: recomputed and overwritten).
    int batchSize = 32;
    int decodeThreads = 0;
    int limit = 0;
    bool useCache = true;
    // LibTorch intra-op threads (0: configureTorchThreads, the preferred count or one per core).
    int torchThreads = 0;
};

// What prepare() found, for status bars and the panels' pickers.
struct ExplainerInfo {
    std::vector<std::string> stageNames;  // every stage of the bundle, in network order
    std::string defaultStage;             // the bundle's default (input of the last stage)
    std::string stageName;                // the stage prepare() prepared (options.stage or the default)
    std::string device;                   // describeDevice()
    std::string modality;
    int featureDim = 0;  // length of a class weight vector
    int seenHeadClasses = 0;
    std::vector<int> seenClasses;  // data set class index of each seen head row
    double seconds = 0;
};

// A class to explain: a seen class of the data set (through its seen head row) or a new class
// given by its weight vector and bias (e.g. niwt::LearnedClass from the composer).
struct ExplainClass {
    std::string name;           // new class: its name; seen class: empty means the data set's name
    int classIndex = -1;        // >= 0: a data set class with a seen head row
    std::vector<float> weight;  // classIndex < 0: featureDim values
    float bias = 0;
    // classIndex < 0: the data set class the weights were learned for (an unseen class learned by
    // mod2alpha + alpha2w, see Explainer::unseenClasses), -1 for a class from outside the data set.
    // Its importances average over its own images instead of the images it scores highest.
    int datasetClass = -1;

    static ExplainClass seen(int classIndex);
    static ExplainClass learned(std::string name, std::vector<float> weight, float bias);
    bool isSeen() const { return classIndex >= 0; }
    // Identifies the class for caches: "seen:<index>", or "new:<name>:<hash of weight and bias>"
    // (a re-learned class gets a new key).
    std::string key() const;
};

struct Prediction {
    std::string name;
    double logit = 0;
    bool seen = true;  // false: one of the new classes given to explain()
};

struct UnitImportance {
    int unit = 0;
    double importance = 0;
    std::vector<ScoredName> names;  // the unit's top attributes
};

struct Explanation {
    std::string imagePath;
    std::string className;
    std::string stageName;
    cv::Mat map;                                   // Grad-CAM, CV_32F in [0, 1], network input size
    cv::Mat view;                                  // what the network sees, CV_8UC3 BGR, same size as map
    double classLogit = 0;                         // features . w + b of the explained class
    std::vector<Prediction> predictions;           // top-k over seen + given new classes, best first
    std::vector<ScoredName> attributes;            // textual explanation: top-k dims of f(alpha)
    std::vector<ScoredName> attributesBeyondMean;  // the same relative to the mean seen class
    std::vector<UnitImportance> topUnits;          // the units this class relies on most for this image
};

// NeuronListing (the neuron table's rows) is core/pipeline/neuron_table.h's, shared with `niwt neurons`.

// What a stage's explanations rest on, for reports (`niwt explain` / `niwt neurons` "inverse_map").
struct ExplainerStageReport {
    std::string stageName;
    int units = 0;             // K: channels of the stage
    int importanceImages = 0;  // seen training images whose importances the map was fitted on
    // The inverse map (importances -> modality space): chosen ridge, classes fitted and held out,
    // held-out MSE, the mean-predicting baseline's MSE, held-out cosine, MSE on all, seconds.
    double lambda = 0;
    int fitClasses = 0, validationClasses = 0;
    double validationMse = 0, validationMseMeanBaseline = 0, validationCosine = 0, trainMse = 0;
    double seconds = 0;
    // The pool topImagesForUnit ranks (0 until it has been ranked): images scored, unreadable ones.
    int poolImagesRanked = 0, poolImagesUnreadable = 0;
};

struct UnitImage {
    int image = -1;  // index into Dataset::images
    std::string path;
    double activation = 0;  // the unit's mean activation on the image (its rank score)
    cv::Mat view;           // networkInputView, CV_8UC3
    cv::Mat map;            // the unit's activation over `view`, CV_32F in [0, 1], same
                            // size; scaled by the unit's largest activation over its top
                            // images, so a unit's maps share one scale
};

using ExplainerProgressFn = std::function<void(const std::string& phase, int done, int total)>;
using ExplainerCancelFn = std::function<bool()>;

class Explainer {
public:
    // Throws std::invalid_argument for an incomplete context (no data set or no bundle).
    explicit Explainer(EngineContext context, ExplainerOptions options = {});
    ~Explainer();
    Explainer(const Explainer&) = delete;
    Explainer& operator=(const Explainer&) = delete;

    // Opens the bundle, loads or computes (cached by the Extractor) all features, the seen head and
    // the seen training images' importances at the stage, and fits the inverse map
    // (importances -> modality space) on them. Throws DataError / std::invalid_argument with a
    // one-line message for bad input.
    ExplainerInfo prepare(const ExplainerProgressFn& progress = {}, const ExplainerCancelFn& cancelled = {});
    bool isPrepared() const;
    const ExplainerInfo& info() const;  // valid after prepare()
    const Dataset& dataset() const { return *context_.dataset; }
    std::shared_ptr<const Dataset> sharedDataset() const { return context_.dataset; }
    const EngineContext& context() const { return context_; }
    const ExplainerOptions& options() const { return options_; }

    // Every call below takes a stage name (empty: the one prepare() prepared); a stage seen for the
    // first time is prepared like prepare() did (importances and inverse map), reporting progress.
    // They throw std::logic_error before prepare(), DataError for a bad stage name (listing the
    // valid ones) or an unreadable image (naming the file), std::invalid_argument for a bad class.

    // Grad-CAM of `imagePath` (a file or "idx:FILE#N") for `target`, the top `top` predictions over
    // the seen head's classes and `newClasses`, and the textual explanation.
    Explanation explain(const std::string& imagePath, const ExplainClass& target, const std::string& stage = {},
                        const std::vector<ExplainClass>& newClasses = {}, int top = 5,
                        const ExplainerProgressFn& progress = {}, const ExplainerCancelFn& cancelled = {});

    // One row per unit of the stage with its name; with a class, the class's importance of each
    // unit and its rank (classNeuronImportance).
    NeuronListing neuronTable(const std::string& stage, int topAttributes, const ExplainClass* target = nullptr,
                              const ExplainerProgressFn& progress = {}, const ExplainerCancelFn& cancelled = {});

    // The class's importance of each unit (K values): the mean over images of alpha_i(w). Seen
    // class: its seen training images' cached importances (as `niwt neurons`). New class: the 64
    // images (of all with features) it scores highest, since it has no images of its own.
    // `images` (optional): how many images were averaged.
    std::vector<double> classNeuronImportance(const ExplainClass& target, const std::string& stage = {},
                                              int* images = nullptr, const ExplainerProgressFn& progress = {},
                                              const ExplainerCancelFn& cancelled = {});

    // The k images of the pool (see ExplainerOptions::topImagePool) that drive `unit` most (mean
    // activation), best first, with heat maps (shared scale over these k images). One pass over
    // the pool ranks every unit at once and is kept, so later units (with k no larger) come
    // without touching the network.
    std::vector<UnitImage> topImagesForUnit(int unit, int k, const std::string& stage = {},
                                            const ExplainerProgressFn& progress = {},
                                            const ExplainerCancelFn& cancelled = {});

    // The stage's inverse map report and top-image pool counts (preparing the stage if needed).
    ExplainerStageReport stageReport(const std::string& stage = {}, const ExplainerProgressFn& progress = {},
                                     const ExplainerCancelFn& cancelled = {});

    // The data set's learnable unseen classes (unseen, in the split, with images that have
    // features) learned as `niwt run` learns them (mod2alpha + alpha2w at the prepared stage), in
    // data set class order: ExplainClass::learned with the class's name and datasetClass set.
    // Learned once and kept; empty when there is no such class.
    std::vector<ExplainClass> unseenClasses(const ExplainerProgressFn& progress = {},
                                            const ExplainerCancelFn& cancelled = {});

    // The class a name names (Dataset::classIndexMatching): a seen class with a head row, else an
    // unseen class learned by unseenClasses(). Throws std::invalid_argument "class NAME: ..." for
    // no such class, a seen class without a head row, a class outside the split or an unseen class
    // without images.
    ExplainClass classNamed(const std::string& name, const ExplainerProgressFn& progress = {},
                            const ExplainerCancelFn& cancelled = {});

private:
    struct Engine;
    EngineContext context_;
    ExplainerOptions options_;
    std::unique_ptr<Engine> engine_;  // null until prepared
    ExplainerInfo info_;
};

}  // namespace niwt
