#include "core/pipeline/neuron_table.h"

#include "core/data/csv.h"
#include "core/data/dataset.h"
#include "core/io/atomic_file.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>

namespace niwt {

namespace {

std::string number(double v) {
    if (!std::isfinite(v)) return "";
    char buffer[64];
    const auto r = std::to_chars(buffer, buffer + sizeof buffer, v);
    return std::string(buffer, r.ptr);
}

nlohmann::json jsonNumber(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace

std::string neuronTableCsv(const NeuronListing& listing) {
    size_t attributes = 0, images = 0;
    for (const auto& r : listing.rows) {
        attributes = std::max(attributes, r.attributes.size());
        images = std::max(images, r.images.size());
    }
    std::string out = "unit,class_importance,class_rank";
    for (size_t i = 1; i <= attributes; ++i) out += ",attribute_" + std::to_string(i) + ",score_" + std::to_string(i);
    for (size_t i = 1; i <= images; ++i)
        out += ",image_" + std::to_string(i) + ",activation_" + std::to_string(i) + ",crop_" + std::to_string(i);
    out += "\n";
    for (const auto& r : listing.rows) {
        out += std::to_string(r.unit) + "," + number(r.classImportance) + "," +
               (r.classRank > 0 ? std::to_string(r.classRank) : "");
        for (size_t i = 0; i < attributes; ++i)
            out += i < r.attributes.size() ? "," + csvField(r.attributes[i].name) + "," + number(r.attributes[i].score)
                                           : std::string(",,");
        for (size_t i = 0; i < images; ++i)
            out += i < r.images.size() ? "," + csvField(r.images[i].path) + "," + number(r.images[i].activation) + "," +
                                             (r.images[i].crop.empty() ? "" : csvField(r.images[i].crop))
                                       : std::string(",,,");
        out += "\n";
    }
    return out;
}

nlohmann::json neuronTableJson(const NeuronListing& listing) {
    nlohmann::json units = nlohmann::json::array();
    for (const auto& r : listing.rows) {
        nlohmann::json attributes = nlohmann::json::array();
        for (const auto& a : r.attributes) attributes.push_back({{"name", a.name}, {"score", jsonNumber(a.score)}});
        nlohmann::json images = nlohmann::json::array();
        for (const auto& image : r.images)
            images.push_back({{"path", image.path},
                              {"activation", jsonNumber(image.activation)},
                              {"crop", image.crop.empty() ? nlohmann::json(nullptr) : nlohmann::json(image.crop)}});
        nlohmann::json unit = {{"unit", r.unit}, {"attributes", attributes}, {"top_images", images}};
        unit["class_importance"] = jsonNumber(r.classImportance);
        unit["class_rank"] = r.classRank > 0 ? nlohmann::json(r.classRank) : nlohmann::json(nullptr);
        units.push_back(unit);
    }
    return {{"stage", listing.stageName},
            {"modality", listing.modality},
            {"class", listing.className.empty() ? nlohmann::json(nullptr) : nlohmann::json(listing.className)},
            {"image_ranking", listing.imageRanking},
            {"units", units}};
}

void writeNeuronTableCsv(const std::string& path, const NeuronListing& listing) {
    writeFileAtomically(path, neuronTableCsv(listing));
}

void writeNeuronTable(const NeuronListing& listing, const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw DataError(located(dir, 0, "cannot create folder (" + ec.message() + ")"));
    writeNeuronTableCsv((std::filesystem::path(dir) / "neurons.csv").string(), listing);
    writeFileAtomically((std::filesystem::path(dir) / "neurons.json").string(),
                        neuronTableJson(listing).dump(2) + "\n");
}

}  // namespace niwt
