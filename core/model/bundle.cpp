#include "core/model/bundle.h"

#include "core/data/dataset.h"
#include "core/io/atomic_file.h"
#include "core/io/hash.h"
#include "core/io/input_limits.h"
#include "core/io/sha256.h"
#include "core/model/bundle_json.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace niwt {

namespace fs = std::filesystem;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// One label a line; a missing file is an error (a bundle that names labels and has none would show
// no class names without a word).
std::vector<std::string> readLabels(const fs::path& bundleDir, const std::string& name, const std::string& jsonFile) {
    const fs::path file = bundleDir / name;
    std::error_code ec;
    if (!fs::exists(file, ec))
        throw DataError(located(file.string(), 0, "missing (" + jsonFile + " names it as the labels file)"));
    // A symbolic link inside the bundle must not lead out of it either.
    const fs::path resolved = fs::weakly_canonical(file, ec);
    const fs::path root = fs::weakly_canonical(bundleDir, ec);
    const auto mismatch = std::mismatch(root.begin(), root.end(), resolved.begin(), resolved.end());
    if (ec || mismatch.first != root.end())
        throw DataError(located(file.string(), 0, "leads outside the bundle folder (to " + resolved.string() + ")"));
    const std::string text = readInputFile(file.string(), kMaxClassListBytes, "labels");
    std::vector<std::string> labels;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        labels.push_back(std::move(line));
        start = end + 1;
    }
    return labels;
}

}  // namespace

std::string diagnoseNonTorchScript(const std::string& file) {
    std::string bytes;
    try {
        bytes = readFileBytes(file);
    } catch (const DataError& e) {
        return e.what();
    }
    if (bytes.empty()) return "the file is empty";
    if (bytes.size() >= 4 && bytes.compare(0, 4, "PK\x03\x04") == 0) {
        // Zip archives from torch.jit.save hold code/ and constants.pkl; torch.save's hold only data.pkl.
        const bool hasCode = contains(bytes, "/code/") || contains(bytes, "constants.pkl");
        if (!hasCode && contains(bytes, "data.pkl"))
            return "this file is a state_dict or pickled object saved with torch.save, not TorchScript: "
                   "export the model with torch.jit.script (see tools/ in the README)";
        if (hasCode) return "the TorchScript archive is damaged or truncated";
        return "a zip archive, but not a PyTorch one";
    }
    if (static_cast<unsigned char>(bytes[0]) == 0x80)
        return "this file is a legacy torch.save pickle (a state_dict or model object), not TorchScript";
    return "not a PyTorch file (no zip archive signature)";
}

Bundle loadBundle(const std::string& path, const torch::Device& device) {
    fs::path p(path);
    std::error_code ec;
    if (!fs::exists(p, ec)) throw DataError(located(path, 0, "no such file or folder"));
    fs::path dir = fs::is_directory(p, ec) ? p : p.parent_path();
    fs::path model = fs::is_directory(p, ec) ? dir / "bundle.pt" : p;
    if (model.extension() == ".json") model = dir / "bundle.pt";
    const fs::path json = dir / "bundle.json";
    if (!fs::exists(model, ec))
        throw DataError(located(model.string(), 0, "missing (a bundle folder holds bundle.pt and bundle.json)"));
    if (!fs::exists(json, ec))
        throw DataError(located(json.string(), 0, "missing (a bundle folder holds bundle.pt and bundle.json)"));

    Bundle b;
    b.directory = dir.string();
    b.modelPath = model.string();
    const std::string jsonText = readInputFile(json.string(), kMaxBundleJsonBytes, "bundle.json");
    const BundleJson meta = parseBundleJson(jsonText, json.string());
    b.name = meta.name.value_or(dir.filename().string());
    b.input = meta.input;
    if (meta.labelsFile) b.labels = readLabels(dir, *meta.labelsFile, json.string());

    const std::string modelBytes = readInputFile(b.modelPath, kMaxBundleModelBytes, "bundle.pt");
    if (meta.sha256) {
        // Integrity: a bundle.pt damaged in transfer or on disk may still load and silently give
        // other features.
        std::string expected = *meta.sha256;
        std::transform(expected.begin(), expected.end(), expected.begin(),
                       [](unsigned char c) { return char(std::tolower(c)); });
        const std::string actual = sha256Hex(modelBytes);
        if (actual != expected)
            throw DataError(
                located(b.modelPath, 0,
                        "damaged: its SHA-256 is " + actual + " but " + json.string() + " records " + expected));
    }
    b.identity = hashHex(fnv1a64(modelBytes, fnv1a64(jsonText)));

    torch::jit::Module module;
    try {
        module = torch::jit::load(b.modelPath, torch::kCPU);
    } catch (const std::exception&) {
        throw DataError(located(b.modelPath, 0, diagnoseNonTorchScript(b.modelPath)));
    }
    try {
        b.network = std::make_shared<StagedNetwork>(std::move(module));
    } catch (const std::exception& e) {
        throw DataError(located(b.modelPath, 0, std::string("not a staged niwt-bundle: ") + e.what()));
    }
    if (meta.stageCount && *meta.stageCount != size_t(b.network->stageCount()))
        throw DataError(located(json.string(), 0,
                                "lists " + std::to_string(*meta.stageCount) + " stages but bundle.pt has " +
                                    std::to_string(b.network->stageCount())));
    b.network->to(device);
    return b;
}

int resolveStage(const Bundle& bundle, const std::string& stageName) {
    const auto& net = *bundle.network;
    if (stageName.empty()) return net.defaultImportanceStage();
    const int index = net.stageIndex(stageName);
    if (index >= 0) return index;
    std::string names;
    for (const auto& n : net.stageNames()) names += (names.empty() ? "" : ", ") + n;
    throw DataError(located(bundle.modelPath, 0, "no stage named \"" + stageName + "\" (stages: " + names + ")"));
}

}  // namespace niwt
