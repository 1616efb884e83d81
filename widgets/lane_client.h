#pragma once
// What each user of the window's JobRunner (the session and explainer controllers, the default
// network's training, the data set loader, the evaluation panel) did by hand: take the window's
// runner or, given none, one of its own; start its jobs in its one lane; remember which of them
// have not delivered their outcome yet, so that a job cancelled before it began (the runner ends
// it without running the work) is still reported; cancel and wait for the lane when it goes.
// Whether the lane is busy is the runner's answer (JobRunner::isLaneBusy), not a copy of it.
#include "widgets/job_runner.h"

#include <QObject>
#include <QSet>
#include <QString>

#include <memory>

namespace niwt::gui {

class LaneClient : public QObject {
    Q_OBJECT
public:
    // `runner`: the window's; null: one of its own (a panel or controller used alone, in tests).
    LaneClient(JobRunner* runner, QString lane, QObject* parent = nullptr);
    ~LaneClient() override;  // cancels the lane's jobs (their results are dropped); controllers wait themselves

    JobRunner* runner() const { return runner_; }
    const QString& lane() const { return lane_; }

    // Starts `work` in the lane; the job's outcome is awaited until reported(job) or its end.
    quint64 start(const QString& title, JobRunner::Work work);
    // The job's outcome has reached the GUI thread (by the worker's signal or JobControl::post).
    void reported(quint64 job) { awaited_.remove(job); }
    bool isAwaited(quint64 job) const { return awaited_.contains(job); }
    // False for a job cancelled (or one finished): its result is of a context the user has left.
    bool isLive(quint64 job) const { return !runner_->isCancelled(job); }

    void cancel(quint64 job);  // a job of this client's
    void cancelAll();          // every job in the lane, running or queued
    // Cancels every job in the lane, then queues `work` after them, not awaited: what a controller
    // does when its engine's context is gone (the engine is dropped once the lane gets there).
    void cancelAllThen(const QString& title, JobRunner::Work work);
    // Blocks until the lane has run what is queued (cancel first). For destructors.
    void waitForLane() { runner_->waitForLane(lane_); }
    bool isBusy() const { return runner_->isLaneBusy(lane_); }

signals:
    // A job of this client's ended without reporting an outcome: cancelled before it began.
    void endedUnreported(quint64 job);
    // The lane became busy (a job started here) or idle (its last job ended).
    void busyChanged(bool busy);

private:
    JobRunner* runner_ = nullptr;
    std::unique_ptr<JobRunner> ownRunner_;
    QString lane_;
    QSet<quint64> awaited_;
    bool busy_ = false;
};

}  // namespace niwt::gui
