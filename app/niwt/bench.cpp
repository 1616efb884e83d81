// `niwt bench extract`: images/s for decoding alone, for the network alone on preloaded tensors,
// and for the full importance extraction (decoding overlapped with the network), in one run; then,
// when /usr/bin/python3 has torch, the same extraction driven from Python (a DataLoader and one
// call per stage, tools/eager_extract_bench.py) on the same images, as the baseline: NCHW as a
// plain eager script, again with channels-last images as the engine feeds its network, and the
// network alone on batches decoded beforehand (beside the engine's network-only figure).
#include "app/niwt/cli.h"
#include "core/engine/cpu_allocator.h"
#include "core/engine/device.h"
#include "core/engine/importance.h"
#include "core/pipeline/extraction.h"
#include "core/pipeline/niwt_learning.h"

#include <torch/cuda.h>

#include <unistd.h>

#include <sys/wait.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace niwt::cli {

namespace {

// Images timed when --limit is not given: enough batches for a stable rate, a minute or two on CPU.
constexpr int kDefaultBenchImages = 256;

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void synchronise(const torch::Device& device) {
    if (device.is_cuda()) torch::cuda::synchronize();
}

// The Python interpreter the baseline runs under: Debian's, which has python3-torch (a python3
// earlier on PATH, e.g. a virtual environment, need not have torch).
constexpr const char* kSystemPython = "/usr/bin/python3";

// tools/eager_extract_bench.py: in the source tree this niwt was built from, else installed beside
// the program (PREFIX/share/niwt/tools, app/niwt/CMakeLists.txt). "" when neither exists.
std::string eagerScriptPath() {
    namespace fs = std::filesystem;
    std::vector<fs::path> candidates{fs::path(NIWT_SOURCE_DIR) / "tools/eager_extract_bench.py"};
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) candidates.push_back(exe.parent_path().parent_path() / NIWT_INSTALL_TOOLS_DIR / "eager_extract_bench.py");
    for (const auto& c : candidates)
        if (fs::is_regular_file(c, ec)) return c.string();
    return {};
}

// One shell word: 'text', with each ' written as '\''.
std::string shellQuote(const std::string& text) {
    std::string quoted = "'";
    for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

// Runs `command` under /bin/sh; its stdout is returned, `status` gets its exit code (-1 when it
// could not start or did not exit normally).
std::string runCapturingStdout(const std::string& command, int* status) {
    std::string out;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) {
        *status = -1;
        return out;
    }
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    const int raw = pclose(pipe);
    *status = raw != -1 && WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    return out;
}

std::string lastLine(const std::string& text) {
    const auto end = text.find_last_not_of("\r\n \t");
    if (end == std::string::npos) return {};
    const auto begin = text.find_last_of('\n', end);
    return text.substr(begin == std::string::npos ? 0 : begin + 1,
                       end - (begin == std::string::npos ? 0 : begin + 1) + 1);
}

