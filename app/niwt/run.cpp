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
#include "core/pipeline/export.h"
#include "core/pipeline/extraction.h"
#include "core/pipeline/niwt_learning.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>

namespace niwt::cli {

namespace {

double secondsSince(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
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


// Calibrated stacking's gamma, chosen without test labels: a validation pass on a copy of the data
// set in which 20% of the seen classes play the unseen role. Validation images: every 5th training
// image of the other ("pseudo-seen") classes, held out of the pseudo head, and all training images
// of the pseudo-unseen classes. Test images are never used. Returns {NIWT gamma, ESZSL gamma}.
struct Calibration {
    double niwtGamma = 0, eszslGamma = 0;
    GzslResult niwtValidation, eszslValidation;
    int pseudoUnseen = 0, validationImages = 0;
    double seconds = 0;
};

Calibration validationPass(const Dataset& dataset, const Bundle& bundle, int stage, const torch::Device& device,
                           const ExtractionOptions& eo, const FeatureSet& features, const std::vector<int>& headClasses,
                           const torch::Tensor& classVectors, const UnseenLearningOptions& learning) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<int64_t> classes(headClasses.begin(), headClasses.end()), pseudoSeen, pseudoUnseen;
    splitClasses(classes, 0.2, /*seed=*/5, &pseudoSeen, &pseudoUnseen);
    Dataset copy = dataset;
    std::vector<char> isPseudoUnseen(copy.classes.size(), 0);
    for (auto& c : copy.classes)
        if (!c.seen)
            c.inSplit = false;  // the real unseen classes take no part
    for (int64_t c : pseudoUnseen) {
        copy.classes[size_t(c)].seen = false;
        isPseudoUnseen[size_t(c)] = 1;
    }
    // Hold out every 5th training image of each pseudo-seen class; original test images stay Test
    // and are left out of the validation rows below.
    std::vector<char> heldOut(copy.images.size(), 0);
    std::map<int, int> seenCount;
    for (size_t i = 0; i < copy.images.size(); ++i) {
        auto& img = copy.images[i];
        if (img.subset != Subset::Train || !copy.classes[size_t(img.classIndex)].seen || !copy.classes[size_t(img.classIndex)].inSplit)
            continue;
        if (++seenCount[img.classIndex] % 5 == 0) {
            img.subset = Subset::Test;
            heldOut[i] = 1;
        }
    }
    ExtractionOptions quiet = eo;
    Extractor ex(copy, bundle, stage, device, quiet, progressLine);
    ex.setFeatures(features);
    const auto& head = ex.seenHead();

    ClassColumns cc;
    cc.seen = head.classes;
    cc.columnOf.assign(copy.classes.size(), -1);
    for (size_t r = 0; r < cc.seen.size(); ++r) {
        cc.columnOf[size_t(cc.seen[r])] = int64_t(r);
        cc.seenCols.push_back(int64_t(r));
    }
    for (int64_t c : pseudoUnseen) {
        cc.columnOf[size_t(c)] = int64_t(cc.seen.size() + cc.unseen.size());
        cc.unseenCols.push_back(cc.columnOf[size_t(c)]);
        cc.unseen.push_back(c);
    }
    std::vector<int64_t> rows, truth, trainRows, trainLabels;
    for (size_t r = 0; r < features.images.size(); ++r) {
        const int image = features.images[r];
        const auto& img = copy.images[size_t(image)];
        const int64_t column = cc.columnOf[size_t(img.classIndex)];
        if (column < 0)
            continue;
        const bool pseudoUnseenTrain = isPseudoUnseen[size_t(img.classIndex)] && img.subset == Subset::Train;
        if (heldOut[size_t(image)] || pseudoUnseenTrain) {
            rows.push_back(int64_t(r));
            truth.push_back(column);
        } else if (img.subset == Subset::Train && column < int64_t(cc.seen.size())) {
            trainRows.push_back(int64_t(r));
            trainLabels.push_back(column);
        }
    }
    Calibration out;
    out.pseudoUnseen = int(pseudoUnseen.size());
    out.validationImages = int(rows.size());
    torch::NoGradGuard noGrad;
    const auto x = features.features.index_select(0, torch::tensor(rows));
    const auto y = torch::tensor(truth);
    std::vector<int64_t> allClasses(cc.seen.begin(), cc.seen.end());
    allClasses.insert(allClasses.end(), cc.unseen.begin(), cc.unseen.end());
    const auto vectors = classVectors.index_select(0, torch::tensor(allClasses));

    const auto eszsl = fitEszslWithValidation(features.features.index_select(0, torch::tensor(trainRows)),
                                              torch::tensor(trainLabels), vectors.slice(0, 0, int64_t(cc.seen.size())));
    out.eszslGamma = chooseCalibrationGamma(eszsl.scores(x, vectors).cpu(), y, cc.seenCols, cc.unseenCols,
                                            &out.eszslValidation);

    torch::AutoGradMode grad(true);
    const auto learned = learnUnseenClasses(ex, copy, classVectors, std::vector<int>(cc.unseen.begin(), cc.unseen.end()), device, learning);
    torch::NoGradGuard noGradAgain;
    const auto weights = torch::cat({head.head.weight.to(device), learned.weights.weight});
    const auto biases = torch::cat({head.head.bias.to(device), learned.weights.bias});
    out.niwtGamma = chooseCalibrationGamma(torch::addmm(biases, x.to(device), weights.t()).cpu(), y, cc.seenCols,
                                           cc.unseenCols, &out.niwtValidation);
    out.seconds = secondsSince(start);
    return out;
}

nlohmann::json calibratedJson(double gamma, const GzslResult& test, const GzslResult& validation) {
    return {{"gamma", gamma}, {"U", test.U}, {"S", test.S}, {"H", test.H},
            {"validation", {{"U", validation.U}, {"S", validation.S}, {"H", validation.H}}}};
}

}  // namespace

int commandRun(const Options& options) {
    const auto start = std::chrono::steady_clock::now();
    configureThreadsFromOptions(options);
    const auto device = chooseDevice(options.value("device", "auto"));
    Dataset dataset = openDatasetFromOptions(options);
    const Modality& modality = modalityFromOptions(dataset, options);
    const auto classVectors = classVectorMatrix(modality, int(dataset.classes.size()));
    const std::string method = options.value("method", "niwt");
    if (method != "niwt" && method != "eszsl")
        throw std::invalid_argument("--method " + method + " is unknown (use niwt or eszsl)");
    const Bundle bundle = openBundleFromOptions(options, dataset, device);
    const int stage = resolveStage(bundle, options.value("stage"));

    const ExtractionOptions eo = extractionOptionsFromOptions(options);
    Extractor extractor(dataset, bundle, stage, device, eo, progressLine);
    const auto& features = extractor.allFeatures();
    const auto& head = extractor.seenHead();
    const double prepareSeconds = secondsSince(start);

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

    UnseenLearningOptions learning;
    Calibration calibration;
    if (!options.flag("no-calibration"))
        calibration = validationPass(dataset, bundle, stage, device, eo, features, head.classes, classVectors, learning);
    const auto eszslLogits = eszsl.scores(evalX, allVectors).cpu();
    eszslJson["calibrated"] = calibratedJson(
        calibration.eszslGamma, evaluateGzsl(eszslLogits, evalTruth, cc.seenCols, cc.unseenCols, calibration.eszslGamma),
        calibration.eszslValidation);

    if (method == "eszsl") {
        out.update(gzslJson(eszslResult, dataset, cc));
        out["calibrated"] = eszslJson["calibrated"];
        out["eszsl"] = eszslJson;
        out["timings"] = {{"extract_s", prepareSeconds},
                          {"eszsl_s", eszslSeconds},
                          {"calibration_s", calibration.seconds},
                          {"total_s", secondsSince(start)}};
        printResult(options, out);
        return 0;
    }

    torch::AutoGradMode enableGrad(true);
    const auto learnStart = std::chrono::steady_clock::now();
    const auto learned = learnUnseenClasses(extractor, dataset, classVectors, std::vector<int>(cc.unseen.begin(), cc.unseen.end()), device, learning);
    // Extraction: features and head before, importances and the alpha2w basis inside learnNewClasses.
    const double extractSeconds =
        prepareSeconds + secondsSince(learnStart) - learned.mod2alphaSeconds - learned.alpha2wSeconds;

    torch::NoGradGuard noGradEval;
    const auto weights = torch::cat({head.head.weight.to(device), learned.weights.weight});
    const auto biases = torch::cat({head.head.bias.to(device), learned.weights.bias});
    const auto logits = torch::addmm(biases, evalX.to(device), weights.t()).cpu();
    const auto result = evaluateGzsl(logits, evalTruth, cc.seenCols, cc.unseenCols);

    out.update(gzslJson(result, dataset, cc));
    out["stage"] = bundle.network->stageNames()[size_t(stage)];
    out["calibrated"] = calibratedJson(calibration.niwtGamma,
                                       evaluateGzsl(logits, evalTruth, cc.seenCols, cc.unseenCols, calibration.niwtGamma),
                                       calibration.niwtValidation);
    out["calibrated"]["pseudo_unseen_classes"] = calibration.pseudoUnseen;
    out["calibrated"]["validation_images"] = calibration.validationImages;
    out["mod2alpha"] = {{"validation_cosine_distance", learned.mod2alphaReport.validationCosineDistance},
                        {"train_cosine_distance", learned.mod2alphaReport.trainCosineDistance},
                        {"validation_classes", learned.mod2alphaReport.validationClasses},
                        {"steps", learned.mod2alphaReport.epochs},
                        {"best_step", learned.mod2alphaReport.bestEpoch}};
    out["alpha2w"] = {{"iterations", learned.alpha2wReport.iterations},
                      {"converged", learned.alpha2wReport.converged},
                      {"loss", learned.alpha2wReport.loss},
                      {"cosine_loss", learned.alpha2wReport.cosineLoss},
                      {"l2_loss", learned.alpha2wReport.l2Loss},
                      {"lambda", learning.alpha2w.lambda},
                      {"pool_images", learned.basis.images.size()},
                      {"seconds", learned.alpha2wReport.seconds}};
    out["eszsl"] = eszslJson;

    // --export DIR: the learned classifier (seen + new classes) as JSON and TorchScript, and the
    // seen training images' importances for TensorBoard's embedding projector.
    if (const std::string dir = options.value("export"); !dir.empty()) {
        LearnedClassifier classifier;
        for (int c : cc.seen) {
            classifier.classNames.push_back(dataset.classes[size_t(c)].name);
            classifier.seen.push_back(true);
        }
        for (int64_t c : cc.unseen) {
            classifier.classNames.push_back(dataset.classes[size_t(c)].name);
            classifier.seen.push_back(false);
        }
        classifier.weight = weights.cpu();
        classifier.bias = biases.cpu();
        classifier.bundleName = bundle.name;
        classifier.bundleIdentity = bundle.identity;
        classifier.bundlePath = bundle.directory;
        classifier.stage = out["stage"].get<std::string>();
        classifier.modality = modality.name;
        classifier.hyperParameters = {{"alpha2w_lambda", learning.alpha2w.lambda},
                                      {"alpha2w_pool_per_class", learning.poolPerClass},
                                      {"mod2alpha_weight_decay", learning.mod2alpha.weightDecay},
                                      {"calibration_gamma", calibration.niwtGamma}};
        classifier.metrics = {{"U", result.U}, {"S", result.S}, {"H", result.H}, {"zsl", result.zsl}};
        std::filesystem::create_directories(dir);
        exportClassifierJson(dir + "/classifier.json", classifier);
        exportClassifierTorchScript(dir + "/classifier.pt", classifier, &bundle);
        std::vector<std::vector<std::string>> meta;
        for (size_t r = 0; r < learned.importances.images.size(); ++r)
            meta.push_back({dataset.classes[size_t(learned.importances.classes[r])].name,
                            dataset.images[size_t(learned.importances.images[r])].path});
        exportProjectorTsv(dir + "/projector", learned.importances.alpha, meta, {"class", "image"});
        out["exported"] = {{"json", dir + "/classifier.json"}, {"torchscript", dir + "/classifier.pt"},
                           {"projector", dir + "/projector"}};
    }
    out["timings"] = {{"extract_s", extractSeconds},
                      {"mod2alpha_s", learned.mod2alphaSeconds},
                      {"alpha2w_s", learned.alpha2wSeconds},
                      {"eszsl_s", eszslSeconds},
                      {"calibration_s", calibration.seconds},
                      {"total_s", secondsSince(start)}};
    printResult(options, out);
    return 0;
}

}  // namespace niwt::cli
