#include "widgets/default_network_job.h"

#include "core/engine/cancelled.h"

#include <QElapsedTimer>
#include <QThread>

#include <exception>
#include <stdexcept>

namespace niwt::gui {

DefaultNetworkWorker::DefaultNetworkWorker(std::shared_ptr<const Dataset> dataset, DefaultNetworkOptions options,
                                           DefaultNetworkFunction function)
    : dataset_(std::move(dataset)), options_(std::move(options)), function_(std::move(function)) {}

void DefaultNetworkWorker::run() {
    QThread* thread = QThread::currentThread();
    QElapsedTimer sinceEmit;
    sinceEmit.start();
    // At most ~10 progress signals a second, plus each epoch's last batch, so the GUI thread
    // is not flooded by fast batches.
    auto onProgress = [this, &sinceEmit](const NetworkTrainingProgress& p) {
        if (sinceEmit.elapsed() < 100 && p.batch < p.batches) return;
        sinceEmit.restart();
        emit progress(p);
    };
    auto isCancelled = [thread] { return thread->isInterruptionRequested(); };
    try {
        if (!dataset_) throw std::runtime_error("no data set to train the default network on");
        const DefaultNetworkResult result = function_(*dataset_, options_, onProgress, isCancelled);
        emit succeeded(result);
    } catch (const niwt::Cancelled&) {
        emit cancelled();
    } catch (const std::exception& e) {
        // A cancel that surfaced as another error is still a cancel to the user.
        if (isCancelled())
            emit cancelled();
        else
            emit failed(QString::fromLocal8Bit(e.what()));
    } catch (...) {
        emit failed(tr("unknown error while preparing the default network"));
    }
}

DefaultNetworkJob::DefaultNetworkJob(QObject* parent) : QObject(parent), function_(&niwt::ensureDefaultNetwork) {
    qRegisterMetaType<niwt::NetworkTrainingProgress>();
    qRegisterMetaType<niwt::DefaultNetworkResult>();
}

DefaultNetworkJob::~DefaultNetworkJob() {
    if (thread_) thread_->requestInterruption();
    stopThread();
}

bool DefaultNetworkJob::start(std::shared_ptr<const Dataset> dataset, const DefaultNetworkOptions& options) {
    if (thread_) return false;
    thread_ = new QThread;
    thread_->setObjectName(QStringLiteral("default-network"));
    worker_ = new DefaultNetworkWorker(std::move(dataset), options, function_);
    worker_->moveToThread(thread_);
    connect(thread_, &QThread::started, worker_, &DefaultNetworkWorker::run);
    // Worker -> job signals are queued (different threads), so they arrive here in order.
    connect(worker_, &DefaultNetworkWorker::progress, this, &DefaultNetworkJob::progress);
    connect(worker_, &DefaultNetworkWorker::succeeded, this, [this](const DefaultNetworkResult& result) {
        stopThread();
        emit succeeded(result);
        emit finished();
    });
    connect(worker_, &DefaultNetworkWorker::failed, this, [this](const QString& message) {
        stopThread();
        emit failed(message);
        emit finished();
    });
    connect(worker_, &DefaultNetworkWorker::cancelled, this, [this] {
        stopThread();
        emit cancelled();
        emit finished();
    });
    thread_->start();
    return true;
}

void DefaultNetworkJob::cancel() {
    if (thread_) thread_->requestInterruption();
}

void DefaultNetworkJob::stopThread() {
    if (!thread_) return;
    thread_->quit();
    thread_->wait();
    // The thread has stopped, so its objects can be deleted from here.
    delete worker_;
    delete thread_;
    worker_ = nullptr;
    thread_ = nullptr;
}

}  // namespace niwt::gui
