#include "core/data/text_table.h"

#include <charconv>
#include <cmath>

#include "core/data/dataset.h"
#include "core/data/embedded.h"
#include "core/io/input_limits.h"

namespace niwt {

namespace {

bool isBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::vector<std::string> splitFields(const std::string& text) {
    std::vector<std::string> fields;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && isBlank(text[i])) ++i;
        size_t start = i;
        while (i < text.size() && !isBlank(text[i])) ++i;
        if (i > start) fields.push_back(text.substr(start, i - start));
    }
    return fields;
}

// Shortened for error messages, so a binary file read by mistake gives a readable line.
std::string quoted(const std::string& text) {
    const size_t limit = 80;
    return "\"" + (text.size() > limit ? text.substr(0, limit) + "..." : text) + "\"";
}

}  // namespace

std::string trimmed(const std::string& text) {
    size_t begin = 0, end = text.size();
    while (begin < end && isBlank(text[begin])) ++begin;
    while (end > begin && isBlank(text[end - 1])) --end;
    return text.substr(begin, end - begin);
}

bool parseFloat(const std::string& text, float* value) {
    const char* begin = text.data();
    const char* end = begin + text.size();
    if (begin != end && *begin == '+') ++begin;  // from_chars rejects an explicit plus sign
    auto result = std::from_chars(begin, end, *value);
    return result.ec == std::errc() && result.ptr == end && begin != end;
}

bool parseLong(const std::string& text, long* value) {
    const char* begin = text.data();
    const char* end = begin + text.size();
    if (begin != end && *begin == '+') ++begin;
    auto result = std::from_chars(begin, end, *value);
    return result.ec == std::errc() && result.ptr == end && begin != end;
}

TextTable TextTable::read(const std::string& path) {
    return parse(readInputFile(path, kMaxTableFileBytes, "data set table"), path);
}

TextTable TextTable::parse(const std::string& text, const std::string& path) {
    TextTable table;
    table.path_ = path;
    size_t pos = 0;
    if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) pos = 3;  // UTF-8 byte order mark
    long number = 0;
    while (pos < text.size()) {
        size_t newline = text.find('\n', pos);
        if (newline == std::string::npos) newline = text.size();
        ++number;
        std::string line = trimmed(text.substr(pos, newline - pos));
        pos = newline + 1;
        if (line.empty()) continue;
        TextLine entry;
        entry.number = number;
        entry.fields = splitFields(line);
        entry.text = std::move(line);
        table.lines_.push_back(std::move(entry));
    }
    return table;
}

void TextTable::fail(const TextLine& line, const std::string& message) const {
    throw DataError(located(path_, line.number, message));
}

void TextTable::failExpected(const TextLine& line, const std::string& expected) const {
    fail(line, "expected \"" + expected + "\", got " + quoted(line.text));
}

std::vector<IdName> readIdNames(const std::string& path, const std::string& expected) {
    return parseIdNames(TextTable::read(path), expected);
}

std::vector<IdName> parseIdNames(const TextTable& table, const std::string& expected) {
    std::vector<IdName> result;
    result.reserve(table.size());
    for (const TextLine& line : table.lines()) {
        IdName entry;
        if (line.fields.size() < 2 || !parseLong(line.fields[0], &entry.id)) table.failExpected(line, expected);
        // The name is the rest of the line after the id, so names with spaces survive.
        // The blanks splitFields splits at: a CR inside a line separates fields too.
        size_t afterId = line.text.find_first_of(" \t\r\n");
        entry.name = trimmed(line.text.substr(afterId));
        entry.line = line.number;
        result.push_back(std::move(entry));
    }
    return result;
}

std::vector<IdPair> readIdPairs(const std::string& path, const std::string& expected) {
    return parseIdPairs(TextTable::read(path), expected);
}

std::vector<IdPair> parseIdPairs(const TextTable& table, const std::string& expected) {
    std::vector<IdPair> result;
    result.reserve(table.size());
    for (const TextLine& line : table.lines()) {
        IdPair pair;
        if (line.fields.size() != 2 || !parseLong(line.fields[0], &pair.first) ||
            !parseLong(line.fields[1], &pair.second))
            table.failExpected(line, expected);
        pair.line = line.number;
        result.push_back(pair);
    }
    return result;
}

FloatMatrix readFloatMatrix(const std::string& path, int columns) {
    return parseFloatMatrix(TextTable::read(path), columns);
}

FloatMatrix parseFloatMatrix(const TextTable& table, int columns) {
    FloatMatrix matrix;
    matrix.columns = columns;
    for (const TextLine& line : table.lines()) {
        if (matrix.columns < 0) matrix.columns = int(line.fields.size());
        if (int(line.fields.size()) != matrix.columns)
            table.fail(line, "expected " + std::to_string(matrix.columns) + " values, got " +
                                 std::to_string(line.fields.size()));
        for (size_t c = 0; c < line.fields.size(); ++c) {
            float value = 0;
            if (!parseFloat(line.fields[c], &value))
                table.fail(line, "value " + std::to_string(c + 1) + " " + quoted(line.fields[c]) + " is not a number");
            if (!std::isfinite(value))
                table.fail(line, "value " + std::to_string(c + 1) + " " + quoted(line.fields[c]) + " is not finite");
            matrix.values.push_back(value);
        }
        ++matrix.rows;
    }
    if (matrix.columns < 0) matrix.columns = 0;
    return matrix;
}

std::vector<IdName> readNameList(const std::string& path) { return parseNameList(TextTable::read(path)); }

std::vector<IdName> parseNameList(const TextTable& table) {
    std::vector<IdName> names;
    for (const TextLine& line : table.lines()) {
        if (line.text[0] == '#') continue;
        names.push_back({long(names.size()), line.text, line.number});
    }
    return names;
}

}  // namespace niwt
