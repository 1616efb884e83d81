#include "core/engine/cpu_allocator.h"

#include <c10/core/CPUAllocator.h>

#include <sys/mman.h>
#include <unistd.h>
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

namespace niwt {

namespace {

// Kept blocks are whole multiples of this: a huge page, so that transparent huge pages can back
// them, and so that requests differing by a few bytes (the last, smaller batch) share blocks.
constexpr size_t kBlockGranularity = size_t(2) << 20;
// A kept block serves a request up to this many times smaller: fewer distinct blocks (a network's
// activations come in many sizes), at most half of a reused block left unused.
constexpr size_t kReuseMaxOversize = 2;
// Default cap on kept blocks: an eighth of physical memory, but never more than this.
constexpr size_t kDefaultIdleLimitMax = size_t(1) << 30;

size_t roundUpToGranularity(size_t bytes) {
    return (bytes + kBlockGranularity - 1) / kBlockGranularity * kBlockGranularity;
}

size_t defaultIdleLimit() {
    const long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || pageSize <= 0) return kDefaultIdleLimitMax / 4;
    return std::min(kDefaultIdleLimitMax, size_t(pages) * size_t(pageSize) / 8);
}

// The blocks: those held by tensors (by address, with their size) and those kept for reuse (by
// size). All state is behind one mutex; a batch asks for a few dozen large blocks, so it is not hot.
class BlockCache {
public:
    void* take(size_t bytes) {
        // Rounding up, and mapping a huge page more, must not wrap around to a small block.
        if (bytes > std::numeric_limits<size_t>::max() / 2) throw std::bad_alloc();
        const size_t size = roundUpToGranularity(bytes);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            // The smallest kept block that fits, unless it is more than twice the size asked for.
            const auto kept = idle_.lower_bound(size);
            if (kept != idle_.end() && kept->first <= kReuseMaxOversize * size) {
                const size_t keptSize = kept->first;
                void* block = kept->second.back();
                kept->second.pop_back();
                if (kept->second.empty()) idle_.erase(kept);
                idleBytes_ -= keptSize;
                live_.emplace(block, keptSize);
                liveBytes_ += keptSize;
                ++reuses_;
                return block;
            }
        }
        void* block = mapBlock(size);
        if (!block) {
            // Kept blocks of other sizes may be what stands in the way: give them back and retry.
            releaseIdle();
            block = mapBlock(size);
        }
        if (!block) throw std::bad_alloc();
        std::lock_guard<std::mutex> lock(mutex_);
        live_.emplace(block, size);
        liveBytes_ += size;
        ++fresh_;
        return block;
    }

    // False when the block is not one of ours (the caller frees it as the default allocator would).
    bool give(void* block) {
        size_t size = 0;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            const auto it = live_.find(block);
            if (it == live_.end()) return false;
            size = it->second;
            live_.erase(it);
            liveBytes_ -= size;
            if (openScopes_ > 0 && idleBytes_ + size <= idleLimit_) {
                idle_[size].push_back(block);
                idleBytes_ += size;
                return true;
            }
        }
        munmap(block, size);
        return true;
    }

    void releaseIdle() {
        std::vector<std::pair<void*, size_t>> blocks;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            for (auto& [size, list] : idle_)
                for (void* block : list) blocks.emplace_back(block, size);
            idle_.clear();
            idleBytes_ = 0;
        }
        for (const auto& [block, size] : blocks) munmap(block, size);
    }

    void openScope() {
        std::lock_guard<std::mutex> lock(mutex_);
        ++openScopes_;
    }

    void closeScope() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (--openScopes_ > 0) return;
        }
        releaseIdle();
    }

    void setIdleLimit(size_t bytes) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            idleLimit_ = bytes;
            if (idleBytes_ <= idleLimit_) return;
        }
        releaseIdle();
    }

    CpuCacheStats stats() {
        std::lock_guard<std::mutex> lock(mutex_);
        return {idleBytes_, liveBytes_, reuses_, fresh_};
    }

