#include "core/pipeline/export.h"

#include "core/data/dataset.h"
#include "core/io/atomic_file.h"
#include "core/model/bundle.h"
#include "core/pipeline/classifier_json.h"

#include <torch/script.h>

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>
#include <stdexcept>

namespace niwt {

namespace {

using Json = nlohmann::json;

torch::Tensor cpuFloat(const torch::Tensor& t) { return t.detach().to(torch::kCPU, torch::kFloat).contiguous(); }

// Escapes a name for a double-quoted TorchScript string literal; only plain characters pass.
std::string scriptStringLiteral(const std::string& name) {
    for (char c : name)
        if (c == '"' || c == '\\' || c == '\n' || c == '\r' || static_cast<unsigned char>(c) < 0x20)
            throw std::invalid_argument("bundle stage child '" + name + "' has a name TorchScript code cannot name");
    return "\"" + name + "\"";
}

std::string formatFloat(float v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.9g", double(v));
    return buffer;
}

void checkNotFolder(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw DataError(located(path, 0, "cannot write (it is a folder)"));
}

}  // namespace

torch::Tensor LearnedClassifier::logits(const torch::Tensor& features) const {
    return torch::linear(features.to(weight.device(), weight.scalar_type()), weight, bias);
}

namespace {
// True when `text` is well-formed UTF-8 (JSON and TorchScript strings must be).
bool isUtf8(const std::string& text) {
    size_t i = 0;
    while (i < text.size()) {
        const auto byte = static_cast<unsigned char>(text[i]);
        const int length = byte < 0x80           ? 1
                           : (byte >> 5) == 0x6  ? 2
                           : (byte >> 4) == 0xe  ? 3
                           : (byte >> 3) == 0x1e ? 4
                                                 : 0;
        if (length == 0 || i + size_t(length) > text.size()) return false;
        for (int k = 1; k < length; ++k)
            if ((static_cast<unsigned char>(text[i + size_t(k)]) >> 6) != 0x2) return false;
        i += size_t(length);
    }
    return true;
}
}  // namespace

std::string classifierProblem(const LearnedClassifier& c) {
    if (!c.weight.defined() || c.weight.dim() != 2) return "weight is not a 2-D tensor";
    if (!c.bias.defined() || c.bias.dim() != 1) return "bias is not a 1-D tensor";
    const int64_t rows = c.weight.size(0), cols = c.weight.size(1);
    if (rows < 1 || cols < 1) return "weight is empty (" + std::to_string(rows) + " x " + std::to_string(cols) + ")";
    if (c.bias.size(0) != rows)
        return "bias has " + std::to_string(c.bias.size(0)) + " values for " + std::to_string(rows) + " weight rows";
    if (int64_t(c.classNames.size()) != rows)
        return std::to_string(c.classNames.size()) + " class names for " + std::to_string(rows) + " weight rows";
    if (int64_t(c.seen.size()) != rows)
        return std::to_string(c.seen.size()) + " seen flags for " + std::to_string(rows) + " weight rows";
    std::set<std::string> names;
    for (const auto& n : c.classNames) {
        if (!names.insert(n).second) return "class name '" + n + "' appears twice";
        if (!isUtf8(n)) return "a class name is not valid UTF-8";
    }
    if (!c.weight.is_floating_point() || !c.bias.is_floating_point()) return "weight and bias must be floating point";
    if (!torch::isfinite(c.weight).all().item<bool>()) return "weight has a NaN or infinite value";
    if (!torch::isfinite(c.bias).all().item<bool>()) return "bias has a NaN or infinite value";
    if (!c.hyperParameters.is_object() && !c.hyperParameters.is_null()) return "hyper-parameters are not a JSON object";
    if (!c.metrics.is_object() && !c.metrics.is_null()) return "metrics are not a JSON object";
    return {};
}

// ---------------------------------------------------------------------------------------------
// JSON

void exportClassifierJson(const std::string& path, const LearnedClassifier& c) {
    if (const auto problem = classifierProblem(c); !problem.empty())
        throw std::invalid_argument("cannot export classifier to " + path + ": " + problem);
    const auto w = cpuFloat(c.weight);
    const auto b = cpuFloat(c.bias);
    const int64_t rows = w.size(0), cols = w.size(1);
    const float* wp = w.data_ptr<float>();
    const float* bp = b.data_ptr<float>();

    Json root = Json::object();
    root["format"] = kClassifierFormat;
    root["classes"] = rows;
    root["features"] = cols;
    root["class_names"] = c.classNames;
    Json seen = Json::array();
    for (bool s : c.seen) seen.push_back(s);
    root["seen"] = seen;
    // A float widened to double is exact, and nlohmann writes the shortest decimal that reads back
    // as the same double (strtod is correctly rounded), so narrowing on import gives the same bits.
    Json weight = Json::array();
    for (int64_t r = 0; r < rows; ++r) {
        Json row = Json::array();
        for (int64_t k = 0; k < cols; ++k) row.push_back(double(wp[r * cols + k]));
        weight.push_back(std::move(row));
    }
    root["weight"] = std::move(weight);
    Json bias = Json::array();
    for (int64_t r = 0; r < rows; ++r) bias.push_back(double(bp[r]));
    root["bias"] = std::move(bias);
    root["bundle"] = {{"name", c.bundleName}, {"identity", c.bundleIdentity}, {"path", c.bundlePath}};
    root["stage"] = c.stage;
    root["modality"] = c.modality;
    root["hyper_parameters"] = c.hyperParameters.is_null() ? Json::object() : c.hyperParameters;
    root["metrics"] = c.metrics.is_null() ? Json::object() : c.metrics;
    // One field a line, one weight row a line: readable and diff-friendly at any size.
    std::string text = "{\n";
    try {
        bool first = true;
        for (const char* key : {"format", "classes", "features", "class_names", "seen", "bundle", "stage", "modality",
                                "hyper_parameters", "metrics", "bias", "weight"}) {
            text += first ? " " : ",\n ";
            first = false;
            text += Json(key).dump() + ": ";
            if (std::string(key) != "weight") {
                text += root[key].dump();
                continue;
            }
            text += "[\n";
            for (size_t r = 0; r < root[key].size(); ++r)
                text += "  " + root[key][r].dump() + (r + 1 < root[key].size() ? ",\n" : "\n");
            text += " ]";
        }
    } catch (const Json::type_error& e) {  // e.g. a class name that is not valid UTF-8
        throw std::invalid_argument("cannot export classifier to " + path + ": " + e.what());
    }
    text += "\n}\n";
    checkNotFolder(path);
    writeFileAtomically(path, text);
}

LearnedClassifier importClassifierJson(const std::string& path) {
    ClassifierJson parsed = parseClassifierJson(readFileBytes(path), path);
    LearnedClassifier c;
    c.classNames = std::move(parsed.classNames);
    c.seen = std::move(parsed.seen);
    c.weight = torch::from_blob(parsed.weight.data(), {parsed.rows, parsed.cols}, torch::kFloat).clone();
    c.bias = torch::from_blob(parsed.bias.data(), {parsed.rows}, torch::kFloat).clone();
    c.bundleName = std::move(parsed.bundleName);
    c.bundleIdentity = std::move(parsed.bundleIdentity);
    c.bundlePath = std::move(parsed.bundlePath);
    c.stage = std::move(parsed.stage);
    c.modality = std::move(parsed.modality);
    c.hyperParameters = std::move(parsed.hyperParameters);
    c.metrics = std::move(parsed.metrics);
    return c;
}

// ---------------------------------------------------------------------------------------------
// TorchScript

void exportClassifierTorchScript(const std::string& path, const LearnedClassifier& c, const Bundle* bundle) {
    if (const auto problem = classifierProblem(c); !problem.empty())
        throw std::invalid_argument("cannot export classifier to " + path + ": " + problem);
    if (bundle && (!bundle->network || bundle->network->featureDim() != c.featureDim()))
        throw std::invalid_argument("cannot export classifier to " + path + ": its " + std::to_string(c.featureDim()) +
                                    " features do not match the bundle's " +
                                    (bundle->network ? std::to_string(bundle->network->featureDim()) : "(no network)"));

    torch::jit::Module m("__torch__.niwt.LearnedClassifier");
    // nn.Module's flag, so that is_training() and Python's .eval()/.train() work on the export.
    m.register_attribute("training", c10::BoolType::get(), false);
    m.register_parameter("weight", cpuFloat(c.weight).clone(), false);
    m.register_parameter("bias", cpuFloat(c.bias).clone(), false);
    c10::List<std::string> names;
    for (const auto& n : c.classNames) names.push_back(n);
    c10::List<bool> seen;
    for (bool s : c.seen) seen.push_back(s);
    m.register_attribute("class_names", c10::ListType::ofStrings(), names);
    m.register_attribute("seen", c10::ListType::ofBools(), seen);
    m.register_attribute("format", c10::StringType::get(), std::string(kClassifierFormat));
    m.register_attribute("bundle_name", c10::StringType::get(), c.bundleName);
    m.register_attribute("bundle_identity", c10::StringType::get(), c.bundleIdentity);
    m.register_attribute("stage", c10::StringType::get(), c.stage);
    m.register_attribute("modality", c10::StringType::get(), c.modality);
    m.define("def forward(self, features):\n    return torch.linear(features, self.weight, self.bias)\n");

    if (bundle) {
        auto& source = bundle->network->module();
        // Copies, on the CPU: the bundle in use (perhaps on a GPU) is left as it is.
        auto stages = source.attr("stages").toModule().deepcopy();
        stages.to(torch::kCPU);
        m.register_module("stages", stages);
        std::string body = "def forward_images(self, x):\n";
        // Children in order, as StagedNetwork runs them; getattr with a literal also reaches
        // ModuleList children named "0", "1", ...
        for (const auto& child : stages.named_children())
            body += "    x = getattr(self.stages, " + scriptStringLiteral(child.name) + ").forward(x)\n";
        body += "    x = x.mean([2, 3])\n";
        if (bundle->network->hasNeck()) {
            auto neck = source.attr("neck").toModule().deepcopy();
            neck.to(torch::kCPU);
            m.register_module("neck", neck);
            body += "    x = self.neck.forward(x)\n";
        }
        body += "    return self.forward(x)\n";
        c10::List<std::string> stageNames;
        for (const auto& n : bundle->network->stageNames()) stageNames.push_back(n);
        m.register_attribute("stage_names", c10::ListType::ofStrings(), stageNames);
        const auto& in = bundle->input;
        m.register_attribute("input_width", c10::IntType::get(), int64_t(in.width));
        m.register_attribute("input_height", c10::IntType::get(), int64_t(in.height));
        m.register_attribute("input_color", c10::StringType::get(), in.color);
        c10::List<double> mean, spread;
        for (float v : in.mean) mean.push_back(double(v));
        for (float v : in.std) spread.push_back(double(v));
        m.register_attribute("input_mean", c10::ListType::ofFloats(), mean);
        m.register_attribute("input_std", c10::ListType::ofFloats(), spread);
        m.define(body);
    }
    m.eval();
    m.setattr("training", false);
    std::ostringstream out;
    m.save(out);
    checkNotFolder(path);
    writeFileAtomically(path, out.str());
}

// ---------------------------------------------------------------------------------------------
// TensorBoard projector

std::string escapeTsvField(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        switch (ch) {
        case '\t': out += "\\t"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        default: out += ch;
        }
    }
    return out;
}

