#pragma once
// Hand-made staged TorchScript networks whose importances can be computed by hand.
#include <torch/script.h>
#include <torch/torch.h>

#include <string>
#include <vector>

namespace niwt::test {

// A stage module with the given parameters and TorchScript body `return <expr>` in x.
inline torch::jit::Module scriptedStage(const std::string& name,
                                        const std::vector<std::pair<std::string, torch::Tensor>>& params,
                                        const std::string& expr) {
    torch::jit::Module m("__torch__.niwt_test." + name);
    for (const auto& [n, t] : params) m.register_parameter(n, t, false);
    m.define("def forward(self, x):\n    return " + expr + "\n");
    return m;
}

// Two stages: "id" (identity) then "mix" (1x1 conv with weight v (M x K), bias vb, then ReLU);
// classifier Linear(M -> C) with weight w, bias wb.
inline torch::jit::Module identityThenMix(const torch::Tensor& v, const torch::Tensor& vb, const torch::Tensor& w,
                                          const torch::Tensor& wb) {
    torch::jit::Module stages("__torch__.niwt_test.Stages");
    stages.register_module("id", scriptedStage("Id", {}, "x"));
    stages.register_module("mix", scriptedStage("Mix", {{"weight", v.unsqueeze(2).unsqueeze(3)}, {"bias", vb}},
                                                "torch.relu(torch.conv2d(x, self.weight, self.bias))"));
    torch::jit::Module net("__torch__.niwt_test.Net");
    net.register_module("stages", stages);
    net.register_module("classifier", scriptedStage("Linear", {{"weight", w}, {"bias", wb}},
                                                    "torch.linear(x, self.weight, self.bias)"));
    c10::List<std::string> names;
    names.push_back("id");
    names.push_back("mix");
    net.register_attribute("stage_names", c10::ListType::ofStrings(), names);
    net.define(
        "def forward(self, x):\n    return "
        "self.classifier.forward(self.stages.mix.forward(self.stages.id.forward(x)).mean([2, 3]))\n");
    return net;
}

}  // namespace niwt::test
