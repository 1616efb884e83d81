// Heatmap overlays (validation and colours), PNG output, and Grad-CAM for one image file.
#include "core/data/dataset.h"
#include "core/io/atomic_file.h"
#include "core/pipeline/explain.h"
#include "core/pipeline/heatmap.h"
#include "core/pipeline/image_batches.h"
#include "tests/engine/tiny_networks.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

using namespace niwt;
namespace fs = std::filesystem;

namespace {

fs::path tempDir(const std::string& name) {
    const auto dir = fs::temp_directory_path() / ("niwt-test-heatmap-" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

cv::Mat decodeFile(const std::string& path) {
    const auto bytes = readFileBytes(path);
    return cv::imdecode(std::vector<uchar>(bytes.begin(), bytes.end()), cv::IMREAD_UNCHANGED);
}

bool sameImage(const cv::Mat& a, const cv::Mat& b) {
    return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0.0;
}

// The message of the std::invalid_argument thrown by `f` ("" when none is thrown).
template <class F>
std::string invalidArgumentMessage(F f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

}  // namespace

// Every bad input is refused with a message saying what is wrong, before anything is drawn.
TEST(OverlayHeatmap, RejectsBadInputsWithClearMessages) {
    const cv::Mat image(4, 4, CV_8UC3, cv::Scalar(10, 20, 30));
    const cv::Mat map(2, 2, CV_32F, cv::Scalar(0.5));
    EXPECT_NE(invalidArgumentMessage([&] { overlayHeatmap(cv::Mat(), map, 0.5); }).find("image is empty"),
              std::string::npos);
    EXPECT_NE(invalidArgumentMessage([&] { overlayHeatmap(cv::Mat(4, 4, CV_32FC3), map, 0.5); }).find("8-bit"),
              std::string::npos);
    EXPECT_NE(invalidArgumentMessage([&] { overlayHeatmap(image, cv::Mat(), 0.5); }).find("heatmap is empty"),
              std::string::npos);
    EXPECT_NE(invalidArgumentMessage([&] {
                  overlayHeatmap(image, cv::Mat(2, 2, CV_32FC3, cv::Scalar::all(0.5)), 0.5);
              }).find("one channel"),
              std::string::npos);
    EXPECT_NE(
        invalidArgumentMessage([&] { overlayHeatmap(image, cv::Mat(2, 2, CV_8U, cv::Scalar(1)), 0.5); }).find("CV_32F"),
        std::string::npos);

    cv::Mat tooHigh = map.clone();
    tooHigh.at<float>(1, 0) = 1.5f;
    const auto high = invalidArgumentMessage([&] { overlayHeatmap(image, tooHigh, 0.5); });
    EXPECT_NE(high.find("outside [0, 1]"), std::string::npos) << high;
    EXPECT_NE(high.find("(1, 0)"), std::string::npos) << high;
    cv::Mat negative = map.clone();
    negative.at<float>(0, 1) = -0.01f;
    EXPECT_NE(invalidArgumentMessage([&] { overlayHeatmap(image, negative, 0.5); }).find("outside [0, 1]"),
              std::string::npos);
    cv::Mat nan = map.clone();
    nan.at<float>(0, 0) = std::numeric_limits<float>::quiet_NaN();
    EXPECT_NE(invalidArgumentMessage([&] { overlayHeatmap(image, nan, 0.5); }).find("NaN"), std::string::npos);

    for (double bad : {-0.1, 1.01, std::nan("")})
        EXPECT_NE(invalidArgumentMessage([&] { overlayHeatmap(image, map, bad); }).find("opacity"), std::string::npos)
            << bad;
    EXPECT_NE(invalidArgumentMessage([&] { overlayHeatmap(image, map, 0.5, 9999); }).find("colour map"),
              std::string::npos);
}

// Exact 0 and 1 are valid map values and opacities (the ends of [0, 1]).
TEST(OverlayHeatmap, AcceptsTheEndsOfTheRanges) {
    const cv::Mat image(3, 3, CV_8UC3, cv::Scalar(1, 2, 3));
    cv::Mat map(3, 3, CV_32F, cv::Scalar(0.0));
    map.at<float>(1, 1) = 1.0f;
    EXPECT_NO_THROW(overlayHeatmap(image, map, 0.0));
    EXPECT_NO_THROW(overlayHeatmap(image, map, 1.0));
    cv::Mat map64;
    map.convertTo(map64, CV_64F);
    EXPECT_NO_THROW(overlayHeatmap(image, map64, 0.5));
}

// out = (1 - opacity) * image + opacity * colour(map): opacity 0 gives the image back unchanged,
// opacity 1 the colour-mapped map (resized to the image), and in between each channel is the
// rounded blend, within 1 for rounding.
TEST(OverlayHeatmap, BlendsImageAndColourMapByOpacity) {
    cv::Mat image(6, 8, CV_8UC3);
    cv::randu(image, 0, 256);
    cv::Mat map(3, 4, CV_32F);
    cv::randu(map, 0.0, 1.0);
    EXPECT_TRUE(sameImage(overlayHeatmap(image, map, 0.0), image));

    cv::Mat resized;
    cv::resize(map, resized, image.size(), 0, 0, cv::INTER_LINEAR);
    const cv::Mat heat = colourMap(resized);
    ASSERT_EQ(heat.type(), CV_8UC3);
    EXPECT_TRUE(sameImage(overlayHeatmap(image, map, 1.0), heat));

    const cv::Mat blend = overlayHeatmap(image, map, 0.25);
    ASSERT_EQ(blend.size(), image.size());
    ASSERT_EQ(blend.type(), CV_8UC3);
    cv::Mat imageF, heatF, blendF;
    image.convertTo(imageF, CV_32F);
    heat.convertTo(heatF, CV_32F);
    blend.convertTo(blendF, CV_32F);
    EXPECT_LE(cv::norm(blendF, 0.75 * imageF + 0.25 * heatF, cv::NORM_INF), 1.0);
}

// JET runs from blue (low) to red (high). A 2 x 2 map hot only at the top-left, laid over an 8 x 8
// image at opacity 1, is red there (R > B) and blue at the far corner (B > R), so the small map is
// stretched over the whole image, not pasted into a corner.
TEST(OverlayHeatmap, ResizesTheMapToTheImageAndColoursHotAsRed) {
    const cv::Mat image(8, 8, CV_8UC1, cv::Scalar(0));  // gray images are shown as BGR
    cv::Mat map(2, 2, CV_32F, cv::Scalar(0.0));
    map.at<float>(0, 0) = 1.0f;
    const cv::Mat out = overlayHeatmap(image, map, 1.0);
    ASSERT_EQ(out.type(), CV_8UC3);
    ASSERT_EQ(out.size(), image.size());
    const auto hot = out.at<cv::Vec3b>(0, 0), cold = out.at<cv::Vec3b>(7, 7);
    EXPECT_GT(hot[2], hot[0]);
    EXPECT_GT(cold[0], cold[2]);
    EXPECT_EQ(out.at<cv::Vec3b>(7, 7), out.at<cv::Vec3b>(4, 7));  // both sample only 0s of the map
}

// A PNG written then decoded gives the same pixels (lossless), 8-bit colour and 16-bit gray alike;
// rewriting replaces the file and leaves no temporary behind.
TEST(WritePng, RoundTripsPixelsExactly) {
    const auto dir = tempDir("png");
    cv::Mat colour(13, 17, CV_8UC3);
    cv::randu(colour, 0, 256);
    const auto path = (dir / "overlay.png").string();
    writePng(path, colour);
    EXPECT_TRUE(sameImage(decodeFile(path), colour));

    cv::Mat deep(5, 7, CV_16UC1);
    cv::randu(deep, 0, 65536);
    writePng(path, deep);  // over the first file
    EXPECT_TRUE(sameImage(decodeFile(path), deep));

    int files = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        ++files;
        EXPECT_EQ(entry.path().filename(), "overlay.png") << "left behind: " << entry.path();
    }
    EXPECT_EQ(files, 1);
}

// Failures are DataError naming the file.
TEST(WritePng, FailuresNameTheFile) {
    const auto missing = (tempDir("png-missing") / "no-such-folder" / "out.png").string();
    try {
        writePng(missing, cv::Mat(2, 2, CV_8UC3, cv::Scalar::all(0)));
        FAIL() << "wrote into a missing folder";
    } catch (const DataError& e) {
        EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
    }
    const auto path = (tempDir("png-empty") / "empty.png").string();
    try {
        writePng(path, cv::Mat());
        FAIL() << "wrote an empty image";
    } catch (const DataError& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
    EXPECT_THROW(writePng(path, cv::Mat(2, 2, CV_32FC3, cv::Scalar::all(0))), DataError);
    EXPECT_FALSE(fs::exists(path));
}

namespace {

// A bundle around identityThenMix with V = I (3 x 3): stage 0 is the (preprocessed) image itself,
// stage 1 is ReLU(image). Input spec: 8 x 8 BGR, values 0..255 unchanged (mean 0, std 1), no crop
// margin, so the network input equals the view's pixels.
Bundle handBundle() {
    Bundle b;
    b.name = "hand";
    b.input.width = 8;
    b.input.height = 8;
    b.input.color = "BGR";
    b.input.rangeMin = 0.0f;
    b.input.rangeMax = 255.0f;
    b.input.centerCrop = 1.0;
    b.network = std::make_shared<StagedNetwork>(
        test::identityThenMix(torch::eye(3), torch::zeros({3}), torch::randn({2, 3}), torch::zeros({2})));
    return b;
}

// A 40 x 30 black image with a white 8 x 8 patch at rows 2..9, columns 7..14. The centred 30 x 30 crop
// starts at column 5, so the patch sits at crop rows 2..9, columns 2..9: the top-left quadrant of the
// 8 x 8 network input (8 / 30 scale: rows and columns ~0.5..2.7).
std::string patchImage(const fs::path& dir) {
    cv::Mat image(30, 40, CV_8UC3, cv::Scalar::all(0));
    image(cv::Rect(7, 2, 8, 8)).setTo(cv::Scalar::all(255));
    const auto path = (dir / "patch.png").string();
    writePng(path, image);
    return path;
}

}  // namespace

// With w = (1, 1, 1) the class score is the mean brightness, so at either stage every alpha_k is >= 0
// and the map is brightest on the white patch: the normalised map peaks (1) in the top-left quadrant
// and is 0 on the black background. The view is the crop the network saw: equal to the preprocessed
// input pixel for pixel (this spec leaves values unchanged).
TEST(GradCamForImage, HighlightsThePatchAndReturnsTheNetworksView) {
    const auto bundle = handBundle();
    const auto path = patchImage(tempDir("explain"));
    for (int stage : {0, 1}) {
        cv::Mat view;
        const cv::Mat map = gradCamForImage(bundle, stage, path, torch::ones({3}), torch::kCPU, &view);
        ASSERT_EQ(map.type(), CV_32F);
        ASSERT_EQ(map.size(), cv::Size(8, 8));
        double lo = 0, hi = 0;
        cv::Point at;
        cv::minMaxLoc(map, &lo, &hi, nullptr, &at);
        EXPECT_FLOAT_EQ(float(hi), 1.0f) << "stage " << stage;
        EXPECT_FLOAT_EQ(float(lo), 0.0f) << "stage " << stage;
        EXPECT_LT(at.x, 4) << "stage " << stage;
        EXPECT_LT(at.y, 4) << "stage " << stage;
        EXPECT_FLOAT_EQ(map.at<float>(7, 7), 0.0f);

        ASSERT_EQ(view.type(), CV_8UC3);
        ASSERT_EQ(view.size(), cv::Size(8, 8));
        const auto input = loadPreprocessedImage(path, bundle.input);  // 1 x 3 x 8 x 8, BGR order
        for (int c = 0; c < 3; ++c)
            for (int y = 0; y < 8; ++y)
                for (int x = 0; x < 8; ++x)
                    ASSERT_EQ(float(view.at<cv::Vec3b>(y, x)[c]), input[0][c][y][x].item<float>())
                        << c << "," << y << "," << x;

        // And the explanation draws and saves.
        const auto out = (tempDir("explain-png") / "cam.png").string();
        writePng(out, overlayHeatmap(view, map, 0.5));
        EXPECT_TRUE(sameImage(decodeFile(out), overlayHeatmap(view, map, 0.5)));
    }
}

// A new class that only has negative evidence here (w = -1, -1, -1: "dark things") has ReLU(...) = 0
// everywhere at the last stage, a constant map, which normalises to zeros rather than NaN.
TEST(GradCamForImage, NoPositiveEvidenceGivesAZeroMap) {
    const auto bundle = handBundle();
    const auto path = patchImage(tempDir("explain-neg"));
    const cv::Mat map = gradCamForImage(bundle, 1, path, -torch::ones({3}), torch::kCPU);
    EXPECT_EQ(cv::countNonZero(map), 0);
}

TEST(GradCamForImage, RejectsBadInputs) {
    const auto bundle = handBundle();
    const auto dir = tempDir("explain-bad");
    const auto missing = (dir / "missing.png").string();
    try {
        gradCamForImage(bundle, 1, missing, torch::ones({3}), torch::kCPU);
        FAIL() << "explained a missing image";
    } catch (const DataError& e) {
        EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
    }
    const auto path = patchImage(dir);
    EXPECT_THROW(gradCamForImage(bundle, 1, path, torch::ones({4}), torch::kCPU), std::invalid_argument);
    EXPECT_THROW(gradCamForImage(bundle, 2, path, torch::ones({3}), torch::kCPU), std::out_of_range);
}
