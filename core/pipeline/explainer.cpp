#include "core/pipeline/explainer.h"

#include "core/data/image_source.h"
#include "core/data/text_encoder.h"
#include "core/engine/cancelled.h"
#include "core/engine/cpu_allocator.h"
#include "core/engine/device.h"
#include "core/pipeline/explain.h"
#include "core/pipeline/explanations.h"
#include "core/pipeline/extraction.h"
#include "core/pipeline/niwt_learning.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <stdexcept>

namespace niwt {

namespace {

// A new class has no images of its own: its importances are averaged over the images it scores
// highest, where its evidence is.
constexpr int kNewClassImportanceImages = 64;
// Units named beside an explanation's top units.
constexpr int kUnitNameAttributes = 3;

std::vector<ScoredName> named(const std::vector<DimensionScore>& scores, const std::vector<std::string>& names) {
    std::vector<ScoredName> out;
    for (const auto& d : scores) out.push_back({dimensionName(names, d.index), d.score});
    return out;
}

std::string fnvHex(const void* data, size_t bytes, uint64_t hash = 1469598103934665603ull) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < bytes; ++i) hash = (hash ^ p[i]) * 1099511628211ull;
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(hash));
    return buffer;
}

}  // namespace

ExplainClass ExplainClass::seen(int classIndex) {
    ExplainClass c;
    c.classIndex = classIndex;
    return c;
}

ExplainClass ExplainClass::learned(std::string name, std::vector<float> weight, float bias) {
    ExplainClass c;
    c.name = std::move(name);
    c.weight = std::move(weight);
    c.bias = bias;
    return c;
}

std::string ExplainClass::key() const {
    if (isSeen()) return "seen:" + std::to_string(classIndex);
    std::vector<float> values = weight;
    values.push_back(bias);
    return "new:" + name + ":" + fnvHex(values.data(), values.size() * sizeof(float));
}

// What one stage's explanations need, prepared on first use and kept.
struct StageState {
    int stage = 0;
    std::string name;
    ExplanationBasis basis;
    BatchLoaderOptions loader;
    std::map<std::string, std::pair<torch::Tensor, int>> classImportance;  // key -> (K, images averaged)
    ChannelTopImages top;                                                  // every unit's top images over `topPaths`
    int topPerChannel = 0;                                                 // 0: not ranked yet
    std::vector<int> topImages;                                            // the pool: dataset image indices
    std::vector<std::string> topPaths;
};

struct Explainer::Engine {
    torch::Device device = torch::kCPU;
    std::optional<CaptionModel> captions;  // modality "captions" built from descriptions
    const Modality* modality = nullptr;    // the data set's, or &captions->modality
    torch::Tensor classVectors;            // C x a, raw
    std::unique_ptr<Bundle> bundle;
    ExtractionOptions extraction;
    FeatureSet features;  // every image with features (CPU)
    SeenHead head;
    int preparedStage = 0;
    std::map<int, std::unique_ptr<StageState>> stages;
    bool unseenLearned = false;
    std::vector<ExplainClass> unseen;  // unseenClasses(), once learned

    // The class's weight vector (F, CPU float), bias and display name. Throws for a seen class
    // without a head row or a new class of the wrong size.
    struct Weights {
        torch::Tensor weight;
        double bias = 0;
        std::string name;
        bool seen = true;
    };
    Weights weightsOf(const Dataset& dataset, const ExplainClass& c) const {
        Weights out;
        const int64_t F = head.head.weight.size(1);
        if (c.isSeen()) {
            if (c.classIndex >= int(dataset.classes.size()))
                throw std::invalid_argument("class index " + std::to_string(c.classIndex) + " is outside the data set");
            out.name = c.name.empty() ? dataset.classes[size_t(c.classIndex)].name : c.name;
            const auto row = std::find(head.classes.begin(), head.classes.end(), c.classIndex);
            if (row == head.classes.end())
                throw std::invalid_argument(
                    "class " + out.name + ": not a seen class with training images (the seen head has no row for it)");
            out.weight = head.head.weight[int64_t(row - head.classes.begin())].to(torch::kFloat).clone();
            out.bias = head.head.bias[int64_t(row - head.classes.begin())].item<double>();
            return out;
        }
        out.name = c.name;
        out.seen = false;
        if (int64_t(c.weight.size()) != F)
            throw std::invalid_argument("class \"" + c.name + "\": its weight vector has " +
                                        std::to_string(c.weight.size()) + " values, the network's features have " +
                                        std::to_string(F));
        if (!std::all_of(c.weight.begin(), c.weight.end(), [](float v) { return std::isfinite(v); }) ||
            !std::isfinite(c.bias))
            throw std::invalid_argument("class \"" + c.name +
                                        "\": its weights hold a value that is not a finite number");
        out.weight = torch::tensor(c.weight, torch::kFloat);
        out.bias = c.bias;
        return out;
    }

