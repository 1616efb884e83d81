#pragma once
// Runs niwt::ensureDefaultNetwork (minutes of training on first use) on a worker thread.
// Progress and the outcome arrive as signals on the GUI thread; cancel() asks the worker to stop
// between batches (QThread::requestInterruption, polled through the `cancelled` callback).
#include "core/data/dataset.h"
#include "core/pipeline/default_network.h"

#include <QMetaType>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>

namespace niwt::gui {

// Same shape as niwt::ensureDefaultNetwork, so tests can put in a fast stand-in.
using DefaultNetworkFunction = std::function<DefaultNetworkResult(
    const Dataset&, const DefaultNetworkOptions&, const std::function<void(const NetworkTrainingProgress&)>&,
    const std::function<bool()>&)>;

// Lives on the job's thread for one run.
class DefaultNetworkWorker : public QObject {
    Q_OBJECT
public:
    DefaultNetworkWorker(std::shared_ptr<const Dataset> dataset, DefaultNetworkOptions options,
                         DefaultNetworkFunction function);

public slots:
    void run();

signals:
    void progress(const niwt::NetworkTrainingProgress& progress);
    void succeeded(const niwt::DefaultNetworkResult& result);
    void failed(const QString& message);
    void cancelled();

private:
    std::shared_ptr<const Dataset> dataset_;
    DefaultNetworkOptions options_;
    DefaultNetworkFunction function_;
};

class DefaultNetworkJob : public QObject {
    Q_OBJECT
public:
    explicit DefaultNetworkJob(QObject* parent = nullptr);
    ~DefaultNetworkJob() override;  // cancels a running job and waits for its thread

    void setFunction(DefaultNetworkFunction function) { function_ = std::move(function); }
    // False (and nothing started) while a job is running.
    bool start(std::shared_ptr<const Dataset> dataset, const DefaultNetworkOptions& options);
    void cancel();
    bool isRunning() const { return thread_ != nullptr; }

signals:
    void progress(const niwt::NetworkTrainingProgress& progress);
    void succeeded(const niwt::DefaultNetworkResult& result);
    void failed(const QString& message);
    void cancelled();
    void finished();  // after succeeded, failed or cancelled

private:
    void stopThread();

    DefaultNetworkFunction function_;
    QThread* thread_ = nullptr;
    DefaultNetworkWorker* worker_ = nullptr;
};

}  // namespace niwt::gui

Q_DECLARE_METATYPE(niwt::NetworkTrainingProgress)
Q_DECLARE_METATYPE(niwt::DefaultNetworkResult)
