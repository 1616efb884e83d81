#pragma once
// Loading a "niwt-bundle/1": bundle.pt (staged TorchScript) + bundle.json (how to feed it).
// See ../shared/README.md for the format. Extension: an optional `neck` module between the
// pooled features and the classifier (for VGG's fc6/fc7); bundles without it load unchanged.
#include "core/data/dataset.h"
#include "core/engine/staged_network.h"
#include "core/model/input_spec.h"

#include <memory>
#include <string>
#include <vector>

namespace niwt {

struct Bundle {
    std::string directory;  // folder holding bundle.pt and bundle.json
    std::string modelPath;  // .../bundle.pt
    std::string name;       // bundle.json "name"
    std::string identity;   // content hash of bundle.pt + bundle.json, for cache keys
    InputSpec input;
    std::vector<std::string> labels;  // from bundle.json "labels" when present
    std::shared_ptr<StagedNetwork> network;
};

// `path`: a bundle folder, its bundle.pt or its bundle.json. Throws DataError with a one-line
// message naming the file and the problem (missing, not TorchScript, a state_dict, wrong layout...).
Bundle loadBundle(const std::string& path, const torch::Device& device);

// Why `file` could not be loaded as TorchScript, judged from its bytes: e.g. "this file is a
// state_dict (saved with torch.save), not TorchScript".
std::string diagnoseNonTorchScript(const std::string& file);

// Stage index for a user's stage name, or the default (input of the last stage) when empty.
// Throws DataError listing the valid names.
int resolveStage(const Bundle& bundle, const std::string& stageName);

}  // namespace niwt
