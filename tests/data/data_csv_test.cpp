// CSV parsing (csv.h).
#include "core/data/csv.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace niwt {
namespace {

using test::dataErrorOf;

std::vector<std::vector<std::string>> fieldsOf(const std::vector<CsvRow>& rows) {
    std::vector<std::vector<std::string>> fields;
    for (const CsvRow& row : rows) fields.push_back(row.fields);
    return fields;
}

TEST(Csv, PlainRowsWithLfOrCrlf) {
    auto rows = parseCsv("class,a,b\r\nX,1,2\nY, 3 ,4", "f.csv");
    // Unquoted fields lose surrounding blanks; the last line needs no line break.
    EXPECT_EQ(fieldsOf(rows),
              (std::vector<std::vector<std::string>>{{"class", "a", "b"}, {"X", "1", "2"}, {"Y", "3", "4"}}));
    EXPECT_EQ(rows[2].line, 3);
}

TEST(Csv, ByteOrderMarkIsDropped) {
    auto rows = parseCsv(
        "\xEF\xBB\xBF"
        "class,a\n",
        "f.csv");
    EXPECT_EQ(rows[0].fields[0], "class");  // not "\xEF\xBB\xBFclass"
}

TEST(Csv, QuotedFieldsKeepCommasQuotesAndLineBreaks) {
    auto rows = parseCsv("\"a, b\",\"say \"\"hi\"\"\", \"two\nlines\"\nnext,1,2\n", "f.csv");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].fields, (std::vector<std::string>{"a, b", "say \"hi\"", "two\nlines"}));
    // The quoted line break belongs to row 1, so the next row starts on line 3.
    EXPECT_EQ(rows[1].line, 3);
}

TEST(Csv, BlankLinesAreSkippedButEmptyFieldsKept) {
    auto rows = parseCsv("a,b\n\n\r\n,\nc,\n", "f.csv");
    EXPECT_EQ(fieldsOf(rows), (std::vector<std::vector<std::string>>{{"a", "b"}, {"", ""}, {"c", ""}}));
    EXPECT_EQ(rows[1].line, 4);
}

TEST(Csv, UnterminatedQuoteNamesTheLineItStarted) {
    EXPECT_EQ(dataErrorOf([] { parseCsv("a,b\nc,\"open\n\nmore", "f.csv"); }), "f.csv:2: unterminated quoted field");
}

TEST(Csv, TextAfterClosingQuoteIsAnError) {
    EXPECT_EQ(dataErrorOf([] { parseCsv("\"a\"b,c\n", "f.csv"); }), "f.csv:1: unexpected text after a quoted field");
}

TEST(Csv, MissingFileNamesIt) {
    EXPECT_EQ(dataErrorOf([] { readCsvFile("/nonexistent/attributes.csv"); }),
              "/nonexistent/attributes.csv: cannot open (No such file or directory)");
}

}  // namespace
}  // namespace niwt
