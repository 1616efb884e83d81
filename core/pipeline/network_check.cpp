#include "core/pipeline/network_check.h"
#include "core/model/bundle.h"

#include <filesystem>

namespace niwt {

NetworkSummary checkNetwork(const std::string& path) {
    const Bundle bundle = loadBundle(path, torch::kCPU);
    NetworkSummary summary;
    summary.path = path;
    summary.directory = bundle.directory;
    summary.name = bundle.name.empty() ? std::filesystem::path(bundle.directory).filename().string() : bundle.name;
    summary.stageNames = bundle.network->stageNames();
    summary.featureDim = bundle.network->featureDim();
    summary.labels = int(bundle.labels.size());
    return summary;
}

}  // namespace niwt
