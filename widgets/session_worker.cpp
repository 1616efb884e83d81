#include "widgets/session_worker.h"

#include "core/engine/cancelled.h"

#include <QElapsedTimer>
#include <QThread>

#include <exception>

namespace niwt::gui {

SessionWorker::SessionWorker(std::shared_ptr<std::atomic<quint64>> cancelledUpTo, QObject* parent)
    : QObject(parent), cancelledUpTo_(std::move(cancelledUpTo)) {}

SessionWorker::~SessionWorker() = default;

template <typename Work>
bool SessionWorker::guarded(quint64 job, const Work& work) {
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

void SessionWorker::prepare(quint64 job, std::shared_ptr<const niwt::Dataset> dataset,
                            const niwt::NiwtSessionOptions& options) {
    // The previous session belongs to the previous data set or bundle: the GUI has moved on, so
    // it goes now, and a cancelled or failed prepare leaves no session (learn then says so).
    session_.reset();
    guarded(job, [&] {
        auto session = std::make_unique<niwt::NiwtSession>(std::move(dataset), options);
        QElapsedTimer sinceEmit;
        sinceEmit.start();
        QString lastPhase;
        const auto progress = [&](const std::string& phase, int done, int total) {
            const QString name = QString::fromStdString(phase);
            // Throttled, but a new phase and a phase's end always get through.
            if (name == lastPhase && done < total && sinceEmit.elapsed() < kProgressIntervalMs)
                return;
            lastPhase = name;
            sinceEmit.restart();
            emit prepareProgress(job, name, done, total);
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
        const niwt::NiwtSessionInfo info =
            session->prepare(progress, [this, job] { return isCancelled(job); }, mod2alphaCurve);
        if (!curve.isEmpty())
            emit mod2alphaProgress(job, curve);
        session_ = std::move(session);
        emit prepared(job, info);
    });
}

void SessionWorker::learn(quint64 job, const QString& name, const std::vector<float>& classVector,
                          const QString& caption) {
    guarded(job, [&] {
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
        niwt::LearnedClass result =
            session_->learnClass(name.toStdString(), vector, progress, [this, job] { return isCancelled(job); });
        if (!batch.isEmpty())
            emit learnProgress(job, batch);
        emit learned(job, result);
    });
}

void SessionWorker::exportClassifier(quint64 job, const QString& directory, const std::vector<niwt::LearnedClass>& classes) {
    guarded(job, [&] {
        if (!session_ || !session_->isPrepared())
            throw std::runtime_error("the NIWT session is not ready: open a data set and a network bundle first");
        QStringList files;
        for (const std::string& file : session_->exportClassifier(directory.toStdString(), classes))
            files << QString::fromStdString(file);
        emit exported(job, files);
    });
}

// ---------------------------------------------------------------------------------------------
SessionController::SessionController(QObject* parent)
    : QObject(parent), cancelledUpTo_(std::make_shared<std::atomic<quint64>>(0)) {
    qRegisterMetaType<niwt::gui::LossPoint>();
    qRegisterMetaType<QVector<niwt::gui::LossPoint>>();
    qRegisterMetaType<niwt::NiwtSessionInfo>();
    qRegisterMetaType<niwt::LearnedClass>();

    thread_ = new QThread(this);
    thread_->setObjectName(QStringLiteral("niwt-session"));
    worker_ = new SessionWorker(cancelledUpTo_);
    worker_->moveToThread(thread_);
    connect(thread_, &QThread::finished, worker_, &QObject::deleteLater);

    // Worker -> controller: queued (different threads), so they arrive in order on this thread.
    connect(worker_, &SessionWorker::prepareProgress, this, [this](quint64 job, const QString& phase, int done, int total) {
        if (job > cancelledUpTo_->load()) emit prepareProgress(phase, done, total);
    });
    connect(worker_, &SessionWorker::prepared, this, [this](quint64 job, const NiwtSessionInfo& info) {
        // Only the latest preparation counts: an earlier one finishing while a newer one waits
        // describes a session that is about to be replaced.
        if (job == preparingJob_) {
            preparingJob_ = 0;
            prepared_ = true;
            info_ = info;
            emit prepared(info);
        }
        jobEnded();
    });
    connect(worker_, &SessionWorker::mod2alphaProgress, this, [this](quint64 job, const QVector<LossPoint>& points) {
        if (job > cancelledUpTo_->load()) emit mod2alphaProgress(points);
    });
    connect(worker_, &SessionWorker::learnProgress, this, [this](quint64 job, const QVector<LossPoint>& points) {
        if (job > cancelledUpTo_->load()) emit learnProgress(job, points);
    });
    connect(worker_, &SessionWorker::learned, this, [this](quint64 job, const LearnedClass& result) {
        emit learned(job, result);
        jobEnded();
    });
    connect(worker_, &SessionWorker::exported, this, [this](quint64 job, const QStringList& files) {
        emit exported(job, files);
        jobEnded();
    });
    connect(worker_, &SessionWorker::cancelled, this, [this](quint64 job) {
        if (job == preparingJob_) preparingJob_ = 0;
        emit cancelled(job);
        jobEnded();
    });
    connect(worker_, &SessionWorker::failed, this, [this](quint64 job, const QString& message) {
        if (job == preparingJob_) preparingJob_ = 0;
        emit failed(job, message);
        jobEnded();
    });
    thread_->start();
}

SessionController::~SessionController() {
    cancel();
    thread_->quit();
    thread_->wait();  // at most one batch or step: the running job sees the cancel
}

quint64 SessionController::submit() {
    if (++pendingJobs_ == 1) emit busyChanged(true);
    return ++lastJob_;
}

void SessionController::jobEnded() {
    if (--pendingJobs_ == 0) emit busyChanged(false);
}

quint64 SessionController::prepare(std::shared_ptr<const Dataset> dataset, const NiwtSessionOptions& options) {
    const quint64 job = submit();
    preparingJob_ = job;
    prepared_ = false;  // learn requests wait for this preparation, never reach an older session
    dataset_ = dataset;
    options_ = options;
    QMetaObject::invokeMethod(
        worker_, [worker = worker_, job, dataset, options] { worker->prepare(job, dataset, options); },
        Qt::QueuedConnection);
    return job;
}

quint64 SessionController::learn(const QString& name, const std::vector<float>& classVector) {
    const quint64 job = submit();
    emit learnStarted(job, name);
    QMetaObject::invokeMethod(
        worker_, [worker = worker_, job, name, classVector] { worker->learn(job, name, classVector, QString()); },
        Qt::QueuedConnection);
    return job;
}

quint64 SessionController::learnFromCaption(const QString& name, const QString& caption) {
    const quint64 job = submit();
    emit learnStarted(job, name);
    QMetaObject::invokeMethod(
        worker_, [worker = worker_, job, name, caption] { worker->learn(job, name, {}, caption); },
        Qt::QueuedConnection);
    return job;
}

quint64 SessionController::exportClassifier(const QString& directory, const std::vector<LearnedClass>& classes) {
    const quint64 job = submit();
    QMetaObject::invokeMethod(
        worker_, [worker = worker_, job, directory, classes] { worker->exportClassifier(job, directory, classes); },
        Qt::QueuedConnection);
    return job;
}

void SessionController::cancel() { cancelledUpTo_->store(lastJob_); }

}  // namespace niwt::gui
