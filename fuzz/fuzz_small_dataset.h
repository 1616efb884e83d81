#pragma once
// A fixed small data set (CUB-style and plain class names) for the targets that parse files
// against a data set: splits, CSV modalities, descriptions.
#include "core/data/dataset.h"

namespace niwt::fuzz {

inline Dataset smallDataset() {
    Dataset dataset;
    dataset.kind = "folder";
    dataset.root = "/fuzz";
    const char* const names[] = {"001.Black_footed_Albatross", "002.Laysan_Albatross", "Sooty Albatross", "fish"};
    int id = 1;
    for (const char* name : names) {
        ClassInfo info;
        info.id = id++;
        info.name = name;
        dataset.classes.push_back(info);
    }
    for (int i = 0; i < 8; ++i) dataset.images.push_back({"/fuzz/" + std::to_string(i) + ".jpg", i % 4, Subset(i % 2)});
    Modality attributes;
    attributes.name = "attributes";
    attributes.dims = 2;
    attributes.dimNames = {"has_bill_shape::hooked_seabird", "has_wing_color::black"};
    attributes.values = {1, 0, 0.5f, 0.5f, 0, 1, 0.25f, 0.75f};
    dataset.modalities.push_back(attributes);
    return dataset;
}

}  // namespace niwt::fuzz
