#include "widgets/preferences_dialog.h"

#include "core/pipeline/default_network.h"
#include "core/pipeline/engine_info.h"
#include "widgets/explorer_settings.h"

#include <QAbstractButton>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDirIterator>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QThread>
#include <QVBoxLayout>

namespace niwt::gui {

namespace {
const QString kDeviceKey = QStringLiteral("preferences/device");
const QString kThreadsKey = QStringLiteral("preferences/threads");
const QString kCacheDirKey = QStringLiteral("preferences/cacheDir");
const QString kAlpha2wKey = QStringLiteral("preferences/alpha2w");  // "span" | "full"

QSettings makeSettings() {
    return QSettings(QString::fromLatin1(kSettingsOrganisation), QString::fromLatin1(kSettingsApplication));
}
}  // namespace

Preferences Preferences::load() {
    const QSettings settings = makeSettings();
    Preferences p;
    p.device = settings.value(kDeviceKey, p.device).toString();
    p.threads = std::max(0, settings.value(kThreadsKey, 0).toInt());
    p.cacheDir = settings.value(kCacheDirKey).toString();
    // "span" or "full"; anything else (absent, a hand-edited file) is the default.
    p.alpha2wSpace = niwt::alpha2wSpaceOr(settings.value(kAlpha2wKey).toString().toStdString(), p.alpha2wSpace);
    return p;
}

void Preferences::save() const {
    QSettings settings = makeSettings();
    settings.setValue(kDeviceKey, device);
    settings.setValue(kThreadsKey, threads);
    settings.setValue(kCacheDirKey, cacheDir);
    settings.setValue(kAlpha2wKey, QString::fromLatin1(niwt::alpha2wSpaceName(alpha2wSpace)));
}

void Preferences::applyToEngine() const { niwt::setEngineThreads(threads); }

QString Preferences::effectiveCacheDir() const {
    if (!cacheDir.isEmpty()) return cacheDir;
    return QString::fromStdString(niwt::defaultCacheDir()) + QStringLiteral("/cache");
}

qint64 directorySize(const QString& dir) {
    qint64 bytes = 0;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::NoSymLinks, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        bytes += it.fileInfo().size();
    }
    return bytes;
}

bool clearDirectory(const QString& dir, QString* error) {
    const QDir root(dir);
    if (!root.exists()) return true;
    for (const QFileInfo& entry :
         root.entryInfoList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot)) {
        const bool removed = entry.isDir() && !entry.isSymLink() ? QDir(entry.absoluteFilePath()).removeRecursively()
                                                                 : QFile::remove(entry.absoluteFilePath());
        if (!removed) {
            if (error)
                *error =
                    QObject::tr("%1: could not be removed").arg(QDir::toNativeSeparators(entry.absoluteFilePath()));
            return false;
        }
    }
    return true;
}

