// readImage / readImageReduced on files written here, and on generated IDX files.
#include "core/data/image_source.h"

#include <gtest/gtest.h>

#include <atomic>
#include <opencv2/imgcodecs.hpp>
#include <thread>

#include "core/data/loaders.h"
#include "test_support.h"

namespace niwt {
namespace {

using test::idxBytes;
using test::TempDir;
using test::writeFile;
using test::writeGzip;

std::string encoded(const std::string& extension, const cv::Mat& image) {
    std::vector<uchar> bytes;
    EXPECT_TRUE(cv::imencode(extension, image, bytes));
    return std::string(bytes.begin(), bytes.end());
}

// A colour gradient, so JPEG has real content to compress.
cv::Mat colourImage(int width, int height) {
    cv::Mat image(height, width, CV_8UC3);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) image.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x), uchar(y), uchar(x + y));
    return image;
}

// A whole JPEG (all segments, end marker) whose first Huffman table is garbage: libjpeg
// rejects it ("Bogus Huffman table definition").
std::string corruptJpeg() {
    std::string bytes = encoded(".jpg", colourImage(32, 32));
    const size_t table = bytes.find("\xFF\xC4");
    for (size_t k = 5; k < 21; ++k) bytes[table + k] = '\xFF';
    return bytes;
}

TEST(ReadImage, ColourJpegIsBgr8) {
    TempDir tmp;
    writeFile(tmp / "a.jpg", encoded(".jpg", colourImage(64, 48)));
    std::string error;
    cv::Mat image = readImage(tmp / "a.jpg", &error);
    ASSERT_FALSE(image.empty()) << error;
    EXPECT_EQ(image.type(), CV_8UC3);
    EXPECT_EQ(image.cols, 64);
    EXPECT_EQ(image.rows, 48);
    EXPECT_TRUE(error.empty());
}

TEST(ReadImage, GrayPngStaysGray) {
    TempDir tmp;
    writeFile(tmp / "g.png", encoded(".png", cv::Mat(10, 12, CV_8UC1, cv::Scalar(77))));
    cv::Mat image = readImage(tmp / "g.png");
    EXPECT_EQ(image.type(), CV_8UC1);  // not expanded to three channels
    EXPECT_EQ(image.at<uchar>(5, 5), 77);
}

TEST(ReadImage, AlphaIsDroppedAndSixteenBitScaledToEight) {
    TempDir tmp;
    writeFile(tmp / "rgba.png", encoded(".png", cv::Mat(4, 4, CV_8UC4, cv::Scalar(1, 2, 3, 128))));
    cv::Mat rgba = readImage(tmp / "rgba.png");
    EXPECT_EQ(rgba.type(), CV_8UC3);
    EXPECT_EQ(rgba.at<cv::Vec3b>(0, 0), cv::Vec3b(1, 2, 3));
    writeFile(tmp / "deep.png", encoded(".png", cv::Mat(4, 4, CV_16UC1, cv::Scalar(65535))));
    cv::Mat deep = readImage(tmp / "deep.png");
    EXPECT_EQ(deep.type(), CV_8UC1);
    EXPECT_EQ(deep.at<uchar>(0, 0), 255);  // full 16-bit white is full 8-bit white
}

TEST(ReadImage, MissingFileNamesIt) {
    TempDir tmp;
    std::string error;
    EXPECT_TRUE(readImage(tmp / "none.jpg", &error).empty());
    EXPECT_EQ(error, tmp / "none.jpg: cannot open (No such file or directory)");
}

TEST(ReadImage, EmptyAndUndecodableFilesNameThemselves) {
    TempDir tmp;
    std::string error;
    writeFile(tmp / "empty.jpg", "");
    EXPECT_TRUE(readImage(tmp / "empty.jpg", &error).empty());
    EXPECT_EQ(error, tmp / "empty.jpg: empty file");
    writeFile(tmp / "text.png", "definitely not an image");
    EXPECT_TRUE(readImage(tmp / "text.png", &error).empty());
    EXPECT_EQ(error, tmp / "text.png: cannot decode (corrupt or unsupported image format)");
}

TEST(ReadImage, CorruptJpegFails) {
    TempDir tmp;
    writeFile(tmp / "corrupt.jpg", corruptJpeg());
    std::string error;
    EXPECT_TRUE(readImage(tmp / "corrupt.jpg", &error).empty());
    EXPECT_EQ(error, tmp / "corrupt.jpg: cannot decode (corrupt or unsupported image format)");
}

