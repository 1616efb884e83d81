// Explanations (NIWT step 6): the inverse map from importances to class vectors, neuron names,
// top-k ordering, the neuron table's CSV, and the whole pipeline on a miniature data set.
#include "core/data/csv.h"
#include "core/data/image_source.h"
#include "core/data/loaders.h"
#include "core/engine/gradcam.h"
#include "core/engine/importance.h"
#include "core/engine/inverse_map.h"
#include "core/engine/small_cnn.h"
#include "core/io/atomic_file.h"
#include "core/pipeline/explanations.h"
#include "core/pipeline/niwt_learning.h"
#include "tests/engine/colour_fixture.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>

using namespace niwt;
namespace fs = std::filesystem;

namespace {

torch::Tensor permutationMatrix(const std::vector<int64_t>& perm) {
    // Column k is the one-hot vector e_{perm[k]}: P e_k = e_{perm[k]}.
    auto P = torch::zeros({int64_t(perm.size()), int64_t(perm.size())}, torch::kDouble);
    for (size_t k = 0; k < perm.size(); ++k) P[perm[k]][int64_t(k)] = 1.0;
    return P;
}

}  // namespace

// Noise-free targets Y = X W^T + b with X of full column rank: least squares (lambda 0) has the
// unique solution (W, b), so the closed form must return it to rounding (double precision).
TEST(InverseMap, RidgeRecoversAKnownAffineMapExactly) {
    torch::manual_seed(1);
    const auto X = torch::randn({50, 6}, torch::kDouble);
    const auto W = torch::randn({4, 6}, torch::kDouble);
    const auto b = torch::randn({4}, torch::kDouble);
    const auto map = fitRidge(X, torch::addmm(b, X, W.t()), 0.0);
    EXPECT_TRUE(torch::allclose(map.weight, W, 1e-9, 1e-10));
    EXPECT_TRUE(torch::allclose(map.bias, b, 1e-9, 1e-10));
    // A positive ridge shrinks the weights: |W_lambda| < |W|.
    const auto shrunk = fitRidge(X, torch::addmm(b, X, W.t()), 1.0);
    EXPECT_LT(shrunk.weight.norm().item<double>(), W.norm().item<double>());
}

