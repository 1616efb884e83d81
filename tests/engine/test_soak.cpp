// Soak: 200 cycles of learn -> cancel -> learn on one prepared NiwtSession (the explorer's engine),
// watching resident memory and the number of threads. A leak of even 50 KB per cycle would add
// 9.5 MB over the 190 measured cycles; a thread started per learn would add 190 threads.
#include "core/engine/cancelled.h"
#include "core/pipeline/niwt_session.h"
#include "tests/widgets/session_fixture.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace {

constexpr int kCycles = 200;
// Allocators and LibTorch's caches settle during the first cycles; memory is compared after them.
constexpr int kWarmUpCycles = 10;
// Flat means: less than this growth between the end of warm-up and the last cycle (a 10 KB/cycle
// leak, 1.9 MB over the measured cycles, stays under it; malloc's arena noise is far below).
constexpr long kMaxGrowthBytes = 2L << 20;
// AddressSanitizer keeps freed blocks in quarantine (up to 256 MB) before reusing them, so resident
// memory grows under it without any leak; there LeakSanitizer checks for leaks at exit instead.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kUnderAddressSanitizer = true;
#else
constexpr bool kUnderAddressSanitizer = false;
#endif

long residentBytes() {
    std::ifstream statm("/proc/self/statm");
    long sizePages = 0, residentPages = 0;
    statm >> sizePages >> residentPages;
    return residentPages * sysconf(_SC_PAGESIZE);
}

int threadCount() {
    int count = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) ++count;
    return count;
}

std::filesystem::path scratchDir() {
    const char* base = std::getenv("NIWT_CACHE_DIR");
    auto dir = std::filesystem::path(base && *base ? base : std::filesystem::temp_directory_path().string()) / "soak";
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace

TEST(Soak, LearnCancelLearnKeepsMemoryAndThreadsFlat) {
    const auto dir = scratchDir();
    auto dataset = niwt::test::smallFashionMnist(40, 10);
    niwt::EngineContext context;
    context.dataset = dataset;
    context.bundle = niwt::test::smallNetwork(*dataset, (dir / "network").string());
    context.cacheDir = (dir / "features").string();
    context.device = "cpu";
    niwt::NiwtSession session(context);
    session.prepare();

    // A description of a new class: the attribute vector of the first unseen class.
    const niwt::Modality* modality = session.modality();
    ASSERT_NE(modality, nullptr);
    int unseen = -1;
    for (size_t c = 0; c < dataset->classes.size() && unseen < 0; ++c)
        if (!dataset->classes[c].seen) unseen = int(c);
    ASSERT_GE(unseen, 0);
    const std::vector<float> description(modality->row(unseen), modality->row(unseen) + modality->dims);

    niwt::LearnedClass reference;
    long warmResident = 0, endResident = 0;
    int warmThreads = 0, endThreads = 0;
    long startResident = residentBytes();
    for (int cycle = 0; cycle < kCycles; ++cycle) {
        // Cancelled at the second alpha2w step: the optimisation has started and must unwind.
        int polls = 0;
        bool cancelled = false;
        try {
            session.learnClass("soak", description, {}, [&] { return ++polls >= 2; });
        } catch (const niwt::Cancelled&) {
            cancelled = true;
        }
        ASSERT_TRUE(cancelled) << "cycle " << cycle << ": learnClass finished before the cancel request";

        niwt::LearnedClass learned = session.learnClass("soak", description);
        if (cycle == 0) {
            reference = learned;
            ASSERT_GT(reference.iterations, 0);
        } else {
            // A cancelled run leaves nothing behind: every complete run gives the same classifier.
            ASSERT_EQ(learned.weight, reference.weight) << "cycle " << cycle;
            ASSERT_EQ(learned.bias, reference.bias) << "cycle " << cycle;
            ASSERT_EQ(learned.iterations, reference.iterations) << "cycle " << cycle;
        }
        if (cycle + 1 == kWarmUpCycles) {
            warmResident = residentBytes();
            warmThreads = threadCount();
        }
    }
    endResident = residentBytes();
    endThreads = threadCount();

    std::cout << "soak: " << kCycles << " cycles; resident memory start " << startResident / 1024 << " KiB, after "
              << kWarmUpCycles << " cycles " << warmResident / 1024 << " KiB, end " << endResident / 1024
              << " KiB (growth after warm-up " << (endResident - warmResident) / 1024 << " KiB); threads after warm-up "
              << warmThreads << ", end " << endThreads << "\n";
    RecordProperty("resident_start_kib", std::to_string(startResident / 1024));
    RecordProperty("resident_warm_kib", std::to_string(warmResident / 1024));
    RecordProperty("resident_end_kib", std::to_string(endResident / 1024));
    if (!kUnderAddressSanitizer) {
        EXPECT_LT(endResident - warmResident, kMaxGrowthBytes);
    }
    EXPECT_EQ(endThreads, warmThreads);
}
