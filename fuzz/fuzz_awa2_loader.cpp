// openDataset("awa2:DIR") on a folder written from the input: classes.txt, predicates.txt and
// predicate-matrix-continuous.txt, separated by "---8<---" lines.
#include "core/data/loaders.h"
#include "fuzz/fuzz_dataset_check.h"
#include "fuzz/fuzz_support.h"

using namespace niwt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::string dir = fuzz::scratchDir() + "/awa2";
    static const std::vector<std::string> files = {"classes.txt", "predicates.txt", "predicate-matrix-continuous.txt"};
    fuzz::openDatasetFromParts("awa2", dir, files, data, size);
    return 0;
}
