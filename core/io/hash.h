#pragma once
// FNV-1a 64-bit: cheap, stable content hashes for cache keys and cache-file checksums.
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace niwt {

constexpr uint64_t kFnvOffset = 1469598103934665603ull;

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

}  // namespace niwt
