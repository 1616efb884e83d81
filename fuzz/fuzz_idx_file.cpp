// readIdxHeader and readIdxFile (Fashion-MNIST's IDX files). The first input byte chooses the file:
// odd = the rest gzip-compressed here (a valid stream around fuzzed IDX bytes), even = the rest as
// is (plain IDX, or gzip bytes the fuzzer damages).
#include <zlib.h>

#include <cstdlib>

#include "core/data/idx_file.h"
#include "fuzz/fuzz_support.h"

using namespace niwt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    static const std::string file = fuzz::scratchDir() + "/images-idx.gz";
    const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (data[0] & 1) {
        gzFile out = gzopen(file.c_str(), "wb");
        if (!out || gzwrite(out, bytes.data(), unsigned(bytes.size())) != int(bytes.size()) || gzclose(out) != Z_OK)
            std::abort();
    } else {
        fuzz::writeFile(file, bytes);
    }
    try {
        const IdxArray header = readIdxHeader(file);
        if (header.dims.empty() || header.dims.size() > 4 || !header.data.empty()) std::abort();
        const IdxArray array = readIdxFile(file);
        if (array.dims != header.dims || array.data.size() != array.count() * array.itemSize()) std::abort();
    } catch (const DataError& e) {
        fuzz::checkErrorMessage(e.what(), file);
    }
    return 0;
}
