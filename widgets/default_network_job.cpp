#include "widgets/default_network_job.h"

#include "core/engine/cancelled.h"

#include <QElapsedTimer>
#include <QPointer>

#include <exception>
#include <stdexcept>

namespace niwt::gui {

namespace {
// At most ~10 progress signals a second, plus each epoch's last batch, so the GUI thread is not
// flooded by fast batches.
constexpr int kProgressIntervalMs = 100;
}  // namespace

DefaultNetworkJob::DefaultNetworkJob(JobRunner* runner, QObject* parent)
    : QObject(parent), function_(&niwt::ensureDefaultNetwork),
      lane_(std::make_unique<LaneClient>(runner, QStringLiteral("network"))) {
    qRegisterMetaType<niwt::NetworkTrainingProgress>();
    qRegisterMetaType<niwt::DefaultNetworkResult>();
    // Cancelled before it started: the runner ends it with no outcome (endedUnreported comes first).
    connect(lane_.get(), &LaneClient::endedUnreported, this, [this](quint64 job) {
        if (job == job_) emit cancelled();
    });
    connect(lane_->runner(), &JobRunner::finished, this, [this](quint64 job) {
        if (job != job_) return;
        job_ = 0;
        emit finished();
    });
}

DefaultNetworkJob::~DefaultNetworkJob() {
    cancel();
    lane_->waitForLane();
}

bool DefaultNetworkJob::start(std::shared_ptr<const Dataset> dataset, const DefaultNetworkOptions& options) {
    if (job_) return false;
    QPointer<DefaultNetworkJob> self(this);
    const QString title = tr("Preparing the default network");
    job_ = lane_->start(title, [self, dataset, options, function = function_](JobControl& control) {
        QElapsedTimer sinceEmit;
        sinceEmit.start();
        const auto onProgress = [&](const NetworkTrainingProgress& p) {
            control.progress("training, epoch " + std::to_string(p.epoch) + "/" + std::to_string(p.epochs),
                             (p.epoch - 1) * p.batches + p.batch, p.epochs * p.batches);
            if (sinceEmit.elapsed() < kProgressIntervalMs && p.batch < p.batches) return;
            sinceEmit.restart();
            control.post([self, p] {
                if (self) emit self->progress(p);
            });
        };
        const auto cancelled = control.cancelled();
        try {
            if (!dataset) throw std::runtime_error("no data set to train the default network on");
            const DefaultNetworkResult result = function(*dataset, options, onProgress, cancelled);
            control.post([self, job = control.job(), result] {
                if (!self) return;
                self->lane_->reported(job);
                emit self->succeeded(result);
            });
        } catch (const niwt::Cancelled&) {
            control.post([self, job = control.job()] {
                if (!self) return;
                self->lane_->reported(job);
                emit self->cancelled();
            });
        } catch (const std::exception& e) {
            // A cancel that surfaced as another error is still a cancel to the user.
            const QString message = QString::fromLocal8Bit(e.what());
            const bool wasCancelled = cancelled();
            control.post([self, job = control.job(), message, wasCancelled] {
                if (!self) return;
                self->lane_->reported(job);
                if (wasCancelled)
                    emit self->cancelled();
                else
                    emit self->failed(message);
            });
        }
    });
    return true;
}

void DefaultNetworkJob::cancel() {
    if (job_) lane_->cancel(job_);
}

}  // namespace niwt::gui
