#include "core/pipeline/engine_context.h"

#include <filesystem>
#include <stdexcept>

namespace niwt {

bool EngineContext::operator==(const EngineContext& other) const {
    // The same object, not the same spec: a data set opened again may have another split.
    return dataset == other.dataset && bundle == other.bundle && stage == other.stage && modality == other.modality &&
           descriptionsFile == other.descriptionsFile && device == other.device && cacheDir == other.cacheDir;
}

std::string networkName(const std::string& bundlePath) {
    namespace fs = std::filesystem;
    if (bundlePath.empty()) return {};
    std::string path = bundlePath;
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    const fs::path p(path);
    std::error_code error;
    const bool isDir = fs::is_directory(p, error) || bundlePath.back() == '/';
    if (isDir) return p.filename().string();
    const std::string file = p.filename().string();
    if ((file == "bundle.pt" || file == "bundle.json") && p.has_parent_path() && !p.parent_path().filename().empty())
        return p.parent_path().filename().string();
    return file;
}

std::string EngineContext::describe() const {
    std::string out = dataset ? dataset->spec : std::string("no data set");
    out += bundle.empty() ? std::string(", no network") : " with " + networkName(bundle);
    out += ", stage " + (stage.empty() ? std::string("default") : stage);
    out += ", " + modality;
    if (device != "auto") out += ", device " + device;
    return out;
}

void requireComplete(const EngineContext& context, const char* user) {
    if (!context.dataset) throw std::invalid_argument(std::string(user) + ": no data set given");
    if (context.bundle.empty()) throw std::invalid_argument(std::string(user) + ": no network bundle given");
}

}  // namespace niwt
