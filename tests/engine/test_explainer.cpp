// The explorer's explanation facade (core/pipeline/explainer.h) on the colour fixture: the same
// Grad-CAM, importances and names as the pieces `niwt explain` / `niwt neurons` use directly,
// for a seen class and for a new class given by weights; other stages, top images, and errors.
#include "core/pipeline/explain.h"
#include "core/pipeline/explainer.h"
#include "core/pipeline/explanations.h"
#include "core/pipeline/niwt_learning.h"
#include "tests/engine/colour_fixture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <opencv2/core.hpp>

using namespace niwt;

namespace {

struct Fixture {
    test::ColourFixture colour;
    std::shared_ptr<const Dataset> dataset;
    EngineContext context;
};

Fixture makeFixture(const std::string& name) {
    test::ColourFixtureOptions o;
    o.whitePatches = true;
    o.attributeTable = true;
    Fixture f{test::makeColourFixture(name, o), nullptr, {}};
    f.dataset = std::make_shared<const Dataset>(f.colour.dataset);
    f.context.dataset = f.dataset;
    f.context.bundle = (f.colour.root / "bundle").string();
    f.context.device = "cpu";
    f.context.cacheDir = (f.colour.root / "cache").string();
    return f;
}

std::string firstImageOf(const Dataset& d, int classIndex) {
    for (const auto& image : d.images)
        if (image.classIndex == classIndex) return image.path;
    return {};
}

}  // namespace

