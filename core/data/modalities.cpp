// addModality and readCsvModality: class-level vectors from CSV files.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <set>

#include "core/data/csv.h"
#include "core/data/embedded.h"
#include "core/data/loaders.h"
#include "core/data/text_table.h"
#include "core/io/input_limits.h"

namespace niwt {

namespace {

std::string lowerCase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return text;
}

std::string joinedForMessage(const std::vector<std::string>& fields) {
    std::string text;
    for (size_t i = 0; i < fields.size() && text.size() < 80; ++i) text += (i ? "," : "") + fields[i];
    return text.size() > 80 ? text.substr(0, 80) + "..." : text;
}

}  // namespace

Modality readCsvModality(const Dataset& dataset, const std::string& name, const std::string& path) {
    return parseCsvModality(dataset, name, readInputFile(path, kMaxModalityFileBytes, "modality CSV"), path);
}

Modality parseCsvModality(const Dataset& dataset, const std::string& name, const std::string& text,
                          const std::string& path) {
    const std::vector<CsvRow> rows = parseCsv(text, path);
    if (rows.empty()) throw DataError(located(path, 0, "empty; expected a header row \"class,<dim name>,...\""));

    const CsvRow& header = rows.front();
    if (lowerCase(header.fields.front()) != "class")
        throw DataError(located(
            path, header.line,
            "header missing: expected \"class,<dim name>,...\", got \"" + joinedForMessage(header.fields) + "\""));
    if (header.fields.size() < 2)
        throw DataError(located(path, header.line, "header names no dimensions after \"class\""));
    if (header.fields.size() - 1 > size_t(kMaxModalityColumns))
        throw DataError(located(path, header.line,
                                std::to_string(header.fields.size() - 1) + " columns, more than the limit of " +
                                    std::to_string(kMaxModalityColumns) +
                                    " dimensions for a modality (see the README's \"Input limits\")"));

    Modality modality;
    modality.name = name;
    modality.source = path;
    modality.dims = int(header.fields.size()) - 1;
    std::set<std::string> seenDimNames;
    for (size_t c = 1; c < header.fields.size(); ++c) {
        const std::string& dimName = header.fields[c];
        if (dimName.empty())
            throw DataError(located(path, header.line, "column " + std::to_string(c + 1) + " has no name"));
        if (!seenDimNames.insert(dimName).second)
            throw DataError(located(path, header.line, "duplicate column \"" + dimName + "\""));
        modality.dimNames.push_back(dimName);
    }

    const size_t dims = size_t(modality.dims);
    modality.values.assign(dataset.classes.size() * dims, std::numeric_limits<float>::quiet_NaN());
    std::vector<long> lineOfClass(dataset.classes.size(), 0);
    for (size_t r = 1; r < rows.size(); ++r) {
        const CsvRow& row = rows[r];
        if (row.fields.size() != header.fields.size())
            throw DataError(located(path, row.line,
                                    "expected " + std::to_string(header.fields.size()) +
                                        " fields as in the header, got " + std::to_string(row.fields.size())));
        const std::string& className = row.fields.front();
        const int classIndex = dataset.classIndexMatching(className);
        if (classIndex < 0) throw DataError(located(path, row.line, "unknown class \"" + className + "\""));
        if (lineOfClass[size_t(classIndex)] != 0)
            throw DataError(located(path, row.line,
                                    "duplicate row for class \"" + className + "\" (first at line " +
                                        std::to_string(lineOfClass[size_t(classIndex)]) + ")"));
        lineOfClass[size_t(classIndex)] = row.line;
        float* out = modality.values.data() + size_t(classIndex) * dims;
        for (size_t c = 0; c < dims; ++c) {
            const std::string& field = row.fields[c + 1];
            float value = 0;
            if (!parseFloat(field, &value))
                throw DataError(located(path, row.line,
                                        "column \"" + modality.dimNames[c] + "\": \"" + field + "\" is not a number"));
            if (!std::isfinite(value))
                throw DataError(
                    located(path, row.line,
                            "column \"" + modality.dimNames[c] + "\": \"" + field + "\" is not a finite number"));
            out[c] = value;
        }
    }

    // A modality of all-zero class vectors carries nothing to learn from (an empty table with
    // the right header, say): refused, naming the classes.
    if (!dataset.classes.empty() &&
        std::all_of(modality.values.begin(), modality.values.end(), [](float v) { return v == 0.0f; }) &&
        std::count(lineOfClass.begin(), lineOfClass.end(), 0L) == 0) {
        std::string names;
        for (size_t c = 0; c < dataset.classes.size() && c < 5; ++c)
            names += (c ? ", \"" : "\"") + dataset.classes[c].name + "\"";
        if (dataset.classes.size() > 5) names += " and " + std::to_string(dataset.classes.size() - 5) + " more";
        throw DataError(located(
            path, 0,
            "every class vector is all zeros (classes " + names + "): the modality carries nothing to learn from"));
    }
    const auto missing = std::count(lineOfClass.begin(), lineOfClass.end(), 0L);
    if (missing > 0) {
        const size_t first = size_t(std::find(lineOfClass.begin(), lineOfClass.end(), 0L) - lineOfClass.begin());
        throw DataError(located(path, 0,
                                "no row for " + std::to_string(missing) + " of " +
                                    std::to_string(dataset.classes.size()) + " classes (first missing: \"" +
                                    dataset.classes[first].name + "\")"));
    }
    return modality;
}

void addModality(Dataset& dataset, const std::string& spec) {
    const size_t equals = spec.find('=');
    const std::string name = equals == std::string::npos ? std::string() : trimmed(spec.substr(0, equals));
    const std::string source = equals == std::string::npos ? spec : spec.substr(equals + 1);
    const std::string csvPrefix = "csv:";
    if (name.empty() || source.compare(0, csvPrefix.size(), csvPrefix) != 0 || source.size() == csvPrefix.size())
        throw DataError("modality spec \"" + spec + "\": expected NAME=csv:FILE");
    if (dataset.modality(name))
        throw DataError("modality spec \"" + spec + "\": the data set already has a modality \"" + name + "\"");
    dataset.modalities.push_back(readCsvModality(dataset, name, source.substr(csvPrefix.size())));
}

}  // namespace niwt
