#include "widgets/default_network_job.h"

#include "core/engine/cancelled.h"

#include <QElapsedTimer>
#include <QPointer>

#include <exception>
#include <stdexcept>

namespace niwt::gui {

namespace {
const QString kLane = QStringLiteral("network");
// At most ~10 progress signals a second, plus each epoch's last batch, so the GUI thread is not
// flooded by fast batches.
constexpr int kProgressIntervalMs = 100;
}  // namespace

DefaultNetworkJob::DefaultNetworkJob(JobRunner* runner, QObject* parent)
    : QObject(parent), function_(&niwt::ensureDefaultNetwork), runner_(runner) {
    qRegisterMetaType<niwt::NetworkTrainingProgress>();
    qRegisterMetaType<niwt::DefaultNetworkResult>();
    if (!runner_) {
        ownRunner_ = std::make_unique<JobRunner>();
        runner_ = ownRunner_.get();
    }
    connect(runner_, &JobRunner::finished, this, [this](quint64 job) {
        if (job != job_) return;
        job_ = 0;
        if (!outcomeReported_) emit cancelled();  // cancelled before it started
        emit finished();
    });
}

DefaultNetworkJob::~DefaultNetworkJob() {
    cancel();
    runner_->waitForLane(kLane);
}

bool DefaultNetworkJob::start(std::shared_ptr<const Dataset> dataset, const DefaultNetworkOptions& options) {
    if (job_) return false;
    outcomeReported_ = false;
    QPointer<DefaultNetworkJob> self(this);
    job_ = runner_->start(kLane, tr("Preparing the default network"), [self, dataset, options, function = function_](JobControl& control) {
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
            control.post([self, result] {
                if (!self) return;
                self->outcomeReported_ = true;
                emit self->succeeded(result);
            });
        } catch (const niwt::Cancelled&) {
            control.post([self] {
                if (!self) return;
                self->outcomeReported_ = true;
                emit self->cancelled();
            });
        } catch (const std::exception& e) {
            // A cancel that surfaced as another error is still a cancel to the user.
            const QString message = QString::fromLocal8Bit(e.what());
            const bool wasCancelled = cancelled();
            control.post([self, message, wasCancelled] {
                if (!self) return;
                self->outcomeReported_ = true;
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
    if (job_) runner_->cancel(job_);
}

}  // namespace niwt::gui
