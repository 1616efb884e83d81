#pragma once
// LibTorch's CPU memory with large blocks kept for reuse.
//
// A network's activations are tens to hundreds of MB per batch. glibc serves blocks that large
// with a fresh mmap and returns them with munmap, so every batch touches its memory anew: one page
// fault per 4 KiB page. On a virtual machine that made the kernel's share of extraction larger than
// the arithmetic's (MobileNetV2 to block17, batch 32, 2 cores: 9.4 images/s forward, half of it
// system time; 82 images/s with the same blocks reused). This allocator keeps freed large blocks
// and hands them out again (the smallest kept block that fits, if at most twice the size asked
// for), as PyTorch's CUDA allocator does; blocks are asked to be backed by transparent huge pages
// where the kernel allows it.
#include <cstddef>

namespace niwt {

// Installs the caching allocator as LibTorch's CPU allocator, once per process (later calls do
// nothing). configureTorchThreads() calls it. Not installed when NIWT_CPU_ALLOCATOR=system is set
// or under AddressSanitizer (whose own allocator must see every block to find memory errors).
// Returns whether the caching allocator is in use.
bool installCachingCpuAllocator();

struct CpuCacheStats {
    size_t idleBytes = 0;    // freed blocks kept for reuse
    size_t liveBytes = 0;    // large blocks now held by tensors
    size_t reuses = 0;       // large requests served from the kept blocks
    size_t fresh = 0;        // large requests that mapped new memory
};
CpuCacheStats cachedCpuMemoryStats();

// Returns every kept block to the system. Blocks in use are unaffected.
void releaseCachedCpuMemory();

// Freed large blocks are kept for reuse only while a scope is open (on any thread): an engine job
// holds one (an extraction pass, a session's preparation or learn, an explainer's preparation or
// stage report, an evaluation, a bench), so its batches reuse one another's blocks. When the last
// open scope ends, however it ends, the kept blocks go back to the system, and a block freed while
// no scope is open goes straight back too, so an idle explorer holds none, whichever thread frees
// a tensor after a job. Scopes nest.
class CpuBlockReuseScope {
public:
    CpuBlockReuseScope();
    ~CpuBlockReuseScope();
    CpuBlockReuseScope(const CpuBlockReuseScope&) = delete;
    CpuBlockReuseScope& operator=(const CpuBlockReuseScope&) = delete;
};

// Largest total of kept blocks; a freed block that would exceed it goes back to the system.
// Default: 1/8 of physical memory, at most 1 GiB.
void setCachedCpuMemoryLimit(size_t bytes);

// Requests of at least this many bytes are served by kept blocks; smaller ones by LibTorch's own
// CPU allocator.
constexpr size_t kCachedCpuBlockMinBytes = size_t(1) << 20;

}  // namespace niwt
