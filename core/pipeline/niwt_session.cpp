#include "core/pipeline/niwt_session.h"

#include "core/data/text_encoder.h"
#include "core/engine/cancelled.h"
#include "core/engine/cpu_allocator.h"
#include "core/engine/device.h"
#include "core/pipeline/export.h"
#include "core/pipeline/extraction.h"
#include "core/pipeline/niwt_learning.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <optional>
#include <stdexcept>

namespace niwt {

// Everything learnClass needs, computed once by prepare(). The Extractor is not kept: its results
// are, so later calls never touch images or the network.
struct NiwtSession::Engine {
    torch::Device device = torch::kCPU;
    std::optional<CaptionModel> captions;  // modality "captions" built from descriptions
    const Modality* modality = nullptr;    // the data set's, or &captions->modality
    Mod2Alpha mod2alpha;
    Mod2AlphaReport mod2alphaReport;
    Alpha2WBasis alpha2w;                  // the importance basis and seen head, prepared once, on device
    std::optional<Alpha2WFullSpace> full;  // full mode: the pool's Jacobians, prepared once, on device
    SeenFeatureMoments seenFeatures;       // where new logits are placed (may be undefined)
    torch::Tensor features;                // N x F, CPU: every image with features, for ranking
    torch::Tensor bestSeenLogit;           // N, CPU: each image's largest seen-head logit
    std::vector<int> featureImages;        // dataset image index of each features row
    Bundle bundle;                         // for the exported classifier's forward_images
    std::string stageName;
    LinearHead seenHead;               // CPU
    std::vector<int> seenHeadClasses;  // dataset class index per head row
    ImportanceSet importances;         // the seen training images', for TensorBoard's projector
};

NiwtSession::NiwtSession(EngineContext context, NiwtSessionOptions options)
    : context_(std::move(context)), options_(options) {
    requireComplete(context_, "the NIWT session");
}

NiwtSession::~NiwtSession() = default;

bool NiwtSession::isPrepared() const { return engine_ != nullptr; }
const NiwtSessionInfo& NiwtSession::info() const { return info_; }

const Modality* NiwtSession::modality() const {
    if (engine_) return engine_->modality;
    return context_.modality == "captions" ? context_.dataset->modality("captions")
                                           : context_.dataset->modality(context_.modality);
}

NiwtSessionInfo NiwtSession::prepare(const SessionProgressFn& progress, const SessionCancelFn& cancelled,
                                     const LearnProgressFn& mod2alphaCurve) {
    const auto start = std::chrono::steady_clock::now();
    const CpuBlockReuseScope reuseBlocks;
    engine_.reset();  // a failed or cancelled prepare leaves the session unprepared
    auto engine = std::make_unique<Engine>();
    const Dataset& dataset = *context_.dataset;

    // The modality first: a bad name should fail before minutes of extraction.
    if (context_.modality == "captions" && !dataset.modality("captions")) {
        const std::string file =
            context_.descriptionsFile.empty() ? defaultDescriptionsFile(dataset) : context_.descriptionsFile;
        if (file.empty())
            throw std::invalid_argument(
                "the captions modality needs a descriptions file (JSON: class name -> phrases); "
                "none was given and " +
                dataset.root + "/../cub_descriptors/descriptors_cub.json is absent");
        engine->captions = captionModelFromFile(dataset, file);
        engine->modality = &engine->captions->modality;
    } else {
        engine->modality = dataset.modality(context_.modality);
        if (!engine->modality) {
            std::string names;
            for (const auto& m : dataset.modalities) names += (names.empty() ? "" : ", ") + m.name;
            throw std::invalid_argument("the data set has no modality \"" + context_.modality + "\" (it has: " + names +
                                        ")");
        }
    }
    const torch::Tensor classVectors = classVectorMatrix(*engine->modality, int(dataset.classes.size()));

    configureTorchThreads();
    engine->device = chooseDevice(context_.device);
    const Bundle bundle = loadBundle(context_.bundle, engine->device);
    const int stage = resolveStage(bundle, context_.stage);
    ExtractionOptions eo;
    eo.cacheDir = context_.cacheDir;
    ProgressFn extractionProgress = [&progress](const std::string& phase, int done, int total) {
        if (progress) progress(phase, done, total);
    };
    Extractor extractor(dataset, bundle, stage, engine->device, eo, extractionProgress, cancelled);
    const FeatureSet& features = extractor.allFeatures();
    const SeenHead& head = extractor.seenHead();
    ImportanceSet importances;
    {
        torch::AutoGradMode enableGrad(true);
        importances = extractor.importances();
        const ImportanceBasis basis = extractor.importanceBasis(UnseenLearningOptions().poolPerClass);
        engine->alpha2w = prepareAlpha2W(basis.basis.to(engine->device), head.head.to(engine->device));
        if (options_.alpha2wSpace == Alpha2WSpace::Full) {
            const JacobianSet jacobians = extractor.importanceJacobians(UnseenLearningOptions().poolPerClass);
            engine->full = prepareFullAlpha2W(jacobians.jacobians, head.head.to(engine->device));
        }
    }

    const Mod2AlphaOptions mod2alphaOptions;
    torch::AutoGradMode enableGrad(true);
    engine->mod2alpha = fitMod2AlphaOnImportances(importances, classVectors, mod2alphaOptions, &engine->mod2alphaReport,
                                                  [&](int step, double validation) {
                                                      if (mod2alphaCurve)
                                                          mod2alphaCurve(step, validation, validation, 0);
                                                      if (progress)
                                                          progress("mod2alpha", step, mod2alphaOptions.maxEpochs);
                                                      return !(cancelled && cancelled());
                                                  });
    engine->seenFeatures = seenTrainingFeatureMoments(dataset, features, head).to(engine->device);
    engine->features = features.features;
    engine->featureImages = features.images;
    engine->bundle = bundle;
    engine->stageName = bundle.network->stageNames()[size_t(stage)];
    engine->seenHead = head.head;
    {
        torch::NoGradGuard noGrad;
        const LinearHead cpuHead{head.head.weight.to(torch::kCPU), head.head.bias.to(torch::kCPU)};
        engine->bestSeenLogit =
            std::get<0>(torch::addmm(cpuHead.bias, engine->features.to(torch::kCPU), cpuHead.weight.t()).max(1))
                .contiguous();
    }
    engine->seenHeadClasses = head.classes;
    engine->importances = importances;

    NiwtSessionInfo info;
    info.stageName = bundle.network->stageNames()[size_t(stage)];
    info.device = describeDevice(engine->device);
    info.modality = engine->modality->name;
    info.modalityDims = engine->modality->dims;
    info.featureImages = int(features.images.size());
    info.seenHeadClasses = int(head.classes.size());
    info.seenTestAccuracy = head.seenTestAccuracy;
    info.importanceImages = int(importances.images.size());
    info.mod2alphaValidationCosineDistance = engine->mod2alphaReport.validationCosineDistance;
    info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    engine_ = std::move(engine);
    info_ = info;
    return info;
}

std::vector<float> NiwtSession::classVectorFromCaption(const std::string& text) const {
    if (!engine_) throw std::logic_error("classVectorFromCaption: the session is not prepared");
    if (!engine_->captions)
        throw std::logic_error("classVectorFromCaption: the session's modality is " + engine_->modality->name +
                               ", not captions");
    return engine_->captions->encoder.encode(text);
}

LearnedClass NiwtSession::learnClass(const std::string& name, const std::vector<float>& classVector,
                                     const LearnProgressFn& progress, const SessionCancelFn& cancelled,
                                     const std::function<void(const LearnedClass&)>& spanReady) {
    if (!engine_) throw std::logic_error("learnClass: the session is not prepared");
    const CpuBlockReuseScope reuseBlocks;
    const Engine& e = *engine_;
    if (int(classVector.size()) != e.modality->dims)
        throw std::invalid_argument("class \"" + name + "\": its description has " +
                                    std::to_string(classVector.size()) + " values, the modality " + e.modality->name +
                                    " has " + std::to_string(e.modality->dims));
    if (std::all_of(classVector.begin(), classVector.end(), [](float v) { return v == 0.0f; }))
        throw std::invalid_argument("class \"" + name + "\": its description is empty (all values zero" +
                                    std::string(e.captions ? ", or no word of the caption is known" : "") + ")");
    if (!std::all_of(classVector.begin(), classVector.end(), [](float v) { return std::isfinite(v); }))
        throw std::invalid_argument("class \"" + name + "\": its description has a value that is not a finite number");

    torch::AutoGradMode enableGrad(true);
    const auto vector = torch::tensor(classVector).unsqueeze(0);
    const torch::Tensor target = e.mod2alpha.predict(vector).detach();

    Alpha2WOptions options;
    options.maxIterations = options_.alpha2wMaxIterations;
    options.tolerance = options_.alpha2wTolerance;
    Alpha2WReport report;
    int stepsBefore = 0;  // full mode: the refinement's steps continue the span's on the plot
    const auto stepped = [&](int iteration, double total, double cosine, double l2) {
        if (progress) progress(stepsBefore + iteration, total, cosine, l2);
        return !(cancelled && cancelled());
    };
    // The weights as a LearnedClass, with every image ranked by the new logit's margin.
    const auto learnedFrom = [&](const NewClassWeights& weights, const Alpha2WReport& r, const char* mode) {
        LearnedClass out;
        out.name = name;
        out.classVector = classVector;
        out.alpha2wMode = mode;
        const torch::Tensor w = weights.weight[0].detach().to(torch::kCPU, torch::kFloat).contiguous();
        out.weight.assign(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
        out.bias = weights.bias[0].item<float>();
        out.iterations = r.iterations;
        out.converged = r.converged;
        out.loss = r.loss;
        out.cosineLoss = r.cosineLoss;
        out.l2Loss = r.l2Loss;
        out.seconds = r.seconds;
        out.mod2alphaValidationCosineDistance = e.mod2alphaReport.validationCosineDistance;
        torch::NoGradGuard noGrad;
        const torch::Tensor scores = torch::mv(e.features, w).add(out.bias).contiguous();
        const float* s = scores.data_ptr<float>();
        const float* best = e.bestSeenLogit.data_ptr<float>();
        out.ranking.resize(e.featureImages.size());
        for (size_t i = 0; i < e.featureImages.size(); ++i) out.ranking[i] = {e.featureImages[i], s[i], s[i] - best[i]};
        // Stable: equal margins keep data set order, so rankings are reproducible.
        std::stable_sort(out.ranking.begin(), out.ranking.end(),
                         [](const RankedImage& a, const RankedImage& b) { return a.margin > b.margin; });
        return out;
    };
    const NewClassWeights weights =
        alpha2w(e.alpha2w, target.to(e.device), options, &report, stepped, e.seenFeatures);
    LearnedClass span = learnedFrom(weights, report, "span");
    span.spanCosineLoss = report.cosineLoss;
    if (!e.full) return span;
    if (spanReady) spanReady(span);
    stepsBefore = report.iterations;
    Alpha2WReport fullReport;
    const NewClassWeights refined =
        alpha2wFull(*e.full, target.to(e.device), options, &fullReport, stepped, e.seenFeatures, weights.direction);
    LearnedClass out = learnedFrom(refined, fullReport, "full");
    out.spanCosineLoss = span.spanCosineLoss;
    out.seconds += span.seconds;
    return out;
}

std::vector<std::string> NiwtSession::exportClassifier(const std::string& directory,
                                                       const std::vector<LearnedClass>& learned) const {
    if (!engine_) throw std::logic_error("exportClassifier: the session is not prepared");
    const Engine& e = *engine_;
    const int64_t F = e.seenHead.weight.size(1);
    LearnedClassifier classifier;
    std::vector<torch::Tensor> rows{e.seenHead.weight.cpu()}, biases{e.seenHead.bias.cpu()};
    for (int c : e.seenHeadClasses) {
        classifier.classNames.push_back(context_.dataset->classes[size_t(c)].name);
        classifier.seen.push_back(true);
    }
    for (const LearnedClass& c : learned) {
        if (int64_t(c.weight.size()) != F)
            throw std::invalid_argument("class \"" + c.name + "\": its weight has " + std::to_string(c.weight.size()) +
                                        " values, the network's features have " + std::to_string(F));
        classifier.classNames.push_back(c.name);
        classifier.seen.push_back(false);
        rows.push_back(torch::tensor(c.weight).unsqueeze(0));
        biases.push_back(torch::tensor(std::vector<float>{c.bias}));
    }
    classifier.weight = torch::cat(rows);
    classifier.bias = torch::cat(biases);
    classifier.bundleName = e.bundle.name;
    classifier.bundleIdentity = e.bundle.identity;
    classifier.bundlePath = e.bundle.directory;
    classifier.stage = e.stageName;
    classifier.modality = e.modality->name;
    if (const std::string problem = classifierProblem(classifier); !problem.empty())
        throw std::invalid_argument("cannot export the classifier: " + problem);
    return writeClassifierExport(directory, classifier, e.bundle, *context_.dataset, e.importances);
}

}  // namespace niwt
