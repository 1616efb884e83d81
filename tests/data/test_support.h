#pragma once
// Helpers for the data-layer tests: temporary trees, gzip/IDX writers, error capture.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "core/data/dataset.h"

namespace niwt::test {

namespace fs = std::filesystem;

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it at scope exit.
class TempDir {
public:
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base && *base ? base : "/tmp") + "/niwt-data-test-XXXXXX";
        std::vector<char> name(pattern.begin(), pattern.end());
        name.push_back('\0');
        if (!::mkdtemp(name.data())) throw std::runtime_error("mkdtemp failed");
        path_ = name.data();
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }
    std::string operator/(const std::string& relative) const { return path_ + "/" + relative; }

private:
    std::string path_;
};

// Writes `bytes` to `path`, creating parent folders.
inline void writeFile(const std::string& path, const std::string& bytes) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path);
}

inline void writeGzip(const std::string& path, const std::string& bytes) {
    fs::create_directories(fs::path(path).parent_path());
    gzFile file = gzopen(path.c_str(), "wb");
    if (!file) throw std::runtime_error("cannot write " + path);
    if (!bytes.empty()) gzwrite(file, bytes.data(), unsigned(bytes.size()));
    gzclose(file);
}

inline std::string gzipBytes(const std::string& bytes, const std::string& scratchPath) {
    writeGzip(scratchPath, bytes);
    std::ifstream in(scratchPath, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// An IDX file of unsigned bytes: magic 0,0,8,rank, big-endian dimensions, then `data`.
inline std::string idxBytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data) {
    std::string bytes = {0, 0, 8, char(dims.size())};
    for (uint32_t d : dims) {
        bytes += char(d >> 24);
        bytes += char(d >> 16);
        bytes += char(d >> 8);
        bytes += char(d);
    }
    bytes.append(reinterpret_cast<const char*>(data.data()), data.size());
    return bytes;
}

// The DataError message `action` throws; a test failure (and "") when it throws nothing.
inline std::string dataErrorOf(const std::function<void()>& action) {
    try {
        action();
    } catch (const DataError& e) {
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "expected DataError, got another exception: " << e.what();
        return "";
    }
    ADD_FAILURE() << "expected a DataError, nothing was thrown";
    return "";
}

inline std::string sharedDir() { return NIWT_TEST_SHARED_DIR; }

}  // namespace niwt::test