// The same without normalisation through fitInverseMap: one image per class, class vector
// s_c = W x_c + b. Held-out classes are then predicted exactly by the true map, so the smallest
// candidate ridge (1e-8, the first listed) has the lowest held-out error and is chosen, and the
// refit recovers W and b (to the 1e-8 ridge's tiny shrinkage).
TEST(InverseMap, ChoosesTheRidgeOnHeldOutClassesAndRecoversTheMap) {
    torch::manual_seed(2);
    const int64_t C = 40, K = 5, a = 3;
    const auto X = torch::randn({C, K}, torch::kDouble);
    const auto W = torch::randn({a, K}, torch::kDouble);
    const auto b = torch::randn({a}, torch::kDouble);
    InverseMapOptions options;
    options.normaliseInputs = options.normaliseTargets = false;
    InverseMapReport report;
    const auto map = fitInverseMap(X, torch::arange(C), torch::addmm(b, X, W.t()), options, &report);
    EXPECT_EQ(report.validationClasses, 8);  // 20 % of 40 classes
    EXPECT_EQ(report.fitClasses, 32);
    EXPECT_DOUBLE_EQ(report.lambda, 1e-8);
    EXPECT_LT(report.validationError, 1e-10);
    EXPECT_GT(report.validationBaselineError, 0.1);  // the mean-target baseline is far off
    EXPECT_EQ(report.candidateErrors.size(), options.ridges.size());
    EXPECT_TRUE(torch::allclose(map.weight, W, 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(map.bias, b, 1e-5, 1e-6));
}

// With both normalisations on, an orthogonal map keeps unit inputs unit, so targets generated as
// t_c = P x_c (|x_c| = 1) are consistent with the normalised model and are recovered exactly:
// W = P and b = 0 (targets go through normaliseClassVectors in float, hence 1e-5). Per-image
// scales of alpha (x 0.5 ... x 2.5) and per-class scales of the class vectors (x 1 ... x 30) must
// not matter. P is a permutation, so its columns are one-hot attributes, and the neuron names of
// the fitted map must name exactly those attributes: unit k -> attribute perm[k].
TEST(InverseMap, NormalisedFitIsScaleInvariantAndNamesOneHotNeuronsExactly) {
    torch::manual_seed(3);
    const std::vector<int64_t> perm = {3, 0, 5, 1, 4, 2};
    const int64_t C = 30, K = 6;
    const auto P = permutationMatrix(perm);
    const auto x = torch::nn::functional::normalize(torch::randn({C, K}, torch::kDouble),
                                                    torch::nn::functional::NormalizeFuncOptions().dim(1));
    const auto classScale = torch::arange(1, C + 1, torch::kDouble).unsqueeze(1);
    const auto classVectors = torch::mm(x, P.t()) * classScale;
    std::vector<torch::Tensor> rows;
    std::vector<int64_t> labels;
    for (int64_t c = 0; c < C; ++c)
        for (int i = 0; i < 3; ++i) {
            rows.push_back(x[c] * (0.5 + i));
            labels.push_back(c);
        }
    InverseMapReport report;
    const auto map = fitInverseMap(torch::stack(rows), torch::tensor(labels), classVectors, {}, &report);
    EXPECT_TRUE(torch::allclose(map.weight, P, 1e-5, 1e-5)) << map.weight;
    EXPECT_LT(map.bias.abs().max().item<double>(), 1e-5);
    EXPECT_LT(report.validationError, 1e-9);
    EXPECT_GT(report.validationCosine, 0.99999);

    const std::vector<std::string> names = {"wing", "bill", "crown", "eye", "tail", "leg"};
    const auto named = neuronNames(map, 1);
    ASSERT_EQ(named.size(), size_t(K));
    for (int64_t k = 0; k < K; ++k) {
        ASSERT_EQ(named[size_t(k)].size(), 1u);
        EXPECT_EQ(named[size_t(k)][0].index, perm[size_t(k)]) << "unit " << k;
        EXPECT_NEAR(named[size_t(k)][0].score, 1.0, 1e-5);
        EXPECT_EQ(dimensionName(names, named[size_t(k)][0].index), names[size_t(perm[size_t(k)])]);
    }
}

// A hand-made map whose columns are one-hot attributes (weight 2) plus a large bias on the last
// attribute: neuron names use only the linear part f(e_k) - f(0) = W e_k, so the bias attribute
// never appears in first place, and unit k is named attribute perm[k] with score 2.
TEST(NeuronNames, OneHotColumnsNameThoseAttributesIgnoringTheBias) {
    const std::vector<int64_t> perm = {2, 0, 1};
    InverseMap map;
    map.weight = torch::zeros({5, 3}, torch::kDouble);
    for (size_t k = 0; k < perm.size(); ++k) map.weight[perm[k]][int64_t(k)] = 2.0;
    map.bias = torch::tensor({0.0, 0.0, 0.0, 0.0, 100.0}, torch::kDouble);
    const auto named = neuronNames(map, 2);
    for (size_t k = 0; k < perm.size(); ++k) {
        EXPECT_EQ(named[k][0].index, perm[k]);
        EXPECT_DOUBLE_EQ(named[k][0].score, 2.0);
        EXPECT_DOUBLE_EQ(named[k][1].score, 0.0);  // every other attribute scores 0
    }
    EXPECT_EQ(dimensionName({}, 4), "dim4");
}

// Ordering: largest first; the tie between indices 1 and 3 (both 2.0) keeps 1 first; k is
// clipped to the vector's length; k <= 0 gives nothing; NaN is refused.
TEST(TopDimensions, DescendingWithTiesByIndexAndClipped) {
    const auto scores = torch::tensor({0.5, 2.0, -1.0, 2.0, 0.7}, torch::kDouble);
    const auto top = topDimensions(scores, 4);
    ASSERT_EQ(top.size(), 4u);
    EXPECT_EQ(top[0].index, 1);
    EXPECT_EQ(top[1].index, 3);
    EXPECT_EQ(top[2].index, 4);
    EXPECT_EQ(top[3].index, 0);
    EXPECT_DOUBLE_EQ(top[2].score, 0.7);
    EXPECT_EQ(topDimensions(scores, 10).size(), 5u);
    EXPECT_TRUE(topDimensions(scores, 0).empty());
    EXPECT_THROW(topDimensions(torch::tensor({1.0, std::nan("")}), 1), std::invalid_argument);
    EXPECT_THROW(topDimensions(torch::zeros({2, 2}), 1), std::invalid_argument);
}

// A textual explanation does not depend on the scale of the importances (inputs are
// L2-normalised): alpha and 7 alpha give the same words and scores. Relative to the mean, the
// scores are the prediction minus targetMean.
TEST(ExplainImportances, ScaleFreeAndRelativeToTheMean) {
    InverseMap map;
    map.weight = torch::tensor({{1.0, 0.0}, {0.0, 1.0}, {0.5, 0.5}}, torch::kDouble);
    map.bias = torch::tensor({0.0, 0.1, 0.0}, torch::kDouble);
    map.targetMean = torch::tensor({0.0, 0.5, 0.0}, torch::kDouble);
    const auto alpha = torch::tensor({3.0f, 4.0f});  // unit: (0.6, 0.8) -> f = (0.6, 0.9, 0.7)
    const auto a = explainImportances(map, alpha, 3);
    const auto b = explainImportances(map, alpha * 7, 3);
    ASSERT_EQ(a.size(), 3u);
    EXPECT_EQ(a[0].index, 1);
    EXPECT_NEAR(a[0].score, 0.9, 1e-12);
    EXPECT_EQ(a[1].index, 2);
    EXPECT_EQ(a[2].index, 0);
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].index, b[i].index);
        EXPECT_NEAR(a[i].score, b[i].score, 1e-12);
    }
    // Minus the mean (0, 0.5, 0): (0.6, 0.4, 0.7) -> attribute 2 first, then 0, then 1.
    const auto r = explainImportances(map, alpha, 3, true);
    EXPECT_EQ(r[0].index, 2);
    EXPECT_EQ(r[1].index, 0);
    EXPECT_NEAR(r[2].score, 0.4, 1e-12);
}

