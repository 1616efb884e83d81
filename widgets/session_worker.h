#pragma once
// The NIWT engine (niwt::NiwtSession) in the "session" lane of the window's JobRunner
// (widgets/job_runner.h). SessionWorker holds the session and runs one job at a time (prepare,
// learn, export) on the lane's thread; SessionController, on the GUI thread, queues the jobs and
// relays the worker's signals. Nothing blocks the GUI thread and no event loop is spun.
//
// Cancelling: cancel() cancels every job submitted so far (the runner's per-job flags, which the
// worker polls between batches and optimisation steps). A prepare replaces the previous session
// (it belonged to the previous data set or bundle), so a cancelled prepare leaves none and the
// controller unprepared; a cancelled learn changes nothing. Learned classes are owned by the GUI (the
// composer's model), never by the worker, so cancelling cannot touch them.
//
// Full weight space (NiwtSessionOptions::alpha2wSpace == Full): a learn reports its span solution
// first (spanLearned, a complete class to show at once), then refines it and reports the refined
// class (learned) for the same job. A cancel or a failure during the refinement ends the job as
// cancelled / failed after spanLearned: the span solution has been delivered, and the GUI keeps it.
#include "core/data/dataset.h"
#include "widgets/engine_types.h"
#include "widgets/job_runner.h"
#include "widgets/lane_client.h"

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace niwt::gui {

// One alpha2w step, as plotted.
struct LossPoint {
    int iteration = 0;
    double total = 0, cosine = 0, l2 = 0;
};

class SessionWorker : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    ~SessionWorker() override;

    // Progress signals are throttled to at most one per this many milliseconds (loss points are
    // batched, never dropped).
    static constexpr int kProgressIntervalMs = 50;

    // Each runs on the lane's thread, inside the runner's job `control` (its number, cancel flag and
    // progress: the status bar's phase, done/total, rate and time left).
    void prepare(niwt::gui::JobControl& control, const niwt::EngineContext& context,
                 const niwt::NiwtSessionOptions& options);
    // caption empty: learn from classVector; else the caption's class vector (captions modality).
    void learn(niwt::gui::JobControl& control, const QString& name, const std::vector<float>& classVector,
               const QString& caption);
    void exportClassifier(niwt::gui::JobControl& control, const QString& directory,
                          const std::vector<niwt::LearnedClass>& classes);
    void dropSession();

signals:
    void prepareProgress(quint64 job, const QString& phase, int done, int total);
    // mod2alpha's held-out cosine distance per step, batched like learnProgress.
    void mod2alphaProgress(quint64 job, const QVector<niwt::gui::LossPoint>& points);
    void prepared(quint64 job, const niwt::NiwtSessionInfo& info);
    void learnProgress(quint64 job, const QVector<niwt::gui::LossPoint>& points);
    // Full weight space: the span solution, before the refinement starts (its progress continues
    // the span's iteration numbers).
    void spanLearned(quint64 job, const niwt::LearnedClass& span);
    void learned(quint64 job, const niwt::LearnedClass& result);
    void exported(quint64 job, const QStringList& files);
    void cancelled(quint64 job);
    void failed(quint64 job, const QString& message);

private:
    // Runs `work`, turning niwt::Cancelled and exceptions into signals. True when it succeeded.
    template <typename Work>
    bool guarded(const JobControl& control, const Work& work);

    std::unique_ptr<niwt::NiwtSession> session_;
};

class SessionController : public QObject {
    Q_OBJECT
public:
    // `runner`: the window's (its "session" lane); null: one of its own.
    explicit SessionController(JobRunner* runner = nullptr, QObject* parent = nullptr);
    ~SessionController() override;  // cancels what runs and waits for the lane

    // Each returns the job's number. Jobs run in order on the worker thread.
    quint64 prepare(const EngineContext& context, const NiwtSessionOptions& options = {});
    // Cancels every job and drops the prepared session: the context it belonged to is gone (no
    // network for the new data set, say). Learn requests fail with a clear message until the next
    // prepare().
    void reset();
    quint64 learn(const QString& name, const std::vector<float>& classVector);
    quint64 learnFromCaption(const QString& name, const QString& caption);
    // The seen head's classes plus `classes` as classifier.json and classifier.pt in `directory`.
    quint64 exportClassifier(const QString& directory, const std::vector<LearnedClass>& classes);
    // Cancels every job submitted so far (the running one and the queued ones).
    void cancel();

    bool isBusy() const { return lane_->isBusy(); }
    bool isPrepared() const { return prepared_; }
    bool isPreparing() const { return preparingJob_ != 0; }
    // Of the last successful prepare; the modality is known even before (from the options).
    const NiwtSessionInfo& info() const { return info_; }
    // The context of the last prepare() (empty after reset()).
    const EngineContext& context() const { return context_; }
    const NiwtSessionOptions& options() const { return options_; }
    std::shared_ptr<const Dataset> dataset() const { return context_.dataset; }

signals:
    void busyChanged(bool busy);
    void prepareProgress(const QString& phase, int done, int total);
    void mod2alphaProgress(const QVector<niwt::gui::LossPoint>& points);
    void prepared(const niwt::NiwtSessionInfo& info);
    void learnStarted(quint64 job, const QString& name);
    void learnProgress(quint64 job, const QVector<niwt::gui::LossPoint>& points);
    // Full weight space: the span solution, before the refinement starts (its progress continues
    // the span's iteration numbers).
    void spanLearned(quint64 job, const niwt::LearnedClass& span);
    void learned(quint64 job, const niwt::LearnedClass& result);
    void exported(quint64 job, const QStringList& files);
    void cancelled(quint64 job);
    void failed(quint64 job, const QString& message);

private:
    // Queues `work` on the worker in the session lane; returns the job's number.
    quint64 submit(const QString& title, std::function<void(SessionWorker&, JobControl&)> work);
    bool isLive(quint64 job) const { return lane_->isLive(job); }

    std::unique_ptr<LaneClient> lane_;  // the "session" lane of the window's runner (or its own)
    std::shared_ptr<SessionWorker> worker_;
    quint64 preparingJob_ = 0;
    bool prepared_ = false;
    NiwtSessionInfo info_;
    EngineContext context_;
    NiwtSessionOptions options_;
};

}  // namespace niwt::gui

Q_DECLARE_METATYPE(niwt::gui::LossPoint)
