#pragma once
// The explanation engine (niwt::Explainer) in the "explainer" lane of the window's JobRunner
// (widgets/job_runner.h), shared by the heatmap and neuron panels. ExplainerWorker holds the
// engine and runs one job at a time on the lane's thread, in the order submitted;
// ExplainerController, on the GUI thread, queues the jobs (the runner numbers them) and relays the
// worker's results. Nothing blocks the GUI thread and no event loop is spun.
//
// Cancelling: every job has its own flag, polled by the engine between batches. cancel(job) stops
// one job (a panel dropping a request the user has moved past), cancelAll() every job submitted so
// far. A cancelled job changes nothing in the engine.
#include "core/data/dataset.h"
#include "core/pipeline/explainer.h"
#include "widgets/job_runner.h"
#include "widgets/lane_client.h"

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <functional>

#include <atomic>
#include <memory>
#include <vector>

namespace niwt::gui {

// A class learned in the explorer (the composer's niwt::LearnedClass), as the explainer takes it.
struct NewClassRef {
    QString name;
    std::vector<float> weight;  // featureDim values
    float bias = 0;
};

class ExplainerWorker : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    ~ExplainerWorker() override;

    static constexpr int kProgressIntervalMs = 50;  // progress signals at most this often

    // Run on the worker's thread (the controller queues them there).
    // `meter`: every progress report of the engine also goes there (the controller passes the
    // runner's JobControl::progress, so the status bar shows done/total, rate and time left).
    void prepare(quint64 job, niwt::gui::CancelFlag cancel, const niwt::EngineContext& context,
                 const niwt::ExplainerOptions& options, const niwt::ExplainerProgressFn& meter = {});
    void dropEngine() { explainer_.reset(); }
    void explain(quint64 job, niwt::gui::CancelFlag cancel, const QString& imagePath, const niwt::ExplainClass& target,
                 const QString& stage, const std::vector<niwt::ExplainClass>& newClasses, int top,
                 const niwt::ExplainerProgressFn& meter = {});
    void neurons(quint64 job, niwt::gui::CancelFlag cancel, const QString& stage, int topAttributes, bool withClass,
                 const niwt::ExplainClass& target, const niwt::ExplainerProgressFn& meter = {});
    void unitImages(quint64 job, niwt::gui::CancelFlag cancel, const QString& stage, int unit, int count,
                    const niwt::ExplainerProgressFn& meter = {});

signals:
    void progress(quint64 job, const QString& phase, int done, int total);
    void prepared(quint64 job, const niwt::ExplainerInfo& info);
    void explained(quint64 job, const niwt::Explanation& explanation);
    void neuronTableReady(quint64 job, const niwt::NeuronListing& listing);
    void unitImagesReady(quint64 job, int unit, const std::vector<niwt::UnitImage>& images);
    void cancelled(quint64 job);
    void failed(quint64 job, const QString& message);
    void finished(quint64 job);  // after any of the above ends a job

private:
    template <typename Work>
    void guarded(quint64 job, const CancelFlag& cancel, const niwt::ExplainerProgressFn& meter, const Work& work);

    std::unique_ptr<niwt::Explainer> explainer_;
};

class ExplainerController : public QObject {
    Q_OBJECT
public:
    // `runner`: the window's (its "explainer" lane); null: one of its own.
    explicit ExplainerController(JobRunner* runner = nullptr, QObject* parent = nullptr);
    ~ExplainerController() override;  // cancels what runs and waits for the lane

    // (Re)prepares the engine for a data set and a bundle: cancels every job so far, then prepares
    // (stage empty: the bundle's default). Returns the job's number.
    quint64 setEngine(std::shared_ptr<const Dataset> dataset, const QString& bundleDir, const QString& stage = {},
                      const QString& modality = QStringLiteral("attributes"));
    quint64 setEngine(const EngineContext& context, const ExplainerOptions& options = {});
    // Cancels every job and drops the engine: its context is gone. Jobs return 0 until setEngine().
    void reset();
    const EngineContext& context() const { return context_; }
    // Classes learned in the explorer: offered by the panels beside the seen classes and included
    // in every explanation's predictions.
    void setNewClasses(const QList<NewClassRef>& classes);
    const QList<NewClassRef>& newClasses() const { return newClasses_; }
    std::vector<ExplainClass> newExplainClasses() const;

    // Jobs; each returns its number (0 when the engine is not prepared or being prepared).
    quint64 explain(const QString& imagePath, const ExplainClass& target, const QString& stage = {}, int top = 5);
    quint64 neuronTable(const QString& stage, int topAttributes, const ExplainClass* target = nullptr);
    quint64 unitImages(const QString& stage, int unit, int count);
    void cancel(quint64 job);
    void cancelAll();

    bool isPrepared() const { return prepared_; }
    bool isPreparing() const { return preparingJob_ != 0; }
    bool isBusy() const { return lane_->isBusy(); }
    const ExplainerInfo& info() const { return info_; }  // of the last successful prepare
    std::shared_ptr<const Dataset> dataset() const { return context_.dataset; }

signals:
    void busyChanged(bool busy);
    // One-line job status for the status bar ("explainer: importances 120/500", "explainer ready").
    void jobStatus(const QString& text);
    void prepared(const niwt::ExplainerInfo& info);
    // reset(): the panels clear what they show (it belonged to the old context).
    void engineReset();
    void newClassesChanged();
    void explained(quint64 job, const niwt::Explanation& explanation);
    void neuronTableReady(quint64 job, const niwt::NeuronListing& listing);
    void unitImagesReady(quint64 job, int unit, const std::vector<niwt::UnitImage>& images);
    void cancelled(quint64 job);
    // A job failed: one line naming the file or the problem.
    void failed(quint64 job, const QString& message);

private:
    // Queues `work` on the worker in the explainer lane; returns the job's number.
    quint64 submit(const QString& title, std::function<void(ExplainerWorker&, JobControl&)> work);

    std::unique_ptr<LaneClient> lane_;  // the "explainer" lane of the window's runner (or its own)
    std::shared_ptr<ExplainerWorker> worker_;
    quint64 preparingJob_ = 0;
    bool prepared_ = false;
    ExplainerInfo info_;
    EngineContext context_;
    QList<NewClassRef> newClasses_;
};

}  // namespace niwt::gui

Q_DECLARE_METATYPE(niwt::ExplainerOptions)
Q_DECLARE_METATYPE(niwt::ExplainerInfo)
Q_DECLARE_METATYPE(niwt::ExplainClass)
Q_DECLARE_METATYPE(niwt::Explanation)
Q_DECLARE_METATYPE(niwt::NeuronListing)
Q_DECLARE_METATYPE(niwt::UnitImage)
Q_DECLARE_METATYPE(niwt::gui::NewClassRef)
Q_DECLARE_METATYPE(niwt::gui::CancelFlag)
