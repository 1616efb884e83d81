#include "core/data/idx_file.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "core/data/dataset.h"
#include "core/io/atomic_file.h"

namespace niwt {

namespace {

constexpr uint8_t kUnsignedByteType = 0x08;
constexpr size_t kMaxBytes = size_t(1) << 32;  // far above any real IDX file; guards bad headers

// gzFile opened for reading; zlib reads uncompressed files transparently too.
class GzReader {
public:
    explicit GzReader(const std::string& path) : path_(path) {
        errno = 0;
        file_ = gzopen(path.c_str(), "rb");
        if (!file_) {
            std::string why = errno ? systemErrorMessage(errno) : "out of memory";
            throw DataError(located(path, 0, "cannot open (" + why + ")"));
        }
        gzbuffer(file_, 1 << 17);
    }
    ~GzReader() { gzclose(file_); }
    GzReader(const GzReader&) = delete;
    GzReader& operator=(const GzReader&) = delete;

    // Reads up to `size` bytes; returns how many were read (fewer at the end of the data).
    size_t read(void* buffer, size_t size) {
        size_t total = 0;
        auto* out = static_cast<unsigned char*>(buffer);
        while (total < size) {
            unsigned chunk = unsigned(std::min<size_t>(size - total, 1u << 30));
            int got = gzread(file_, out + total, chunk);
            if (got < 0) {
                int code = 0;
                const char* message = gzerror(file_, &code);
                if (code == Z_BUF_ERROR)
                    throw DataError(located(path_, 0, "truncated: the compressed data ends early"));
                std::string why = code == Z_ERRNO ? systemErrorMessage(errno) : message;
                throw DataError(located(path_, 0, "cannot read (" + why + ")"));
            }
            if (got == 0) break;
            total += size_t(got);
        }
        return total;
    }

private:
    std::string path_;
    gzFile file_ = nullptr;
};

IdxArray parseHeader(GzReader& reader, const std::string& path) {
    unsigned char magic[4];
    if (reader.read(magic, 4) != 4) throw DataError(located(path, 0, "truncated: no IDX header"));
    if (magic[0] != 0 || magic[1] != 0 || magic[3] == 0 || magic[3] > 4)
        throw DataError(located(path, 0, "not an IDX file (bad magic number)"));
    if (magic[2] != kUnsignedByteType)
        throw DataError(located(
            path, 0, "IDX element type " + std::to_string(magic[2]) + " is not supported (only unsigned bytes, 8)"));
    IdxArray array;
    for (int i = 0; i < magic[3]; ++i) {
        unsigned char be[4];
        if (reader.read(be, 4) != 4) throw DataError(located(path, 0, "truncated IDX header"));
        array.dims.push_back(uint32_t(be[0]) << 24 | uint32_t(be[1]) << 16 | uint32_t(be[2]) << 8 | uint32_t(be[3]));
    }
    size_t bytes = 1;
    for (uint32_t d : array.dims) {
        bytes *= d;
        if (bytes > kMaxBytes) throw DataError(located(path, 0, "IDX dimensions are implausibly large"));
    }
    return array;
}

}  // namespace

size_t IdxArray::itemSize() const {
    size_t size = 1;
    for (size_t i = 1; i < dims.size(); ++i) size *= dims[i];
    return size;
}

IdxArray readIdxHeader(const std::string& path) {
    GzReader reader(path);
    return parseHeader(reader, path);
}

IdxArray readIdxHeaderCheckingLength(const std::string& path) {
    GzReader reader(path);
    IdxArray array = parseHeader(reader, path);
    const size_t expected = array.count() * array.itemSize();
    std::vector<unsigned char> buffer(size_t(1) << 20);
    size_t got = 0;
    while (got < expected) {
        const size_t want = std::min(buffer.size(), expected - got);
        const size_t read = reader.read(buffer.data(), want);
        got += read;
        if (read < want) break;
    }
    if (got != expected)
        throw DataError(located(
            path, 0, "truncated: expected " + std::to_string(expected) + " bytes of data, got " + std::to_string(got)));
    return array;
}

IdxArray readIdxFile(const std::string& path) {
    GzReader reader(path);
    IdxArray array = parseHeader(reader, path);
    const size_t expected = array.count() * array.itemSize();
    // Grown as the data arrives, so a header that claims gigabytes costs memory only for the bytes
    // the file really holds before it ends (gzip hides the size up front).
    constexpr size_t kChunk = size_t(16) << 20;
    size_t got = 0;
    while (got < expected) {
        const size_t want = std::min(kChunk, expected - got);
        array.data.resize(got + want);
        const size_t read = reader.read(array.data.data() + got, want);
        got += read;
        if (read < want) break;
    }
    array.data.resize(got);
    if (got != expected)
        throw DataError(located(
            path, 0, "truncated: expected " + std::to_string(expected) + " bytes of data, got " + std::to_string(got)));
    return array;
}

}  // namespace niwt
