#include "widgets/session_worker.h"

#include "core/engine/cancelled.h"

#include <QElapsedTimer>
#include <QThread>

#include <exception>

namespace niwt::gui {

SessionWorker::~SessionWorker() = default;

template <typename Work>
bool SessionWorker::guarded(const JobControl& control, const Work& work) {
    const quint64 job = control.job();
    const auto isCancelled = [&control](quint64) { return control.isCancelled(); };
    if (isCancelled(job)) {  // cancelled while queued: do not start
        emit cancelled(job);
        return false;
    }
    try {
        work();
        return true;
    } catch (const niwt::Cancelled&) {
        emit cancelled(job);
    } catch (const std::exception& e) {
        // A cancel that surfaced as another error is still a cancel to the user.
        if (isCancelled(job))
            emit cancelled(job);
        else
            emit failed(job, QString::fromLocal8Bit(e.what()));
    } catch (...) {
        emit failed(job, tr("unknown error in the NIWT engine"));
    }
    return false;
}

void SessionWorker::prepare(JobControl& control, const niwt::EngineContext& context,
                            const niwt::NiwtSessionOptions& options) {
    const quint64 job = control.job();
    // The previous session belongs to the previous data set or bundle: the GUI has moved on, so
    // it goes now, and a cancelled or failed prepare leaves no session (learn then says so).
    session_.reset();
    guarded(control, [&] {
        auto session = std::make_unique<niwt::NiwtSession>(context, options);
        QElapsedTimer sinceEmit;
        sinceEmit.start();
        QString lastPhase;
        const auto progress = [&](const std::string& phase, int done, int total) {
            const QString name = QString::fromStdString(phase);
            // Throttled, but a new phase and a phase's end always get through.
            if (name == lastPhase && done < total && sinceEmit.elapsed() < kProgressIntervalMs) return;
            lastPhase = name;
            sinceEmit.restart();
            emit prepareProgress(job, name, done, total);
        };
        const auto reportProgress = [&](const std::string& phase, int done, int total) {
            control.progress(phase, done, total);  // the status bar: with rate and time left
            progress(phase, done, total);
        };
        QVector<LossPoint> curve;
        QElapsedTimer sinceCurve;
        sinceCurve.start();
        const auto mod2alphaCurve = [&](int step, double total, double cosine, double l2) {
            curve.push_back({step, total, cosine, l2});
            if (sinceCurve.elapsed() >= kProgressIntervalMs) {
                emit mod2alphaProgress(job, curve);
                curve.clear();
                sinceCurve.restart();
            }
        };
        const niwt::NiwtSessionInfo info = session->prepare(reportProgress, control.cancelled(), mod2alphaCurve);
        if (!curve.isEmpty()) emit mod2alphaProgress(job, curve);
        session_ = std::move(session);
        emit prepared(job, info);
    });
}

void SessionWorker::dropSession() { session_.reset(); }

void SessionWorker::learn(JobControl& control, const QString& name, const std::vector<float>& classVector,
                          const QString& caption) {
    const quint64 job = control.job();
    guarded(control, [&] {
        if (!session_ || !session_->isPrepared())
            throw std::runtime_error("the NIWT session is not ready: open a data set and a network bundle first");
        const std::vector<float> vector =
            caption.isEmpty() ? classVector : session_->classVectorFromCaption(caption.toStdString());
        QVector<LossPoint> batch;
        QElapsedTimer sinceEmit;
        sinceEmit.start();
        // Every point is kept, sent in batches at most every kProgressIntervalMs.
        const auto progress = [&](int iteration, double total, double cosine, double l2) {
            batch.push_back({iteration, total, cosine, l2});
            if (sinceEmit.elapsed() >= kProgressIntervalMs) {
                emit learnProgress(job, batch);
                batch.clear();
                sinceEmit.restart();
            }
        };
        // Full weight space: the span's steps go out before its solution, so the plot has them
        // all when the refinement is marked.
        const auto spanReady = [&](const niwt::LearnedClass& span) {
            if (!batch.isEmpty()) {
                emit learnProgress(job, batch);
                batch.clear();
                sinceEmit.restart();
            }
            emit spanLearned(job, span);
        };
        niwt::LearnedClass result =
            session_->learnClass(name.toStdString(), vector, progress, control.cancelled(), spanReady);
        if (!batch.isEmpty()) emit learnProgress(job, batch);
        emit learned(job, result);
    });
}

void SessionWorker::exportClassifier(JobControl& control, const QString& directory,
                                     const std::vector<niwt::LearnedClass>& classes) {
    const quint64 job = control.job();
    guarded(control, [&] {
        if (!session_ || !session_->isPrepared())
            throw std::runtime_error("the NIWT session is not ready: open a data set and a network bundle first");
        QStringList files;
        for (const std::string& file : session_->exportClassifier(directory.toStdString(), classes))
            files << QString::fromStdString(file);
        emit exported(job, files);
    });
}

// ---------------------------------------------------------------------------------------------
SessionController::SessionController(JobRunner* runner, QObject* parent)
    : QObject(parent), lane_(std::make_unique<LaneClient>(runner, QStringLiteral("session"))),
      worker_(std::make_shared<SessionWorker>()) {
    qRegisterMetaType<niwt::gui::LossPoint>();
    qRegisterMetaType<QVector<niwt::gui::LossPoint>>();
    qRegisterMetaType<niwt::NiwtSessionInfo>();
    qRegisterMetaType<niwt::LearnedClass>();
    connect(lane_.get(), &LaneClient::busyChanged, this, &SessionController::busyChanged);

    // Worker -> controller: queued (the worker runs on the lane's thread), so they arrive in order.
    SessionWorker* worker = worker_.get();
    connect(worker, &SessionWorker::prepareProgress, this,
            [this](quint64 job, const QString& phase, int done, int total) {
                if (isLive(job)) emit prepareProgress(phase, done, total);
            });
    connect(worker, &SessionWorker::prepared, this, [this](quint64 job, const NiwtSessionInfo& info) {
        // Only the latest preparation counts: an earlier one finishing while a newer one waits
        // describes a session that is about to be replaced.
        if (job == preparingJob_) {
            preparingJob_ = 0;
            prepared_ = true;
            info_ = info;
            emit prepared(info);
        }
        lane_->reported(job);
    });
    connect(worker, &SessionWorker::mod2alphaProgress, this, [this](quint64 job, const QVector<LossPoint>& points) {
        if (isLive(job)) emit mod2alphaProgress(points);
    });
    connect(worker, &SessionWorker::learnProgress, this, [this](quint64 job, const QVector<LossPoint>& points) {
        if (isLive(job)) emit learnProgress(job, points);
    });
    // Like learned: delivered even when the job was cancelled since (the composer takes only its
    // pending job's, and a span solution computed before a cancel is kept).
    connect(worker, &SessionWorker::spanLearned, this,
            [this](quint64 job, const LearnedClass& span) { emit spanLearned(job, span); });
    connect(worker, &SessionWorker::learned, this, [this](quint64 job, const LearnedClass& result) {
        emit learned(job, result);
        lane_->reported(job);
    });
    connect(worker, &SessionWorker::exported, this, [this](quint64 job, const QStringList& files) {
        emit exported(job, files);
        lane_->reported(job);
    });
    connect(worker, &SessionWorker::cancelled, this, [this](quint64 job) {
        if (job == preparingJob_) preparingJob_ = 0;
        emit cancelled(job);
        lane_->reported(job);
    });
    connect(worker, &SessionWorker::failed, this, [this](quint64 job, const QString& message) {
        if (job == preparingJob_) preparingJob_ = 0;
        emit failed(job, message);
        lane_->reported(job);
    });
    // A job cancelled while queued never reaches the worker: the runner says it ended.
    connect(lane_.get(), &LaneClient::endedUnreported, this, [this](quint64 job) {
        if (job == preparingJob_) preparingJob_ = 0;
        emit cancelled(job);
    });
}

SessionController::~SessionController() {
    cancel();
    // The lane's jobs hold the worker (shared); waiting here keeps its signals from outliving us.
    lane_->waitForLane();
}

quint64 SessionController::submit(const QString& title, std::function<void(SessionWorker&, JobControl&)> work) {
    return lane_->start(title,
                        [worker = worker_, work = std::move(work)](JobControl& control) { work(*worker, control); });
}

quint64 SessionController::prepare(const EngineContext& context, const NiwtSessionOptions& options) {
    prepared_ = false;  // learn requests wait for this preparation, never reach an older session
    context_ = context;
    options_ = options;
    const quint64 job = submit(
        tr("Preparing the NIWT engine"),
        [context, options](SessionWorker& worker, JobControl& control) { worker.prepare(control, context, options); });
    preparingJob_ = job;
    return job;
}

void SessionController::reset() {
    // The worker drops its session when the lane gets there (after the cancelled jobs): nothing
    // learns against the old context afterwards.
    lane_->cancelAllThen(tr("Closing the NIWT engine"), [worker = worker_](JobControl&) { worker->dropSession(); });
    prepared_ = false;
    preparingJob_ = 0;
    info_ = {};
    context_ = {};
}

quint64 SessionController::learn(const QString& name, const std::vector<float>& classVector) {
    const quint64 job =
        submit(tr("Learning \"%1\"").arg(name), [name, classVector](SessionWorker& worker, JobControl& control) {
            worker.learn(control, name, classVector, QString());
        });
    emit learnStarted(job, name);
    return job;
}

quint64 SessionController::learnFromCaption(const QString& name, const QString& caption) {
    const quint64 job = submit(
        tr("Learning \"%1\"").arg(name),
        [name, caption](SessionWorker& worker, JobControl& control) { worker.learn(control, name, {}, caption); });
    emit learnStarted(job, name);
    return job;
}

quint64 SessionController::exportClassifier(const QString& directory, const std::vector<LearnedClass>& classes) {
    return submit(tr("Exporting the classifier"), [directory, classes](SessionWorker& worker, JobControl& control) {
        worker.exportClassifier(control, directory, classes);
    });
}

void SessionController::cancel() { lane_->cancelAll(); }

}  // namespace niwt::gui
