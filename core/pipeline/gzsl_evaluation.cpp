#include "core/pipeline/gzsl_run.h"

#include "core/engine/cancelled.h"
#include "core/engine/cpu_allocator.h"
#include "core/engine/device.h"
#include "core/engine/eszsl.h"
#include "core/engine/zsl_metrics.h"
#include "core/model/bundle.h"
#include "core/pipeline/export.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>

namespace niwt {

namespace {

double secondsSince(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

double finiteOr(double v, double fallback) { return std::isfinite(v) ? v : fallback; }

// Columns of the all-class logits: the seen head's rows, then the unseen classes with images.
struct ClassColumns {
    std::vector<int> seen;        // dataset class index per seen column
    std::vector<int64_t> unseen;  // dataset class index per unseen column
    std::vector<int64_t> seenCols, unseenCols;
    std::vector<int64_t> columnOf;  // dataset class index -> column, -1 when not evaluated
};

// Seen head rows first (column r = head row r), then the unseen classes in the order given.
template <typename UnseenList>
ClassColumns classColumns(const std::vector<int>& seen, const UnseenList& unseen, size_t classCount) {
    ClassColumns cc;
    cc.seen = seen;
    cc.columnOf.assign(classCount, -1);
    for (size_t r = 0; r < cc.seen.size(); ++r) {
        cc.columnOf[size_t(cc.seen[r])] = int64_t(r);
        cc.seenCols.push_back(int64_t(r));
    }
    for (const auto c : unseen) {
        cc.columnOf[size_t(c)] = int64_t(cc.seen.size() + cc.unseen.size());
        cc.unseenCols.push_back(cc.columnOf[size_t(c)]);
        cc.unseen.push_back(int64_t(c));
    }
    return cc;
}

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

// Calibrated stacking's gamma, chosen without test labels, from k validation folds: in each, a
// copy of the data set lets some seen classes play the unseen role, as many as give the real
// split's share of unseen classes (pseudoUnseenFolds: a seeded shuffle read cyclically).
// Validation images: every 5th training image of the other ("pseudo-seen") classes, held out of
// the pseudo head, and all training images of the pseudo-unseen classes. Test images are never
// used. Each method's gamma maximises its mean validation H over the folds, and stays 0 unless
// that beats gamma 0's mean (core/engine/zsl_metrics.h).
struct Calibration {
    double niwtGamma = 0, eszslGamma = 0;
    GzslScores niwtValidation, eszslValidation;  // means over the folds at the chosen gamma
    double niwtValidationHAtZero = 0, eszslValidationHAtZero = 0;
    int folds = 0, pseudoUnseen = 0, validationImages = 0;  // pseudo-unseen classes and images summed over folds
    double seconds = 0;
};

// One fold's validation logits for NIWT and ESZSL (columns: pseudo-seen head classes, then pseudo-unseen).
struct FoldLogits {
    CalibrationFold niwt, eszsl;
    int validationImages = 0;
};

FoldLogits validationFold(const Dataset& dataset, const Bundle& bundle, int stage, const torch::Device& device,
                          const ExtractionOptions& eo, const FeatureSet& features,
                          const std::vector<int64_t>& pseudoUnseen, const torch::Tensor& classVectors,
                          const UnseenLearningOptions& learning) {
    Dataset copy = dataset;
    std::vector<char> isPseudoUnseen(copy.classes.size(), 0);
    for (auto& c : copy.classes)
        if (!c.seen) c.inSplit = false;  // the real unseen classes take no part
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
        if (img.subset != Subset::Train || !copy.classes[size_t(img.classIndex)].seen ||
            !copy.classes[size_t(img.classIndex)].inSplit)
            continue;
        if (++seenCount[img.classIndex] % 5 == 0) {
            img.subset = Subset::Test;
            heldOut[i] = 1;
        }
    }
    Extractor ex(copy, bundle, stage, device, eo);
    ex.setFeatures(features);
    const auto& head = ex.seenHead();

    const ClassColumns cc = classColumns(head.classes, pseudoUnseen, copy.classes.size());
    std::vector<int64_t> rows, truth, trainRows, trainLabels;
    for (size_t r = 0; r < features.images.size(); ++r) {
        const int image = features.images[r];
        const auto& img = copy.images[size_t(image)];
        const int64_t column = cc.columnOf[size_t(img.classIndex)];
        if (column < 0) continue;
        const bool pseudoUnseenTrain = isPseudoUnseen[size_t(img.classIndex)] && img.subset == Subset::Train;
        if (heldOut[size_t(image)] || pseudoUnseenTrain) {
            rows.push_back(int64_t(r));
            truth.push_back(column);
        } else if (img.subset == Subset::Train && column < int64_t(cc.seen.size())) {
            trainRows.push_back(int64_t(r));
            trainLabels.push_back(column);
        }
    }
    FoldLogits out;
    out.validationImages = int(rows.size());
    torch::NoGradGuard noGrad;
    const auto x = features.features.index_select(0, torch::tensor(rows));
    const auto y = torch::tensor(truth);
    std::vector<int64_t> allClasses(cc.seen.begin(), cc.seen.end());
    allClasses.insert(allClasses.end(), cc.unseen.begin(), cc.unseen.end());
    const auto vectors = classVectors.index_select(0, torch::tensor(allClasses));

    const auto eszsl = fitEszslWithValidation(features.features.index_select(0, torch::tensor(trainRows)),
                                              torch::tensor(trainLabels), vectors.slice(0, 0, int64_t(cc.seen.size())));
    out.eszsl = {eszsl.scores(x, vectors).cpu(), y, cc.seenCols, cc.unseenCols};

    torch::AutoGradMode grad(true);
    const auto learned = learnUnseenClasses(ex, copy, classVectors,
                                            std::vector<int>(cc.unseen.begin(), cc.unseen.end()), device, learning);
    torch::NoGradGuard noGradAgain;
    const auto weights = torch::cat({head.head.weight.to(device), learned.weights.weight});
    const auto biases = torch::cat({head.head.bias.to(device), learned.weights.bias});
    out.niwt = {torch::addmm(biases, x.to(device), weights.t()).cpu(), y, cc.seenCols, cc.unseenCols};
    return out;
}

GzslScores meanScores(const std::vector<GzslResult>& results) {
    GzslScores mean;
    for (const auto& r : results) {
        mean.U += r.U / double(results.size());
        mean.S += r.S / double(results.size());
        mean.H += r.H / double(results.size());
        mean.zsl += r.zsl / double(results.size());
    }
    return mean;
}

Calibration validationPass(const Dataset& dataset, const Bundle& bundle, int stage, const torch::Device& device,
                           const ExtractionOptions& eo, const FeatureSet& features, const std::vector<int>& headClasses,
                           size_t unseenClasses, const torch::Tensor& classVectors,
                           const UnseenLearningOptions& learning, int folds,
                           const std::function<void()>& checkCancelled) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<int64_t> classes(headClasses.begin(), headClasses.end());
    folds = std::max(1, std::min(folds, int(classes.size()) - 1));
    // Each fold holds out the real split's share of unseen classes: whether an image goes to a
    // seen or an unseen class is a contest between the best of each side's logits, and the best of
    // more classes scores higher, so gamma is only comparable between splits with the same ratio.
    const double unseenShare = double(unseenClasses) / double(classes.size() + unseenClasses);
    const auto assignment = pseudoUnseenFolds(
        classes.size(), size_t(std::llround(unseenShare * double(classes.size()))), folds, /*seed=*/5);
    std::vector<CalibrationFold> niwtFolds, eszslFolds;
    Calibration out;
    out.folds = folds;
    for (const auto& fold : assignment) {
        checkCancelled();
        std::vector<int64_t> pseudoUnseen;
        for (size_t r : fold) pseudoUnseen.push_back(classes[r]);
        const FoldLogits logits =
            validationFold(dataset, bundle, stage, device, eo, features, pseudoUnseen, classVectors, learning);
        niwtFolds.push_back(logits.niwt);
        eszslFolds.push_back(logits.eszsl);
        out.pseudoUnseen += int(pseudoUnseen.size());
        out.validationImages += logits.validationImages;
    }
    const FoldedCalibration niwt = chooseCalibrationGammaAcrossFolds(niwtFolds);
    const FoldedCalibration eszsl = chooseCalibrationGammaAcrossFolds(eszslFolds);
    out.niwtGamma = niwt.gamma;
    out.niwtValidation = meanScores(niwt.atGamma);
    out.niwtValidationHAtZero = niwt.meanHAtZero;
    out.eszslGamma = eszsl.gamma;
    out.eszslValidation = meanScores(eszsl.atGamma);
    out.eszslValidationHAtZero = eszsl.meanHAtZero;
    out.seconds = secondsSince(start);
    return out;
}

GzslScores scoresOf(const GzslResult& r) { return {r.U, r.S, r.H, r.zsl}; }

std::vector<ClassAccuracy> perClassOf(const GzslResult& r, const ClassColumns& cc) {
    std::vector<ClassAccuracy> out;
    for (size_t i = 0; i < cc.seen.size(); ++i) out.push_back({cc.seen[i], true, finiteOr(r.perClassS[i], -1)});
    for (size_t u = 0; u < cc.unseen.size(); ++u)
        out.push_back({int(cc.unseen[u]), false, finiteOr(r.perClassU[u], -1)});
    return out;
}

CalibratedScores calibratedOf(double gamma, const GzslResult& test, const GzslScores& validation, double hAtZero) {
    return {true, gamma, scoresOf(test), validation, hAtZero};
}

}  // namespace

