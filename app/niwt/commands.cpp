// `niwt info` and `niwt extract`, and the option handling they share with `niwt bench`.
#include "app/niwt/cli.h"
#include "core/data/loaders.h"
#include "core/data/text_encoder.h"
#include "core/engine/device.h"
#include "core/io/cache_shards.h"
#include "core/io/progress_meter.h"
#include "core/pipeline/default_network.h"
#include "core/pipeline/extraction.h"

#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <iostream>

namespace niwt::cli {

std::string Options::value(const std::string& name, const std::string& fallback) const {
    const auto it = values.find(name);
    return it == values.end() || it->second.empty() ? fallback : it->second.back();
}

std::vector<std::string> Options::all(const std::string& name) const {
    const auto it = values.find(name);
    return it == values.end() ? std::vector<std::string>() : it->second;
}

int Options::integer(const std::string& name, int fallback) const {
    const std::string v = value(name);
    if (v.empty()) return fallback;
    size_t used = 0;
    int n = 0;
    try {
        n = std::stoi(v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != v.size()) throw std::invalid_argument("--" + name + " expects an integer, got '" + v + "'");
    return n;
}

void printResult(const Options& options, const nlohmann::json& result) {
    if (options.flag("json")) {
        std::cout << result.dump(2) << "\n";
        return;
    }
    for (const auto& [key, value] : result.items())
        std::cout << key << ": " << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
}

namespace {
bool progressLineOpen = false;  // a terminal's progress line awaits its end (\n)
}  // namespace

void endProgressLine() {
    if (progressLineOpen) std::cerr << "\n" << std::flush;
    progressLineOpen = false;
}

void progressLine(const std::string& phase, int done, int total) {
    // On a terminal one line is rewritten in place (\r) at most twice a second; elsewhere (a Slurm
    // log, a file, a pipe) each report is a plain line of its own, at most one per phase every
    // kLogInterval, so that logs hold no carriage returns and stay short. The text is the
    // explorer's status bar's (ProgressMeter): "features 120/5902 · 85.3/s · 1:08 left".
    constexpr auto kTerminalInterval = std::chrono::milliseconds(500);
    constexpr auto kLogInterval = std::chrono::seconds(10);
    static const bool terminal = isatty(fileno(stderr)) != 0;
    static ProgressMeter meter(terminal ? std::chrono::milliseconds(kTerminalInterval)
                                        : std::chrono::duration_cast<std::chrono::milliseconds>(kLogInterval));
    bool& lineOpen = progressLineOpen;
    const bool first = phase != meter.last().phase;
    const std::optional<ProgressReport> report = meter.update(phase, done, total);
    if (!report) return;
    if (!terminal) {
        std::cerr << report->text() << "\n" << std::flush;
        return;
    }
    if (lineOpen && first) std::cerr << "\n";  // the previous phase ended without reaching its total (early stop)
    lineOpen = done < total;
    // Padded: a shorter line must cover the longer one it rewrites.
    std::string text = report->text();
    if (text.size() < 72) text.resize(72, ' ');
    std::cerr << "\r" << text << (lineOpen ? "" : "\n") << std::flush;
}

Dataset openDatasetFromOptions(const Options& options) {
    Dataset dataset = openDataset(options.value("dataset", "fashion-mnist"));
    for (const auto& split : options.all("split")) applySplit(dataset, split);
    // NAME=csv:FILE adds a modality; a bare NAME only selects one (niwt run).
    for (const auto& modality : options.all("modality"))
        if (modality.find('=') != std::string::npos) addModality(dataset, modality);
    return dataset;
}

std::string bundlePathFromOptions(const Options& options, const Dataset& dataset) {
    std::string path = options.value("bundle");
    if (path.empty()) {
        if (dataset.kind != "fashion-mnist")
            throw std::invalid_argument("--bundle is needed for " + dataset.kind +
                                        " data sets (only the embedded default trains its own network)");
        DefaultNetworkOptions dn;
        // --cache-dir holds everything the run caches, the default network too (nothing goes to
        // the user's cache folder when another one is named).
        dn.cacheDir = options.value("cache-dir");
        dn.device = options.value("device", "auto");
        if (!options.value("epochs").empty()) dn.epochs = options.integer("epochs", dn.epochs);
        const auto result = ensureDefaultNetwork(
            dataset, dn,
            [](const NetworkTrainingProgress& p) {
                progressLine(
                    "training default network, epoch " + std::to_string(p.epoch) + "/" + std::to_string(p.epochs),
                    p.batch, p.batches);
            },
            cancelRequested);
        if (result.trainedNow)
            std::cerr << "default network trained in " << result.seconds << " s, seen test accuracy "
                      << 100 * result.seenTestAccuracy << "%\n";
        path = result.bundleDir;
    }
    return path;
}

Bundle openBundleFromOptions(const Options& options, const Dataset& dataset, const torch::Device& device) {
    return loadBundle(bundlePathFromOptions(options, dataset), device);
}

EngineContext engineContextFromOptions(const Options& options, std::shared_ptr<const Dataset> dataset) {
    EngineContext context;
    context.bundle = bundlePathFromOptions(options, *dataset);
    context.dataset = std::move(dataset);
    context.stage = options.value("stage");
    context.modality = modalityNameFromOptions(options);
    context.descriptionsFile = options.value("descriptions");
    context.device = options.value("device", "auto");
    context.cacheDir = options.value("cache-dir");
    return context;
}

std::string modalityNameFromOptions(const Options& options) {
    const std::string name = options.value("modality", "attributes");
    return name.substr(0, name.find('='));
}

std::string descriptionsFileFromOptions(const Options& options, const Dataset& dataset) {
    return options.value("descriptions", defaultDescriptionsFile(dataset));
}

// The modality named by --modality (default "attributes"); for NAME=csv:FILE the NAME.
// "captions" is built from class descriptions as `niwt run` does.
const Modality& modalityFromOptions(Dataset& dataset, const Options& options,
                                    std::optional<TextEncoder>* captionsEncoder) {
    const std::string name = modalityNameFromOptions(options);
    if (name == "captions" && !dataset.modality("captions")) {
        const std::string file = descriptionsFileFromOptions(options, dataset);
        if (file.empty())
            throw std::invalid_argument(
                "the captions modality needs --descriptions FILE (JSON: class name -> phrases)");
        CaptionModel model = captionModelFromFile(dataset, file);
        dataset.modalities.push_back(std::move(model.modality));
        if (captionsEncoder) *captionsEncoder = std::move(model.encoder);
    }
    const Modality* m = dataset.modality(name);
    if (!m) {
        std::string names;
        for (const auto& mod : dataset.modalities) names += (names.empty() ? "" : ", ") + mod.name;
        throw std::invalid_argument("the data set has no modality \"" + name + "\" (it has: " + names + ")");
    }
    return *m;
}

int configureThreadsFromOptions(const Options& options) {
    const int threads = options.integer("torch-threads", 0);
    if (threads < 0) throw std::invalid_argument("--torch-threads must be 1 or more");
    if (threads == 0) return configureTorchThreads();
    torch::set_num_threads(threads);
    keepBlasSingleThreaded();
    return torch::get_num_threads();
}

ExtractionOptions extractionOptionsFromOptions(const Options& options) {
    ExtractionOptions eo;
    eo.cacheDir = options.value("cache-dir");
    eo.batchSize = options.integer("batch-size", eo.batchSize);
    eo.decodeThreads = options.integer("decode-threads", 0);
    eo.limit = options.integer("limit", 0);
    eo.useCache = !options.flag("no-cache");
    return eo;
}

namespace {

nlohmann::json datasetSummary(const Dataset& d) {
    auto count = [&](bool seen, Subset subset) { return int(d.imageIndices(seen, subset).size()); };
    nlohmann::json modalities = nlohmann::json::array();
    for (const auto& m : d.modalities)
        modalities.push_back(
            {{"name", m.name}, {"dims", m.dims}, {"named_dims", !m.dimNames.empty()}, {"source", m.source}});
    int withImages = 0, notInSplit = 0;
    std::vector<int> perClass(d.classes.size(), 0);
    for (const auto& img : d.images) ++perClass[size_t(img.classIndex)];
    for (size_t c = 0; c < d.classes.size(); ++c) {
        withImages += perClass[c] > 0;
        notInSplit += !d.classes[c].inSplit;
    }
    int seenWithImages = 0, unseenWithImages = 0;
    for (size_t c = 0; c < d.classes.size(); ++c)
        if (perClass[c] > 0 && d.classes[c].inSplit) (d.classes[c].seen ? seenWithImages : unseenWithImages)++;
    return {{"dataset", d.spec},
            {"kind", d.kind},
            {"classes", d.classes.size()},
            {"classes_with_images", withImages},
            {"seen_classes", d.seenCount()},
            {"unseen_classes", d.unseenCount()},
            {"seen_classes_with_images", seenWithImages},
            {"unseen_classes_with_images", unseenWithImages},
            {"classes_outside_split", notInSplit},
            {"images", d.images.size()},
            {"images_per_split",
             {{"seen_train", count(true, Subset::Train)},
              {"seen_test", count(true, Subset::Test)},
              {"unseen_train", count(false, Subset::Train)},
              {"unseen_test", count(false, Subset::Test)}}},
            {"corrupt_skipped", d.corruptSkipped},
            {"modalities", modalities}};
}

}  // namespace

namespace {

// `niwt info --bundle PATH`: what the bundle offers, checked by running one blank image through
// every stage at the nominal input size (so a bundle that loads but cannot run is reported here).
nlohmann::json bundleSummary(const std::string& path) {
    const Bundle bundle = loadBundle(path, torch::Device(torch::kCPU));
    const StagedNetwork& net = *bundle.network;
    torch::NoGradGuard noGrad;
    torch::Tensor x = torch::zeros({1, bundle.input.channels(), bundle.input.height, bundle.input.width});
    nlohmann::json stages = nlohmann::json::array();
    for (int s = 0; s < net.stageCount(); ++s) {
        x = net.runStages(x, s, s);
        stages.push_back({{"name", net.stageNames()[size_t(s)]},
                          {"channels", x.size(1)},
                          {"height", x.size(2)},
                          {"width", x.size(3)}});
    }
    return {{"path", bundle.directory},
            {"name", bundle.name},
            {"input", toJson(bundle.input)},
            {"stages", stages},
            {"default_stage", net.stageNames()[size_t(net.defaultImportanceStage())]},
            {"features", net.featureDim()},
            {"neck", net.hasNeck()},
            {"outputs", net.classifierOutputs()},
            {"labels", bundle.labels.size()},
            {"identity", bundle.identity}};
}

}  // namespace

int commandInfo(const Options& options) {
    nlohmann::json result = datasetSummary(openDatasetFromOptions(options));
    if (!options.value("bundle").empty()) result["bundle"] = bundleSummary(options.value("bundle"));
    printResult(options, result);
    return 0;
}

namespace {

// Skipped images are named, not only counted: one summary line on stderr (the first few, each
// "PATH: why"); the JSON's unreadable_files lists them all.
void reportUnreadableImages(const std::vector<std::string>& unreadable) {
    if (unreadable.empty()) return;
    constexpr size_t kNamed = 3;
    std::string line = "niwt: skipped " + std::to_string(unreadable.size()) + " unreadable image" +
                       (unreadable.size() == 1 ? "" : "s") + ": ";
    for (size_t i = 0; i < unreadable.size() && i < kNamed; ++i) line += (i ? "; " : "") + unreadable[i];
    if (unreadable.size() > kNamed) line += "; and " + std::to_string(unreadable.size() - kNamed) + " more";
    endProgressLine();
    std::cerr << line << " (all listed in unreadable_files)\n" << std::flush;
}

// `niwt extract --phase features|head|importances [--shard I/N]`: one step of cluster-scale
// extraction (packaging/cluster/README.md); `niwt merge` joins the shards' partial caches.
int extractPhase(const Options& options, Extractor& extractor, const nlohmann::json& context) {
    const std::string phase = options.value("phase");
    nlohmann::json result = context;
    result["phase"] = phase;
    if (phase == "head") {
        const auto& head = extractor.seenHeadFromCachedFeatures();
        result["seen_head"] = {{"path", head.cachePath},
                               {"classes", head.classes.size()},
                               {"held_out_accuracy", head.report.heldOutAccuracy},
                               {"seen_test_accuracy", head.seenTestAccuracy},
                               {"from_cache", head.fromCache}};
    } else {
        const ShardSpec shard = parseShardSpec(options.value("shard"));
        const PartialCache part =
            phase == "features" ? extractor.featuresShard(shard) : extractor.importancesShard(shard);
        result["shard"] = shard.text();
        result["part"] = part.path;
        result["merges_into"] = part.fullPath;
        result["slice"] = {part.slice.begin, part.slice.end};
        result["list_size"] = part.listSize;
        result["rows"] = part.rows;
        result["unreadable_images"] = part.failed;
        if (phase == "features") {
            result["unreadable_files"] = part.unreadable;
            reportUnreadableImages(part.unreadable);
        }
        result["seconds"] = part.seconds;
    }
    printResult(options, result);
    return 0;
}

// Argument errors of the sharded steps, before any data set or network is opened.
void checkPhaseOptions(const Options& options) {
    const std::string phase = options.value("phase"), shard = options.value("shard");
    if (!phase.empty() && phase != "features" && phase != "head" && phase != "importances")
        throw std::invalid_argument("--phase expects features, head or importances, got '" + phase + "'");
    if (!shard.empty() && phase.empty())
        throw std::invalid_argument("--shard needs --phase features or --phase importances (see niwt --help)");
    if (phase == "head" && !shard.empty())
        throw std::invalid_argument("--phase head runs once, on the merged features, without --shard");
    if ((phase == "features" || phase == "importances") && shard.empty())
        throw std::invalid_argument("--phase " + phase + " needs --shard I/N");
    if (!shard.empty()) parseShardSpec(shard);
    if (!phase.empty() && options.flag("no-cache"))
        throw std::invalid_argument(
            "--no-cache cannot be combined with --phase (the sharded steps build on the merged caches)");
}

}  // namespace

int commandExtract(const Options& options) {
    const auto start = std::chrono::steady_clock::now();
    checkPhaseOptions(options);
    configureThreadsFromOptions(options);
    const auto device = chooseDevice(options.value("device", "auto"));
    const Dataset dataset = openDatasetFromOptions(options);
    const Bundle bundle = openBundleFromOptions(options, dataset, device);
    const int stage = resolveStage(bundle, options.value("stage"));

    Extractor extractor(dataset, bundle, stage, device, extractionOptionsFromOptions(options), progressLine,
                        cancelRequested);
    if (!options.value("phase").empty())
        return extractPhase(options, extractor,
                            {{"dataset", dataset.spec},
                             {"bundle", bundle.directory},
                             {"device", describeDevice(device)},
                             {"stage", bundle.network->stageNames()[size_t(stage)]}});

    const auto& features = extractor.allFeatures();
    const auto& head = extractor.seenHead();
    const auto importances = extractor.importances();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    reportUnreadableImages(features.unreadable);
    printResult(options, {{"dataset", dataset.spec},
                          {"bundle", bundle.directory},
                          {"device", describeDevice(device)},
                          {"stage", importances.stageName},
                          {"importances",
                           {{"path", importances.cachePath},
                            {"images", importances.images.size()},
                            {"channels", importances.alpha.size(1)},
                            {"from_cache", importances.fromCache},
                            {"seconds", importances.seconds}}},
                          {"features",
                           {{"path", features.cachePath},
                            {"images", features.images.size()},
                            {"dims", features.features.size(1)},
                            {"unreadable_images", features.failed},
                            {"unreadable_files", features.unreadable},
                            {"from_cache", features.fromCache}}},
                          {"seen_head",
                           {{"path", head.cachePath},
                            {"classes", head.classes.size()},
                            {"train_accuracy", head.report.trainAccuracy},
                            {"held_out_accuracy", head.report.heldOutAccuracy},
                            {"seen_test_accuracy", head.seenTestAccuracy},
                            {"seen_test_images", head.seenTestImages},
                            {"epochs", head.report.epochs},
                            {"best_epoch", head.report.bestEpoch},
                            {"from_cache", head.fromCache}}},
                          {"total_s", seconds}});
    return 0;
}

int commandMerge(const Options& options) {
    std::string cacheDir = options.value("cache-dir");
    if (cacheDir.empty()) cacheDir = defaultCacheDir() + "/cache";
    const std::vector<std::string> inputs(options.positional.begin() + 1, options.positional.end());
    nlohmann::json merged = nlohmann::json::array();
    for (const auto& m : mergePartialCaches(cacheDir, inputs, !options.flag("keep-parts")))
        merged.push_back({{"kind", m.kind}, {"path", m.path}, {"rows", m.rows}, {"parts", m.parts}});
    printResult(options, {{"cache_dir", cacheDir}, {"merged", merged}});
    return 0;
}

}  // namespace niwt::cli
