#pragma once
// A CNN split into stages (the "niwt-bundle" TorchScript form), run stage by stage so that any
// stage's activations can be taken and the rest of the network continued from them.
#include <torch/script.h>

#include <optional>
#include <string>
#include <vector>

namespace niwt {

class StagedNetwork {
public:
    // `module` must have: `stages` (a module whose children run in order, each N x C x h x w -> 4-D),
    // `classifier` (Linear on pooled features) and `stage_names` (list of str, one per stage).
    // Optional extension: `neck`, a module applied to the pooled features before the classifier
    // (VGG's fc6/fc7). Throws std::runtime_error naming what is missing or inconsistent.
    explicit StagedNetwork(torch::jit::Module module);

    // Moves to a device; all parameters stop requiring gradients (the backbone is frozen:
    // gradients are only ever taken with respect to activations).
    void to(const torch::Device& device);
    const torch::Device& device() const { return device_; }

    int stageCount() const { return int(stages_.size()); }
    const std::vector<std::string>& stageNames() const { return names_; }
    int stageIndex(const std::string& name) const;  // -1 when absent
    // The default importance stage: the input of the last stage, so that importances pass
    // through at least one non-linear stage (block17 for the shared MobileNetV2).
    int defaultImportanceStage() const { return std::max(0, stageCount() - 2); }

    // Runs stages first..last (inclusive) on x; x is stage first's input.
    torch::Tensor runStages(torch::Tensor x, int first, int last) const;
    // Pooled features from stage `stage`'s activations: later stages, spatial mean, neck.
    // Returns N x featureDim().
    torch::Tensor featuresFromStage(const torch::Tensor& activations, int stage) const;
    // The bundle's own logits from pooled features: N x classifierOutputs().
    torch::Tensor classify(const torch::Tensor& features) const;
    // forward(x) of the bundle, through the stages: N x classifierOutputs().
    torch::Tensor logits(const torch::Tensor& images) const;

    // Stage i's module (its parameters, e.g. for a closed-form Jacobian of the last stage).
    const torch::jit::Module& stageModule(int i) const { return stages_.at(size_t(i)); }

    int featureDim() const { return featureDim_; }
    int classifierOutputs() const { return classifierOutputs_; }
    bool hasNeck() const { return neck_.has_value(); }
    torch::jit::Module& module() { return module_; }

private:
    torch::jit::Module module_;
    std::vector<torch::jit::Module> stages_;
    std::vector<std::string> names_;
    torch::jit::Module classifier_;
    std::optional<torch::jit::Module> neck_;
    torch::Device device_{torch::kCPU};
    int featureDim_ = 0;
    int classifierOutputs_ = 0;
};

}  // namespace niwt
