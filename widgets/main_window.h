#pragma once
// NIWT Explorer's main window: dockable panels (layout saved in QSettings), File/Edit/View/Help
// menus, and a status bar with the compute device, the network bundle and the running job.
// Panels: the data set browser (classes, images, attribute profile), the class composer, the
// alpha2w convergence plot and the learned class's ranked images. The NIWT engine session
// (SessionController) is prepared whenever a data set and a bundle are both known. New panels
// (heatmaps, neurons, evaluation) plug in through addPanel().
#include "core/data/dataset.h"
#include "widgets/dataset_loader.h"
#include "widgets/engine_types.h"
#include "widgets/explorer_options.h"
#include "widgets/explorer_settings.h"
#include "widgets/job_runner.h"
#include "widgets/theme.h"

#include <QByteArray>
#include <QList>
#include <QMainWindow>
#include <QMap>
#include <QMessageBox>
#include <QPointer>
#include <QVariantMap>

#include <memory>

class QActionGroup;
class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;
class QToolButton;

namespace niwt {
struct ExplainerInfo;
struct DefaultNetworkResult;
struct NetworkTrainingProgress;
}  // namespace niwt

namespace niwt::gui {

class ClassComposer;
class EngineCoordinator;
class JobRunner;
class JobStatusBar;
class ConvergencePlot;
class DatasetBrowser;
class DefaultNetworkJob;
class EvaluationPanel;
class ExplainerController;
class HeatmapPanel;
class NeuronPanel;
class RankedImagesPanel;
class SessionController;

// The name the status bar gives a network: its bundle folder for a folder, a bundle.pt or a
// bundle.json ("/models/mobilenet_v2/bundle.pt" -> "mobilenet_v2"), else the file's name.
QString networkDisplayName(const QString& bundlePath);

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(const ExplorerOptions& options = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens the data set named by the options and, for the embedded default without --bundle
    // or --no-train, prepares the default network afterwards. Call once, after show().
    void start();
    void openDataset(const DatasetRequest& request);
    bool isOpeningDataset() const;
    std::shared_ptr<const Dataset> dataset() const { return dataset_; }
    DatasetRequest currentRequest() const { return currentRequest_; }
    DatasetBrowser* browser() const { return browser_; }
    SessionController* session() const { return session_; }
    // The one engine context; every panel's engine follows it.
    EngineCoordinator* engine() const { return engine_; }
    JobRunner* jobs() const { return runner_; }
    ClassComposer* composer() const { return composer_; }
    ExplainerController* explainer() const { return explainer_; }
    HeatmapPanel* heatmaps() const { return heatmaps_; }
    NeuronPanel* neurons() const { return neurons_; }
    EvaluationPanel* evaluation() const { return evaluation_; }
    ConvergencePlot* convergencePlot() const { return convergence_; }
    RankedImagesPanel* rankedImages() const { return ranked_; }
    // Applies the engine context now: prepares every engine for it when it is complete (and
    // differs from the one prepared), else clears them and says what is missing.
    void startSession();

    // File > Open Network…: checks `path` (a bundle folder, bundle.pt or bundle.json) off the GUI
    // thread with the CLI's loader; when it loads, it becomes the network of the engine context and
    // a recent network. A bad bundle is reported (networkFailed) and nothing changes.
    void openNetwork(const QString& path);
    QStringList recentNetworks() const { return recentNetworks_; }
    // Preferences applied to the engine context and LibTorch (Edit > Preferences).
    void applyPreferences();

    // Puts `panel` in a dock (named objectName, so its place is saved) and lists it under
    // View > Panels. The dock owns the panel.
    QDockWidget* addPanel(QWidget* panel, const QString& title, const QString& objectName, Qt::DockWidgetArea area,
                          const QKeySequence& shortcut = {});
    QList<QDockWidget*> panels() const { return panels_; }

    // Errors always go to errorReported() and the status bar; with interactive errors on (the
    // default) they also open a non-blocking message box.
    void setInteractiveErrors(bool on) { interactiveErrors_ = on; }
    bool interactiveErrors() const { return interactiveErrors_; }
    void reportError(const QString& title, const QString& message);

    Theme theme() const { return theme_; }
    void setTheme(Theme theme);

    void startDefaultNetwork();
    void cancelJob();
    DefaultNetworkJob* defaultNetworkJob() const { return job_; }
    // --bundle, else the default network's bundle once it is ready (empty before).
    QString bundlePath() const { return bundlePath_; }
    QString jobStatusText() const;

    QList<DatasetRequest> recentDatasets() const { return recent_; }
    void saveSettings() const;

signals:
    void datasetLoaded(std::shared_ptr<const niwt::Dataset> dataset);
    void datasetFailed(const QString& message);
    void errorReported(const QString& message);
    void classifierExported(const QStringList& files);
    void defaultNetworkReady(const QString& bundleDir, double seenTestAccuracy);
    void networkOpened(const QString& path);
    void networkFailed(const QString& message);
    // The open data set has no network that fits it (the window also shows a prompt to choose one).
    void networkNeeded(const QString& reason);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void createActions();
    void createMenus();
    void createStatusBar();
    void restoreSettings();
    void rebuildRecentMenu();
    void rememberRecent(const DatasetRequest& request);
    void showOpenDialog();
    void showAbout();
    void setJobText(const QString& text);
    void setBundlePath(const QString& path, const QString& description, bool isDefaultNetwork = false);
    void onContextChanged(const niwt::EngineContext& context);
    void onContextUnavailable(const QString& reason);
    void showOpenNetworkDialog();
    void showPreferences();
    // The session's options from Edit > Preferences (alpha2w's search space).
    static niwt::NiwtSessionOptions sessionOptions();
    void promptForNetwork(const QString& reason);
    void rememberRecentNetwork(const QString& path);
    void rebuildRecentNetworksMenu();
    void updateActions();
    void onDatasetLoaded(const DatasetRequest& request, std::shared_ptr<const Dataset> dataset);
    void onDatasetFailed(const DatasetRequest& request, const QString& message);
    void onTrainingProgress(const NetworkTrainingProgress& progress);
    void onTrainingSucceeded(const DefaultNetworkResult& result);
    void onTrainingEnded();
    void connectSession();
    void connectInsightPanels();  // heatmaps, neurons, evaluation
    static QWidget* scrollable(QWidget* panel);
    void showFullTabTitles();

public:
    // The seen head's classes plus every learned class as classifier.json + classifier.pt in
    // `directory` (and the importances for TensorBoard), on the session's thread; the result
    // arrives as a status message (or an error).
    void exportClassifier(const QString& directory);
    // Learns at `stage` from now on (empty: the bundle's default): the engine prepares again.
    void setLearningStage(const QString& stage);
    QString learningStage() const;
    // Learns with `modality` (one of ClassComposer::learningModalities) on the current data set from
    // now on, remembered per data set: the engine prepares again.
    void setLearningModality(const QString& modality);
    // The modality the session is prepared with: the one chosen for this data set, else
    // "attributes", else the data set's first.
    QString learningModality() const { return sessionModality(); }

private:
    void chooseExportDirectory();
    void restoreLearnedClasses();
    void rebuildStageMenu(const niwt::ExplainerInfo& info);
    void saveLearnedClasses();
    void showJobProgress(int done, int total, const QString& format);
    void hideJobProgressWhenIdle();
    QString sessionModality() const;

    ExplorerOptions options_;
    std::shared_ptr<const Dataset> dataset_;
    DatasetRequest currentRequest_;
    DatasetRequest pendingRequest_;
    DatasetLoader* loader_ = nullptr;
    DatasetBrowser* browser_ = nullptr;
    DefaultNetworkJob* job_ = nullptr;
    EngineCoordinator* engine_ = nullptr;
    JobRunner* runner_ = nullptr;
    SessionController* session_ = nullptr;
    ExplainerController* explainer_ = nullptr;
    HeatmapPanel* heatmaps_ = nullptr;
    NeuronPanel* neurons_ = nullptr;
    EvaluationPanel* evaluation_ = nullptr;
    ClassComposer* composer_ = nullptr;
    ConvergencePlot* convergence_ = nullptr;
    RankedImagesPanel* ranked_ = nullptr;
    bool bundleIsDefaultNetwork_ = false;
    QString learningName_;
    bool mod2alphaPlotting_ = false;
    quint64 refiningJob_ = 0;  // a learn showing its span solution while refined (full weight space)
    bool restoringLastSession_ =
        false;  // the data set being opened is the last session's  // the convergence plot's current run is mod2alpha's
    // Where the shown learned classes are saved (empty until restored for the current data set and
    // bundle, so that clearing the list for another data set never overwrites a saved one).
    QString learnedStore_, learnedStoreSpec_, learnedStoreBundle_;
    bool defaultNetworkStarted_ = false;
    bool interactiveErrors_ = true;
    Theme theme_ = Theme::Light;
    QString bundlePath_;
    QList<DatasetRequest> recent_;
    QList<QDockWidget*> panels_;
    QByteArray defaultState_;

    QMenu* fileMenu_ = nullptr;
    QMenu* recentMenu_ = nullptr;
    QMenu* editMenu_ = nullptr;
    QMenu* stageMenu_ = nullptr;
    QMenu* recentNetworksMenu_ = nullptr;
    QStringList recentNetworks_;
    QString promptedFor_;                        // the data set spec the network prompt was last shown for
    int networkChecks_ = 0;                      // checks of a network in flight (Open Network)
    QMap<QString, QString> learningModalities_;  // data set spec -> the learning modality chosen for it
    QMenu* viewMenu_ = nullptr;
    QMenu* panelsMenu_ = nullptr;
    QMenu* helpMenu_ = nullptr;
    QAction* openAction_ = nullptr;
    QAction* openNetworkAction_ = nullptr;
    QAction* preferencesAction_ = nullptr;
    QAction* trainAction_ = nullptr;
    QAction* cancelAction_ = nullptr;
    QAction* quitAction_ = nullptr;
    QAction* exportAction_ = nullptr;
    QAction* undoAction_ = nullptr;
    QAction* redoAction_ = nullptr;
    QAction* findAction_ = nullptr;
    QAction* resetLayoutAction_ = nullptr;
    QAction* lightAction_ = nullptr;
    QAction* darkAction_ = nullptr;
    QActionGroup* themeGroup_ = nullptr;
    QAction* aboutAction_ = nullptr;
    QAction* aboutQtAction_ = nullptr;

    JobStatusBar* jobStatus_ = nullptr;
    QLabel* bundleLabel_ = nullptr;
    QLabel* deviceLabel_ = nullptr;
    QToolButton* chooseNetworkButton_ = nullptr;  // shown while the data set needs a network
    QPointer<QMessageBox> networkPrompt_;         // the open "Choose a Network" prompt, if any
};

}  // namespace niwt::gui
