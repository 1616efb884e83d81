// niwt-engine-bench: the engine alone (LibTorch only, no OpenCV/Qt), so it builds against any
// LibTorch, CUDA ones included. Times neuron-importance extraction on random input tensors:
//   niwt-engine-bench BUNDLE.pt [--stage NAME] [--batch N] [--images N] [--device auto|cpu|cuda]
// Prints one JSON object with images/s for the forward pass alone and for forward + importances,
// with and without channels-last memory format.
#include "core/engine/device.h"
#include "core/engine/importance.h"

#include <torch/cuda.h>

#include <chrono>
#include <iostream>
#include <sstream>

using namespace niwt;

namespace {

double timeIt(const torch::Device& device, const std::function<void()>& work) {
    if (device.is_cuda()) torch::cuda::synchronize();
    const auto start = std::chrono::steady_clock::now();
    work();
    if (device.is_cuda()) torch::cuda::synchronize();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr
            << "usage: niwt-engine-bench BUNDLE.pt [--stage NAME] [--batch N] [--images N] [--device D] [--size S]\n";
        return 2;
    }
    std::string stageName, deviceName = "auto";
    int batch = 32, images = 256, size = 224;
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string key = argv[i], value = argv[i + 1];
        if (key == "--stage")
            stageName = value;
        else if (key == "--batch")
            batch = std::stoi(value);
        else if (key == "--images")
            images = std::stoi(value);
        else if (key == "--device")
            deviceName = value;
        else if (key == "--size")
            size = std::stoi(value);
        else {
            std::cerr << "unknown option " << key << "\n";
            return 2;
        }
    }
    try {
        const int threads = configureTorchThreads();
        const auto device = chooseDevice(deviceName);
        StagedNetwork net(torch::jit::load(argv[1], torch::kCPU));
        net.to(device);
        const int stage = stageName.empty() ? net.defaultImportanceStage() : net.stageIndex(stageName);
        if (stage < 0) throw std::invalid_argument("no stage named " + stageName);
        const int batches = std::max(1, images / batch);
        const int classes = 73;  // the CUB seen-class count; the cost does not depend on it much
        LinearHead head{torch::randn({classes, net.featureDim()}).to(device) * 0.01,
                        torch::zeros({classes}).to(device)};
        const auto x = torch::randn({batch, 3, size, size}).to(device);
        const auto targets = torch::randint(classes, {batch}, torch::kLong).to(device);

        std::ostringstream json;
        json << "{\n  \"device\": \"" << describeDevice(device) << "\",\n  \"torch_threads\": " << threads
             << ",\n  \"stage\": \"" << net.stageNames()[size_t(stage)] << "\",\n  \"batch\": " << batch
             << ",\n  \"images\": " << batches * batch;
        for (const bool channelsLast : {false, true}) {
            const auto input = channelsLast ? x.contiguous(at::MemoryFormat::ChannelsLast) : x;
            // Warm-up: allocator, cuDNN/oneDNN algorithm choice.
            for (int w = 0; w < 2; ++w)
                neuronImportances(net, stage, head, stageActivations(net, input, stage), targets);
            const double forward = timeIt(device, [&] {
                torch::NoGradGuard g;
                for (int b = 0; b < batches; ++b) net.featuresFromStage(net.runStages(input, 0, stage), stage);
            });
            const double importances = timeIt(device, [&] {
                for (int b = 0; b < batches; ++b)
                    neuronImportances(net, stage, head, stageActivations(net, input, stage), targets).to(torch::kCPU);
            });
            const std::string tag = channelsLast ? "channels_last" : "contiguous";
            json << ",\n  \"" << tag << "_forward_images_per_s\": " << batches * batch / forward << ",\n  \"" << tag
                 << "_importances_images_per_s\": " << batches * batch / importances;
        }
        json << "\n}\n";
        std::cout << json.str();
    } catch (const c10::Error& e) {
        std::cerr << "niwt-engine-bench: " << e.what_without_backtrace() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "niwt-engine-bench: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
