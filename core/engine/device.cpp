#include "core/engine/device.h"

#include <torch/cuda.h>
#include <torch/utils.h>

#include <stdexcept>
#include <thread>

namespace niwt {

torch::Device chooseDevice(const std::string& preference) {
    if (preference.empty() || preference == "auto")
        return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
    if (preference == "cpu")
        return torch::Device(torch::kCPU);
    if (preference.rfind("cuda", 0) == 0) {
        if (!torch::cuda::is_available())
            throw std::invalid_argument("device '" + preference + "' asked for, but this LibTorch sees no CUDA device");
        return torch::Device(preference);
    }
    throw std::invalid_argument("unknown device '" + preference + "' (use auto, cpu, cuda or cuda:N)");
}

int configureTorchThreads() {
    const int cores = std::max(1u, std::thread::hardware_concurrency());
    if (torch::get_num_threads() != cores)
        torch::set_num_threads(cores);
    return torch::get_num_threads();
}

std::string describeDevice(const torch::Device& device) {
    return device.str();
}

}  // namespace niwt