    StageState& stageState(const Dataset& dataset, const std::string& name, const ExplainerProgressFn& progress,
                           const ExplainerCancelFn& cancelled) {
        const int stage = name.empty() ? preparedStage : resolveStage(*bundle, name);
        if (auto it = stages.find(stage); it != stages.end()) return *it->second;
        auto state = std::make_unique<StageState>();
        state->stage = stage;
        state->name = bundle->network->stageNames()[size_t(stage)];
        Extractor extractor(dataset, *bundle, stage, device, extraction, progress, cancelled);
        extractor.setFeatures(features);  // features do not depend on the stage
        state->basis = prepareExplanationBasis(extractor, classVectors);
        state->loader = extractor.loaderOptions();
        return *stages.emplace(stage, std::move(state)).first->second;
    }

    std::pair<torch::Tensor, int> classImportance(const Dataset& dataset, StageState& st, const ExplainClass& c,
                                                  const ExplainerCancelFn& cancelled) {
        const std::string key = c.key();
        if (auto it = st.classImportance.find(key); it != st.classImportance.end()) return it->second;
        const Weights w = weightsOf(dataset, c);
        int images = 0;
        torch::Tensor importance;
        if (c.isSeen()) {
            importance = seenClassImportance(st.basis.importances, c.classIndex, &images);
        } else if (c.datasetClass >= 0) {
            // A learned data set class (unseen): all its images, as `niwt neurons --class` always did.
            std::vector<std::string> paths;
            for (const auto& image : dataset.images)
                if (image.classIndex == c.datasetClass) paths.push_back(image.path);
            importance =
                meanClassWeightImportance(*bundle, st.stage, paths, w.weight, device, st.loader, &images, cancelled);
        } else {
            torch::NoGradGuard noGrad;
            const auto scores = torch::mv(features.features, w.weight).add(w.bias);
            const int64_t n = std::min<int64_t>(kNewClassImportanceImages, scores.size(0));
            const auto best = std::get<1>(scores.topk(n)).contiguous();
            std::vector<int> chosen;
            for (int64_t i = 0; i < n; ++i) chosen.push_back(features.images[size_t(best[i].item<int64_t>())]);
            std::vector<std::string> paths;
            for (int image : chosen) paths.push_back(dataset.images[size_t(image)].path);
            importance =
                meanClassWeightImportance(*bundle, st.stage, paths, w.weight, device, st.loader, &images, cancelled);
        }
        if (!importance.defined())
            throw DataError(
                located(dataset.root, 0, "no readable image to average class " + w.name + "'s importances over"));
        importance = importance.to(torch::kCPU, torch::kDouble).contiguous();
        return st.classImportance[key] = {importance, images};
    }
};

Explainer::Explainer(EngineContext context, ExplainerOptions options)
    : context_(std::move(context)), options_(options) {
    requireComplete(context_, "the explainer");
}

Explainer::~Explainer() = default;

bool Explainer::isPrepared() const { return engine_ != nullptr; }
const ExplainerInfo& Explainer::info() const { return info_; }

