// Features, seen head and importances through the whole pipeline on a miniature data set made
// here (PNG files in a folder layout) and a small staged CNN saved as a bundle.
#include "core/data/loaders.h"
#include "core/engine/importance.h"
#include "core/engine/small_cnn.h"
#include "core/io/atomic_file.h"
#include "core/pipeline/extraction.h"
#include "tests/engine/colour_fixture.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

using namespace niwt;
namespace fs = std::filesystem;

namespace {

// Classes red, green, blue (blue unseen), 10 noisy 16x16 images each, one corrupt red image.
test::ColourFixture makeFixture(const std::string& name) {
    test::ColourFixtureOptions options;
    options.corruptRedImage = true;
    return test::makeColourFixture(name, options);
}

ExtractionOptions optionsFor(const test::ColourFixture& f) {
    ExtractionOptions o;
    o.cacheDir = (f.root / "cache").string();
    o.batchSize = 4;
    o.decodeThreads = 2;
    o.head.maxEpochs = 50;
    return o;
}

}  // namespace

TEST(Extraction, ImportancesEqualTheEngineOnTheSameImagesAndAreCached) {
    auto f = makeFixture("niwt-test-extraction");
    const int stage = resolveStage(f.bundle, "");  // conv2, the input of the last stage
    ASSERT_EQ(stage, 1);
    Extractor first(f.dataset, f.bundle, stage, torch::kCPU, optionsFor(f));
    const auto& features = first.allFeatures();
    EXPECT_EQ(features.images.size(), 29u);  // 30 images, one corrupt
    EXPECT_EQ(features.failed, 1);
    const auto& head = first.seenHead();
    EXPECT_EQ(head.classes.size(), 2u);  // red and green; blue is unseen
    const auto alpha = first.importances();
    EXPECT_FALSE(alpha.fromCache);
    // Seen training images: the folder layout makes every 5th image a test image, so 8 of the
    // 10 green and 8 of the 9 readable red images (img3 was a training image) are training images.
    ASSERT_EQ(alpha.images.size(), 15u);
    EXPECT_EQ(alpha.alpha.size(1), 6);  // conv2's channels

    // Recompute image by image with the engine, straight from the files.
    for (size_t r = 0; r < alpha.images.size(); ++r) {
        const auto& img = f.dataset.images[size_t(alpha.images[r])];
        EXPECT_EQ(img.subset, Subset::Train);
        const auto x = loadPreprocessedImage(img.path, f.bundle.input);
        int row = -1;
        for (size_t k = 0; k < head.classes.size(); ++k)
            if (head.classes[k] == img.classIndex) row = int(k);
        ASSERT_GE(row, 0);
        const auto expected =
            imageImportances(*f.bundle.network, stage, head.head, x, torch::tensor({int64_t(row)}), nullptr);
        EXPECT_TRUE(torch::allclose(alpha.alpha[int64_t(r)], expected[0], 1e-4, 1e-5)) << img.path;
    }

    // A second run reuses every cache, with identical values.
    Extractor second(f.dataset, f.bundle, stage, torch::kCPU, optionsFor(f));
    const auto again = second.importances();
    EXPECT_TRUE(second.allFeatures().fromCache);
    EXPECT_TRUE(second.seenHead().fromCache);
    EXPECT_TRUE(again.fromCache);
    EXPECT_TRUE(torch::equal(again.alpha, alpha.alpha));

    // A truncated cache is detected and rebuilt (here on the decode path, features being cached).
    const std::string bytes = readFileBytes(alpha.cachePath);
    writeFileAtomically(alpha.cachePath, bytes.substr(0, bytes.size() / 2));
    Extractor third(f.dataset, f.bundle, stage, torch::kCPU, optionsFor(f));
    const auto rebuilt = third.importances();
    EXPECT_FALSE(rebuilt.fromCache);
    EXPECT_TRUE(torch::allclose(rebuilt.alpha, alpha.alpha, 1e-4, 1e-5));
}

// A different stage is a different cache entry, with as many columns as that stage's channels.
TEST(Extraction, StageIsPartOfTheCacheKey) {
    auto f = makeFixture("niwt-test-extraction-stage");
    Extractor a(f.dataset, f.bundle, 1, torch::kCPU, optionsFor(f));
    Extractor b(f.dataset, f.bundle, 0, torch::kCPU, optionsFor(f));
    const auto ia = a.importances();
    const auto ib = b.importances();
    EXPECT_NE(ia.cachePath, ib.cachePath);
    EXPECT_FALSE(ib.fromCache);
    EXPECT_EQ(ib.alpha.size(1), 4);
}

// alpha2w's full-space Jacobians through the pipeline: the same pool as the importance basis, and
// consistent with it (the basis row r is J_p b_r for the head's row b_r, both computed by the
// engine independently: R backward passes for the basis, F for the Jacobians of this 3x3-conv
// tail, which has no closed form); a second extractor reads them from the cache unchanged.
TEST(Extraction, JacobiansAgreeWithTheImportanceBasisAndAreCached) {
    auto f = makeFixture("niwt-test-extraction-jacobians");
    const int stage = resolveStage(f.bundle, "");
    Extractor first(f.dataset, f.bundle, stage, torch::kCPU, optionsFor(f));
    const auto basis = first.importanceBasis(2);
    const auto jacobians = first.importanceJacobians(2);
    EXPECT_FALSE(jacobians.fromCache);
    EXPECT_FALSE(jacobians.jacobians.closedForm());
    EXPECT_EQ(jacobians.images, basis.images);
    const auto J = jacobians.jacobians.dense();  // P x F x K
    ASSERT_EQ(J.size(0), int64_t(basis.images.size()));
    const auto& head = first.seenHead().head;
    const auto viaJacobians = torch::matmul(head.weight, J);  // P x R x K
    EXPECT_TRUE(torch::allclose(viaJacobians, basis.basis, 1e-4, 1e-5));

    Extractor second(f.dataset, f.bundle, stage, torch::kCPU, optionsFor(f));
    const auto cached = second.importanceJacobians(2);
    EXPECT_TRUE(cached.fromCache);
    EXPECT_TRUE(torch::equal(cached.jacobians.dense(), J));
}
