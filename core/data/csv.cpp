#include "core/data/csv.h"

#include "core/data/dataset.h"
#include "core/data/embedded.h"
#include "core/data/text_table.h"
#include "core/io/input_limits.h"

namespace niwt {

std::vector<CsvRow> parseCsv(const std::string& text, const std::string& file) {
    std::vector<CsvRow> rows;
    size_t pos = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
    long line = 1;
    while (pos < text.size()) {
        CsvRow row;
        row.line = line;
        bool rowHasContent = false;
        // One iteration per field; the row ends at an unquoted line break or at the end.
        for (;;) {
            std::string field;
            bool wasQuoted = false;
            // Leading blanks before an opening quote are allowed: `a, "b"`.
            size_t fieldStart = pos;
            while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
            if (pos < text.size() && text[pos] == '"') {
                wasQuoted = true;
                const long quoteLine = line;
                ++pos;
                for (;;) {
                    if (pos >= text.size()) throw DataError(located(file, quoteLine, "unterminated quoted field"));
                    char c = text[pos++];
                    if (c == '"') {
                        if (pos < text.size() && text[pos] == '"') {
                            field += '"';
                            ++pos;
                        } else {
                            break;
                        }
                    } else {
                        if (c == '\n') ++line;
                        field += c;
                    }
                }
                // Only blanks may follow the closing quote before the separator.
                while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
                if (pos < text.size() && text[pos] != ',' && text[pos] != '\n' && text[pos] != '\r')
                    throw DataError(located(file, line, "unexpected text after a quoted field"));
            } else {
                pos = fieldStart;
                while (pos < text.size() && text[pos] != ',' && text[pos] != '\n' &&
                       !(text[pos] == '\r' && (pos + 1 == text.size() || text[pos + 1] == '\n')))
                    field += text[pos++];
                field = trimmed(field);
            }
            if (wasQuoted || !field.empty()) rowHasContent = true;
            row.fields.push_back(std::move(field));
            if (pos < text.size() && text[pos] == ',') {
                ++pos;
                rowHasContent = true;  // "," alone is a row of two empty fields
                continue;
            }
            break;
        }
        // End of row: consume the line break (CRLF or LF).
        if (pos < text.size() && text[pos] == '\r') ++pos;
        if (pos < text.size() && text[pos] == '\n') ++pos;
        ++line;
        if (rowHasContent) rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<CsvRow> readCsvFile(const std::string& path) {
    return parseCsv(readInputFile(path, kMaxTableFileBytes, "CSV"), path);
}

std::string csvField(const std::string& text) {
    const bool needsQuotes =
        text.find_first_of(",\"\r\n") != std::string::npos ||
        (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.back() == ' ' || text.back() == '\t'));
    if (!needsQuotes) return text;
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

}  // namespace niwt