ExplainerInfo Explainer::prepare(const ExplainerProgressFn& progress, const ExplainerCancelFn& cancelled) {
    const auto start = std::chrono::steady_clock::now();
    const CpuBlockReuseScope reuseBlocks;
    engine_.reset();  // a failed or cancelled prepare leaves the explainer unprepared
    auto engine = std::make_unique<Engine>();
    const Dataset& dataset = *context_.dataset;

    // The modality first: a bad name should fail before minutes of extraction.
    engine->modality = &modalityOrCaptions(dataset, context_.modality, context_.descriptionsFile, engine->captions);
    engine->classVectors = classVectorMatrix(*engine->modality, int(dataset.classes.size()));

    if (options_.torchThreads > 0) {
        torch::set_num_threads(options_.torchThreads);
        keepBlasSingleThreaded();
        installCachingCpuAllocator();
    } else {
        configureTorchThreads();
    }
    engine->device = chooseDevice(context_.device);
    engine->bundle = std::make_unique<Bundle>(loadBundle(context_.bundle, engine->device));
    engine->preparedStage = resolveStage(*engine->bundle, context_.stage);
    engine->extraction.cacheDir = context_.cacheDir;
    engine->extraction.batchSize = options_.batchSize;
    engine->extraction.decodeThreads = options_.decodeThreads;
    engine->extraction.limit = options_.limit;
    engine->extraction.useCache = options_.useCache;

    // The prepared stage: one extractor computes the features (keeping the seen training images'
    // stage activations for the importance pass), the head, the importances and the inverse map.
    auto state = std::make_unique<StageState>();
    state->stage = engine->preparedStage;
    state->name = engine->bundle->network->stageNames()[size_t(state->stage)];
    {
        Extractor extractor(dataset, *engine->bundle, state->stage, engine->device, engine->extraction, progress,
                            cancelled);
        state->basis = prepareExplanationBasis(extractor, engine->classVectors);
        state->loader = extractor.loaderOptions();
        engine->features = extractor.allFeatures();
        engine->head = extractor.seenHead();
    }

    ExplainerInfo info;
    info.stageNames = engine->bundle->network->stageNames();
    info.defaultStage = info.stageNames[size_t(resolveStage(*engine->bundle, ""))];
    info.stageName = state->name;
    info.device = describeDevice(engine->device);
    info.modality = engine->modality->name;
    info.featureDim = int(engine->head.head.weight.size(1));
    info.seenHeadClasses = int(engine->head.classes.size());
    info.seenClasses = engine->head.classes;
    engine->stages.emplace(state->stage, std::move(state));
    info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    engine_ = std::move(engine);
    info_ = info;
    return info;
}

Explanation Explainer::explain(const std::string& imagePath, const ExplainClass& target, const std::string& stage,
                               const std::vector<ExplainClass>& newClasses, int top,
                               const ExplainerProgressFn& progress, const ExplainerCancelFn& cancelled) {
    if (!engine_) throw std::logic_error("explain: the explainer is not prepared");
    Engine& e = *engine_;
    StageState& st = e.stageState(*context_.dataset, stage, progress, cancelled);
    const auto weights = e.weightsOf(*context_.dataset, target);
    top = std::max(top, 1);

    torch::AutoGradMode enableGrad(true);  // Grad-CAM needs gradients, whatever the calling thread set
    const auto ex = explainImage(*e.bundle, st.stage, imagePath, weights.weight, e.device);

    Explanation out;
    out.imagePath = imagePath;
    out.className = weights.name;
    out.stageName = st.name;
    out.map = ex.map;
    out.view = ex.view;

    // Logits of the seen head's classes, then of the given new classes.
    torch::NoGradGuard noGrad;
    std::vector<Prediction> columns;
    for (int c : e.head.classes) columns.push_back({context_.dataset->classes[size_t(c)].name, 0, true});
    auto allWeights = e.head.head.weight.to(torch::kFloat);
    auto allBiases = e.head.head.bias.to(torch::kFloat);
    for (const auto& c : newClasses) {
        const auto w = e.weightsOf(*context_.dataset, c);
        columns.push_back({w.name, 0, w.seen});
        allWeights = torch::cat({allWeights, w.weight.unsqueeze(0)});
        allBiases = torch::cat({allBiases, torch::tensor({float(w.bias)})});
    }
    const auto features = ex.features.to(torch::kFloat);
    const auto logits = torch::addmv(allBiases, allWeights, features);
    for (const auto& d : topDimensions(logits, top)) {
        Prediction p = columns[size_t(d.index)];
        p.logit = d.score;
        out.predictions.push_back(p);
    }
    out.classLogit = torch::dot(weights.weight, features).item<double>() + weights.bias;

    const auto& names = e.modality->dimNames;
    out.attributes = named(explainImportances(st.basis.inverse, ex.importances, top), names);
    out.attributesBeyondMean = named(explainImportances(st.basis.inverse, ex.importances, top, true), names);
    const auto unitNames = neuronNames(st.basis.inverse, kUnitNameAttributes);
    for (const auto& d : topDimensions(ex.importances, top))
        out.topUnits.push_back({d.index, d.score, named(unitNames[size_t(d.index)], names)});
    return out;
}

