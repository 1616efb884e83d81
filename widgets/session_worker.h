#pragma once
// The NIWT engine (niwt::NiwtSession) on its own thread. SessionWorker lives on that thread and
// runs one job at a time (prepare, learn); SessionController, on the GUI thread, owns the thread,
// queues jobs to the worker and relays the worker's signals. Nothing blocks the GUI thread and no
// event loop is spun: all traffic is queued signals.
//
// Cancelling: cancel() marks every job submitted so far as cancelled (an atomic job number the
// worker polls between batches and optimisation steps). A prepare replaces the previous session
// (it belonged to the previous data set or bundle), so a cancelled prepare leaves none and the
// controller unprepared; a cancelled learn changes nothing. Learned classes are owned by the GUI (the
// composer's model), never by the worker, so cancelling cannot touch them.
#include "core/data/dataset.h"
#include "widgets/engine_types.h"

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include <atomic>
#include <memory>
#include <vector>

class QThread;

namespace niwt::gui {

// One alpha2w step, as plotted.
struct LossPoint {
    int iteration = 0;
    double total = 0, cosine = 0, l2 = 0;
};

class SessionWorker : public QObject {
    Q_OBJECT
public:
    // cancelledUpTo: jobs numbered <= it are cancelled (written by the controller's thread).
    explicit SessionWorker(std::shared_ptr<std::atomic<quint64>> cancelledUpTo, QObject* parent = nullptr);
    ~SessionWorker() override;

    // Progress signals are throttled to at most one per this many milliseconds (loss points are
    // batched, never dropped).
    static constexpr int kProgressIntervalMs = 50;

public slots:
    void prepare(quint64 job, std::shared_ptr<const niwt::Dataset> dataset, const niwt::NiwtSessionOptions& options);
    // caption empty: learn from classVector; else the caption's class vector (captions modality).
    void learn(quint64 job, const QString& name, const std::vector<float>& classVector, const QString& caption);
    void exportClassifier(quint64 job, const QString& directory, const std::vector<niwt::LearnedClass>& classes);

signals:
    void prepareProgress(quint64 job, const QString& phase, int done, int total);
    // mod2alpha's held-out cosine distance per step, batched like learnProgress.
    void mod2alphaProgress(quint64 job, const QVector<niwt::gui::LossPoint>& points);
    void prepared(quint64 job, const niwt::NiwtSessionInfo& info);
    void learnProgress(quint64 job, const QVector<niwt::gui::LossPoint>& points);
    void learned(quint64 job, const niwt::LearnedClass& result);
    void exported(quint64 job, const QStringList& files);
    void cancelled(quint64 job);
    void failed(quint64 job, const QString& message);

private:
    bool isCancelled(quint64 job) const { return job <= cancelledUpTo_->load(); }
    // Runs `work`, turning niwt::Cancelled and exceptions into signals. True when it succeeded.
    template <typename Work>
    bool guarded(quint64 job, const Work& work);

    std::shared_ptr<std::atomic<quint64>> cancelledUpTo_;
    std::unique_ptr<niwt::NiwtSession> session_;
};

class SessionController : public QObject {
    Q_OBJECT
public:
    explicit SessionController(QObject* parent = nullptr);
    ~SessionController() override;  // cancels what runs and waits for the thread

    // Each returns the job's number. Jobs run in order on the worker thread.
    quint64 prepare(std::shared_ptr<const Dataset> dataset, const NiwtSessionOptions& options);
    quint64 learn(const QString& name, const std::vector<float>& classVector);
    quint64 learnFromCaption(const QString& name, const QString& caption);
    // The seen head's classes plus `classes` as classifier.json and classifier.pt in `directory`.
    quint64 exportClassifier(const QString& directory, const std::vector<LearnedClass>& classes);
    // Cancels every job submitted so far (the running one and the queued ones).
    void cancel();

    bool isBusy() const { return pendingJobs_ > 0; }
    bool isPrepared() const { return prepared_; }
    bool isPreparing() const { return preparingJob_ != 0; }
    // Of the last successful prepare; the modality is known even before (from the options).
    const NiwtSessionInfo& info() const { return info_; }
    const NiwtSessionOptions& options() const { return options_; }
    std::shared_ptr<const Dataset> dataset() const { return dataset_; }

signals:
    void busyChanged(bool busy);
    void prepareProgress(const QString& phase, int done, int total);
    void mod2alphaProgress(const QVector<niwt::gui::LossPoint>& points);
    void prepared(const niwt::NiwtSessionInfo& info);
    void learnStarted(quint64 job, const QString& name);
    void learnProgress(quint64 job, const QVector<niwt::gui::LossPoint>& points);
    void learned(quint64 job, const niwt::LearnedClass& result);
    void exported(quint64 job, const QStringList& files);
    void cancelled(quint64 job);
    void failed(quint64 job, const QString& message);

private:
    quint64 submit();
    void jobEnded();

    QThread* thread_ = nullptr;
    SessionWorker* worker_ = nullptr;
    std::shared_ptr<std::atomic<quint64>> cancelledUpTo_;
    quint64 lastJob_ = 0;
    quint64 preparingJob_ = 0;
    int pendingJobs_ = 0;
    bool prepared_ = false;
    NiwtSessionInfo info_;
    NiwtSessionOptions options_;
    std::shared_ptr<const Dataset> dataset_;
};

}  // namespace niwt::gui

Q_DECLARE_METATYPE(niwt::gui::LossPoint)
