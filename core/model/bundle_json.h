#pragma once
// bundle.json of a "niwt-bundle/1" (see bundle.h), parsed and checked without torch, so that
// loadBundle and the fuzz target (fuzz/) share one parser.
#include "core/model/input_spec.h"

#include <cstddef>
#include <optional>
#include <string>

namespace niwt {

struct BundleJson {
    std::optional<std::string> name;        // "name" when present (loadBundle falls back to the folder's name)
    InputSpec input;                        // "input"
    std::optional<std::string> labelsFile;  // "labels" when a string: a file relative to the bundle folder
    std::optional<size_t> stageCount;       // entries of "stages" when it is a list
    std::optional<std::string> sha256;      // "sha256": bundle.pt's SHA-256, 64 hex digits, when present
};

// `text` is bundle.json's content, `file` names it in errors. Throws DataError "FILE: problem" for
// invalid JSON, another format tag, a field of the wrong type, or a bad "input" (parseInputSpec).
// A "labels" path must be relative and stay inside the bundle folder (no "..", not absolute).
BundleJson parseBundleJson(const std::string& text, const std::string& file);

}  // namespace niwt
