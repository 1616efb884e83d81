#include "widgets/lane_client.h"

#include <utility>

namespace niwt::gui {

LaneClient::LaneClient(JobRunner* runner, QString lane, QObject* parent)
    : QObject(parent), runner_(runner), lane_(std::move(lane)) {
    if (!runner_) {
        ownRunner_ = std::make_unique<JobRunner>();
        runner_ = ownRunner_.get();
    }
    // A shared runner may go first when a window is destroyed (children go in creation order, and
    // the window's runner is an early one): then there is nothing left to cancel.
    connect(runner_, &QObject::destroyed, this, [this] { runner_ = nullptr; });
    // The runner ends a job after the work's own reports (both are queued from the lane's thread),
    // so a job still awaited here never reported anything.
    connect(runner_, &JobRunner::finished, this, [this](quint64 job) {
        if (awaited_.remove(job)) emit endedUnreported(job);
        if (busy_ && !isBusy()) {
            busy_ = false;
            emit busyChanged(false);
        }
    });
}

LaneClient::~LaneClient() { cancelAll(); }

quint64 LaneClient::start(const QString& title, JobRunner::Work work) {
    const quint64 job = runner_->start(lane_, title, std::move(work));
    awaited_.insert(job);
    if (!busy_) {
        busy_ = true;
        emit busyChanged(true);
    }
    return job;
}

void LaneClient::cancel(quint64 job) {
    if (awaited_.contains(job)) runner_->cancel(job);
}

void LaneClient::cancelAll() {
    if (runner_) runner_->cancelLane(lane_);
}

void LaneClient::cancelAllThen(const QString& title, JobRunner::Work work) {
    cancelAll();
    runner_->start(lane_, title, std::move(work));
}

}  // namespace niwt::gui
