#pragma once
// What a data set that loaded without error must satisfy (dataset.h), checked by the loader targets.
#include <cmath>
#include <cstdlib>

#include "core/data/dataset.h"

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

}  // namespace niwt::fuzz
