#include "core/model/bundle_json.h"

#include "core/data/dataset.h"

#include <filesystem>

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
    if (const auto labels = meta.find("labels"); labels != meta.end()) {
        if (!labels->is_string())
            throw DataError(located(file, 0, "labels: expected a file name, got " + std::string(labels->type_name())));
        const std::string name = labels->get<std::string>();
        // Only the bundle's own files: a bundle from elsewhere must not make us read (and show) any
        // file of the machine, such as ../../etc/passwd.
        const std::filesystem::path relative(name);
        bool leaves = name.empty() || relative.is_absolute() || relative.has_root_name();
        for (const auto& part : relative) leaves = leaves || part == "..";
        if (leaves)
            throw DataError(
                located(file, 0,
                        "labels: \"" + name +
                            "\" is not a file inside the bundle folder (give a relative path without \"..\")"));
        bundle.labelsFile = name;
    }
    if (const auto sha = meta.find("sha256"); sha != meta.end()) {
        const bool valid = sha->is_string() && sha->get<std::string>().size() == 64 &&
                           sha->get<std::string>().find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
        if (!valid) throw DataError(located(file, 0, "sha256: expected 64 hex digits (bundle.pt's SHA-256)"));
        bundle.sha256 = sha->get<std::string>();
    }
    if (meta.contains("stages") && meta["stages"].is_array()) bundle.stageCount = meta["stages"].size();
    return bundle;
}

}  // namespace niwt
