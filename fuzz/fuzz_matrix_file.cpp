// parseMatrixFile: the importance/feature cache format (core/io/matrix_file.h). The first input
// byte chooses: odd = the rest is magic + header length + header + values, and the checksum and end
// marker are appended here (so the header and shape checks behind the checksum are explored);
// even = the rest is the whole file.
#include <cstdlib>
#include <cstring>

#include "core/io/hash.h"
#include "core/io/matrix_file.h"

using namespace niwt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    if ((data[0] & 1) && bytes.size() >= 16) {
        const uint64_t checksum = fnv1a64(bytes.data() + 16, bytes.size() - 16);
        for (int i = 0; i < 8; ++i) bytes.push_back(char((checksum >> (8 * i)) & 0xff));
        bytes += "NIWTEND1";
    }
    std::string why;
    const auto matrix = parseMatrixFile(bytes, &why);
    if (matrix) {
        if (matrix->rows < 0 || matrix->cols < 0 ||
            matrix->values.size() != size_t(matrix->rows) * size_t(matrix->cols))
            std::abort();
    } else if (why.empty() || why.find('\n') != std::string::npos) {
        std::abort();  // a rejection must say why, on one line
    }
    return 0;
}
