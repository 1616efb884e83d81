#include "core/pipeline/default_network.h"

#include "core/data/image_source.h"
#include "core/engine/cancelled.h"
#include "core/engine/device.h"
#include "core/engine/small_cnn.h"
#include "core/io/atomic_file.h"
#include "core/io/hash.h"
#include "core/io/sha256.h"
#include "core/model/bundle.h"
#include "core/pipeline/image_batches.h"

#include <unistd.h>
#include <chrono>
#include <cstdlib>
#include <filesystem>

namespace niwt {

namespace fs = std::filesystem;

namespace {

// Fashion-MNIST's pixel mean and standard deviation over its training set (values in [0,1]).
constexpr float kFashionMean = 0.2860f;
constexpr float kFashionStd = 0.3530f;
// Version of the recipe below; bump it when the network or its training changes.
constexpr int kRecipeVersion = 1;

InputSpec smallCnnInput(const Dataset& dataset) {
    InputSpec spec;
    std::string error;
    const cv::Mat first = dataset.images.empty() ? cv::Mat() : readImage(dataset.images.front().path, &error);
    spec.width = first.empty() ? 28 : first.cols;
    spec.height = first.empty() ? 28 : first.rows;
    spec.color = "gray";
    spec.mean = {kFashionMean};
    spec.std = {kFashionStd};
    spec.centerCrop = 1.0;
    return spec;
}

// Preprocessed tensors and seen-class labels (0..seen-1 in class order) of some images.
void loadImages(const Dataset& dataset, const std::vector<int>& images, const InputSpec& spec,
                const std::vector<int>& rowOfClass, torch::Tensor* x, torch::Tensor* y) {
    *x = torch::empty({int64_t(images.size()), spec.channels(), spec.height, spec.width});
    std::vector<int64_t> labels;
    const int64_t imageSize = int64_t(spec.channels()) * spec.height * spec.width;
    int64_t rows = 0;
    for (int i : images) {
        std::string error;
        const cv::Mat image = readImage(dataset.images[size_t(i)].path, &error);
        if (image.empty()) continue;  // counted by the caller through the row count
        preprocessImage(image, spec, x->data_ptr<float>() + rows * imageSize);
        labels.push_back(rowOfClass[size_t(dataset.images[size_t(i)].classIndex)]);
        ++rows;
    }
    *x = x->slice(0, 0, rows);
    *y = torch::tensor(labels, torch::kLong);
}

}  // namespace

std::string defaultCacheDir() {
    std::string dir;
    if (const char* own = std::getenv("NIWT_CACHE_DIR"); own && *own)
        dir = own;
    else if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
        dir = std::string(xdg) + "/niwt-explorer";
    else if (const char* home = std::getenv("HOME"); home && *home)
        dir = std::string(home) + "/.cache/niwt-explorer";
    else
        dir = fs::temp_directory_path().string() + "/niwt-explorer-cache";
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw DataError(located(dir, 0, "cannot create the cache folder (" + ec.message() + ")"));
    return dir;
}

DefaultNetworkResult ensureDefaultNetwork(const Dataset& dataset, const DefaultNetworkOptions& options,
                                          const std::function<void(const NetworkTrainingProgress&)>& progress,
                                          const std::function<bool()>& cancelled) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<int> rowOfClass(dataset.classes.size(), -1);
    std::vector<std::string> seenNames;
    for (size_t c = 0; c < dataset.classes.size(); ++c)
        if (dataset.classes[c].seen && dataset.classes[c].inSplit) {
            rowOfClass[c] = int(seenNames.size());
            seenNames.push_back(dataset.classes[c].name);
        }
    if (seenNames.size() < 2)
        throw DataError(located(dataset.root, 0, "the default network needs at least 2 seen classes"));

    const std::string key = dataset.fingerprint() + "/recipe" + std::to_string(kRecipeVersion) + "/epochs" +
                            std::to_string(options.epochs) + "/limit" + std::to_string(options.trainLimit);
    const std::string cache = options.cacheDir.empty() ? defaultCacheDir() : options.cacheDir;
    const fs::path dir = fs::path(cache) / ("default-network-" + hashHex(fnv1a64(key)));

