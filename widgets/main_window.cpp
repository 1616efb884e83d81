#include "widgets/main_window.h"

#include "core/pipeline/default_network.h"
#include "core/pipeline/engine_info.h"
#include "core/pipeline/explainer.h"
#include "core/pipeline/network_check.h"
#include "widgets/attribute_profile_widget.h"
#include "widgets/class_composer.h"
#include "widgets/convergence_plot.h"
#include "widgets/dataset_browser.h"
#include "widgets/default_network_job.h"
#include "widgets/engine_coordinator.h"
#include "widgets/evaluation_panel.h"
#include "widgets/explainer_controller.h"
#include "widgets/heatmap_panel.h"
#include "widgets/job_status_bar.h"
#include "widgets/learned_class_model.h"
#include "widgets/learned_class_store.h"
#include "widgets/neuron_panel.h"
#include "widgets/open_dataset_dialog.h"
#include "widgets/preferences_dialog.h"
#include "widgets/ranked_images_panel.h"
#include "widgets/session_worker.h"
#include "widgets/shortcuts_dialog.h"
#include "widgets/thumbnail_model.h"
#include "widgets/user_guide_dialog.h"

#include <qcustomplot.h>

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QItemSelectionModel>
#include <QLabel>
#include <QListView>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPointer>
#include <QProgressBar>
#include <QScreen>
#include <QScrollArea>
#include <QStatusBar>
#include <QTabBar>
#include <QToolButton>
#include <QUndoStack>

#include <algorithm>
#include <functional>
#include <utility>

namespace niwt::gui {

namespace {
// Bump when the docks change incompatibly: restoreState() then ignores an old saved layout.
constexpr int kStateVersion = 3;  // 2: composer, convergence and ranked-images docks; 3: heatmaps, neurons, evaluation
constexpr int kMaxRecent = 8;
constexpr int kClassesDockWidth = 380;  // px at the default layout

QString percent(double fraction) { return QLocale().toString(fraction * 100.0, 'f', 1) + QLatin1Char('%'); }
}  // namespace

MainWindow::MainWindow(const ExplorerOptions& options, QWidget* parent) : QMainWindow(parent), options_(options) {
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("NIWT Explorer"));
    setDockNestingEnabled(true);
    setDockOptions(dockOptions() | QMainWindow::AllowTabbedDocks | QMainWindow::AnimatedDocks);

    // Every long job of the window runs here (see job_runner.h); re-parented last at the end of
    // the constructor, so that it is deleted after every panel and controller that uses it.
    runner_ = new JobRunner(this);
    connect(runner_, &JobRunner::busyChanged, this, &MainWindow::updateActions);

    loader_ = new DatasetLoader(runner_, this);
    connect(loader_, &DatasetLoader::loaded, this, &MainWindow::onDatasetLoaded);
    connect(loader_, &DatasetLoader::failed, this, &MainWindow::onDatasetFailed);

    job_ = new DefaultNetworkJob(runner_, this);
    connect(job_, &DefaultNetworkJob::progress, this, &MainWindow::onTrainingProgress);
    connect(job_, &DefaultNetworkJob::succeeded, this, &MainWindow::onTrainingSucceeded);
    connect(job_, &DefaultNetworkJob::failed, this,
            [this](const QString& message) { reportError(tr("Default Network"), message); });
    connect(job_, &DefaultNetworkJob::cancelled, this,
            [this] { setJobText(tr("Default network preparation cancelled")); });
    connect(job_, &DefaultNetworkJob::finished, this, &MainWindow::onTrainingEnded);

    engine_ = new EngineCoordinator(this);
    connect(engine_, &EngineCoordinator::contextChanged, this, &MainWindow::onContextChanged);
    connect(engine_, &EngineCoordinator::contextUnavailable, this, &MainWindow::onContextUnavailable);

    browser_ = new DatasetBrowser(this);
    // The images are the largest view, so they take the centre; everything else docks around.
    setCentralWidget(browser_->images());

    // The engine on its worker thread, and the panels that drive and show it (owned by their docks).
    session_ = new SessionController(runner_, this);
    composer_ = new ClassComposer;
    composer_->setController(session_);
    convergence_ = new ConvergencePlot;
    ranked_ = new RankedImagesPanel;
    // Explanations run on their own engine and thread; it reads the caches the session wrote.
    explainer_ = new ExplainerController(runner_, this);
    heatmaps_ = new HeatmapPanel(explainer_);
    neurons_ = new NeuronPanel(explainer_);
    evaluation_ = new EvaluationPanel;
    evaluation_->setRunner(runner_);
    connectSession();
    connectInsightPanels();

    createActions();
    createMenus();
    createStatusBar();

    addPanel(browser_->classList(), tr("Classes"), QStringLiteral("classesDock"), Qt::LeftDockWidgetArea,
             QKeySequence(Qt::CTRL | Qt::Key_1));
    QDockWidget* profileDock =
        addPanel(browser_->profile(), tr("Attribute Profile"), QStringLiteral("attributeProfileDock"),
                 Qt::RightDockWidgetArea, QKeySequence(Qt::CTRL | Qt::Key_2));
    QDockWidget* composerDock =
        addPanel(scrollable(composer_), tr("Class Composer"), QStringLiteral("classComposerDock"),
                 Qt::RightDockWidgetArea, QKeySequence(Qt::CTRL | Qt::Key_3));
    QDockWidget* convergenceDock = addPanel(convergence_, tr("Convergence"), QStringLiteral("convergenceDock"),
                                            Qt::BottomDockWidgetArea, QKeySequence(Qt::CTRL | Qt::Key_4));
    QDockWidget* rankedDock = addPanel(scrollable(ranked_), tr("Ranked Images"), QStringLiteral("rankedImagesDock"),
                                       Qt::BottomDockWidgetArea, QKeySequence(Qt::CTRL | Qt::Key_5));
    QDockWidget* heatmapDock = addPanel(scrollable(heatmaps_), tr("Heatmaps"), QStringLiteral("heatmapsDock"),
                                        Qt::RightDockWidgetArea, QKeySequence(Qt::CTRL | Qt::Key_6));
    QDockWidget* neuronDock = addPanel(scrollable(neurons_), tr("Neurons"), QStringLiteral("neuronsDock"),
                                       Qt::RightDockWidgetArea, QKeySequence(Qt::CTRL | Qt::Key_7));
    QDockWidget* evaluationDock = addPanel(scrollable(evaluation_), tr("Evaluation"), QStringLiteral("evaluationDock"),
                                           Qt::BottomDockWidgetArea, QKeySequence(Qt::CTRL | Qt::Key_8));
    // The profile, the composer, the heatmaps and the neurons share the right column as tabs (the
    // composer in front); the plot, the ranked images and the evaluation sit below the images.
    tabifyDockWidget(profileDock, composerDock);
    tabifyDockWidget(composerDock, heatmapDock);
    tabifyDockWidget(heatmapDock, neuronDock);
    tabifyDockWidget(rankedDock, evaluationDock);
    composerDock->raise();
    rankedDock->raise();
    splitDockWidget(convergenceDock, rankedDock, Qt::Horizontal);
    // Default size: 1280x800, or 90% of a smaller screen.
    QSize size(1280, 800);
    if (const QScreen* screen = QGuiApplication::primaryScreen()) size = size.boundedTo(screen->availableSize() * 0.9);
    resize(size);
    // Wide enough for CUB's longest class names beside their split and counts.
    resizeDocks({panels_[0], profileDock}, {kClassesDockWidth, 380}, Qt::Horizontal);
    resizeDocks({convergenceDock}, {240}, Qt::Vertical);
    defaultState_ = saveState(kStateVersion);

