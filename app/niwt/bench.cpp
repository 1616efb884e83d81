// `niwt bench extract`: images/s for decoding alone, for the network alone on preloaded tensors,
// and for the full importance extraction (decoding overlapped with the network), in one run.
#include "app/niwt/cli.h"
#include "core/engine/device.h"
#include "core/engine/importance.h"
#include "core/pipeline/extraction.h"
#include "core/pipeline/niwt_learning.h"

#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <iostream>

namespace niwt::cli {

namespace {

// Images timed when --limit is not given: enough batches for a stable rate, a minute or two on CPU.
constexpr int kDefaultBenchImages = 256;

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void synchronise(const torch::Device& device) {
    if (device.is_cuda())
        torch::cuda::synchronize();
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
    if (images.empty())
        throw std::invalid_argument("no seen training images to benchmark");
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
    imageImportances(net, stage, head, extractor.toDevice(preloaded.front()), targetsFor(preloaded.front().size(0)), nullptr);
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
            if (batch.positions.empty())
                continue;
            imageImportances(net, stage, head, extractor.toDevice(batch.images), targetsFor(batch.images.size(0)), nullptr)
                .to(torch::kCPU);
            full += int(batch.positions.size());
        }
    }
    synchronise(device);
    const double fullSeconds = secondsSince(t0);
    std::cerr << "full: " << full << " images in " << fullSeconds << " s\n";

    const double networkRate = decoded / networkSeconds, fullRate = full / fullSeconds;
    printResult(options, {{"dataset", dataset.spec},
                          {"bundle", bundle.directory},
                          {"stage", net.stageNames()[size_t(stage)]},
                          {"device", describeDevice(device)},
                          {"images", decoded},
                          {"batch_size", eo.batchSize},
                          {"decode_threads", lo.threads},
                          {"torch_threads", threads},
                          {"decode_images_per_s", decoded / decodeSeconds},
                          {"network_images_per_s", networkRate},
                          {"full_images_per_s", fullRate},
                          {"full_over_network", fullRate / networkRate}});
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
    if (!modality)
        throw std::invalid_argument("the data set has no modality \"" + modalityName + "\"");
    const Bundle bundle = openBundleFromOptions(options, dataset, device);
    const int stage = resolveStage(bundle, options.value("stage"));
    ExtractionOptions eo;
    eo.cacheDir = options.value("cache-dir");
    Extractor extractor(dataset, bundle, stage, device, eo, progressLine, cancelRequested);
    const auto& features = extractor.allFeatures();
    const auto classVectors = classVectorMatrix(*modality, int(dataset.classes.size()));
    const auto unseen = learnableUnseenClasses(dataset, features);
    if (unseen.empty())
        throw std::invalid_argument("no unseen class with images (give --split)");

    // All unseen classes together (caches warm after the first call).
    UnseenLearningOptions learning;
    learning.space = parseAlpha2WSpace(options.value("alpha2w", "span"));
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
    std::vector<double> refineTimes;  // full mode: the refinement alone, per interactive run
    // The interactive path from a class vector (1 x a) on: mod2alpha -> alpha2w -> margin ranking
    // (full mode: the span solution, then the full-space refinement from it). Returns alpha2w's
    // iterations (full mode: the refinement's).
    const auto learnAndRank = [&](const torch::Tensor& classVector) {
        const auto predicted = learned.mod2alpha.predict(classVector).to(device);
        Alpha2WReport report;
        auto w = alpha2w(prepared, predicted, learning.alpha2w, &report);
        if (learning.space == Alpha2WSpace::Full) {
            const auto t = std::chrono::steady_clock::now();
            w = alpha2wFull(fullSpace, predicted, learning.alpha2w, &report, {}, {}, w.optimum);
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
        if (!first.problem.empty())
            throw std::invalid_argument("--text: " + first.problem);
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
        learned.mod2alpha.predict(classVectors.index_select(0, torch::tensor(std::vector<int64_t>(unseen.begin(), unseen.end())))).to(device),
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
        const auto l2 = (torch::mm(zz, prepared.headWeight) - prepared.meanSeen).pow(2).sum(1);
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
                          {"alpha2w_mode", alpha2wSpaceName(learning.space)},
                          {"alpha2w_all_s", learned.alpha2wSeconds},
                          {"alpha2w_all_span_iterations", learned.spanReport.iterations},
                          {"alpha2w_all_span_cosine_loss", learned.spanReport.cosineLoss},
                          {"alpha2w_all_cosine_loss", learned.alpha2wReport.cosineLoss},
                          {"jacobian_s", learned.jacobianSeconds},
                          {"jacobians_from_cache", learned.jacobiansFromCache},
                          {"jacobians_closed_form", learned.jacobiansClosedForm},
                          {"alpha2w_all_iterations", learned.alpha2wReport.iterations},
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
