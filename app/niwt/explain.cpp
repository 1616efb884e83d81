// `niwt explain` and `niwt neurons`: explanations (NIWT step 6). A Grad-CAM overlay, the top
// predictions and a textual explanation of one image for one class (seen, or unseen and learned
// with mod2alpha + alpha2w), and the neuron table of a stage (names from the inverse map, top
// images with overlays, a class's importance of each unit).
#include "app/niwt/cli.h"
#include "core/data/image_source.h"
#include "core/data/text_encoder.h"
#include "core/engine/device.h"
#include "core/engine/inverse_map.h"
#include "core/pipeline/explanations.h"
#include "core/pipeline/extraction.h"
#include "core/pipeline/heatmap.h"
#include "core/pipeline/niwt_learning.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <set>

namespace niwt::cli {

namespace {

namespace fs = std::filesystem;

double secondsSince(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

int positiveOption(const Options& options, const std::string& name, int fallback) {
    const int v = options.integer(name, fallback);
    if (v < 1)
        throw std::invalid_argument("--" + name + " must be at least 1, got " + std::to_string(v));
    return v;
}

// A class to explain: its weight vector and bias, seen or learned.
struct ClassWeights {
    int classIndex = -1;
    bool seen = false;
    torch::Tensor weight;  // F, CPU
    double bias = 0;
};

// Everything both commands share once the data set, bundle and caches are open.
struct Session {
    Dataset dataset;
    const Modality* modality = nullptr;
    torch::Tensor classVectors;
    torch::Device device{torch::kCPU};
    std::unique_ptr<Bundle> bundle;
    int stage = 0;
    std::unique_ptr<Extractor> extractor;
    ImportanceSet importances;
    InverseMap inverse;
    InverseMapReport inverseReport;
    bool learned = false;
    LearnedClasses unseen;

    explicit Session(const Options& options) {
        configureThreadsFromOptions(options);
        device = chooseDevice(options.value("device", "auto"));
        dataset = openDatasetFromOptions(options);
        modality = &modalityFromOptions(dataset, options);
        classVectors = classVectorMatrix(*modality, int(dataset.classes.size()));
        bundle = std::make_unique<Bundle>(openBundleFromOptions(options, dataset, device));
        stage = resolveStage(*bundle, options.value("stage"));
        extractor = std::make_unique<Extractor>(dataset, *bundle, stage, device, extractionOptionsFromOptions(options),
                                                progressLine, cancelRequested);
        auto basis = prepareExplanationBasis(*extractor, classVectors);
        importances = std::move(basis.importances);
        inverse = std::move(basis.inverse);
        inverseReport = std::move(basis.report);
    }

    std::string stageName() const { return bundle->network->stageNames()[size_t(stage)]; }

    // mod2alpha + alpha2w for every learnable unseen class (once).
    bool learnUnseen() {
        if (learned)
            return true;
        const auto classes = learnableUnseenClasses(dataset, extractor->allFeatures());
        if (classes.empty())
            return false;
        std::cerr << "learning " << classes.size() << " unseen classes (mod2alpha + alpha2w)\n";
        unseen = learnUnseenClasses(*extractor, dataset, classVectors, classes, device);
        learned = true;
        return true;
    }

    ClassWeights classWeights(const std::string& name) {
        ClassWeights out;
        out.classIndex = dataset.classIndexMatching(name);
        if (out.classIndex < 0)
            throw std::invalid_argument("--class " + name + ": the data set has no such class");
        const auto& head = extractor->seenHead();
        for (size_t r = 0; r < head.classes.size(); ++r)
            if (head.classes[r] == out.classIndex) {
                out.seen = true;
                out.weight = head.head.weight[int64_t(r)].clone();
                out.bias = head.head.bias[int64_t(r)].item<double>();
                return out;
            }
        const auto& cls = dataset.classes[size_t(out.classIndex)];
        if (cls.seen || !cls.inSplit)
            throw std::invalid_argument("--class " + name + ": " +
                                        (cls.seen ? "a seen class without training images (no head row)"
                                                  : "outside the split (neither seen nor unseen)"));
        learnUnseen();
        for (size_t u = 0; u < unseen.classes.size(); ++u)
            if (unseen.classes[u] == out.classIndex) {
                out.weight = unseen.weights.weight[int64_t(u)].to(torch::kCPU).clone();
                out.bias = unseen.weights.bias[int64_t(u)].item<double>();
                return out;
            }
        throw std::invalid_argument("--class " + name + ": an unseen class without images (nothing to learn from)");
    }

    nlohmann::json inverseMapJson() const {
        return {{"lambda", inverseReport.lambda},
                {"fit_classes", inverseReport.fitClasses},
                {"validation_classes", inverseReport.validationClasses},
                {"validation_mse", inverseReport.validationError},
                {"validation_mse_mean_baseline", inverseReport.validationBaselineError},
                {"validation_cosine", inverseReport.validationCosine},
                {"train_mse", inverseReport.trainError},
                {"images", importances.images.size()},
                {"seconds", inverseReport.seconds}};
    }
};

nlohmann::json scoresJson(const std::vector<DimensionScore>& scores, const std::vector<std::string>& names) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : scores)
        out.push_back({{"name", dimensionName(names, d.index)}, {"score", d.score}});
    return out;
}

std::string namesLine(const std::vector<DimensionScore>& scores, const std::vector<std::string>& names) {
    std::string out;
    for (const auto& d : scores) {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.3f", d.score);
        out += (out.empty() ? "" : ", ") + dimensionName(names, d.index) + " (" + buffer + ")";
    }
    return out;
}

std::string safeFileName(std::string s) {
    for (char& c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
            c = '_';
    return s;
}

// Fails early (before any network work) when the image cannot be read: one line naming it.
void requireReadableImage(const std::string& path) {
    if (path.empty())
        throw std::invalid_argument("--image FILE is needed");
    std::string error;
    if (readImage(path, &error).empty())
        throw DataError(error.empty() ? located(path, 0, "cannot decode image") : error);
}

}  // namespace

int commandExplain(const Options& options) {
    const auto start = std::chrono::steady_clock::now();
    const std::string imagePath = options.value("image");
    const std::string className = options.value("class");
    requireReadableImage(imagePath);
    if (className.empty())
        throw std::invalid_argument("--class NAME is needed (a seen or unseen class of the data set)");
    const int top = positiveOption(options, "top", 5);
    const std::string outDir = options.value("out", ".");

    Session s(options);
    const auto target = s.classWeights(className);
    const std::string targetName = s.dataset.classes[size_t(target.classIndex)].name;
    // Predictions over the seen head and, when the split has unseen classes, the learned ones.
    s.learnUnseen();

    const auto ex = explainImage(*s.bundle, s.stage, imagePath, target.weight, s.device);
    fs::create_directories(outDir);
    const std::string png =
        (fs::path(outDir) / ("gradcam_" + safeFileName(fs::path(imagePath).stem().string()) + "_" +
                             safeFileName(targetName) + ".png"))
            .string();
    writePng(png, overlayHeatmap(ex.view, ex.map, 0.5));

    // Logits of all classes: seen head rows, then learned unseen classes.
    const auto& head = s.extractor->seenHead();
    std::vector<int> columns(head.classes.begin(), head.classes.end());
    auto weights = head.head.weight;
    auto biases = head.head.bias;
    if (s.learned) {
        columns.insert(columns.end(), s.unseen.classes.begin(), s.unseen.classes.end());
        weights = torch::cat({weights, s.unseen.weights.weight.to(torch::kCPU)});
        biases = torch::cat({biases, s.unseen.weights.bias.to(torch::kCPU)});
    }
    torch::NoGradGuard noGrad;
    const auto logits = torch::addmv(biases, weights, ex.features.to(torch::kFloat));
    nlohmann::json predictions = nlohmann::json::array();
    std::vector<std::string> predictionLines;
    for (const auto& d : topDimensions(logits, top)) {
        const auto& cls = s.dataset.classes[size_t(columns[size_t(d.index)])];
        predictions.push_back({{"class", cls.name}, {"seen", cls.seen}, {"logit", d.score}});
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.3f", d.score);
        predictionLines.push_back(cls.name + (cls.seen ? "" : " [unseen]") + " (" + buffer + ")");
    }
    const double classLogit = torch::dot(target.weight.to(torch::kFloat), ex.features.to(torch::kFloat)).item<double>() + target.bias;

    const auto& names = s.modality->dimNames;
    const auto words = explainImportances(s.inverse, ex.importances, top);
    const auto wordsRelative = explainImportances(s.inverse, ex.importances, top, /*relativeToMean=*/true);
    // The units that matter most for this image and class, with their names.
    const auto unitNames = neuronNames(s.inverse, 3);
    nlohmann::json units = nlohmann::json::array();
    std::vector<std::string> unitLines;
    for (const auto& d : topDimensions(ex.importances, top)) {
        units.push_back({{"unit", d.index}, {"importance", d.score}, {"names", scoresJson(unitNames[size_t(d.index)], names)}});
        unitLines.push_back("unit " + std::to_string(d.index) + ": " + namesLine(unitNames[size_t(d.index)], names));
    }

    nlohmann::json out = {{"image", imagePath},
                          {"class", targetName},
                          {"class_seen", target.seen},
                          {"class_logit", classLogit},
                          {"stage", s.stageName()},
                          {"modality", s.modality->name},
                          {"gradcam_png", png},
                          {"predictions", predictions},
                          {"explanation", scoresJson(words, names)},
                          {"explanation_beyond_mean", scoresJson(wordsRelative, names)},
                          {"top_units", units},
                          {"inverse_map", s.inverseMapJson()},
                          {"total_s", secondsSince(start)}};
    if (options.flag("json")) {
        printResult(options, out);
        return 0;
    }
    std::cout << "image: " << imagePath << "\nclass: " << targetName << (target.seen ? " (seen)" : " (unseen, learned)")
              << ", logit " << classLogit << "\nGrad-CAM overlay: " << png << "\ntop predictions:\n";
    for (const auto& line : predictionLines)
        std::cout << "  " << line << "\n";
    std::cout << "explanation (" << s.modality->name << "): " << namesLine(words, names) << "\n"
              << "beyond the mean seen class: " << namesLine(wordsRelative, names) << "\n"
              << "most important units:\n";
    for (const auto& line : unitLines)
        std::cout << "  " << line << "\n";
    return 0;
}

int commandNeurons(const Options& options) {
    const auto start = std::chrono::steady_clock::now();
    const int top = positiveOption(options, "top", 5);
    const int perChannel = positiveOption(options, "images", 3);
    const std::string outDir = options.value("out", "neurons");
    const std::string className = options.value("class");

    Session s(options);
    const int K = s.inverse.channels();

    // The class's importance of each unit: mean over the class's images of alpha_i(w_c). Seen class:
    // its training images' cached importances (which are exactly alpha_i(w_c)); unseen class: all
    // its images, computed with the learned weights.
    torch::Tensor classImportance;
    std::string targetName;
    int classImages = 0;
    if (!className.empty()) {
        const auto target = s.classWeights(className);
        targetName = s.dataset.classes[size_t(target.classIndex)].name;
        if (target.seen) {
            classImportance = seenClassImportance(s.importances, target.classIndex, &classImages);
        } else {
            std::vector<std::string> paths;
            for (const auto& img : s.dataset.images)
                if (img.classIndex == target.classIndex)
                    paths.push_back(img.path);
            classImportance = meanClassWeightImportance(*s.bundle, s.stage, paths, target.weight, s.device,
                                                        s.extractor->loaderOptions(), &classImages, cancelRequested);
            if (classImages == 0)
                throw DataError(located(s.dataset.root, 0, "no readable image of class " + targetName));
        }
    }

    // Top images: the seen training images the inverse map learned from (honouring --limit).
    const std::vector<int> images = evenlyThinned(s.importances.images, options.integer("limit", 0));
    const auto paths = s.extractor->pathsOf(images);
    const auto topImages =
        topActivatingImages(*s.bundle, s.stage, paths, perChannel, s.device, s.extractor->loaderOptions(),
                            progressLine, cancelRequested);

    // Overlays for --units N units (default all): the class's most important ones when a class is
    // given, else the first N.
    const int unitCount = std::min(K, positiveOption(options, "units", K));
    std::vector<int> units;
    if (classImportance.defined())
        for (const auto& d : topDimensions(classImportance, unitCount))
            units.push_back(d.index);
    else
        for (int k = 0; k < unitCount; ++k)
            units.push_back(k);
    const auto crops = writeChannelOverlays(topImages, paths, s.bundle->input, (fs::path(outDir) / "crops").string(), units);

    auto table = makeNeuronTable(s.inverse, s.modality->dimNames, top, &topImages, paths, crops, classImportance);
    table.stage = s.stageName();
    table.modality = s.modality->name;
    table.className = targetName;
    writeNeuronTable(table, outDir);

    // Summary: the first units, or the class's most important ones.
    std::vector<int> shown;
    if (classImportance.defined())
        for (const auto& d : topDimensions(classImportance, std::min(K, 10)))
            shown.push_back(d.index);
    else
        for (int k = 0; k < std::min(K, 10); ++k)
            shown.push_back(k);
    nlohmann::json summary = nlohmann::json::array();
    for (int k : shown) {
        const auto& r = table.rows[size_t(k)];
        nlohmann::json attributes = nlohmann::json::array();
        for (size_t i = 0; i < r.attributes.size(); ++i)
            attributes.push_back({{"name", r.attributes[i]}, {"score", r.attributeScores[i]}});
        summary.push_back({{"unit", k},
                           {"attributes", attributes},
                           {"top_image", r.images.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.images.front())},
                           {"class_importance", std::isfinite(r.classImportance) ? nlohmann::json(r.classImportance)
                                                                                  : nlohmann::json(nullptr)}});
    }
    nlohmann::json out = {{"stage", table.stage},
                          {"modality", table.modality},
                          {"units", K},
                          {"class", targetName.empty() ? nlohmann::json(nullptr) : nlohmann::json(targetName)},
                          {"class_images", classImages},
                          {"images_ranked", topImages.images},
                          {"unreadable_images", topImages.failed},
                          {"image_ranking", table.imageRanking},
                          {"csv", (fs::path(outDir) / "neurons.csv").string()},
                          {"json", (fs::path(outDir) / "neurons.json").string()},
                          {"crops", units.size() * size_t(perChannel)},
                          {"inverse_map", s.inverseMapJson()},
                          {"summary", summary},
                          {"total_s", secondsSince(start)}};
    if (options.flag("json")) {
        printResult(options, out);
        return 0;
    }
    std::cout << "stage " << table.stage << ": " << K << " units named from " << table.modality << " ("
              << topImages.images << " images ranked by mean activation)\n"
              << "table: " << out["csv"].get<std::string>() << ", " << out["json"].get<std::string>() << "\n"
              << "crops: " << (fs::path(outDir) / "crops").string() << " (" << units.size() * size_t(perChannel)
              << " PNGs)\n"
              << "inverse map: ridge " << s.inverseReport.lambda << ", held-out MSE " << s.inverseReport.validationError
              << " (mean baseline " << s.inverseReport.validationBaselineError << "), cosine "
              << s.inverseReport.validationCosine << "\n";
    for (int k : shown) {
        const auto& r = table.rows[size_t(k)];
        std::string line = "unit " + std::to_string(k);
        if (std::isfinite(r.classImportance))
            line += " (importance " + std::to_string(r.classImportance) + ")";
        line += ":";
        for (size_t i = 0; i < r.attributes.size(); ++i)
            line += (i ? ", " : " ") + r.attributes[i];
        std::cout << line << "\n";
    }
    return 0;
}

}  // namespace niwt::cli
