// `niwt run`: learn classifiers for the unseen classes from their descriptions (NIWT) or with the
// ESZSL baseline, and report generalized zero-shot accuracy on the standard protocol
// (core/pipeline/gzsl_run.h does the work; this file turns options into a call and the result into JSON).
#include "app/niwt/cli.h"
#include "core/data/loaders.h"
#include "core/engine/device.h"
#include "core/pipeline/extraction.h"
#include "core/pipeline/gzsl_run.h"

namespace niwt::cli {

namespace {

nlohmann::json scoresJson(const GzslScores& s) { return {{"U", s.U}, {"S", s.S}, {"H", s.H}, {"zsl", s.zsl}}; }

nlohmann::json methodJson(const MethodEvaluation& m, const Dataset& dataset) {
    nlohmann::json out = scoresJson(m.scores);
    nlohmann::json perClass = nlohmann::json::object();
    for (const auto& c : m.perClass)
        perClass[dataset.classes[size_t(c.classIndex)].name] = {{"seen", c.seen}, {"accuracy", c.accuracy}};
    out["per_class"] = perClass;
    if (m.calibrated.computed) {
        const auto& k = m.calibrated;
        out["calibrated"] = {{"gamma", k.gamma}, {"U", k.test.U}, {"S", k.test.S}, {"H", k.test.H},
                             {"validation", {{"U", k.validation.U}, {"S", k.validation.S}, {"H", k.validation.H}}}};
    }
    return out;
}

}  // namespace

int commandRun(const Options& options) {
    configureThreadsFromOptions(options);
    const auto device = chooseDevice(options.value("device", "auto"));
    Dataset dataset = openDatasetFromOptions(options);
    const Modality& modality = modalityFromOptions(dataset, options);
    const std::string method = options.value("method", "niwt");
    if (method != "niwt" && method != "eszsl")
        throw std::invalid_argument("--method " + method + " is unknown (use niwt or eszsl)");
    const Bundle bundle = openBundleFromOptions(options, dataset, device);
    const int stage = resolveStage(bundle, options.value("stage"));
    Extractor extractor(dataset, bundle, stage, device, extractionOptionsFromOptions(options), progressLine);

    GzslEvaluationOptions eval;
    eval.niwt = method == "niwt";
    eval.calibration = !options.flag("no-calibration");
    eval.exportDir = options.value("export");
    const GzslEvaluation r = runGzslEvaluation(extractor, bundle, modality, device, eval);

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
        }
        out["mod2alpha"] = {{"validation_cosine_distance", r.mod2alphaValidationCosineDistance},
                            {"train_cosine_distance", r.mod2alphaTrainCosineDistance},
                            {"validation_classes", r.mod2alphaValidationClasses},
                            {"steps", r.mod2alphaSteps},
                            {"best_step", r.mod2alphaBestStep}};
        out["alpha2w"] = {{"iterations", r.alpha2wIterations}, {"converged", r.alpha2wConverged},
                          {"loss", r.alpha2wLoss},             {"cosine_loss", r.alpha2wCosineLoss},
                          {"l2_loss", r.alpha2wL2Loss},        {"lambda", r.alpha2wLambda},
                          {"pool_images", r.alpha2wPoolImages}, {"seconds", r.alpha2wSeconds}};
        if (!r.exportedFiles.empty())
            out["exported"] = {{"json", r.exportedFiles[0]}, {"torchscript", r.exportedFiles[1]},
                               {"projector", r.exportedFiles[2]}};
        out["timings"] = {{"extract_s", r.extractSeconds},     {"mod2alpha_s", r.mod2alphaSeconds},
                          {"alpha2w_s", r.alpha2wSeconds},     {"eszsl_s", r.eszslSeconds},
                          {"calibration_s", r.calibrationSeconds}, {"total_s", r.totalSeconds}};
    } else {
        out["timings"] = {{"extract_s", r.extractSeconds}, {"eszsl_s", r.eszslSeconds},
                          {"calibration_s", r.calibrationSeconds}, {"total_s", r.totalSeconds}};
    }
    printResult(options, out);
    return 0;
}

}  // namespace niwt::cli
