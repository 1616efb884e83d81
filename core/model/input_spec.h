#pragma once
// How a bundle wants its images: the "input" object of bundle.json. Torch-free.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace niwt {

struct InputSpec {
    int width = 224;
    int height = 224;
    std::string color = "RGB";               // "RGB", "BGR" or "gray"
    float rangeMin = 0.0f, rangeMax = 1.0f;  // pixel values are mapped to this range first
    std::vector<float> mean{0.f, 0.f, 0.f};  // then (v - mean) / std per channel
    std::vector<float> std{1.f, 1.f, 1.f};
    // The centred square crop, as a fraction of the shorter image side, taken before resizing
    // (0.875 = torchvision's Resize(256) + CenterCrop(224)).
    double centerCrop = 1.0;

    int channels() const { return color == "gray" ? 1 : 3; }
};

// Parses and checks bundle.json's "input"; throws DataError "FILE: input.<field>: problem".
InputSpec parseInputSpec(const nlohmann::json& input, const std::string& file);
nlohmann::json toJson(const InputSpec& spec);

}  // namespace niwt
