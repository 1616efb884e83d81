#include "widgets/engine_coordinator.h"

#include <QFileInfo>

namespace niwt::gui {

namespace {
// The data set kind the default network is trained on.
constexpr const char* kDefaultNetworkDataset = "fashion-mnist";
}  // namespace

EngineCoordinator::EngineCoordinator(QObject* parent) : QObject(parent) {}

void EngineCoordinator::setDataset(std::shared_ptr<const Dataset> dataset) {
    context_.dataset = std::move(dataset);
    schedule();
}

void EngineCoordinator::setBundle(const QString& path, bool isDefaultNetwork) {
    const std::string bundle = path.toStdString();
    // A stage names a layer of one network: it means nothing to another.
    if (bundle != context_.bundle) context_.stage.clear();
    context_.bundle = bundle;
    defaultNetwork_ = isDefaultNetwork && !path.isEmpty();
    schedule();
}

void EngineCoordinator::setStage(const QString& stage) {
    context_.stage = stage.toStdString();
    schedule();
}

void EngineCoordinator::setModality(const QString& modality) {
    context_.modality = modality.isEmpty() ? std::string("attributes") : modality.toStdString();
    schedule();
}

void EngineCoordinator::setDevice(const QString& device) {
    context_.device = device.isEmpty() ? std::string("auto") : device.toStdString();
    schedule();
}

void EngineCoordinator::setCacheDir(const QString& cacheDir) {
    context_.cacheDir = cacheDir.toStdString();
    schedule();
}

bool EngineCoordinator::needsNetwork() const {
    if (!context_.dataset) return false;
    return context_.bundle.empty() || (defaultNetwork_ && context_.dataset->kind != kDefaultNetworkDataset);
}

QString EngineCoordinator::unavailableReason() const {
    if (!context_.dataset) return tr("Open a data set (File > Open Data Set…).");
    const QString kind = QString::fromStdString(context_.dataset->kind);
    if (defaultNetwork_ && context_.dataset->kind != kDefaultNetworkDataset)
        return tr("%1 needs a network: the default network knows only Fashion-MNIST. "
                  "Choose one with File > Open Network…")
            .arg(kind);
    if (context_.bundle.empty())
        return context_.dataset->kind == kDefaultNetworkDataset
                   ? tr("Waiting for the default network (File > Prepare Default Network), or choose one with "
                        "File > Open Network…")
                   : tr("%1 needs a network: choose one with File > Open Network…").arg(kind);
    // Reported where it was given (--bundle, the last session): the engine would only repeat it.
    if (!QFileInfo::exists(QString::fromStdString(context_.bundle)))
        return tr("The network %1 does not exist: choose one with File > Open Network…")
            .arg(QString::fromStdString(context_.bundle));
    return {};
}

void EngineCoordinator::schedule() {
    if (scheduled_) return;
    scheduled_ = true;
    QMetaObject::invokeMethod(this, &EngineCoordinator::applyNow, Qt::QueuedConnection);
}

void EngineCoordinator::applyNow() {
    scheduled_ = false;
    const QString reason = unavailableReason();
    if (reason.isEmpty()) {
        // Said once per distinct context: a repeated setter call must not prepare again.
        if (emittedOnce_ && lastWasComplete_ && lastEmitted_ == context_) return;
        emittedOnce_ = true;
        lastWasComplete_ = true;
        lastEmitted_ = context_;
        lastReason_.clear();
        emit contextChanged(context_);
    } else {
        if (emittedOnce_ && !lastWasComplete_ && lastReason_ == reason && lastEmitted_ == context_) return;
        emittedOnce_ = true;
        lastWasComplete_ = false;
        lastEmitted_ = context_;
        lastReason_ = reason;
        emit contextUnavailable(reason);
    }
}

}  // namespace niwt::gui
