// Whitespace-separated metadata tables (text_table.h).
#include "core/data/text_table.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace niwt {
namespace {

using test::dataErrorOf;
using test::TempDir;
using test::writeFile;

TEST(TextTable, SkipsBlankLinesAndKeepsLineNumbers) {
    TextTable t = TextTable::parse(
        "\xEF\xBB\xBF"
        "1 a\r\n\n  \n2\tb c \r\n",
        "f.txt");
    ASSERT_EQ(t.size(), 2u);
    // Line 1 after the byte order mark; blank lines 2-3 are skipped, so the next is line 4.
    EXPECT_EQ(t.lines()[0].number, 1);
    EXPECT_EQ(t.lines()[0].fields, (std::vector<std::string>{"1", "a"}));
    EXPECT_EQ(t.lines()[1].number, 4);
    EXPECT_EQ(t.lines()[1].text, "2\tb c");  // CR and trailing blanks removed
    EXPECT_EQ(t.lines()[1].fields, (std::vector<std::string>{"2", "b", "c"}));
}

TEST(TextTable, MissingFileNamesFileAndReason) {
    TempDir dir;
    // The documented form "FILE: cannot open (strerror)".
    EXPECT_EQ(dataErrorOf([&] { TextTable::read(dir / "classes.txt"); }),
              dir / "classes.txt: cannot open (No such file or directory)");
}

TEST(ReadIdNames, ReadsAwa2StyleIndentedTabSeparatedLines) {
    TempDir dir;
    writeFile(dir / "classes.txt", "     1\tantelope\n     2\tgrizzly+bear\n");
    auto names = readIdNames(dir / "classes.txt", "<index>\\t<name>");
    ASSERT_EQ(names.size(), 2u);
    EXPECT_EQ(names[1].id, 2);
    EXPECT_EQ(names[1].name, "grizzly+bear");
    EXPECT_EQ(names[1].line, 2);
}

TEST(ReadIdNames, NameIsTheRestOfTheLine) {
    TempDir dir;
    writeFile(dir / "images.txt", "7 folder name/file 1.jpg\n");
    // Paths with spaces survive: only the first field is the id.
    EXPECT_EQ(readIdNames(dir / "images.txt", "<id> <path>")[0].name, "folder name/file 1.jpg");
}

TEST(ReadIdNames, BadLineNamesFileLineAndText) {
    TempDir dir;
    writeFile(dir / "classes.txt", "1 001.A\n2 002.B\nthree 003.C\n");
    EXPECT_EQ(dataErrorOf([&] { readIdNames(dir / "classes.txt", "<id> <name>"); }),
              dir / "classes.txt:3: expected \"<id> <name>\", got \"three 003.C\"");
}

TEST(ReadIdPairs, RejectsExtraFields) {
    TempDir dir;
    writeFile(dir / "labels.txt", "1 1\n2 1 5\n");
    EXPECT_EQ(dataErrorOf([&] { readIdPairs(dir / "labels.txt", "<image id> <class id>"); }),
              dir / "labels.txt:2: expected \"<image id> <class id>\", got \"2 1 5\"");
}

TEST(ReadFloatMatrix, ReadsRowsOfEqualLength) {
    TempDir dir;
    writeFile(dir / "m.txt", "  0.00  1.5 \n+2 -3e1 \n");
    FloatMatrix m = readFloatMatrix(dir / "m.txt");
    EXPECT_EQ(m.rows, 2);
    EXPECT_EQ(m.columns, 2);  // taken from the first row
    EXPECT_EQ(m.values, (std::vector<float>{0.0f, 1.5f, 2.0f, -30.0f}));
}

TEST(ReadFloatMatrix, RaggedRowNamesLineAndCounts) {
    TempDir dir;
    writeFile(dir / "m.txt", "1 2 3\n4 5\n");
    EXPECT_EQ(dataErrorOf([&] { readFloatMatrix(dir / "m.txt", 3); }), dir / "m.txt:2: expected 3 values, got 2");
}

TEST(ReadFloatMatrix, NonNumericAndNonFiniteValuesAreErrors) {
    TempDir dir;
    writeFile(dir / "a.txt", "1 2\n3 x4\n");
    EXPECT_EQ(dataErrorOf([&] { readFloatMatrix(dir / "a.txt"); }), dir / "a.txt:2: value 2 \"x4\" is not a number");
    writeFile(dir / "b.txt", "nan 2\n");
    EXPECT_EQ(dataErrorOf([&] { readFloatMatrix(dir / "b.txt"); }), dir / "b.txt:1: value 1 \"nan\" is not finite");
}

TEST(ReadNameList, SkipsCommentsAndBlankLines) {
    TempDir dir;
    writeFile(dir / "unseen.txt", "# unseen classes\n\nSandal\n  Bag  \n");
    auto names = readNameList(dir / "unseen.txt");
    ASSERT_EQ(names.size(), 2u);
    EXPECT_EQ(names[0].name, "Sandal");
    EXPECT_EQ(names[0].line, 3);
    EXPECT_EQ(names[1].name, "Bag");  // surrounding blanks removed
}

TEST(ParseNumbers, AreLocaleIndependentAndStrict) {
    float f = 0;
    EXPECT_TRUE(parseFloat("2.5", &f));
    EXPECT_EQ(f, 2.5f);
    EXPECT_FALSE(parseFloat("2,5", &f));  // a decimal comma is not a number here
    EXPECT_FALSE(parseFloat("", &f));
    EXPECT_FALSE(parseFloat("1.0abc", &f));
    long l = 0;
    EXPECT_TRUE(parseLong("+42", &l));
    EXPECT_EQ(l, 42);
    EXPECT_FALSE(parseLong("4.2", &l));
}

}  // namespace
}  // namespace niwt
