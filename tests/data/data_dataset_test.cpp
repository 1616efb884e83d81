// Dataset's member functions and located().
#include <gtest/gtest.h>

#include "core/data/dataset.h"

namespace niwt {
namespace {

Dataset threeClassDataset() {
    Dataset d;
    d.kind = "cub";
    d.root = "/data/CUB";
    d.classes = {
        {1, "001.Black_footed_Albatross", true}, {2, "002.Laysan_Albatross", false}, {3, "003.Sooty_Albatross", true}};
    d.images = {{"/data/CUB/images/a.jpg", 0, Subset::Train},
                {"/data/CUB/images/b.jpg", 0, Subset::Test},
                {"/data/CUB/images/c.jpg", 1, Subset::Train},
                {"/data/CUB/images/d.jpg", 1, Subset::Test},
                {"/data/CUB/images/e.jpg", 2, Subset::Test}};
    return d;
}

TEST(Located, JoinsFileLineAndMessage) {
    // The documented "FILE:LINE: message" form, and "FILE: message" without a line.
    EXPECT_EQ(located("classes.txt", 17, "bad"), "classes.txt:17: bad");
    EXPECT_EQ(located("classes.txt", 0, "cannot open"), "classes.txt: cannot open");
}

TEST(Dataset, FindsClassesByExactName) {
    Dataset d = threeClassDataset();
    EXPECT_EQ(d.classIndexByName("002.Laysan_Albatross"), 1);
    // classIndexByName is exact: the bare name is not found...
    EXPECT_EQ(d.classIndexByName("Laysan_Albatross"), -1);
    // ...but classIndexMatching tolerates the missing "NNN." prefix.
    EXPECT_EQ(d.classIndexMatching("Laysan_Albatross"), 1);
    EXPECT_EQ(d.classIndexMatching("Unknown_Bird"), -1);
}

TEST(Dataset, MatchingToleratesPrefixOnTheQueryWhenClassesHaveNone) {
    Dataset d;
    d.classes = {{0, "antelope", true}, {1, "grizzly+bear", true}};
    // A CUB-style numbered name finds the bare class name (folder data sets have no numbers).
    EXPECT_EQ(d.classIndexMatching("002.grizzly+bear"), 1);
}

TEST(Dataset, AmbiguousBareNameMatchesNothing) {
    Dataset d;
    d.classes = {{1, "001.Gull", true}, {2, "002.Gull", true}};
    // Two classes differ only by number: guessing would silently pick the wrong one.
    EXPECT_EQ(d.classIndexMatching("Gull"), -1);
    EXPECT_EQ(d.classIndexMatching("002.Gull"), 1);
}

TEST(Dataset, CountsAndIndicesFollowSeenFlags) {
    Dataset d = threeClassDataset();
    EXPECT_EQ(d.seenCount(), 2);    // classes 0 and 2
    EXPECT_EQ(d.unseenCount(), 1);  // class 1
    EXPECT_EQ(d.imageIndices(true, Subset::Train), (std::vector<int>{0}));
    EXPECT_EQ(d.imageIndices(true, Subset::Test), (std::vector<int>{1, 4}));
    EXPECT_EQ(d.imageIndices(false, Subset::Test), (std::vector<int>{3}));
    EXPECT_EQ(d.imageIndices(true), (std::vector<int>{0, 1, 4}));
    EXPECT_EQ(d.imageIndices(false), (std::vector<int>{2, 3}));
}

TEST(Dataset, ClassesOutsideTheSplitAreNeitherSeenNorUnseen) {
    Dataset d = threeClassDataset();
    d.classes[2].inSplit = false;
    d.classes[2].seen = false;
    EXPECT_EQ(d.seenCount(), 1);
    EXPECT_EQ(d.unseenCount(), 1);
    // Image 4 (class 2) appears in neither list.
    EXPECT_EQ(d.imageIndices(true), (std::vector<int>{0, 1}));
    EXPECT_EQ(d.imageIndices(false), (std::vector<int>{2, 3}));
}

TEST(Dataset, FindsModalitiesByName) {
    Dataset d = threeClassDataset();
    Modality m;
    m.name = "attributes";
    m.dims = 2;
    m.values = {1, 2, 3, 4, 5, 6};
    d.modalities.push_back(m);
    ASSERT_NE(d.modality("attributes"), nullptr);
    EXPECT_EQ(d.modality("attributes")->row(1)[0], 3.0f);  // row 1 starts at value index 2
    EXPECT_EQ(d.modality("captions"), nullptr);
}

TEST(DatasetFingerprint, IsAStableFnv1aHexString) {
    // Cache keys written to disk use this value; it must not change between builds or
    // releases. The golden value was computed once from this data set (and checked against an
    // independent Python FNV-1a of the same byte sequence).
    Dataset d = threeClassDataset();
    const std::string fingerprint = d.fingerprint();
    EXPECT_EQ(fingerprint.size(), 16u);
    EXPECT_EQ(fingerprint, "4572d3e0293bcda4");
    EXPECT_EQ(threeClassDataset().fingerprint(), fingerprint);
}

TEST(DatasetFingerprint, IgnoresWhereTheDataSetLives) {
    // Image paths are hashed relative to root, so a copied data set keeps its cache entries.
    Dataset a = threeClassDataset();
    Dataset b = threeClassDataset();
    b.root = "/mnt/other/CUB";
    for (ImageInfo& image : b.images) image.path.replace(0, 9, "/mnt/other/CUB");
    EXPECT_EQ(a.fingerprint(), b.fingerprint());
}

TEST(DatasetFingerprint, IdxPathsAreRelativeToRootToo) {
    Dataset a, b;
    a.kind = b.kind = "fashion-mnist";
    a.root = "/usr/share/datasets/fashion-mnist";
    b.root = "/home/me/fmnist";
    a.classes = b.classes = {{0, "T-shirt_top", true}};
    a.images = {{"idx:/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz#0", 0, Subset::Train}};
    b.images = {{"idx:/home/me/fmnist/train-images-idx3-ubyte.gz#0", 0, Subset::Train}};
    EXPECT_EQ(a.fingerprint(), b.fingerprint());
}

TEST(DatasetFingerprint, ChangesWithEveryIngredient) {
    const std::string base = threeClassDataset().fingerprint();
    Dataset d = threeClassDataset();
    d.images[0].subset = Subset::Test;
    EXPECT_NE(d.fingerprint(), base) << "subset";
    d = threeClassDataset();
    d.images[0].classIndex = 2;
    EXPECT_NE(d.fingerprint(), base) << "class index";
    d = threeClassDataset();
    d.images[0].path += "x";
    EXPECT_NE(d.fingerprint(), base) << "path";
    d = threeClassDataset();
    d.classes[1].seen = true;
    EXPECT_NE(d.fingerprint(), base) << "seen flag";
    d = threeClassDataset();
    d.classes[1].inSplit = false;
    EXPECT_NE(d.fingerprint(), base) << "inSplit flag";
    d = threeClassDataset();
    d.classes[1].name = "002.Laysan";
    EXPECT_NE(d.fingerprint(), base) << "class name";
    d = threeClassDataset();
    d.kind = "folder";
    EXPECT_NE(d.fingerprint(), base) << "kind";
    d = threeClassDataset();
    d.images.pop_back();
    EXPECT_NE(d.fingerprint(), base) << "image count";
}

}  // namespace
}  // namespace niwt