// Names and paths with commas and quotes are quoted in the CSV (RFC 4180: quotes doubled), so the
// project's own CSV parser reads back exactly the original fields, and every line has as many
// fields as the header.
TEST(NeuronTableCsv, QuotesNamesWithCommasAndQuotes) {
    EXPECT_EQ(csvField("plain"), "plain");
    EXPECT_EQ(csvField("a,b"), "\"a,b\"");
    EXPECT_EQ(csvField("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(csvField(" padded"), "\" padded\"");
    NeuronListing table;
    NeuronRow r0;
    r0.unit = 0;
    r0.attributes = {{"has_bill_shape::dagger, long", 0.5}, {"say \"hi\"", -0.25}};
    r0.images = {{"/data/a,b/img 1.jpg", 1.5, "/out/unit0_top1.png"}};
    r0.classImportance = 0.125;
    r0.classRank = 2;
    NeuronRow r1;
    r1.unit = 1;
    r1.attributes = {{"plain", 0.75}};
    table.rows = {r0, r1};
    const auto rows = parseCsv(neuronTableCsv(table), "neurons.csv");
    ASSERT_EQ(rows.size(), 3u);
    const std::vector<std::string> header = {"unit",        "class_importance", "class_rank", "attribute_1",  "score_1",
                                             "attribute_2", "score_2",          "image_1",    "activation_1", "crop_1"};
    EXPECT_EQ(rows[0].fields, header);
    const std::vector<std::string> first = {"0",     "0.125",
                                            "2",     "has_bill_shape::dagger, long",
                                            "0.5",   "say \"hi\"",
                                            "-0.25", "/data/a,b/img 1.jpg",
                                            "1.5",   "/out/unit0_top1.png"};
    EXPECT_EQ(rows[1].fields, first);
    // Row 1: no class importance (NaN -> empty), one attribute, no images: empty fields pad it out.
    const std::vector<std::string> second = {"1", "", "", "plain", "0.75", "", "", "", "", ""};
    EXPECT_EQ(rows[2].fields, second);
}

namespace {

// The colour data set with a white patch to explain in every image and an attribute table whose
// dimension names hold commas.
test::ColourFixture makeFixture(const std::string& name) {
    test::ColourFixtureOptions options;
    options.whitePatches = true;
    options.attributeTable = true;
    return test::makeColourFixture(name, options);
}

}  // namespace

// The whole step on the miniature data set: inverse map from the extractor's importances, top
// images per channel, overlays, the neuron table's files, and one image's explanation for the
// unseen class learned with mod2alpha + alpha2w.
TEST(Explanations, EndToEndOnAFolderDataSetWritesTableAndOverlays) {
    auto f = makeFixture("niwt-test-explanations");
    ASSERT_NE(f.dataset.modality("attributes"), nullptr);
    const int stage = resolveStage(f.bundle, "");  // conv2: 6 channels
    ExtractionOptions eo;
    eo.cacheDir = (f.root / "cache").string();
    eo.batchSize = 4;
    eo.decodeThreads = 2;
    eo.head.maxEpochs = 50;
    Extractor extractor(f.dataset, f.bundle, stage, torch::kCPU, eo);
    const auto importances = extractor.importances();
    ASSERT_EQ(importances.alpha.size(1), 6);
    const auto& modality = *f.dataset.modality("attributes");
    const auto classVectors = classVectorMatrix(modality, int(f.dataset.classes.size()));
    InverseMapReport report;
    const auto map = fitInverseMap(
        importances.alpha, torch::tensor(std::vector<int64_t>(importances.classes.begin(), importances.classes.end())),
        classVectors, {}, &report);
    EXPECT_EQ(map.dims(), 4);
    EXPECT_EQ(map.channels(), 6);
    EXPECT_EQ(report.validationClasses, 1);  // 2 seen classes: one held out

    // Top images: the best score of each channel is the largest mean activation of that channel
    // over all images (recomputed here with the engine), and scores come best first.
    const auto paths = extractor.pathsOf(importances.images);
    BatchLoaderOptions lo;
    lo.batchSize = 4;  // several batches, so the running merge is exercised
    lo.threads = 2;
    const auto top = topActivatingImages(f.bundle, stage, paths, 2, torch::kCPU, lo);
    ASSERT_EQ(top.channels, 6);
    EXPECT_EQ(top.images, int(paths.size()));
    std::vector<torch::Tensor> all;
    for (const auto& p : paths)
        all.push_back(stageActivations(*f.bundle.network, loadPreprocessedImage(p, f.bundle.input), stage));
    const auto means = torch::cat(all).mean({2, 3});  // N x K
    for (int k = 0; k < 6; ++k) {
        ASSERT_EQ(top.positions[size_t(k)].size(), 2u);
        EXPECT_GE(top.scores[size_t(k)][0], top.scores[size_t(k)][1]);
        EXPECT_NEAR(top.scores[size_t(k)][0], means.select(1, k).max().item<double>(), 1e-5);
        EXPECT_NEAR(top.scores[size_t(k)][0], means[top.positions[size_t(k)][0]][k].item<double>(), 1e-5);
        EXPECT_EQ(top.maps[size_t(k)][0].rows, int(all[0].size(2)));
    }

    // Overlays for units 0 and 4 only; the table has every unit, with names, images and crops.
    const auto out = f.root / "out";
    const auto crops = writeChannelOverlays(top, paths, f.bundle.input, (out / "crops").string(), {0, 4});
    ASSERT_EQ(crops.size(), 6u);
    EXPECT_EQ(crops[0].size(), 2u);
    EXPECT_TRUE(crops[1].empty());
    const cv::Mat png = readImage(crops[4][1]);
    EXPECT_EQ(png.cols, 16);  // the network input view, 16 x 16
    EXPECT_EQ(png.rows, 16);
    const auto classImportance = importances.alpha.mean(0);
    auto table = makeNeuronTable(map, modality.dimNames, 3, &top, paths, crops, classImportance);
    table.stageName = "conv2";
    table.modality = "attributes";
    table.className = "red";
    writeNeuronTable(table, out.string());
    const auto csv = readCsvFile((out / "neurons.csv").string());
    ASSERT_EQ(csv.size(), 7u);  // header + 6 units
    // unit, class_importance, class_rank, 3 x (attribute, score), 2 x (image, activation, crop).
    EXPECT_EQ(csv[0].fields.size(), 3u + 6u + 6u);
    for (const auto& row : csv) EXPECT_EQ(row.fields.size(), csv[0].fields.size());
    // Attribute names with commas survive the round trip as single fields.
    std::set<std::string> names(modality.dimNames.begin(), modality.dimNames.end());
    EXPECT_EQ(names.count(csv[1].fields[3]), 1u) << csv[1].fields[3];
    const auto json = nlohmann::json::parse(readFileBytes((out / "neurons.json").string()));
    ASSERT_EQ(json["units"].size(), 6u);
    EXPECT_EQ(json["class"], "red");
    EXPECT_EQ(json["units"][0]["top_images"].size(), 2u);
    EXPECT_EQ(json["units"][4]["top_images"][1]["crop"], crops[4][1]);
    EXPECT_TRUE(json["units"][1]["top_images"][0]["crop"].is_null());
    // Ranks 1..6 are a permutation; rank 1 is the unit with the largest class importance.
    const int best = int(classImportance.argmax().item<int64_t>());
    EXPECT_EQ(json["units"][best]["class_rank"], 1);

    // The unseen class "blue" through mod2alpha + alpha2w, then one of its images explained.
    const auto unseen = learnableUnseenClasses(f.dataset, extractor.allFeatures());
    ASSERT_EQ(unseen.size(), 1u);
    EXPECT_EQ(f.dataset.classes[size_t(unseen[0])].name, "blue");
    const auto learned = learnUnseenClasses(extractor, f.dataset, classVectors, unseen, torch::kCPU);
    ASSERT_EQ(learned.weights.weight.sizes(), (std::vector<int64_t>{1, f.bundle.network->featureDim()}));
    EXPECT_TRUE(torch::isfinite(learned.weights.weight).all().item<bool>());
    const auto w = learned.weights.weight[0];
    std::string bluePath;
    for (const auto& img : f.dataset.images)
        if (img.classIndex == unseen[0]) bluePath = img.path;
    const auto ex = explainImage(f.bundle, stage, bluePath, w, torch::kCPU);
    EXPECT_EQ(ex.map.rows, 16);
    EXPECT_EQ(ex.view.cols, 16);
    EXPECT_EQ(ex.importances.numel(), 6);
    EXPECT_EQ(ex.features.numel(), f.bundle.network->featureDim());
    // The importances equal gradCam's on the same image, and classWeightImportances' batch path.
    torch::Tensor expected;
    gradCam(*f.bundle.network, stage,
            stageActivations(*f.bundle.network, loadPreprocessedImage(bluePath, f.bundle.input), stage), w.unsqueeze(0),
            &expected);
    EXPECT_TRUE(torch::allclose(ex.importances, expected[0], 1e-4, 1e-6));
    std::vector<int> positions;
    const auto batchAlpha =
        classWeightImportances(f.bundle, stage, {bluePath, "/nonexistent.png"}, w, torch::kCPU, lo, &positions);
    ASSERT_EQ(positions, std::vector<int>{0});
    EXPECT_TRUE(torch::allclose(batchAlpha[0], ex.importances, 1e-4, 1e-6));
    const auto words = explainImportances(map, ex.importances, 2);
    EXPECT_EQ(words.size(), 2u);
}
