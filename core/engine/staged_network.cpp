#include "core/engine/staged_network.h"

#include <stdexcept>

namespace niwt {

namespace {

torch::jit::Module requireSubmodule(const torch::jit::Module& m, const std::string& name) {
    if (!m.hasattr(name))
        throw std::runtime_error("the TorchScript module has no '" + name +
                                 "' attribute (a niwt-bundle needs stages, classifier and stage_names)");
    const auto value = m.attr(name);
    if (!value.isModule()) throw std::runtime_error("'" + name + "' is not a module");
    return value.toModule();
}

}  // namespace

StagedNetwork::StagedNetwork(torch::jit::Module module) : module_(std::move(module)) {
    const auto stagesModule = requireSubmodule(module_, "stages");
    for (const auto& child : stagesModule.children()) stages_.push_back(child);
    if (stages_.empty()) throw std::runtime_error("'stages' has no child modules");

    if (!module_.hasattr("stage_names"))
        throw std::runtime_error("the TorchScript module has no 'stage_names' attribute");
    const auto namesValue = module_.attr("stage_names");
    if (!namesValue.isList()) throw std::runtime_error("'stage_names' is not a list of strings");
    for (const auto& n : namesValue.toListRef()) {
        if (!n.isString()) throw std::runtime_error("'stage_names' holds a non-string entry");
        names_.push_back(n.toStringRef());
    }
    if (names_.size() != stages_.size())
        throw std::runtime_error("'stage_names' has " + std::to_string(names_.size()) + " names but 'stages' has " +
                                 std::to_string(stages_.size()) + " modules");

    classifier_ = requireSubmodule(module_, "classifier");
    if (!classifier_.hasattr("weight") || !classifier_.attr("weight").isTensor() ||
        classifier_.attr("weight").toTensor().dim() != 2)
        throw std::runtime_error("'classifier' is not a Linear layer (no 2-D 'weight')");
    const auto w = classifier_.attr("weight").toTensor();
    classifierOutputs_ = int(w.size(0));
    featureDim_ = int(w.size(1));
    if (module_.hasattr("neck") && module_.attr("neck").isModule()) neck_ = module_.attr("neck").toModule();

    module_.eval();
    for (auto p : module_.parameters()) p.requires_grad_(false);
}

void StagedNetwork::to(const torch::Device& device) {
    module_.to(device);
    device_ = device;
    for (auto p : module_.parameters()) p.requires_grad_(false);
}

int StagedNetwork::stageIndex(const std::string& name) const {
    for (size_t i = 0; i < names_.size(); ++i)
        if (names_[i] == name) return int(i);
    return -1;
}

torch::Tensor StagedNetwork::runStages(torch::Tensor x, int first, int last) const {
    if (first < 0 || last >= stageCount()) throw std::out_of_range("stage range out of bounds");
    for (int i = first; i <= last; ++i) x = const_cast<torch::jit::Module&>(stages_[size_t(i)]).forward({x}).toTensor();
    return x;
}

torch::Tensor StagedNetwork::featuresFromStage(const torch::Tensor& activations, int stage) const {
    torch::Tensor x = activations;
    if (stage + 1 < stageCount()) x = runStages(x, stage + 1, stageCount() - 1);
    x = x.mean({2, 3});
    if (neck_) x = const_cast<torch::jit::Module&>(*neck_).forward({x}).toTensor();
    return x;
}

torch::Tensor StagedNetwork::classify(const torch::Tensor& features) const {
    return const_cast<torch::jit::Module&>(classifier_).forward({features}).toTensor();
}

torch::Tensor StagedNetwork::logits(const torch::Tensor& images) const {
    return classify(featuresFromStage(runStages(images, 0, 0), 0));
}

}  // namespace niwt
