#pragma once
// SHA-256 (FIPS 180-4), for the bundle.pt checksum that tools/export_bundle.py writes into
// bundle.json: a standard hash, so that `sha256sum bundle.pt` gives the same text.
#include <string>
#include <string_view>

namespace niwt {

// 64 lowercase hex digits.
std::string sha256Hex(std::string_view bytes);

}  // namespace niwt
