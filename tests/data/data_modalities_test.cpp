// addModality / readCsvModality: class-level vectors from CSV files.
#include <gtest/gtest.h>

#include "core/data/loaders.h"
#include "test_support.h"

namespace niwt {
namespace {

using test::dataErrorOf;
using test::TempDir;
using test::writeFile;

Dataset birds() {
    Dataset d;
    d.classes = {{1, "001.Alpha_Bird"}, {2, "002.Beta_Bird"}, {3, "003.Gamma_Bird"}};
    return d;
}

TEST(AddModality, ReadsRowsByClassNameInAnyOrder) {
    TempDir tmp;
    // BOM, CRLF, a quoted header cell, names with and without CUB's "NNN." prefix.
    writeFile(tmp / "colour.csv",
              "\xEF\xBB\xBF"
              "class,red,\"green, light\"\r\n"
              "Gamma_Bird,0.5,1\r\n001.Alpha_Bird,1e-1,0\r\n\"Beta_Bird\",-2,3\r\n");
    Dataset d = birds();
    addModality(d, "colour=csv:" + tmp / "colour.csv");
    const Modality* m = d.modality("colour");
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->dims, 2);
    EXPECT_EQ(m->dimNames, (std::vector<std::string>{"red", "green, light"}));
    EXPECT_EQ(m->source, tmp / "colour.csv");
    // Rows follow dataset.classes, not the file: Alpha, Beta, Gamma.
    EXPECT_EQ(m->values, (std::vector<float>{0.1f, 0.0f, -2.0f, 3.0f, 0.5f, 1.0f}));
}

TEST(AddModality, MissingFileNamesIt) {
    TempDir tmp;
    Dataset d = birds();
    EXPECT_EQ(dataErrorOf([&] { addModality(d, "colour=csv:" + tmp / "colour.csv"); }),
              tmp / "colour.csv: cannot open (No such file or directory)");
}

TEST(AddModality, HeaderMissingIsAnError) {
    TempDir tmp;
    writeFile(tmp / "m.csv", "001.Alpha_Bird,1\n002.Beta_Bird,2\n");
    Dataset d = birds();
    EXPECT_EQ(dataErrorOf([&] { addModality(d, "m=csv:" + tmp / "m.csv"); }),
              tmp / "m.csv:1: header missing: expected \"class,<dim name>,...\", got \"001.Alpha_Bird,1\"");
}

TEST(AddModality, RaggedRowNamesLine) {
    TempDir tmp;
    writeFile(tmp / "m.csv", "class,a,b\nAlpha_Bird,1,2\nBeta_Bird,1\nGamma_Bird,1,2\n");
    Dataset d = birds();
    EXPECT_EQ(dataErrorOf([&] { addModality(d, "m=csv:" + tmp / "m.csv"); }),
              tmp / "m.csv:3: expected 3 fields as in the header, got 2");
}

TEST(AddModality, UnknownClassNamesLine) {
    TempDir tmp;
    writeFile(tmp / "m.csv", "class,a\nAlpha_Bird,1\nOstrich,2\n");
    Dataset d = birds();
    EXPECT_EQ(dataErrorOf([&] { addModality(d, "m=csv:" + tmp / "m.csv"); }),
              tmp / "m.csv:3: unknown class \"Ostrich\"");
}

TEST(AddModality, DuplicateClassNamesBothLines) {
    TempDir tmp;
    // The same class once with and once without its number prefix.
    writeFile(tmp / "m.csv", "class,a\nAlpha_Bird,1\nBeta_Bird,2\n001.Alpha_Bird,3\n");
    Dataset d = birds();
    EXPECT_EQ(dataErrorOf([&] { addModality(d, "m=csv:" + tmp / "m.csv"); }),
              tmp / "m.csv:4: duplicate row for class \"001.Alpha_Bird\" (first at line 2)");
}

TEST(AddModality, NanInfAndTextValuesAreErrors) {
    TempDir tmp;
    Dataset d = birds();
    writeFile(tmp / "nan.csv", "class,a,b\nAlpha_Bird,1,nan\n");
    EXPECT_EQ(dataErrorOf([&] { addModality(d, "m=csv:" + tmp / "nan.csv"); }),
              tmp / "nan.csv:2: column \"b\": \"nan\" is not a finite number");
    writeFile(tmp / "inf.csv", "class,a\nAlpha_Bird,-inf\n");
    EXPECT_EQ(dataErrorOf([&] { addModality(d, "m=csv:" + tmp / "inf.csv"); }),
              tmp / "inf.csv:2: column \"a\": \"-inf\" is not a finite number");
    writeFile(tmp / "text.csv", "class,a\nAlpha_Bird,yes\n");
    EXPECT_EQ(dataErrorOf([&] { addModality(d, "m=csv:" + tmp / "text.csv"); }),
              tmp / "text.csv:2: column \"a\": \"yes\" is not a number");
    writeFile(tmp / "empty.csv", "class,a\nAlpha_Bird,\n");
    EXPECT_EQ(dataErrorOf([&] { addModality(d, "m=csv:" + tmp / "empty.csv"); }),
              tmp / "empty.csv:2: column \"a\": \"\" is not a number");
}

TEST(AddModality, ClassesWithoutRowsAreCountedAndTheFirstNamed) {
    TempDir tmp;
    writeFile(tmp / "m.csv", "class,a\nBeta_Bird,1\n");
    Dataset d = birds();
    EXPECT_EQ(dataErrorOf([&] { addModality(d, "m=csv:" + tmp / "m.csv"); }),
              tmp / "m.csv: no row for 2 of 3 classes (first missing: \"001.Alpha_Bird\")");
}

TEST(AddModality, EmptyFileAndHeaderOnlyClass) {
    TempDir tmp;
    Dataset d = birds();
    writeFile(tmp / "empty.csv", "\n");
    EXPECT_EQ(dataErrorOf([&] { addModality(d, "m=csv:" + tmp / "empty.csv"); }),
              tmp / "empty.csv: empty; expected a header row \"class,<dim name>,...\"");
    writeFile(tmp / "nodims.csv", "class\nAlpha_Bird\n");
    EXPECT_EQ(dataErrorOf([&] { addModality(d, "m=csv:" + tmp / "nodims.csv"); }),
              tmp / "nodims.csv:1: header names no dimensions after \"class\"");
    writeFile(tmp / "dup.csv", "class,a,a\n");
    EXPECT_EQ(dataErrorOf([&] { addModality(d, "m=csv:" + tmp / "dup.csv"); }),
              tmp / "dup.csv:1: duplicate column \"a\"");
}

TEST(AddModality, BadSpecsAndDuplicateNames) {
    TempDir tmp;
    writeFile(tmp / "m.csv", "class,a\nAlpha_Bird,1\nBeta_Bird,2\nGamma_Bird,3\n");
    Dataset d = birds();
    EXPECT_EQ(dataErrorOf([&] { addModality(d, "csv:" + tmp / "m.csv"); }),
              "modality spec \"csv:" + tmp / "m.csv\": expected NAME=csv:FILE");
    EXPECT_EQ(dataErrorOf([&] { addModality(d, "m=json:" + tmp / "m.csv"); }),
              "modality spec \"m=json:" + tmp / "m.csv\": expected NAME=csv:FILE");
    addModality(d, "m=csv:" + tmp / "m.csv");
    EXPECT_EQ(dataErrorOf([&] { addModality(d, "m=csv:" + tmp / "m.csv"); }),
              "modality spec \"m=csv:" + tmp / "m.csv\": the data set already has a modality \"m\"");
}

}  // namespace
}  // namespace niwt
