#pragma once
// The explorer's one engine context (core/pipeline/engine_context.h) and its owner. The main
// window tells it what changed (a data set opened, a network chosen, a stage, a modality, a
// device or a cache folder picked); it works out the context and says, once per change, either
// contextChanged (complete: every engine user prepares for it) or contextUnavailable (why not:
// every engine user drops what it holds). Changes made in one go (a data set and its network)
// are merged into one signal: they are applied from the event loop (or by applyNow()).
#include "core/pipeline/engine_context.h"
#include "widgets/engine_types.h"

#include <QMetaType>
#include <QObject>
#include <QString>

#include <memory>

namespace niwt::gui {

class EngineCoordinator : public QObject {
    Q_OBJECT
public:
    explicit EngineCoordinator(QObject* parent = nullptr);

    // The context as set (bundle included even when it does not fit the data set).
    const EngineContext& context() const { return context_; }
    bool isDefaultNetwork() const { return defaultNetwork_; }

    void setDataset(std::shared_ptr<const Dataset> dataset);
    // `isDefaultNetwork`: the small CNN trained on the embedded Fashion-MNIST, usable only there.
    void setBundle(const QString& path, bool isDefaultNetwork = false);
    void setStage(const QString& stage);
    void setModality(const QString& modality);
    void setDevice(const QString& device);
    void setCacheDir(const QString& cacheDir);

    // Why no engine can be prepared now, in one sentence for a status line; empty when it can.
    QString unavailableReason() const;
    // A data set is open but the window has no network that fits it: the user must choose one.
    bool needsNetwork() const;

    // Applies pending changes now instead of from the event loop.
    void applyNow();

signals:
    void contextChanged(const niwt::EngineContext& context);
    void contextUnavailable(const QString& reason);

private:
    void schedule();

    EngineContext context_;
    bool defaultNetwork_ = false;
    bool scheduled_ = false;
    bool emittedOnce_ = false;
    bool lastWasComplete_ = false;
    EngineContext lastEmitted_;
    QString lastReason_;
};

}  // namespace niwt::gui
