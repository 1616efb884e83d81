#pragma once
// Files from the source tree's datasets/ folder compiled into niwt_data (see core/CMakeLists.txt),
// so the default data sets work without the source tree.
#include <string>
#include <vector>

namespace niwt {

// Names are paths relative to datasets/, e.g. "fashion-mnist/attributes.csv".
std::vector<std::string> embeddedFileNames();
bool hasEmbeddedFile(const std::string& name);
// The file's bytes. Throws DataError "embedded:NAME: no such embedded file" when absent.
std::string embeddedFile(const std::string& name);

// Paths written "embedded:NAME" name an embedded file; anything else is a file on disk.
inline constexpr const char* kEmbeddedPrefix = "embedded:";
// The bytes of an embedded file or a file on disk (throws DataError naming the file).
std::string readFileOrEmbedded(const std::string& path);

}  // namespace niwt
