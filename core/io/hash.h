#pragma once
// FNV-1a 64-bit: cheap, stable content hashes for cache keys and cache-file checksums.
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace niwt {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;  // the standard 64-bit offset basis

inline uint64_t fnv1a64(const void* data, size_t size, uint64_t hash = kFnvOffset) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < size; ++i) {
        hash ^= p[i];
        hash *= 1099511628211ull;
    }
    return hash;
}

inline uint64_t fnv1a64(std::string_view text, uint64_t hash = kFnvOffset) {
    return fnv1a64(text.data(), text.size(), hash);
}

inline std::string hashHex(uint64_t hash) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
    return buf;
}

// Incremental FNV-1a over typed fields, for identities of structured data.
class Fnv1a64 {
public:
    void bytes(const void* data, size_t size) { hash_ = fnv1a64(data, size, hash_); }
    // Length-prefixed, so that ("ab","c") and ("a","bc") hash differently.
    void text(std::string_view s) {
        number(uint64_t(s.size()));
        bytes(s.data(), s.size());
    }
    // Little-endian regardless of the host, so the hash is the same everywhere.
    void number(uint64_t value) {
        unsigned char le[8];
        for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(value >> (8 * i));
        bytes(le, sizeof le);
    }
    uint64_t value() const { return hash_; }
    std::string hex() const { return hashHex(hash_); }

private:
    uint64_t hash_ = kFnvOffset;
};

}  // namespace niwt
