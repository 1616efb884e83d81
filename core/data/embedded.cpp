#include "core/data/embedded.h"

#include <cstring>

#include "core/data/dataset.h"
#include "core/io/atomic_file.h"

namespace niwt {

namespace embedded_detail {
struct EmbeddedEntry {
    const char* name;
    const unsigned char* data;
    std::size_t size;
};
// Defined in the generated embedded_files.cpp; ends with a null name.
extern const EmbeddedEntry kEmbeddedFiles[];
}  // namespace embedded_detail

namespace {
const embedded_detail::EmbeddedEntry* findEmbedded(const std::string& name) {
    for (const auto* entry = embedded_detail::kEmbeddedFiles; entry->name; ++entry)
        if (name == entry->name) return entry;
    return nullptr;
}
}  // namespace

std::vector<std::string> embeddedFileNames() {
    std::vector<std::string> names;
    for (const auto* entry = embedded_detail::kEmbeddedFiles; entry->name; ++entry) names.push_back(entry->name);
    return names;
}

bool hasEmbeddedFile(const std::string& name) { return findEmbedded(name) != nullptr; }

std::string embeddedFile(const std::string& name) {
    const auto* entry = findEmbedded(name);
    if (!entry) throw DataError(located(kEmbeddedPrefix + name, 0, "no such embedded file"));
    return std::string(reinterpret_cast<const char*>(entry->data), entry->size);
}

std::string readFileOrEmbedded(const std::string& path) {
    const size_t prefixLength = std::strlen(kEmbeddedPrefix);
    if (path.compare(0, prefixLength, kEmbeddedPrefix) == 0) return embeddedFile(path.substr(prefixLength));
    return readFileBytes(path);
}

}  // namespace niwt
