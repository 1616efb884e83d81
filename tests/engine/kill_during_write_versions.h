#pragma once
// The files test_kill_during_write's child writes, and how the test reads them back: the project's
// own writers (matrix cache, classifier JSON, classifier TorchScript) with every value = version.
#include "core/io/matrix_file.h"
#include "core/pipeline/export.h"

#include <torch/script.h>

#include <stdexcept>
#include <string>

namespace niwt::test {

// Big enough that writing and syncing a version takes milliseconds, so kills land mid-write.
constexpr int kCacheRows = 1024, kCacheCols = 1024;  // 4 MiB of floats
constexpr int kClassifierClasses = 100, kClassifierFeatures = 1000;

inline LearnedClassifier classifierVersion(int version) {
    LearnedClassifier c;
    for (int i = 0; i < kClassifierClasses; ++i) {
        c.classNames.push_back("class " + std::to_string(i));
        c.seen.push_back(i % 2 == 0);
    }
    c.weight = torch::full({kClassifierClasses, kClassifierFeatures}, float(version));
    c.bias = torch::full({kClassifierClasses}, float(version));
    c.stage = "version " + std::to_string(version);
    return c;
}

inline void writeVersion(const std::string& kind, const std::string& path, int version) {
    if (kind == "cache") {
        MatrixFile m;
        m.header["key"] = {{"version", version}};
        m.rows = kCacheRows;
        m.cols = kCacheCols;
        m.values.assign(size_t(kCacheRows) * kCacheCols, float(version));
        writeMatrixFile(path, m);
    } else if (kind == "classifier-json") {
        exportClassifierJson(path, classifierVersion(version));
    } else if (kind == "classifier-pt") {
        exportClassifierTorchScript(path, classifierVersion(version), nullptr);
    } else {
        throw std::invalid_argument("unknown kind " + kind);
    }
}

// The version a complete file holds, read with the project's readers; -1 (and `why`) when the file is
// unreadable, partly written, or mixes versions.
inline int readVersion(const std::string& kind, const std::string& path, std::string* why) {
    torch::Tensor weight, bias;
    try {
        if (kind == "cache") {
            auto m = readMatrixFile(path, nullptr, why);
            if (!m) return -1;
            if (m->rows != kCacheRows || m->cols != kCacheCols) {
                *why = "wrong shape";
                return -1;
            }
            weight = torch::from_blob(m->values.data(), {m->rows, m->cols}).clone();
            bias = torch::full({1}, float(m->header["key"]["version"].get<int>()));
        } else if (kind == "classifier-json") {
            auto c = importClassifierJson(path);
            weight = c.weight;
            bias = c.bias;
        } else {
            auto module = torch::jit::load(path);
            weight = module.attr("weight").toTensor();
            bias = module.attr("bias").toTensor();
        }
    } catch (const std::exception& e) {
        *why = e.what();
        return -1;
    }
    const float v = weight.flatten()[0].item<float>();
    if (!weight.eq(v).all().item<bool>() || !bias.eq(v).all().item<bool>()) {
        *why = "values of different versions in one file";
        return -1;
    }
    return int(v);
}

}  // namespace niwt::test
