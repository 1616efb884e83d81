#pragma once
// The largest input the loaders accept, per format, so that a hostile or mistaken file
// (/dev/zero, a 10^5-column table) is refused with a one-line message naming the file and the
// limit before anything is allocated for it. The limits are far above real data sets (10^7
// images) and documented in the README ("Input limits").
#include <cstdint>
#include <string>

namespace niwt {

constexpr uint64_t kMiB = uint64_t(1) << 20;

// Text tables of a data set (image lists, labels, attribute matrices): 10^7 lines of 200 bytes.
constexpr uint64_t kMaxTableFileBytes = uint64_t(2048) * kMiB;
// Class-level CSV modalities (class,dim1,...): 10^5 classes of thousands of numbers.
constexpr uint64_t kMaxModalityFileBytes = 512 * kMiB;
// Dimensions of one modality; the engine's solvers allocate dims x dims matrices.
constexpr int kMaxModalityColumns = 16384;
// Split class lists (one class name a line) and a bundle's labels file.
constexpr uint64_t kMaxClassListBytes = 64 * kMiB;
// Captions' descriptions JSON (class name -> phrases).
constexpr uint64_t kMaxDescriptionsBytes = 512 * kMiB;
// One image file (JPEG, PNG, ...).
constexpr uint64_t kMaxImageFileBytes = 256 * kMiB;
// A bundle's bundle.json and bundle.pt.
constexpr uint64_t kMaxBundleJsonBytes = 16 * kMiB;
constexpr uint64_t kMaxBundleModelBytes = uint64_t(16384) * kMiB;

// "512 MiB", "16 GiB", "64 KiB" or "100 bytes".
std::string byteLimitText(uint64_t bytes);

// The whole file, or, for a path "embedded:NAME", the embedded file (core/data/embedded.h).
// Reads at most `maxBytes` (st_size is not trusted: /dev/zero and pipes have none) and throws
// DataError "PATH: larger than the 64 MiB limit for class list files" beyond that, or the
// errors of readFileBytes for a file that cannot be opened or read.
std::string readInputFile(const std::string& path, uint64_t maxBytes, const std::string& kind);

}  // namespace niwt