private:
    // A block aligned to the granularity (a huge page), so that transparent huge pages can back all
    // of it: a larger mapping is made and its unaligned ends are cut off.
    static void* mapBlock(size_t size) {
        const size_t span = size + kBlockGranularity;
        void* mapped = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mapped == MAP_FAILED) return nullptr;
        char* const start = static_cast<char*>(mapped);
        const size_t head = (kBlockGranularity - reinterpret_cast<uintptr_t>(start) % kBlockGranularity) %
                            kBlockGranularity;
        if (head > 0) munmap(start, head);
        if (span - head - size > 0) munmap(start + head + size, span - head - size);
        char* const block = start + head;
#ifdef MADV_HUGEPAGE
        // A hint: one fault per 2 MiB instead of per 4 KiB where transparent huge pages are on
        // ("madvise" or "always"); ignored elsewhere.
        madvise(block, size, MADV_HUGEPAGE);
#endif
        return block;
    }

    std::mutex mutex_;
    std::unordered_map<void*, size_t> live_;
    std::map<size_t, std::vector<void*>> idle_;
    size_t idleBytes_ = 0, liveBytes_ = 0, reuses_ = 0, fresh_ = 0;
    size_t idleLimit_ = defaultIdleLimit();
    int openScopes_ = 0;  // CpuBlockReuseScope objects alive: freed blocks are kept only while > 0
};

// Never destroyed: tensors freed during static destruction still come back to it.
BlockCache& blockCache() {
    static auto* cache = new BlockCache();
    return *cache;
}

c10::Allocator* systemAllocator() {
    static c10::Allocator* const original = c10::GetDefaultCPUAllocator();
    return original;
}

void freeLargeBlock(void* block) {
    if (!blockCache().give(block)) systemAllocator()->raw_deleter()(block);
}

class CachingCpuAllocator final : public c10::Allocator {
public:
    // LibTorch before 2.3 declares allocate const, later versions not; whichever the base class
    // declares, one of these two overrides it.
    c10::DataPtr allocate(size_t bytes) const { return allocateBlock(bytes); }
    c10::DataPtr allocate(size_t bytes) { return allocateBlock(bytes); }
    // LibTorch 2.3 and later require it (clone() copies through it); earlier ones ignore it.
    void copy_data(void* destination, const void* source, std::size_t bytes) const {
        std::memcpy(destination, source, bytes);
    }
    c10::DeleterFnPtr raw_deleter() const override { return &freeLargeBlock; }

private:
    static c10::DataPtr allocateBlock(size_t bytes) {
        if (bytes < kCachedCpuBlockMinBytes) return systemAllocator()->allocate(bytes);
        void* block = blockCache().take(bytes);
        return {block, block, &freeLargeBlock, c10::Device(c10::DeviceType::CPU)};
    }
};

bool underAddressSanitizer() {
#if defined(__SANITIZE_ADDRESS__)
    return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return true;
#else
    return false;
#endif
#else
    return false;
#endif
}

}  // namespace

bool installCachingCpuAllocator() {
    static const bool installed = [] {
        const char* choice = std::getenv("NIWT_CPU_ALLOCATOR");
        if ((choice && std::string(choice) == "system") || underAddressSanitizer()) return false;
        systemAllocator();  // remembered before it is replaced
        // Priority 1 beats the default's 0; the allocator lives as long as the process.
        c10::SetCPUAllocator(new CachingCpuAllocator(), /*priority=*/1);
        return true;
    }();
    return installed;
}

CpuCacheStats cachedCpuMemoryStats() { return blockCache().stats(); }

void releaseCachedCpuMemory() { blockCache().releaseIdle(); }

CpuBlockReuseScope::CpuBlockReuseScope() { blockCache().openScope(); }

CpuBlockReuseScope::~CpuBlockReuseScope() { blockCache().closeScope(); }

void setCachedCpuMemoryLimit(size_t bytes) { blockCache().setIdleLimit(bytes); }

}  // namespace niwt
