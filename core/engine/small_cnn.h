#pragma once
// A small CNN in the niwt-bundle layout (stages + classifier + stage_names), built and trained
// in C++ as a TorchScript module, so it saves to a bundle.pt that LibTorch and Python load alike.
// Used for the embedded default data set, which comes without a pretrained network.
#include <torch/script.h>
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

namespace niwt {

struct SmallCnnShape {
    int inChannels = 1;
    std::vector<int> widths{16, 32, 64};  // one conv stage each: 3x3 conv + ReLU (+ 2x2 max-pool but last)
    int classes = 10;
};

// Stage names are conv1, conv2, ...; weights Kaiming-initialised from `seed`.
torch::jit::Module makeSmallCnn(const SmallCnnShape& shape, uint64_t seed);

struct CnnTrainingOptions {
    int epochs = 3;
    int batchSize = 128;
    double learningRate = 2e-3;  // Adam
    uint64_t seed = 1;
};

// (epoch, epochs, batch, batches, running loss, running accuracy) -> false cancels (throws Cancelled).
using CnnProgress = std::function<bool(int, int, int, int, double, double)>;

// images: N x C x H x W normalised float (CPU), labels: N int64. Trains `module` in place on
// `device` (then moves it back to the CPU, in eval mode).
void trainSmallCnn(torch::jit::Module& module, const torch::Tensor& images, const torch::Tensor& labels,
                   const CnnTrainingOptions& options, const torch::Device& device, const CnnProgress& progress);

}  // namespace niwt
