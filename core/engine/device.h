#pragma once
// Choosing the compute device once, and sizing LibTorch's thread pools.
#include <torch/types.h>

#include <string>

namespace niwt {

// "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N".
// Throws std::invalid_argument for an unknown name or CUDA asked for but absent.
torch::Device chooseDevice(const std::string& preference = "auto");

// Sets LibTorch's intra-op threads to the core count (Debian's build starts with 1), and OpenBLAS's
// own thread pool, when OpenBLAS is the BLAS, to one thread (LibTorch's threads already share the
// cores), and installs the caching CPU allocator (cpu_allocator.h). Idempotent; returns the thread
// count in use.
int configureTorchThreads();
// The intra-op thread count configureTorchThreads() sets from now on (0: one per core; clamped
// to 1..4 x the core count). For a preference set by the user (the explorer's Preferences).
void setPreferredTorchThreads(int threads);
int preferredTorchThreads();  // 0: one per core
// OpenBLAS's thread pool to one thread when OpenBLAS is loaded; nothing otherwise.
void keepBlasSingleThreaded();

// OpenBLAS 0.3.21 (Debian 12) picks its SSE3 "Prescott" kernels on CPUs it does not know by
// model, such as recent Xeons under a hypervisor, although they have AVX-512: its float GEMM is then
// ~5x slower (niwt's full alpha2w product: 179 ms against 33 ms, 3942 x 1280 x 320, 2 cores). This
// chooses by the CPU's own features instead (SkylakeX for AVX-512, Haswell for AVX2 + FMA), only
// when OpenBLAS is loaded, fell back to Prescott and the user set no OPENBLAS_CORETYPE. device.cpp
// runs it once before main(), while nothing calls BLAS; returns the kernels then in use.
std::string selectBlasKernels();
// OpenBLAS's kernel set ("SkylakeX", "Haswell", "Prescott", ...); empty when OpenBLAS is not loaded.
std::string blasKernels();

// "cpu" or "cuda:0 (NVIDIA H100 ...)" for status bars and JSON output.
std::string describeDevice(const torch::Device& device);

}  // namespace niwt
