// ProgressMeter: rate, time left and throttling, on an injected clock so every figure is exact.
#include "core/io/progress_meter.h"

#include <gtest/gtest.h>

using namespace std::chrono_literals;

namespace {
struct FakeClock {
    std::chrono::steady_clock::time_point t{};
    niwt::ProgressMeter::Clock fn() {
        return [this] { return t; };
    }
};
}  // namespace

// 100 of 1000 items in 2 s: 50/s, and the 900 left take 18 s.
TEST(ProgressMeter, RateAndTimeLeftFromThePhaseStart) {
    FakeClock clock;
    niwt::ProgressMeter meter(250ms, clock.fn());
    ASSERT_TRUE(meter.update("features", 0, 1000).has_value());  // a new phase always shows
    clock.t += 2s;
    const auto report = meter.update("features", 100, 1000);
    ASSERT_TRUE(report.has_value());
    EXPECT_DOUBLE_EQ(report->perSecond, 50.0);
    EXPECT_DOUBLE_EQ(report->secondsLeft, 18.0);
    EXPECT_EQ(report->text(), "features 100/1000 · 50.0/s · 0:18 left");
}

// Within the interval only a new phase or a phase's end gets through.
TEST(ProgressMeter, ThrottledWithinAPhase) {
    FakeClock clock;
    niwt::ProgressMeter meter(250ms, clock.fn());
    EXPECT_TRUE(meter.update("features", 0, 10).has_value());
    clock.t += 100ms;
    EXPECT_FALSE(meter.update("features", 1, 10).has_value());  // 100 ms < 250 ms
    clock.t += 100ms;
    EXPECT_FALSE(meter.update("features", 2, 10).has_value());
    EXPECT_EQ(meter.last().done, 2);  // kept even when not shown
    clock.t += 10ms;
    EXPECT_TRUE(meter.update("features", 10, 10).has_value());  // the end
    clock.t += 10ms;
    EXPECT_TRUE(meter.update("head", 0, 5).has_value());  // a new phase
    clock.t += 300ms;
    EXPECT_TRUE(meter.update("head", 1, 5).has_value());  // the interval passed
}

// A new phase restarts the rate: 10 items in the first 0.4 s of a phase is too short to judge
// (under 0.5 s), so no rate and no time left yet.
TEST(ProgressMeter, NoRateBeforeHalfASecond) {
    FakeClock clock;
    niwt::ProgressMeter meter(0ms, clock.fn());
    meter.update("importances", 0, 100);
    clock.t += 400ms;
    const auto report = meter.update("importances", 10, 100);
    ASSERT_TRUE(report.has_value());
    EXPECT_EQ(report->perSecond, 0.0);
    EXPECT_LT(report->secondsLeft, 0.0);
    EXPECT_EQ(report->text(), "importances 10/100");
}

TEST(ProgressMeter, DurationsAsClockText) {
    EXPECT_EQ(niwt::formatDuration(7.4), "0:07");
    EXPECT_EQ(niwt::formatDuration(68), "1:08");
    EXPECT_EQ(niwt::formatDuration(3723), "1:02:03");
    EXPECT_EQ(niwt::formatDuration(-3), "0:00");
}
