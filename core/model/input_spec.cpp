#include "core/model/input_spec.h"

#include "core/data/dataset.h"

#include <cfloat>
#include <cmath>
#include <cstdint>

namespace niwt {

namespace {

[[noreturn]] void fail(const std::string& file, const std::string& what) {
    throw DataError(located(file, 0, "input." + what));
}

std::vector<float> floatList(const nlohmann::json& v, const std::string& file, const std::string& field, size_t n) {
    if (!v.is_array() || v.size() != n) fail(file, field + ": expected a list of " + std::to_string(n) + " numbers");
    std::vector<float> out;
    for (const auto& x : v) {
        // Checked as a double before narrowing: 1e300 is finite but has no float (it would be inf).
        if (!x.is_number() || !std::isfinite(x.get<double>()) || std::fabs(x.get<double>()) > double(FLT_MAX))
            fail(file, field + ": expected finite numbers");
        out.push_back(float(x.get<double>()));
    }
    return out;
}

}  // namespace

InputSpec parseInputSpec(const nlohmann::json& input, const std::string& file) {
    if (!input.is_object()) throw DataError(located(file, 0, "missing \"input\" object"));
    InputSpec s;
    // Sizes are compared as 64-bit integers: get<int>() would wrap 4294967297 to 1.
    for (const char* key : {"width", "height"}) {
        if (!input.contains(key) || !input[key].is_number_integer() || input[key].get<int64_t>() < 1 ||
            input[key].get<int64_t>() > 8192)
            fail(file, std::string(key) + ": expected an integer between 1 and 8192");
    }
    s.width = int(input["width"].get<int64_t>());
    s.height = int(input["height"].get<int64_t>());
    if (input.contains("color") && !input["color"].is_string())
        fail(file, "color: expected \"RGB\", \"BGR\" or \"gray\", got " + input["color"].dump());
    s.color = input.value("color", std::string("RGB"));
    if (s.color != "RGB" && s.color != "BGR" && s.color != "gray")
        fail(file, "color: expected \"RGB\", \"BGR\" or \"gray\", got \"" + s.color + "\"");
    const size_t c = size_t(s.channels());
    if (input.contains("range")) {
        const auto r = floatList(input["range"], file, "range", 2);
        s.rangeMin = r[0];
        s.rangeMax = r[1];
    }
    s.mean = input.contains("mean") ? floatList(input["mean"], file, "mean", c) : std::vector<float>(c, 0.f);
    s.std = input.contains("std") ? floatList(input["std"], file, "std", c) : std::vector<float>(c, 1.f);
    for (float v : s.std)
        if (v == 0.f) fail(file, "std: a channel's std is 0");
    if (input.contains("center_crop") && !input["center_crop"].is_number())
        fail(file, "center_crop: expected a fraction in (0, 1]");
    s.centerCrop = input.value("center_crop", 1.0);
    if (!(s.centerCrop > 0.0 && s.centerCrop <= 1.0)) fail(file, "center_crop: expected a fraction in (0, 1]");
    return s;
}

nlohmann::json toJson(const InputSpec& s) {
    return {{"width", s.width}, {"height", s.height}, {"color", s.color},           {"range", {s.rangeMin, s.rangeMax}},
            {"mean", s.mean},   {"std", s.std},       {"center_crop", s.centerCrop}};
}

}  // namespace niwt
