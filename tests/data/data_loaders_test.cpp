// openDataset on miniature cub, awa2, folder and fashion-mnist trees generated in a temp dir.
#include "core/data/loaders.h"

#include <gtest/gtest.h>

#include "core/data/image_source.h"
#include "test_support.h"

namespace niwt {
namespace {

using test::dataErrorOf;
using test::idxBytes;
using test::TempDir;
using test::writeFile;
using test::writeGzip;

// ------------------------------------------------------------------------------------- cub

// A CUB-200-2011 tree with 3 classes and 4 attributes. Class 3 has no images (as half the
// classes in ../shared). Images 1-2 are class 1, 3-4 class 2; image 5 (class 2) is listed but
// its file is missing. attributes.txt goes inside attributes/ or beside the CUB folder.
struct MiniCub {
    explicit MiniCub(const TempDir& tmp, bool attributeNamesBeside = false) : dir(tmp / "CUB_200_2011") {
        writeFile(dir + "/classes.txt", "1 001.Alpha_Bird\n2 002.Beta_Bird\n3 003.Gamma_Bird\n");
        writeFile(dir + "/images.txt",
                  "1 001.Alpha_Bird/a1.jpg\n2 001.Alpha_Bird/a2.jpg\n3 002.Beta_Bird/b1.jpg\n"
                  "4 002.Beta_Bird/b2.jpg\n5 002.Beta_Bird/gone.jpg\n");
        writeFile(dir + "/image_class_labels.txt", "1 1\n2 1\n3 2\n4 2\n5 2\n");
        writeFile(dir + "/train_test_split.txt", "1 1\n2 0\n3 0\n4 1\n5 1\n");
        for (const char* image :
             {"001.Alpha_Bird/a1.jpg", "001.Alpha_Bird/a2.jpg", "002.Beta_Bird/b1.jpg", "002.Beta_Bird/b2.jpg"})
            writeFile(dir + "/images/" + image, "not decoded while loading");
        const std::string names =
            "1 has_bill_shape::dagger\n2 has_wing_color::blue\n"
            "3 has_size::small_(5_-_9_in)\n4 has_tail_shape::forked_tail\n";
        writeFile(attributeNamesBeside ? tmp / "attributes.txt" : dir + "/attributes/attributes.txt", names);
        writeFile(dir + "/attributes/class_attribute_labels_continuous.txt", "10 20 30 40\n0.5 0 100 0\n1 2 3 4\n");
    }
    std::string dir;
};

TEST(OpenCub, ReadsClassesImagesSubsetsAndAttributes) {
    TempDir tmp;
    MiniCub cub(tmp);
    Dataset d = openDataset("cub:" + cub.dir);
    EXPECT_EQ(d.kind, "cub");
    EXPECT_EQ(d.spec, "cub:" + cub.dir);
    EXPECT_EQ(d.root, cub.dir);
    ASSERT_EQ(d.classes.size(), 3u);  // Gamma has no images but is a class
    EXPECT_EQ(d.classes[2].id, 3);
    EXPECT_EQ(d.classes[2].name, "003.Gamma_Bird");
    EXPECT_EQ(d.seenCount(), 3);  // all seen until a split is applied
    // 5 listed, gone.jpg missing on disk: dropped and counted.
    ASSERT_EQ(d.images.size(), 4u);
    EXPECT_EQ(d.corruptSkipped, 1);
    EXPECT_EQ(d.images[0].path, cub.dir + "/images/001.Alpha_Bird/a1.jpg");
    EXPECT_EQ(d.images[0].subset, Subset::Train);  // split value 1
    EXPECT_EQ(d.images[1].subset, Subset::Test);   // split value 0
    EXPECT_EQ(d.images[2].classIndex, 1);
    const Modality* attributes = d.modality("attributes");
    ASSERT_NE(attributes, nullptr);
    EXPECT_EQ(attributes->dims, 4);
    EXPECT_EQ(attributes->dimNames[2], "has_size::small_(5_-_9_in)");
    EXPECT_EQ(attributes->row(1)[2], 100.0f);  // row 2 of the file = class id 2
}

TEST(OpenCub, AttributeNamesBesideTheDataSetFolder) {
    // The original archive puts attributes.txt next to CUB_200_2011/.
    TempDir tmp;
    MiniCub cub(tmp, /*attributeNamesBeside=*/true);
    Dataset d = openDataset("cub:" + cub.dir);
    EXPECT_EQ(d.modality("attributes")->dimNames[0], "has_bill_shape::dagger");
}

TEST(OpenCub, MissingAttributeNamesNamesBothPlaces) {
    TempDir tmp;
    MiniCub cub(tmp);
    test::fs::remove(cub.dir + "/attributes/attributes.txt");
    const std::string message = dataErrorOf([&] { openDataset("cub:" + cub.dir); });
    EXPECT_EQ(message, cub.dir +
                           "/attributes/attributes.txt: cannot open (No such file or directory); "
                           "not beside the data set either (" +
                           tmp.path() + "/attributes.txt)");
}

TEST(OpenCub, RaggedAttributeRowNamesFileAndLine) {
    TempDir tmp;
    MiniCub cub(tmp);
    writeFile(cub.dir + "/attributes/class_attribute_labels_continuous.txt", "1 2 3 4\n1 2 3\n1 2 3 4\n");
    // attributes.txt names 4 attributes, so every row must hold 4 values.
    EXPECT_EQ(dataErrorOf([&] { openDataset("cub:" + cub.dir); }),
              cub.dir + "/attributes/class_attribute_labels_continuous.txt:2: expected 4 values, got 3");
}

TEST(OpenCub, TooFewAttributeRowsNamesTheClass) {
    TempDir tmp;
    MiniCub cub(tmp);
    writeFile(cub.dir + "/attributes/class_attribute_labels_continuous.txt", "1 2 3 4\n1 2 3 4\n");
    EXPECT_EQ(dataErrorOf([&] { openDataset("cub:" + cub.dir); }),
              cub.dir +
                  "/attributes/class_attribute_labels_continuous.txt: has 2 rows, no row for "
                  "class id 3 (003.Gamma_Bird)");
}

TEST(OpenCub, MalformedClassLineNamesFileLineAndText) {
    TempDir tmp;
    MiniCub cub(tmp);
    writeFile(cub.dir + "/classes.txt", "1 001.Alpha_Bird\n2 002.Beta_Bird\n003.Gamma_Bird\n");
    EXPECT_EQ(dataErrorOf([&] { openDataset("cub:" + cub.dir); }),
              cub.dir + "/classes.txt:3: expected \"<class id> <NNN.Name>\", got \"003.Gamma_Bird\"");
}

TEST(OpenCub, LabelWithUnknownClassIdNamesLine) {
    TempDir tmp;
    MiniCub cub(tmp);
    writeFile(cub.dir + "/image_class_labels.txt", "1 1\n2 1\n3 2\n4 9\n5 2\n");
    EXPECT_EQ(dataErrorOf([&] { openDataset("cub:" + cub.dir); }),
              cub.dir + "/image_class_labels.txt:4: class id 9 is not in classes.txt");
}

TEST(OpenCub, BadSplitValueNamesLine) {
    TempDir tmp;
    MiniCub cub(tmp);
    writeFile(cub.dir + "/train_test_split.txt", "1 1\n2 0\n3 2\n4 1\n5 1\n");
    EXPECT_EQ(dataErrorOf([&] { openDataset("cub:" + cub.dir); }),
              cub.dir + "/train_test_split.txt:3: expected 1 (train) or 0 (test), got 2");
}

TEST(OpenCub, ImageWithoutSplitEntryIsAnError) {
    TempDir tmp;
    MiniCub cub(tmp);
    writeFile(cub.dir + "/train_test_split.txt", "1 1\n2 0\n4 1\n5 1\n");
    EXPECT_EQ(
        dataErrorOf([&] { openDataset("cub:" + cub.dir); }),
        cub.dir + "/train_test_split.txt: no train/test entry for image id 3 (" + cub.dir + "/images.txt line 3)");
}

TEST(OpenCub, MissingDirectoryNamesIt) {
    TempDir tmp;
    EXPECT_EQ(dataErrorOf([&] { openDataset("cub:" + tmp / "nowhere"); }),
              tmp / "nowhere: cannot open (No such file or directory)");
}

// ------------------------------------------------------------------------------------ awa2

void writeMiniAwa2(const std::string& dir) {
    // The real files' layout: right-aligned index, a tab, the name.
    writeFile(dir + "/classes.txt", "     1\tantelope\n     2\tgrizzly+bear\n");
    writeFile(dir + "/predicates.txt", "     1\tblack\n     2\twhite\n     3\tstripes\n");
    writeFile(dir + "/predicate-matrix-continuous.txt", "  0.00  1.25  50.0\n  39.25 0.00 2.5\n");
}

TEST(OpenAwa2, ReadsClassesPredicatesAndImages) {
    TempDir tmp;
    const std::string dir = tmp / "AwA2";
    writeMiniAwa2(dir);
    // Written in reverse order: the loader sorts by file name.
    for (int i = 6; i >= 1; --i)
        writeFile(dir + "/JPEGImages/antelope/antelope_1000" + std::to_string(i) + ".jpg", "x");
    writeFile(dir + "/JPEGImages/antelope/readme.txt", "not an image");
    Dataset d = openDataset("awa2:" + dir);
    ASSERT_EQ(d.classes.size(), 2u);
    EXPECT_EQ(d.classes[1].name, "grizzly+bear");
    EXPECT_EQ(d.classes[1].id, 2);
    const Modality* attributes = d.modality("attributes");
    ASSERT_NE(attributes, nullptr);
    EXPECT_EQ(attributes->dims, 3);
    EXPECT_EQ(attributes->dimNames[2], "stripes");
    EXPECT_EQ(attributes->row(1)[0], 39.25f);
    // 6 antelope images (grizzly+bear has no folder); sorted, the 5th is the test image.
    ASSERT_EQ(d.images.size(), 6u);
    EXPECT_EQ(d.images[0].path, dir + "/JPEGImages/antelope/antelope_10001.jpg");
    for (size_t i = 0; i < 6; ++i)
        EXPECT_EQ(d.images[i].subset, i == 4 ? Subset::Test : Subset::Train) << "image " << i;
}

TEST(OpenAwa2, WrongRowCountIsAnError) {
    TempDir tmp;
    const std::string dir = tmp / "AwA2";
    writeMiniAwa2(dir);
    writeFile(dir + "/predicate-matrix-continuous.txt", "1 2 3\n");
    EXPECT_EQ(dataErrorOf([&] { openDataset("awa2:" + dir); }),
              dir + "/predicate-matrix-continuous.txt: has 1 rows, expected one per class (2 in classes.txt)");
}

TEST(OpenAwa2, RaggedPredicateRowNamesLine) {
    TempDir tmp;
    const std::string dir = tmp / "AwA2";
    writeMiniAwa2(dir);
    writeFile(dir + "/predicate-matrix-continuous.txt", "1 2 3\n4 5 6 7\n");
    EXPECT_EQ(dataErrorOf([&] { openDataset("awa2:" + dir); }),
              dir + "/predicate-matrix-continuous.txt:2: expected 3 values, got 4");
}

// ---------------------------------------------------------------------------------- folder

TEST(OpenFolder, ClassFoldersWithEveryFifthImageForTest) {
    TempDir tmp;
    const std::string dir = tmp / "pets";
    for (const char* name : {"c.JPG", "a.jpg", "b.png", "d.jpeg", "e.bmp", "f.jpg", "notes.txt"})
        writeFile(dir + "/cat/" + name, "x");
    test::fs::create_directories(dir + "/dog");  // a class without images
    writeFile(dir + "/.hidden/z.jpg", "x");
    writeFile(dir + "/colour.csv", "class,red,green\ncat,0.5,0.25\ndog,1,0\n");
    Dataset d = openDataset("folder:" + dir);
    ASSERT_EQ(d.classes.size(), 2u);  // hidden folders are not classes
    EXPECT_EQ(d.classes[0].name, "cat");
    EXPECT_EQ(d.classes[1].id, 1);
    // Six images (notes.txt is not one), sorted by name: a b c d e f; the 5th (e.bmp) is test.
    ASSERT_EQ(d.images.size(), 6u);
    EXPECT_EQ(d.images[2].path, dir + "/cat/c.JPG");
    EXPECT_EQ(d.images[4].path, dir + "/cat/e.bmp");
    EXPECT_EQ(d.images[4].subset, Subset::Test);
    EXPECT_EQ(d.images[5].subset, Subset::Train);
    // colour.csv becomes the modality "colour".
    const Modality* colour = d.modality("colour");
    ASSERT_NE(colour, nullptr);
    EXPECT_EQ(colour->dimNames, (std::vector<std::string>{"red", "green"}));
    EXPECT_EQ(colour->row(0)[1], 0.25f);
}

TEST(OpenFolder, TrainAndTestFoldersAreTheSubsets) {
    TempDir tmp;
    const std::string dir = tmp / "pets";
    writeFile(dir + "/train/cat/1.jpg", "x");
    writeFile(dir + "/train/cat/2.jpg", "x");
    writeFile(dir + "/test/cat/3.jpg", "x");
    writeFile(dir + "/test/fox/4.png", "x");  // a class only in test/
    Dataset d = openDataset("folder:" + dir);
    ASSERT_EQ(d.classes.size(), 2u);
    EXPECT_EQ(d.classes[1].name, "fox");
    ASSERT_EQ(d.images.size(), 4u);
    EXPECT_EQ(d.images[1].subset, Subset::Train);
    EXPECT_EQ(d.images[2].path, dir + "/test/cat/3.jpg");
    EXPECT_EQ(d.images[2].subset, Subset::Test);
    EXPECT_EQ(d.images[3].classIndex, 1);
}

TEST(OpenFolder, TrainWithoutTestIsAnError) {
    TempDir tmp;
    writeFile(tmp / "pets/train/cat/1.jpg", "x");
    EXPECT_EQ(dataErrorOf([&] { openDataset("folder:" + tmp / "pets"); }),
              tmp / "pets: has a train/ folder but no test/ folder; use both, or class folders only");
}

TEST(OpenFolder, BadCsvModalityNamesFileAndLine) {
    TempDir tmp;
    writeFile(tmp / "pets/cat/1.jpg", "x");
    writeFile(tmp / "pets/size.csv", "class,height\ncat,NaN\n");
    EXPECT_EQ(dataErrorOf([&] { openDataset("folder:" + tmp / "pets"); }),
              tmp / "pets/size.csv:2: column \"height\": \"NaN\" is not a finite number");
}

TEST(OpenFolder, EmptyFolderIsAnError) {
    TempDir tmp;
    test::fs::create_directories(tmp / "empty");
    EXPECT_EQ(dataErrorOf([&] { openDataset("folder:" + tmp / "empty"); }),
              tmp / "empty: has no class folders (expected DIR/<class>/<images>)");
}

// --------------------------------------------------------------------------- fashion-mnist

// Train: 5 images labelled 0,5,9,2,3 (image i filled with value 10*i+1); test: 2 images.
void writeMiniFashionMnist(const std::string& dir) {
    std::vector<uint8_t> train(5 * 28 * 28), test(2 * 28 * 28);
    for (size_t i = 0; i < train.size(); ++i) train[i] = uint8_t(10 * (i / 784) + 1);
    for (size_t i = 0; i < test.size(); ++i) test[i] = uint8_t(200 + i / 784);
    writeGzip(dir + "/train-images-idx3-ubyte.gz", idxBytes({5, 28, 28}, train));
    writeGzip(dir + "/train-labels-idx1-ubyte.gz", idxBytes({5}, {0, 5, 9, 2, 3}));
    writeGzip(dir + "/t10k-images-idx3-ubyte.gz", idxBytes({2, 28, 28}, test));
    writeGzip(dir + "/t10k-labels-idx1-ubyte.gz", idxBytes({2}, {8, 1}));
}

TEST(OpenFashionMnist, ReadsLabelsAndAppliesTheEmbeddedDefaults) {
    TempDir tmp;
    const std::string dir = tmp / "fmnist";
    writeMiniFashionMnist(dir);
    Dataset d = openDataset("fashion-mnist:" + dir);
    EXPECT_EQ(d.kind, "fashion-mnist");
    ASSERT_EQ(d.classes.size(), 10u);
    EXPECT_EQ(d.classes[0].name, "T-shirt_top");
    EXPECT_EQ(d.classes[9].name, "Ankle_boot");
    EXPECT_EQ(d.classes[9].id, 9);
    ASSERT_EQ(d.images.size(), 7u);
    EXPECT_EQ(d.images[1].path, "idx:" + dir + "/train-images-idx3-ubyte.gz#1");
    EXPECT_EQ(d.images[1].classIndex, 5);
    EXPECT_EQ(d.images[4].subset, Subset::Train);
    EXPECT_EQ(d.images[5].path, "idx:" + dir + "/t10k-images-idx3-ubyte.gz#0");
    EXPECT_EQ(d.images[5].subset, Subset::Test);
    EXPECT_EQ(d.images[6].classIndex, 1);
    // Embedded datasets/fashion-mnist files: the attribute table and 3 unseen classes.
    const Modality* attributes = d.modality("attributes");
    ASSERT_NE(attributes, nullptr);
    EXPECT_GE(attributes->dims, 15);
    EXPECT_EQ(attributes->source, "embedded:fashion-mnist/attributes.csv");
    EXPECT_EQ(d.unseenCount(), 3);
    EXPECT_EQ(d.seenCount(), 7);
    EXPECT_FALSE(d.classes[size_t(d.classIndexByName("Sandal"))].seen);
    EXPECT_TRUE(d.classes[size_t(d.classIndexByName("Sneaker"))].seen);
}

TEST(OpenFashionMnist, IdxPathsDecodeToTheWrittenPixels) {
    TempDir tmp;
    const std::string dir = tmp / "fmnist";
    writeMiniFashionMnist(dir);
    Dataset d = openDataset("fashion-mnist:" + dir);
    std::string error;
    cv::Mat image = readImage(d.images[3].path, &error);
    ASSERT_FALSE(image.empty()) << error;
    EXPECT_EQ(image.type(), CV_8UC1);
    EXPECT_EQ(image.rows, 28);
    EXPECT_EQ(image.cols, 28);
    EXPECT_EQ(image.at<uint8_t>(27, 27), 31);  // image 3 was filled with 10*3+1
    cv::Mat testImage = readImage(d.images[6].path, &error);
    EXPECT_EQ(testImage.at<uint8_t>(0, 0), 201);  // t10k image 1 was filled with 201
}

TEST(OpenFashionMnist, LabelCountMismatchNamesTheImagesFile) {
    TempDir tmp;
    const std::string dir = tmp / "fmnist";
    writeMiniFashionMnist(dir);
    writeGzip(dir + "/t10k-labels-idx1-ubyte.gz", idxBytes({3}, {1, 2, 3}));
    EXPECT_EQ(
        dataErrorOf([&] { openDataset("fashion-mnist:" + dir); }),
        dir + "/t10k-images-idx3-ubyte.gz: holds 2 images but " + dir + "/t10k-labels-idx1-ubyte.gz has 3 labels");
}

TEST(OpenFashionMnist, TruncatedLabelsFileIsAnError) {
    TempDir tmp;
    const std::string dir = tmp / "fmnist";
    writeMiniFashionMnist(dir);
    // The header promises 5 labels, the data holds 3.
    writeGzip(dir + "/train-labels-idx1-ubyte.gz", idxBytes({5}, {1, 2, 3}));
    EXPECT_EQ(dataErrorOf([&] { openDataset("fashion-mnist:" + dir); }),
              dir + "/train-labels-idx1-ubyte.gz: truncated: expected 5 bytes of data, got 3");
}

TEST(OpenFashionMnist, NotAnIdxFileIsAnError) {
    TempDir tmp;
    const std::string dir = tmp / "fmnist";
    writeMiniFashionMnist(dir);
    writeGzip(dir + "/train-images-idx3-ubyte.gz", "<html>not found</html>");
    EXPECT_EQ(dataErrorOf([&] { openDataset("fashion-mnist:" + dir); }),
              dir + "/train-images-idx3-ubyte.gz: not an IDX file (bad magic number)");
}

TEST(OpenFashionMnist, TruncatedImagesFileFailsWhenOpened) {
    // Opening streams through the images file (issue 13 item 12): a truncated one used to open
    // fine and its images were then skipped one by one without naming the file.
    TempDir tmp;
    const std::string dir = tmp / "fmnist";
    writeMiniFashionMnist(dir);
    std::vector<uint8_t> partial(3 * 28 * 28, 7);
    writeGzip(dir + "/train-images-idx3-ubyte.gz", idxBytes({5, 28, 28}, partial));
    EXPECT_EQ(dataErrorOf([&] { openDataset("fashion-mnist:" + dir); }),
              dir + "/train-images-idx3-ubyte.gz: truncated: expected 3920 bytes of data, got 2352");
}

TEST(OpenFashionMnist, MissingFileNamesIt) {
    TempDir tmp;
    const std::string dir = tmp / "fmnist";
    writeMiniFashionMnist(dir);
    test::fs::remove(dir + "/t10k-labels-idx1-ubyte.gz");
    EXPECT_EQ(dataErrorOf([&] { openDataset("fashion-mnist:" + dir); }),
              dir + "/t10k-labels-idx1-ubyte.gz: cannot open (No such file or directory)");
}

// ----------------------------------------------------------------------------------- specs

TEST(OpenDataset, UnknownKindListsTheValidKinds) {
    EXPECT_EQ(dataErrorOf([] { openDataset("imagenet:/data"); }),
              "unknown data set kind \"imagenet\" in \"imagenet:/data\" (valid: cub:DIR, awa2:DIR, "
              "folder:DIR, fashion-mnist[:DIR])");
}

TEST(OpenDataset, KindWithoutDirectoryIsAnError) {
    EXPECT_EQ(dataErrorOf([] { openDataset("cub:"); }), "data set spec \"cub:\": missing directory (cub:DIR)");
}

}  // namespace
}  // namespace niwt
