// `niwt explain` and `niwt neurons`: explanations (NIWT step 6), thin wrappers over niwt::Explainer
// (core/pipeline/explainer.h), the engine behind the explorer's heatmap and neuron panels. A
// Grad-CAM overlay, the top predictions and a textual explanation of one image for one class
// (seen, or unseen and learned with mod2alpha + alpha2w), and the neuron table of a stage (names
// from the inverse map, top images with overlays, a class's importance of each unit) written by
// writeNeuronTable (core/pipeline/neuron_table.h), the writer the neuron panel's export uses too.
#include "app/niwt/cli.h"
#include "core/data/image_source.h"
#include "core/pipeline/explainer.h"
#include "core/pipeline/heatmap.h"
#include "core/pipeline/neuron_table.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <set>

namespace niwt::cli {

namespace {

namespace fs = std::filesystem;

double secondsSince(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

int positiveOption(const Options& options, const std::string& name, int fallback) {
    const int v = options.integer(name, fallback);
    if (v < 1) throw std::invalid_argument("--" + name + " must be at least 1, got " + std::to_string(v));
    return v;
}

// The explainer the common options describe: the engine context (--dataset, --split, --bundle,
// --stage, --modality, --descriptions, --device, --cache-dir) and how it extracts (--batch-size,
// --decode-threads, --limit, --no-cache, --torch-threads). --limit also thins the top-image pool of
// `niwt neurons` (the seen training images; default all).
std::unique_ptr<Explainer> makeExplainer(const Options& options) {
    ExplainerOptions eo;
    eo.batchSize = options.integer("batch-size", eo.batchSize);
    eo.decodeThreads = options.integer("decode-threads", 0);
    eo.limit = options.integer("limit", 0);
    eo.useCache = !options.flag("no-cache");
    eo.torchThreads = options.integer("torch-threads", 0);
    if (eo.torchThreads < 0) throw std::invalid_argument("--torch-threads must be 1 or more");
    eo.topImagePool = eo.limit;
    auto dataset = std::make_shared<Dataset>(openDatasetFromOptions(options));
    if (modalityNameFromOptions(options) != "captions")
        modalityFromOptions(*dataset, options);  // a bad name fails before the network is trained or loaded
    return std::make_unique<Explainer>(engineContextFromOptions(options, dataset), eo);
}

// --class NAME as the explainer resolves it; its errors name the option ("--class NAME: ...").
ExplainClass classOption(Explainer& explainer, const std::string& name) {
    try {
        return explainer.classNamed(name, progressLine, cancelRequested);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string("--") + e.what());
    }
}

std::vector<ExplainClass> unseenClasses(Explainer& explainer) {
    auto classes = explainer.unseenClasses(progressLine, cancelRequested);
    if (!classes.empty()) std::cerr << "learned " << classes.size() << " unseen classes (mod2alpha + alpha2w)\n";
    return classes;
}

nlohmann::json inverseMapJson(const ExplainerStageReport& r) {
    return {{"lambda", r.lambda},
            {"fit_classes", r.fitClasses},
            {"validation_classes", r.validationClasses},
            {"validation_mse", r.validationMse},
            {"validation_mse_mean_baseline", r.validationMseMeanBaseline},
            {"validation_cosine", r.validationCosine},
            {"train_mse", r.trainMse},
            {"images", r.importanceImages},
            {"seconds", r.seconds}};
}

nlohmann::json scoresJson(const std::vector<ScoredName>& scores) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : scores) out.push_back({{"name", d.name}, {"score", d.score}});
    return out;
}

std::string namesLine(const std::vector<ScoredName>& scores) {
    std::string out;
    for (const auto& d : scores) {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.3f", d.score);
        out += (out.empty() ? "" : ", ") + d.name + " (" + buffer + ")";
    }
    return out;
}

