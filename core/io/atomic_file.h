#pragma once
// Whole-file reads and crash-safe whole-file writes. Errors are DataError naming the file.
#include <string>

namespace niwt {

// Writes `bytes` to a temporary file "PATH.tmp-XXXXXX" in the same directory, fsyncs it and
// renames it over `path`, so readers see either the old or the new content, never a mix, and a
// failure leaves the old file as it was. An existing file's permissions are kept (new files:
// 0644). Throws DataError "PATH: cannot write (reason)".
void writeFileAtomically(const std::string& path, const std::string& bytes);

// The whole file. Throws DataError "PATH: cannot open (reason)" / "PATH: cannot read (reason)".
std::string readFileBytes(const std::string& path);

// strerror(error), thread-safe (used in messages from decode threads).
std::string systemErrorMessage(int error);

}  // namespace niwt
