#pragma once
// The neuron table (NIWT step 6): one row per unit of a stage with its name (the unit's top
// attributes), optionally a class's importance of the unit and its rank, and optionally its top
// images with their overlay PNGs. One row type and one CSV/JSON writer for `niwt neurons` and the
// explorer's neuron panel (its Export CSV), so both write the same bytes for the same listing.
// Torch-free (no OpenCV either): widgets reach it through core/pipeline/explainer.h.
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace niwt {

struct ScoredName {
    std::string name;
    double score = 0;
};

// One of a unit's top images: the images that drive the unit most (mean activation), best first.
struct NeuronImage {
    std::string path;
    double activation = 0;  // the unit's mean activation on the image
    std::string crop;       // its overlay PNG, empty when none was drawn
};

struct NeuronRow {
    int unit = 0;
    std::vector<ScoredName> attributes;  // the unit's name: top dimensions of the inverse map's W e_unit
    std::vector<NeuronImage> images;     // top images, best first (`niwt neurons`; empty in the window)
    double classImportance = std::numeric_limits<double>::quiet_NaN();  // NaN: no class given
    int classRank = 0;  // 1 = the class's most important unit; 0: no class
};

struct NeuronListing {
    std::string stageName;
    std::string modality;
    std::string className;                         // empty: no class
    int classImages = 0;                           // images the class importance was averaged over
    std::string imageRanking = "mean activation";  // how `images` were ranked
    std::vector<NeuronRow> rows;                   // one per unit, in unit order (a view's export: its order)
};

// CSV: header "unit,class_importance,class_rank,attribute_1,score_1,...,image_1,activation_1,
// crop_1,..." (as many attribute and image columns as the longest row: no image columns when no
// row has images), one line per row in the listing's order, LF ends, RFC 4180 fields (csvField);
// class columns empty when no class was given. Numbers in shortest round-trip form (std::to_chars),
// NaN and infinities as empty fields.
std::string neuronTableCsv(const NeuronListing& listing);

// JSON: {"stage", "modality", "class" (null: none), "image_ranking", "units": [{"unit",
// "attributes": [{"name", "score"}], "top_images": [{"path", "activation", "crop" (null: none)}],
// "class_importance" (null: none), "class_rank" (null: none)}]}.
nlohmann::json neuronTableJson(const NeuronListing& listing);

// The one neuron CSV writer: neuronTableCsv(listing) to `path`, atomically (writeFileAtomically:
// readers see the old file or the whole new one). Throws DataError "PATH: cannot write (reason)".
void writeNeuronTableCsv(const std::string& path, const NeuronListing& listing);

// `niwt neurons`' files: DIR/neurons.csv (writeNeuronTableCsv) and DIR/neurons.json, each written
// atomically; creates DIR. Throws DataError naming the folder or file.
void writeNeuronTable(const NeuronListing& listing, const std::string& dir);

}  // namespace niwt