GzslEvaluation runGzslEvaluation(Extractor& extractor, const Bundle& bundle, const Modality& modality,
                                 const torch::Device& device, const GzslEvaluationOptions& options,
                                 const UnseenLearningOptions& learningOptions, const std::function<bool()>& cancelled) {
    const auto start = std::chrono::steady_clock::now();
    UnseenLearningOptions learning = learningOptions;
    learning.space = options.alpha2wSpace;
    const auto checkCancelled = [&] {
        if (cancelled && cancelled()) throw Cancelled();
    };
    const Dataset& dataset = extractor.dataset();
    const int stage = extractor.stage();
    const auto classVectors = classVectorMatrix(modality, int(dataset.classes.size()));
    const auto& features = extractor.allFeatures();
    const auto& head = extractor.seenHead();
    const double prepareSeconds = secondsSince(start);
    checkCancelled();

    const ClassColumns cc =
        classColumns(head.classes, learnableUnseenClasses(dataset, features), dataset.classes.size());
    if (cc.unseen.empty())
        throw std::invalid_argument("no unseen class with images: give a split (--split) that marks some unseen");
    std::vector<int64_t> rows, truth;
    evaluationRows(dataset, features, cc, &rows, &truth);
    torch::NoGradGuard noGrad;
    const auto evalX = features.features.index_select(0, torch::tensor(rows));
    const auto evalTruth = torch::tensor(truth);

    GzslEvaluation out;
    out.dataset = dataset.spec;
    out.bundle = bundle.directory;
    out.stage = bundle.network->stageNames()[size_t(stage)];
    out.modality = modality.name;
    out.modalityDims = modality.dims;
    out.device = describeDevice(device);
    out.seenClasses = int(cc.seenCols.size());
    out.unseenClasses = int(cc.unseenCols.size());
    out.seenHeadTestAccuracy = 100 * head.seenTestAccuracy;

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
    const auto eszsl =
        fitEszslWithValidation(features.features.index_select(0, torch::tensor(trainRows)), torch::tensor(trainLabels),
                               allVectors.slice(0, 0, int64_t(cc.seen.size())), {}, &eszslReport);
    const auto eszslLogits = eszsl.scores(evalX, allVectors).cpu();
    const auto eszslResult = evaluateGzsl(eszslLogits, evalTruth, cc.seenCols, cc.unseenCols);
    out.eszsl.computed = true;
    out.eszsl.scores = scoresOf(eszslResult);
    out.eszsl.perClass = perClassOf(eszslResult, cc);
    out.eszsl.seconds = out.eszslSeconds = secondsSince(t);
    out.eszslGamma = eszslReport.gamma;
    out.eszslLambda = eszslReport.lambda;
    checkCancelled();

    Calibration calibration;
    if (options.calibration) {
        calibration = validationPass(dataset, bundle, stage, device, extractor.options(), features, head.classes,
                                     cc.unseen.size(), classVectors, learning, options.calibrationFolds,
                                     checkCancelled);
        out.eszsl.calibrated =
            calibratedOf(calibration.eszslGamma,
                         evaluateGzsl(eszslLogits, evalTruth, cc.seenCols, cc.unseenCols, calibration.eszslGamma),
                         calibration.eszslValidation, calibration.eszslValidationHAtZero);
        out.calibrationFolds = calibration.folds;
        out.calibrationSeconds = calibration.seconds;
        out.pseudoUnseenClasses = calibration.pseudoUnseen;
        out.validationImages = calibration.validationImages;
        checkCancelled();
    }
    if (!options.niwt) {
        out.extractSeconds = prepareSeconds;
        out.totalSeconds = secondsSince(start);
        return out;
    }

    torch::AutoGradMode enableGrad(true);
    const auto learnStart = std::chrono::steady_clock::now();
    const auto learned = learnUnseenClasses(extractor, dataset, classVectors,
                                            std::vector<int>(cc.unseen.begin(), cc.unseen.end()), device, learning);
    // Extraction: features and head before, importances and the alpha2w basis inside learnUnseenClasses.
    out.extractSeconds = prepareSeconds + secondsSince(learnStart) - learned.mod2alphaSeconds - learned.alpha2wSeconds -
                         learned.jacobianSeconds;
    out.jacobianSeconds = learned.jacobianSeconds;
    out.jacobiansClosedForm = learned.jacobiansClosedForm;
    out.alpha2wMode = alpha2wSpaceName(learned.space);
    out.alpha2wSpanIterations = learned.spanReport.iterations;
    out.alpha2wSpanCosineLoss = learned.spanReport.cosineLoss;
    out.mod2alphaSeconds = learned.mod2alphaSeconds;
    out.alpha2wSeconds = learned.alpha2wSeconds;

    torch::NoGradGuard noGradEval;
    const auto weights = torch::cat({head.head.weight.to(device), learned.weights.weight});
    const auto biases = torch::cat({head.head.bias.to(device), learned.weights.bias});
    const auto logits = torch::addmm(biases, evalX.to(device), weights.t()).cpu();
    const auto result = evaluateGzsl(logits, evalTruth, cc.seenCols, cc.unseenCols);
    out.niwt.computed = true;
    out.niwt.scores = scoresOf(result);
    out.niwt.perClass = perClassOf(result, cc);
    out.niwt.seconds = learned.mod2alphaSeconds + learned.alpha2wSeconds;
    if (options.calibration)
        out.niwt.calibrated = calibratedOf(
            calibration.niwtGamma, evaluateGzsl(logits, evalTruth, cc.seenCols, cc.unseenCols, calibration.niwtGamma),
            calibration.niwtValidation, calibration.niwtValidationHAtZero);
    const auto& m = learned.mod2alphaReport;
    out.mod2alphaValidationCosineDistance = m.validationCosineDistance;
    out.mod2alphaTrainCosineDistance = m.trainCosineDistance;
    out.mod2alphaValidationClasses = m.validationClasses;
    out.mod2alphaSteps = m.epochs;
    out.mod2alphaBestStep = m.bestEpoch;
    const auto& a = learned.alpha2wReport;
    out.alpha2wIterations = a.iterations;
    out.alpha2wConverged = a.converged;
    out.alpha2wLoss = a.loss;
    out.alpha2wCosineLoss = a.cosineLoss;
    out.alpha2wL2Loss = a.l2Loss;
    out.alpha2wLambda = learning.alpha2w.lambda;
    out.alpha2wPoolImages = int(learned.basis.images.size());

    // The learned classifier (seen + new classes) as JSON and TorchScript, and the seen training
    // images' importances for TensorBoard's embedding projector.
    if (const std::string& dir = options.exportDir; !dir.empty()) {
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
        classifier.stage = out.stage;
        classifier.modality = modality.name;
        classifier.hyperParameters = {{"alpha2w_lambda", learning.alpha2w.lambda},
                                      {"alpha2w_mode", alpha2wSpaceName(learning.space)},
                                      {"alpha2w_pool_per_class", learning.poolPerClass},
                                      {"mod2alpha_weight_decay", learning.mod2alpha.weightDecay},
                                      {"calibration_gamma", calibration.niwtGamma}};
        classifier.metrics = {{"U", result.U}, {"S", result.S}, {"H", result.H}, {"zsl", result.zsl}};
        out.exportedFiles = writeClassifierExport(dir, classifier, bundle, dataset, learned.importances);
    }
    out.totalSeconds = secondsSince(start);
    return out;
}

GzslEvaluation evaluateDataset(const GzslEvaluationRequest& request,
                               const std::function<void(const std::string&, int, int)>& progress,
                               const std::function<bool()>& cancelled) {
    if (!request.context.dataset) throw std::invalid_argument("evaluation: no data set is open");
    const CpuBlockReuseScope reuseBlocks;
    const Dataset& dataset = *request.context.dataset;
    const Modality* modality = dataset.modality(request.context.modality);
    if (!modality)
        throw std::invalid_argument("the data set " + dataset.spec + " has no modality \"" + request.context.modality +
                                    "\"");
    configureTorchThreads();
    const auto device = chooseDevice(request.context.device);
    const Bundle bundle = loadBundle(request.context.bundle, device);
    const int stage = resolveStage(bundle, request.context.stage);
    ExtractionOptions eo;
    eo.cacheDir = request.context.cacheDir;
    Extractor extractor(dataset, bundle, stage, device, eo, progress, cancelled);
    return runGzslEvaluation(extractor, bundle, *modality, device, request.options, {}, cancelled);
}

}  // namespace niwt