    restoreSettings();
    showFullTabTitles();
    if (!options_.bundle.isEmpty()) setBundlePath(options_.bundle, tr("--bundle"));
    updateActions();
    runner_->setParent(nullptr);
    runner_->setParent(this);  // now the last child: deleted after the controllers and panels
}

MainWindow::~MainWindow() = default;

// ---------------------------------------------------------------------------------------------
void MainWindow::createActions() {
    openAction_ = new QAction(tr("&Open Data Set…"), this);
    openAction_->setObjectName(QStringLiteral("openAction"));
    openAction_->setShortcut(QKeySequence::Open);
    openAction_->setStatusTip(tr("Open CUB-200-2011, AwA2, an image folder or the embedded Fashion-MNIST"));
    connect(openAction_, &QAction::triggered, this, &MainWindow::showOpenDialog);

    openNetworkAction_ = new QAction(tr("Open &Network…"), this);
    openNetworkAction_->setObjectName(QStringLiteral("openNetworkAction"));
    openNetworkAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    openNetworkAction_->setStatusTip(
        tr("Choose a network bundle (a folder with bundle.pt and bundle.json) for the data set"));
    connect(openNetworkAction_, &QAction::triggered, this, &MainWindow::showOpenNetworkDialog);

    preferencesAction_ = new QAction(tr("&Preferences…"), this);
    preferencesAction_->setObjectName(QStringLiteral("preferencesAction"));
    preferencesAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    preferencesAction_->setMenuRole(QAction::PreferencesRole);
    connect(preferencesAction_, &QAction::triggered, this, &MainWindow::showPreferences);

    trainAction_ = new QAction(tr("Prepare &Default Network"), this);
    trainAction_->setObjectName(QStringLiteral("trainDefaultNetworkAction"));
    trainAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
    trainAction_->setToolTip(tr("Train (or load the cached) small CNN on Fashion-MNIST's seen classes"));
    connect(trainAction_, &QAction::triggered, this, &MainWindow::startDefaultNetwork);

    cancelAction_ = new QAction(tr("&Cancel Running Job"), this);
    cancelAction_->setObjectName(QStringLiteral("cancelJobAction"));
    cancelAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
    connect(cancelAction_, &QAction::triggered, this, &MainWindow::cancelJob);

    exportAction_ = new QAction(tr("&Export Classifier…"), this);
    exportAction_->setObjectName(QStringLiteral("exportClassifierAction"));
    exportAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    exportAction_->setStatusTip(tr("Write the seen and learned classes' classifier as JSON and TorchScript"));
    connect(exportAction_, &QAction::triggered, this, &MainWindow::chooseExportDirectory);

    quitAction_ = new QAction(tr("&Quit"), this);
    quitAction_->setObjectName(QStringLiteral("quitAction"));
    quitAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));  // QKeySequence::Quit is empty on some platforms
    quitAction_->setMenuRole(QAction::QuitRole);
    connect(quitAction_, &QAction::triggered, this, &QWidget::close);

    undoAction_ = composer_->undoStack()->createUndoAction(this, tr("&Undo"));
    undoAction_->setObjectName(QStringLiteral("undoAction"));
    undoAction_->setShortcut(QKeySequence::Undo);
    redoAction_ = composer_->undoStack()->createRedoAction(this, tr("&Redo"));
    redoAction_->setObjectName(QStringLiteral("redoAction"));
    redoAction_->setShortcut(QKeySequence::Redo);

    findAction_ = new QAction(tr("&Find Class"), this);
    findAction_->setObjectName(QStringLiteral("findClassAction"));
    findAction_->setShortcut(QKeySequence::Find);
    connect(findAction_, &QAction::triggered, this, [this] {
        for (QDockWidget* dock : std::as_const(panels_))
            if (dock->widget() == browser_->classList()) {
                dock->show();
                dock->raise();
            }
        browser_->classList()->focusFilter();
    });

    resetLayoutAction_ = new QAction(tr("&Reset Layout"), this);
    resetLayoutAction_->setObjectName(QStringLiteral("resetLayoutAction"));
    connect(resetLayoutAction_, &QAction::triggered, this, [this] {
        restoreState(defaultState_, kStateVersion);
        showFullTabTitles();
    });

    themeGroup_ = new QActionGroup(this);
    lightAction_ = new QAction(tr("&Light"), themeGroup_);
    lightAction_->setObjectName(QStringLiteral("lightThemeAction"));
    lightAction_->setCheckable(true);
    lightAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L));
    darkAction_ = new QAction(tr("&Dark"), themeGroup_);
    darkAction_->setObjectName(QStringLiteral("darkThemeAction"));
    darkAction_->setCheckable(true);
    darkAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
    connect(lightAction_, &QAction::triggered, this, [this] { setTheme(Theme::Light); });
    connect(darkAction_, &QAction::triggered, this, [this] { setTheme(Theme::Dark); });

    aboutAction_ = new QAction(tr("&About NIWT Explorer"), this);
    aboutAction_->setObjectName(QStringLiteral("aboutAction"));
    aboutAction_->setMenuRole(QAction::AboutRole);
    connect(aboutAction_, &QAction::triggered, this, &MainWindow::showAbout);
    aboutQtAction_ = new QAction(tr("About &Qt"), this);
    aboutQtAction_->setObjectName(QStringLiteral("aboutQtAction"));
    aboutQtAction_->setMenuRole(QAction::AboutQtRole);
    connect(aboutQtAction_, &QAction::triggered, qApp, &QApplication::aboutQt);
}

