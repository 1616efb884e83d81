// The caching CPU allocator (core/engine/cpu_allocator.h): within a reuse scope, freed large blocks
// come back for the next request of the same rounded size, small ones are left to LibTorch, the cap
// on kept memory holds, and tensors on reused blocks compute what they should; outside every scope
// nothing is kept.
#include <torch/torch.h>

#include <c10/core/CPUAllocator.h>

#include "core/engine/cpu_allocator.h"
#include "core/engine/device.h"

#include <gtest/gtest.h>

#include <optional>

using namespace niwt;

namespace {

constexpr size_t kMiB = size_t(1) << 20;
constexpr size_t kHugePage = 2 * kMiB;  // the allocator's block granularity

torch::Tensor bytes(size_t n) { return torch::empty({int64_t(n)}, torch::kByte); }

class CpuAllocator : public ::testing::Test {
protected:
    void SetUp() override {
        // configureTorchThreads installs it, as every entry point of the engine calls it.
        configureTorchThreads();
        if (!installCachingCpuAllocator())
            GTEST_SKIP() << "the caching allocator is off (NIWT_CPU_ALLOCATOR=system or AddressSanitizer)";
        releaseCachedCpuMemory();
        job_.emplace();  // as an engine job holds one
    }
    void TearDown() override {
        job_.reset();
        setCachedCpuMemoryLimit(size_t(1) << 30);
        releaseCachedCpuMemory();
    }
    std::optional<CpuBlockReuseScope> job_;
};

}  // namespace

TEST_F(CpuAllocator, AFreedBlockServesTheNextRequestOfTheSameRoundedSize) {
    const CpuCacheStats before = cachedCpuMemoryStats();
    void* first = nullptr;
    {
        const auto t = bytes(4 * kMiB);
        first = t.data_ptr();
        // Blocks are huge-page aligned, so transparent huge pages can back the whole block.
        EXPECT_EQ(reinterpret_cast<uintptr_t>(first) % kHugePage, 0u);
        EXPECT_EQ(cachedCpuMemoryStats().liveBytes - before.liveBytes, 4 * kMiB);
        EXPECT_EQ(cachedCpuMemoryStats().fresh - before.fresh, 1u);
    }
    EXPECT_EQ(cachedCpuMemoryStats().idleBytes, 4 * kMiB);
    // 3 MiB + 1 byte rounds up to the same two huge pages: the kept block is handed out again.
    const auto again = bytes(3 * kMiB + 1);
    EXPECT_EQ(again.data_ptr(), first);
    EXPECT_EQ(cachedCpuMemoryStats().reuses - before.reuses, 1u);
    EXPECT_EQ(cachedCpuMemoryStats().idleBytes, 0u);
    // 5 MiB rounds to 6 MiB: another size, a new block.
    const auto other = bytes(5 * kMiB);
    EXPECT_NE(other.data_ptr(), first);
    EXPECT_EQ(cachedCpuMemoryStats().fresh - before.fresh, 2u);
}

TEST_F(CpuAllocator, AKeptBlockServesSmallerRequestsUpToHalfItsSize) {
    void* kept = nullptr;
    { kept = bytes(8 * kMiB).data_ptr(); }
    {
        // 5 MiB rounds to 6 MiB; the kept 8 MiB block is within twice that, so it serves.
        const auto smaller = bytes(5 * kMiB);
        EXPECT_EQ(smaller.data_ptr(), kept);
        EXPECT_EQ(cachedCpuMemoryStats().liveBytes, 8 * kMiB);  // the whole block is in use
    }
    // 3 MiB rounds to 4 MiB; 8 MiB is not more than twice that: still the same block.
    { EXPECT_EQ(bytes(3 * kMiB).data_ptr(), kept); }
    // 2 MiB: the 8 MiB block would leave three quarters unused, so a new block is mapped.
    const auto fresh = cachedCpuMemoryStats().fresh;
    const auto small = bytes(2 * kMiB);
    EXPECT_NE(small.data_ptr(), kept);
    EXPECT_EQ(cachedCpuMemoryStats().fresh, fresh + 1);
    EXPECT_EQ(cachedCpuMemoryStats().idleBytes, 8 * kMiB);
}

TEST_F(CpuAllocator, SmallTensorsAreLeftToLibTorch) {
    const CpuCacheStats before = cachedCpuMemoryStats();
    {
        const auto small = bytes(kCachedCpuBlockMinBytes - 1);
        EXPECT_EQ(cachedCpuMemoryStats().liveBytes, before.liveBytes);
    }
    const CpuCacheStats after = cachedCpuMemoryStats();
    EXPECT_EQ(after.fresh, before.fresh);
    EXPECT_EQ(after.idleBytes, 0u);
}

