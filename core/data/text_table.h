#pragma once
// Whitespace-separated text tables (CUB, AwA2 and xlsa17 metadata files), read with line
// numbers so that every error can say "FILE:LINE: problem". One place for all loaders.
#include <string>
#include <vector>

namespace niwt {

struct TextLine {
    long number = 0;                  // 1-based line number in the file
    std::string text;                 // the line, without CR/LF, BOM or surrounding blanks
    std::vector<std::string> fields;  // text split at runs of spaces and tabs
};

// The non-blank lines of a text file. Throws DataError "FILE: cannot open (reason)".
// The file may be "embedded:NAME" (see embedded.h).
class TextTable {
public:
    static TextTable read(const std::string& path);
    static TextTable parse(const std::string& text, const std::string& path);

    const std::string& path() const { return path_; }
    const std::vector<TextLine>& lines() const { return lines_; }
    size_t size() const { return lines_.size(); }

    // Throws DataError "FILE:LINE: message".
    [[noreturn]] void fail(const TextLine& line, const std::string& message) const;
    // Throws DataError "FILE:LINE: expected "<id> <name>", got "text"".
    [[noreturn]] void failExpected(const TextLine& line, const std::string& expected) const;

private:
    std::string path_;
    std::vector<TextLine> lines_;
};

struct IdName {
    long id = 0;
    std::string name;
    long line = 0;
};

// Lines "<integer id> <name>"; the name is the rest of the line (may hold spaces).
// `expected` describes the format in errors, e.g. "<id> <name>".
std::vector<IdName> readIdNames(const std::string& path, const std::string& expected);
std::vector<IdName> parseIdNames(const TextTable& table, const std::string& expected);

struct IdPair {
    long first = 0;
    long second = 0;
    long line = 0;
};

// Lines "<integer> <integer>", e.g. image_class_labels.txt.
std::vector<IdPair> readIdPairs(const std::string& path, const std::string& expected);
std::vector<IdPair> parseIdPairs(const TextTable& table, const std::string& expected);

// A matrix of finite numbers, one row per line. Every row must have `columns` values
// (columns < 0: as many as the first row). Errors name the line and the column.
struct FloatMatrix {
    int rows = 0;
    int columns = 0;
    std::vector<float> values;  // row-major
};
FloatMatrix readFloatMatrix(const std::string& path, int columns = -1);
FloatMatrix parseFloatMatrix(const TextTable& table, int columns = -1);

// One name per line (surrounding blanks removed); lines starting with '#' are comments.
std::vector<IdName> readNameList(const std::string& path);
std::vector<IdName> parseNameList(const TextTable& table);

// The read* functions above read the file (TextTable::read) and call their parse* counterpart,
// which works on text already in memory (used by the fuzz targets in fuzz/).

// Number parsing independent of the C locale (Qt sets it from the environment, and a
// decimal-comma locale would break strtod). False when `text` is not entirely a number.
bool parseFloat(const std::string& text, float* value);
bool parseLong(const std::string& text, long* value);

// Removes leading/trailing spaces, tabs, CR and LF.
std::string trimmed(const std::string& text);

}  // namespace niwt
