// applySplit("xlsa17:DIR") with trainvalclasses.txt and testclasses.txt written from the input
// (separated by a "---8<---" line), and applySplit("classes:FILE") with the first part, on a fixed
// small data set.
#include <cstdlib>

#include "core/data/loaders.h"
#include "fuzz/fuzz_small_dataset.h"
#include "fuzz/fuzz_support.h"

using namespace niwt;

static void checkSplit(const Dataset& dataset) {
    for (const ClassInfo& c : dataset.classes)
        if (c.seen && !c.inSplit) std::abort();  // documented: a class outside the split is not seen
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::string dir = fuzz::scratchDir() + "/xlsa17";
    static const Dataset base = fuzz::smallDataset();
    const auto parts = fuzz::splitParts(data, size, 2);
    fuzz::writeFile(dir + "/trainvalclasses.txt", parts[0]);
    fuzz::writeFile(dir + "/testclasses.txt", parts[1]);
    Dataset dataset = base;
    try {
        applySplit(dataset, "xlsa17:" + dir);
        checkSplit(dataset);
    } catch (const DataError& e) {
        fuzz::checkErrorMessage(e.what(), dir);
    }
    dataset = base;
    try {
        applySplit(dataset, "classes:" + dir + "/trainvalclasses.txt");
        checkSplit(dataset);
    } catch (const DataError& e) {
        fuzz::checkErrorMessage(e.what(), dir + "/trainvalclasses.txt");
    }
    return 0;
}
