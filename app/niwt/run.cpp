// `niwt run`: learn classifiers for the unseen classes from their descriptions (NIWT) or with the
// ESZSL baseline, and report generalized zero-shot accuracy on the standard protocol.
#include "app/niwt/cli.h"
#include "core/data/loaders.h"
#include "core/engine/alpha2w.h"
#include "core/engine/device.h"
#include "core/engine/mod2alpha.h"
#include "core/engine/zsl_metrics.h"
#include "core/pipeline/extraction.h"

#include <chrono>
#include <cmath>
#include <iostream>

namespace niwt::cli {

namespace {

double secondsSince(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// The modality to learn from: a built-in name, or the NAME of NAME=csv:FILE (added on opening).
const Modality& resolveModality(const Dataset& dataset, const std::string& spec) {
    std::string name = spec.empty() ? "attributes" : spec;
    name = name.substr(0, name.find('='));
    const Modality* m = dataset.modality(name);
    if (!m) {
        std::string names;
        for (const auto& mod : dataset.modalities)
            names += (names.empty() ? "" : ", ") + mod.name;
        throw std::invalid_argument("the data set has no modality \"" + name + "\" (it has: " + names + ")");
    }
    return *m;
}

torch::Tensor modalityMatrix(const Modality& m, int classes) {
    return torch::from_blob(const_cast<float*>(m.values.data()), {classes, m.dims}, torch::kFloat).clone();
}

double finiteOr(double v, double fallback) { return std::isfinite(v) ? v : fallback; }

}  // namespace

int commandRun(const Options& options) {
    const auto start = std::chrono::steady_clock::now();
    configureTorchThreads();
    const auto device = chooseDevice(options.value("device", "auto"));
    Dataset dataset = openDatasetFromOptions(options);
    const Modality& modality = resolveModality(dataset, options.value("modality"));
    const auto classVectors = modalityMatrix(modality, int(dataset.classes.size()));
    const std::string method = options.value("method", "niwt");
    if (method != "niwt")
        throw std::invalid_argument("--method " + method + " is not available (use niwt)");
    const Bundle bundle = openBundleFromOptions(options, dataset, device);
    const int stage = resolveStage(bundle, options.value("stage"));

    ExtractionOptions eo;
    eo.cacheDir = options.value("cache-dir");
    eo.batchSize = options.integer("batch-size", eo.batchSize);
    eo.decodeThreads = options.integer("decode-threads", 0);
    eo.useCache = !options.flag("no-cache");
    Extractor extractor(dataset, bundle, stage, device, eo, progressLine);
    const auto& features = extractor.allFeatures();
    const auto& head = extractor.seenHead();
    const auto importances = extractor.importances();
    const auto basis = extractor.importanceBasis();
    const double extractSeconds = secondsSince(start);

    // mod2alpha on the seen training images' importances.
    auto t = std::chrono::steady_clock::now();
    Mod2AlphaReport m2aReport;
    const auto m2a = fitMod2Alpha(importances.alpha, torch::tensor(std::vector<int64_t>(importances.classes.begin(),
                                                                                        importances.classes.end())),
                                  classVectors, Mod2AlphaOptions{}, &m2aReport);
    const double mod2alphaSeconds = secondsSince(t);

    // Unseen classes that have images: their predicted importances, then alpha2w for all at once.
    std::vector<int> hasImages(dataset.classes.size(), 0);
    for (int i : features.images)
        hasImages[size_t(dataset.images[size_t(i)].classIndex)] = 1;
    std::vector<int64_t> unseen;
    for (size_t c = 0; c < dataset.classes.size(); ++c)
        if (!dataset.classes[c].seen && dataset.classes[c].inSplit && hasImages[c])
            unseen.push_back(int64_t(c));
    if (unseen.empty())
        throw std::invalid_argument("no unseen class with images: give a split (--split) that marks some unseen");
    const auto predicted = m2a.predict(classVectors.index_select(0, torch::tensor(unseen)));
    t = std::chrono::steady_clock::now();
    Alpha2WOptions a2wOptions;
    Alpha2WReport a2wReport;
    const auto fresh = alpha2w(basis.basis.to(device), head.head.to(device), predicted.to(device), a2wOptions, &a2wReport);
    const double alpha2wSeconds = secondsSince(t);

    // Evaluation: seen classes' test images (S) and all unseen classes' images (U), over all classes.
    std::vector<int64_t> column(dataset.classes.size(), -1);
    for (size_t r = 0; r < head.classes.size(); ++r)
        column[size_t(head.classes[r])] = int64_t(r);
    for (size_t u = 0; u < unseen.size(); ++u)
        column[size_t(unseen[u])] = int64_t(head.classes.size() + u);
    std::vector<int64_t> rows, truth;
    for (size_t r = 0; r < features.images.size(); ++r) {
        const auto& img = dataset.images[size_t(features.images[r])];
        const auto& cls = dataset.classes[size_t(img.classIndex)];
        const bool evaluate = cls.inSplit && column[size_t(img.classIndex)] >= 0 && (!cls.seen || img.subset == Subset::Test);
        if (evaluate) {
            rows.push_back(int64_t(r));
            truth.push_back(column[size_t(img.classIndex)]);
        }
    }
    torch::NoGradGuard noGrad;
    const auto x = features.features.index_select(0, torch::tensor(rows)).to(device);
    const auto weights = torch::cat({head.head.weight.to(device), fresh.weight});
    const auto biases = torch::cat({head.head.bias.to(device), fresh.bias});
    const auto logits = torch::addmm(biases, x, weights.t()).cpu();
    std::vector<int64_t> seenCols, unseenCols;
    for (size_t r = 0; r < head.classes.size(); ++r)
        seenCols.push_back(int64_t(r));
    for (size_t u = 0; u < unseen.size(); ++u)
        unseenCols.push_back(int64_t(head.classes.size() + u));
    const auto result = evaluateGzsl(logits, torch::tensor(truth), seenCols, unseenCols);

    nlohmann::json perClass = nlohmann::json::object();
    for (size_t r = 0; r < head.classes.size(); ++r)
        perClass[dataset.classes[size_t(head.classes[r])].name] = {{"seen", true},
                                                                    {"accuracy", finiteOr(result.perClassS[r], -1)}};
    for (size_t u = 0; u < unseen.size(); ++u)
        perClass[dataset.classes[size_t(unseen[u])].name] = {{"seen", false},
                                                              {"accuracy", finiteOr(result.perClassU[u], -1)}};

    printResult(options, {{"method", method},
                          {"dataset", dataset.spec},
                          {"bundle", bundle.directory},
                          {"stage", importances.stageName},
                          {"modality", modality.name},
                          {"device", describeDevice(device)},
                          {"U", result.U},
                          {"S", result.S},
                          {"H", result.H},
                          {"zsl", result.zsl},
                          {"seen_classes", seenCols.size()},
                          {"unseen_classes", unseenCols.size()},
                          {"mod2alpha",
                           {{"validation_cosine_distance", m2aReport.validationCosineDistance},
                            {"train_cosine_distance", m2aReport.trainCosineDistance},
                            {"steps", m2aReport.epochs},
                            {"best_step", m2aReport.bestEpoch}}},
                          {"alpha2w",
                           {{"iterations", a2wReport.iterations},
                            {"converged", a2wReport.converged},
                            {"loss", a2wReport.loss},
                            {"cosine_loss", a2wReport.cosineLoss},
                            {"l2_loss", a2wReport.l2Loss},
                            {"lambda", a2wOptions.lambda},
                            {"pool_images", basis.images.size()}}},
                          {"per_class", perClass},
                          {"timings",
                           {{"extract_s", extractSeconds},
                            {"mod2alpha_s", mod2alphaSeconds},
                            {"alpha2w_s", alpha2wSeconds},
                            {"total_s", secondsSince(start)}}}});
    return 0;
}

}  // namespace niwt::cli
