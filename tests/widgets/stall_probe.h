#pragma once
// Responsiveness probe for widget units: a 5 ms timer on the GUI thread; the largest gap between
// its ticks while it lives is the worst stall of the event loop (ticks only come while the test
// waits in QTRY_* / qWaitFor, which run the event loop as the application's would).
#include <QElapsedTimer>
#include <QTimer>

#include <algorithm>

namespace niwt::test {

class StallProbe {
public:
    StallProbe() {
        timer_.setInterval(5);
        QObject::connect(&timer_, &QTimer::timeout, [this] { worst_ = std::max(worst_, sinceTick_.restart()); });
        sinceTick_.start();
        timer_.start();
    }
    qint64 worstMs() const { return worst_; }

private:
    QTimer timer_;
    QElapsedTimer sinceTick_;
    qint64 worst_ = 0;
};

}  // namespace niwt::test
