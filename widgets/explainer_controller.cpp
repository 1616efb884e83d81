#include "widgets/explainer_controller.h"

#include "core/engine/cancelled.h"

#include <QElapsedTimer>
#include <QFileInfo>

#include <exception>

namespace niwt::gui {

ExplainerWorker::~ExplainerWorker() = default;

template <typename Work>
void ExplainerWorker::guarded(quint64 job, const CancelFlag& cancel, const ExplainerProgressFn& meter,
                              const Work& work) {
    if (cancel->load()) {  // cancelled while queued: do not start
        emit cancelled(job);
    } else {
        try {
            QElapsedTimer sinceEmit;
            sinceEmit.start();
            QString lastPhase;
            const auto progressFn = [&](const std::string& phase, int done, int total) {
                if (meter) meter(phase, done, total);  // throttled there (ProgressMeter)
                const QString name = QString::fromStdString(phase);
                // Throttled, but a new phase and a phase's end always get through.
                if (name == lastPhase && done < total && sinceEmit.elapsed() < kProgressIntervalMs) return;
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

void ExplainerWorker::prepare(quint64 job, CancelFlag cancel, const niwt::EngineContext& context,
                              const niwt::ExplainerOptions& options, const ExplainerProgressFn& meter) {
    // The previous engine belongs to the previous data set or bundle: it goes now, so a failed or
    // cancelled prepare leaves none (later jobs then say so).
    explainer_.reset();
    guarded(job, cancel, meter, [&](const ExplainerProgressFn& progressFn, const ExplainerCancelFn& cancelled) {
        auto explainer = std::make_unique<niwt::Explainer>(context, options);
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

void ExplainerWorker::explain(quint64 job, CancelFlag cancel, const QString& imagePath,
                              const niwt::ExplainClass& target, const QString& stage,
                              const std::vector<niwt::ExplainClass>& newClasses, int top,
                              const ExplainerProgressFn& meter) {
    guarded(job, cancel, meter, [&](const ExplainerProgressFn& progressFn, const ExplainerCancelFn& cancelled) {
        requirePrepared(explainer_);
        emit explained(job, explainer_->explain(imagePath.toStdString(), target, stage.toStdString(), newClasses, top,
                                                progressFn, cancelled));
    });
}

void ExplainerWorker::neurons(quint64 job, CancelFlag cancel, const QString& stage, int topAttributes, bool withClass,
                              const niwt::ExplainClass& target, const ExplainerProgressFn& meter) {
    guarded(job, cancel, meter, [&](const ExplainerProgressFn& progressFn, const ExplainerCancelFn& cancelled) {
        requirePrepared(explainer_);
        emit neuronTableReady(job, explainer_->neuronTable(stage.toStdString(), topAttributes,
                                                           withClass ? &target : nullptr, progressFn, cancelled));
    });
}

void ExplainerWorker::unitImages(quint64 job, CancelFlag cancel, const QString& stage, int unit, int count,
                                 const ExplainerProgressFn& meter) {
    guarded(job, cancel, meter, [&](const ExplainerProgressFn& progressFn, const ExplainerCancelFn& cancelled) {
        requirePrepared(explainer_);
        emit unitImagesReady(job, unit,
                             explainer_->topImagesForUnit(unit, count, stage.toStdString(), progressFn, cancelled));
    });
}

// ---------------------------------------------------------------------------------------------
ExplainerController::ExplainerController(JobRunner* runner, QObject* parent)
    : QObject(parent), lane_(std::make_unique<LaneClient>(runner, QStringLiteral("explainer"))),
      worker_(std::make_shared<ExplainerWorker>()) {
    qRegisterMetaType<niwt::ExplainerInfo>();
    qRegisterMetaType<niwt::Explanation>();
    qRegisterMetaType<niwt::NeuronListing>();
    qRegisterMetaType<std::vector<niwt::UnitImage>>();
    connect(lane_.get(), &LaneClient::busyChanged, this, &ExplainerController::busyChanged);
    ExplainerWorker* worker = worker_.get();

    // Worker -> controller: queued (different threads), so they arrive in order on this thread.
    connect(worker, &ExplainerWorker::progress, this, [this](quint64 job, const QString& phase, int done, int total) {
        if (lane_->isAwaited(job) && lane_->isLive(job))
            emit jobStatus(tr("explainer: %1 %2/%3").arg(phase).arg(done).arg(total));
    });
    connect(worker, &ExplainerWorker::prepared, this, [this](quint64 job, const ExplainerInfo& info) {
        // Only the latest preparation counts: an earlier one finishing while a newer one waits
        // describes an engine that is about to be replaced.
        if (job == preparingJob_) {
            preparingJob_ = 0;
            prepared_ = true;
            info_ = info;
            emit jobStatus(tr("explainer ready: stage %1, %2")
                               .arg(QString::fromStdString(info.stageName), QString::fromStdString(info.device)));
            emit prepared(info);
        }
    });
    // A result of a cancelled job is of a context (or a request) the panels have moved past.
    connect(worker, &ExplainerWorker::explained, this, [this](quint64 job, const Explanation& e) {
        if (lane_->isLive(job)) emit explained(job, e);
    });
    connect(worker, &ExplainerWorker::neuronTableReady, this, [this](quint64 job, const NeuronListing& listing) {
        if (lane_->isLive(job)) emit neuronTableReady(job, listing);
    });
    connect(worker, &ExplainerWorker::unitImagesReady, this,
            [this](quint64 job, int unit, const std::vector<UnitImage>& images) {
                if (lane_->isLive(job)) emit unitImagesReady(job, unit, images);
            });
    connect(worker, &ExplainerWorker::cancelled, this, [this](quint64 job) {
        if (job == preparingJob_) preparingJob_ = 0;
        emit jobStatus(tr("explainer: cancelled"));
        emit cancelled(job);
    });
    connect(worker, &ExplainerWorker::failed, this, [this](quint64 job, const QString& message) {
        if (job == preparingJob_) preparingJob_ = 0;
        emit jobStatus(tr("explainer: failed"));
        emit failed(job, message);
    });
    connect(worker, &ExplainerWorker::finished, lane_.get(), &LaneClient::reported);
    // A job cancelled while queued never reaches the worker: the runner says it ended.
    connect(lane_.get(), &LaneClient::endedUnreported, this, [this](quint64 job) {
        if (job == preparingJob_) preparingJob_ = 0;
        emit cancelled(job);
    });
}

ExplainerController::~ExplainerController() {
    cancelAll();
    lane_->waitForLane();  // at most one batch: the running job sees its cancel flag
}

quint64 ExplainerController::submit(const QString& title, std::function<void(ExplainerWorker&, JobControl&)> work) {
    // The runner's flag is the job's flag: cancel(job) here and the runner's cancel are one. The
    // engine's progress goes through the control's meter to the status bar (JobStatusBar).
    return lane_->start(title,
                        [worker = worker_, work = std::move(work)](JobControl& control) { work(*worker, control); });
}

quint64 ExplainerController::setEngine(std::shared_ptr<const Dataset> dataset, const QString& bundleDir,
                                       const QString& stage, const QString& modality) {
    EngineContext context;
    context.dataset = std::move(dataset);
    context.bundle = bundleDir.toStdString();
    context.stage = stage.toStdString();
    context.modality = modality.toStdString();
    return setEngine(context);
}

quint64 ExplainerController::setEngine(const EngineContext& context, const ExplainerOptions& options) {
    cancelAll();        // results for the old engine are of no use now
    prepared_ = false;  // later requests wait for this preparation, never reach an older engine
    context_ = context;
    emit jobStatus(tr("explainer: preparing"));
    const quint64 job =
        submit(tr("Preparing the explainer"), [context, options](ExplainerWorker& worker, JobControl& control) {
            worker.prepare(control.job(), control.flag(), context, options, control.progressFunction());
        });
    preparingJob_ = job;
    return job;
}

void ExplainerController::reset() {
    lane_->cancelAllThen(tr("Closing the explainer"), [worker = worker_](JobControl&) { worker->dropEngine(); });
    prepared_ = false;
    preparingJob_ = 0;
    info_ = {};
    context_ = {};
    emit engineReset();
}

void ExplainerController::setNewClasses(const QList<NewClassRef>& classes) {
    newClasses_ = classes;
    emit newClassesChanged();
}

std::vector<ExplainClass> ExplainerController::newExplainClasses() const {
    std::vector<ExplainClass> out;
    for (const auto& c : newClasses_) out.push_back(ExplainClass::learned(c.name.toStdString(), c.weight, c.bias));
    return out;
}

quint64 ExplainerController::explain(const QString& imagePath, const ExplainClass& target, const QString& stage,
                                     int top) {
    if (!prepared_) return 0;
    return submit(
        tr("Explaining %1").arg(QFileInfo(imagePath).fileName()),
        [imagePath, target, stage, classes = newExplainClasses(), top](ExplainerWorker& worker, JobControl& control) {
            worker.explain(control.job(), control.flag(), imagePath, target, stage, classes, top,
                           control.progressFunction());
        });
}

quint64 ExplainerController::neuronTable(const QString& stage, int topAttributes, const ExplainClass* target) {
    if (!prepared_) return 0;
    const bool withClass = target != nullptr;
    const ExplainClass cls = target ? *target : ExplainClass{};
    return submit(tr("Naming neurons"), [stage, topAttributes, withClass, cls](ExplainerWorker& worker,
                                                                               JobControl& control) {
        worker.neurons(control.job(), control.flag(), stage, topAttributes, withClass, cls, control.progressFunction());
    });
}

quint64 ExplainerController::unitImages(const QString& stage, int unit, int count) {
    if (!prepared_) return 0;
    return submit(tr("Finding the images of neuron %1").arg(unit),
                  [stage, unit, count](ExplainerWorker& worker, JobControl& control) {
                      worker.unitImages(control.job(), control.flag(), stage, unit, count, control.progressFunction());
                  });
}

void ExplainerController::cancel(quint64 job) { lane_->cancel(job); }

void ExplainerController::cancelAll() { lane_->cancelAll(); }

}  // namespace niwt::gui
