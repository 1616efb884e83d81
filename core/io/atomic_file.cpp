#include "core/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/data/dataset.h"

namespace niwt {

namespace {

std::string reason(int error) { return systemErrorMessage(error); }

[[noreturn]] void failWrite(const std::string& path, const std::string& what, int error) {
    throw DataError(located(path, 0, what + " (" + reason(error) + ")"));
}

std::string directoryOf(const std::string& path) {
    size_t slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

// Closes the descriptor and removes the temporary file unless released (after the rename).
class TemporaryFile {
public:
    TemporaryFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    ~TemporaryFile() {
        if (fd_ >= 0) ::close(fd_);
        if (!path_.empty()) ::unlink(path_.c_str());
    }
    int fd() const { return fd_; }
    const std::string& path() const { return path_; }
    int close() {
        int result = ::close(fd_);
        fd_ = -1;
        return result;
    }
    void release() { path_.clear(); }

private:
    int fd_;
    std::string path_;
};

}  // namespace

std::string systemErrorMessage(int error) {
    char buffer[256];
    return ::strerror_r(error, buffer, sizeof buffer);  // GNU variant (g++ defines _GNU_SOURCE)
}

void writeFileAtomically(const std::string& path, const std::string& bytes) {
    if (path.empty()) throw DataError("writeFileAtomically: empty file name");
    std::string pattern = path + ".tmp-XXXXXX";
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    int fd = ::mkstemp(name.data());
    if (fd < 0) failWrite(path, "cannot write", errno);
    TemporaryFile temporary(fd, name.data());

    // mkstemp makes 0600 files; keep the mode of the file being replaced, else 0644.
    struct stat existing {};
    mode_t mode = ::stat(path.c_str(), &existing) == 0 ? (existing.st_mode & 07777) : 0644;
    if (::fchmod(fd, mode) != 0) failWrite(path, "cannot write", errno);

    const char* data = bytes.data();
    size_t left = bytes.size();
    while (left > 0) {
        ssize_t written = ::write(fd, data, left);
        if (written < 0) {
            if (errno == EINTR) continue;
            failWrite(path, "cannot write", errno);
        }
        data += written;
        left -= size_t(written);
    }
    if (::fsync(fd) != 0) failWrite(path, "cannot write", errno);
    if (temporary.close() != 0) failWrite(path, "cannot write", errno);
    if (::rename(temporary.path().c_str(), path.c_str()) != 0) failWrite(path, "cannot write", errno);
    temporary.release();

    // Make the rename itself durable; failure here does not endanger either version.
    int directory = ::open(directoryOf(path).c_str(), O_RDONLY | O_DIRECTORY);
    if (directory >= 0) {
        ::fsync(directory);
        ::close(directory);
    }
}

std::string readFileBytes(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw DataError(located(path, 0, "cannot open (" + reason(errno) + ")"));
    std::string bytes;
    struct stat info {};
    if (::fstat(fd, &info) == 0 && info.st_size > 0) bytes.reserve(size_t(info.st_size));
    char buffer[1 << 16];
    for (;;) {
        ssize_t count = ::read(fd, buffer, sizeof buffer);
        if (count < 0) {
            if (errno == EINTR) continue;
            int error = errno;
            ::close(fd);
            throw DataError(located(path, 0, "cannot read (" + reason(error) + ")"));
        }
        if (count == 0) break;
        bytes.append(buffer, size_t(count));
    }
    ::close(fd);
    return bytes;
}

}  // namespace niwt
