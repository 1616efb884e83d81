#pragma once
// Shared by the libFuzzer targets: a private scratch folder for parsers that read files, splitting
// one input into several files, and the check every target applies to an expected error.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/data/dataset.h"

namespace niwt::fuzz {

// A folder of its own per fuzzing process (libFuzzer's -fork/-jobs run several), removed at exit.
inline const std::string& scratchDir() {
    static const std::string dir = [] {
        std::string pattern =
            (std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp") + std::string("/niwt-fuzz-XXXXXX");
        if (!mkdtemp(pattern.data())) {
            std::perror("mkdtemp");
            std::abort();
        }
        static const std::string removeAtExit = pattern;
        std::atexit([] {
            std::error_code ignored;
            std::filesystem::remove_all(removeAtExit, ignored);
        });
        return pattern;
    }();
    return dir;
}

inline void writeFile(const std::string& path, const std::string& bytes) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    if (!out) {
        std::perror(path.c_str());
        std::abort();
    }
}

// Several files from one input: the parts between lines "---8<---" (fuzz/niwt.dict has the token,
// the seeds use it). Missing parts are empty; extra parts join the last one.
inline std::vector<std::string> splitParts(const uint8_t* data, size_t size, size_t count) {
    static const std::string separator = "\n---8<---\n";
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> parts;
    size_t start = 0;
    while (parts.size() + 1 < count) {
        const size_t at = text.find(separator, start);
        if (at == std::string::npos) break;
        parts.push_back(text.substr(start, at - start));
        start = at + separator.size();
    }
    parts.push_back(text.substr(start));
    parts.resize(count);
    return parts;
}

// An expected error must be what the project promises: one line that starts with the file it is
// about. Anything else is a finding (abort, so libFuzzer saves the input).
inline void checkErrorMessage(const std::string& message, const std::string& file) {
    const bool namesFile = message.compare(0, file.size(), file) == 0;
    const bool oneLine = message.find('\n') == std::string::npos && message.find('\r') == std::string::npos;
    if (!namesFile || !oneLine) {
        std::fprintf(stderr, "FINDING: error message %s: %s\n",
                     !namesFile ? ("does not start with the file \"" + file + "\"").c_str() : "is not one line",
                     message.c_str());
        std::abort();
    }
}

// An expected error about one of several files: it must name one of them.
inline void checkErrorMessage(const std::string& message, const std::vector<std::string>& files) {
    for (const std::string& file : files)
        if (message.compare(0, file.size(), file) == 0) return checkErrorMessage(message, file);
    std::fprintf(stderr, "FINDING: error message names none of the input files: %s\n", message.c_str());
    std::abort();
}

}  // namespace niwt::fuzz
