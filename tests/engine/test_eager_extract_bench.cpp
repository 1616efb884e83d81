// tools/eager_extract_bench.py, the Python-driven PyTorch baseline that `niwt bench extract` times
// beside its own extraction: its JSON line, and that it does the same work as the engine: for the
// same head and targets, its importances equal imageImportances' on the images ImageBatchLoader
// decodes (to 1e-4). Needs /usr/bin/python3 with torch and PIL; skips without them.
#include "core/engine/importance.h"
#include "core/model/bundle.h"
#include "core/pipeline/image_batches.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

using namespace niwt;
namespace fs = std::filesystem;

namespace {

const std::string kPython = NIWT_SYSTEM_PYTHON;
const std::string kScript = std::string(NIWT_PROJECT_SOURCE_DIR) + "/tools/eager_extract_bench.py";

bool pythonHasTorch() {
    return !kPython.empty() && std::system((kPython + " -c 'import torch, PIL' 2>/dev/null").c_str()) == 0;
}

std::string run(const std::string& command, int* status) {
    std::string out;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) {
        *status = -1;
        return out;
    }
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    *status = pclose(pipe);
    return out;
}

// "rows cols" then the values, as the script's --dump writes them.
torch::Tensor readMatrix(const fs::path& file) {
    std::ifstream in(file);
    int64_t rows = 0, cols = 0;
    in >> rows >> cols;
    std::vector<double> v(size_t(rows * cols));
    for (auto& x : v) in >> x;
    EXPECT_TRUE(bool(in)) << file;
    return torch::tensor(v, torch::kDouble).view({rows, cols});
}

// Random pixels, fixed seed.
cv::Mat noise(int rows, int cols, int type, int seed) {
    cv::Mat m(rows, cols, type);
    cv::RNG rng{uint64_t(seed)};
    rng.fill(m, cv::RNG::UNIFORM, 0, 256);
    return m;
}

}  // namespace

TEST(EagerExtractBench, SameImportancesAsTheEngine) {
    if (!pythonHasTorch()) GTEST_SKIP() << "/usr/bin/python3 lacks torch or PIL";
    const fs::path dir = fs::temp_directory_path() / ("niwt-eager-bench-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    int status = 0;
    run(kPython + " " + NIWT_TEST_SOURCE_DIR + "/make_fixture_bundle.py '" + dir.string() + "' 2>&1", &status);
    ASSERT_EQ(status, 0) << "make_fixture_bundle.py failed";
    const std::string bundleDir = (dir / "good").string();

    // The fixture's input is 8 x 8 with center_crop 1. Colour, a crop (12 x 8 -> the middle 8 x 8),
    // gray -> RGB, an enlargement (6 x 6 -> 8 x 8: OpenCV's INTER_LINEAR, fixed point) and a JPEG
    // decoded at 1/4 scale (48 / 4 >= 8, libjpeg's DCT scaling in both) then shrunk 12 -> 8
    // (INTER_AREA, fractional weights): the script reproduces OpenCV's resampling bit for bit.
    std::vector<std::string> paths = {(dir / "a.png").string(), (dir / "b.png").string(), (dir / "c.png").string(),
                                      (dir / "e.png").string(), (dir / "d.jpg").string()};
    ASSERT_TRUE(cv::imwrite(paths[0], noise(8, 8, CV_8UC3, 1)));
    ASSERT_TRUE(cv::imwrite(paths[1], noise(8, 12, CV_8UC3, 2)));
    ASSERT_TRUE(cv::imwrite(paths[2], noise(8, 8, CV_8UC1, 3)));
    ASSERT_TRUE(cv::imwrite(paths[3], noise(6, 6, CV_8UC3, 5)));
    cv::Mat smooth;
    cv::resize(noise(6, 8, CV_8UC3, 4), smooth, cv::Size(64, 48), 0, 0, cv::INTER_CUBIC);
    ASSERT_TRUE(cv::imwrite(paths[4], smooth));
    {
        std::ofstream list(dir / "images.txt");
        for (const auto& p : paths) list << p << "\n";
    }

    // Batches of 3: the timed pass has two, the second of two images.
    const std::string out = run(kPython + " '" + kScript + "' '" + bundleDir + "' conv_a '" +
                                    (dir / "images.txt").string() + "' --batch-size 3 --threads 1 --workers 1 " +
                                    "--classes 5 --seed 7 --head-scale 1 --dump '" + (dir / "dump").string() + "'",
                                &status);
    ASSERT_EQ(status, 0) << out;
    const auto result = nlohmann::json::parse(out);
    EXPECT_EQ(result.at("images").get<int>(), 5);
    EXPECT_GT(result.at("eager_images_per_s").get<double>(), 0.0);
    EXPECT_GT(result.at("seconds").get<double>(), 0.0);

    const Bundle bundle = loadBundle(bundleDir, torch::kCPU);
    const int stage = resolveStage(bundle, "conv_a");
    LinearHead head{readMatrix(dir / "dump/head_weight.txt").to(torch::kFloat),
                    readMatrix(dir / "dump/head_bias.txt").view({-1}).to(torch::kFloat)};
    const auto targets = readMatrix(dir / "dump/targets.txt").view({-1}).to(torch::kLong);
    const auto expected = readMatrix(dir / "dump/importances.txt");
    ASSERT_EQ(expected.size(0), 5);
    ASSERT_EQ(head.classes(), 5);

    BatchLoaderOptions lo;
    lo.batchSize = 5;
    lo.threads = 1;
    ImageBatchLoader loader(paths, bundle.input, lo);
    ImageBatch batch;
    ASSERT_TRUE(loader.next(batch));
    ASSERT_EQ(batch.positions.size(), 5u);
    // NHWC, as the bench's Extractor::toDevice gives the engine.
    const auto images = batch.images.contiguous(at::MemoryFormat::ChannelsLast);
    const auto got = imageImportances(*bundle.network, stage, head, images, targets, nullptr).to(torch::kDouble);

    for (int i = 0; i < 5; ++i) {
        const double difference = (got[i] - expected[i]).abs().max().item<double>();
        std::cout << fs::path(paths[size_t(i)]).filename().string() << ": eager vs engine max |difference| "
                  << difference << ", max |importance| " << expected[i].abs().max().item<double>() << "\n";
        EXPECT_LE(difference, 1e-4) << paths[size_t(i)];
    }
    EXPECT_GT(expected.abs().max().item<double>(), 0.01)
        << "importances this small would make the 1e-4 comparison empty";

    fs::remove_all(dir);
}

TEST(EagerExtractBench, UnknownStageIsAnError) {
    if (!pythonHasTorch()) GTEST_SKIP() << "/usr/bin/python3 lacks torch or PIL";
    const fs::path dir = fs::temp_directory_path() / ("niwt-eager-bench-stage-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    int status = 0;
    run(kPython + " " + NIWT_TEST_SOURCE_DIR + "/make_fixture_bundle.py '" + dir.string() + "' 2>&1", &status);
    ASSERT_EQ(status, 0);
    ASSERT_TRUE(cv::imwrite((dir / "a.png").string(), noise(8, 8, CV_8UC3, 1)));
    std::ofstream(dir / "images.txt") << (dir / "a.png").string() << "\n";
    const std::string out = run(kPython + " '" + kScript + "' '" + (dir / "good").string() + "' nope '" +
                                    (dir / "images.txt").string() + "' 2>&1",
                                &status);
    EXPECT_NE(status, 0);
    EXPECT_NE(out.find("no stage 'nope'"), std::string::npos) << out;
    fs::remove_all(dir);
}
