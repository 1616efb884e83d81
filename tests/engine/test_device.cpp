// BLAS kernel choice (core/engine/device.h): OpenBLAS must not run its SSE3 fallback on a CPU with
// AVX2, and the kernels swapped in before main() must still compute correct products.
#include <torch/torch.h>

#include "core/engine/device.h"

#include <gtest/gtest.h>

using namespace niwt;

TEST(Device, OpenBlasUsesTheCpusVectorKernels) {
    const std::string kernels = blasKernels();
    if (kernels.empty()) GTEST_SKIP() << "the BLAS behind LibTorch is not OpenBLAS";
    __builtin_cpu_init();
    if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")))
        GTEST_SKIP() << "no AVX2 + FMA: Prescott is the right choice here";
    // Prescott is OpenBLAS's fallback for CPUs it does not recognise; with AVX2 it costs ~5x.
    EXPECT_NE(kernels, "Prescott");
    // Idempotent: asking again keeps the same kernels.
    EXPECT_EQ(selectBlasKernels(), kernels);
}

TEST(Device, ProductsWithTheChosenKernelsMatchDoublePrecision) {
    torch::manual_seed(1);
    // The shape of full alpha2w's product (27 classes x 146 pool images, 1280 features, 320 channels).
    const auto a = torch::randn({3942, 1280}), b = torch::randn({1280, 320});
    const auto exact = torch::mm(a.to(torch::kFloat64), b.to(torch::kFloat64));
    const double error = (torch::mm(a, b).to(torch::kFloat64) - exact).abs().max().item<double>();
    // Each entry sums 1280 products of unit normals (size ~36); float32 rounding keeps it within
    // ~1e-4 relative, far below what a wrong kernel (garbage or zeros) gives.
    EXPECT_LT(error, 1e-2) << "largest |float - double| " << error;
}
