// `niwt run`: learn classifiers for the unseen classes from their descriptions (NIWT) or with the
// ESZSL baseline, and report generalized zero-shot accuracy on the standard protocol
// (core/pipeline/gzsl_run.h does the work; this file turns options into a call and the result into JSON).
#include "app/niwt/cli.h"
#include "core/data/loaders.h"
#include "core/data/text_encoder.h"
#include "core/engine/device.h"
#include "core/pipeline/extraction.h"
#include "core/pipeline/gzsl_run.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

namespace niwt::cli {

namespace {

// --typed FILE: a JSON object {class name: sentence}. One-line DataErrors naming the file.
std::vector<std::pair<std::string, std::string>> readTypedFile(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw DataError(located(file, 0, "cannot open the typed descriptions file"));
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    const nlohmann::json json = parseJsonText(text, file);
    if (!json.is_object()) throw DataError(located(file, 0, "expected a JSON object of class name -> sentence"));
    if (json.empty())
        throw DataError(located(file, 0, "names no class (expected {\"class name\": \"sentence\", ...})"));
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [name, sentence] : json.items()) {
        if (!sentence.is_string())
            throw DataError(located(file, 0,
                                    "class \"" + name + "\": expected a sentence (a JSON string), got " +
                                        std::string(sentence.type_name())));
        out.emplace_back(name, sentence.get<std::string>());
    }
    return out;
}

// The data set class a typed name means: names compared by compactClassNameKey (case, a leading
// "NNN.", '_', '-' and spaces ignored). Only unseen classes in the split take typed descriptions.
int typedClassIndex(const Dataset& dataset, const std::string& name, const std::string& file) {
    const std::string key = compactClassNameKey(name);
    std::vector<int> matches;
    for (size_t c = 0; c < dataset.classes.size(); ++c)
        if (compactClassNameKey(dataset.classes[c].name) == key) matches.push_back(int(c));
    if (matches.empty())
        throw DataError(located(file, 0, "class \"" + name + "\" matches no class of the data set " + dataset.spec));
    if (matches.size() > 1)
        throw DataError(located(file, 0,
                                "class \"" + name + "\" matches both \"" + dataset.classes[size_t(matches[0])].name +
                                    "\" and \"" + dataset.classes[size_t(matches[1])].name + "\""));
    const ClassInfo& info = dataset.classes[size_t(matches[0])];
    if (info.seen)
        throw DataError(located(file, 0,
                                "class \"" + name + "\" is the seen class \"" + info.name +
                                    "\"; typed descriptions are for unseen classes"));
    if (!info.inSplit)
        throw DataError(located(
            file, 0, "class \"" + name + "\" (\"" + info.name + "\") is outside the split, neither seen nor unseen"));
    return matches[0];
}

nlohmann::json scoresJson(const GzslScores& s) { return {{"U", s.U}, {"S", s.S}, {"H", s.H}, {"zsl", s.zsl}}; }

nlohmann::json methodJson(const MethodEvaluation& m, const Dataset& dataset) {
    nlohmann::json out = scoresJson(m.scores);
    nlohmann::json perClass = nlohmann::json::object();
    for (const auto& c : m.perClass)
        perClass[dataset.classes[size_t(c.classIndex)].name] = {{"seen", c.seen}, {"accuracy", c.accuracy}};
    out["per_class"] = perClass;
    if (m.calibrated.computed) {
        const auto& k = m.calibrated;
        out["calibrated"] = {{"gamma", k.gamma},
                             {"U", k.test.U},
                             {"S", k.test.S},
                             {"H", k.test.H},
                             {"validation",
                              {{"U", k.validation.U},
                               {"S", k.validation.S},
                               {"H", k.validation.H},
                               {"H_at_gamma_0", k.validationHAtZero}}}};
    }
    return out;
}

}  // namespace

