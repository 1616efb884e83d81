#pragma once
// The engine context: everything that decides what an engine computes (data set, network bundle,
// stage, modality, descriptions, device, cache folder, threads). One value type, taken by every
// engine user: NiwtSession, Explainer, evaluateDataset and the `niwt` commands; the explorer keeps
// one (widgets/engine_coordinator.h) and hands the same value to each panel's engine, so no two
// consumers can disagree about, say, the learning stage. Torch-free: widgets include it.
#include "core/data/dataset.h"

#include <memory>
#include <string>

namespace niwt {

struct EngineContext {
    std::shared_ptr<const Dataset> dataset;
    std::string bundle;  // bundle folder (or its bundle.pt / bundle.json)
    std::string stage;   // empty: the bundle's default (the input of its last stage)
    std::string modality = "attributes";
    std::string descriptionsFile;  // modality "captions": class descriptions (empty: CUB's beside the data set)
    std::string device = "auto";   // auto | cpu | cuda | cuda:N
    std::string cacheDir;          // empty: the default cache (defaultCacheDir() + "/cache")

    // A data set and a bundle: enough to prepare an engine.
    bool isComplete() const { return dataset != nullptr && !bundle.empty(); }
    // Same data set (object and spec) and same settings: an engine prepared for one serves the other.
    bool operator==(const EngineContext& other) const;
    bool operator!=(const EngineContext& other) const { return !(*this == other); }
    // One line for status bars and reports: "cub:/data/CUB with mobilenet_v2, stage block17, attributes".
    std::string describe() const;
};

// The name a network goes by: its bundle folder for a folder, a bundle.pt or a bundle.json
// ("/models/mobilenet_v2/bundle.pt" -> "mobilenet_v2"), else the file's name.
std::string networkName(const std::string& bundlePath);

// Throws std::invalid_argument naming what is missing (no data set, no bundle) for an incomplete
// context; `user` names the caller in the message ("the session").
void requireComplete(const EngineContext& context, const char* user);

}  // namespace niwt
