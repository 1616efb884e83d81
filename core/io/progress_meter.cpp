#include "core/io/progress_meter.h"

#include <cmath>
#include <cstdio>

namespace niwt {

namespace {
// A rate from less than this is mostly start-up noise (the first batch's decoding, say).
constexpr double kMinSecondsForRate = 0.5;
}  // namespace

std::string formatDuration(double seconds) {
    const long total = std::lround(std::max(0.0, seconds));
    char buffer[32];
    if (total >= 3600)
        std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", total / 3600, (total / 60) % 60, total % 60);
    else
        std::snprintf(buffer, sizeof buffer, "%ld:%02ld", total / 60, total % 60);
    return buffer;
}

std::string ProgressReport::text() const {
    std::string out = phase;
    if (total > 0)
        out += " " + std::to_string(done) + "/" + std::to_string(total);
    else if (done > 0)
        out += " " + std::to_string(done);
    if (perSecond > 0) {
        char rate[32];
        std::snprintf(rate, sizeof rate, perSecond >= 100 ? "%.0f/s" : "%.1f/s", perSecond);
        out += std::string(" · ") + rate;
    }
    if (secondsLeft >= 0 && total > 0 && done < total) out += " · " + formatDuration(secondsLeft) + " left";
    return out;
}

ProgressMeter::ProgressMeter(std::chrono::milliseconds interval, Clock clock)
    : interval_(interval), clock_(std::move(clock)) {}

std::chrono::steady_clock::time_point ProgressMeter::now() const {
    return clock_ ? clock_() : std::chrono::steady_clock::now();
}

std::optional<ProgressReport> ProgressMeter::update(const std::string& phase, int done, int total) {
    const auto t = now();
    const bool newPhase = !started_ || phase != last_.phase || done < last_.done;
    if (newPhase) {
        started_ = true;
        phaseStart_ = t;
        phaseStartDone_ = done;
    }
    ProgressReport report;
    report.phase = phase;
    report.done = done;
    report.total = total;
    report.secondsElapsed = std::chrono::duration<double>(t - phaseStart_).count();
    const int items = done - phaseStartDone_;
    if (report.secondsElapsed >= kMinSecondsForRate && items > 0) {
        report.perSecond = items / report.secondsElapsed;
        if (total > 0) report.secondsLeft = std::max(0, total - done) / report.perSecond;
    }
    last_ = report;
    const bool finished = total > 0 && done >= total;
    if (newPhase || finished || t - lastShown_ >= interval_) {
        lastShown_ = t;
        return report;
    }
    return std::nullopt;
}

}  // namespace niwt
