#pragma once
// The embedded default data set (Fashion-MNIST) ships no pretrained network: on first use a
// small CNN is trained on its seen classes and saved as a niwt-bundle in the user's cache
// directory. Torch-free interface, safe to include from widgets.
#include "core/data/dataset.h"

#include <functional>
#include <string>

namespace niwt {

struct NetworkTrainingProgress {
    int epoch = 0;  // 1-based
    int epochs = 0;
    int batch = 0;  // 1-based within the epoch
    int batches = 0;
    double loss = 0;      // running mean of this epoch
    double accuracy = 0;  // running train accuracy of this epoch, 0..1
};

struct DefaultNetworkResult {
    std::string bundleDir;        // holds bundle.pt and bundle.json
    bool trainedNow = false;      // false when a valid cached bundle was reused
    double seenTestAccuracy = 0;  // of the network's own classifier on seen test images, 0..1
    double seconds = 0;
};

struct DefaultNetworkOptions {
    std::string cacheDir;  // empty: defaultCacheDir()
    int epochs = 3;
    int trainLimit = 0;  // > 0: use only this many seen training images (tests)
    std::string device = "auto";
};

// $NIWT_CACHE_DIR, else $XDG_CACHE_HOME/niwt-explorer, else ~/.cache/niwt-explorer (created).
std::string defaultCacheDir();

// Returns the cached bundle for `dataset` (keyed by its fingerprint and the options), training it
// first when absent or invalid. `progress` is called from the calling thread; `cancelled` is polled
// between batches (returns true -> niwt::Cancelled is thrown and nothing is written).
// Throws DataError / std::runtime_error with a one-line message on failure.
DefaultNetworkResult ensureDefaultNetwork(const Dataset& dataset, const DefaultNetworkOptions& options,
                                          const std::function<void(const NetworkTrainingProgress&)>& progress,
                                          const std::function<bool()>& cancelled);

}  // namespace niwt
