// The loaders on real data: ../shared (CUB-200-2011 subset, AwA2 metadata, xlsa17 splits) and
// Debian's Fashion-MNIST. Each test skips, naming the missing path, when its data is absent.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "core/data/image_source.h"
#include "core/data/loaders.h"
#include "test_support.h"

namespace niwt {
namespace {

#define REQUIRE_PATH(path)                                                   \
    do {                                                                     \
        if (!test::fs::exists(path)) GTEST_SKIP() << (path) << " is absent"; \
    } while (0)

const std::string kShared = test::sharedDir() + "/data";

int classesWithImages(const Dataset& d, bool seen) {
    std::vector<bool> hasImages(d.classes.size(), false);
    for (const ImageInfo& image : d.images) hasImages[size_t(image.classIndex)] = true;
    int count = 0;
    for (size_t i = 0; i < d.classes.size(); ++i)
        if (hasImages[i] && d.classes[i].inSplit && d.classes[i].seen == seen) ++count;
    return count;
}

TEST(SharedCub, Has200ClassesAnd312Attributes) {
    const std::string dir = kShared + "/CUB_200_2011";
    REQUIRE_PATH(dir);
    Dataset d = openDataset("cub:" + dir);
    EXPECT_EQ(d.classes.size(), 200u);  // classes.txt lists all 200, with or without images
    // images.txt lists 5,902; any missing on disk are dropped and counted.
    EXPECT_EQ(d.images.size() + size_t(d.corruptSkipped), 5902u);
    EXPECT_EQ(d.corruptSkipped, 0) << "every listed image exists in ../shared";
    const Modality* attributes = d.modality("attributes");
    ASSERT_NE(attributes, nullptr);
    EXPECT_EQ(attributes->dims, 312);
    EXPECT_EQ(attributes->dimNames.front(), "has_bill_shape::curved_(up_or_down)");
    // The README's train/test counts: 2,903 train, 2,999 test.
    size_t train = 0;
    for (const ImageInfo& image : d.images) train += image.subset == Subset::Train;
    EXPECT_EQ(train, 2903u);
    std::string error;
    cv::Mat image = readImage(d.images.front().path, &error);
    ASSERT_FALSE(image.empty()) << error;
    EXPECT_EQ(image.type(), CV_8UC3);
}

TEST(SharedCub, Xlsa17SplitGives150SeenAnd50Unseen) {
    const std::string dir = kShared + "/CUB_200_2011";
    const std::string split = kShared + "/xlsa17/CUB";
    REQUIRE_PATH(dir);
    REQUIRE_PATH(split);
    Dataset d = openDataset("cub:" + dir);
    applySplit(d, "xlsa17:" + split);
    // trainvalclasses.txt lists 150 classes, testclasses.txt 50; together all 200.
    EXPECT_EQ(d.seenCount(), 150);
    EXPECT_EQ(d.unseenCount(), 50);
    // Of the 100 classes with image folders, 73 are seen and 27 unseen (../shared/README.md).
    EXPECT_EQ(classesWithImages(d, true), 73);
    EXPECT_EQ(classesWithImages(d, false), 27);
    // att_splits.mat: 312 x 200, matched by name, rows of unit length.
    const Modality* att = d.modality("att_splits");
    ASSERT_NE(att, nullptr);
    EXPECT_EQ(att->dims, 312);
    EXPECT_EQ(att->dimNames.size(), 312u);
    for (size_t c = 0; c < d.classes.size(); ++c) {
        double norm = 0;
        for (int k = 0; k < att->dims; ++k) norm += double(att->row(int(c))[k]) * att->row(int(c))[k];
        EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-5) << d.classes[c].name;
    }
}

TEST(SharedCub, AttSplitsAgreesWithTheContinuousAttributes) {
    // xlsa17's att is CUB's continuous attribute matrix, L2-normalised per class; a name match
    // gone wrong (classes in another order in the .mat) would break this.
    const std::string dir = kShared + "/CUB_200_2011";
    const std::string split = kShared + "/xlsa17/CUB";
    REQUIRE_PATH(dir);
    REQUIRE_PATH(split);
    Dataset d = openDataset("cub:" + dir);
    applySplit(d, "xlsa17:" + split);
    const Modality* attributes = d.modality("attributes");
    const Modality* att = d.modality("att_splits");
    ASSERT_NE(att, nullptr);
    int agreeing = 0;
    for (size_t c = 0; c < d.classes.size(); ++c) {
        double dot = 0, norm = 0;
        for (int k = 0; k < 312; ++k) {
            dot += double(attributes->row(int(c))[k]) * att->row(int(c))[k];
            norm += double(attributes->row(int(c))[k]) * attributes->row(int(c))[k];
        }
        agreeing += dot / std::sqrt(norm) > 0.99;  // cosine of the same vector
    }
    EXPECT_EQ(agreeing, 200);
}

TEST(SharedAwa2, Has50ClassesAnd85PredicatesAndXlsa17Split) {
    const std::string dir = kShared + "/AwA2";
    REQUIRE_PATH(dir);
    Dataset d = openDataset("awa2:" + dir);
    EXPECT_EQ(d.classes.size(), 50u);
    ASSERT_NE(d.modality("attributes"), nullptr);
    EXPECT_EQ(d.modality("attributes")->dims, 85);
    EXPECT_EQ(d.modality("attributes")->dimNames.front(), "black");
    EXPECT_TRUE(d.images.empty());  // ../shared has no AwA2 images
    const std::string split = kShared + "/xlsa17/AWA2";
    if (!test::fs::exists(split)) return;
    applySplit(d, "xlsa17:" + split);
    EXPECT_EQ(d.seenCount(), 40);  // the proposed split: 40 trainval, 10 test classes
    EXPECT_EQ(d.unseenCount(), 10);
    ASSERT_NE(d.modality("att_splits"), nullptr);
    EXPECT_EQ(d.modality("att_splits")->dims, 85);
}

TEST(RealFashionMnist, OpensQuicklyWith70000Images) {
    const std::string dir = kDefaultFashionMnistDir;
    REQUIRE_PATH(dir + "/train-images-idx3-ubyte.gz");
    const auto start = std::chrono::steady_clock::now();
    Dataset d = openDataset("fashion-mnist");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(seconds, 1.0) << "opening must not decode the 47 MB image files";
    EXPECT_EQ(d.images.size(), 70000u);  // 60,000 train + 10,000 test
    EXPECT_EQ(d.imageIndices(true, Subset::Train).size() + d.imageIndices(false, Subset::Train).size(), 60000u);
    // Each class has 6,000 train images; with 3 unseen classes, 7 x 6,000 are seen.
    EXPECT_EQ(d.imageIndices(true, Subset::Train).size(), 42000u);
    std::string error;
    cv::Mat image = readImage(d.images[12345].path, &error);
    ASSERT_FALSE(image.empty()) << error;
    EXPECT_EQ(image.size(), cv::Size(28, 28));
    EXPECT_EQ(image.type(), CV_8UC1);
    clearIdxImageCache();
}

}  // namespace
}  // namespace niwt
