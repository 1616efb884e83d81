#include "core/engine/gradcam.h"

#include <stdexcept>
#include <string>

namespace niwt {

namespace {

std::string shapeText(const torch::Tensor& t) {
    std::string s;
    for (int64_t d = 0; d < t.dim(); ++d) s += (d ? " x " : "") + std::to_string(t.size(d));
    return s.empty() ? "a scalar" : s;
}

}  // namespace

torch::Tensor gradCam(const StagedNetwork& net, int stage, const torch::Tensor& activations,
                      const torch::Tensor& classWeights, torch::Tensor* importances) {
    if (stage < 0 || stage >= net.stageCount())
        throw std::out_of_range("gradCam: stage index " + std::to_string(stage) + " out of range (the network has " +
                                std::to_string(net.stageCount()) + " stages)");
    if (!activations.defined() || activations.dim() != 4)
        throw std::invalid_argument("gradCam: activations must be N x K x h x w, got " +
                                    (activations.defined() ? shapeText(activations) : std::string("nothing")));
    if (!classWeights.defined() || classWeights.dim() < 1 || classWeights.dim() > 2)
        throw std::invalid_argument("gradCam: class weights must be N x F, 1 x F or F, got " +
                                    (classWeights.defined() ? shapeText(classWeights) : std::string("nothing")));
    const int64_t n = activations.size(0);
    const auto w2 = classWeights.dim() == 1 ? classWeights.unsqueeze(0) : classWeights;
    if (w2.size(0) != 1 && w2.size(0) != n)
        throw std::invalid_argument("gradCam: " + std::to_string(w2.size(0)) + " class weight rows for " +
                                    std::to_string(n) + " images (need one per image, or one for all)");
    if (w2.size(1) != net.featureDim())
        throw std::invalid_argument("gradCam: class weights have " + std::to_string(w2.size(1)) +
                                    " features but the network's pooled features have " +
                                    std::to_string(net.featureDim()));
    if (n == 0) {
        if (importances) *importances = torch::zeros({0, activations.size(1)}, activations.options());
        return torch::zeros({0, activations.size(2), activations.size(3)}, activations.options());
    }

    torch::AutoGradMode enableGrad(true);
    const auto a = activations.detach().requires_grad_(true);
    const auto features = net.featuresFromStage(a, stage);  // N x F
    const auto w = w2.detach().to(features.device(), features.scalar_type());
    const auto score = (features * w).sum();                   // sum_i w_i . f_i
    const auto grad = torch::autograd::grad({score}, {a})[0];  // N x K x h x w
    const auto alpha = grad.sum({2, 3});                       // N x K
    torch::NoGradGuard noGrad;
    const auto maps = torch::relu((alpha.unsqueeze(2).unsqueeze(3) * a.detach()).sum(1));  // N x h x w
    if (importances) *importances = alpha.detach();
    return maps;
}

torch::Tensor gradCam(const StagedNetwork& net, int stage, const torch::Tensor& activations, const LinearHead& head,
                      const torch::Tensor& classes, torch::Tensor* importances) {
    if (!head.weight.defined() || head.weight.dim() != 2)
        throw std::invalid_argument("gradCam: the head has no 2-D weight");
    if (!classes.defined() || classes.dim() != 1)
        throw std::invalid_argument("gradCam: classes must be a 1-D tensor of head rows");
    const auto rows = classes.to(head.weight.device()).to(torch::kLong);
    if (rows.numel() > 0) {
        const auto lo = rows.min().item<int64_t>(), hi = rows.max().item<int64_t>();
        if (lo < 0 || hi >= head.weight.size(0))
            throw std::invalid_argument("gradCam: class row " + std::to_string(lo < 0 ? lo : hi) +
                                        " out of range (the head has " + std::to_string(head.weight.size(0)) +
                                        " classes)");
    } else if (activations.defined() && activations.dim() == 4 && activations.size(0) > 0) {
        throw std::invalid_argument("gradCam: no class rows given");
    }
    return gradCam(net, stage, activations, head.weight.index_select(0, rows), importances);
}

torch::Tensor normaliseMaps(const torch::Tensor& maps) {
    if (!maps.defined() || maps.dim() < 2)
        throw std::invalid_argument("normaliseMaps: need N x h x w maps or one h x w map");
    const bool single = maps.dim() == 2;
    auto m = single ? maps.unsqueeze(0) : maps;
    if (!m.is_floating_point()) m = m.to(torch::kFloat);
    if (m.numel() == 0) return single ? m.squeeze(0) : m;
    if (!torch::isfinite(m).all().item<bool>())
        throw std::invalid_argument("normaliseMaps: the maps hold NaN or infinite values");
    const auto flat = m.flatten(1);
    const auto lo = std::get<0>(flat.min(1, true));
    const auto hi = std::get<0>(flat.max(1, true));
    const auto range = hi - lo;
    const auto positive = range > 0;
    auto scaled = torch::where(positive, (flat - lo) / torch::where(positive, range, torch::ones_like(range)),
                               torch::zeros_like(flat));
    scaled = scaled.clamp(0.0, 1.0).view(m.sizes());
    return single ? scaled.squeeze(0) : scaled;
}

torch::Tensor upsampleMaps(const torch::Tensor& maps, int64_t height, int64_t width) {
    if (!maps.defined() || maps.dim() < 2 || maps.dim() > 3)
        throw std::invalid_argument("upsampleMaps: need N x h x w maps or one h x w map");
    if (height < 1 || width < 1)
        throw std::invalid_argument("upsampleMaps: target size " + std::to_string(height) + " x " +
                                    std::to_string(width) + " is empty");
    const bool single = maps.dim() == 2;
    auto m = (single ? maps.unsqueeze(0) : maps);
    if (!m.is_floating_point()) m = m.to(torch::kFloat);
    if (m.size(0) == 0) return torch::zeros({0, height, width}, m.options());
    namespace F = torch::nn::functional;
    auto up = F::interpolate(m.unsqueeze(1), F::InterpolateFuncOptions()
                                                 .size(std::vector<int64_t>{height, width})
                                                 .mode(torch::kBilinear)
                                                 .align_corners(false))
                  .squeeze(1);
    return single ? up.squeeze(0) : up;
}

}  // namespace niwt
