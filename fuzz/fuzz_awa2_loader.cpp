// openDataset("awa2:DIR") on a folder written from the input: classes.txt, predicates.txt and
// predicate-matrix-continuous.txt, separated by "---8<---" lines.
#include "core/data/loaders.h"
#include "fuzz/fuzz_dataset_check.h"
#include "fuzz/fuzz_support.h"

using namespace niwt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::string dir = fuzz::scratchDir() + "/awa2";
    const char* const files[] = {"classes.txt", "predicates.txt", "predicate-matrix-continuous.txt"};
    const auto parts = fuzz::splitParts(data, size, 3);
    for (size_t i = 0; i < 3; ++i) fuzz::writeFile(dir + "/" + files[i], parts[i]);
    try {
        fuzz::checkDataset(openDataset("awa2:" + dir));
    } catch (const DataError& e) {
        fuzz::checkErrorMessage(e.what(), dir);
    }
    return 0;
}