std::string readWholeFile(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct EagerSettings {
    std::string bundleDir, stageName, device;
    int batchSize = 32, torchThreads = 1, decodeThreads = 1, classes = 2;
    bool channelsLast = false;  // NHWC images (--channels-last), as the engine's Extractor::toDevice
    bool networkOnly = false;   // batches decoded first, the network timed alone (--network-only)
};

// The baseline on the same images: tools/eager_extract_bench.py under /usr/bin/python3 with the
// bench's stage, batch size, torch threads and decode-thread count (as DataLoader workers).
// Returns its JSON, or {"eager": "skipped: <reason>"}: the bench never fails for the baseline.
nlohmann::json runEagerBaseline(const std::vector<std::string>& paths, const EagerSettings& s) {
    namespace fs = std::filesystem;
    const auto skipped = [](const std::string& why) { return nlohmann::json{{"eager", "skipped: " + why}}; };
    std::error_code ec;
    if (!fs::exists(kSystemPython, ec)) return skipped(std::string(kSystemPython) + " is absent");
    int status = 0;
    const std::string probe = runCapturingStdout(std::string(kSystemPython) + " -c 'import torch, PIL' 2>&1", &status);
    if (status != 0)
        return skipped(std::string(kSystemPython) + " cannot import torch and PIL (" + lastLine(probe) + ")");
    const std::string script = eagerScriptPath();
    if (script.empty())
        return skipped("tools/eager_extract_bench.py not found (source tree " NIWT_SOURCE_DIR " or PREFIX/" +
                       std::string(NIWT_INSTALL_TOOLS_DIR) + ")");
    for (const auto& p : paths)
        if (p.rfind("idx:", 0) == 0 || p.find('\n') != std::string::npos)
            return skipped("the images are not plain files (" + p.substr(0, 60) + "), which PIL cannot open");

    // The image list and the script's stderr go to temporary files, removed on every way out.
    std::string listPath = (fs::temp_directory_path() / "niwt-eager-XXXXXX").string();
    const int fd = mkstemp(listPath.data());
    if (fd < 0) return skipped("cannot create a temporary file in " + fs::temp_directory_path().string());
    close(fd);
    const std::string errPath = listPath + ".stderr";
    struct Cleanup {
        std::string a, b;
        ~Cleanup() {
            std::error_code ignored;
            std::filesystem::remove(a, ignored);
            std::filesystem::remove(b, ignored);
        }
    } cleanup{listPath, errPath};
    {
        std::ofstream list(listPath);
        for (const auto& p : paths) list << p << '\n';
        if (!list) return skipped("cannot write the image list " + listPath);
    }

    // OPENBLAS_NUM_THREADS=1 as niwt keeps its own BLAS (keepBlasSingleThreaded).
    const std::string command =
        "OPENBLAS_NUM_THREADS=1 " + std::string(kSystemPython) + " " + shellQuote(script) + " " +
        shellQuote(s.bundleDir) + " " + shellQuote(s.stageName) + " " + shellQuote(listPath) + " --batch-size " +
        std::to_string(s.batchSize) + " --threads " + std::to_string(s.torchThreads) + " --workers " +
        std::to_string(s.decodeThreads) + " --classes " + std::to_string(s.classes) + " --seed 0 --device " +
        shellQuote(s.device) + (s.channelsLast ? " --channels-last" : "") + (s.networkOnly ? " --network-only" : "") +
        " 2>" + shellQuote(errPath);
    std::cerr << "eager: " << kSystemPython << " " << script << " (" << paths.size() << " images"
              << (s.channelsLast ? ", channels last" : "") << (s.networkOnly ? ", network only" : "") << ")\n";
    const std::string out = runCapturingStdout(command, &status);
    throwIfCancelled();  // Ctrl+C reached the script too
    if (status != 0) {
        const std::string why = lastLine(readWholeFile(errPath));
        return skipped("the script failed (exit " + std::to_string(status) + ")" + (why.empty() ? "" : ": " + why));
    }
    const auto parsed = nlohmann::json::parse(lastLine(out), nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object() || !parsed.contains("eager_images_per_s") || !parsed["eager_images_per_s"].is_number() ||
        !(parsed["eager_images_per_s"].get<double>() > 0))
        return skipped("the script printed no eager_images_per_s (" + lastLine(out).substr(0, 200) + ")");
    return parsed;
}

}  // namespace

