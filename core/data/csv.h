#pragma once
// Comma-separated values as written by spreadsheets: quoted fields ("a, b", "say ""hi"""),
// quoted line breaks, CRLF or LF line ends, an optional UTF-8 byte order mark. Blank lines are
// skipped; unquoted fields lose surrounding spaces and tabs.
#include <string>
#include <vector>

namespace niwt {

struct CsvRow {
    long line = 0;  // 1-based line the row starts on
    std::vector<std::string> fields;
};

// `file` names the source in errors ("FILE:LINE: unterminated quoted field").
std::vector<CsvRow> parseCsv(const std::string& text, const std::string& file);
// Reads a file (or "embedded:NAME") and parses it. Throws DataError naming the file.
std::vector<CsvRow> readCsvFile(const std::string& path);

// A field as RFC 4180 writes it: quoted (with inner quotes doubled) when it holds a comma, quote,
// CR or LF or starts/ends with a space or tab; otherwise as is.
std::string csvField(const std::string& text);

}  // namespace niwt
