#pragma once
// Edit > Preferences: the compute device, LibTorch's threads, the cache folder (its size, and
// a Clear button) and where alpha2w searches (the span of the seen weights, or the paper's whole
// weight space, refined after the span solution is shown). Typed over QSettings (Preferences), so the rest of the
// window never reads raw keys; the main window applies them to the engine context (widgets/engine_coordinator.h).
#include "core/engine/alpha2w_space.h"

#include <QDialog>
#include <QString>

#include <functional>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace niwt::gui {

struct Preferences {
    QString device = QStringLiteral("auto");  // auto | cpu | cuda | cuda:N
    int threads = 0;                          // LibTorch intra-op threads; 0: one per core
    QString cacheDir;                         // features, heads, importances; empty: the default
    // alpha2w's search space for the session: Span (fast), or Full (the paper's; prepare() also
    // computes the pool's importance Jacobians, and each class is refined after its span solution).
    niwt::Alpha2WSpace alpha2wSpace = niwt::kDefaultAlpha2WSpace;

    static Preferences load();
    void save() const;
    // LibTorch's threads from the next engine preparation on.
    void applyToEngine() const;
    // The folder caches go to: cacheDir, else the default (as every engine and `niwt` uses).
    QString effectiveCacheDir() const;
    bool operator==(const Preferences& other) const {
        return device == other.device && threads == other.threads && cacheDir == other.cacheDir &&
               alpha2wSpace == other.alpha2wSpace;
    }
};

// Bytes of every file under `dir` (0 when it does not exist).
qint64 directorySize(const QString& dir);
// Removes every file and folder inside `dir`, keeping `dir`. False with `error` naming the first
// entry that could not be removed.
bool clearDirectory(const QString& dir, QString* error = nullptr);

class PreferencesDialog : public QDialog {
    Q_OBJECT
public:
    explicit PreferencesDialog(const Preferences& preferences, QWidget* parent = nullptr);

    Preferences preferences() const;
    // Asked before clearing: false (a job is running) disables Clear with a tooltip saying why.
    void setCacheClearAllowed(std::function<bool()> allowed);
    // Clears the cache folder without asking (the button asks first). False with a message on error.
    bool clearCacheNow(QString* error = nullptr);

    QComboBox* deviceBox() const { return deviceBox_; }
    QSpinBox* threadsBox() const { return threadsBox_; }
    QLineEdit* cacheEdit() const { return cacheEdit_; }
    QComboBox* alpha2wBox() const { return alpha2wBox_; }
    QLabel* cacheSizeLabel() const { return cacheSizeLabel_; }
    QPushButton* clearButton() const { return clearButton_; }

private:
    void updateCacheSize();
    void askAndClear();

    QComboBox* deviceBox_ = nullptr;
    QSpinBox* threadsBox_ = nullptr;
    QLineEdit* cacheEdit_ = nullptr;
    QLabel* cacheSizeLabel_ = nullptr;
    QPushButton* clearButton_ = nullptr;
    QComboBox* alpha2wBox_ = nullptr;
    std::function<bool()> clearAllowed_;
};

}  // namespace niwt::gui
