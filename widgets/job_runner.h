#pragma once
// The explorer's one background-job runner. Every long job (opening a data set, training the
// default network, preparing and using the NIWT engine, explaining, evaluating, checking a
// network) runs here, never on the GUI thread, and is cancelled, reported and shown the same way.
//
// Lanes: a job runs in a named lane; a lane is one worker thread (started on first use), so the
// jobs of a lane run one at a time in submission order (an engine that is not thread-safe lives
// in one lane), and lanes run side by side. Cancelling sets the job's flag, which the work polls
// (JobControl::isCancelled, or the engine's `cancelled` callback); a job cancelled while queued
// never starts. Progress goes through a ProgressMeter (core/io/progress_meter.h): throttled, with
// rate and time left, as `niwt` prints it.
#include "core/io/progress_meter.h"

#include <QHash>
#include <QMetaType>
#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

class QThread;

namespace niwt::gui {

using CancelFlag = std::shared_ptr<std::atomic<bool>>;

// One progress report of a job, for the status bar.
struct JobProgress {
    QString phase;
    int done = 0, total = 0;  // total <= 0: unknown
    double perSecond = 0;     // 0: not known yet
    double secondsLeft = -1;  // < 0: unknown
    QString text;             // "features 120/5902 · 85.3/s · 1:08 left"
};

class JobRunner;

// What a job's work gets: its cancel flag, a progress sink and a way back to the GUI thread.
// Used on the lane's thread, by that job only.
class JobControl {
public:
    bool isCancelled() const { return flag_->load(); }
    quint64 job() const { return job_; }
    const CancelFlag& flag() const { return flag_; }
    // For engine calls: polled between batches and steps.
    std::function<bool()> cancelled() const {
        return [flag = flag_] { return flag->load(); };
    }
    // Throttled (ProgressMeter): the runner's progress signal at most every kProgressIntervalMs
    // per phase, plus each phase's first and last report.
    void progress(const std::string& phase, int done, int total);
    std::function<void(const std::string&, int, int)> progressFunction() {
        return [this](const std::string& phase, int done, int total) { progress(phase, done, total); };
    }
    // Runs `onGuiThread` on the runner's (GUI) thread, in order with the job's other reports.
    void post(std::function<void()> onGuiThread) const;

private:
    friend class JobRunner;
    JobControl(JobRunner* runner, quint64 job, CancelFlag flag);
    JobRunner* runner_;
    quint64 job_;
    CancelFlag flag_;
    ProgressMeter meter_;
};

class JobRunner : public QObject {
    Q_OBJECT
public:
    static constexpr int kProgressIntervalMs = 100;
    // The work. It may throw: niwt::Cancelled (or anything, once cancelled) ends the job as
    // cancelled, any other exception as failed with its message.
    using Work = std::function<void(JobControl&)>;

    explicit JobRunner(QObject* parent = nullptr);
    ~JobRunner() override;  // cancels every job and waits for the lanes (one batch or step at most)

    // Queues `work` in `lane`; returns the job's number (never 0). `title` names it in the
    // status bar ("Preparing the NIWT engine").
    quint64 start(const QString& lane, const QString& title, Work work);
    void cancel(quint64 job);
    void cancelLane(const QString& lane);
    void cancelAll();

    bool isBusy() const { return !jobs_.isEmpty(); }
    bool isRunning(quint64 job) const { return jobs_.contains(job); }
    bool isLaneBusy(const QString& lane) const;
    // True for a job cancelled and not finished yet; false for one unknown (finished).
    bool isCancelled(quint64 job) const;
    // Blocks until `lane` has run everything queued so far (cancel first to make that quick).
    // For destructors of objects the lane's jobs use.
    void waitForLane(const QString& lane);
    QString title(quint64 job) const { return jobs_.value(job).title; }
    // The job that started last among those not finished (0: none): what the status bar shows.
    quint64 currentJob() const;

signals:
    void started(quint64 job, const QString& lane, const QString& title);
    void progress(quint64 job, const niwt::gui::JobProgress& progress);
    void succeeded(quint64 job);
    void cancelled(quint64 job);
    void failed(quint64 job, const QString& message);
    void finished(quint64 job);  // after succeeded, cancelled or failed
    void busyChanged(bool busy);

private:
    friend class JobControl;
    struct Job {
        QString lane, title;
        CancelFlag flag;
        bool begun = false;
    };
    QObject* laneContext(const QString& lane);
    void run(quint64 job, const Work& work, const CancelFlag& flag);
    void end(quint64 job, int outcome, const QString& message);

    quint64 lastJob_ = 0;
    QHash<quint64, Job> jobs_;           // submitted and not finished
    QHash<QString, QThread*> threads_;   // one per lane
    QHash<QString, QObject*> contexts_;  // lives on the lane's thread: queued calls run there
};

}  // namespace niwt::gui

Q_DECLARE_METATYPE(niwt::gui::JobProgress)
