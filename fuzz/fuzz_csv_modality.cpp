// parseCsv and parseCsvModality (the "NAME=csv:FILE" modalities and folder:DIR's *.csv) on a fixed
// small data set; rows that parse are written back with csvField and must parse to the same fields.
#include <cmath>
#include <cstdlib>

#include "core/data/csv.h"
#include "core/data/loaders.h"
#include "fuzz/fuzz_small_dataset.h"
#include "fuzz/fuzz_support.h"

using namespace niwt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const Dataset dataset = fuzz::smallDataset();
    const std::string file = "fuzz/modality.csv";
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        for (const CsvRow& row : parseCsv(text, file)) {
            // After a blank line: a byte order mark is only special at the start of a file.
            std::string line = "\n";
            for (size_t i = 0; i < row.fields.size(); ++i) line += (i ? "," : "") + csvField(row.fields[i]);
            const auto again = parseCsv(line, file);
            // A row of one empty field writes as a blank line, which the reader skips.
            const bool blank = row.fields.size() == 1 && row.fields[0].empty();
            if (!blank && (again.size() != 1 || again[0].fields != row.fields)) {
                std::string fields;
                for (const std::string& f : row.fields) fields += "[" + f + "]";
                std::fprintf(stderr, "FINDING: csvField round trip changed the row %s (line %ld), written as [%s]\n",
                             fields.c_str(), row.line, line.c_str() + 1);
                std::abort();
            }
        }
    } catch (const DataError& e) {
        fuzz::checkErrorMessage(e.what(), file);
    }
    try {
        const Modality modality = parseCsvModality(dataset, "fuzzed", text, file);
        if (modality.values.size() != dataset.classes.size() * size_t(modality.dims)) std::abort();
        for (float v : modality.values)
            if (!std::isfinite(v)) std::abort();
    } catch (const DataError& e) {
        fuzz::checkErrorMessage(e.what(), file);
    }
    return 0;
}