int commandRun(const Options& options) {
    // The original's choices, as options: zero biases and no norm rescaling.
    UnseenLearningOptions learning;
    const std::string bias = options.value("alpha2w-bias", "level"), norm = options.value("alpha2w-norm", "spread");
    if (bias != "level" && bias != "zero")
        throw std::invalid_argument("--alpha2w-bias \"" + bias + "\": use level or zero");
    using Scale = Alpha2WOptions::Scale;
    const std::map<std::string, Scale> scales{{"spread", Scale::Spread}, {"rescale", Scale::Norm}, {"keep", Scale::Keep}};
    if (!scales.count(norm))
        throw std::invalid_argument("--alpha2w-norm \"" + norm + "\": use spread, rescale or keep");
    learning.alpha2w.matchBiasLevel = bias == "level";
    learning.alpha2w.scale = scales.at(norm);
    const Alpha2WSpace alpha2wSpace = parseAlpha2WSpace(options.value("alpha2w", alpha2wSpaceName(kDefaultAlpha2WSpace)));
    const int calibrationFolds = options.integer("calibration-folds", GzslEvaluationOptions().calibrationFolds);
    if (calibrationFolds < 1) throw std::invalid_argument("--calibration-folds must be at least 1");
    configureThreadsFromOptions(options);
    const auto device = chooseDevice(options.value("device", "auto"));
    Dataset dataset = openDatasetFromOptions(options);
    std::optional<TextEncoder> captionsEncoder;
    const Modality& datasetModality = modalityFromOptions(dataset, options, &captionsEncoder);
    const std::string method = options.value("method", "niwt");
    if (method != "niwt" && method != "eszsl")
        throw std::invalid_argument("--method " + method + " is unknown (use niwt or eszsl)");

    // --typed: the named unseen classes take their class vectors from sentences; the rest of the
    // modality is the data set's. All of it is checked before any image is touched.
    const std::string typedFile = options.value("typed");
    if (typedFile.empty() && !options.value("typed-parser").empty())
        throw std::invalid_argument("--typed-parser needs --typed FILE.json");
    Modality typedModality;
    nlohmann::json typedReport = nlohmann::json::object();
    SentenceRoute route = SentenceRoute::Parser;
    if (!typedFile.empty()) {
        route = sentenceRouteFromOptions(options);
        const auto entries = readTypedFile(typedFile);
        const SentenceVectors sentences(dataset, datasetModality, route, captionsEncoder ? &*captionsEncoder : nullptr);
        typedModality = datasetModality;
        std::vector<int> done;
        for (const auto& [name, sentence] : entries) {
            const int c = typedClassIndex(dataset, name, typedFile);
            const std::string& className = dataset.classes[size_t(c)].name;
            if (std::find(done.begin(), done.end(), c) != done.end())
                throw DataError(located(typedFile, 0, "class \"" + className + "\" is named twice"));
            done.push_back(c);
            const SentenceVector parsed = sentences(sentence);
            if (!parsed.problem.empty())
                throw DataError(located(typedFile, 0, "class \"" + name + "\": " + parsed.problem));
            std::copy(parsed.vector.begin(), parsed.vector.end(),
                      typedModality.values.begin() + long(size_t(c) * size_t(typedModality.dims)));
            nlohmann::json entry = {{"sentence", sentence}, {"name_in_file", name}, {"parse_ms", parsed.milliseconds}};
            entry.update(parsed.report);
            typedReport[className] = entry;
        }
        std::cerr << "typed descriptions: " << entries.size() << " unseen classes from " << typedFile << "\n";
    }
    const Modality& modality = typedFile.empty() ? datasetModality : typedModality;
    const Bundle bundle = openBundleFromOptions(options, dataset, device);
    const int stage = resolveStage(bundle, options.value("stage"));
    Extractor extractor(dataset, bundle, stage, device, extractionOptionsFromOptions(options), progressLine,
                        cancelRequested);

    GzslEvaluationOptions eval;
    eval.niwt = method == "niwt";
    eval.calibration = !options.flag("no-calibration");
    eval.calibrationFolds = calibrationFolds;
    eval.exportDir = options.value("export");
    eval.alpha2wSpace = alpha2wSpace;
    const GzslEvaluation r = runGzslEvaluation(extractor, bundle, modality, device, eval, learning, cancelRequested);

    nlohmann::json out = {{"method", method},
                          {"dataset", r.dataset},
                          {"bundle", r.bundle},
                          {"stage", r.stage},
                          {"modality", r.modality},
                          {"modality_dims", r.modalityDims},
                          {"device", r.device},
                          {"seen_classes", r.seenClasses},
                          {"unseen_classes", r.unseenClasses},
                          {"seen_head_test_accuracy", r.seenHeadTestAccuracy}};
    nlohmann::json eszsl = methodJson(r.eszsl, dataset);
    eszsl["gamma"] = r.eszslGamma;
    eszsl["lambda"] = r.eszslLambda;
    eszsl["seconds"] = r.eszslSeconds;
    out.update(methodJson(method == "niwt" ? r.niwt : r.eszsl, dataset));
    out["eszsl"] = eszsl;
    if (method == "niwt") {
        if (out.contains("calibrated")) {
            out["calibrated"]["pseudo_unseen_classes"] = r.pseudoUnseenClasses;
            out["calibrated"]["validation_images"] = r.validationImages;
            out["calibrated"]["folds"] = r.calibrationFolds;
        }
        out["mod2alpha"] = {{"validation_cosine_distance", r.mod2alphaValidationCosineDistance},
                            {"train_cosine_distance", r.mod2alphaTrainCosineDistance},
                            {"validation_classes", r.mod2alphaValidationClasses},
                            {"steps", r.mod2alphaSteps},
                            {"best_step", r.mod2alphaBestStep}};
        out["alpha2w"] = {{"iterations", r.alpha2wIterations},
                          {"converged", r.alpha2wConverged},
                          {"loss", r.alpha2wLoss},
                          {"cosine_loss", r.alpha2wCosineLoss},
                          {"l2_loss", r.alpha2wL2Loss},
                          {"lambda", r.alpha2wLambda},
                          {"pool_images", r.alpha2wPoolImages},
                          {"seconds", r.alpha2wSeconds},
                          {"mode", r.alpha2wMode},
                          {"bias", bias},
                          {"norm", norm}};
        if (r.alpha2wMode == "full") {
            out["alpha2w"]["span_iterations"] = r.alpha2wSpanIterations;
            out["alpha2w"]["span_cosine_loss"] = r.alpha2wSpanCosineLoss;
            out["alpha2w"]["jacobians_closed_form"] = r.jacobiansClosedForm;
        }
        if (!r.exportedFiles.empty())
            out["exported"] = {
                {"json", r.exportedFiles[0]}, {"torchscript", r.exportedFiles[1]}, {"projector", r.exportedFiles[2]}};
        out["timings"] = {{"extract_s", r.extractSeconds}, {"mod2alpha_s", r.mod2alphaSeconds},
                          {"alpha2w_s", r.alpha2wSeconds}, {"jacobian_s", r.jacobianSeconds},
                          {"eszsl_s", r.eszslSeconds},     {"calibration_s", r.calibrationSeconds},
                          {"total_s", r.totalSeconds}};
    } else {
        out["timings"] = {{"extract_s", r.extractSeconds},
                          {"eszsl_s", r.eszslSeconds},
                          {"calibration_s", r.calibrationSeconds},
                          {"total_s", r.totalSeconds}};
    }
    if (!typedFile.empty()) {
        out["typed_file"] = typedFile;
        out["typed_parser"] = route == SentenceRoute::Parser    ? "parser"
                              : route == SentenceRoute::Keyword ? "keyword"
                                                                : "captions";
        out["typed"] = typedReport;
        // Unseen classes the file does not name keep the data set's rows.
        nlohmann::json untyped = nlohmann::json::array();
        for (const auto& c : dataset.classes)
            if (!c.seen && c.inSplit && !typedReport.contains(c.name)) untyped.push_back(c.name);
        out["unseen_classes_not_typed"] = untyped;
    }
    printResult(options, out);
    return 0;
}

}  // namespace niwt::cli
