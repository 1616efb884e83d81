#include "core/io/input_limits.h"

#include "core/data/dataset.h"
#include "core/data/embedded.h"
#include "core/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace niwt {

std::string byteLimitText(uint64_t bytes) {
    const uint64_t gib = kMiB << 10, kib = kMiB >> 10;
    if (bytes >= gib && bytes % gib == 0) return std::to_string(bytes / gib) + " GiB";
    if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
    if (bytes >= kib && bytes % kib == 0) return std::to_string(bytes / kib) + " KiB";
    return std::to_string(bytes) + " bytes";
}

std::string readInputFile(const std::string& path, uint64_t maxBytes, const std::string& kind) {
    if (path.compare(0, std::strlen(kEmbeddedPrefix), kEmbeddedPrefix) == 0) return readFileOrEmbedded(path);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw DataError(located(path, 0, "cannot open (" + systemErrorMessage(errno) + ")"));
    std::string bytes;
    struct stat info {};
    if (::fstat(fd, &info) == 0 && info.st_size > 0 && uint64_t(info.st_size) <= maxBytes)
        bytes.reserve(size_t(info.st_size));
    char buffer[1 << 16];
    for (;;) {
        const ssize_t count = ::read(fd, buffer, sizeof buffer);
        if (count < 0) {
            if (errno == EINTR) continue;
            const int error = errno;
            ::close(fd);
            throw DataError(located(path, 0, "cannot read (" + systemErrorMessage(error) + ")"));
        }
        if (count == 0) break;
        if (bytes.size() + size_t(count) > maxBytes) {
            ::close(fd);
            throw DataError(located(path, 0,
                                    "larger than the " + byteLimitText(maxBytes) + " limit for " + kind +
                                        " files (see the README's \"Input limits\")"));
        }
        bytes.append(buffer, size_t(count));
    }
    ::close(fd);
    return bytes;
}

}  // namespace niwt
