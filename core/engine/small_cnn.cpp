#include "core/engine/small_cnn.h"

#include "core/engine/cancelled.h"

namespace niwt {

namespace {

torch::jit::Module convStage(const std::string& name, int in, int out, bool pool) {
    torch::jit::Module stage("__torch__.niwt.SmallCnn." + name);
    auto w = torch::empty({out, in, 3, 3});
    torch::nn::init::kaiming_normal_(w, 0.0, torch::kFanIn, torch::kReLU);
    stage.register_parameter("weight", w, false);
    stage.register_parameter("bias", torch::zeros({out}), false);
    std::string body = "torch.relu(torch.conv2d(x, self.weight, self.bias, [1, 1], [1, 1]))";
    if (pool) body = "torch.max_pool2d(" + body + ", [2, 2], [2, 2])";
    stage.define("def forward(self, x):\n    return " + body + "\n");
    return stage;
}

}  // namespace

torch::jit::Module makeSmallCnn(const SmallCnnShape& shape, uint64_t seed) {
    torch::manual_seed(seed);
    torch::jit::Module stages("__torch__.niwt.SmallCnn.Stages");
    c10::List<std::string> names;
    std::string forward = "def forward(self, x):\n";
    int in = shape.inChannels;
    for (size_t i = 0; i < shape.widths.size(); ++i) {
        const std::string name = "conv" + std::to_string(i + 1);
        stages.register_module(name, convStage(name, in, shape.widths[i], i + 1 < shape.widths.size()));
        names.push_back(name);
        forward += "    x = self.stages." + name + ".forward(x)\n";
        in = shape.widths[i];
    }
    torch::jit::Module classifier("__torch__.niwt.SmallCnn.Classifier");
    const double bound = 1.0 / std::sqrt(double(in));
    classifier.register_parameter("weight", torch::empty({shape.classes, in}).uniform_(-bound, bound), false);
    classifier.register_parameter("bias", torch::zeros({shape.classes}), false);
    classifier.define("def forward(self, x):\n    return torch.linear(x, self.weight, self.bias)\n");

    torch::jit::Module net("__torch__.niwt.SmallCnn.Net");
    net.register_module("stages", stages);
    net.register_module("classifier", classifier);
    net.register_attribute("stage_names", c10::ListType::ofStrings(), names);
    forward += "    return self.classifier.forward(x.mean([2, 3]))\n";
    net.define(forward);
    return net;
}

void trainSmallCnn(torch::jit::Module& module, const torch::Tensor& images, const torch::Tensor& labels,
                   const CnnTrainingOptions& options, const torch::Device& device, const CnnProgress& progress) {
    module.to(device);
    module.train();
    std::vector<torch::Tensor> params;
    for (auto p : module.parameters()) {
        p.requires_grad_(true);
        params.push_back(p);
    }
    torch::optim::Adam optimiser(params, torch::optim::AdamOptions(options.learningRate));
    const int64_t n = images.size(0);
    const int batches = int((n + options.batchSize - 1) / options.batchSize);
    auto generator = at::detail::createCPUGenerator(options.seed);
    for (int epoch = 1; epoch <= options.epochs; ++epoch) {
        const auto order = torch::randperm(n, generator, torch::kLong);
        double lossSum = 0, correct = 0, seen = 0;
        for (int b = 0; b < batches; ++b) {
            const auto idx =
                order.slice(0, int64_t(b) * options.batchSize, std::min(n, int64_t(b + 1) * options.batchSize));
            const auto x = images.index_select(0, idx).to(device);
            const auto y = labels.index_select(0, idx).to(device);
            optimiser.zero_grad();
            const auto logits = module.forward({x}).toTensor();
            auto loss = torch::nn::functional::cross_entropy(logits, y);
            loss.backward();
            optimiser.step();
            lossSum += loss.item<double>() * double(idx.size(0));
            correct += logits.argmax(1).eq(y).sum().item<double>();
            seen += double(idx.size(0));
            if (progress && !progress(epoch, options.epochs, b + 1, batches, lossSum / seen, correct / seen))
                throw Cancelled();
        }
    }
    for (auto p : module.parameters()) p.requires_grad_(false);
    module.eval();
    module.to(torch::kCPU);
}

}  // namespace niwt
