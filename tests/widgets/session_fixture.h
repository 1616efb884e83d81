#pragma once
// A small real NIWT setup for engine round trips from the widgets: the embedded Fashion-MNIST
// cut down to the first few training and test images of each class (embedded split: 7 seen, 3
// unseen; embedded 24-attribute table), and the default network trained on its seen training
// images (cached in the test's cache folder). Torch-free: it goes through the core's torch-free
// interfaces only, like the widgets.
#include "core/data/dataset.h"
#include "core/data/loaders.h"
#include "core/pipeline/default_network.h"

#include <memory>
#include <string>
#include <vector>

namespace niwt::test {

// The first `train` training and `test` test images of every class, in data set order.
inline std::shared_ptr<const Dataset> smallFashionMnist(int train, int test) {
    Dataset full = openDataset("fashion-mnist");
    Dataset small = full;
    small.images.clear();
    std::vector<int> trainCount(full.classes.size(), 0), testCount(full.classes.size(), 0);
    for (const ImageInfo& image : full.images) {
        int& count = (image.subset == Subset::Train ? trainCount : testCount)[size_t(image.classIndex)];
        if (count < (image.subset == Subset::Train ? train : test)) {
            ++count;
            small.images.push_back(image);
        }
    }
    return std::make_shared<const Dataset>(std::move(small));
}

// The default network for `dataset` (trained on first use, on the CPU, `epochs` epochs).
inline std::string smallNetwork(const Dataset& dataset, const std::string& cacheDir, int epochs = 4) {
    DefaultNetworkOptions options;
    options.cacheDir = cacheDir;
    options.epochs = epochs;
    options.device = "cpu";
    return ensureDefaultNetwork(dataset, options, {}, {}).bundleDir;
}

}  // namespace niwt::test