PreferencesDialog::PreferencesDialog(const Preferences& preferences, QWidget* parent) : QDialog(parent) {
    setObjectName(QStringLiteral("preferencesDialog"));
    setWindowTitle(tr("Preferences"));

    deviceBox_ = new QComboBox(this);
    deviceBox_->setObjectName(QStringLiteral("deviceBox"));
    deviceBox_->addItem(tr("Automatic (CUDA when available)"), QStringLiteral("auto"));
    deviceBox_->addItem(tr("CPU"), QStringLiteral("cpu"));
    if (niwt::cudaAvailable()) deviceBox_->addItem(tr("CUDA"), QStringLiteral("cuda"));
    int device = deviceBox_->findData(preferences.device);
    if (device < 0) {  // e.g. "cuda:1" from the settings file: kept as given
        deviceBox_->addItem(preferences.device, preferences.device);
        device = deviceBox_->count() - 1;
    }
    deviceBox_->setCurrentIndex(device);

    threadsBox_ = new QSpinBox(this);
    threadsBox_->setObjectName(QStringLiteral("threadsBox"));
    const int cores = std::max(1, QThread::idealThreadCount());
    threadsBox_->setRange(0, 4 * cores);
    threadsBox_->setSpecialValueText(tr("Automatic (%n core(s))", nullptr, cores));
    threadsBox_->setValue(preferences.threads);

    cacheEdit_ = new QLineEdit(this);
    cacheEdit_->setObjectName(QStringLiteral("cacheDirEdit"));
    cacheEdit_->setPlaceholderText(Preferences{}.effectiveCacheDir());
    cacheEdit_->setText(preferences.cacheDir);
    auto* browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir =
            QFileDialog::getExistingDirectory(this, tr("Cache folder"), this->preferences().effectiveCacheDir());
        if (!dir.isEmpty()) cacheEdit_->setText(dir);
    });
    auto* cacheRow = new QHBoxLayout;
    cacheRow->addWidget(cacheEdit_, 1);
    cacheRow->addWidget(browse);

    cacheSizeLabel_ = new QLabel(this);
    cacheSizeLabel_->setObjectName(QStringLiteral("cacheSizeLabel"));
    clearButton_ = new QPushButton(tr("Clear Cache…"), this);
    clearButton_->setObjectName(QStringLiteral("clearCacheButton"));
    connect(clearButton_, &QPushButton::clicked, this, &PreferencesDialog::askAndClear);
    auto* sizeRow = new QHBoxLayout;
    sizeRow->addWidget(cacheSizeLabel_, 1);
    sizeRow->addWidget(clearButton_);
    connect(cacheEdit_, &QLineEdit::editingFinished, this, &PreferencesDialog::updateCacheSize);

    alpha2wBox_ = new QComboBox(this);
    alpha2wBox_->setObjectName(QStringLiteral("alpha2wBox"));
    alpha2wBox_->addItem(tr("Span of the seen weights (fast)"), QStringLiteral("span"));
    alpha2wBox_->addItem(tr("Full weight space (the paper's)"), QStringLiteral("full"));
    alpha2wBox_->setCurrentIndex(preferences.alpha2wSpace == niwt::Alpha2WSpace::Full ? 1 : 0);
    alpha2wBox_->setToolTip(
        tr("Where alpha2w searches a new class's weights. Full: the preparation also computes "
           "the importance Jacobians (cached); each class shows its span solution at once, "
           "then the full solution replaces it (cancel keeps the span solution)."));

    auto* form = new QFormLayout;
    form->addRow(tr("Compute &device:"), deviceBox_);
    form->addRow(tr("&alpha2w search space:"), alpha2wBox_);
    form->addRow(tr("LibTorch &threads:"), threadsBox_);
    auto* cacheLabel = new QLabel(tr("&Cache folder:"), this);
    cacheLabel->setBuddy(cacheEdit_);  // a layout row gets no buddy from QFormLayout
    form->addRow(cacheLabel, cacheRow);
    form->addRow(QString(), sizeRow);
    auto* note =
        new QLabel(tr("Features, seen heads and importances are cached here; clearing them makes the next "
                      "preparation recompute them. OK applies the changes at once: the engine prepares again where "
                      "they need it, and the next evaluation uses the alpha2w search space."),
                   this);
    note->setWordWrap(true);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(buttons);
    updateCacheSize();
}

Preferences PreferencesDialog::preferences() const {
    Preferences p;
    p.device = deviceBox_->currentData().toString();
    p.threads = threadsBox_->value();
    p.cacheDir = cacheEdit_->text().trimmed();
    p.alpha2wSpace = niwt::parseAlpha2WSpace(alpha2wBox_->currentData().toString().toStdString());
    return p;
}

void PreferencesDialog::setCacheClearAllowed(std::function<bool()> allowed) {
    clearAllowed_ = std::move(allowed);
    updateCacheSize();
}

void PreferencesDialog::updateCacheSize() {
    const QString dir = preferences().effectiveCacheDir();
    const qint64 bytes = directorySize(dir);
    cacheSizeLabel_->setText(tr("%1 in %2").arg(QLocale().formattedDataSize(bytes), QDir::toNativeSeparators(dir)));
    const bool allowed = !clearAllowed_ || clearAllowed_();
    clearButton_->setEnabled(bytes > 0 && allowed);
    clearButton_->setToolTip(allowed ? tr("Remove every cached file in this folder")
                                     : tr("A job is running: cancel it or wait before clearing the cache"));
}

bool PreferencesDialog::clearCacheNow(QString* error) {
    if (clearAllowed_ && !clearAllowed_()) {
        if (error) *error = tr("a job is running: cancel it or wait before clearing the cache");
        return false;
    }
    const bool ok = clearDirectory(preferences().effectiveCacheDir(), error);
    updateCacheSize();
    return ok;
}

void PreferencesDialog::askAndClear() {
    const QString dir = QDir::toNativeSeparators(preferences().effectiveCacheDir());
    auto* box = new QMessageBox(
        QMessageBox::Question, tr("Clear Cache"),
        tr("Remove every cached file in %1 (%2)?").arg(dir, cacheSizeLabel_->text().section(QLatin1Char(' '), 0, 1)),
        QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::buttonClicked, this, [this, box](QAbstractButton* button) {
        if (box->standardButton(button) != QMessageBox::Yes) return;
        QString error;
        if (!clearCacheNow(&error)) QMessageBox::warning(this, tr("Clear Cache"), error);
    });
    box->open();
}

}  // namespace niwt::gui
