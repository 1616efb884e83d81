#include "core/engine/importance.h"

#include <stdexcept>

namespace niwt {

torch::Tensor stageActivations(const StagedNetwork& net, const torch::Tensor& images, int stage) {
    if (stage < 0 || stage >= net.stageCount())
        throw std::out_of_range("stage index " + std::to_string(stage) + " out of range");
    torch::NoGradGuard noGrad;
    return net.runStages(images, 0, stage);
}

namespace {

torch::Tensor importancesWithFeatures(const StagedNetwork& net, int stage, const LinearHead& head,
                                      const torch::Tensor& activations, const torch::Tensor& targets,
                                      torch::Tensor* features) {
    if (activations.dim() != 4) throw std::invalid_argument("neuronImportances: activations must be N x K x h x w");
    if (targets.dim() != 1 || targets.size(0) != activations.size(0))
        throw std::invalid_argument("neuronImportances: need one target per image");
    torch::AutoGradMode enableGrad(true);
    auto a = activations.detach().requires_grad_(true);
    const auto pooled = net.featuresFromStage(a, stage);
    const auto logits = head.logits(pooled);
    const auto chosen = logits.gather(1, targets.to(logits.device()).to(torch::kLong).unsqueeze(1)).sum();
    const auto grad = torch::autograd::grad({chosen}, {a})[0];
    if (features) *features = pooled.detach();
    return grad.sum({2, 3});
}

}  // namespace

torch::Tensor neuronImportances(const StagedNetwork& net, int stage, const LinearHead& head,
                                const torch::Tensor& activations, const torch::Tensor& targets) {
    return importancesWithFeatures(net, stage, head, activations, targets, nullptr);
}

torch::Tensor imageImportances(const StagedNetwork& net, int stage, const LinearHead& head, const torch::Tensor& images,
                               const torch::Tensor& targets, torch::Tensor* features) {
    return importancesWithFeatures(net, stage, head, stageActivations(net, images, stage), targets, features);
}

}  // namespace niwt