void exportProjectorTsv(const std::string& dir, const torch::Tensor& vectors,
                        const std::vector<std::vector<std::string>>& metadataRows,
                        const std::vector<std::string>& metadataHeader) {
    if (!vectors.defined() || vectors.dim() != 2 || vectors.size(0) < 1 || vectors.size(1) < 1)
        throw std::invalid_argument("projector export to " + dir + ": vectors must be a non-empty N x K matrix");
    const auto v = cpuFloat(vectors);
    if (!torch::isfinite(v).all().item<bool>())
        throw std::invalid_argument("projector export to " + dir + ": vectors hold a NaN or infinite value");
    const int64_t n = v.size(0), k = v.size(1);
    const bool withMetadata = !metadataRows.empty();
    size_t columns = metadataHeader.size();
    if (withMetadata) {
        if (int64_t(metadataRows.size()) != n)
            throw std::invalid_argument("projector export to " + dir + ": " + std::to_string(metadataRows.size()) +
                                        " metadata rows for " + std::to_string(n) + " vectors");
        if (columns == 0) columns = metadataRows[0].size();
        if (columns == 0) throw std::invalid_argument("projector export to " + dir + ": metadata rows are empty");
        for (size_t r = 0; r < metadataRows.size(); ++r)
            if (metadataRows[r].size() != columns)
                throw std::invalid_argument("projector export to " + dir + ": metadata row " + std::to_string(r) +
                                            " has " + std::to_string(metadataRows[r].size()) + " values, expected " +
                                            std::to_string(columns));
    }

    std::string tensors;
    const float* p = v.data_ptr<float>();
    for (int64_t r = 0; r < n; ++r) {
        for (int64_t c = 0; c < k; ++c) {
            if (c) tensors += '\t';
            tensors += formatFloat(p[r * k + c]);
        }
        tensors += '\n';
    }
    std::string metadata;
    if (withMetadata) {
        auto appendRow = [&](const std::vector<std::string>& row) {
            for (size_t c = 0; c < row.size(); ++c) {
                if (c) metadata += '\t';
                metadata += escapeTsvField(row[c]);
            }
            metadata += '\n';
        };
        if (columns > 1) {
            if (metadataHeader.empty())
                throw std::invalid_argument("projector export to " + dir + ": metadata with " +
                                            std::to_string(columns) + " columns needs a header");
            appendRow(metadataHeader);
        }
        for (const auto& row : metadataRows) appendRow(row);
    }

    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw DataError(located(dir, 0, "cannot create folder (" + ec.message() + ")"));
    const std::string tensorsPath = (std::filesystem::path(dir) / "tensors.tsv").string();
    const std::string metadataPath = (std::filesystem::path(dir) / "metadata.tsv").string();
    checkNotFolder(tensorsPath);
    if (withMetadata) checkNotFolder(metadataPath);
    writeFileAtomically(tensorsPath, tensors);
    if (withMetadata) writeFileAtomically(metadataPath, metadata);
}

}  // namespace niwt
