#pragma once
// The on-disk cache format for engine results (features, importances, heads): one float32
// matrix plus a JSON header that says what it is and what it was computed from.
//
// Layout (all integers little-endian uint64):
//   "NIWTMAT1"                 8-byte magic
//   header length H, then H bytes of UTF-8 JSON: {"key": {...}, "rows": N, "cols": K, ...}
//   N*K float32 values, row-major
//   FNV-1a 64 of (header bytes + value bytes)
//   "NIWTEND1"                 8-byte trailer
// A file is trusted only when its size is exactly 32 + H + 4NK, the checksum matches and the
// trailer is present: a truncated or partly written file is detected, never used. Writes are
// atomic (temporary file + rename), so an interrupted write leaves the previous file intact.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace niwt {

struct MatrixFile {
    nlohmann::json header = nlohmann::json::object();  // "rows"/"cols" are filled in on write
    int64_t rows = 0;
    int64_t cols = 0;
    std::vector<float> values;  // rows x cols
};

// Throws DataError naming the file when it cannot be written.
void writeMatrixFile(const std::string& path, const MatrixFile& matrix);

// Parses a whole file's bytes; nullopt with `why` set (e.g. "truncated: 1200 of 4096 bytes")
// when the bytes are not a complete, valid matrix file.
std::optional<MatrixFile> parseMatrixFile(const std::string& bytes, std::string* why);

// nullopt (and `why`) when missing, truncated, corrupt, or its header["key"] differs from
// `expectedKey` (pass null json to accept any key).
std::optional<MatrixFile> readMatrixFile(const std::string& path, const nlohmann::json& expectedKey, std::string* why);

}  // namespace niwt