TEST(Explainer, ExplainsLikeThePiecesTheCommandsUse) {
    auto f = makeFixture("niwt_test_explainer");
    Explainer explainer(f.context);
    const int red = f.dataset->classIndexByName("red"), blue = f.dataset->classIndexByName("blue");
    const std::string redImage = firstImageOf(*f.dataset, red);
    EXPECT_THROW(explainer.explain(redImage, ExplainClass::seen(red)), std::logic_error);  // not prepared

    const ExplainerInfo info = explainer.prepare();
    ASSERT_EQ(info.seenClasses.size(), 2u);  // red and green; blue is unseen
    EXPECT_EQ(info.featureDim, 8);           // the last conv width
    EXPECT_EQ(info.stageName, info.defaultStage);
    EXPECT_EQ(info.modality, "attributes");

    // The seen head and importances the explainer prepared, recomputed the command's way (from the
    // same cache): the facade must agree with them exactly.
    const int stage = resolveStage(f.colour.bundle, "");
    ExtractionOptions eo;
    eo.cacheDir = f.context.cacheDir;
    Extractor extractor(*f.dataset, f.colour.bundle, stage, torch::kCPU, eo);
    const auto basis = prepareExplanationBasis(extractor, classVectorMatrix(f.dataset->modalities.front(), 3));
    const SeenHead& head = extractor.seenHead();
    const int64_t redRow = std::find(head.classes.begin(), head.classes.end(), red) - head.classes.begin();
    const torch::Tensor redWeight = head.head.weight[redRow];

    const Explanation e = explainer.explain(redImage, ExplainClass::seen(red), "", {}, 3);
    EXPECT_EQ(e.className, "red");
    EXPECT_EQ(e.stageName, info.defaultStage);
    const cv::Mat expected = gradCamForImage(f.colour.bundle, stage, redImage, redWeight, torch::kCPU);
    ASSERT_EQ(e.map.size(), expected.size());
    EXPECT_LT(cv::norm(e.map, expected, cv::NORM_INF), 1e-6);
    EXPECT_EQ(e.view.type(), CV_8UC3);
    // Two seen classes: the top 3 clips to 2, best first; the class's logit is among them.
    ASSERT_EQ(e.predictions.size(), 2u);
    EXPECT_GE(e.predictions[0].logit, e.predictions[1].logit);
    const auto redPrediction =
        std::find_if(e.predictions.begin(), e.predictions.end(), [](const Prediction& p) { return p.name == "red"; });
    ASSERT_NE(redPrediction, e.predictions.end());
    EXPECT_NEAR(redPrediction->logit, e.classLogit, 1e-4);
    // The textual explanation: 3 of the table's 4 attribute names (which hold commas).
    ASSERT_EQ(e.attributes.size(), 3u);
    const auto& names = f.dataset->modalities.front().dimNames;
    for (const auto& a : e.attributes) EXPECT_NE(std::find(names.begin(), names.end(), a.name), names.end()) << a.name;

    // A new class with red's weights and bias under another name explains identically and joins
    // the predictions with red's logit.
    std::vector<float> weight(redWeight.data_ptr<float>(), redWeight.data_ptr<float>() + redWeight.numel());
    const auto copy = ExplainClass::learned("red again", weight, head.head.bias[redRow].item<float>());
    const Explanation n = explainer.explain(redImage, copy, "", {copy}, 3);
    EXPECT_EQ(n.className, "red again");
    EXPECT_LT(cv::norm(n.map, e.map, cv::NORM_INF), 1e-6);
    ASSERT_EQ(n.predictions.size(), 3u);
    EXPECT_NEAR(n.classLogit, e.classLogit, 1e-4);

    // Neuron table with red: each unit's importance is the mean of red's cached importances, and
    // the ranks are 1..K by importance.
    const ExplainClass redClass = ExplainClass::seen(red);
    const NeuronListing listing = explainer.neuronTable("", 2, &redClass);
    const int K = basis.inverse.channels();
    ASSERT_EQ(int(listing.rows.size()), K);
    EXPECT_EQ(listing.className, "red");
    const torch::Tensor redImportance = seenClassImportance(basis.importances, red).to(torch::kDouble);
    std::vector<int> ranks;
    for (const auto& row : listing.rows) {
        EXPECT_NEAR(row.classImportance, redImportance[row.unit].item<double>(), 1e-6);
        EXPECT_EQ(row.attributes.size(), 2u);
        ranks.push_back(row.classRank);
    }
    std::sort(ranks.begin(), ranks.end());
    for (int k = 0; k < K; ++k) EXPECT_EQ(ranks[size_t(k)], k + 1);

    // A new class averages over the 64 images it scores highest: all 30 here.
    int images = 0;
    const auto newImportance = explainer.classNeuronImportance(copy, "", &images);
    EXPECT_EQ(images, 30);
    EXPECT_EQ(int(newImportance.size()), K);

    // A unit's top images: 3, best first, maps in [0, 1] over 16 x 16 views, from the seen pool.
    const auto top = explainer.topImagesForUnit(0, 3);
    ASSERT_EQ(top.size(), 3u);
    for (size_t j = 0; j < top.size(); ++j) {
        EXPECT_EQ(top[j].view.size(), cv::Size(16, 16));
        EXPECT_EQ(top[j].map.size(), cv::Size(16, 16));
        double lo = 0, hi = 0;
        cv::minMaxLoc(top[j].map, &lo, &hi);
        EXPECT_GE(lo, 0.0);
        EXPECT_LE(hi, 1.0);
        EXPECT_NE(f.dataset->images[size_t(top[j].image)].classIndex, blue);
        if (j > 0) {
            EXPECT_GE(top[j - 1].activation, top[j].activation);
        }
    }
    EXPECT_THROW(explainer.topImagesForUnit(K, 1), std::out_of_range);

    // Another stage is prepared on first use; a bad one is named with the valid ones.
    const std::string first = info.stageNames.front();
    EXPECT_EQ(explainer.explain(redImage, redClass, first).stageName, first);
    try {
        explainer.explain(redImage, redClass, "nope");
        FAIL() << "a bad stage must throw";
    } catch (const DataError& error) {
        EXPECT_NE(std::string(error.what()).find("no stage named \"nope\""), std::string::npos);
    }
    // A class without a head row, a new class of the wrong size, an unreadable image.
    EXPECT_THROW(explainer.explain(redImage, ExplainClass::seen(blue)), std::invalid_argument);
    EXPECT_THROW(explainer.explain(redImage, ExplainClass::learned("short", {1.0f}, 0.0f)), std::invalid_argument);
    try {
        explainer.explain("/nonexistent/red.png", redClass);
        FAIL() << "an unreadable image must throw";
    } catch (const DataError& error) {
        EXPECT_EQ(std::string(error.what()).rfind("/nonexistent/red.png", 0), 0u) << error.what();
    }
}