int commandBenchExtract(const Options& options) {
    const int threads = configureThreadsFromOptions(options);
    const auto device = chooseDevice(options.value("device", "auto"));
    const Dataset dataset = openDatasetFromOptions(options);
    const Bundle bundle = openBundleFromOptions(options, dataset, device);
    const int stage = resolveStage(bundle, options.value("stage"));
    const auto& net = *bundle.network;

    ExtractionOptions eo;
    eo.batchSize = options.integer("batch-size", eo.batchSize);
    eo.decodeThreads = options.integer("decode-threads", 0);
    eo.limit = options.integer("limit", kDefaultBenchImages);
    Extractor extractor(dataset, bundle, stage, device, eo, {}, cancelRequested);
    const auto images = extractor.limited(dataset.imageIndices(true, Subset::Train));
    if (images.empty()) throw std::invalid_argument("no seen training images to benchmark");
    const auto paths = extractor.pathsOf(images);

    // The head's weights do not change the cost of the gradient, so a random head of the real
    // shape (seen classes x features) stands in for the trained one.
    LinearHead head{torch::randn({std::max(2, dataset.seenCount()), net.featureDim()}, torch::kFloat).to(device) * 0.01,
                    torch::zeros({std::max(2, dataset.seenCount())}, torch::kFloat).to(device)};
    auto targetsFor = [&](int64_t n) { return torch::randint(head.classes(), {n}, torch::kLong).to(device); };

    const BatchLoaderOptions lo = extractor.loaderOptions();

    // 1. Decode + preprocess alone (the loader's threads, no network).
    std::vector<torch::Tensor> preloaded;
    int decoded = 0;
    auto t0 = std::chrono::steady_clock::now();
    {
        ImageBatchLoader loader(paths, bundle.input, lo);
        ImageBatch batch;
        while (loader.next(batch)) {
            throwIfCancelled();
            decoded += int(batch.positions.size());
            preloaded.push_back(batch.images);
        }
    }
    const double decodeSeconds = secondsSince(t0);
    std::cerr << "decode: " << decoded << " images in " << decodeSeconds << " s\n";

    // Warm-up (first-call allocations, kernel selection), not timed.
    imageImportances(net, stage, head, extractor.toDevice(preloaded.front()), targetsFor(preloaded.front().size(0)),
                     nullptr);
    synchronise(device);

    // 2. Network alone: forward to the stage, later stages with autograd, backward, on tensors in memory.
    t0 = std::chrono::steady_clock::now();
    for (const auto& x : preloaded) {
        throwIfCancelled();
        imageImportances(net, stage, head, extractor.toDevice(x), targetsFor(x.size(0)), nullptr).to(torch::kCPU);
    }
    synchronise(device);
    const double networkSeconds = secondsSince(t0);
    std::cerr << "network: " << decoded << " images in " << networkSeconds << " s\n";
    preloaded.clear();

    // 3. Full extraction: decoding on the loader's threads while the network works.
    int full = 0;
    t0 = std::chrono::steady_clock::now();
    {
        ImageBatchLoader loader(paths, bundle.input, lo);
        ImageBatch batch;
        while (loader.next(batch)) {
            throwIfCancelled();
            if (batch.positions.empty()) continue;
            imageImportances(net, stage, head, extractor.toDevice(batch.images), targetsFor(batch.images.size(0)),
                             nullptr)
                .to(torch::kCPU);
            full += int(batch.positions.size());
        }
    }
    synchronise(device);
    const double fullSeconds = secondsSince(t0);
    std::cerr << "full: " << full << " images in " << fullSeconds << " s\n";

    const double networkRate = decoded / networkSeconds, fullRate = full / fullSeconds;
    nlohmann::json result{{"dataset", dataset.spec},
                          {"bundle", bundle.directory},
                          {"stage", net.stageNames()[size_t(stage)]},
                          {"device", describeDevice(device)},
                          {"images", decoded},
                          {"batch_size", eo.batchSize},
                          {"decode_threads", lo.threads},
                          {"torch_threads", threads},
                          {"blas_kernels", blasKernels()},
                          {"cpu_allocator", installCachingCpuAllocator() ? "caching" : "system"},
                          {"decode_images_per_s", decoded / decodeSeconds},
                          {"network_images_per_s", networkRate},
                          {"full_images_per_s", fullRate},
                          {"full_over_network", fullRate / networkRate}};

    // 4. The baseline: the same extraction in PyTorch driven from Python, on the same images; plain
    // (NCHW, what an eager script does by default), then with channels-last images as the engine
    // uses them, so that the ratio's share owed to the memory format shows; then the network alone
    // on batches decoded beforehand, beside the engine's network-only figure.
    struct EagerVariant {
        const char* key;
        const char* ratioKey;
        bool channelsLast, networkOnly;
    };
    const EagerVariant variants[] = {
        {"eager", "full_over_eager", false, false},
        {"eager_channels_last", "full_over_eager_channels_last", true, false},
        {"eager_network_channels_last", "network_over_eager_network_channels_last", true, true},
    };
    EagerSettings settings{
        bundle.directory, net.stageNames()[size_t(stage)], device.is_cuda() ? "cuda" : "cpu", eo.batchSize, threads,
        lo.threads,       std::max(2, dataset.seenCount())};
    for (const auto& variant : variants) {
        settings.channelsLast = variant.channelsLast;
        settings.networkOnly = variant.networkOnly;
        const std::string key = variant.key;
        const auto eager = runEagerBaseline(paths, settings);
        if (eager.contains("eager_images_per_s")) {
            const double eagerRate = eager["eager_images_per_s"].get<double>();
            std::cerr << key << ": " << eager.value("images", 0) << " images in " << eager.value("seconds", 0.0)
                      << " s (PyTorch " << eager.value("torch_version", std::string("?")) << " from Python, "
                      << lo.threads << " DataLoader workers" << (variant.channelsLast ? ", channels last" : "")
                      << (variant.networkOnly ? ", network only" : "") << ")\n";
            result[key + "_images_per_s"] = eagerRate;
            result[variant.ratioKey] = (variant.networkOnly ? networkRate : fullRate) / eagerRate;
            if (eager.value("images", decoded) != decoded) result[key + "_images"] = eager.value("images", 0);
        } else {
            std::cerr << key << ": " << eager["eager"].get<std::string>() << "\n";
            result[key] = eager["eager"];
            if (!variant.channelsLast) break;  // the same reason would stop the other runs
        }
    }
    printResult(options, result);
    return 0;
}

}  // namespace niwt::cli