TEST(ReadImage, TruncatedJpegAndPngFail) {
    // libjpeg would return a half-gray image with only a warning; the missing end marker is
    // what tells a truncated download from a whole file.
    TempDir tmp;
    const std::string jpeg = encoded(".jpg", colourImage(64, 64));
    writeFile(tmp / "half.jpg", jpeg.substr(0, jpeg.size() / 2));
    std::string error;
    EXPECT_TRUE(readImage(tmp / "half.jpg", &error).empty());
    EXPECT_EQ(error, tmp / "half.jpg: truncated JPEG (no end-of-image marker)");
    const std::string png = encoded(".png", colourImage(64, 64));
    writeFile(tmp / "half.png", png.substr(0, png.size() / 2));
    EXPECT_TRUE(readImage(tmp / "half.png", &error).empty());
    EXPECT_EQ(error, tmp / "half.png: truncated PNG (no IEND chunk)");
}

TEST(ReadImage, TruncatedProgressiveJpegFails) {
    // Progressive JPEGs have several scans with tables between them; cutting after the first
    // scans still leaves no end marker.
    TempDir tmp;
    std::vector<uchar> buffer;
    ASSERT_TRUE(cv::imencode(".jpg", colourImage(128, 128), buffer, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}));
    const std::string jpeg(buffer.begin(), buffer.end());
    writeFile(tmp / "whole.jpg", jpeg);
    EXPECT_FALSE(readImage(tmp / "whole.jpg").empty());
    writeFile(tmp / "cut.jpg", jpeg.substr(0, jpeg.size() * 2 / 3));
    std::string error;
    EXPECT_TRUE(readImage(tmp / "cut.jpg", &error).empty());
    EXPECT_EQ(error, tmp / "cut.jpg: truncated JPEG (no end-of-image marker)");
}

TEST(ReadImage, DataAfterTheJpegEndMarkerIsFine) {
    // Some cameras append kilobytes after the image; the image itself is whole.
    TempDir tmp;
    writeFile(tmp / "tail.jpg", encoded(".jpg", colourImage(40, 30)) + std::string(10000, '\x01'));
    std::string error;
    cv::Mat image = readImage(tmp / "tail.jpg", &error);
    EXPECT_EQ(image.size(), cv::Size(40, 30)) << error;
}

TEST(ReadImage, CorruptImageInADataSetIsCountedAsSkipped) {
    // What decode loops do: an image readImage cannot read is skipped and counted, with the
    // message naming the file.
    TempDir tmp;
    writeFile(tmp / "pets/cat/1.jpg", encoded(".jpg", colourImage(16, 16)));
    writeFile(tmp / "pets/cat/2.jpg", corruptJpeg());
    writeFile(tmp / "pets/dog/3.png", encoded(".png", colourImage(16, 16)));
    Dataset d = openDataset("folder:" + tmp / "pets");
    int skipped = 0;
    std::vector<std::string> errors;
    for (const ImageInfo& info : d.images) {
        std::string error;
        if (readImage(info.path, &error).empty()) {
            ++skipped;
            errors.push_back(error);
        }
    }
    EXPECT_EQ(skipped, 1);  // only 2.jpg
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].rfind(tmp / "pets/cat/2.jpg: ", 0), 0u) << errors[0];
}

TEST(JpegSize, ReadsTheFrameHeaderWithoutDecoding) {
    int width = 0, height = 0;
    EXPECT_TRUE(jpegSize(encoded(".jpg", colourImage(123, 45)), &width, &height));
    EXPECT_EQ(width, 123);
    EXPECT_EQ(height, 45);
    EXPECT_FALSE(jpegSize(encoded(".png", colourImage(8, 8)), &width, &height));
    EXPECT_FALSE(jpegSize("\xFF\xD8\xFF", &width, &height));
}

TEST(ReadImageReduced, DecodesAtTheLargestReductionKeepingMinSide) {
    TempDir tmp;
    writeFile(tmp / "big.jpg", encoded(".jpg", colourImage(400, 300)));
    // Shorter side 300: /4 = 75 >= 64, so quarter size.
    cv::Mat quarter = readImageReduced(tmp / "big.jpg", 64);
    EXPECT_EQ(quarter.size(), cv::Size(100, 75));
    EXPECT_EQ(quarter.type(), CV_8UC3);
    // /4 = 75 < 100 but /2 = 150 >= 100: half size.
    EXPECT_EQ(readImageReduced(tmp / "big.jpg", 100).size(), cv::Size(200, 150));
    // /2 = 150 < 200: full size.
    EXPECT_EQ(readImageReduced(tmp / "big.jpg", 200).size(), cv::Size(400, 300));
}

