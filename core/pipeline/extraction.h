#pragma once
// From images to the quantities NIWT learns from: pooled features (cached), the seen-class
// linear head (cached), and neuron importances at a stage (cached). Uses the engine for the maths
// and the image pipeline for decoding; caches are matrix files (core/io/matrix_file.h).
#include "core/data/dataset.h"
#include "core/engine/cpu_allocator.h"
#include "core/engine/importance_jacobian.h"
#include "core/engine/linear_head.h"
#include "core/io/cache_shards.h"
#include "core/model/bundle.h"
#include "core/pipeline/image_batches.h"

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace niwt {

// Progress of long work: phase ("features", "head", "importances"), done and total images/epochs.
using ProgressFn = std::function<void(const std::string& phase, int done, int total)>;
// Polled between batches; true -> niwt::Cancelled is thrown, caches stay as they were.
using CancelFn = std::function<bool()>;

struct ExtractionOptions {
    std::string cacheDir;  // empty: defaultCacheDir() + "/cache"
    int batchSize = 32;
    int decodeThreads = 0;     // 0: defaultDecodeThreads()
    int limit = 0;             // > 0: at most this many images per list (quick runs, benches)
    bool useCache = true;      // false: recompute and overwrite
    bool channelsLast = true;  // NHWC activations: faster convolutions on CPU
    // Stage activations of the seen training images are kept from the feature pass, up to this
    // size, so that the importance pass only runs the later stages.
    int64_t activationBudgetBytes = int64_t(1) << 30;
    HeadTrainingOptions head;
};

struct FeatureSet {
    std::vector<int> images;              // dataset image indices, one per row (unreadable images dropped)
    torch::Tensor features;               // rows x featureDim, float, CPU
    int failed = 0;                       // unreadable images skipped
    std::vector<std::string> unreadable;  // one line per skipped image, naming it: "PATH: why"
    bool fromCache = false;
    std::string cachePath;
};

struct SeenHead {
    LinearHead head;           // CPU; rows follow `classes`
    std::vector<int> classes;  // head row -> dataset class index (seen classes with training images)
    HeadTrainingReport report;
    double seenTestAccuracy = 0;  // on seen classes' test images, 0..1 (0 when there are none)
    int seenTestImages = 0;
    bool fromCache = false;
    std::string cachePath;
    std::string identity;  // hash of the weights, part of the importance cache key
};

struct ImportanceSet {
    std::vector<int> images;   // dataset image indices, one per row
    std::vector<int> classes;  // dataset class index of each row's ground truth
    torch::Tensor alpha;       // rows x channels at the stage, float, CPU
    std::string stageName;
    bool fromCache = false;
    std::string cachePath;
    double seconds = 0;
};

// The alpha2w image pool and its importance basis (see core/engine/alpha2w.h).
// alpha2w's pool images' importance Jacobians (full weight space), cached per bundle, stage and pool.
struct JacobianSet {
    std::vector<int> images;        // the pool, as importanceBasis's
    ImportanceJacobians jacobians;  // core/engine/importance_jacobian.h: factored or dense
    bool fromCache = false;
    std::string cachePath;
    double seconds = 0;
};

struct ImportanceBasis {
    std::vector<int> images;  // pool: dataset image indices (seen training images)
    torch::Tensor basis;      // P x R x K, R = seen head rows
    bool fromCache = false;
    std::string cachePath;
    double seconds = 0;
};

// One shard's partial cache (core/io/cache_shards.h); `niwt merge` joins them.
struct PartialCache {
    std::string kind;      // "features" or "importances"
    std::string path;      // the partial cache written
    std::string fullPath;  // the full cache the merge writes (the unsharded run's file)
    ShardSpec shard;
    ListSlice slice;  // positions in the full list
    int64_t listSize = 0;
    int rows = 0;                         // rows written: the slice's readable images
    int failed = 0;                       // unreadable images skipped
    std::vector<std::string> unreadable;  // one line per skipped image (features only): "PATH: why"
    double seconds = 0;
};

class Extractor {
public:
    Extractor(const Dataset& dataset, const Bundle& bundle, int stage, torch::Device device, ExtractionOptions options,
              ProgressFn progress = {}, CancelFn cancelled = {});

    // Pooled features of the given images (cached by bundle and image list).
    FeatureSet features(const std::vector<int>& images);
    // All images' features: one pass that also keeps the seen training images' stage activations.
    const FeatureSet& allFeatures();
    // The seen-class head on the seen training images' features (cached), with its accuracies.
    const SeenHead& seenHead();
    // Importances of the seen training images w.r.t. their class's logit in the seen head (cached
    // by bundle, stage, data set, image list and head).
    ImportanceSet importances();

    // alpha2w's pool: the first `perClass` seen training images of each head class (in data set
    // order), and the importances each seen head row induces on them (cached like importances).
    ImportanceBasis importanceBasis(int perClass = 2);
    // The same pool's importance Jacobians J_p (alpha2w in the full weight space), cached.
    JacobianSet importanceJacobians(int perClass = 2);

    // Cluster-scale extraction: three steps, each over the shards that give, once merged
    // (mergePartialCaches), the caches allFeatures(), seenHead() and importances() write, bit for
    // bit. Shards are whole batches of the unsharded run, so every image sees the same computation.
    // 1. The shard's slice of allFeatures()' images, written as a partial cache.
    PartialCache featuresShard(const ShardSpec& shard);
    // 2. seenHead() on the full feature cache, which must exist (merged from the shards): a miss
    //    throws DataError naming the file rather than extracting every image here.
    const SeenHead& seenHeadFromCachedFeatures();
    // 3. The shard's slice of importances()' images as a partial cache. The full feature cache and
    //    the head cache (step 2) must exist, so N shards never race to train and write the head.
    PartialCache importancesShard(const ShardSpec& shard);

    // Uses features computed by another extractor over the same images (a validation pass on a copy
    // of the data set with other seen/unseen flags reuses the forward passes).
    void setFeatures(const FeatureSet& features) {
        all_ = features;
        haveAll_ = true;
    }

    int stage() const { return stage_; }
    const Dataset& dataset() const { return dataset_; }
    const std::string& cacheDir() const { return options_.cacheDir; }
    const ExtractionOptions& options() const { return options_; }

    // Images to use for a list, honouring options.limit (evenly spread, deterministic).
    std::vector<int> limited(const std::vector<int>& images) const;
    std::vector<std::string> pathsOf(const std::vector<int>& images) const;
    // Batch size, decode threads and pinned memory for this extractor's device.
    BatchLoaderOptions loaderOptions() const;
    // Moves a CPU batch to the device in the network's preferred memory format.
    torch::Tensor toDevice(const torch::Tensor& cpuImages) const;

private:
    struct ImportanceList {
        std::vector<int> images;      // seen training images of the head's classes (limited)
        std::vector<int> rowOfClass;  // dataset class -> head row, -1 when none
        std::string stageName;
        nlohmann::json key;
    };

    std::vector<int> everyImage() const;
    nlohmann::json featuresKey(const std::vector<int>& images) const;
    FeatureSet computeFeatures(const std::vector<int>& images, bool keepSeenTrainActivations);
    // Feature batches over images[begin, end), appended to `out`; images in `keep` keep their
    // stage activations. `begin` is a multiple of the batch size, so batches are the unsharded ones.
    void runFeaturePass(const std::vector<int>& images, int64_t begin, int64_t end, const std::set<int>& keep,
                        FeatureSet& out);
    ImportanceList importanceList();
    // Importances of list.images[begin, end) in batches of the list's positions [kB, kB+B).
    void runImportancePass(const ImportanceList& list, int64_t begin, int64_t end, ImportanceSet& out);
    void checkCancelled() const;
    void report(const std::string& phase, int done, int total) const;
    std::vector<int> alpha2wPool(int perClass);

    // An Extractor lives for one job (a command, a session's preparation, an explainer's stage):
    // its batches, head steps and Jacobian chunks reuse one another's large blocks, and they go
    // back to the system when it is destroyed. First, so that it ends after every tensor below.
    CpuBlockReuseScope reuseBlocks_;
    const Dataset& dataset_;
    const Bundle& bundle_;
    int stage_;
    torch::Device device_;
    ExtractionOptions options_;
    ProgressFn progress_;
    CancelFn cancelled_;

    bool haveAll_ = false;
    FeatureSet all_;
    bool haveHead_ = false;
    SeenHead head_;
    std::vector<int> keptImages_;                 // images whose stage activations are kept
    std::vector<torch::Tensor> keptActivations_;  // one per kept image, K x h x w, CPU
    std::vector<int> keptBatchSizes_;             // rows of the feature batch each was computed in
    bool keptChannelsLast_ = false;               // the stage's activations came out NHWC
    bool featuresMustBeCached_ = false;           // sharded steps: never extract every image
    bool headMustBeCached_ = false;
};

// Hash of the tensor's float bytes (CPU), for cache keys.
std::string tensorIdentity(const torch::Tensor& t);

}  // namespace niwt
