#include "core/io/matrix_file.h"

#include "core/data/dataset.h"
#include "core/io/atomic_file.h"
#include "core/io/hash.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

namespace niwt {

namespace {

constexpr char kMagic[] = "NIWTMAT1";
constexpr char kTrailer[] = "NIWTEND1";
constexpr size_t kTagSize = 8;

void appendU64(std::string& out, uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(char((v >> (8 * i)) & 0xff));
}

uint64_t readU64(const std::string& in, size_t at) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(static_cast<unsigned char>(in[at + size_t(i)])) << (8 * i);
    return v;
}

}  // namespace

void writeMatrixFile(const std::string& path, const MatrixFile& matrix) {
    if (matrix.rows < 0 || matrix.cols < 0 || size_t(matrix.rows * matrix.cols) != matrix.values.size())
        throw DataError(located(path, 0, "internal error: matrix shape does not match its values"));
    // Caches hold results; NaN or infinity in one is a failed computation that a later run would
    // reuse. Callers check first and name the computation; this is the last guard.
    if (!std::all_of(matrix.values.begin(), matrix.values.end(), [](float v) { return std::isfinite(v); }))
        throw DataError(located(path, 0, "not written: the values contain NaN or infinity"));
    nlohmann::json header = matrix.header;
    header["rows"] = matrix.rows;
    header["cols"] = matrix.cols;
    header["dtype"] = "float32";
    const std::string headerText = header.dump();
    const size_t valueBytes = matrix.values.size() * sizeof(float);

    std::string out;
    out.reserve(4 * kTagSize + headerText.size() + valueBytes);
    out.append(kMagic, kTagSize);
    appendU64(out, headerText.size());
    out += headerText;
    const size_t valuesAt = out.size();
    out.resize(valuesAt + valueBytes);
    // float32 little-endian: this project targets little-endian hosts (x86-64, aarch64).
    // memcpy from the null data() of an empty vector is undefined even for 0 bytes (UBSan).
    if (valueBytes > 0) std::memcpy(&out[valuesAt], matrix.values.data(), valueBytes);
    appendU64(out, fnv1a64(out.data() + 2 * kTagSize, headerText.size() + valueBytes));
    out.append(kTrailer, kTagSize);

    std::error_code ec;
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    writeFileAtomically(path, out);
}

std::optional<MatrixFile> parseMatrixFile(const std::string& bytes, std::string* why) {
    auto reject = [&](const std::string& reason) -> std::optional<MatrixFile> {
        if (why) *why = reason;
        return std::nullopt;
    };
    if (bytes.size() < 4 * kTagSize || bytes.compare(0, kTagSize, kMagic) != 0)
        return reject("not a NIWT matrix file (bad magic)");
    const uint64_t headerSize = readU64(bytes, kTagSize);
    if (headerSize > bytes.size() - 4 * kTagSize) return reject("truncated: header runs past the end of the file");
    const std::string headerText = bytes.substr(2 * kTagSize, headerSize);
    nlohmann::json header = nlohmann::json::parse(headerText, nullptr, /*allow_exceptions=*/false);
    if (!header.is_object() || !header.contains("rows") || !header.contains("cols") ||
        !header["rows"].is_number_unsigned() || !header["cols"].is_number_unsigned())
        return reject("corrupt header");
    const uint64_t rows = header["rows"].get<uint64_t>(), cols = header["cols"].get<uint64_t>();
    if (cols != 0 && rows > (uint64_t(1) << 40) / cols) return reject("corrupt header: implausible shape");
    const uint64_t valueBytes = rows * cols * sizeof(float);
    const uint64_t expected = 4 * kTagSize + headerSize + valueBytes;
    if (bytes.size() != expected)
        return reject((bytes.size() < expected ? "truncated: " : "trailing bytes: ") + std::to_string(bytes.size()) +
                      " of " + std::to_string(expected) + " bytes");
    const size_t checksumAt = 2 * kTagSize + headerSize + valueBytes;
    if (bytes.compare(checksumAt + 8, kTagSize, kTrailer) != 0) return reject("missing end marker");
    if (readU64(bytes, checksumAt) != fnv1a64(bytes.data() + 2 * kTagSize, headerSize + valueBytes))
        return reject("checksum mismatch (file damaged)");

    // A cache written before NaN was refused, or damaged so that the checksum still matches, is
    // not used: the caller recomputes it.
    const char* values = bytes.data() + 2 * kTagSize + headerSize;
    for (uint64_t i = 0; i < rows * cols; ++i) {
        float v;
        std::memcpy(&v, values + i * sizeof(float), sizeof v);
        if (!std::isfinite(v)) return reject("holds NaN or infinity (value " + std::to_string(i) + ")");
    }

    MatrixFile m;
    m.header = std::move(header);
    m.rows = int64_t(rows);
    m.cols = int64_t(cols);
    m.values.resize(rows * cols);
    if (valueBytes > 0)  // an empty matrix (0 rows or 0 columns) has a null data() to copy into
        std::memcpy(m.values.data(), bytes.data() + 2 * kTagSize + headerSize, valueBytes);
    return m;
}

std::optional<MatrixFile> readMatrixFile(const std::string& path, const nlohmann::json& expectedKey, std::string* why) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        if (why) *why = "absent";
        return std::nullopt;
    }
    std::string bytes;
    try {
        bytes = readFileBytes(path);
    } catch (const DataError& e) {
        if (why) *why = e.what();
        return std::nullopt;
    }
    auto m = parseMatrixFile(bytes, why);
    if (m && !expectedKey.is_null() && m->header.value("key", nlohmann::json()) != expectedKey) {
        if (why) *why = "computed from different inputs (key differs)";
        return std::nullopt;
    }
    return m;
}

}  // namespace niwt
