// Issue 13 ("Hostile inputs"), the data layer: each test is one reproducible hostile input of the
// issue and the clear, one-line error (naming the file and the limit or the problem) now given
// instead of a silent result or an unbounded allocation.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "core/data/image_source.h"
#include "core/data/loaders.h"
#include "core/data/text_encoder.h"
#include "core/io/input_limits.h"
#include "test_support.h"

namespace niwt {
namespace {

using test::dataErrorOf;

Dataset twoClasses() {
    Dataset dataset;
    for (const char* name : {"fish", "bird"}) {
        ClassInfo info;
        info.id = int(dataset.classes.size()) + 1;
        info.name = name;
        dataset.classes.push_back(info);
    }
    return dataset;
}

const std::string kSeeLimits = " (see the README's \"Input limits\")";

// Items 3 and 7: /dev/zero has no size to check up front, so each reader stops at its byte limit
// instead of growing to ~17 GB and failing with std::bad_alloc, naming no file.
TEST(HostileInputs, EndlessFilesStopAtTheirFormatsByteLimit) {
    Dataset dataset = twoClasses();
    EXPECT_EQ(dataErrorOf([&] { addModality(dataset, "att=csv:/dev/zero"); }),
              "/dev/zero: larger than the 512 MiB limit for modality CSV files" + kSeeLimits);
    EXPECT_EQ(dataErrorOf([&] { applySplit(dataset, "classes:/dev/zero"); }),
              "/dev/zero: larger than the 64 MiB limit for class list files" + kSeeLimits);
    std::string error;
    EXPECT_TRUE(readImage("/dev/zero", &error).empty());
    EXPECT_EQ(error, "/dev/zero: larger than the 256 MiB limit for image files" + kSeeLimits);
    EXPECT_EQ(dataErrorOf([&] { readDescriptions("/dev/zero"); }),
              "/dev/zero: larger than the 512 MiB limit for descriptions files" + kSeeLimits);
    // A file just at the limit is read: the limit is on the size, not a guess.
    test::TempDir dir;
    test::writeFile(dir / "small.txt", std::string(100, 'x'));
    EXPECT_EQ(readInputFile(dir / "small.txt", 100, "test").size(), 100u);
    EXPECT_EQ(dataErrorOf([&] { readInputFile(dir / "small.txt", 99, "test"); }),
              dir / "small.txt" + ": larger than the 99 bytes limit for test files" + kSeeLimits);
}

// Item 7: a 10^5-column CSV modality was accepted; `run` then failed with LibTorch's raw "tried
// to allocate 80000000000 bytes" (a dims x dims matrix). Refused when read, naming the file.
TEST(HostileInputs, TooWideModalityIsRefusedNamingTheFileAndTheLimit) {
    std::string header = "class", row = "fish", row2 = "bird";
    for (int c = 0; c < 100000; ++c) {
        header += ",d" + std::to_string(c);
        row += ",1";
        row2 += ",0";
    }
    const std::string text = header + "\n" + row + "\n" + row2 + "\n";
    EXPECT_EQ(dataErrorOf([&] { parseCsvModality(twoClasses(), "att", text, "wide.csv"); }),
              "wide.csv:1: 100000 columns, more than the limit of 16384 dimensions for a modality" + kSeeLimits);
}

// A JPEG of the given size whose frame header then claims `claimed` x `claimed` pixels.
std::string jpegClaiming(int side, int claimed, bool uniform = false) {
    cv::Mat image(side, side, CV_8UC3, cv::Scalar(40, 120, 200));
    if (!uniform) cv::randu(image, 0, 255);
    std::vector<uchar> bytes;
    cv::imencode(".jpg", image, bytes);
    std::string jpeg(bytes.begin(), bytes.end());
    if (claimed > 0) {
        const size_t sof = jpeg.find("\xFF\xC0");
        EXPECT_NE(sof, std::string::npos);
        jpeg[sof + 5] = char(claimed >> 8);
        jpeg[sof + 6] = char(claimed & 0xFF);
        jpeg[sof + 7] = char(claimed >> 8);
        jpeg[sof + 8] = char(claimed & 0xFF);
    }
    return jpeg;
}

// Item 6: a JPEG whose header claims 20000x20000 pixels with data for 227x227 decoded, with only
// libjpeg's unnamed "Corrupt JPEG data" on stderr, to a mostly grey image that was used. It is
// now unreadable and named, like a truncated JPEG. Whole JPEGs, even a large uniform one (the
// fewest bits per block), still decode.
TEST(HostileInputs, JpegClaimingMorePixelsThanItsDataIsUnreadable) {
    test::TempDir dir;
    const std::string corrupt = dir / "claims-20000.jpg";
    const std::string jpeg = jpegClaiming(227, 20000);
    test::writeFile(corrupt, jpeg);
    std::string error;
    EXPECT_TRUE(readImage(corrupt, &error).empty());
    EXPECT_EQ(error, corrupt + ": corrupt JPEG: its header claims 20000x20000 pixels, more than its " +
                         std::to_string(jpeg.size()) + " bytes can hold");
    error.clear();
    EXPECT_TRUE(readImageReduced(corrupt, 64, &error).empty());
    EXPECT_NE(error.find("corrupt JPEG"), std::string::npos) << error;

    for (const auto& [name, bytes] : {std::pair<std::string, std::string>{"whole.jpg", jpegClaiming(227, 0)},
                                      {"uniform.jpg", jpegClaiming(2000, 0, true)}}) {
        test::writeFile(dir / name, bytes);
        error.clear();
        EXPECT_FALSE(readImage(dir / name, &error).empty()) << name << ": " << error;
    }
}

// Item 11: empty descriptions gave all-zero captions vectors without a word; a CSV modality of
// all-zero rows, likewise. Both are refused, naming the classes.
TEST(HostileInputs, EmptyDescriptionsAndAllZeroModalitiesAreRefusedNamingTheClasses) {
    test::TempDir dir;
    Dataset dataset = twoClasses();
    test::writeFile(dir / "none.json", "{}");
    EXPECT_EQ(dataErrorOf([&] { captionModelFromFile(dataset, dir / "none.json"); }),
              dir / "none.json" +
                  ": describes none of the data set's 2 classes (\"fish\", \"bird\"); the captions vectors would be "
                  "all zeros");
    test::writeFile(dir / "empty.json", R"({"fish": [], "bird": ["", "  "]})");
    EXPECT_EQ(dataErrorOf([&] { captionModelFromFile(dataset, dir / "empty.json"); }),
              dir / "empty.json" +
                  ": empty descriptions (no phrase with a word) for 2 classes: \"fish\", \"bird\"; their captions "
                  "vectors would be all zeros");
    EXPECT_EQ(dataErrorOf([&] { parseCsvModality(dataset, "att", "class,a,b\nfish,0,0\nbird,0,0\n", "zero.csv"); }),
              "zero.csv: every class vector is all zeros (classes \"fish\", \"bird\"): the modality carries nothing "
              "to learn from");
    // One zero row among others is a class without attributes, not an empty modality.
    EXPECT_EQ(parseCsvModality(dataset, "att", "class,a\nfish,0\nbird,1\n", "ok.csv").dims, 1);
}

// Item 12: a truncated Fashion-MNIST images file opened fine (`info` exited 0) and extraction then
// found "0 seen classes" without naming the file. Opening now streams through it.
TEST(HostileInputs, TruncatedIdxImagesFileFailsAtOpeningNamingIt) {
    test::TempDir dir;
    const std::vector<uint8_t> pixels(2 * 28 * 28, 9);
    test::writeGzip(dir / "train-images-idx3-ubyte.gz", test::idxBytes({4, 28, 28}, pixels));  // 2 of 4 images
    test::writeGzip(dir / "train-labels-idx1-ubyte.gz", test::idxBytes({4}, {0, 1, 2, 3}));
    test::writeGzip(dir / "t10k-images-idx3-ubyte.gz", test::idxBytes({1, 28, 28}, std::vector<uint8_t>(784, 1)));
    test::writeGzip(dir / "t10k-labels-idx1-ubyte.gz", test::idxBytes({1}, {4}));
    EXPECT_EQ(dataErrorOf([&] { openDataset("fashion-mnist:" + dir.path()); }),
              dir / "train-images-idx3-ubyte.gz" + ": truncated: expected 3136 bytes of data, got 1568");
    // An uncompressed file cut inside its data, likewise.
    const std::string whole = test::idxBytes({4, 28, 28}, std::vector<uint8_t>(4 * 784, 3));
    test::writeFile(dir / "train-images-idx3-ubyte.gz", whole.substr(0, whole.size() - 10));
    EXPECT_EQ(dataErrorOf([&] { openDataset("fashion-mnist:" + dir.path()); }),
              dir / "train-images-idx3-ubyte.gz" + ": truncated: expected 3136 bytes of data, got 3126");
}

}  // namespace
}  // namespace niwt