namespace niwt::cli {

// `niwt bench learn`: alpha2w for all unseen classes at once, and the interactive path (one new
// class from a typed class vector to weights plus a ranking of every image by its score).
int commandBenchLearn(const Options& options) {
    const int threads = configureThreadsFromOptions(options);
    const auto device = chooseDevice(options.value("device", "auto"));
    const Dataset dataset = openDatasetFromOptions(options);
    const std::string modalityName = options.value("modality", "attributes");
    const Modality* modality = dataset.modality(modalityName.substr(0, modalityName.find('=')));
    if (!modality) throw std::invalid_argument("the data set has no modality \"" + modalityName + "\"");
    const Bundle bundle = openBundleFromOptions(options, dataset, device);
    const int stage = resolveStage(bundle, options.value("stage"));
    ExtractionOptions eo;
    eo.cacheDir = options.value("cache-dir");
    Extractor extractor(dataset, bundle, stage, device, eo, progressLine, cancelRequested);
    const auto& features = extractor.allFeatures();
    const auto classVectors = classVectorMatrix(*modality, int(dataset.classes.size()));
    const auto unseen = learnableUnseenClasses(dataset, features);
    if (unseen.empty()) throw std::invalid_argument("no unseen class with images (give --split)");

    // All unseen classes together (caches warm after the first call).
    UnseenLearningOptions learning;
    learning.space = parseAlpha2WSpace(options.value("alpha2w", alpha2wSpaceName(kDefaultAlpha2WSpace)));
    const auto learned = learnUnseenClasses(extractor, dataset, classVectors, unseen, device, learning);
    throwIfCancelled();

    // Interactive path: the first unseen class's vector stands in for one the user typed. The
    // basis is prepared once per session (it depends on the seen head and the pool only).
    auto t0 = std::chrono::steady_clock::now();
    const auto prepared = prepareAlpha2W(learned.basis.basis.to(device), extractor.seenHead().head.to(device));
    synchronise(device);
    const double prepareSeconds = secondsSince(t0);
    const auto typed = classVectors[unseen.front()].unsqueeze(0);
    const auto allFeatures = features.features.to(device);
    // Each image's best seen logit, once per session as NiwtSession computes it: rankings are by
    // the new logit's margin over it.
    torch::Tensor bestSeen;
    {
        torch::NoGradGuard g;
        const auto& head = extractor.seenHead().head;
        bestSeen = std::get<0>(torch::addmm(head.bias.to(device), allFeatures, head.weight.to(device).t()).max(1));
    }
    // Full mode: the full-space problem prepared once per session too (the Jacobians are cached).
    Alpha2WFullSpace fullSpace;
    if (learning.space == Alpha2WSpace::Full) {
        const JacobianSet jacobians = extractor.importanceJacobians(learning.poolPerClass);
        fullSpace = prepareFullAlpha2W(jacobians.jacobians, extractor.seenHead().head.to(device));
    }
    // Where new logits are placed: computed once by learnUnseenClasses, as NiwtSession keeps them.
    const SeenFeatureMoments& seenFeatures = learned.seenFeatures;
    std::vector<double> refineTimes;  // full mode: the refinement alone, per interactive run
    // The interactive path from a class vector (1 x a) on: mod2alpha -> alpha2w -> margin ranking
    // (full mode: the span solution, then the full-space refinement from it). Returns alpha2w's
    // iterations (full mode: the refinement's).
    const auto learnAndRank = [&](const torch::Tensor& classVector) {
        const auto predicted = learned.mod2alpha.predict(classVector).to(device);
        Alpha2WReport report;
        auto w = alpha2w(prepared, predicted, learning.alpha2w, &report, {}, seenFeatures);
        if (learning.space == Alpha2WSpace::Full) {
            const auto t = std::chrono::steady_clock::now();
            w = alpha2wFull(fullSpace, predicted, learning.alpha2w, &report, {}, seenFeatures, w.direction);
            refineTimes.push_back(secondsSince(t));
        }
        torch::NoGradGuard g;
        (void)torch::argsort(torch::mv(allFeatures, w.weight[0]) + w.bias[0] - bestSeen, 0, /*descending=*/true).cpu();
        return report.iterations;
    };
    // --text: the same path from the typed sentence on: parse -> mod2alpha -> alpha2w -> ranking.
    const std::string text = options.value("text");
    std::vector<double> typedTimes, parseTimes;
    double parserBuildSeconds = 0;
    int typedIterations = 0;
    nlohmann::json typedReport;
    if (options.values.count("text")) {
        t0 = std::chrono::steady_clock::now();
        const SentenceVectors sentences(dataset, *modality, SentenceRoute::Parser);
        parserBuildSeconds = secondsSince(t0);
        const SentenceVector first = sentences(text);
        if (!first.problem.empty()) throw std::invalid_argument("--text: " + first.problem);
        typedReport = first.report;
        for (int repeat = 0; repeat < 200; ++repeat) {
            throwIfCancelled();
            t0 = std::chrono::steady_clock::now();
            const SentenceVector parsed = sentences(text);
            parseTimes.push_back(secondsSince(t0));
        }
        for (int repeat = 0; repeat < 5; ++repeat) {
            throwIfCancelled();
            t0 = std::chrono::steady_clock::now();
            const SentenceVector parsed = sentences(text);
            typedIterations = learnAndRank(torch::tensor(parsed.vector).unsqueeze(0));
            typedTimes.push_back(secondsSince(t0));
        }
        std::sort(typedTimes.begin(), typedTimes.end());
        std::sort(parseTimes.begin(), parseTimes.end());
    }

    // All unseen classes again, as learnUnseenClasses solves them (the span basis prepared in the
    // call, then the full refinement in full mode; the Jacobians are prepared already): the first
    // call above pays the process's one-off start-up costs (first BLAS and LAPACK calls, fresh
    // memory), which vary from run to run by 4x here, so the median of repeats is the figure.
    const auto unseenPredicted =
        learned.mod2alpha
            .predict(classVectors.index_select(0, torch::tensor(std::vector<int64_t>(unseen.begin(), unseen.end()))))
            .to(device);
    constexpr int kAllClassRepeats = 5;
    std::vector<double> allClassTimes;
    for (int repeat = 0; repeat < kAllClassRepeats; ++repeat) {
        throwIfCancelled();
        t0 = std::chrono::steady_clock::now();
        auto w = alpha2w(learned.basis.basis.to(device), extractor.seenHead().head.to(device), unseenPredicted,
                         learning.alpha2w, nullptr, {}, seenFeatures);
        if (learning.space == Alpha2WSpace::Full)
            w = alpha2wFull(fullSpace, unseenPredicted, learning.alpha2w, nullptr, {}, seenFeatures, w.direction);
        synchronise(device);
        allClassTimes.push_back(secondsSince(t0));
    }
    std::sort(allClassTimes.begin(), allClassTimes.end());

    std::vector<double> times;
    int iterations = 0;
    for (int repeat = 0; repeat < 5; ++repeat) {
        throwIfCancelled();
        t0 = std::chrono::steady_clock::now();
        iterations = learnAndRank(typed);
        times.push_back(secondsSince(t0));
    }

    // One evaluation of the objective and its gradient for all unseen classes: the closed form
    // against autograd through the definition (importances formed explicitly), same point.
    const auto targets = torch::nn::functional::normalize(
        learned.mod2alpha
            .predict(classVectors.index_select(0, torch::tensor(std::vector<int64_t>(unseen.begin(), unseen.end()))))
            .to(device),
        torch::nn::functional::NormalizeFuncOptions().dim(1));
    const auto z = torch::full({targets.size(0), prepared.gram.size(1)}, 1.0 / double(prepared.gram.size(1)),
                               prepared.gram.options());
    constexpr int kEvaluations = 20;  // repeats per variant, timed together
    t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kEvaluations; ++i)
        (void)alpha2wObjective(prepared, targets, 1e-3, z).gradient.sum().item<double>();
    const double closedSeconds = secondsSince(t0) / kEvaluations;
    t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kEvaluations; ++i) {
        torch::AutoGradMode grad(true);
        const auto zz = z.clone().requires_grad_(true);
        const auto induced = torch::einsum("prk,cr->cpk", {prepared.importances, zz});
        const auto cos = torch::nn::functional::cosine_similarity(
            induced, targets.unsqueeze(1), torch::nn::functional::CosineSimilarityFuncOptions().dim(2));
        // The L2 pull with the scale profiled out, min over a > 0 of ||a v - m||^2 (alpha2w.cpp).
        const auto v = torch::mm(zz, prepared.headWeight);
        const auto a = torch::mv(v, prepared.meanSeen).clamp_min(0.0) / v.pow(2).sum(1);
        const auto l2 = (a.unsqueeze(1) * v - prepared.meanSeen).pow(2).sum(1);
        ((1.0 - cos).mean(1) + 1e-3 * l2).mean().backward();
        (void)zz.grad().sum().item<double>();
    }
    const double autogradSeconds = secondsSince(t0) / kEvaluations;

    std::sort(times.begin(), times.end());
    nlohmann::json out = {{"dataset", dataset.spec},
                          {"modality", modality->name},
                          {"device", describeDevice(device)},
                          {"unseen_classes", unseen.size()},
                          {"torch_threads", threads},
                          {"blas_kernels", blasKernels()},
                          {"alpha2w_mode", alpha2wSpaceName(learning.space)},
                          {"alpha2w_all_s", allClassTimes[allClassTimes.size() / 2]},
                          {"alpha2w_all_s_min", allClassTimes.front()},
                          {"alpha2w_all_first_s", learned.alpha2wSeconds},
                          {"alpha2w_all_runs", allClassTimes.size()},
                          {"alpha2w_all_span_iterations", learned.spanReport.iterations},
                          {"alpha2w_all_span_class_evaluations", learned.spanReport.classEvaluations},
                          {"alpha2w_all_span_cosine_loss", learned.spanReport.cosineLoss},
                          {"alpha2w_all_cosine_loss", learned.alpha2wReport.cosineLoss},
                          {"jacobian_s", learned.jacobianSeconds},
                          {"jacobians_from_cache", learned.jacobiansFromCache},
                          {"jacobians_closed_form", learned.jacobiansClosedForm},
                          {"alpha2w_all_iterations", learned.alpha2wReport.iterations},
                          {"alpha2w_all_class_evaluations", learned.alpha2wReport.classEvaluations},
                          {"alpha2w_all_converged", learned.alpha2wReport.converged},
                          {"interactive_ms_median", 1000 * times[times.size() / 2]},
                          {"interactive_ms_min", 1000 * times.front()},
                          {"interactive_alpha2w_iterations", iterations},
                          {"alpha2w_prepare_ms", 1000 * prepareSeconds},
                          {"objective_closed_form_ms", 1000 * closedSeconds},
                          {"objective_autograd_ms", 1000 * autogradSeconds},
                          {"autograd_over_closed_form", autogradSeconds / closedSeconds},
                          {"pool_images", learned.basis.images.size()},
                          {"ranked_images", features.images.size()}};
    if (!typedTimes.empty()) {
        out["text"] = text;
        out["typed_interactive_ms_median"] = 1000 * typedTimes[typedTimes.size() / 2];
        out["typed_interactive_ms_min"] = 1000 * typedTimes.front();
        out["typed_alpha2w_iterations"] = typedIterations;
        out["parse_ms_median"] = 1000 * parseTimes[parseTimes.size() / 2];
        out["parse_runs"] = parseTimes.size();
        out["parser_build_ms"] = 1000 * parserBuildSeconds;
        out["typed_stated_dims"] = typedReport["stated_dims"].size();
        out["typed_unknown_words"] = typedReport["unknown_words"];
    }
    if (!refineTimes.empty()) {
        std::sort(refineTimes.begin(), refineTimes.end());
        out["interactive_full_refinement_ms_median"] = 1000 * refineTimes[refineTimes.size() / 2];
    }
    printResult(options, out);
    return 0;
}

}  // namespace niwt::cli
