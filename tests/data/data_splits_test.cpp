// applySplit: xlsa17 class lists, att_splits.mat (written here with matio) and classes: lists.
#include <gtest/gtest.h>
#include <matio.h>

#include <cmath>

#include "core/data/loaders.h"
#include "test_support.h"

namespace niwt {
namespace {

using test::dataErrorOf;
using test::TempDir;
using test::writeFile;

Dataset birds() {
    Dataset d;
    d.kind = "cub";
    d.classes = {{1, "001.Alpha_Bird"}, {2, "002.Beta_Bird"}, {3, "003.Gamma_Bird"}, {4, "004.Delta_Bird"}};
    d.images = {{"/a.jpg", 0, Subset::Train},
                {"/b.jpg", 1, Subset::Train},
                {"/c.jpg", 2, Subset::Test},
                {"/d.jpg", 3, Subset::Test}};
    Modality attributes;
    attributes.name = "attributes";
    attributes.dims = 2;
    attributes.dimNames = {"has_bill_shape::dagger", "has_wing_color::blue"};
    attributes.values = {1, 2, 3, 4, 5, 6, 7, 8};
    d.modalities.push_back(attributes);
    return d;
}

// Writes an att_splits.mat like xlsa17's: `allclasses_names` (cell of char arrays) and `att`
// (dims x classes, column-major doubles), zlib-compressed MATLAB v5.
void writeAttSplits(const std::string& path, const std::vector<std::string>& names,
                    const std::vector<std::vector<double>>& columns) {
    mat_t* mat = Mat_CreateVer(path.c_str(), nullptr, MAT_FT_MAT5);
    ASSERT_NE(mat, nullptr);
    size_t cellDims[2] = {names.size(), 1};
    matvar_t* cell = Mat_VarCreate("allclasses_names", MAT_C_CELL, MAT_T_CELL, 2, cellDims, nullptr, 0);
    for (size_t i = 0; i < names.size(); ++i) {
        size_t charDims[2] = {1, names[i].size()};
        matvar_t* text =
            Mat_VarCreate(nullptr, MAT_C_CHAR, MAT_T_UTF8, 2, charDims, const_cast<char*>(names[i].data()), 0);
        Mat_VarSetCell(cell, int(i), text);
    }
    Mat_VarWrite(mat, cell, MAT_COMPRESSION_ZLIB);
    Mat_VarFree(cell);
    std::vector<double> att;
    for (const auto& column : columns) att.insert(att.end(), column.begin(), column.end());
    size_t attDims[2] = {columns.empty() ? 0 : columns[0].size(), columns.size()};
    matvar_t* matrix = Mat_VarCreate("att", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, attDims, att.data(), 0);
    Mat_VarWrite(mat, matrix, MAT_COMPRESSION_ZLIB);
    Mat_VarFree(matrix);
    Mat_Close(mat);
}

TEST(Xlsa17Split, ListsSetSeenAndUnseenToleratingTheNumberPrefix) {
    TempDir tmp;
    writeFile(tmp / "trainvalclasses.txt", "001.Alpha_Bird\nBeta_Bird\n");  // second without "002."
    writeFile(tmp / "testclasses.txt", "003.Gamma_Bird\n004.Delta_Bird\n");
    Dataset d = birds();
    applySplit(d, "xlsa17:" + tmp.path());
    EXPECT_TRUE(d.classes[0].seen);
    EXPECT_TRUE(d.classes[1].seen);
    EXPECT_FALSE(d.classes[2].seen);
    EXPECT_FALSE(d.classes[3].seen);
    EXPECT_EQ(d.seenCount(), 2);
    EXPECT_EQ(d.unseenCount(), 2);
    EXPECT_EQ(d.imageIndices(false, Subset::Test), (std::vector<int>{2, 3}));
    EXPECT_EQ(d.modality("att_splits"), nullptr);  // no att_splits.mat here
}

TEST(Xlsa17Split, ClassesInNeitherListAreOutOfTheSplit) {
    TempDir tmp;
    writeFile(tmp / "trainvalclasses.txt", "001.Alpha_Bird\n002.Beta_Bird\n");
    writeFile(tmp / "testclasses.txt", "003.Gamma_Bird\n");
    Dataset d = birds();
    applySplit(d, "xlsa17:" + tmp.path());
    // Delta is listed nowhere: kept with its image, but neither seen nor unseen.
    EXPECT_FALSE(d.classes[3].inSplit);
    EXPECT_FALSE(d.classes[3].seen);
    EXPECT_EQ(d.seenCount(), 2);
    EXPECT_EQ(d.unseenCount(), 1);
    EXPECT_EQ(d.images.size(), 4u);
    EXPECT_EQ(d.imageIndices(false), (std::vector<int>{2}));
}

TEST(Xlsa17Split, UnknownNameNamesFileAndLine) {
    TempDir tmp;
    writeFile(tmp / "trainvalclasses.txt", "001.Alpha_Bird\n002.Beta_Bird\n");
    writeFile(tmp / "testclasses.txt", "003.Gamma_Bird\n\n005.Epsilon_Bird\n");
    Dataset d = birds();
    EXPECT_EQ(dataErrorOf([&] { applySplit(d, "xlsa17:" + tmp.path()); }),
              tmp / "testclasses.txt:3: no class named \"005.Epsilon_Bird\" in the data set");
    EXPECT_TRUE(d.classes[2].seen) << "a failed split leaves the data set as it was";
}

TEST(Xlsa17Split, ClassInBothListsIsAnError) {
    TempDir tmp;
    writeFile(tmp / "trainvalclasses.txt", "001.Alpha_Bird\n002.Beta_Bird\n");
    writeFile(tmp / "testclasses.txt", "002.Beta_Bird\n");
    Dataset d = birds();
    EXPECT_EQ(
        dataErrorOf([&] { applySplit(d, "xlsa17:" + tmp.path()); }),
        tmp / "testclasses.txt:1: class \"002.Beta_Bird\" is also listed in " + tmp / "trainvalclasses.txt line 2");
}

TEST(Xlsa17Split, OneListMissingNamesIt) {
    TempDir tmp;
    writeFile(tmp / "trainvalclasses.txt", "001.Alpha_Bird\n");
    Dataset d = birds();
    EXPECT_EQ(dataErrorOf([&] { applySplit(d, "xlsa17:" + tmp.path()); }),
              tmp / "testclasses.txt: cannot open (No such file or directory)");
}

TEST(Xlsa17Split, AttSplitsMatBecomesANormalisedModality) {
    TempDir tmp;
    writeFile(tmp / "trainvalclasses.txt", "001.Alpha_Bird\n002.Beta_Bird\n");
    writeFile(tmp / "testclasses.txt", "003.Gamma_Bird\n004.Delta_Bird\n");
    // Class order in the .mat differs from the data set's (as in xlsa17): matched by name.
    writeAttSplits(tmp / "att_splits.mat", {"004.Delta_Bird", "001.Alpha_Bird", "Beta_Bird", "003.Gamma_Bird"},
                   {{0, 2}, {3, 4}, {1, 0}, {0.6, 0.8}});
    Dataset d = birds();
    applySplit(d, "xlsa17:" + tmp.path());
    const Modality* att = d.modality("att_splits");
    ASSERT_NE(att, nullptr);
    EXPECT_EQ(att->dims, 2);
    EXPECT_EQ(att->source, tmp / "att_splits.mat");
    // Alpha's column (3,4) has length 5: normalised to (0.6, 0.8).
    EXPECT_FLOAT_EQ(att->row(0)[0], 0.6f);
    EXPECT_FLOAT_EQ(att->row(0)[1], 0.8f);
    EXPECT_FLOAT_EQ(att->row(1)[0], 1.0f);  // Beta (1,0)
    EXPECT_FLOAT_EQ(att->row(3)[1], 1.0f);  // Delta (0,2) -> (0,1)
    // Same size as "attributes": its dimension names are reused.
    EXPECT_EQ(att->dimNames, d.modality("attributes")->dimNames);

    // Applying again replaces the modality rather than adding a second one.
    applySplit(d, "xlsa17:" + tmp.path());
    EXPECT_EQ(d.modalities.size(), 2u);
}

TEST(Xlsa17Split, MatWithoutListsOnlyAddsTheModality) {
    TempDir tmp;
    writeAttSplits(tmp / "att_splits.mat", {"001.Alpha_Bird", "002.Beta_Bird", "003.Gamma_Bird", "004.Delta_Bird"},
                   {{1}, {1}, {1}, {1}});
    Dataset d = birds();
    applySplit(d, "xlsa17:" + tmp.path());
    EXPECT_EQ(d.seenCount(), 4);  // seen flags untouched
    ASSERT_NE(d.modality("att_splits"), nullptr);
    EXPECT_EQ(d.modality("att_splits")->dims, 1);
    EXPECT_TRUE(d.modality("att_splits")->dimNames.empty());  // 1 != 2 attribute names
}

TEST(Xlsa17Split, MatNamingAnUnknownClassIsAnError) {
    TempDir tmp;
    writeAttSplits(tmp / "att_splits.mat", {"001.Alpha_Bird", "002.Beta_Bird", "003.Gamma_Bird", "009.Zeta_Bird"},
                   {{1}, {1}, {1}, {1}});
    Dataset d = birds();
    EXPECT_EQ(dataErrorOf([&] { applySplit(d, "xlsa17:" + tmp.path()); }),
              tmp / "att_splits.mat: class \"009.Zeta_Bird\" (allclasses_names entry 4) is not in the data set");
}

TEST(Xlsa17Split, MatWithoutAClassIsAnError) {
    TempDir tmp;
    writeAttSplits(tmp / "att_splits.mat", {"001.Alpha_Bird", "002.Beta_Bird", "003.Gamma_Bird"}, {{1}, {1}, {1}});
    Dataset d = birds();
    EXPECT_EQ(dataErrorOf([&] { applySplit(d, "xlsa17:" + tmp.path()); }),
              tmp / "att_splits.mat: \"allclasses_names\" does not name class \"004.Delta_Bird\"");
}

TEST(Xlsa17Split, NanInAttIsAnError) {
    TempDir tmp;
    writeAttSplits(tmp / "att_splits.mat", {"001.Alpha_Bird", "002.Beta_Bird", "003.Gamma_Bird", "004.Delta_Bird"},
                   {{1}, {std::nan("")}, {1}, {1}});
    Dataset d = birds();
    EXPECT_EQ(dataErrorOf([&] { applySplit(d, "xlsa17:" + tmp.path()); }),
              tmp / "att_splits.mat: \"att\" column 2 (002.Beta_Bird) holds a value that is not finite");
}

TEST(Xlsa17Split, NotAMatFileIsAnError) {
    TempDir tmp;
    writeFile(tmp / "att_splits.mat",
              "this is not a MATLAB file, just some text that is long enough "
              "to hold a header of 128 bytes ......................................");
    Dataset d = birds();
    EXPECT_EQ(dataErrorOf([&] { applySplit(d, "xlsa17:" + tmp.path()); }),
              tmp / "att_splits.mat: cannot open as a MATLAB file");
}

TEST(Xlsa17Split, EmptyDirectoryIsAnError) {
    TempDir tmp;
    Dataset d = birds();
    EXPECT_EQ(dataErrorOf([&] { applySplit(d, "xlsa17:" + tmp.path()); }),
              tmp.path() + ": has none of trainvalclasses.txt, testclasses.txt, att_splits.mat");
}

TEST(ClassesSplit, ListedClassesAreUnseenAllOthersSeen) {
    TempDir tmp;
    writeFile(tmp / "unseen.txt", "# comment\nGamma_Bird\n");
    Dataset d = birds();
    d.classes[0].seen = false;     // reset by the new split
    d.classes[1].inSplit = false;  // ditto
    applySplit(d, "classes:" + tmp / "unseen.txt");
    EXPECT_EQ(d.seenCount(), 3);
    EXPECT_EQ(d.unseenCount(), 1);
    EXPECT_FALSE(d.classes[2].seen);
    EXPECT_TRUE(d.classes[1].inSplit);
}

TEST(ClassesSplit, UnknownNameNamesFileAndLine) {
    TempDir tmp;
    writeFile(tmp / "unseen.txt", "Gamma_Bird\nOstrich\n");
    Dataset d = birds();
    EXPECT_EQ(dataErrorOf([&] { applySplit(d, "classes:" + tmp / "unseen.txt"); }),
              tmp / "unseen.txt:2: no class named \"Ostrich\" in the data set");
}

TEST(ApplySplit, UnknownKindListsValidKinds) {
    Dataset d = birds();
    EXPECT_EQ(dataErrorOf([&] { applySplit(d, "random:0.2"); }),
              "split spec \"random:0.2\": unknown kind or missing argument (valid: xlsa17:DIR, classes:FILE)");
}

}  // namespace
}  // namespace niwt
