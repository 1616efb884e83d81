#include "widgets/explorer_settings.h"

#include <QVariant>
#include <QVariantMap>

namespace niwt::gui {

namespace {
const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kStateKey = QStringLiteral("window/state");
const QString kThemeKey = QStringLiteral("appearance/theme");
const QString kRecentKey = QStringLiteral("datasets/recent");          // QVariantList of DatasetRequest::toVariant()
const QString kRecentNetworksKey = QStringLiteral("networks/recent");  // QStringList, newest first
const QString kModalityKey = QStringLiteral("browser/modality");
const QString kShowEmptyClassesKey = QStringLiteral("browser/showEmptyClasses");
const QString kDefaultBundleKey = QStringLiteral("network/defaultBundleDir");
const QString kLastDatasetKey = QStringLiteral("session/dataset");  // DatasetRequest::toVariant()
const QString kLastBundleKey = QStringLiteral("session/bundle");
const QString kLastStageKey = QStringLiteral("session/stage");
const QString kLearningModalitiesKey = QStringLiteral("session/learningModalities");  // QVariantMap spec -> name

bool isString(const QVariant& value) { return value.typeId() == QMetaType::QString; }

// A string value, else "" (absent, or a list, map or byte array where a string belongs).
QString stringValue(const QSettings& settings, const QString& key) {
    const QVariant value = settings.value(key);
    return isString(value) ? value.toString() : QString();
}

// A byte array (written as @ByteArray in the INI format), else empty.
QByteArray bytesValue(const QSettings& settings, const QString& key) {
    const QVariant value = settings.value(key);
    return value.typeId() == QMetaType::QByteArray ? value.toByteArray() : QByteArray();
}

// A list of strings. The INI format reads a one-element list back as a plain string, so a string
// is a list of one; anything else (a map, a number, a list holding non-strings) is the default.
QStringList stringListValue(const QSettings& settings, const QString& key) {
    const QVariant value = settings.value(key);
    if (isString(value)) return {value.toString()};
    if (value.typeId() == QMetaType::QStringList) return value.toStringList();
    if (value.typeId() != QMetaType::QVariantList) return {};
    QStringList list;
    for (const QVariant& entry : value.toList()) {
        if (!isString(entry)) return {};
        list.push_back(entry.toString());
    }
    return list;
}

DatasetRequest requestValue(const QVariant& value) {
    if (value.typeId() != QMetaType::QVariantMap) return {};
    return DatasetRequest::fromVariant(value);
}
}  // namespace

ExplorerSettings::ExplorerSettings()
    : settings_(QString::fromLatin1(kSettingsOrganisation), QString::fromLatin1(kSettingsApplication)) {}

QByteArray ExplorerSettings::geometry() const { return bytesValue(settings_, kGeometryKey); }
void ExplorerSettings::setGeometry(const QByteArray& geometry) { settings_.setValue(kGeometryKey, geometry); }
QByteArray ExplorerSettings::windowState() const { return bytesValue(settings_, kStateKey); }
void ExplorerSettings::setWindowState(const QByteArray& state) { settings_.setValue(kStateKey, state); }

Theme ExplorerSettings::theme() const { return themeFromName(stringValue(settings_, kThemeKey)); }
void ExplorerSettings::setTheme(Theme theme) { settings_.setValue(kThemeKey, themeName(theme)); }

QList<DatasetRequest> ExplorerSettings::recentDatasets() const {
    const QVariant value = settings_.value(kRecentKey);
    QVariantList entries;
    if (value.typeId() == QMetaType::QVariantList) entries = value.toList();
    QList<DatasetRequest> recent;
    for (const QVariant& entry : std::as_const(entries)) {
        const DatasetRequest request = requestValue(entry);
        if (request.isValid() && !recent.contains(request)) recent.push_back(request);
    }
    return recent;
}

void ExplorerSettings::setRecentDatasets(const QList<DatasetRequest>& recent) {
    QVariantList entries;
    for (const DatasetRequest& request : recent) entries.push_back(request.toVariant());
    settings_.setValue(kRecentKey, entries);
}

QStringList ExplorerSettings::recentNetworks() const {
    QStringList recent;
    for (const QString& path : stringListValue(settings_, kRecentNetworksKey))
        if (!path.isEmpty() && !recent.contains(path)) recent.push_back(path);
    return recent;
}

void ExplorerSettings::setRecentNetworks(const QStringList& recent) { settings_.setValue(kRecentNetworksKey, recent); }

QString ExplorerSettings::browserModality() const { return stringValue(settings_, kModalityKey); }
void ExplorerSettings::setBrowserModality(const QString& modality) { settings_.setValue(kModalityKey, modality); }

bool ExplorerSettings::showEmptyClasses() const {
    // Written as a bool; the INI format reads it back as "true" / "false".
    const QVariant value = settings_.value(kShowEmptyClassesKey);
    if (value.typeId() == QMetaType::Bool) return value.toBool();
    return stringValue(settings_, kShowEmptyClassesKey).compare(QStringLiteral("true"), Qt::CaseInsensitive) == 0;
}

void ExplorerSettings::setShowEmptyClasses(bool show) { settings_.setValue(kShowEmptyClassesKey, show); }

QString ExplorerSettings::defaultBundleDir() const { return stringValue(settings_, kDefaultBundleKey); }
void ExplorerSettings::setDefaultBundleDir(const QString& dir) { settings_.setValue(kDefaultBundleKey, dir); }

DatasetRequest ExplorerSettings::lastDataset() const { return requestValue(settings_.value(kLastDatasetKey)); }
void ExplorerSettings::setLastDataset(const DatasetRequest& request) {
    settings_.setValue(kLastDatasetKey, request.toVariant());
}
QString ExplorerSettings::lastBundle() const { return stringValue(settings_, kLastBundleKey); }
void ExplorerSettings::setLastBundle(const QString& bundle) { settings_.setValue(kLastBundleKey, bundle); }
QString ExplorerSettings::lastStage() const { return stringValue(settings_, kLastStageKey); }
void ExplorerSettings::setLastStage(const QString& stage) { settings_.setValue(kLastStageKey, stage); }

QMap<QString, QString> ExplorerSettings::learningModalities() const {
    const QVariant value = settings_.value(kLearningModalitiesKey);
    QMap<QString, QString> modalities;
    if (value.typeId() != QMetaType::QVariantMap) return modalities;
    const QVariantMap map = value.toMap();
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        if (isString(it.value()) && !it.value().toString().isEmpty())
            modalities.insert(it.key(), it.value().toString());
    return modalities;
}

void ExplorerSettings::setLearningModalities(const QMap<QString, QString>& modalities) {
    QVariantMap map;
    for (auto it = modalities.cbegin(); it != modalities.cend(); ++it) map.insert(it.key(), it.value());
    settings_.setValue(kLearningModalitiesKey, map);
}

void ExplorerSettings::sync() { settings_.sync(); }

}  // namespace niwt::gui