void MainWindow::createMenus() {
    fileMenu_ = menuBar()->addMenu(tr("&File"));
    fileMenu_->addAction(openAction_);
    recentMenu_ = fileMenu_->addMenu(tr("Open &Recent"));
    fileMenu_->addAction(openNetworkAction_);
    recentNetworksMenu_ = fileMenu_->addMenu(tr("Recent Ne&tworks"));
    recentNetworksMenu_->setObjectName(QStringLiteral("recentNetworksMenu"));
    fileMenu_->addSeparator();
    fileMenu_->addAction(trainAction_);
    fileMenu_->addAction(cancelAction_);
    fileMenu_->addSeparator();
    fileMenu_->addAction(exportAction_);
    fileMenu_->addSeparator();
    fileMenu_->addAction(quitAction_);

    editMenu_ = menuBar()->addMenu(tr("&Edit"));
    editMenu_->addAction(undoAction_);
    editMenu_->addAction(redoAction_);
    editMenu_->addSeparator();
    editMenu_->addAction(composer_->learnAction());
    editMenu_->addAction(composer_->cancelAction());
    editMenu_->addSeparator();
    editMenu_->addAction(composer_->editAction());
    editMenu_->addAction(composer_->renameAction());
    editMenu_->addAction(composer_->deleteAction());
    editMenu_->addSeparator();
    // Filled once the engine knows the bundle's stages (rebuildStageMenu).
    stageMenu_ = editMenu_->addMenu(tr("Learning &Stage"));
    stageMenu_->setObjectName(QStringLiteral("stageMenu"));
    stageMenu_->setEnabled(false);
    editMenu_->addSeparator();
    editMenu_->addAction(preferencesAction_);

    viewMenu_ = menuBar()->addMenu(tr("&View"));
    panelsMenu_ = viewMenu_->addMenu(tr("&Panels"));
    viewMenu_->addAction(findAction_);
    viewMenu_->addAction(resetLayoutAction_);
    viewMenu_->addSeparator();
    QMenu* themeMenu = viewMenu_->addMenu(tr("&Theme"));
    themeMenu->addAction(lightAction_);
    themeMenu->addAction(darkAction_);

    helpMenu_ = menuBar()->addMenu(tr("&Help"));
    auto* userGuideAction = new QAction(tr("&User Guide"), this);
    userGuideAction->setObjectName(QStringLiteral("userGuideAction"));
    userGuideAction->setShortcut(QKeySequence::HelpContents);
    connect(userGuideAction, &QAction::triggered, this, [this] { showUserGuide(this); });
    helpMenu_->addAction(userGuideAction);
    auto* shortcutsAction = new QAction(tr("&Keyboard Shortcuts"), this);
    shortcutsAction->setObjectName(QStringLiteral("keyboardShortcutsAction"));
    connect(shortcutsAction, &QAction::triggered, this, [this] {
        auto* dialog = new ShortcutsDialog(shortcutRows(menuBar()), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
    });
    helpMenu_->addAction(shortcutsAction);
    helpMenu_->addAction(aboutAction_);
    helpMenu_->addAction(aboutQtAction_);
}

void MainWindow::createStatusBar() {
    jobStatus_ = new JobStatusBar(runner_, this);
    jobStatus_->setObjectName(QStringLiteral("jobStatus"));
    connect(jobStatus_, &JobStatusBar::cancelRequested, this, &MainWindow::cancelJob);

    bundleLabel_ = new QLabel(this);
    bundleLabel_->setObjectName(QStringLiteral("bundleLabel"));
    bundleLabel_->hide();
    deviceLabel_ = new QLabel(this);
    deviceLabel_->setObjectName(QStringLiteral("deviceLabel"));
    const QString device = QString::fromStdString(niwt::engineDeviceName());
    deviceLabel_->setText(tr("Device: %1").arg(device));
    deviceLabel_->setToolTip(tr("Compute device LibTorch uses (\"auto\" choice)"));

    chooseNetworkButton_ = new QToolButton(this);
    chooseNetworkButton_->setObjectName(QStringLiteral("chooseNetworkButton"));
    chooseNetworkButton_->setText(tr("Choose Network…"));
    chooseNetworkButton_->setToolTip(tr("This data set needs a network: choose a bundle (File > Open Network…)"));
    chooseNetworkButton_->hide();
    connect(chooseNetworkButton_, &QToolButton::clicked, this, &MainWindow::showOpenNetworkDialog);

    statusBar()->addWidget(jobStatus_, 1);
    statusBar()->addWidget(chooseNetworkButton_);
    statusBar()->addPermanentWidget(bundleLabel_);
    statusBar()->addPermanentWidget(deviceLabel_);
}

QDockWidget* MainWindow::addPanel(QWidget* panel, const QString& title, const QString& objectName,
                                  Qt::DockWidgetArea area, const QKeySequence& shortcut) {
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(objectName);
    dock->setWidget(panel);
    dock->setAllowedAreas(Qt::AllDockWidgetAreas);
    addDockWidget(area, dock);
    QAction* toggle = dock->toggleViewAction();
    if (!shortcut.isEmpty()) toggle->setShortcut(shortcut);
    toggle->setStatusTip(tr("Show or hide the %1 panel").arg(title));
    panelsMenu_->addAction(toggle);
    panels_.push_back(dock);
    return dock;
}

// ---------------------------------------------------------------------------------------------
void MainWindow::restoreSettings() {
    const ExplorerSettings settings;
    const QByteArray geometry = settings.geometry();
    if (!geometry.isEmpty()) restoreGeometry(geometry);
    const QByteArray state = settings.windowState();
    if (!state.isEmpty()) restoreState(state, kStateVersion);

    setTheme(settings.theme());

    recent_ = settings.recentDatasets();
    rebuildRecentMenu();
    recentNetworks_ = settings.recentNetworks();
    rebuildRecentNetworksMenu();
    applyPreferences();

    browser_->classList()->setShowEmptyClasses(settings.showEmptyClasses());
    const QString modality = settings.browserModality();
    if (!modality.isEmpty()) browser_->profile()->setModalityName(modality);

    learningModalities_ = settings.learningModalities();
}

void MainWindow::saveSettings() const {
    ExplorerSettings settings;
    settings.setGeometry(saveGeometry());
    settings.setWindowState(saveState(kStateVersion));
    settings.setTheme(theme_);
    settings.setRecentDatasets(recent_);
    settings.setRecentNetworks(recentNetworks_);
    if (currentRequest_.isValid()) {
        settings.setLastDataset(currentRequest_);
        settings.setLastBundle(bundleIsDefaultNetwork_ ? QString() : bundlePath_);
        settings.setLastStage(learningStage());
    }
    const QString modality = browser_->profile()->modalityName();
    if (!modality.isEmpty()) settings.setBrowserModality(modality);
    settings.setLearningModalities(learningModalities_);
    settings.setShowEmptyClasses(browser_->classList()->showEmptyClasses());
    settings.sync();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    saveSettings();
    // The jobs' destructors would wait too; cancelling first makes that wait one batch at most.
    job_->cancel();
    session_->cancel();
    explainer_->cancelAll();
    evaluation_->cancel();
    QMainWindow::closeEvent(event);
}

void MainWindow::setTheme(Theme theme) {
    theme_ = theme;
    applyTheme(theme);
    (theme == Theme::Dark ? darkAction_ : lightAction_)->setChecked(true);
    ExplorerSettings().setTheme(theme);
}

// ---------------------------------------------------------------------------------------------
void MainWindow::start() {
    if (!options_.bundle.isEmpty() && !QFileInfo::exists(options_.bundle))
        reportError(tr("Network Bundle"), tr("%1: no such file or directory").arg(options_.bundle));
    DatasetRequest request;
    request.spec = options_.dataset;
    request.split = options_.split;
    request.modalities = options_.modalities;
    if (options_.restoreLastSession) {
        // The last session's data set and bundle (its learned classes follow once the engine is
        // ready, restoreLearnedClasses). A bundle that has gone is skipped, not reported.
        const ExplorerSettings settings;
        const DatasetRequest last = settings.lastDataset();
        const QString bundle = settings.lastBundle();
        if (last.isValid()) {
            request = last;
            restoringLastSession_ = true;
            if (!bundle.isEmpty() && QFileInfo::exists(bundle)) {
                options_.bundle = bundle;
                setBundlePath(bundle, tr("last session"));
            }
            engine_->setStage(settings.lastStage());
        }
    }
    openDataset(request);
}

void MainWindow::openDataset(const DatasetRequest& request) {
    if (!request.isValid()) {
        reportError(tr("Open Data Set"), tr("no data set given"));
        return;
    }
    pendingRequest_ = request;
    setJobText(tr("Opening data set %1…").arg(request.displayName()));
    loader_->open(request);
}

bool MainWindow::isOpeningDataset() const { return loader_->isBusy(); }

void MainWindow::onDatasetLoaded(const DatasetRequest& request, std::shared_ptr<const Dataset> dataset) {
    restoringLastSession_ = false;
    dataset_ = std::move(dataset);
    currentRequest_ = request;
    browser_->setDataset(dataset_);
    setWindowTitle(tr("%1 — NIWT Explorer").arg(request.displayName()));
    rememberRecent(request);
    setJobText(tr("Opened %1: %2 classes, %3 images")
                   .arg(QString::fromStdString(dataset_->kind))
                   .arg(dataset_->classes.size())
                   .arg(QLocale().toString(qulonglong(dataset_->images.size()))));
    learnedStore_.clear();  // the shown classes belong to the previous data set: never save them under this one
    composer_->setDataset(dataset_, sessionModality());
    ranked_->setDataset(dataset_);
    updateActions();
    emit datasetLoaded(dataset_);
    engine_->setDataset(dataset_);
    engine_->setModality(sessionModality());
    startSession();

    // The embedded default ships no network: prepare one, once per session, unless told not to.
    if (!defaultNetworkStarted_ && !options_.noTrain && options_.bundle.isEmpty() && dataset_->kind == "fashion-mnist")
        startDefaultNetwork();
}

void MainWindow::onDatasetFailed(const DatasetRequest& request, const QString& message) {
    Q_UNUSED(request)
    updateActions();
    emit datasetFailed(message);
    reportError(tr("Open Data Set"), message);
    if (restoringLastSession_) {
        // The last session's data set has moved or gone: fall back to the embedded default.
        restoringLastSession_ = false;
        options_.bundle.clear();
        bundlePath_.clear();
        bundleLabel_->hide();
        engine_->setBundle({});
        DatasetRequest fallback;
        fallback.spec = QStringLiteral("fashion-mnist");
        openDataset(fallback);
    }
}

void MainWindow::reportError(const QString& title, const QString& message) {
    setJobText(tr("Error: %1").arg(message));
    emit errorReported(message);
    if (!interactiveErrors_) return;
    // open(), not exec(): no nested event loop, and the window keeps running behind the box.
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("errorBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::setJobText(const QString& text) { jobStatus_->setText(text); }

QString MainWindow::jobStatusText() const { return jobStatus_->text(); }

QString networkDisplayName(const QString& bundlePath) {
    const QFileInfo info(bundlePath);
    if (info.isDir() || bundlePath.endsWith(QLatin1Char('/'))) return QDir(QDir::cleanPath(bundlePath)).dirName();
    if (info.fileName() == QLatin1String("bundle.pt") || info.fileName() == QLatin1String("bundle.json"))
        return info.dir().dirName();
    return info.fileName().isEmpty() ? bundlePath : info.fileName();
}

void MainWindow::setBundlePath(const QString& path, const QString& description, bool isDefaultNetwork) {
    bundlePath_ = path;
    bundleIsDefaultNetwork_ = isDefaultNetwork;
    engine_->setBundle(path, isDefaultNetwork);
    const QString name = networkDisplayName(path);
    bundleLabel_->setText(tr("Bundle: %1").arg(name.isEmpty() ? path : name));
    bundleLabel_->setToolTip(tr("%1 (%2)").arg(QDir::toNativeSeparators(path), description));
    bundleLabel_->show();
}

void MainWindow::rememberRecent(const DatasetRequest& request) {
    recent_.removeAll(request);
    recent_.prepend(request);
    while (recent_.size() > kMaxRecent) recent_.removeLast();
    rebuildRecentMenu();
    // Written now, not only on close, so a crash later does not lose it.
    ExplorerSettings().setRecentDatasets(recent_);
}

namespace {
// One entry of a recent list: its menu text, its tooltip and what choosing it does.
struct RecentEntry {
    QString text, toolTip;
    std::function<void()> open;
};

// Fills `menu` with `entries` (&1..&8 mnemonics), "(none)" when empty, and a Clear item.
void fillRecentMenu(QMenu* menu, const QList<RecentEntry>& entries, const QString& clearText,
                    const std::function<void()>& clear) {
    menu->clear();
    for (int i = 0; i < entries.size(); ++i) {
        QAction* action = menu->addAction(QObject::tr("&%1  %2").arg(i + 1).arg(entries[i].text));
        action->setToolTip(entries[i].toolTip);
        action->setStatusTip(entries[i].toolTip);
        QObject::connect(action, &QAction::triggered, menu, entries[i].open);
    }
    if (entries.isEmpty()) menu->addAction(QObject::tr("(none)"))->setEnabled(false);
    menu->addSeparator();
    QAction* clearAction = menu->addAction(clearText);
    clearAction->setEnabled(!entries.isEmpty());
    QObject::connect(clearAction, &QAction::triggered, menu, clear);
}
}  // namespace

void MainWindow::rebuildRecentMenu() {
    QList<RecentEntry> entries;
    for (const DatasetRequest& request : std::as_const(recent_))
        entries.push_back({request.displayName(), request.displayName(), [this, request] { openDataset(request); }});
    fillRecentMenu(recentMenu_, entries, tr("&Clear Recent"), [this] {
        recent_.clear();
        rebuildRecentMenu();
        saveSettings();
    });
}

void MainWindow::showOpenDialog() {
    auto* dialog = new OpenDatasetDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setRequest(currentRequest_.isValid() ? currentRequest_ : pendingRequest_);
    if (!bundleIsDefaultNetwork_) dialog->setNetwork(bundlePath_);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const QString network = dialog->network();
        openDataset(dialog->request());
        if (!network.isEmpty() && network != bundlePath_) openNetwork(network);
    });
    dialog->open();
}

void MainWindow::showAbout() {
    const QString text =
        tr("<h3>NIWT Explorer %1</h3>"
           "<p>Zero-shot learning and neuron interpretability: browse data sets with seen and unseen classes, "
           "and ground unseen classes in a network's neurons (Neuron Importance-aware Weight Transfer).</p>"
           "<table>"
           "<tr><td>Qt</td><td>%2</td></tr>"
           "<tr><td>LibTorch</td><td>%3</td></tr>"
           "<tr><td>OpenCV</td><td>%4</td></tr>"
           "<tr><td>QCustomPlot</td><td>%5</td></tr>"
           "<tr><td>Compute device</td><td>%6</td></tr>"
           "</table>")
            .arg(QString::fromStdString(niwt::niwtVersion()), QString::fromLatin1(qVersion()),
                 QString::fromStdString(niwt::libtorchVersion()), QString::fromStdString(niwt::opencvVersion()),
                 QString::fromLatin1(QCUSTOMPLOT_VERSION_STR), QString::fromStdString(niwt::engineDeviceName()));
    auto* box = new QMessageBox(QMessageBox::NoIcon, tr("About NIWT Explorer"), text, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("aboutBox"));
    box->setTextFormat(Qt::RichText);
    box->setIconPixmap(windowIcon().pixmap(64, 64));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

// ---------------------------------------------------------------------------------------------
void MainWindow::startDefaultNetwork() {
    if (job_->isRunning()) return;
    if (!dataset_ || dataset_->kind != "fashion-mnist") {
        reportError(tr("Default Network"), tr("the default network trains on the embedded Fashion-MNIST: "
                                              "open it first (File > Open Data Set)"));
        return;
    }
    defaultNetworkStarted_ = true;
    // The device and cache folder chosen in Edit > Preferences (empty folder: the default cache).
    const Preferences preferences = Preferences::load();
    DefaultNetworkOptions options;
    options.device = preferences.device.toStdString();
    options.cacheDir = preferences.cacheDir.toStdString();
    job_->start(dataset_, options);
    setJobText(tr("Preparing the default network (first use trains it; later runs load it)…"));
    jobStatus_->showProgress(0, 0, QString());  // busy until the first batch reports
    updateActions();
}

void MainWindow::cancelJob() {
    if (!runner_->isBusy()) return;
    job_->cancel();
    session_->cancel();
    explainer_->cancelAll();
    evaluation_->cancel();
    runner_->cancelAll();  // and whatever else runs (a data set opening, a network check)
    jobStatus_->setCancelling();
    setJobText(tr("Cancelling…"));
}

void MainWindow::onTrainingProgress(const NetworkTrainingProgress& p) {
    // The bar (the runner's progress) has epochs, batches, rate and time left; the label the
    // training's own figures.
    setJobText(tr("Training the default network: epoch %1/%2, loss %3, accuracy %4")
                   .arg(p.epoch)
                   .arg(p.epochs)
                   .arg(QLocale().toString(p.loss, 'f', 3), percent(p.accuracy)));
}

void MainWindow::onTrainingSucceeded(const DefaultNetworkResult& result) {
    const QString bundleDir = QString::fromStdString(result.bundleDir);
    setBundlePath(bundleDir, result.trainedNow ? tr("default network, trained now") : tr("default network, cached"),
                  true);
    ExplorerSettings().setDefaultBundleDir(bundleDir);
    setJobText(tr("Default network ready: seen test accuracy %1").arg(percent(result.seenTestAccuracy)));
    jobStatus_->setText(jobStatusText(),
                        result.trainedNow
                            ? tr("Trained in %1 s; saved in %2").arg(result.seconds, 0, 'f', 0).arg(bundleDir)
                            : tr("Loaded from %1").arg(bundleDir));
    emit defaultNetworkReady(bundleDir, result.seenTestAccuracy);
    startSession();
}

void MainWindow::onTrainingEnded() {
    hideJobProgressWhenIdle();
    updateActions();
}

void MainWindow::updateActions() {
    const bool running = job_->isRunning();
    trainAction_->setEnabled(!running && dataset_ && dataset_->kind == "fashion-mnist");
    cancelAction_->setEnabled(running || runner_->isBusy());
}

// ---------------------------------------------------------------------------------------------
void MainWindow::showFullTabTitles() {
    // Tabbed docks: whole titles ("Attribute Profile", not "Attribute Pro..."), scrolling when
    // they do not fit, rather than elided.
    for (QTabBar* bar : findChildren<QTabBar*>(Qt::FindDirectChildrenOnly)) {
        bar->setElideMode(Qt::ElideNone);
        bar->setUsesScrollButtons(true);
    }
}

QWidget* MainWindow::scrollable(QWidget* panel) {
    // A large panel (an image with its predictions, a table with its controls) scrolls rather than
    // forcing its size on the whole dock area and so on the window's minimum size.
    auto* area = new QScrollArea;
    area->setWidget(panel);
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    return area;
}

QString MainWindow::sessionModality() const {
    // The composer's choice for this data set, while the data set still offers it.
    if (dataset_) {
        const QString chosen = learningModalities_.value(QString::fromStdString(dataset_->spec));
        if (!chosen.isEmpty() && ClassComposer::learningModalities(*dataset_).contains(chosen)) return chosen;
    }
    if (!dataset_ || dataset_->modality("attributes") || dataset_->modalities.empty())
        return QStringLiteral("attributes");
    return QString::fromStdString(dataset_->modalities.front().name);
}

void MainWindow::setLearningModality(const QString& modality) {
    if (!dataset_ || modality == sessionModality() || !ClassComposer::learningModalities(*dataset_).contains(modality))
        return;
    learningModalities_.insert(QString::fromStdString(dataset_->spec), modality);
    saveSettings();
    // The composer shows it already (it asked for it); said again for a call from elsewhere.
    if (composer_->learningModality() != modality) composer_->setLearningModality(modality);
    // mod2alpha is fitted per modality: the engine prepares again (features and importances stay
    // cached). Learned classes live on the pooled features, so they stay valid.
    engine_->setModality(modality);
    startSession();
}

void MainWindow::startSession() { engine_->applyNow(); }

void MainWindow::onContextChanged(const EngineContext& context) {
    // Every engine user follows the new context at once: nothing keeps showing the old one.
    session_->cancel();  // what still runs or waits was for the previous context
    session_->prepare(context, sessionOptions());
    explainer_->reset();  // prepared again once the session has warmed the caches
    evaluation_->setContext(context);
    composer_->setEngineUnavailableReason({});
    chooseNetworkButton_->hide();
    if (networkPrompt_) networkPrompt_->close();  // asked for a network that has come since
    setJobText(tr("Preparing the NIWT engine for %1 (features, seen head, importances; cached after the first time)…")
                   .arg(QString::fromStdString(context.describe())));
    showJobProgress(0, 0, QString());
    updateActions();
}

void MainWindow::onContextUnavailable(const QString& reason) {
    session_->reset();
    explainer_->reset();
    EngineContext shown = engine_->context();
    if (engine_->needsNetwork()) shown.bundle.clear();  // the panels must not name a network that does not fit
    evaluation_->setContext(shown);
    composer_->setEngineUnavailableReason(reason);
    ranked_->clearClass();
    if (convergence_->isRunning()) convergence_->abortRun(tr("context changed"));
    mod2alphaPlotting_ = false;
    hideJobProgressWhenIdle();
    updateActions();
    if (!dataset_) return;
    const bool needs = engine_->needsNetwork();
    chooseNetworkButton_->setVisible(needs);
    // The embedded default trains its own network: no prompt while that is pending, and the
    // status line keeps what the data set and the training say.
    if (needs && dataset_->kind != "fashion-mnist") {
        setJobText(reason);
        emit networkNeeded(reason);
        promptForNetwork(reason);
    }
}

void MainWindow::promptForNetwork(const QString& reason) {
    const QString spec = QString::fromStdString(dataset_->spec);
    if (!interactiveErrors_ || promptedFor_ == spec) return;  // once per data set
    promptedFor_ = spec;
    auto* box = new QMessageBox(QMessageBox::Information, tr("Choose a Network"), reason, QMessageBox::NoButton, this);
    box->setObjectName(QStringLiteral("networkPromptBox"));
    box->setInformativeText(
        tr("NIWT learns new classes in a network trained on the seen classes (or on ImageNet). "
           "Choose a bundle folder: bundle.pt (staged TorchScript) with bundle.json."));
    QPushButton* choose = box->addButton(tr("Choose Network…"), QMessageBox::AcceptRole);
    choose->setObjectName(QStringLiteral("networkPromptChoose"));
    box->addButton(tr("Later"), QMessageBox::RejectRole);
    box->setAttribute(Qt::WA_DeleteOnClose);
    networkPrompt_ = box;
    connect(choose, &QPushButton::clicked, this, &MainWindow::showOpenNetworkDialog);
    box->open();
}

void MainWindow::showOpenNetworkDialog() {
    auto* dialog = new QFileDialog(this, tr("Open Network: a bundle.pt or bundle.json in its bundle folder"));
    dialog->setObjectName(QStringLiteral("openNetworkDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    dialog->setNameFilters({tr("Network bundle (bundle.pt bundle.json)"), tr("All files (*)")});
    if (!recentNetworks_.isEmpty()) dialog->setDirectory(QFileInfo(recentNetworks_.front()).absolutePath());
    connect(dialog, &QFileDialog::fileSelected, this, &MainWindow::openNetwork);
    dialog->open();
}

void MainWindow::openNetwork(const QString& path) {
    if (path.isEmpty()) return;
    setJobText(tr("Checking the network %1…").arg(QDir::toNativeSeparators(path)));
    ++networkChecks_;
    const auto checked = [this, path](const QString& error) {
        --networkChecks_;
        if (!error.isEmpty()) {
            emit networkFailed(error);
            reportError(tr("Open Network"), error);
            return;
        }
        setBundlePath(path, tr("opened"));
        options_.bundle = path;  // a network the user chose: the last session's (saved on close)
        rememberRecentNetwork(path);
        emit networkOpened(path);
        startSession();
    };
    // Loading a large network takes seconds: off the GUI thread, with the CLI's loader and messages.
    QPointer<MainWindow> self(this);
    runner_->start(QStringLiteral("network-check"), tr("Checking the network %1").arg(networkDisplayName(path)),
                   [self, checked, file = path.toStdString()](JobControl& control) {
                       QString error;
                       try {
                           checkNetwork(file);
                       } catch (const std::exception& e) {
                           error = QString::fromLocal8Bit(e.what());
                       }
                       control.post([self, checked, error] {
                           if (self) checked(error);
                       });
                   });
}

void MainWindow::rememberRecentNetwork(const QString& path) {
    recentNetworks_.removeAll(path);
    recentNetworks_.prepend(path);
    while (recentNetworks_.size() > kMaxRecent) recentNetworks_.removeLast();
    rebuildRecentNetworksMenu();
    ExplorerSettings().setRecentNetworks(recentNetworks_);
}

void MainWindow::rebuildRecentNetworksMenu() {
    QList<RecentEntry> entries;
    for (const QString& path : std::as_const(recentNetworks_))
        entries.push_back(
            {networkDisplayName(path), QDir::toNativeSeparators(path), [this, path] { openNetwork(path); }});
    fillRecentMenu(recentNetworksMenu_, entries, tr("&Clear Recent Networks"), [this] {
        recentNetworks_.clear();
        rebuildRecentNetworksMenu();
        saveSettings();
    });
}

void MainWindow::applyPreferences() {
    const Preferences preferences = Preferences::load();
    preferences.applyToEngine();
    engine_->setDevice(preferences.device);
    engine_->setCacheDir(preferences.cacheDir);
    evaluation_->setAlpha2wSpace(preferences.alpha2wSpace);
    if (deviceLabel_ && preferences.device != QLatin1String("auto"))
        deviceLabel_->setText(tr("Device: %1").arg(preferences.device));
}

niwt::NiwtSessionOptions MainWindow::sessionOptions() {
    niwt::NiwtSessionOptions options;
    options.alpha2wSpace = Preferences::load().alpha2wSpace;
    return options;
}

void MainWindow::showPreferences() {
    auto* dialog = new PreferencesDialog(Preferences::load(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setCacheClearAllowed([this] {
        return !job_->isRunning() && !session_->isBusy() && !explainer_->isBusy() && !evaluation_->isRunning();
    });
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const Preferences chosen = dialog->preferences();
        chosen.save();
        applyPreferences();
        startSession();  // a changed context prepares every engine user (with the options below)
        // Only alpha2w's search space changed: the context is the same (no contextChanged), so
        // the session alone is prepared again with it (full: the importance Jacobians too, cached).
        if (session_->context().isComplete() && session_->options().alpha2wSpace != chosen.alpha2wSpace) {
            session_->cancel();
            session_->prepare(session_->context(), sessionOptions());
            setJobText(tr("Preparing the NIWT engine again: alpha2w in the %1…")
                           .arg(chosen.alpha2wSpace == niwt::Alpha2WSpace::Full ? tr("full weight space")
                                                                                : tr("span of the seen weights")));
            showJobProgress(0, 0, QString());
            updateActions();
        }
    });
    dialog->open();
}

void MainWindow::connectSession() {
    connect(session_, &SessionController::prepareProgress, this, [this](const QString& phase, int, int) {
        // The bar shows done/total, rate and time left (the runner's progress).
        setJobText(tr("Preparing the NIWT engine for %1: %2")
                       .arg(QString::fromStdString(session_->context().describe()), phase));
    });
    // mod2alpha's curve (held-out seen classes' 1 - cos per step) is the first run of the plot.
    connect(session_, &SessionController::mod2alphaProgress, this, [this](const QVector<LossPoint>& points) {
        if (!mod2alphaPlotting_) {
            convergence_->beginRun(tr("mod2alpha (held-out 1 - cos)"));
            mod2alphaPlotting_ = true;
        }
        convergence_->appendPoints(points);
    });
    connect(session_, &SessionController::prepared, this, [this](const NiwtSessionInfo& info) {
        if (mod2alphaPlotting_) {
            convergence_->finishRun(true);
            mod2alphaPlotting_ = false;
        }
        // The caches are warm now: the explainer loads instead of recomputing, in the same context.
        explainer_->setEngine(session_->context());
        restoreLearnedClasses();
        setJobText(tr("NIWT engine ready: stage %1, %2 images, seen head %3 on seen test images; "
                      "describe a class in the composer (Ctrl+L learns it)")
                       .arg(QString::fromStdString(info.stageName))
                       .arg(QLocale().toString(info.featureImages))
                       .arg(percent(info.seenTestAccuracy)));
    });
    connect(session_, &SessionController::learnStarted, this, [this](quint64, const QString& name) {
        learningName_ = name;
        refiningJob_ = 0;
        convergence_->beginRun(name);
        setJobText(tr("Learning \"%1\" (mod2alpha, then alpha2w)…").arg(name));
        showJobProgress(0, 0, QString());
    });
    connect(session_, &SessionController::learnProgress, this, [this](quint64, const QVector<LossPoint>& points) {
        convergence_->appendPoints(points);
        if (!points.isEmpty())
            setJobText((refiningJob_ ? tr("Refining \"%1\" in the full weight space: alpha2w iteration %2, loss %3")
                                     : tr("Learning \"%1\": alpha2w iteration %2, loss %3"))
                           .arg(learningName_)
                           .arg(points.back().iteration)
                           .arg(QLocale().toString(points.back().total, 'g', 5)));
    });
    // Full weight space: the span solution is shown (the composer lists it) while it is refined;
    // the plot marks where the refinement's steps begin.
    connect(session_, &SessionController::spanLearned, this, [this](quint64 job, const LearnedClass& span) {
        refiningJob_ = job;
        convergence_->markRefinementStart();
        setJobText(tr("\"%1\": span solution shown (1 - cos %2); refining it in the full weight space…")
                       .arg(QString::fromStdString(span.name), QLocale().toString(span.cosineLoss, 'f', 4)));
    });
    connect(session_, &SessionController::learned, this, [this](quint64, const LearnedClass& result) {
        refiningJob_ = 0;
        convergence_->finishRun(result.converged);
        if (result.alpha2wMode == "full")
            setJobText(tr("Learned \"%1\" in the full weight space: %2 refinement iterations, 1 - cos %3 (span %4)")
                           .arg(QString::fromStdString(result.name))
                           .arg(result.iterations)
                           .arg(QLocale().toString(result.cosineLoss, 'f', 4),
                                QLocale().toString(result.spanCosineLoss, 'f', 4)));
        else
            setJobText(tr("Learned \"%1\": %2 alpha2w iterations, 1 - cos %3")
                           .arg(QString::fromStdString(result.name))
                           .arg(result.iterations)
                           .arg(QLocale().toString(result.cosineLoss, 'f', 4)));
    });
    connect(session_, &SessionController::exported, this, [this](quint64, const QStringList& files) {
        setJobText(tr("Exported %1").arg(files.join(QStringLiteral(", "))));
        emit classifierExported(files);
    });
    // Cancelled or failed while refining: the composer keeps the span solution.
    connect(session_, &SessionController::cancelled, this, [this](quint64 job) {
        mod2alphaPlotting_ = false;
        const bool refining = job != 0 && job == std::exchange(refiningJob_, 0);
        if (convergence_->isRunning())
            convergence_->abortRun(refining ? tr("kept the span solution; refinement cancelled") : tr("cancelled"));
        setJobText(refining ? tr("Kept the span solution of \"%1\"; refinement cancelled").arg(learningName_)
                            : tr("Cancelled; the learned classes are unchanged"));
    });
    connect(session_, &SessionController::failed, this, [this](quint64 job, const QString& message) {
        mod2alphaPlotting_ = false;
        const bool refining = job != 0 && job == std::exchange(refiningJob_, 0);
        if (convergence_->isRunning())
            convergence_->abortRun(refining ? tr("kept the span solution; refinement failed") : tr("failed"));
        reportError(tr("NIWT Engine"),
                    refining ? tr("%1 (the span solution of \"%2\" is kept)").arg(message, learningName_) : message);
    });
    connect(session_, &SessionController::busyChanged, this, [this] {
        hideJobProgressWhenIdle();
        updateActions();
    });
    connect(composer_, &ClassComposer::errorOccurred, this,
            [this](const QString& message) { reportError(tr("Class Composer"), message); });
    connect(composer_, &ClassComposer::learnedClassSelected, ranked_, &RankedImagesPanel::showClass);
    connect(composer_, &ClassComposer::selectionCleared, ranked_, &RankedImagesPanel::clearClass);
    connect(composer_, &ClassComposer::learningModalityChanged, this, &MainWindow::setLearningModality);
}

void MainWindow::chooseExportDirectory() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Export the classifier to"));
    if (!dir.isEmpty()) exportClassifier(dir);
}

void MainWindow::exportClassifier(const QString& directory) {
    if (!session_->isPrepared() && !session_->isPreparing()) {
        reportError(tr("Export"), tr("Nothing to export yet: open a data set and a network bundle first"));
        return;
    }
    std::vector<LearnedClass> classes;
    for (const LearnedClassEntry& entry : composer_->learnedModel()->entries()) classes.push_back(entry.result);
    session_->exportClassifier(directory, classes);
    setJobText(tr("Exporting the classifier to %1…").arg(directory));
}

void MainWindow::restoreLearnedClasses() {
    const QString spec = QString::fromStdString(dataset_->spec);
    const QString file = learnedClassesFile(spec, bundlePath_);
    // Prepared again for the same data set and bundle (another learning stage): the list shown is
    // already the saved one, and reloading it would only throw away its undo history.
    if (file == learnedStore_) return;
    QString error;
    const auto entries = loadLearnedClasses(file, spec, bundlePath_, int(dataset_->images.size()), &error);
    learnedStore_.clear();
    composer_->restoreLearnedClasses(entries);
    learnedStore_ = file;  // from now on every change of the list is saved there
    learnedStoreSpec_ = spec;
    learnedStoreBundle_ = bundlePath_;
    if (!error.isEmpty())
        reportError(tr("Learned Classes"), error);
    else if (!entries.isEmpty())
        setJobText(tr("Restored %n learned class(es) from the last session", nullptr, int(entries.size())));
}

void MainWindow::saveLearnedClasses() {
    if (learnedStore_.isEmpty()) return;
    QString error;
    if (!niwt::gui::saveLearnedClasses(learnedStore_, learnedStoreSpec_, learnedStoreBundle_,
                                       composer_->learnedModel()->entries(), &error))
        reportError(tr("Learned Classes"), error);
}

void MainWindow::rebuildStageMenu(const ExplainerInfo& info) {
    stageMenu_->clear();
    auto* group = new QActionGroup(stageMenu_);
    const QString current = learningStage().isEmpty() ? QString::fromStdString(info.defaultStage) : learningStage();
    for (const std::string& name : info.stageNames) {
        const QString stage = QString::fromStdString(name);
        QAction* action = stageMenu_->addAction(
            stage == QString::fromStdString(info.defaultStage) ? tr("%1 (default)").arg(stage) : stage);
        action->setCheckable(true);
        action->setChecked(stage == current);
        action->setData(stage);
        group->addAction(action);
        connect(action, &QAction::triggered, this, [this, stage, info] {
            const QString chosen = stage == QString::fromStdString(info.defaultStage) ? QString() : stage;
            setLearningStage(chosen);
        });
    }
    stageMenu_->setEnabled(!info.stageNames.empty());
}

QString MainWindow::learningStage() const { return QString::fromStdString(engine_->context().stage); }

void MainWindow::setLearningStage(const QString& stage) {
    if (stage == learningStage()) return;
    // Importances at another stage: the engine prepares again (features stay cached). Learned
    // classes live on the pooled features, so they stay valid.
    engine_->setStage(stage);
    saveSettings();
    startSession();
}

void MainWindow::connectInsightPanels() {
    // Learned classes (composer) -> the explainer's new classes, whenever the list changes.
    LearnedClassModel* learned = composer_->learnedModel();
    const auto publish = [this, learned] {
        QList<NewClassRef> classes;
        for (const LearnedClassEntry& entry : learned->entries())
            classes.push_back({QString::fromStdString(entry.result.name), entry.result.weight, entry.result.bias});
        explainer_->setNewClasses(classes);
        saveLearnedClasses();
    };
    connect(learned, &QAbstractItemModel::rowsInserted, this, publish);
    connect(learned, &QAbstractItemModel::rowsRemoved, this, publish);
    connect(learned, &QAbstractItemModel::dataChanged, this, publish);
    connect(learned, &QAbstractItemModel::modelReset, this, publish);
    // A learned class chosen in the composer is the one to explain and to list neurons for.
    connect(composer_, &ClassComposer::learnedClassSelected, this, [this](const LearnedClass& c) {
        heatmaps_->selectNewClass(QString::fromStdString(c.name));
        neurons_->selectNewClass(QString::fromStdString(c.name));
    });
    // The browser's class and current image feed the heatmaps.
    connect(browser_, &DatasetBrowser::currentClassChanged, this, [this](int classIndex) {
        heatmaps_->selectSeenClass(classIndex);
        neurons_->selectSeenClass(classIndex);
    });
    connect(browser_->images()->view()->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& current) {
                const QString path = current.data(ThumbnailModel::PathRole).toString();
                if (!path.isEmpty()) heatmaps_->setImagePath(path);
            });
    connect(heatmaps_, &HeatmapPanel::errorReported, this,
            [this](const QString& m) { reportError(tr("Heatmaps"), m); });
    connect(neurons_, &NeuronPanel::errorReported, this, [this](const QString& m) { reportError(tr("Neurons"), m); });
    connect(evaluation_, &EvaluationPanel::failed, this,
            [this](const QString& m) { reportError(tr("Evaluation"), m); });
    connect(evaluation_, &EvaluationPanel::statusChanged, this, &MainWindow::setJobText);
    connect(explainer_, &ExplainerController::prepared, this,
            [this](const ExplainerInfo& info) { rebuildStageMenu(info); });
    connect(explainer_, &ExplainerController::jobStatus, this,
            [this](const QString& text) { statusBar()->showMessage(text, 4000); });
}

void MainWindow::showJobProgress(int done, int total, const QString& format) {
    jobStatus_->showProgress(done, total, format);
}

void MainWindow::hideJobProgressWhenIdle() { jobStatus_->hideWhenIdle(); }

}  // namespace niwt::gui
