#pragma once
// The "niwt-classifier/1" JSON that exportClassifierJson writes (export.h), parsed and checked
// without torch, so that importClassifierJson and the fuzz target (fuzz/) share one parser.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace niwt {

// The format tag of exported classifiers (classifier.json's "format", classifier.pt's `format`).
inline constexpr const char* kClassifierFormat = "niwt-classifier/1";

struct ClassifierJson {
    std::vector<std::string> classNames;  // unique, at least one
    std::vector<bool> seen;               // one per class
    int64_t rows = 0, cols = 0;           // classes x features, both >= 1
    std::vector<float> weight;            // rows x cols, row-major, finite
    std::vector<float> bias;              // rows, finite
    std::string bundleName, bundleIdentity, bundlePath, stage, modality;
    nlohmann::json hyperParameters = nlohmann::json::object();
    nlohmann::json metrics = nlohmann::json::object();
};

// `text` is the file's content, `path` names it in errors. Throws DataError "PATH: problem" for
// invalid JSON, another format tag, missing fields, a row of the wrong length, a non-number, NaN/inf
// or a value out of float range, counts that disagree, duplicate class names.
ClassifierJson parseClassifierJson(const std::string& text, const std::string& path);

}  // namespace niwt
