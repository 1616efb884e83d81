#include "core/pipeline/classifier_json.h"

#include "core/data/dataset.h"

#include <cfloat>
#include <cmath>
#include <set>

namespace niwt {

namespace {

using Json = nlohmann::json;

[[noreturn]] void fail(const std::string& file, const std::string& problem) {
    throw DataError(located(file, 0, problem));
}

std::string jsonTypeName(const Json& j) { return j.type_name(); }

// A float32 from a JSON value, or a problem.
bool readFloat(const Json& value, float* out, std::string* problem) {
    if (!value.is_number()) {
        *problem = std::string("is not a number (") + jsonTypeName(value) + ")";
        return false;
    }
    const double d = value.get<double>();
    if (!std::isfinite(d)) {
        *problem = "is not finite";
        return false;
    }
    if (std::fabs(d) > double(FLT_MAX)) {
        *problem = "is out of float range";
        return false;
    }
    *out = float(d);
    return true;
}

const Json& requireField(const Json& root, const std::string& file, const char* name) {
    const auto it = root.find(name);
    if (it == root.end()) fail(file, std::string("missing \"") + name + "\"");
    return *it;
}

std::string optionalString(const Json& object, const std::string& file, const std::string& prefix, const char* name) {
    const auto it = object.find(name);
    if (it == object.end() || it->is_null()) return {};
    if (!it->is_string()) fail(file, "\"" + prefix + name + "\" is not a string");
    return it->get<std::string>();
}

}  // namespace

ClassifierJson parseClassifierJson(const std::string& bytes, const std::string& path) {
    Json root;
    try {
        root = Json::parse(bytes);
    } catch (const Json::exception& e) {  // parse_error, and out_of_range for a number like 1e400
        std::string what = e.what();
        if (const auto p = what.find("parse error"); p != std::string::npos) what = what.substr(p);
        fail(path, "not valid JSON (" + what + ")");
    }
    if (!root.is_object()) fail(path, "not a JSON object");
    const Json& format = requireField(root, path, "format");
    if (!format.is_string() || format.get<std::string>() != kClassifierFormat)
        fail(path, std::string("\"format\" is ") + format.dump() + ", expected \"" + kClassifierFormat + "\"");

    ClassifierJson c;
    const Json& names = requireField(root, path, "class_names");
    if (!names.is_array() || names.empty()) fail(path, "\"class_names\" is not a non-empty array");
    std::set<std::string> unique;
    for (size_t i = 0; i < names.size(); ++i) {
        if (!names[i].is_string()) fail(path, "\"class_names\"[" + std::to_string(i) + "] is not a string");
        c.classNames.push_back(names[i].get<std::string>());
        if (!unique.insert(c.classNames.back()).second)
            fail(path, "class name '" + c.classNames.back() + "' appears twice");
    }
    const int64_t rows = int64_t(c.classNames.size());

    const Json& seen = requireField(root, path, "seen");
    if (!seen.is_array() || int64_t(seen.size()) != rows)
        fail(path, "\"seen\" is not an array of " + std::to_string(rows) + " booleans (one per class)");
    for (size_t i = 0; i < seen.size(); ++i) {
        if (!seen[i].is_boolean()) fail(path, "\"seen\"[" + std::to_string(i) + "] is not true or false");
        c.seen.push_back(seen[i].get<bool>());
    }

    const Json& weight = requireField(root, path, "weight");
    if (!weight.is_array() || int64_t(weight.size()) != rows)
        fail(path, "\"weight\" is not an array of " + std::to_string(rows) + " rows (one per class), it has " +
                       (weight.is_array() ? std::to_string(weight.size()) : jsonTypeName(weight)));
    if (!weight[0].is_array() || weight[0].empty()) fail(path, "\"weight\"[0] is not a non-empty array of numbers");
    const int64_t cols = int64_t(weight[0].size());
    if (const auto it = root.find("features"); it != root.end()) {
        if (!it->is_number_integer() || it->get<int64_t>() != cols)
            fail(path, "\"features\" is " + it->dump() + " but weight rows have " + std::to_string(cols) + " values");
    }
    if (const auto it = root.find("classes"); it != root.end()) {
        if (!it->is_number_integer() || it->get<int64_t>() != rows)
            fail(path, "\"classes\" is " + it->dump() + " but there are " + std::to_string(rows) + " class names");
    }
    // Every row's shape is checked before rows x cols floats are allocated, so the allocation is
    // bounded by the values the file really holds (not by its first row times its class count).
    for (int64_t r = 0; r < rows; ++r) {
        const Json& row = weight[size_t(r)];
        if (!row.is_array()) fail(path, "\"weight\"[" + std::to_string(r) + "] is not an array");
        if (int64_t(row.size()) != cols)
            fail(path, "\"weight\"[" + std::to_string(r) + "] has " + std::to_string(row.size()) +
                           " values, expected " + std::to_string(cols) + " (ragged rows)");
    }
    c.rows = rows;
    c.cols = cols;
    c.weight.resize(size_t(rows * cols));
    float* wp = c.weight.data();
    std::string problem;
    for (int64_t r = 0; r < rows; ++r) {
        const Json& row = weight[size_t(r)];
        for (int64_t k = 0; k < cols; ++k)
            if (!readFloat(row[size_t(k)], &wp[r * cols + k], &problem))
                fail(path, "\"weight\"[" + std::to_string(r) + "][" + std::to_string(k) + "] " + problem);
    }
    const Json& bias = requireField(root, path, "bias");
    if (!bias.is_array() || int64_t(bias.size()) != rows)
        fail(path, "\"bias\" is not an array of " + std::to_string(rows) + " numbers (one per class)");
    c.bias.resize(size_t(rows));
    float* bp = c.bias.data();
    for (int64_t r = 0; r < rows; ++r)
        if (!readFloat(bias[size_t(r)], &bp[r], &problem)) fail(path, "\"bias\"[" + std::to_string(r) + "] " + problem);

    if (const auto it = root.find("bundle"); it != root.end() && !it->is_null()) {
        if (!it->is_object()) fail(path, "\"bundle\" is not an object");
        c.bundleName = optionalString(*it, path, "bundle.", "name");
        c.bundleIdentity = optionalString(*it, path, "bundle.", "identity");
        c.bundlePath = optionalString(*it, path, "bundle.", "path");
    }
    c.stage = optionalString(root, path, "", "stage");
    c.modality = optionalString(root, path, "", "modality");
    for (const auto& [key, target] : {std::pair<const char*, Json*>{"hyper_parameters", &c.hyperParameters},
                                      std::pair<const char*, Json*>{"metrics", &c.metrics}}) {
        const auto it = root.find(key);
        if (it == root.end() || it->is_null()) continue;
        if (!it->is_object()) fail(path, std::string("\"") + key + "\" is not an object");
        *target = *it;
    }
    return c;
}

}  // namespace niwt
