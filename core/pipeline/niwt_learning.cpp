#include "core/pipeline/niwt_learning.h"

#include "core/pipeline/export.h"

#include <chrono>
#include <filesystem>
#include <stdexcept>

namespace niwt {

namespace {
double secondsSince(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

torch::Tensor classVectorMatrix(const Modality& modality, int classes) {
    if (modality.values.size() != size_t(classes) * size_t(modality.dims))
        throw std::invalid_argument("modality " + modality.name + " does not have one row per class");
    return torch::from_blob(const_cast<float*>(modality.values.data()), {classes, modality.dims}, torch::kFloat)
        .clone();
}

std::vector<int> learnableUnseenClasses(const Dataset& dataset, const FeatureSet& features) {
    std::vector<char> hasImages(dataset.classes.size(), 0);
    for (int i : features.images) hasImages[size_t(dataset.images[size_t(i)].classIndex)] = 1;
    std::vector<int> out;
    for (size_t c = 0; c < dataset.classes.size(); ++c)
        if (!dataset.classes[c].seen && dataset.classes[c].inSplit && hasImages[c]) out.push_back(int(c));
    return out;
}

Mod2Alpha fitMod2AlphaOnImportances(const ImportanceSet& importances, const torch::Tensor& classVectors,
                                    const Mod2AlphaOptions& options, Mod2AlphaReport* report,
                                    const std::function<bool(int step, double loss)>& progress) {
    return fitMod2Alpha(importances.alpha,
                        torch::tensor(std::vector<int64_t>(importances.classes.begin(), importances.classes.end())),
                        classVectors, options, report, progress);
}

SeenFeatureMoments seenTrainingFeatureMoments(const Dataset& dataset, const FeatureSet& features, const SeenHead& head) {
    std::vector<char> isHeadClass(dataset.classes.size(), 0);
    for (int c : head.classes) isHeadClass[size_t(c)] = 1;
    std::vector<int64_t> trainRows;
    for (size_t r = 0; r < features.images.size(); ++r) {
        const auto& img = dataset.images[size_t(features.images[r])];
        if (img.subset == Subset::Train && isHeadClass[size_t(img.classIndex)]) trainRows.push_back(int64_t(r));
    }
    if (trainRows.empty()) return {};
    torch::NoGradGuard noGrad;
    return seenFeatureMoments(features.features.index_select(0, torch::tensor(trainRows)),
                              head.head.weight.to(features.features.device()));
}

LearnedClasses learnUnseenClasses(Extractor& extractor, const Dataset& dataset, const torch::Tensor& classVectors,
                                  const std::vector<int>& classes, const torch::Device& device,
                                  const UnseenLearningOptions& options) {
    if (classes.empty())
        throw std::invalid_argument("no unseen class to learn: give a split (--split) that marks some unseen");
    for (int c : classes)
        if (c < 0 || c >= int(classVectors.size(0)))
            throw std::invalid_argument("learnUnseenClasses: class index " + std::to_string(c) +
                                        " has no class vector");
    const auto& features = extractor.allFeatures();
    const auto& head = extractor.seenHead();

    LearnedClasses out;
    out.classes = classes;
    {
        torch::AutoGradMode enableGrad(true);
        out.importances = extractor.importances();
        out.basis = extractor.importanceBasis(options.poolPerClass);
    }

    auto t = std::chrono::steady_clock::now();
    out.mod2alpha = fitMod2AlphaOnImportances(out.importances, classVectors, options.mod2alpha, &out.mod2alphaReport);
    out.mod2alphaSeconds = secondsSince(t);

    const auto predicted = out.mod2alpha.predict(
        classVectors.index_select(0, torch::tensor(std::vector<int64_t>(classes.begin(), classes.end()))));
    out.seenFeatures = seenTrainingFeatureMoments(dataset, features, head).to(device);
    const SeenFeatureMoments& seenFeatures = out.seenFeatures;

    t = std::chrono::steady_clock::now();
    out.weights = alpha2w(out.basis.basis.to(device), head.head.to(device), predicted.to(device), options.alpha2w,
                          &out.spanReport, {}, seenFeatures);
    out.alpha2wSeconds = secondsSince(t);
    out.alpha2wReport = out.spanReport;
    out.space = options.space;
    if (options.space == Alpha2WSpace::Full) {
        t = std::chrono::steady_clock::now();
        const JacobianSet jacobians = extractor.importanceJacobians(options.poolPerClass);
        const auto space = prepareFullAlpha2W(jacobians.jacobians, head.head.to(device));
        out.jacobianSeconds = secondsSince(t);
        out.jacobiansClosedForm = jacobians.jacobians.closedForm();
        out.jacobiansFromCache = jacobians.fromCache;
        t = std::chrono::steady_clock::now();
        out.weights = alpha2wFull(space, predicted.to(device), options.alpha2w, &out.alpha2wReport, {},
                                  seenFeatures, out.weights.direction);
        out.alpha2wSeconds += secondsSince(t);
    }
    return out;
}

std::vector<std::string> writeClassifierExport(const std::string& dir, const LearnedClassifier& classifier,
                                               const Bundle& bundle, const Dataset& dataset,
                                               const ImportanceSet& importances) {
    const std::filesystem::path root(dir);
    std::filesystem::create_directories(root);
    const std::string json = (root / "classifier.json").string(), script = (root / "classifier.pt").string(),
                      projector = (root / "projector").string();
    exportClassifierJson(json, classifier);
    exportClassifierTorchScript(script, classifier, &bundle);
    std::vector<std::vector<std::string>> meta;
    for (size_t r = 0; r < importances.images.size(); ++r)
        meta.push_back(
            {dataset.classes[size_t(importances.classes[r])].name, dataset.images[size_t(importances.images[r])].path});
    exportProjectorTsv(projector, importances.alpha, meta, {"class", "image"});
    return {json, script, projector};
}

}  // namespace niwt
