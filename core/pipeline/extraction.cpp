#include "core/pipeline/extraction.h"

#include "core/engine/alpha2w.h"
#include "core/engine/cancelled.h"
#include "core/engine/cpu_allocator.h"
#include "core/engine/importance.h"
#include "core/engine/importance_jacobian.h"
#include "core/io/hash.h"
#include "core/io/matrix_file.h"
#include "core/pipeline/default_network.h"

#include <sys/stat.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

namespace niwt {

namespace {

using FileStamp = std::pair<uint64_t, uint64_t>;  // size, modification time in ns

FileStamp fileStamp(const std::string& file) {
    struct stat info {};
    if (::stat(file.c_str(), &info) != 0) return {~uint64_t(0), ~uint64_t(0)};  // missing: unreadable
    return {uint64_t(info.st_size), uint64_t(info.st_mtim.tv_sec) * 1000000000u + uint64_t(info.st_mtim.tv_nsec)};
}

// Hash of the image files' paths, sizes and modification times (ns): a cache made from them is
// valid only while the files are unchanged, so an image emptied, replaced or touched since is
// recomputed. "idx:FILE#N" images stand for FILE (statted once). One stat per image (about 3 us
// on a local disk, much more on a cluster file system, hence several threads) instead of
// hashing the files' content.
std::string imageFilesStamp(const Dataset& dataset, const std::vector<int>& images) {
    std::vector<FileStamp> stamps(images.size());
    auto isIdx = [](const std::string& path) { return path.compare(0, 4, "idx:") == 0; };
    auto statRange = [&](size_t begin, size_t end) {
        for (size_t k = begin; k < end; ++k) {
            const std::string& path = dataset.images[size_t(images[k])].path;
            if (!isIdx(path)) stamps[k] = fileStamp(path);
        }
    };
    const size_t threads =
        images.size() < 4096 ? 1 : std::min<size_t>(16, std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::thread> workers;
    for (size_t t = 1; t < threads; ++t)
        workers.emplace_back(statRange, images.size() * t / threads, images.size() * (t + 1) / threads);
    statRange(0, images.size() / threads);
    for (auto& worker : workers) worker.join();

    Fnv1a64 hash;
    std::map<std::string, FileStamp> idxFiles;
    for (size_t k = 0; k < images.size(); ++k) {
        const std::string& path = dataset.images[size_t(images[k])].path;
        if (isIdx(path)) {
            const std::string file = path.substr(4, path.rfind('#') - 4);
            auto it = idxFiles.find(file);
            if (it == idxFiles.end()) it = idxFiles.emplace(file, fileStamp(file)).first;
            stamps[k] = it->second;
        }
        hash.text(path);
        hash.number(stamps[k].first);
        hash.number(stamps[k].second);
    }
    return hash.hex();
}

// The data set's identity and the listed images (by index). Caches keyed by it also name the
// feature cache (whose key holds every image file's stamp) or the files themselves.
std::string imageListIdentity(const Dataset& dataset, const std::vector<int>& images) {
    Fnv1a64 hash;
    hash.text(dataset.fingerprint());
    for (int i : images) hash.number(uint64_t(i));
    return hash.hex();
}

// imageListIdentity plus the files' stamps, for the alpha2w pools (a few images per class) whose
// caches do not depend on the feature cache.
std::string imageFilesIdentity(const Dataset& dataset, const std::vector<int>& images) {
    return hashHex(fnv1a64(imageFilesStamp(dataset, images), fnv1a64(imageListIdentity(dataset, images))));
}

// Results holding NaN or infinity are never cached (a later run would reuse them): the error names
// the network and the stage, whose computation gave them.
void requireFinite(const torch::Tensor& values, const Bundle& bundle, const std::string& stageName,
                   const std::string& what) {
    if (values.numel() == 0 || torch::isfinite(values).all().item<bool>()) return;
    throw DataError(located(bundle.modelPath, 0,
                            what + " at stage \"" + stageName +
                                "\" contain NaN or infinity (the network computes non-finite values); "
                                "nothing was cached"));
}

MatrixFile toMatrix(const torch::Tensor& t, nlohmann::json header) {
    const auto c = t.to(torch::kCPU).to(torch::kFloat).contiguous();
    MatrixFile m;
    m.header = std::move(header);
    m.rows = c.size(0);
    m.cols = c.dim() > 1 ? c.size(1) : 1;
    m.values.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    return m;
}

torch::Tensor fromMatrix(const MatrixFile& m) {
    return torch::from_blob(const_cast<float*>(m.values.data()), {m.rows, m.cols}, torch::kFloat).clone();
}

}  // namespace

std::string tensorIdentity(const torch::Tensor& t) {
    const auto c = t.to(torch::kCPU).to(torch::kFloat).contiguous();
    return hashHex(fnv1a64(c.data_ptr<float>(), size_t(c.numel()) * sizeof(float)));
}

Extractor::Extractor(const Dataset& dataset, const Bundle& bundle, int stage, torch::Device device,
                     ExtractionOptions options, ProgressFn progress, CancelFn cancelled)
    : dataset_(dataset), bundle_(bundle), stage_(stage), device_(device), options_(std::move(options)),
      progress_(std::move(progress)), cancelled_(std::move(cancelled)) {
    if (options_.cacheDir.empty()) options_.cacheDir = defaultCacheDir() + "/cache";
    if (stage_ < 0 || stage_ >= bundle_.network->stageCount()) throw std::out_of_range("stage index out of range");
}

void Extractor::checkCancelled() const {
    if (cancelled_ && cancelled_()) throw Cancelled();
}

void Extractor::report(const std::string& phase, int done, int total) const {
    if (progress_) progress_(phase, done, total);
}

std::vector<int> Extractor::limited(const std::vector<int>& images) const {
    if (options_.limit <= 0 || int(images.size()) <= options_.limit) return images;
    std::vector<int> out;
    const double step = double(images.size()) / options_.limit;
    for (int i = 0; i < options_.limit; ++i) out.push_back(images[size_t(i * step)]);
    return out;
}

std::vector<std::string> Extractor::pathsOf(const std::vector<int>& images) const {
    std::vector<std::string> paths;
    paths.reserve(images.size());
    for (int i : images) paths.push_back(dataset_.images[size_t(i)].path);
    return paths;
}

BatchLoaderOptions Extractor::loaderOptions() const {
    BatchLoaderOptions lo;
    lo.batchSize = options_.batchSize;
    lo.threads = options_.decodeThreads > 0 ? options_.decodeThreads : defaultDecodeThreads(device_.is_cuda());
    lo.pinMemory = device_.is_cuda();
    return lo;
}

torch::Tensor Extractor::toDevice(const torch::Tensor& cpuImages) const {
    auto x = cpuImages.to(device_, /*non_blocking=*/true);
    return options_.channelsLast ? x.contiguous(at::MemoryFormat::ChannelsLast) : x;
}

std::vector<int> Extractor::everyImage() const {
    std::vector<int> everything(dataset_.images.size());
    for (size_t i = 0; i < everything.size(); ++i) everything[i] = int(i);
    return limited(everything);
}

nlohmann::json Extractor::featuresKey(const std::vector<int>& images) const {
    // Features depend on the image files only (paths, sizes and modification times), not on
    // seen/unseen flags or subsets.
    return {{"kind", "features"}, {"bundle", bundle_.identity}, {"images", imageFilesStamp(dataset_, images)}};
}

FeatureSet Extractor::computeFeatures(const std::vector<int>& images, bool keepSeenTrainActivations) {
    const nlohmann::json key = featuresKey(images);
    FeatureSet set;
    set.cachePath = cacheFilePath(options_.cacheDir, "features", key);
    std::string why = "not read (caches off)";
    if (options_.useCache) {
        why = "rows do not match its image list";
        if (auto m = readMatrixFile(set.cachePath, key, &why)) {
            set.features = fromMatrix(*m);
            set.images = m->header.value("images", std::vector<int>());
            set.failed = m->header.value("failed", 0);
            set.unreadable = m->header.value("unreadable", std::vector<std::string>());
            set.fromCache = int(set.images.size()) == set.features.size(0);
            if (set.fromCache) return set;
        }
    }
    if (featuresMustBeCached_)
        throw DataError(set.cachePath + ": no usable feature cache (" + why +
                        "); run the features step on every shard and merge the parts first");

    const auto& net = *bundle_.network;
    const int64_t perImage = [&] {
        int64_t c = 1;
        // Activation size at the stage, from a one-image probe at the nominal input size.
        torch::NoGradGuard g;
        auto probe = torch::zeros({1, bundle_.input.channels(), bundle_.input.height, bundle_.input.width});
        // Keep the activation alive: sizes() points into the tensor (a range-for over the sizes of a
        // temporary read freed memory; AddressSanitizer found it).
        const torch::Tensor activation = net.runStages(toDevice(probe), 0, stage_);
        for (auto s : activation.sizes()) c *= s;
        return c * int64_t(sizeof(float));
    }();
    std::set<int> keep;
    if (keepSeenTrainActivations) {
        const auto seenTrain = limited(dataset_.imageIndices(true, Subset::Train));
        if (int64_t(seenTrain.size()) * perImage <= options_.activationBudgetBytes)
            keep.insert(seenTrain.begin(), seenTrain.end());
    }
    keptImages_.clear();
    keptActivations_.clear();
    keptBatchSizes_.clear();
    runFeaturePass(images, 0, int64_t(images.size()), keep, set);
    nlohmann::json header = {
        {"key", key}, {"images", set.images}, {"failed", set.failed}, {"unreadable", set.unreadable}};
    writeMatrixFile(set.cachePath, toMatrix(set.features, header));
    return set;
}

void Extractor::runFeaturePass(const std::vector<int>& images, int64_t begin, int64_t end, const std::set<int>& keep,
                               FeatureSet& set) {
    const auto& net = *bundle_.network;
    const std::vector<int> slice(images.begin() + begin, images.begin() + end);
    ImageBatchLoader loader(pathsOf(slice), bundle_.input, loaderOptions());
    std::vector<torch::Tensor> chunks;
    ImageBatch batch;
    int done = 0;
    torch::NoGradGuard noGrad;
    while (loader.next(batch)) {
        checkCancelled();
        set.failed += int(batch.failures.size());
        for (const auto& failure : batch.failures) set.unreadable.push_back(failure.second);
        done += int(batch.positions.size() + batch.failures.size());
        if (batch.positions.empty()) continue;
        const auto acts = net.runStages(toDevice(batch.images), 0, stage_);
        keptChannelsLast_ =
            acts.dim() == 4 && !acts.is_contiguous() && acts.is_contiguous(at::MemoryFormat::ChannelsLast);
        for (size_t r = 0; r < batch.positions.size(); ++r) {
            const int image = slice[size_t(batch.positions[r])];
            set.images.push_back(image);
            if (keep.count(image)) {
                keptImages_.push_back(image);
                keptActivations_.push_back(acts[int64_t(r)].to(torch::kCPU).clone());
                keptBatchSizes_.push_back(int(batch.positions.size()));
            }
        }
        chunks.push_back(net.featuresFromStage(acts, stage_).to(torch::kCPU));
        requireFinite(chunks.back(), bundle_, net.stageNames()[size_t(stage_)], "the features");
        report("features", done, int(slice.size()));
    }
    set.features = chunks.empty() ? torch::zeros({0, net.featureDim()}) : torch::cat(chunks).contiguous();
}

FeatureSet Extractor::features(const std::vector<int>& images) { return computeFeatures(images, false); }

const FeatureSet& Extractor::allFeatures() {
    if (!haveAll_) {
        // On a cache miss the seen training images' stage activations are kept on the way, so the
        // importance pass that usually follows skips the early stages.
        all_ = computeFeatures(everyImage(), true);
        haveAll_ = true;
    }
    return all_;
}

const SeenHead& Extractor::seenHead() {
    if (haveHead_) return head_;
    const auto& all = allFeatures();
    // Head rows: seen classes that have training images, in class order.
    std::vector<int> rowOfClass(dataset_.classes.size(), -1);
    std::vector<int64_t> trainRows, testRows;
    std::vector<int64_t> trainLabels, testLabels;
    for (size_t r = 0; r < all.images.size(); ++r) {
        const auto& img = dataset_.images[size_t(all.images[r])];
        const auto& cls = dataset_.classes[size_t(img.classIndex)];
        if (!cls.seen || !cls.inSplit || img.subset != Subset::Train) continue;
        rowOfClass[size_t(img.classIndex)] = 0;
    }
    SeenHead sh;
    for (size_t c = 0; c < rowOfClass.size(); ++c)
        if (rowOfClass[c] == 0) {
            rowOfClass[c] = int(sh.classes.size());
            sh.classes.push_back(int(c));
        }
    for (size_t r = 0; r < all.images.size(); ++r) {
        const auto& img = dataset_.images[size_t(all.images[r])];
        const auto& cls = dataset_.classes[size_t(img.classIndex)];
        const int row = rowOfClass[size_t(img.classIndex)];
        if (!cls.seen || !cls.inSplit || row < 0) continue;
        (img.subset == Subset::Train ? trainRows : testRows).push_back(int64_t(r));
        (img.subset == Subset::Train ? trainLabels : testLabels).push_back(row);
    }
    if (sh.classes.size() < 2)
        throw DataError(
            located(dataset_.root, 0,
                    "need training images of at least 2 seen classes, found " + std::to_string(sh.classes.size())));

    const auto& ho = options_.head;
    const nlohmann::json key = {
        {"kind", "seen-head"},
        {"bundle", bundle_.identity},
        {"features", all.cachePath},
        {"images", imageListIdentity(dataset_, all.images)},
        {"options",
         {ho.heldOutFraction, ho.maxEpochs, ho.patience, ho.batchSize, ho.learningRate, ho.weightDecay, ho.seed}}};
    sh.cachePath = cacheFilePath(options_.cacheDir, "head", key);
    const auto trainX = all.features.index_select(0, torch::tensor(trainRows, torch::kLong));
    const auto trainY = torch::tensor(trainLabels, torch::kLong);
    std::string why;
    auto cached = options_.useCache ? readMatrixFile(sh.cachePath, key, &why) : std::nullopt;
    if (cached && cached->rows == int64_t(sh.classes.size()) && cached->cols == all.features.size(1) + 1) {
        const auto wb = fromMatrix(*cached);
        sh.head.weight = wb.slice(1, 0, wb.size(1) - 1).contiguous();
        sh.head.bias = wb.select(1, wb.size(1) - 1).contiguous();
        const auto& r = cached->header["report"];
        sh.report.epochs = r.value("epochs", 0);
        sh.report.bestEpoch = r.value("best_epoch", 0);
        sh.report.trainAccuracy = r.value("train_accuracy", 0.0);
        sh.report.heldOutAccuracy = r.value("held_out_accuracy", 0.0);
        sh.report.seconds = r.value("seconds", 0.0);
        sh.fromCache = true;
    } else if (headMustBeCached_) {
        throw DataError(sh.cachePath + ": no usable seen head cache (" + (why.empty() ? "shape differs" : why) +
                        "); train it once on the merged features (niwt extract --phase head) before the shards");
    } else {
        sh.head = trainLinearHead(trainX, trainY, int(sh.classes.size()), ho, &sh.report, [&](int epoch, double) {
            report("head", epoch, ho.maxEpochs);
            return !(cancelled_ && cancelled_());
        });
        nlohmann::json header = {{"key", key},
                                 {"classes", sh.classes},
                                 {"report",
                                  {{"epochs", sh.report.epochs},
                                   {"best_epoch", sh.report.bestEpoch},
                                   {"train_accuracy", sh.report.trainAccuracy},
                                   {"held_out_accuracy", sh.report.heldOutAccuracy},
                                   {"seconds", sh.report.seconds}}}};
        const auto weights = torch::cat({sh.head.weight, sh.head.bias.unsqueeze(1)}, 1);
        requireFinite(weights, bundle_, bundle_.network->stageNames()[size_t(stage_)],
                      "the seen head's weights (trained on its features)");
        writeMatrixFile(sh.cachePath, toMatrix(weights, header));
    }
    sh.seenTestImages = int(testRows.size());
    if (!testRows.empty()) {
        torch::NoGradGuard g;
        const auto testX = all.features.index_select(0, torch::tensor(testRows, torch::kLong));
        sh.seenTestAccuracy = top1Accuracy(sh.head.logits(testX), torch::tensor(testLabels, torch::kLong));
    }
    sh.identity = tensorIdentity(torch::cat({sh.head.weight, sh.head.bias.unsqueeze(1)}, 1));
    head_ = std::move(sh);
    haveHead_ = true;
    return head_;
}

Extractor::ImportanceList Extractor::importanceList() {
    const auto& sh = seenHead();
    ImportanceList list;
    list.rowOfClass.assign(dataset_.classes.size(), -1);
    for (size_t r = 0; r < sh.classes.size(); ++r) list.rowOfClass[size_t(sh.classes[r])] = int(r);
    for (int i : limited(dataset_.imageIndices(true, Subset::Train)))
        if (list.rowOfClass[size_t(dataset_.images[size_t(i)].classIndex)] >= 0) list.images.push_back(i);
    list.stageName = bundle_.network->stageNames()[size_t(stage_)];
    list.key = {{"kind", "importances"},
                {"bundle", bundle_.identity},
                {"stage", list.stageName},
                {"dataset", dataset_.fingerprint()},
                {"images", imageListIdentity(dataset_, list.images)},
                // The images' files are covered by the feature cache's key (their stamps); its
                // name, not its path, so that caches moved to another folder still match.
                {"features", std::filesystem::path(allFeatures().cachePath).filename().string()},
                {"head", sh.identity}};
    return list;
}

ImportanceSet Extractor::importances() {
    const auto start = std::chrono::steady_clock::now();
    const ImportanceList list = importanceList();
    ImportanceSet set;
    set.stageName = list.stageName;
    set.cachePath = cacheFilePath(options_.cacheDir, "importances", list.key);
    std::string why;
    if (options_.useCache) {
        if (auto m = readMatrixFile(set.cachePath, list.key, &why)) {
            set.images = m->header.value("images", std::vector<int>());
            set.classes = m->header.value("classes", std::vector<int>());
            if (int64_t(set.images.size()) == m->rows && set.classes.size() == set.images.size()) {
                set.alpha = fromMatrix(*m);
                set.fromCache = true;
                set.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                return set;
            }
        }
    }
    runImportancePass(list, 0, int64_t(list.images.size()), set);
    requireFinite(set.alpha, bundle_, list.stageName, "the importances");
    nlohmann::json header = {
        {"key", list.key}, {"images", set.images}, {"classes", set.classes}, {"stage", set.stageName}};
    writeMatrixFile(set.cachePath, toMatrix(set.alpha, header));
    set.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return set;
}

void Extractor::runImportancePass(const ImportanceList& list, int64_t begin, int64_t end, ImportanceSet& set) {
    const auto& net = *bundle_.network;
    const auto headOnDevice = seenHead().head.to(device_);
    const auto& images = list.images;
    auto targetsOf = [&](const std::vector<int>& imgs) {
        std::vector<int64_t> t;
        for (int i : imgs) t.push_back(list.rowOfClass[size_t(dataset_.images[size_t(i)].classIndex)]);
        return torch::tensor(t, torch::kLong).to(device_);
    };

    // Batches are the list's positions [kB, kB+B) less unreadable images, whichever way their
    // stage activations are obtained, so results never depend on the route, the cache's state or
    // sharding. Activations recorded on the feature pass (see allFeatures) save the early stages
    // for a batch whose images were all computed in feature batches of that same size: a network
    // gives an image the same bits in any batch of the same size, not across sizes.
    std::map<int, size_t> kept;
    for (size_t k = 0; k < keptImages_.size(); ++k) kept[keptImages_[k]] = k;
    const int64_t B = std::max(1, options_.batchSize);
    std::vector<std::vector<int>> windowImages;  // readable images of each batch, in list order
    std::vector<torch::Tensor> windowAlpha;
    std::vector<size_t> decodedWindows;
    std::vector<int> toDecode;
    int done = 0;
    const int total = int(end - begin);
    for (int64_t w = begin; w < end; w += B) {
        const std::vector<int> window(images.begin() + w, images.begin() + std::min(end, w + B));
        std::vector<int> fromKept;
        bool sameSize = true;
        for (int i : window)
            if (auto it = kept.find(i); it != kept.end()) fromKept.push_back(i);
        for (int i : fromKept) sameSize = sameSize && keptBatchSizes_[kept[i]] == int(fromKept.size());
        windowImages.emplace_back();
        windowAlpha.emplace_back();
        if (!keptImages_.empty() && !fromKept.empty() && sameSize) {
            // With activations kept, the images of the list not kept are the unreadable ones.
            checkCancelled();
            std::vector<torch::Tensor> acts;
            for (int i : fromKept) acts.push_back(keptActivations_[kept[i]]);
            // In the memory format the stage gave them (stack makes them NCHW): kernels differ by format.
            auto a = torch::stack(acts).to(device_);
            if (keptChannelsLast_) a = a.contiguous(at::MemoryFormat::ChannelsLast);
            windowAlpha.back() = neuronImportances(net, stage_, headOnDevice, a, targetsOf(fromKept)).to(torch::kCPU);
            windowImages.back() = fromKept;
            done += int(window.size());
            report("importances", done, total);
        } else {
            // Only the range's last batch can be short, and it comes last here too, so the loader's
            // batches below are exactly these windows.
            decodedWindows.push_back(windowImages.size() - 1);
            toDecode.insert(toDecode.end(), window.begin(), window.end());
        }
    }
    if (!toDecode.empty()) {
        ImageBatchLoader loader(pathsOf(toDecode), bundle_.input, loaderOptions());
        ImageBatch batch;
        size_t next = 0;
        while (loader.next(batch)) {
            checkCancelled();
            const size_t w = decodedWindows.at(next++);
            done += int(batch.positions.size() + batch.failures.size());
            if (!batch.positions.empty()) {
                std::vector<int> imgs;
                for (int p : batch.positions) imgs.push_back(toDecode[size_t(p)]);
                windowAlpha[w] =
                    imageImportances(net, stage_, headOnDevice, toDevice(batch.images), targetsOf(imgs), nullptr)
                        .to(torch::kCPU);
                windowImages[w] = std::move(imgs);
            }
            report("importances", done, total);
        }
    }
    std::vector<torch::Tensor> chunks;
    for (size_t w = 0; w < windowImages.size(); ++w) {
        if (windowImages[w].empty()) continue;
        for (int i : windowImages[w]) {
            set.images.push_back(i);
            set.classes.push_back(dataset_.images[size_t(i)].classIndex);
        }
        chunks.push_back(windowAlpha[w]);
    }
    set.alpha = chunks.empty() ? torch::zeros({0, 0}) : torch::cat(chunks).contiguous();
}

PartialCache Extractor::featuresShard(const ShardSpec& shard) {
    const auto start = std::chrono::steady_clock::now();
    const auto images = everyImage();
    const auto key = featuresKey(images);
    PartialCache part;
    part.kind = "features";
    part.shard = shard;
    part.listSize = int64_t(images.size());
    part.slice = shardSlice(shard, part.listSize, options_.batchSize);
    part.fullPath = cacheFilePath(options_.cacheDir, "features", key);
    FeatureSet set;
    runFeaturePass(images, part.slice.begin, part.slice.end, {}, set);
    const nlohmann::json header = {{"images", set.images}, {"failed", set.failed}, {"unreadable", set.unreadable}};
    part.path = writePartialCache(options_.cacheDir, "features", key, shard, part.slice, part.listSize,
                                  options_.batchSize, toMatrix(set.features, header));
    part.rows = int(set.images.size());
    part.failed = set.failed;
    part.unreadable = set.unreadable;
    part.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return part;
}

const SeenHead& Extractor::seenHeadFromCachedFeatures() {
    featuresMustBeCached_ = true;
    return seenHead();
}

PartialCache Extractor::importancesShard(const ShardSpec& shard) {
    const auto start = std::chrono::steady_clock::now();
    featuresMustBeCached_ = true;
    headMustBeCached_ = true;
    const ImportanceList list = importanceList();
    PartialCache part;
    part.kind = "importances";
    part.shard = shard;
    part.listSize = int64_t(list.images.size());
    part.slice = shardSlice(shard, part.listSize, options_.batchSize);
    part.fullPath = cacheFilePath(options_.cacheDir, "importances", list.key);
    ImportanceSet set;
    runImportancePass(list, part.slice.begin, part.slice.end, set);
    requireFinite(set.alpha, bundle_, list.stageName, "the importances");
    const nlohmann::json header = {{"images", set.images}, {"classes", set.classes}, {"stage", list.stageName}};
    part.path = writePartialCache(options_.cacheDir, "importances", list.key, shard, part.slice, part.listSize,
                                  options_.batchSize, toMatrix(set.alpha, header));
    part.rows = int(set.images.size());
    part.failed = int(part.slice.end - part.slice.begin) - part.rows;
    part.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return part;
}

std::vector<int> Extractor::alpha2wPool(int perClass) {
    std::map<int, int> taken;
    for (int c : seenHead().classes) taken[c] = 0;
    std::vector<int> candidates;
    for (int i : dataset_.imageIndices(true, Subset::Train)) {
        auto it = taken.find(dataset_.images[size_t(i)].classIndex);
        if (it != taken.end() && it->second < perClass) {
            ++it->second;
            candidates.push_back(i);
        }
    }
    return candidates;
}

JacobianSet Extractor::importanceJacobians(int perClass) {
    const auto start = std::chrono::steady_clock::now();
    const std::vector<int> candidates = alpha2wPool(perClass);
    const std::string stageName = bundle_.network->stageNames()[size_t(stage_)];
    // The Jacobians depend on the network and the pool's activations only, not on the head.
    const nlohmann::json key = {{"kind", "importance-jacobians"},
                                {"bundle", bundle_.identity},
                                {"stage", stageName},
                                {"dataset", dataset_.fingerprint()},
                                {"images", imageFilesIdentity(dataset_, candidates)}};
    JacobianSet out;
    out.cachePath = cacheFilePath(options_.cacheDir, "jacobians", key);
    const int64_t F = bundle_.network->featureDim();
    if (options_.useCache) {
        std::string why;
        if (auto m = readMatrixFile(out.cachePath, key, &why)) {
            out.images = m->header.value("images", std::vector<int>());
            const int64_t P = int64_t(out.images.size());
            // Factored: P rows of rowScale, then K rows of shared' (F columns). Dense: P rows of F K.
            const bool factored = m->header.value("factored", false);
            const bool fits = P > 0 && (factored ? m->cols == F && m->rows > P : m->rows == P && m->cols % F == 0);
            if (fits) {
                const auto all = fromMatrix(*m);
                if (factored) {
                    out.jacobians.rowScale = all.slice(0, 0, P).contiguous();
                    out.jacobians.shared = all.slice(0, P).t().contiguous();
                } else {
                    out.jacobians.values = all.view({P, F, m->cols / F});
                }
                out.fromCache = true;
                out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                return out;
            }
        }
    }
    const auto& net = *bundle_.network;
    ImageBatchLoader loader(pathsOf(candidates), bundle_.input, loaderOptions());
    ImageBatch batch;
    std::vector<ImportanceJacobians> parts;
    while (loader.next(batch)) {
        checkCancelled();
        if (batch.positions.empty()) continue;
        const int before = int(out.images.size());
        for (int p : batch.positions) out.images.push_back(candidates[size_t(p)]);
        const auto acts = stageActivations(net, toDevice(batch.images), stage_);
        const int batchImages = int(batch.positions.size());
        const auto part = niwt::importanceJacobians(net, stage_, acts, options_.batchSize, [&](int done, int total) {
            checkCancelled();
            report("jacobians", before + int(int64_t(batchImages) * done / std::max(1, total)), int(candidates.size()));
            return true;
        });
        parts.push_back(part);
        report("jacobians", int(out.images.size()), int(candidates.size()));
    }
    if (parts.empty())
        throw DataError(located(dataset_.root, 0, "no readable seen training images for the alpha2w pool"));
    // Batches share the factored form's `shared` (the same stage weights); if any batch needed
    // backward passes, all are stored dense.
    const bool factored = std::all_of(parts.begin(), parts.end(), [](const auto& p) { return p.closedForm(); });
    std::vector<torch::Tensor> pieces;
    for (const auto& p : parts) pieces.push_back((factored ? p.rowScale : p.dense()).to(torch::kCPU));
    for (const auto& piece : pieces) requireFinite(piece, bundle_, stageName, "the importance Jacobians");
    if (factored) requireFinite(parts.front().shared, bundle_, stageName, "the importance Jacobians");
    nlohmann::json header = {{"key", key}, {"images", out.images}, {"factored", factored}};
    if (factored) {
        out.jacobians.rowScale = torch::cat(pieces);
        out.jacobians.shared = parts.front().shared.to(torch::kCPU);
        writeMatrixFile(out.cachePath,
                        toMatrix(torch::cat({out.jacobians.rowScale, out.jacobians.shared.t()}), header));
    } else {
        out.jacobians.values = torch::cat(pieces);
        writeMatrixFile(out.cachePath,
                        toMatrix(out.jacobians.values.reshape({out.jacobians.values.size(0), -1}), header));
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
}

ImportanceBasis Extractor::importanceBasis(int perClass) {
    const auto start = std::chrono::steady_clock::now();
    const auto& sh = seenHead();
    ImportanceBasis out;
    const std::vector<int> candidates = alpha2wPool(perClass);
    const std::string stageName = bundle_.network->stageNames()[size_t(stage_)];
    const nlohmann::json key = {{"kind", "importance-basis"},
                                {"bundle", bundle_.identity},
                                {"stage", stageName},
                                {"dataset", dataset_.fingerprint()},
                                {"images", imageFilesIdentity(dataset_, candidates)},
                                {"head", sh.identity}};
    out.cachePath = cacheFilePath(options_.cacheDir, "basis", key);
    const int64_t R = sh.head.classes();
    if (options_.useCache) {
        std::string why;
        if (auto m = readMatrixFile(out.cachePath, key, &why)) {
            out.images = m->header.value("images", std::vector<int>());
            if (int64_t(out.images.size()) == m->rows && m->rows > 0 && m->cols % R == 0) {
                out.basis = fromMatrix(*m).view({m->rows, R, m->cols / R});
                out.fromCache = true;
                out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                return out;
            }
        }
    }
    const auto& net = *bundle_.network;
    const auto head = sh.head.to(device_);
    ImageBatchLoader loader(pathsOf(candidates), bundle_.input, loaderOptions());
    ImageBatch batch;
    std::vector<torch::Tensor> parts;
    while (loader.next(batch)) {
        checkCancelled();
        if (batch.positions.empty()) continue;
        for (int p : batch.positions) out.images.push_back(candidates[size_t(p)]);
        const auto acts = stageActivations(net, toDevice(batch.images), stage_);
        parts.push_back(niwt::importanceBasis(net, stage_, acts, head.weight, options_.batchSize).to(torch::kCPU));
        report("basis", int(out.images.size()), int(candidates.size()));
    }
    if (parts.empty())
        throw DataError(located(dataset_.root, 0, "no readable seen training images for the alpha2w pool"));
    out.basis = torch::cat(parts);
    requireFinite(out.basis, bundle_, stageName, "the importance basis");
    nlohmann::json header = {{"key", key}, {"images", out.images}, {"basis_rows", R}};
    writeMatrixFile(out.cachePath, toMatrix(out.basis.reshape({out.basis.size(0), -1}), header));
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
}

}  // namespace niwt
