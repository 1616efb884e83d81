#pragma once
// The explorer window's own settings, typed over QSettings: each key is named once (in
// explorer_settings.cpp), with its default here. The stored keys and formats are those the
// window has always written, so existing settings still load. A value of the wrong type (a
// hand-edited or corrupt file) reads as the default. Edit > Preferences keeps its own typed
// Preferences (preferences_dialog.h) in the same QSettings store.
#include "widgets/dataset_loader.h"
#include "widgets/theme.h"

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QSettings>
#include <QString>
#include <QStringList>

namespace niwt::gui {

// QSettings identity of the application.
inline constexpr const char* kSettingsOrganisation = "NIWT";
inline constexpr const char* kSettingsApplication = "NIWT Explorer";

class ExplorerSettings {
public:
    // The application's settings (kSettingsOrganisation, kSettingsApplication).
    ExplorerSettings();

    // Window geometry and dock layout (QMainWindow::saveGeometry / saveState); empty: none saved.
    QByteArray geometry() const;
    void setGeometry(const QByteArray& geometry);
    QByteArray windowState() const;
    void setWindowState(const QByteArray& state);

    Theme theme() const;  // default Light
    void setTheme(Theme theme);

    // Newest first; invalid and repeated entries are dropped on reading.
    QList<DatasetRequest> recentDatasets() const;
    void setRecentDatasets(const QList<DatasetRequest>& recent);
    QStringList recentNetworks() const;  // bundle paths
    void setRecentNetworks(const QStringList& recent);

    // The data set browser: the attribute profile's modality (empty: none chosen) and whether the
    // Classes list shows classes without images (default false).
    QString browserModality() const;
    void setBrowserModality(const QString& modality);
    bool showEmptyClasses() const;
    void setShowEmptyClasses(bool show);

    // The folder of the default network trained or loaded last (empty: none yet).
    QString defaultBundleDir() const;
    void setDefaultBundleDir(const QString& dir);

    // The last session: its data set (invalid: none), the bundle the user gave (empty: the
    // default network) and the learning stage (empty: the bundle's default).
    DatasetRequest lastDataset() const;
    void setLastDataset(const DatasetRequest& request);
    QString lastBundle() const;
    void setLastBundle(const QString& bundle);
    QString lastStage() const;
    void setLastStage(const QString& stage);

    // The learning modality chosen in the composer, per data set spec.
    QMap<QString, QString> learningModalities() const;
    void setLearningModalities(const QMap<QString, QString>& modalities);

    // Writes pending changes to storage now (QSettings also does so when this object goes).
    void sync();

private:
    QSettings settings_;
};

}  // namespace niwt::gui