std::string safeFileName(std::string s) {
    for (char& c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '_';
    return s;
}

// Fails early (before any network work) when the image cannot be read: one line naming it.
void requireReadableImage(const std::string& path) {
    if (path.empty()) throw std::invalid_argument("--image FILE is needed");
    std::string error;
    if (readImage(path, &error).empty())
        throw DataError(error.empty() ? located(path, 0, "cannot decode image") : error);
}

// The units of a listing in the order a class ranks them (rank 1 first), else in unit order.
std::vector<int> unitsByRank(const NeuronListing& listing, int count) {
    std::vector<const NeuronRow*> rows;
    for (const auto& r : listing.rows) rows.push_back(&r);
    if (!listing.className.empty())
        std::stable_sort(rows.begin(), rows.end(), [](const NeuronRow* a, const NeuronRow* b) {
            return (a->classRank > 0 ? a->classRank : INT_MAX) < (b->classRank > 0 ? b->classRank : INT_MAX);
        });
    std::vector<int> units;
    for (size_t i = 0; i < rows.size() && int(i) < count; ++i) units.push_back(rows[i]->unit);
    return units;
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

    const auto explainer = makeExplainer(options);
    const ExplainerInfo info = explainer->prepare(progressLine, cancelRequested);
    const ExplainClass target = classOption(*explainer, className);
    // Predictions over the seen head and, when the split has unseen classes, the learned ones.
    const auto unseen = unseenClasses(*explainer);
    const Explanation ex = explainer->explain(imagePath, target, "", unseen, top, progressLine, cancelRequested);
    const ExplainerStageReport report = explainer->stageReport();

    fs::create_directories(outDir);
    const std::string png = (fs::path(outDir) / ("gradcam_" + safeFileName(fs::path(imagePath).stem().string()) + "_" +
                                                 safeFileName(ex.className) + ".png"))
                                .string();
    writePng(png, overlayHeatmap(ex.view, ex.map, 0.5));

    nlohmann::json predictions = nlohmann::json::array();
    std::vector<std::string> predictionLines;
    for (const auto& p : ex.predictions) {
        predictions.push_back({{"class", p.name}, {"seen", p.seen}, {"logit", p.logit}});
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.3f", p.logit);
        predictionLines.push_back(p.name + (p.seen ? "" : " [unseen]") + " (" + buffer + ")");
    }
    // The units that matter most for this image and class, with their names.
    nlohmann::json units = nlohmann::json::array();
    std::vector<std::string> unitLines;
    for (const auto& u : ex.topUnits) {
        units.push_back({{"unit", u.unit}, {"importance", u.importance}, {"names", scoresJson(u.names)}});
        unitLines.push_back("unit " + std::to_string(u.unit) + ": " + namesLine(u.names));
    }

    nlohmann::json out = {{"image", imagePath},
                          {"class", ex.className},
                          {"class_seen", target.isSeen()},
                          {"class_logit", ex.classLogit},
                          {"stage", ex.stageName},
                          {"modality", info.modality},
                          {"gradcam_png", png},
                          {"predictions", predictions},
                          {"explanation", scoresJson(ex.attributes)},
                          {"explanation_beyond_mean", scoresJson(ex.attributesBeyondMean)},
                          {"top_units", units},
                          {"inverse_map", inverseMapJson(report)},
                          {"total_s", secondsSince(start)}};
    if (options.flag("json")) {
        printResult(options, out);
        return 0;
    }
    std::cout << "image: " << imagePath << "\nclass: " << ex.className
              << (target.isSeen() ? " (seen)" : " (unseen, learned)") << ", logit " << ex.classLogit
              << "\nGrad-CAM overlay: " << png << "\ntop predictions:\n";
    for (const auto& line : predictionLines) std::cout << "  " << line << "\n";
    std::cout << "explanation (" << info.modality << "): " << namesLine(ex.attributes) << "\n"
              << "beyond the mean seen class: " << namesLine(ex.attributesBeyondMean) << "\n"
              << "most important units:\n";
    for (const auto& line : unitLines) std::cout << "  " << line << "\n";
    return 0;
}

int commandNeurons(const Options& options) {
    const auto start = std::chrono::steady_clock::now();
    const int top = positiveOption(options, "top", 5);
    const int perChannel = positiveOption(options, "images", 3);
    const std::string outDir = options.value("out", "neurons");
    const std::string className = options.value("class");

    const auto explainer = makeExplainer(options);
    explainer->prepare(progressLine, cancelRequested);

    // With a class, its importance of each unit: the mean over its images of alpha_i(w_c). Seen
    // class: its training images' cached importances (exactly alpha_i(w_c)); unseen class: all its
    // images, with the weights mod2alpha + alpha2w learned for it.
    std::optional<ExplainClass> target;
    if (!className.empty()) target = classOption(*explainer, className);
    NeuronListing listing = explainer->neuronTable("", top, target ? &*target : nullptr, progressLine, cancelRequested);
    const int K = int(listing.rows.size());

    // Top images of every unit (the seen training images the inverse map learned from, --limit
    // thinning them), overlays for --units N units (default all): the class's most important ones
    // when a class is given, else the first N.
    const int unitCount = std::min(K, positiveOption(options, "units", std::max(K, 1)));
    const std::vector<int> drawnUnits = unitsByRank(listing, unitCount);
    const std::set<int> drawn(drawnUnits.begin(), drawnUnits.end());
    const fs::path cropDir = fs::path(outDir) / "crops";
    std::error_code ec;
    fs::create_directories(cropDir, ec);
    if (ec) throw DataError(located(cropDir.string(), 0, "cannot create folder (" + ec.message() + ")"));
    for (auto& row : listing.rows) {
        throwIfCancelled();
        const auto images = explainer->topImagesForUnit(row.unit, perChannel, "", progressLine, cancelRequested);
        for (size_t j = 0; j < images.size(); ++j) {
            NeuronImage image{images[j].path, images[j].activation, {}};
            if (drawn.count(row.unit)) {
                image.crop =
                    (cropDir / ("unit" + std::to_string(row.unit) + "_top" + std::to_string(j + 1) + ".png")).string();
                writePng(image.crop, overlayHeatmap(images[j].view, images[j].map, 0.5));
            }
            row.images.push_back(std::move(image));
        }
    }
    writeNeuronTable(listing, outDir);
    const ExplainerStageReport report = explainer->stageReport();

    // Summary: the first units, or the class's most important ones.
    const std::vector<int> shown = unitsByRank(listing, std::min(K, 10));
    nlohmann::json summary = nlohmann::json::array();
    for (int k : shown) {
        const auto& r = listing.rows[size_t(k)];
        nlohmann::json attributes = nlohmann::json::array();
        for (const auto& a : r.attributes) attributes.push_back({{"name", a.name}, {"score", a.score}});
        summary.push_back(
            {{"unit", k},
             {"attributes", attributes},
             {"top_image", r.images.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.images.front().path)},
             {"class_importance",
              std::isfinite(r.classImportance) ? nlohmann::json(r.classImportance) : nlohmann::json(nullptr)}});
    }
    nlohmann::json out = {
        {"stage", listing.stageName},
        {"modality", listing.modality},
        {"units", K},
        {"class", listing.className.empty() ? nlohmann::json(nullptr) : nlohmann::json(listing.className)},
        {"class_images", listing.classImages},
        {"images_ranked", report.poolImagesRanked},
        {"unreadable_images", report.poolImagesUnreadable},
        {"image_ranking", listing.imageRanking},
        {"csv", (fs::path(outDir) / "neurons.csv").string()},
        {"json", (fs::path(outDir) / "neurons.json").string()},
        {"crops", drawnUnits.size() * size_t(perChannel)},
        {"inverse_map", inverseMapJson(report)},
        {"summary", summary},
        {"total_s", secondsSince(start)}};
    if (options.flag("json")) {
        printResult(options, out);
        return 0;
    }
    std::cout << "stage " << listing.stageName << ": " << K << " units named from " << listing.modality << " ("
              << report.poolImagesRanked << " images ranked by mean activation)\n"
              << "table: " << out["csv"].get<std::string>() << ", " << out["json"].get<std::string>() << "\n"
              << "crops: " << cropDir.string() << " (" << drawnUnits.size() * size_t(perChannel) << " PNGs)\n"
              << "inverse map: ridge " << report.lambda << ", held-out MSE " << report.validationMse
              << " (mean baseline " << report.validationMseMeanBaseline << "), cosine " << report.validationCosine
              << "\n";
    for (int k : shown) {
        const auto& r = listing.rows[size_t(k)];
        std::string line = "unit " + std::to_string(k);
        if (std::isfinite(r.classImportance)) line += " (importance " + std::to_string(r.classImportance) + ")";
        line += ":";
        for (size_t i = 0; i < r.attributes.size(); ++i) line += (i ? ", " : " ") + r.attributes[i].name;
        std::cout << line << "\n";
    }
    return 0;
}

}  // namespace niwt::cli