std::vector<double> Explainer::classNeuronImportance(const ExplainClass& target, const std::string& stage, int* images,
                                                     const ExplainerProgressFn& progress,
                                                     const ExplainerCancelFn& cancelled) {
    if (!engine_) throw std::logic_error("classNeuronImportance: the explainer is not prepared");
    StageState& st = engine_->stageState(*context_.dataset, stage, progress, cancelled);
    const auto [importance, count] = engine_->classImportance(*context_.dataset, st, target, cancelled);
    if (images) *images = count;
    return std::vector<double>(importance.data_ptr<double>(), importance.data_ptr<double>() + importance.numel());
}

NeuronListing Explainer::neuronTable(const std::string& stage, int topAttributes, const ExplainClass* target,
                                     const ExplainerProgressFn& progress, const ExplainerCancelFn& cancelled) {
    if (!engine_) throw std::logic_error("neuronTable: the explainer is not prepared");
    Engine& e = *engine_;
    StageState& st = e.stageState(*context_.dataset, stage, progress, cancelled);
    NeuronListing out;
    torch::Tensor importance;
    if (target) {
        std::tie(importance, out.classImages) = e.classImportance(*context_.dataset, st, *target, cancelled);
        out.className = e.weightsOf(*context_.dataset, *target).name;
    }
    out.rows =
        makeNeuronTable(st.basis.inverse, e.modality->dimNames, std::max(topAttributes, 1), nullptr, {}, {}, importance)
            .rows;
    out.stageName = st.name;
    out.modality = e.modality->name;
    return out;
}

std::vector<UnitImage> Explainer::topImagesForUnit(int unit, int k, const std::string& stage,
                                                   const ExplainerProgressFn& progress,
                                                   const ExplainerCancelFn& cancelled) {
    if (!engine_) throw std::logic_error("topImagesForUnit: the explainer is not prepared");
    Engine& e = *engine_;
    StageState& st = e.stageState(*context_.dataset, stage, progress, cancelled);
    if (unit < 0 || unit >= st.basis.inverse.channels())
        throw std::out_of_range("unit " + std::to_string(unit) + " is outside the stage's " +
                                std::to_string(st.basis.inverse.channels()) + " units");
    k = std::max(k, 1);
    if (st.topPerChannel < k) {
        // The pool: the seen training images the inverse map learned from, evenly thinned.
        std::vector<int> pool = evenlyThinned(st.basis.importances.images, options_.topImagePool);
        std::vector<std::string> paths;
        for (int image : pool) paths.push_back(context_.dataset->images[size_t(image)].path);
        const int perChannel = std::max(k, 8);  // a few spare, so asking for a few more needs no new pass
        st.top = topActivatingImages(*e.bundle, st.stage, paths, perChannel, e.device, st.loader, progress, cancelled);
        st.topImages = std::move(pool);
        st.topPaths = std::move(paths);
        st.topPerChannel = perChannel;
    }
    std::vector<UnitImage> out;
    if (st.top.channels == 0) return out;  // no readable image in the pool
    const InputSpec& spec = e.bundle->input;
    // The maps of the k images returned, on one scale over them (the spare ones play no part, so
    // k images look the same however many the pool kept).
    ChannelTopImages shown;
    shown.channels = 1;
    const auto& unitMaps = st.top.maps[size_t(unit)];
    shown.maps.emplace_back(unitMaps.begin(), unitMaps.begin() + std::min<ptrdiff_t>(k, ptrdiff_t(unitMaps.size())));
    const auto maps = channelOverlayMaps(shown, 0, cv::Size(spec.width, spec.height));
    for (size_t j = 0; j < maps.size() && int(j) < k; ++j) {
        const int position = st.top.positions[size_t(unit)][j];
        UnitImage image;
        image.image = st.topImages[size_t(position)];
        image.path = st.topPaths[size_t(position)];
        image.activation = st.top.scores[size_t(unit)][j];
        std::string error;
        const cv::Mat decoded = readImage(image.path, &error);
        if (decoded.empty()) throw DataError(error.empty() ? located(image.path, 0, "cannot decode image") : error);
        image.view = networkInputView(decoded, spec);
        image.map = maps[j];
        out.push_back(std::move(image));
    }
    return out;
}

