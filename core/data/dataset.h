#pragma once
// A zero-shot data set: classes (seen or unseen), images (train or test) and class-level
// modalities (class vectors such as attributes). Plain C++; no torch, no Qt.
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace niwt {

// Thrown for bad input; what() is one line naming the file (and line, when known).
class DataError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Builds "FILE:LINE: message" (or "FILE: message" when line <= 0), on one line: line breaks in
// it are written as the two characters \n (\r).
std::string located(const std::string& file, long line, const std::string& message);

struct ClassInfo {
    int id = 0;        // as in the source (CUB: 1-based class id); unique in the data set
    std::string name;  // as in classes.txt, e.g. "001.Black_footed_Albatross"
    bool seen = true;  // seen (training) class or unseen (zero-shot) class
    // False when a split was applied (xlsa17) that lists this class in neither its seen nor its
    // unseen list. Such a class keeps its images and modality rows but is neither seen nor
    // unseen: seen is false, and seenCount/unseenCount/imageIndices leave it out.
    bool inSplit = true;
};

enum class Subset { Train, Test };

struct ImageInfo {
    std::string path;     // absolute file path, or "idx:<file>#<index>" for in-memory sources
    int classIndex = -1;  // index into Dataset::classes (not the class id)
    Subset subset = Subset::Train;
};

// A class-level modality: rows follow Dataset::classes, one row per class.
struct Modality {
    std::string name;  // e.g. "attributes"
    int dims = 0;
    std::vector<std::string> dimNames;  // empty or dims entries
    std::vector<float> values;          // classes x dims, row-major
    std::string source;                 // file it came from
    const float* row(int classIndex) const { return values.data() + size_t(classIndex) * dims; }
};

struct Dataset {
    std::string spec;  // e.g. "cub:/data/CUB_200_2011"
    std::string kind;  // "cub", "awa2", "folder", "fashion-mnist"
    std::string root;  // directory the data set lives in
    std::vector<ClassInfo> classes;
    std::vector<ImageInfo> images;
    std::vector<Modality> modalities;
    int corruptSkipped = 0;  // images found unreadable and dropped while loading

    int classIndexByName(const std::string& name) const;  // -1 when absent
    // Like classIndexByName, but when there is no exact match, also matches with CUB's "NNN."
    // number prefix removed from either side ("Black_footed_Albatross" finds
    // "001.Black_footed_Albatross" and vice versa), if that match is unique. -1 when absent.
    int classIndexMatching(const std::string& name) const;
    const Modality* modality(const std::string& name) const;  // nullptr when absent
    int seenCount() const;                                    // classes that are seen (and in the split)
    int unseenCount() const;                                  // classes that are unseen and in the split
    // Indices into images of the given subset whose class is seen (or unseen).
    std::vector<int> imageIndices(bool seenClasses, Subset subset) const;
    // Indices into images of all images whose class is seen/unseen, any subset.
    std::vector<int> imageIndices(bool seenClasses) const;
    // Stable identity of the image list (paths, classes, subsets), for cache keys: 16 lower-case
    // hex digits of a 64-bit FNV-1a hash over kind, image paths (relative to root where they lie
    // under it), class indices, subsets, and class names with their seen/inSplit flags.
    std::string fingerprint() const;
};

}  // namespace niwt
