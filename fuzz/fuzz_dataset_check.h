#pragma once
// What a data set that loaded without error must satisfy (dataset.h), checked by the loader targets.
#include <cmath>
#include <cstdlib>

#include "core/data/dataset.h"
#include "core/data/loaders.h"
#include "fuzz/fuzz_support.h"

#include <string>
#include <vector>

namespace niwt::fuzz {

inline void checkDataset(const Dataset& dataset) {
    const size_t classes = dataset.classes.size();
    for (const ImageInfo& image : dataset.images)
        if (image.classIndex < 0 || size_t(image.classIndex) >= classes) std::abort();
    for (const Modality& modality : dataset.modalities) {
        if (modality.dims < 0 || modality.values.size() != classes * size_t(modality.dims)) std::abort();
        if (!modality.dimNames.empty() && modality.dimNames.size() != size_t(modality.dims)) std::abort();
        for (float v : modality.values)
            if (!std::isfinite(v)) std::abort();
    }
}

// The loader targets' body: the input split into `files` (in order) under `dir`, then
// openDataset("KIND:dir"). A data set that loads must pass checkDataset; an error must be a
// one-line DataError naming the folder or a file in it.
inline void openDatasetFromParts(const std::string& kind, const std::string& dir, const std::vector<std::string>& files,
                                 const uint8_t* data, size_t size) {
    const auto parts = splitParts(data, size, files.size());
    for (size_t i = 0; i < files.size(); ++i) writeFile(dir + "/" + files[i], parts[i]);
    try {
        checkDataset(openDataset(kind + ":" + dir));
    } catch (const DataError& e) {
        checkErrorMessage(e.what(), dir);
    }
}

}  // namespace niwt::fuzz