    DefaultNetworkResult result;
    result.bundleDir = dir.string();
    // bundle.json is written last: its presence (with our key) marks a complete bundle.
    if (fs::exists(dir / "bundle.json") && fs::exists(dir / "bundle.pt")) {
        try {
            const auto meta = nlohmann::json::parse(readFileBytes((dir / "bundle.json").string()));
            if (meta.value("training", nlohmann::json::object()).value("key", std::string()) == key) {
                loadBundle(dir.string(), torch::kCPU);  // proves bundle.pt is intact
                result.seenTestAccuracy = meta["training"].value("seen_test_accuracy", 0.0);
                result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                return result;
            }
        } catch (const std::exception&) {
            // Damaged or foreign: retrain below and overwrite.
        }
    }

    configureTorchThreads();
    const auto device = chooseDevice(options.device);
    const InputSpec spec = smallCnnInput(dataset);
    std::vector<int> trainImages = dataset.imageIndices(true, Subset::Train);
    if (options.trainLimit > 0 && int(trainImages.size()) > options.trainLimit) {
        std::vector<int> spread;
        const double step = double(trainImages.size()) / options.trainLimit;
        for (int i = 0; i < options.trainLimit; ++i) spread.push_back(trainImages[size_t(i * step)]);
        trainImages = spread;
    }
    torch::Tensor x, y;
    loadImages(dataset, trainImages, spec, rowOfClass, &x, &y);
    if (x.size(0) == 0) throw DataError(located(dataset.root, 0, "no readable training images of seen classes"));

    SmallCnnShape shape;
    shape.inChannels = spec.channels();
    shape.classes = int(seenNames.size());
    auto module = makeSmallCnn(shape, /*seed=*/1);
    CnnTrainingOptions training;
    training.epochs = options.epochs;
    trainSmallCnn(module, x, y, training, device,
                  [&](int epoch, int epochs, int batch, int batches, double loss, double accuracy) {
                      if (progress) progress({epoch, epochs, batch, batches, loss, accuracy});
                      return !(cancelled && cancelled());
                  });

    torch::Tensor testX, testY;
    loadImages(dataset, dataset.imageIndices(true, Subset::Test), spec, rowOfClass, &testX, &testY);
    if (testX.size(0) > 0) {
        torch::NoGradGuard noGrad;
        const auto logits = module.forward({testX}).toTensor();
        result.seenTestAccuracy = logits.argmax(1).eq(testY).to(torch::kDouble).mean().item<double>();
    }

    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw DataError(located(dir.string(), 0, "cannot create folder (" + ec.message() + ")"));
    // Save to a temporary name first, then rename: an interrupted save never leaves a half bundle.
    const std::string tmp = (dir / ("bundle.pt.tmp-" + std::to_string(::getpid()))).string();
    module.save(tmp);
    fs::rename(tmp, dir / "bundle.pt", ec);
    if (ec) throw DataError(located((dir / "bundle.pt").string(), 0, "cannot write (" + ec.message() + ")"));
    nlohmann::json stages = nlohmann::json::array();
    {
        torch::NoGradGuard noGrad;
        auto a = torch::zeros({1, spec.channels(), spec.height, spec.width});
        for (auto stage : module.attr("stages").toModule().named_children()) {
            a = stage.value.forward({a}).toTensor();
            stages.push_back(
                {{"name", stage.name}, {"channels", a.size(1)}, {"height", a.size(2)}, {"width", a.size(3)}});
        }
    }
    nlohmann::json meta = {{"format", "niwt-bundle/1"},
                           {"name", "Small CNN trained on the seen classes of " + dataset.spec},
                           {"input", toJson(spec)},
                           {"labels", "labels.txt"},
                           {"stages", stages},
                           {"classifier", {{"in", shape.widths.back()}, {"out", shape.classes}}},
                           {"training",
                            {{"key", key},
                             {"epochs", options.epochs},
                             {"train_images", x.size(0)},
                             {"seen_test_accuracy", result.seenTestAccuracy}}},
                           // As tools/export_bundle.py: loadBundle checks bundle.pt against it.
                           {"sha256", sha256Hex(readFileBytes((dir / "bundle.pt").string()))}};
    std::string labels;
    for (const auto& n : seenNames) labels += n + "\n";
    writeFileAtomically((dir / "labels.txt").string(), labels);
    writeFileAtomically((dir / "bundle.json").string(), meta.dump(1));
    result.trainedNow = true;
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

}  // namespace niwt