TEST_F(CpuAllocator, KeptMemoryStaysWithinTheLimit) {
    setCachedCpuMemoryLimit(4 * kMiB);
    {
        std::vector<torch::Tensor> blocks;
        for (int i = 0; i < 3; ++i) blocks.push_back(bytes(4 * kMiB));
        EXPECT_EQ(cachedCpuMemoryStats().liveBytes, 12 * kMiB);
    }
    // Three 4 MiB blocks freed under a 4 MiB cap: one is kept, two go back to the system.
    EXPECT_EQ(cachedCpuMemoryStats().idleBytes, 4 * kMiB);
    releaseCachedCpuMemory();
    EXPECT_EQ(cachedCpuMemoryStats().idleBytes, 0u);
    EXPECT_EQ(cachedCpuMemoryStats().liveBytes, 0u);
}

TEST_F(CpuAllocator, TensorsOnReusedBlocksComputeCorrectly) {
    constexpr int64_t n = 1 << 21;  // 8 MiB of float32
    { torch::full({n}, 7.0f); }     // leaves a block of sevens behind
    const auto zeros = torch::zeros({n});
    EXPECT_EQ(cachedCpuMemoryStats().reuses > 0, true);
    // zeros must overwrite what the reused block held.
    EXPECT_EQ(zeros.abs().max().item<float>(), 0.0f);
    // 0 + 1 + ... + (n - 1) = n (n - 1) / 2, exact in float64.
    const auto sum = torch::arange(n, torch::kFloat64).sum().item<double>();
    EXPECT_EQ(sum, double(n) * double(n - 1) / 2);
    // A product on reused blocks equals the same product in float64 to float32 rounding.
    torch::manual_seed(3);
    const auto a = torch::randn({1024, 1024}), b = torch::randn({1024, 1024});
    const auto exact = torch::mm(a.to(torch::kFloat64), b.to(torch::kFloat64));
    EXPECT_LT((torch::mm(a, b).to(torch::kFloat64) - exact).abs().max().item<double>(), 1e-2);
}

TEST_F(CpuAllocator, BlocksAreKeptOnlyWhileAReuseScopeIsOpen) {
    job_.reset();  // no job running, as when the explorer idles
    { bytes(4 * kMiB); }
    // Freed with no scope open: straight back to the system.
    EXPECT_EQ(cachedCpuMemoryStats().idleBytes, 0u);
    torch::Tensor outlives;
    {
        const CpuBlockReuseScope job;
        {
            const CpuBlockReuseScope nested;  // e.g. an extraction pass inside a session's preparation
            { bytes(4 * kMiB); }
            outlives = bytes(6 * kMiB);
        }
        // The nested scope's end does not release what the outer job may still reuse...
        EXPECT_EQ(cachedCpuMemoryStats().idleBytes, 4 * kMiB);
    }
    // ... the last scope's end does,
    EXPECT_EQ(cachedCpuMemoryStats().idleBytes, 0u);
    EXPECT_EQ(cachedCpuMemoryStats().liveBytes, 6 * kMiB);
    // and a tensor a job made but another thread frees later is not kept either.
    outlives = torch::Tensor();
    EXPECT_EQ(cachedCpuMemoryStats().idleBytes, 0u);
    EXPECT_EQ(cachedCpuMemoryStats().liveBytes, 0u);
}

TEST_F(CpuAllocator, RawAllocationsReturnThroughTheRawDeleter) {
    c10::Allocator* allocator = c10::GetCPUAllocator();
    void* large = allocator->raw_allocate(8 * kMiB);
    void* small = allocator->raw_allocate(64);
    ASSERT_NE(large, nullptr);
    ASSERT_NE(small, nullptr);
    EXPECT_EQ(cachedCpuMemoryStats().liveBytes, 8 * kMiB);
    allocator->raw_deallocate(large);
    allocator->raw_deallocate(small);  // not one of the kept blocks: freed as LibTorch's own
    EXPECT_EQ(cachedCpuMemoryStats().idleBytes, 8 * kMiB);
    EXPECT_EQ(cachedCpuMemoryStats().liveBytes, 0u);
}

TEST_F(CpuAllocator, AnImpossibleRequestThrowsInsteadOfCrashing) {
    // 2^50 bytes (1 PiB) cannot be mapped on any machine this runs on.
    EXPECT_THROW(bytes(size_t(1) << 50), std::exception);
    // A size whose rounding up to 2 MiB would wrap around must not come back as a small block.
    EXPECT_THROW(c10::GetCPUAllocator()->allocate(std::numeric_limits<size_t>::max() - 1), std::bad_alloc);
    EXPECT_EQ(cachedCpuMemoryStats().liveBytes, 0u);
}
