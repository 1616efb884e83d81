#include "core/data/dataset.h"

#include "core/io/hash.h"

#include <cstdio>

namespace niwt {

namespace {

// CUB class names start with a three-digit number and a dot ("001.Black_footed_Albatross").
std::string withoutNumberPrefix(const std::string& name) {
    size_t digits = 0;
    while (digits < name.size() && name[digits] >= '0' && name[digits] <= '9') ++digits;
    if (digits > 0 && digits + 1 < name.size() && name[digits] == '.') return name.substr(digits + 1);
    return name;
}

// Image path relative to root when it lies under it, so a moved data set keeps its cache keys.
std::string relativeToRoot(const std::string& path, const std::string& root) {
    static const std::string idxPrefix = "idx:";
    if (path.compare(0, idxPrefix.size(), idxPrefix) == 0)
        return idxPrefix + relativeToRoot(path.substr(idxPrefix.size()), root);
    if (!root.empty()) {
        std::string prefix = root.back() == '/' ? root : root + "/";
        if (path.compare(0, prefix.size(), prefix) == 0) return path.substr(prefix.size());
    }
    return path;
}

}  // namespace

std::string located(const std::string& file, long line, const std::string& message) {
    const std::string text = line > 0 ? file + ":" + std::to_string(line) + ": " + message : file + ": " + message;
    // Messages quote the input (names, lines, fields), which may hold line breaks (a quoted CSV
    // field, a CR inside a line, a JSON string): written as \n and \r so the message stays one line.
    std::string oneLine;
    oneLine.reserve(text.size());
    for (char c : text) {
        if (c == '\n')
            oneLine += "\\n";
        else if (c == '\r')
            oneLine += "\\r";
        else
            oneLine += c;
    }
    return oneLine;
}

int Dataset::classIndexByName(const std::string& name) const {
    for (size_t i = 0; i < classes.size(); ++i)
        if (classes[i].name == name) return int(i);
    return -1;
}

int Dataset::classIndexMatching(const std::string& name) const {
    int exact = classIndexByName(name);
    if (exact >= 0) return exact;
    const std::string bare = withoutNumberPrefix(name);
    int found = -1;
    for (size_t i = 0; i < classes.size(); ++i) {
        if (withoutNumberPrefix(classes[i].name) != bare) continue;
        if (found >= 0) return -1;  // ambiguous: two classes differ only in their number
        found = int(i);
    }
    return found;
}

const Modality* Dataset::modality(const std::string& name) const {
    for (const Modality& m : modalities)
        if (m.name == name) return &m;
    return nullptr;
}

int Dataset::seenCount() const {
    int count = 0;
    for (const ClassInfo& c : classes) count += (c.inSplit && c.seen) ? 1 : 0;
    return count;
}

int Dataset::unseenCount() const {
    int count = 0;
    for (const ClassInfo& c : classes) count += (c.inSplit && !c.seen) ? 1 : 0;
    return count;
}

std::vector<int> Dataset::imageIndices(bool seenClasses, Subset subset) const {
    std::vector<int> indices;
    for (size_t i = 0; i < images.size(); ++i) {
        const ImageInfo& image = images[i];
        const ClassInfo& c = classes[size_t(image.classIndex)];
        if (c.inSplit && c.seen == seenClasses && image.subset == subset) indices.push_back(int(i));
    }
    return indices;
}

std::vector<int> Dataset::imageIndices(bool seenClasses) const {
    std::vector<int> indices;
    for (size_t i = 0; i < images.size(); ++i) {
        const ClassInfo& c = classes[size_t(images[i].classIndex)];
        if (c.inSplit && c.seen == seenClasses) indices.push_back(int(i));
    }
    return indices;
}

std::string Dataset::fingerprint() const {
    Fnv1a64 hash;
    hash.text(kind);
    hash.number(classes.size());
    for (const ClassInfo& c : classes) {
        hash.text(c.name);
        hash.number((c.seen ? 1u : 0u) | (c.inSplit ? 2u : 0u));
    }
    hash.number(images.size());
    for (const ImageInfo& image : images) {
        hash.text(relativeToRoot(image.path, root));
        hash.number(uint64_t(int64_t(image.classIndex)));
        hash.number(image.subset == Subset::Train ? 0 : 1);
    }
    return hash.hex();
}

}  // namespace niwt
