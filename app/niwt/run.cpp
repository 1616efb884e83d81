// `niwt run`: learn classifiers for the unseen classes from their descriptions (NIWT) or with the
// ESZSL baseline, and report generalized zero-shot accuracy on the standard protocol.
#include "app/niwt/cli.h"
#include "core/data/loaders.h"
#include "core/data/text_encoder.h"
#include "core/engine/alpha2w.h"
#include "core/engine/eszsl.h"
#include "core/engine/device.h"
#include "core/engine/mod2alpha.h"
#include "core/engine/zsl_metrics.h"
#include "core/pipeline/extraction.h"

#include <chrono>
#include <cmath>
#include <filesystem>
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

// The "captions" modality from class descriptions (JSON: class name -> phrases): --descriptions
// FILE, else CUB's descriptors beside the data set (../cub_descriptors/descriptors_cub.json).
void addCaptionModality(Dataset& dataset, const Options& options) {
    std::string file = options.value("descriptions");
    if (file.empty()) {
        const auto guess = std::filesystem::path(dataset.root).parent_path() / "cub_descriptors" / "descriptors_cub.json";
        if (!std::filesystem::exists(guess))
            throw std::invalid_argument("the captions modality needs --descriptions FILE (JSON: class name -> phrases)");
        file = guess.string();
    }
    const auto descriptions = readDescriptions(file);
    const auto encoder = TextEncoder::fit(encoderDocuments(descriptions, &dataset));
    std::vector<std::string> missing;
    dataset.modalities.push_back(captionModality(dataset, descriptions, encoder, &missing, file));
    if (!missing.empty())
        std::cerr << "captions: " << missing.size() << " classes have no description (first: " << missing.front() << ")\n";
}

torch::Tensor modalityMatrix(const Modality& m, int classes) {
    return torch::from_blob(const_cast<float*>(m.values.data()), {classes, m.dims}, torch::kFloat).clone();
}

double finiteOr(double v, double fallback) { return std::isfinite(v) ? v : fallback; }

}  // namespace

namespace {

// Columns of the all-class logits: the seen head's rows, then the unseen classes with images.
struct ClassColumns {
    std::vector<int> seen;            // dataset class index per seen column
    std::vector<int64_t> unseen;      // dataset class index per unseen column
    std::vector<int64_t> seenCols, unseenCols;
    std::vector<int64_t> columnOf;    // dataset class index -> column, -1 when not evaluated
};

// Evaluation images: seen classes' test images (S) and every image of the unseen classes (U).
void evaluationRows(const Dataset& dataset, const FeatureSet& features, const ClassColumns& cc,
                    std::vector<int64_t>* rows, std::vector<int64_t>* truth) {
    for (size_t r = 0; r < features.images.size(); ++r) {
        const auto& img = dataset.images[size_t(features.images[r])];
        const auto& cls = dataset.classes[size_t(img.classIndex)];
        const int64_t column = cc.columnOf[size_t(img.classIndex)];
        if (cls.inSplit && column >= 0 && (!cls.seen || img.subset == Subset::Test)) {
            rows->push_back(int64_t(r));
            truth->push_back(column);
        }
    }
}

nlohmann::json gzslJson(const GzslResult& r, const Dataset& dataset, const ClassColumns& cc) {
    nlohmann::json perClass = nlohmann::json::object();
    for (size_t i = 0; i < cc.seen.size(); ++i)
        perClass[dataset.classes[size_t(cc.seen[i])].name] = {{"seen", true}, {"accuracy", finiteOr(r.perClassS[i], -1)}};
    for (size_t u = 0; u < cc.unseen.size(); ++u)
        perClass[dataset.classes[size_t(cc.unseen[u])].name] = {{"seen", false}, {"accuracy", finiteOr(r.perClassU[u], -1)}};
    return {{"U", r.U}, {"S", r.S}, {"H", r.H}, {"zsl", r.zsl}, {"per_class", perClass}};
}

}  // namespace

