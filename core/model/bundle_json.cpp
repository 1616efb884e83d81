#include "core/model/bundle_json.h"

#include "core/data/dataset.h"

namespace niwt {

BundleJson parseBundleJson(const std::string& text, const std::string& file) {
    nlohmann::json meta;
    try {
        meta = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        // parse_error, and out_of_range for a number too large for a double ("1e400").
        throw DataError(located(file, 0, std::string("not valid JSON: ") + e.what()));
    }
    if (!meta.is_object()) throw DataError(located(file, 0, "expected a JSON object"));
    // Fields are type-checked before they are read: nlohmann's value()/get() throw type_error,
    // which would escape as something other than a DataError naming the file.
    const auto format = meta.find("format");
    if (format == meta.end() || !format->is_string() || format->get<std::string>() != "niwt-bundle/1")
        throw DataError(located(file, 0,
                                "format is " + (format == meta.end() ? std::string("\"\"") : format->dump()) +
                                    ", expected \"niwt-bundle/1\""));
    BundleJson bundle;
    if (const auto name = meta.find("name"); name != meta.end()) {
        if (!name->is_string())
            throw DataError(located(file, 0, "name: expected a string, got " + std::string(name->type_name())));
        bundle.name = name->get<std::string>();
    }
    bundle.input = parseInputSpec(meta.contains("input") ? meta["input"] : nlohmann::json(), file);
    if (meta.contains("labels") && meta["labels"].is_string()) bundle.labelsFile = meta["labels"].get<std::string>();
    if (meta.contains("stages") && meta["stages"].is_array()) bundle.stageCount = meta["stages"].size();
    return bundle;
}

}  // namespace niwt
