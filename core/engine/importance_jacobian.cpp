#include "core/engine/importance_jacobian.h"

#include "core/engine/alpha2w.h"
#include "core/engine/cancelled.h"

#include <map>
#include <optional>
#include <stdexcept>

namespace niwt {

torch::Tensor importanceJacobiansByBackward(const StagedNetwork& net, int stage, const torch::Tensor& activations,
                                            int chunk, const JacobianProgress& progress) {
    if (activations.dim() != 4) throw std::invalid_argument("importanceJacobians: activations must be P x K x h x w");
    const int64_t P = activations.size(0), F = net.featureDim();
    const int64_t chunks = (P + chunk - 1) / chunk;
    const int total = int(chunks * F);
    // Row j of J_p' is the importance the unit vector e_j induces: importanceBasis with the identity,
    // one feature at a time so that progress and cancellation come between passes.
    std::vector<torch::Tensor> parts;
    int done = 0;
    for (int64_t start = 0; start < P; start += chunk) {
        torch::AutoGradMode enable(true);
        auto a = activations.slice(0, start, std::min(P, start + chunk)).detach().requires_grad_(true);
        const auto f = net.featuresFromStage(a, stage);  // n x F
        std::vector<torch::Tensor> rows;
        rows.reserve(size_t(F));
        for (int64_t j = 0; j < F; ++j) {
            const auto g = torch::autograd::grad({f.select(1, j).sum()}, {a}, {}, /*retain_graph=*/true)[0];
            rows.push_back(g.sum({2, 3}));  // n x K
            ++done;
            if (progress && (done % 16 == 0 || done == total) && !progress(done, total)) throw Cancelled();
        }
        parts.push_back(torch::stack(rows, 1).detach());  // n x F x K
    }
    return torch::cat(parts);
}

torch::Tensor ImportanceJacobians::dense() const {
    return closedForm() ? rowScale.unsqueeze(2) * shared.unsqueeze(0) : values;
}

namespace {

// The last stage as a pointwise layer: features = mean_hw act(scale * (W a_hw) + shift).
struct PointwiseTail {
    torch::Tensor weight;  // F x K
    torch::Tensor scale;   // F (the batch norm's gamma / sqrt(var + eps); ones without one)
    torch::Tensor shift;   // F
};

torch::jit::Module submodule(const torch::jit::Module& root, const std::string& dottedPath) {
    torch::jit::Module m = root;
    size_t from = 0;
    while (from < dottedPath.size()) {
        const size_t dot = dottedPath.find('.', from);
        const std::string part = dottedPath.substr(from, dot == std::string::npos ? std::string::npos : dot - from);
        m = m.attr(part).toModule();
        if (dot == std::string::npos) break;
        from = dot + 1;
    }
    return m;
}

std::string prefixOf(const std::string& name) {
    const size_t dot = name.rfind('.');
    return dot == std::string::npos ? std::string() : name.substr(0, dot + 1);
}

// The tail's parameters when it holds exactly one 1x1 convolution from K to F channels and at most
// one batch norm of F channels; nothing else with parameters.
std::optional<PointwiseTail> pointwiseTail(const torch::jit::Module& stage, int64_t K, int64_t F) {
    std::map<std::string, torch::Tensor> params, buffers;
    for (const auto& p : stage.named_parameters(/*recurse=*/true)) params[p.name] = p.value;
    for (const auto& b : stage.named_buffers(/*recurse=*/true)) buffers[b.name] = b.value;
    std::optional<std::string> convPrefix;
    for (const auto& [name, value] : params) {
        if (value.dim() == 4) {
            if (convPrefix || value.size(0) != F || value.size(1) != K || value.size(2) != 1 || value.size(3) != 1)
                return std::nullopt;
            convPrefix = prefixOf(name);
        }
    }
    if (!convPrefix) return std::nullopt;
    PointwiseTail tail;
    const auto options = torch::TensorOptions().dtype(torch::kFloat64);
    tail.weight = params.at(*convPrefix + "weight").reshape({F, K}).to(options);
    tail.scale = torch::ones({F}, options);
    tail.shift = torch::zeros({F}, options);
    size_t used = 1;
    if (auto it = params.find(*convPrefix + "bias"); it != params.end()) {
        tail.shift = it->second.to(options);
        ++used;
    }
    // A batch norm: running_mean / running_var buffers beside weight / bias parameters.
    std::optional<std::string> normPrefix;
    for (const auto& [name, value] : buffers)
        if (name.size() >= 12 && name.compare(name.size() - 12, 12, "running_mean") == 0) normPrefix = prefixOf(name);
    if (normPrefix) {
        const auto mean = buffers.at(*normPrefix + "running_mean").to(options);
        const auto var = buffers.at(*normPrefix + "running_var").to(options);
        double eps = 1e-5;  // torch.nn.BatchNorm2d's default
        const std::string path = normPrefix->empty() ? std::string() : normPrefix->substr(0, normPrefix->size() - 1);
        const auto norm = path.empty() ? stage : submodule(stage, path);
        if (norm.hasattr("eps")) eps = norm.attr("eps").toDouble();
        auto gamma = torch::ones({F}, options), beta = torch::zeros({F}, options);
        if (auto it = params.find(*normPrefix + "weight"); it != params.end()) {
            gamma = it->second.to(options);
            ++used;
        }
        if (auto it = params.find(*normPrefix + "bias"); it != params.end()) {
            beta = it->second.to(options);
            ++used;
        }
        tail.scale = gamma / (var + eps).sqrt();
        tail.shift = (tail.shift - mean) * tail.scale + beta;
    }
    if (used != params.size()) return std::nullopt;  // parameters the closed form does not model
    return tail;
}

enum class Activation { None, Relu, Relu6 };

torch::Tensor activate(const torch::Tensor& z, Activation a) {
    switch (a) {
    case Activation::Relu: return z.clamp_min(0);
    case Activation::Relu6: return z.clamp(0, 6);
    case Activation::None: break;
    }
    return z;
}

torch::Tensor derivative(const torch::Tensor& z, Activation a) {
    switch (a) {
    case Activation::Relu: return (z > 0).to(z.dtype());
    case Activation::Relu6: return torch::logical_and(z > 0, z < 6).to(z.dtype());
    case Activation::None: break;
    }
    return torch::ones_like(z);
}

bool closeTo(const torch::Tensor& a, const torch::Tensor& b) {
    constexpr double kRelative = 1e-3;  // float32 network vs float64 closed form
    const double scale = std::max(1e-6, b.abs().max().item<double>());
    return (a - b).abs().max().item<double>() <= kRelative * scale;
}

std::optional<ImportanceJacobians> closedFormJacobians(const StagedNetwork& net, int stage,
                                                       const torch::Tensor& activations) {
    if (net.hasNeck() || stage + 2 != net.stageCount()) return std::nullopt;
    torch::NoGradGuard noGrad;
    const int64_t K = activations.size(1), F = net.featureDim();
    auto tail = pointwiseTail(net.stageModule(stage + 1), K, F);
    if (!tail) return std::nullopt;
    const auto device = activations.device();
    const auto a = activations.to(torch::kFloat64);
    const auto weight = tail->weight.to(device), scale = tail->scale.to(device), shift = tail->shift.to(device);
    // Pre-activations P x F x h x w.
    const auto z = torch::einsum("fk,pkhw->pfhw", {weight, a}) * scale.view({1, F, 1, 1}) + shift.view({1, F, 1, 1});
    const auto actual = net.featuresFromStage(activations, stage).to(torch::kFloat64);
    for (Activation act : {Activation::Relu6, Activation::Relu, Activation::None}) {
        if (!closeTo(activate(z, act).mean({2, 3}), actual)) continue;
        ImportanceJacobians out;
        out.rowScale = (derivative(z, act).mean({2, 3}) * scale).to(activations.dtype());  // P x F
        out.shared = weight.contiguous().to(activations.dtype());                          // F x K
        // One backward pass with a random weight vector must give the same importances.
        const auto w = torch::randn({1, F}, activations.options());
        const auto probe = importanceBasis(net, stage, activations, w);  // P x 1 x K
        const auto predicted = torch::mm(out.rowScale * w, out.shared);  // P x K
        if (closeTo(predicted.to(torch::kFloat64), probe.squeeze(1).to(torch::kFloat64))) return out;
        return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace

ImportanceJacobians importanceJacobians(const StagedNetwork& net, int stage, const torch::Tensor& activations,
                                        int chunk, const JacobianProgress& progress) {
    if (activations.dim() != 4) throw std::invalid_argument("importanceJacobians: activations must be P x K x h x w");
    if (auto factored = closedFormJacobians(net, stage, activations)) {
        if (progress && !progress(1, 1)) throw Cancelled();
        return *factored;
    }
    ImportanceJacobians out;
    out.values = importanceJacobiansByBackward(net, stage, activations, chunk, progress);
    return out;
}

}  // namespace niwt
