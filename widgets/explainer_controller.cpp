#include "widgets/explainer_controller.h"

#include "core/engine/cancelled.h"

#include <QElapsedTimer>
#include <QThread>

#include <exception>

namespace niwt::gui {

ExplainerWorker::~ExplainerWorker() = default;

template <typename Work>
void ExplainerWorker::guarded(quint64 job, const CancelFlag& cancel, const Work& work) {
    if (cancel->load()) {  // cancelled while queued: do not start
        emit cancelled(job);
    } else {
        try {
            QElapsedTimer sinceEmit;
            sinceEmit.start();
            QString lastPhase;
            const auto progressFn = [&](const std::string& phase, int done, int total) {
                const QString name = QString::fromStdString(phase);
                // Throttled, but a new phase and a phase's end always get through.
                if (name == lastPhase && done < total && sinceEmit.elapsed() < kProgressIntervalMs)
                    return;
                lastPhase = name;
                sinceEmit.restart();
                emit progress(job, name, done, total);
            };
            work(ExplainerProgressFn(progressFn), ExplainerCancelFn([cancel] { return cancel->load(); }));
        } catch (const niwt::Cancelled&) {
            emit cancelled(job);
        } catch (const std::exception& e) {
            if (cancel->load())  // a cancel that surfaced as another error is still a cancel
                emit cancelled(job);
            else
                emit failed(job, QString::fromLocal8Bit(e.what()));
        } catch (...) {
            emit failed(job, tr("unknown error in the explanation engine"));
        }
    }
    emit finished(job);
}

void ExplainerWorker::prepare(quint64 job, CancelFlag cancel, std::shared_ptr<const niwt::Dataset> dataset,
                              const niwt::ExplainerOptions& options) {
    // The previous engine belongs to the previous data set or bundle: it goes now, so a failed or
    // cancelled prepare leaves none (later jobs then say so).
    explainer_.reset();
    guarded(job, cancel, [&](const ExplainerProgressFn& progressFn, const ExplainerCancelFn& cancelled) {
        auto explainer = std::make_unique<niwt::Explainer>(std::move(dataset), options);
        const niwt::ExplainerInfo info = explainer->prepare(progressFn, cancelled);
        explainer_ = std::move(explainer);
        emit prepared(job, info);
    });
}

namespace {
void requirePrepared(const std::unique_ptr<niwt::Explainer>& explainer) {
    if (!explainer || !explainer->isPrepared())
        throw std::runtime_error("the explainer is not ready: open a data set and a network bundle first");
}
}  // namespace

void ExplainerWorker::explain(quint64 job, CancelFlag cancel, const QString& imagePath, const niwt::ExplainClass& target,
                              const QString& stage, const std::vector<niwt::ExplainClass>& newClasses, int top) {
    guarded(job, cancel, [&](const ExplainerProgressFn& progressFn, const ExplainerCancelFn& cancelled) {
        requirePrepared(explainer_);
        emit explained(job, explainer_->explain(imagePath.toStdString(), target, stage.toStdString(), newClasses, top,
                                                progressFn, cancelled));
    });
}

void ExplainerWorker::neurons(quint64 job, CancelFlag cancel, const QString& stage, int topAttributes, bool withClass,
                              const niwt::ExplainClass& target) {
    guarded(job, cancel, [&](const ExplainerProgressFn& progressFn, const ExplainerCancelFn& cancelled) {
        requirePrepared(explainer_);
        emit neuronTableReady(job, explainer_->neuronTable(stage.toStdString(), topAttributes,
                                                           withClass ? &target : nullptr, progressFn, cancelled));
    });
}

void ExplainerWorker::unitImages(quint64 job, CancelFlag cancel, const QString& stage, int unit, int count) {
    guarded(job, cancel, [&](const ExplainerProgressFn& progressFn, const ExplainerCancelFn& cancelled) {
        requirePrepared(explainer_);
        emit unitImagesReady(job, unit,
                             explainer_->topImagesForUnit(unit, count, stage.toStdString(), progressFn, cancelled));
    });
}

// ---------------------------------------------------------------------------------------------
ExplainerController::ExplainerController(QObject* parent) : QObject(parent) {
    qRegisterMetaType<niwt::ExplainerInfo>();
    qRegisterMetaType<niwt::Explanation>();
    qRegisterMetaType<niwt::NeuronListing>();
    qRegisterMetaType<std::vector<niwt::UnitImage>>();

    thread_ = new QThread(this);
    thread_->setObjectName(QStringLiteral("niwt-explainer"));
    worker_ = new ExplainerWorker;
    worker_->moveToThread(thread_);
    connect(thread_, &QThread::finished, worker_, &QObject::deleteLater);

    // Worker -> controller: queued (different threads), so they arrive in order on this thread.
    connect(worker_, &ExplainerWorker::progress, this, [this](quint64 job, const QString& phase, int done, int total) {
        const auto flag = flags_.value(job);
        if (flag && !flag->load())
            emit jobStatus(tr("explainer: %1 %2/%3").arg(phase).arg(done).arg(total));
    });
    connect(worker_, &ExplainerWorker::prepared, this, [this](quint64 job, const ExplainerInfo& info) {
        // Only the latest preparation counts: an earlier one finishing while a newer one waits
        // describes an engine that is about to be replaced.
        if (job == preparingJob_) {
            preparingJob_ = 0;
            prepared_ = true;
            info_ = info;
            emit jobStatus(tr("explainer ready: stage %1, %2").arg(QString::fromStdString(info.stageName),
                                                                   QString::fromStdString(info.device)));
            emit prepared(info);
        }
    });
    connect(worker_, &ExplainerWorker::explained, this, &ExplainerController::explained);
    connect(worker_, &ExplainerWorker::neuronTableReady, this, &ExplainerController::neuronTableReady);
    connect(worker_, &ExplainerWorker::unitImagesReady, this, &ExplainerController::unitImagesReady);
    connect(worker_, &ExplainerWorker::cancelled, this, [this](quint64 job) {
        if (job == preparingJob_)
            preparingJob_ = 0;
        emit jobStatus(tr("explainer: cancelled"));
        emit cancelled(job);
    });
    connect(worker_, &ExplainerWorker::failed, this, [this](quint64 job, const QString& message) {
        if (job == preparingJob_)
            preparingJob_ = 0;
        emit jobStatus(tr("explainer: failed"));
        emit failed(job, message);
    });
    connect(worker_, &ExplainerWorker::finished, this, &ExplainerController::jobEnded);
    thread_->start();
}

ExplainerController::~ExplainerController() {
    cancelAll();
    thread_->quit();
    thread_->wait();  // at most one batch: the running job sees its cancel flag
}

quint64 ExplainerController::submit(CancelFlag* flag) {
    *flag = std::make_shared<std::atomic<bool>>(false);
    const quint64 job = ++lastJob_;
    flags_.insert(job, *flag);
    if (flags_.size() == 1)
        emit busyChanged(true);
    return job;
}

void ExplainerController::jobEnded(quint64 job) {
    if (flags_.remove(job) && flags_.isEmpty())
        emit busyChanged(false);
}

quint64 ExplainerController::setEngine(std::shared_ptr<const Dataset> dataset, const QString& bundleDir,
                                       const QString& stage, const QString& modality) {
    ExplainerOptions options;
    options.bundle = bundleDir.toStdString();
    options.stage = stage.toStdString();
    options.modality = modality.toStdString();
    return setEngine(std::move(dataset), options);
}

quint64 ExplainerController::setEngine(std::shared_ptr<const Dataset> dataset, const ExplainerOptions& options) {
    cancelAll();  // results for the old engine are of no use now
    CancelFlag flag;
    const quint64 job = submit(&flag);
    preparingJob_ = job;
    prepared_ = false;  // later requests wait for this preparation, never reach an older engine
    dataset_ = dataset;
    emit jobStatus(tr("explainer: preparing"));
    QMetaObject::invokeMethod(
        worker_, [worker = worker_, job, flag, dataset, options] { worker->prepare(job, flag, dataset, options); },
        Qt::QueuedConnection);
    return job;
}

void ExplainerController::setNewClasses(const QList<NewClassRef>& classes) {
    newClasses_ = classes;
    emit newClassesChanged();
}

std::vector<ExplainClass> ExplainerController::newExplainClasses() const {
    std::vector<ExplainClass> out;
    for (const auto& c : newClasses_)
        out.push_back(ExplainClass::learned(c.name.toStdString(), c.weight, c.bias));
    return out;
}

quint64 ExplainerController::explain(const QString& imagePath, const ExplainClass& target, const QString& stage,
                                     int top) {
    if (!prepared_)
        return 0;
    CancelFlag flag;
    const quint64 job = submit(&flag);
    QMetaObject::invokeMethod(
        worker_,
        [worker = worker_, job, flag, imagePath, target, stage, classes = newExplainClasses(), top] {
            worker->explain(job, flag, imagePath, target, stage, classes, top);
        },
        Qt::QueuedConnection);
    return job;
}

quint64 ExplainerController::neuronTable(const QString& stage, int topAttributes, const ExplainClass* target) {
    if (!prepared_)
        return 0;
    CancelFlag flag;
    const quint64 job = submit(&flag);
    const bool withClass = target != nullptr;
    const ExplainClass cls = target ? *target : ExplainClass{};
    QMetaObject::invokeMethod(
        worker_,
        [worker = worker_, job, flag, stage, topAttributes, withClass, cls] {
            worker->neurons(job, flag, stage, topAttributes, withClass, cls);
        },
        Qt::QueuedConnection);
    return job;
}

quint64 ExplainerController::unitImages(const QString& stage, int unit, int count) {
    if (!prepared_)
        return 0;
    CancelFlag flag;
    const quint64 job = submit(&flag);
    QMetaObject::invokeMethod(
        worker_, [worker = worker_, job, flag, stage, unit, count] { worker->unitImages(job, flag, stage, unit, count); },
        Qt::QueuedConnection);
    return job;
}

void ExplainerController::cancel(quint64 job) {
    if (const auto flag = flags_.value(job))
        flag->store(true);
}

void ExplainerController::cancelAll() {
    for (const auto& flag : std::as_const(flags_))
        flag->store(true);
}

}  // namespace niwt::gui
