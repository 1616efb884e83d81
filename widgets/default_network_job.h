#pragma once
// Runs niwt::ensureDefaultNetwork (minutes of training on first use) in the "network" lane of the
// window's JobRunner. Progress and the outcome arrive as signals on the GUI thread; cancel() sets
// the job's flag, polled between batches through the `cancelled` callback.
#include "core/data/dataset.h"
#include "core/pipeline/default_network.h"
#include "widgets/job_runner.h"
#include "widgets/lane_client.h"

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

class DefaultNetworkJob : public QObject {
    Q_OBJECT
public:
    // `runner`: the window's (its "network" lane); null: one of its own.
    explicit DefaultNetworkJob(JobRunner* runner = nullptr, QObject* parent = nullptr);
    ~DefaultNetworkJob() override;  // cancels a running job and waits for it

    void setFunction(DefaultNetworkFunction function) { function_ = std::move(function); }
    // False (and nothing started) while a job is running.
    bool start(std::shared_ptr<const Dataset> dataset, const DefaultNetworkOptions& options);
    void cancel();
    bool isRunning() const { return job_ != 0; }

signals:
    void progress(const niwt::NetworkTrainingProgress& progress);
    void succeeded(const niwt::DefaultNetworkResult& result);
    void failed(const QString& message);
    void cancelled();
    void finished();  // after succeeded, failed or cancelled

private:
    DefaultNetworkFunction function_;
    std::unique_ptr<LaneClient> lane_;  // the "network" lane of the window's runner (or its own)
    quint64 job_ = 0;                   // running, 0: none
};

}  // namespace niwt::gui

Q_DECLARE_METATYPE(niwt::NetworkTrainingProgress)
Q_DECLARE_METATYPE(niwt::DefaultNetworkResult)