ExplainerStageReport Explainer::stageReport(const std::string& stage, const ExplainerProgressFn& progress,
                                            const ExplainerCancelFn& cancelled) {
    if (!engine_) throw std::logic_error("stageReport: the explainer is not prepared");
    const CpuBlockReuseScope reuseBlocks;
    const StageState& st = engine_->stageState(*context_.dataset, stage, progress, cancelled);
    const auto& r = st.basis.report;
    ExplainerStageReport out;
    out.stageName = st.name;
    out.units = st.basis.inverse.channels();
    out.importanceImages = int(st.basis.importances.images.size());
    out.lambda = r.lambda;
    out.fitClasses = r.fitClasses;
    out.validationClasses = r.validationClasses;
    out.validationMse = r.validationError;
    out.validationMseMeanBaseline = r.validationBaselineError;
    out.validationCosine = r.validationCosine;
    out.trainMse = r.trainError;
    out.seconds = r.seconds;
    if (st.topPerChannel > 0) {
        out.poolImagesRanked = st.top.images;
        out.poolImagesUnreadable = st.top.failed;
    }
    return out;
}

std::vector<ExplainClass> Explainer::unseenClasses(const ExplainerProgressFn& progress,
                                                   const ExplainerCancelFn& cancelled) {
    if (!engine_) throw std::logic_error("unseenClasses: the explainer is not prepared");
    Engine& e = *engine_;
    if (e.unseenLearned) return e.unseen;
    const Dataset& dataset = *context_.dataset;
    const auto classes = learnableUnseenClasses(dataset, e.features);
    std::vector<ExplainClass> out;
    if (!classes.empty()) {
        // At the prepared stage, from the caches prepare() left (read even when useCache is off:
        // prepare() has just rewritten them).
        ExtractionOptions extraction = e.extraction;
        extraction.useCache = true;
        Extractor extractor(dataset, *e.bundle, e.preparedStage, e.device, extraction, progress, cancelled);
        extractor.setFeatures(e.features);
        const LearnedClasses learned = learnUnseenClasses(extractor, dataset, e.classVectors, classes, e.device);
        const auto weights = learned.weights.weight.to(torch::kCPU, torch::kFloat).contiguous();
        const auto biases = learned.weights.bias.to(torch::kCPU, torch::kFloat).contiguous();
        const int64_t F = weights.size(1);
        for (size_t u = 0; u < learned.classes.size(); ++u) {
            const float* row = weights.data_ptr<float>() + int64_t(u) * F;
            ExplainClass c = ExplainClass::learned(dataset.classes[size_t(learned.classes[u])].name,
                                                   std::vector<float>(row, row + F), biases.data_ptr<float>()[u]);
            c.datasetClass = learned.classes[u];
            out.push_back(std::move(c));
        }
    }
    e.unseen = out;
    e.unseenLearned = true;
    return out;
}

ExplainClass Explainer::classNamed(const std::string& name, const ExplainerProgressFn& progress,
                                   const ExplainerCancelFn& cancelled) {
    if (!engine_) throw std::logic_error("classNamed: the explainer is not prepared");
    const Dataset& dataset = *context_.dataset;
    const int index = dataset.classIndexMatching(name);
    if (index < 0) throw std::invalid_argument("class " + name + ": the data set has no such class");
    const auto& head = engine_->head.classes;
    if (std::find(head.begin(), head.end(), index) != head.end()) return ExplainClass::seen(index);
    const auto& cls = dataset.classes[size_t(index)];
    if (cls.seen || !cls.inSplit)
        throw std::invalid_argument("class " + name + ": " +
                                    (cls.seen ? "a seen class without training images (no head row)"
                                              : "outside the split (neither seen nor unseen)"));
    for (const auto& c : unseenClasses(progress, cancelled))
        if (c.datasetClass == index) return c;
    throw std::invalid_argument("class " + name + ": an unseen class without images (nothing to learn from)");
}

}  // namespace niwt