int commandRun(const Options& options) {
    const auto start = std::chrono::steady_clock::now();
    configureTorchThreads();
    const auto device = chooseDevice(options.value("device", "auto"));
    Dataset dataset = openDatasetFromOptions(options);
    if (options.value("modality") == "captions" && !dataset.modality("captions"))
        addCaptionModality(dataset, options);
    const Modality& modality = resolveModality(dataset, options.value("modality"));
    const auto classVectors = modalityMatrix(modality, int(dataset.classes.size()));
    const std::string method = options.value("method", "niwt");
    if (method != "niwt" && method != "eszsl")
        throw std::invalid_argument("--method " + method + " is unknown (use niwt or eszsl)");
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

    ClassColumns cc;
    cc.seen = head.classes;
    cc.columnOf.assign(dataset.classes.size(), -1);
    std::vector<int> hasImages(dataset.classes.size(), 0);
    for (int i : features.images)
        hasImages[size_t(dataset.images[size_t(i)].classIndex)] = 1;
    for (size_t r = 0; r < cc.seen.size(); ++r) {
        cc.columnOf[size_t(cc.seen[r])] = int64_t(r);
        cc.seenCols.push_back(int64_t(r));
    }
    for (size_t c = 0; c < dataset.classes.size(); ++c)
        if (!dataset.classes[c].seen && dataset.classes[c].inSplit && hasImages[c]) {
            cc.columnOf[c] = int64_t(cc.seen.size() + cc.unseen.size());
            cc.unseenCols.push_back(cc.columnOf[c]);
            cc.unseen.push_back(int64_t(c));
        }
    if (cc.unseen.empty())
        throw std::invalid_argument("no unseen class with images: give a split (--split) that marks some unseen");
    std::vector<int64_t> rows, truth;
    evaluationRows(dataset, features, cc, &rows, &truth);
    torch::NoGradGuard noGrad;
    const auto evalX = features.features.index_select(0, torch::tensor(rows));
    const auto evalTruth = torch::tensor(truth);

    // The ESZSL baseline, always (cheap): closed form on the seen training features.
    auto t = std::chrono::steady_clock::now();
    std::vector<int64_t> trainRows, trainLabels;
    for (size_t r = 0; r < features.images.size(); ++r) {
        const auto& img = dataset.images[size_t(features.images[r])];
        const int64_t column = cc.columnOf[size_t(img.classIndex)];
        if (img.subset == Subset::Train && column >= 0 && column < int64_t(cc.seen.size())) {
            trainRows.push_back(int64_t(r));
            trainLabels.push_back(column);
        }
    }
    std::vector<int64_t> allClasses(cc.seen.begin(), cc.seen.end());
    allClasses.insert(allClasses.end(), cc.unseen.begin(), cc.unseen.end());
    const auto allVectors = classVectors.index_select(0, torch::tensor(allClasses));
    EszslValidationReport eszslReport;
    const auto eszsl = fitEszslWithValidation(features.features.index_select(0, torch::tensor(trainRows)),
                                              torch::tensor(trainLabels), allVectors.slice(0, 0, int64_t(cc.seen.size())),
                                              {}, &eszslReport);
    const auto eszslResult = evaluateGzsl(eszsl.scores(evalX, allVectors).cpu(), evalTruth, cc.seenCols, cc.unseenCols);
    const double eszslSeconds = secondsSince(t);

    nlohmann::json out = {{"method", method},
                          {"dataset", dataset.spec},
                          {"bundle", bundle.directory},
                          {"modality", modality.name},
                          {"modality_dims", modality.dims},
                          {"device", describeDevice(device)},
                          {"seen_classes", cc.seenCols.size()},
                          {"unseen_classes", cc.unseenCols.size()},
                          {"seen_head_test_accuracy", 100 * head.seenTestAccuracy}};
    nlohmann::json eszslJson = gzslJson(eszslResult, dataset, cc);
    eszslJson["gamma"] = eszslReport.gamma;
    eszslJson["lambda"] = eszslReport.lambda;
    eszslJson["seconds"] = eszslSeconds;

    if (method == "eszsl") {
        out.update(gzslJson(eszslResult, dataset, cc));
        out["eszsl"] = eszslJson;
        out["timings"] = {{"extract_s", secondsSince(start) - eszslSeconds}, {"eszsl_s", eszslSeconds},
                          {"total_s", secondsSince(start)}};
        printResult(options, out);
        return 0;
    }

    torch::AutoGradMode enableGrad(true);
    const auto importances = extractor.importances();
    const auto basis = extractor.importanceBasis();
    const double extractSeconds = secondsSince(start) - eszslSeconds;

    // mod2alpha on the seen training images' importances.
    t = std::chrono::steady_clock::now();
    Mod2AlphaReport m2aReport;
    const auto m2a = fitMod2Alpha(importances.alpha,
                                  torch::tensor(std::vector<int64_t>(importances.classes.begin(), importances.classes.end())),
                                  classVectors, Mod2AlphaOptions{}, &m2aReport);
    const double mod2alphaSeconds = secondsSince(t);

    // alpha2w for all unseen classes at once.
    const auto predicted = m2a.predict(classVectors.index_select(0, torch::tensor(cc.unseen)));
    t = std::chrono::steady_clock::now();
    Alpha2WOptions a2wOptions;
    Alpha2WReport a2wReport;
    const auto meanTrainFeature = features.features.index_select(0, torch::tensor(trainRows)).mean(0);
    const auto fresh = alpha2w(basis.basis.to(device), head.head.to(device), predicted.to(device), a2wOptions, &a2wReport,
                               {}, meanTrainFeature);
    const double alpha2wSeconds = secondsSince(t);

    torch::NoGradGuard noGradEval;
    const auto weights = torch::cat({head.head.weight.to(device), fresh.weight});
    const auto biases = torch::cat({head.head.bias.to(device), fresh.bias});
    const auto logits = torch::addmm(biases, evalX.to(device), weights.t()).cpu();
    const auto result = evaluateGzsl(logits, evalTruth, cc.seenCols, cc.unseenCols);

    out.update(gzslJson(result, dataset, cc));
    out["stage"] = importances.stageName;
    out["mod2alpha"] = {{"validation_cosine_distance", m2aReport.validationCosineDistance},
                        {"train_cosine_distance", m2aReport.trainCosineDistance},
                        {"validation_classes", m2aReport.validationClasses},
                        {"steps", m2aReport.epochs},
                        {"best_step", m2aReport.bestEpoch}};
    out["alpha2w"] = {{"iterations", a2wReport.iterations},
                      {"converged", a2wReport.converged},
                      {"loss", a2wReport.loss},
                      {"cosine_loss", a2wReport.cosineLoss},
                      {"l2_loss", a2wReport.l2Loss},
                      {"lambda", a2wOptions.lambda},
                      {"pool_images", basis.images.size()},
                      {"seconds", a2wReport.seconds}};
    out["eszsl"] = eszslJson;
    out["timings"] = {{"extract_s", extractSeconds},
                      {"basis_s", basis.seconds},
                      {"mod2alpha_s", mod2alphaSeconds},
                      {"alpha2w_s", alpha2wSeconds},
                      {"eszsl_s", eszslSeconds},
                      {"total_s", secondsSince(start)}};
    printResult(options, out);
    return 0;
}

}  // namespace niwt::cli