TEST(ReadImageReduced, GrayJpegStaysGrayAndPngIsFullSize) {
    TempDir tmp;
    writeFile(tmp / "gray.jpg", encoded(".jpg", cv::Mat(200, 200, CV_8UC1, cv::Scalar(90))));
    cv::Mat gray = readImageReduced(tmp / "gray.jpg", 50);
    EXPECT_EQ(gray.type(), CV_8UC1);
    EXPECT_EQ(gray.size(), cv::Size(50, 50));
    writeFile(tmp / "big.png", encoded(".png", colourImage(400, 300)));
    EXPECT_EQ(readImageReduced(tmp / "big.png", 64).size(), cv::Size(400, 300));
    std::string error;
    EXPECT_TRUE(readImageReduced(tmp / "none.jpg", 64, &error).empty());
    EXPECT_EQ(error, tmp / "none.jpg: cannot open (No such file or directory)");
}

// ------------------------------------------------------------------------------------- idx

// Image i of n is filled with the value i.
std::string writeIdxImages(const TempDir& tmp, const std::string& name, uint32_t count) {
    std::vector<uint8_t> pixels(count * 28 * 28);
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = uint8_t(i / 784);
    writeGzip(tmp / name, idxBytes({count, 28, 28}, pixels));
    return tmp / name;
}

TEST(ReadIdxImage, ReturnsA28x28GrayCopy) {
    TempDir tmp;
    const std::string file = writeIdxImages(tmp, "images.gz", 4);
    std::string error;
    cv::Mat image = readImage("idx:" + file + "#2", &error);
    ASSERT_FALSE(image.empty()) << error;
    EXPECT_EQ(image.type(), CV_8UC1);
    EXPECT_EQ(image.size(), cv::Size(28, 28));
    EXPECT_EQ(image.at<uchar>(13, 13), 2);
    // readImageReduced has nothing to reduce on a 28x28 image.
    EXPECT_EQ(readImageReduced("idx:" + file + "#3", 100).at<uchar>(0, 0), 3);
}

TEST(ReadIdxImage, BadIndexAndMissingFileAreErrors) {
    TempDir tmp;
    const std::string file = writeIdxImages(tmp, "images.gz", 4);
    std::string error;
    EXPECT_TRUE(readImage("idx:" + file + "#4", &error).empty());
    EXPECT_EQ(error, file + ": has 4 images, no image 4");
    EXPECT_TRUE(readImage("idx:" + file + "#x", &error).empty());
    EXPECT_EQ(error, "idx:" + file + "#x: expected \"idx:FILE#INDEX\"");
    EXPECT_TRUE(readImage("idx:" + tmp / "none.gz#0", &error).empty());
    EXPECT_EQ(error, tmp / "none.gz: cannot open (No such file or directory)");
}

TEST(ReadIdxImage, TruncatedCompressedStreamIsAnError) {
    TempDir tmp;
    const std::string whole = writeIdxImages(tmp, "whole.gz", 50);
    std::string bytes;
    {
        std::ifstream in(whole, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    // Cut the gzip stream itself (as an interrupted download would).
    writeFile(tmp / "cut.gz", bytes.substr(0, bytes.size() / 2));
    std::string error;
    EXPECT_TRUE(readImage("idx:" + tmp / "cut.gz#0", &error).empty());
    // How much of the data survives depends on zlib's compression; the start of the message does not.
    const std::string expected = tmp / "cut.gz: truncated: expected 39200 bytes of data, got ";
    EXPECT_EQ(error.rfind(expected, 0), 0u) << error;
}

TEST(ReadIdxImage, RewrittenFileIsDecodedAgain) {
    TempDir tmp;
    const std::string file = writeIdxImages(tmp, "images.gz", 2);
    EXPECT_EQ(readImage("idx:" + file + "#1").at<uchar>(0, 0), 1);
    writeIdxImages(tmp, "images.gz", 5);  // new size: the cache entry is stale
    EXPECT_EQ(readImage("idx:" + file + "#4").at<uchar>(0, 0), 4);
}

TEST(ReadIdxImage, ManyThreadsShareOneDecodedFile) {
    TempDir tmp;
    clearIdxImageCache();
    const std::string file = writeIdxImages(tmp, "images.gz", 200);
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            for (int i = t; i < 200; i += 3) {
                cv::Mat image = readImage("idx:" + file + "#" + std::to_string(i));
                if (image.empty() || image.at<uchar>(27, 0) != uchar(i)) ++wrong;
            }
        });
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(wrong.load(), 0);  // every image read by every thread holds its own index
}

}  // namespace
}  // namespace niwt
