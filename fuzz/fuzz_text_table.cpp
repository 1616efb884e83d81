// TextTable and the line formats built on it (CUB, AwA2 and xlsa17 metadata): "<id> <name>" lists,
// "<int> <int>" pairs, float matrices and name lists, all from one text.
#include <cmath>
#include <cstdlib>

#include "core/data/text_table.h"
#include "fuzz/fuzz_support.h"

using namespace niwt;

template <typename Parse>
static void expectDataErrorOnly(const std::string& file, Parse parse) {
    try {
        parse();
    } catch (const DataError& e) {
        fuzz::checkErrorMessage(e.what(), file);
    }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string file = "fuzz/table.txt";
    const TextTable table = TextTable::parse(std::string(reinterpret_cast<const char*>(data), size), file);
    long previous = 0;
    for (const TextLine& line : table.lines()) {
        // Documented: non-blank lines, 1-based increasing numbers, fields split at blanks.
        if (line.number <= previous || line.text.empty() || line.fields.empty()) std::abort();
        previous = line.number;
    }
    expectDataErrorOnly(file, [&] { parseIdNames(table, "<id> <name>"); });
    expectDataErrorOnly(file, [&] { parseIdPairs(table, "<id> <id>"); });
    expectDataErrorOnly(file, [&] {
        const FloatMatrix matrix = parseFloatMatrix(table);
        if (matrix.values.size() != size_t(matrix.rows) * size_t(matrix.columns)) std::abort();
        for (float v : matrix.values)
            if (!std::isfinite(v)) std::abort();
    });
    expectDataErrorOnly(file, [&] { parseFloatMatrix(table, 3); });
    expectDataErrorOnly(file, [&] { parseNameList(table); });
    return 0;
}
