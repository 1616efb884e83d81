#pragma once
// Progress of a phased job, as people read it: phase, done/total, rate and time left. Shared by
// the explorer's status bar and `niwt`'s progress lines. Throttled: update() says whether a
// report is worth showing (a new phase, a phase's end, or the interval passed), so a loop can
// call it per item. Plain C++ (no Qt, no torch); the clock can be injected for tests.
#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace niwt {

struct ProgressReport {
    std::string phase;
    int done = 0, total = 0;    // total <= 0: unknown
    double perSecond = 0;       // items per second since the phase began (0 until measurable)
    double secondsLeft = -1;    // < 0: unknown
    double secondsElapsed = 0;  // since the phase began

    // "features 120/5902 · 85.3/s · 1:08 left" (the rate and time left once known).
    std::string text() const;
};

// "0:07", "1:08", "1:02:03".
std::string formatDuration(double seconds);

class ProgressMeter {
public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;
    // `interval`: at most one report per interval within a phase (first and last always pass).
    explicit ProgressMeter(std::chrono::milliseconds interval = std::chrono::milliseconds(250), Clock clock = {});

    // A report when it should be shown, else nothing. A phase name differing from the last one
    // starts a new phase (its rate and clock restart).
    std::optional<ProgressReport> update(const std::string& phase, int done, int total);
    // The latest state, shown or not.
    const ProgressReport& last() const { return last_; }

private:
    std::chrono::steady_clock::time_point now() const;

    std::chrono::milliseconds interval_;
    Clock clock_;
    ProgressReport last_;
    bool started_ = false;
    std::chrono::steady_clock::time_point phaseStart_{}, lastShown_{};
    int phaseStartDone_ = 0;
};

}  // namespace niwt
