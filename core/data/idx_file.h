#pragma once
// IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed: a 4-byte magic
// (0, 0, element type, number of dimensions), the dimensions as big-endian uint32, then the
// elements. Only unsigned-byte elements (type 0x08) are supported, which is what MNIST uses.
#include <cstdint>
#include <string>
#include <vector>

namespace niwt {

struct IdxArray {
    std::vector<uint32_t> dims;  // e.g. {60000, 28, 28} for images, {60000} for labels
    std::vector<uint8_t> data;   // row-major; empty when only the header was read
    size_t count() const { return dims.empty() ? 0 : dims[0]; }
    size_t itemSize() const;  // product of dims[1..]
};

// Reads just the header (cheap even for a 47 MB images file). Throws DataError naming the file.
IdxArray readIdxHeader(const std::string& path);
// Reads the header and checks that the file holds all the data it announces (streaming through
// it, so a 47 MB file costs no memory): the images file is decoded only later, image by image,
// and a truncated one must fail when the data set is opened, naming the file, not as thousands of
// silently skipped images. Throws DataError "FILE: truncated: expected N bytes of data, got M".
IdxArray readIdxHeaderCheckingLength(const std::string& path);
// Reads header and all elements. A file that ends early is an error
// "FILE: truncated: expected N bytes of data, got M".
IdxArray readIdxFile(const std::string& path);

}  // namespace niwt
