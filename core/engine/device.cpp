#include "core/engine/device.h"

#include "core/engine/cpu_allocator.h"

#include <torch/cuda.h>
#include <torch/utils.h>

#include <dlfcn.h>
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace niwt {

torch::Device chooseDevice(const std::string& preference) {
    if (preference.empty() || preference == "auto")
        return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
    if (preference == "cpu") return torch::Device(torch::kCPU);
    if (preference.rfind("cuda", 0) == 0) {
        if (!torch::cuda::is_available())
            throw std::invalid_argument("device '" + preference + "' asked for, but this LibTorch sees no CUDA device");
        return torch::Device(preference);
    }
    throw std::invalid_argument("unknown device '" + preference + "' (use auto, cpu, cuda or cuda:N)");
}

void keepBlasSingleThreaded() {
    // LibTorch already splits work over its intra-op threads; OpenBLAS's own pool on top of them
    // oversubscribes the cores. On 2 cores that made alpha2w's small products 2-3x slower (typed
    // path 124 -> 56 ms, niwt bench learn) and changed extraction by nothing measurable (45 vs 46
    // images/s). Looked up at run time: the BLAS behind libblas.so.3 need not be OpenBLAS.
    using SetThreads = void (*)(int);
    if (const auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(1);
}

std::string blasKernels() {
    using CoreName = char* (*)();
    const auto name = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
    return name ? std::string(name()) : std::string();
}

std::string selectBlasKernels() {
    const std::string current = blasKernels();
    // Only OpenBLAS's fallback is replaced; a user's own OPENBLAS_CORETYPE is left alone.
    if (current != "Prescott" || std::getenv("OPENBLAS_CORETYPE")) return current;
    __builtin_cpu_init();
    const char* wanted = __builtin_cpu_supports("avx512f")                                    ? "SkylakeX"
                         : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? "Haswell"
                                                                                            : nullptr;
    using Hook = void (*)();
    const auto quit = reinterpret_cast<Hook>(dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit"));
    const auto init = reinterpret_cast<Hook>(dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init"));
    if (!wanted || !quit || !init) return current;
    // The environment too, so child processes (the eager benchmark's Python) get the same kernels.
    setenv("OPENBLAS_CORETYPE", wanted, 0);
    quit();  // forgets the chosen kernel table; init chooses again, now by OPENBLAS_CORETYPE
    init();
    return blasKernels();
}

namespace {
std::atomic<int> preferredThreads{0};

// Before main() and before any thread exists: OpenBLAS has initialised (it is a dependency) and
// nothing has called it yet, so its kernel table can still be swapped safely.
const std::string kernelsAtStart = selectBlasKernels();
}  // namespace

void setPreferredTorchThreads(int threads) {
    const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
    preferredThreads = threads <= 0 ? 0 : std::min(threads, 4 * cores);
}

int preferredTorchThreads() { return preferredThreads; }

int configureTorchThreads() {
    const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
    const int wanted = preferredThreads > 0 ? preferredThreads.load() : cores;
    if (torch::get_num_threads() != wanted) torch::set_num_threads(wanted);
    keepBlasSingleThreaded();
    installCachingCpuAllocator();
    return torch::get_num_threads();
}

std::string describeDevice(const torch::Device& device) { return device.str(); }

}  // namespace niwt
