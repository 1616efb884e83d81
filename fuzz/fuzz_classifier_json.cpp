// parseClassifierJson: the "niwt-classifier/1" export that importClassifierJson reads.
#include <cmath>
#include <cstdlib>

#include "core/data/dataset.h"
#include "core/pipeline/classifier_json.h"
#include "fuzz/fuzz_support.h"

using namespace niwt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string file = "fuzz/classifier.json";
    try {
        const ClassifierJson c = parseClassifierJson(std::string(reinterpret_cast<const char*>(data), size), file);
        const size_t rows = c.classNames.size();
        if (rows < 1 || c.rows != int64_t(rows) || c.cols < 1 || c.seen.size() != rows || c.bias.size() != rows ||
            c.weight.size() != rows * size_t(c.cols))
            std::abort();
        for (float v : c.weight)
            if (!std::isfinite(v)) std::abort();
        for (float v : c.bias)
            if (!std::isfinite(v)) std::abort();
    } catch (const DataError& e) {
        fuzz::checkErrorMessage(e.what(), file);
    }
    return 0;
}
