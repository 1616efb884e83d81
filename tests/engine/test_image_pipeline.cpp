// Preprocessing maths and the threaded batch loader.
#include "core/pipeline/image_batches.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

using namespace niwt;
namespace fs = std::filesystem;

namespace {

InputSpec rgbSpec(int side) {
    InputSpec s;
    s.width = s.height = side;
    s.color = "RGB";
    s.rangeMin = 0;
    s.rangeMax = 1;
    s.mean = {0.5f, 0.5f, 0.5f};
    s.std = {0.25f, 0.5f, 1.0f};
    s.centerCrop = 1.0;
    return s;
}

}  // namespace

// A constant BGR image (b, g, r) = (255, 51, 0): after RGB reordering, channel values in [0,1]
// are r = 0, g = 0.2, b = 1, then (v - 0.5) / std gives -2, -0.6, 0.5.
TEST(Preprocess, ConstantImageGivesClosedFormValues) {
    const cv::Mat image(10, 14, CV_8UC3, cv::Scalar(255, 51, 0));
    const auto spec = rgbSpec(4);
    std::vector<float> out(3 * 4 * 4);
    preprocessImage(image, spec, out.data());
    for (int i = 0; i < 16; ++i) {
        EXPECT_NEAR(out[size_t(i)], -2.0f, 1e-5);
        EXPECT_NEAR(out[size_t(16 + i)], -0.6f, 1e-5);
        EXPECT_NEAR(out[size_t(32 + i)], 0.5f, 1e-5);
    }
}

// A 40x20 image whose centre 10x10 square is white and the rest black: with center_crop 0.5 the
// square crop is 10x10 (half the shorter side) and centred, so every output pixel is white.
TEST(Preprocess, CentreCropTakesTheCentredSquare) {
    cv::Mat image(20, 40, CV_8UC1, cv::Scalar(0));
    image(cv::Rect(15, 5, 10, 10)).setTo(255);
    InputSpec spec;
    spec.width = spec.height = 5;
    spec.color = "gray";
    spec.mean = {0.f};
    spec.std = {1.f};
    spec.centerCrop = 0.5;
    std::vector<float> out(25);
    preprocessImage(image, spec, out.data());
    for (float v : out) EXPECT_NEAR(v, 1.0f, 1e-6);
}

// Batches come back in order, with every readable image once and the corrupt one reported.
TEST(BatchLoader, KeepsOrderAndReportsCorruptImages) {
    const fs::path dir = fs::temp_directory_path() / "niwt-test-loader";
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::vector<std::string> paths;
    for (int i = 0; i < 11; ++i) {
        const auto p = (dir / ("img" + std::to_string(i) + ".png")).string();
        cv::imwrite(p, cv::Mat(6, 6, CV_8UC3, cv::Scalar(i * 20, i * 20, i * 20)));
        paths.push_back(p);
    }
    std::ofstream(dir / "img7.png", std::ios::trunc) << "not a png";
    BatchLoaderOptions options;
    options.batchSize = 3;
    options.threads = 3;
    options.prefetchBatches = 1;
    InputSpec spec = rgbSpec(6);
    spec.mean = {0, 0, 0};
    spec.std = {1, 1, 1};
    ImageBatchLoader loader(paths, spec, options);
    EXPECT_EQ(loader.batchCount(), 4);
    std::vector<int> positions;
    std::vector<int> failures;
    ImageBatch batch;
    while (loader.next(batch)) {
        for (size_t r = 0; r < batch.positions.size(); ++r) {
            positions.push_back(batch.positions[r]);
            // Image i is a constant i*20/255 in every channel.
            EXPECT_NEAR(batch.images[int64_t(r)].mean().item<float>(), batch.positions[r] * 20 / 255.0f, 1e-5);
        }
        for (const auto& f : batch.failures) {
            failures.push_back(f.first);
            EXPECT_NE(f.second.find("img7.png"), std::string::npos) << f.second;
        }
    }
    EXPECT_EQ(positions, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 8, 9, 10}));
    EXPECT_EQ(failures, std::vector<int>{7});
}

// Destroying a loader whose batches were never consumed stops its threads (no hang, no leak).
TEST(BatchLoader, StopsCleanlyWhenAbandoned) {
    std::vector<std::string> paths(100, "/nonexistent/image.jpg");
    BatchLoaderOptions options;
    options.batchSize = 2;
    options.threads = 2;
    { ImageBatchLoader loader(paths, rgbSpec(4), options); }
    SUCCEED();
}
