// The main window: it builds its panels, menus and status bar; saves and restores its settings;
// opens the embedded Fashion-MNIST into the browser; reports a bad data set as an error while the
// window (and the data set already open) stays alive, without blocking on a modal dialog; runs
// the default network job with a progress bar and a Cancel button (a stand-in function replaces
// minutes of training); and shows library versions in About.
#include "core/pipeline/engine_info.h"
#include "widget_test_support.h"
#include "widgets/attribute_profile_widget.h"
#include "widgets/class_composer.h"
#include "widgets/class_list_model.h"
#include "widgets/dataset_browser.h"
#include "widgets/default_network_job.h"
#include "widgets/learned_class_model.h"
#include "widgets/evaluation_panel.h"
#include "widgets/main_window.h"
#include "widgets/preferences_dialog.h"
#include "widgets/session_worker.h"
#include "widgets/shortcuts_dialog.h"
#include "widgets/thumbnail_model.h"

#include "core/engine/cancelled.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QSettings>
#include <QSignalSpy>
#include <QTableView>
#include <QTableWidget>
#include <QTextStream>
#include <QThread>
#include <QToolButton>
#include <QtTest>

using niwt::gui::DatasetRequest;
using niwt::gui::ExplorerOptions;
using niwt::gui::MainWindow;
using niwt::gui::Theme;

namespace {
// Opening Fashion-MNIST decodes 30 MB of gzip on first use; leave room on a slow machine.
constexpr int kLoadTimeoutMs = 60000;

ExplorerOptions noTrainOptions() {
    ExplorerOptions options;
    options.noTrain = true;
    return options;
}

QDockWidget* dock(const MainWindow& window, const char* name) {
    return window.findChild<QDockWidget*>(QString::fromLatin1(name));
}

QStringList menuTitles(const MainWindow& window) {
    QStringList titles;
    for (QAction* action : window.menuBar()->actions()) titles << action->text().remove(QLatin1Char('&'));
    return titles;
}

QList<QMessageBox*> visibleBoxes(const MainWindow& window, const QString& name) {
    QList<QMessageBox*> boxes;
    for (QMessageBox* box : window.findChildren<QMessageBox*>(name))
        if (box->isVisible()) boxes << box;
    return boxes;
}

// A stand-in for ensureDefaultNetwork: `batches` quick batches, cancellable.
niwt::gui::DefaultNetworkFunction fakeTraining(int batches, int msPerBatch) {
    return [=](const niwt::Dataset&, const niwt::DefaultNetworkOptions&,
               const std::function<void(const niwt::NetworkTrainingProgress&)>& progress,
               const std::function<bool()>& cancelled) {
        for (int b = 1; b <= batches; ++b) {
            if (cancelled()) throw niwt::Cancelled();
            QThread::msleep(msPerBatch);
            progress({1, 1, b, batches, 0.5, 0.75});
        }
        niwt::DefaultNetworkResult result;
        result.bundleDir = "/tmp/niwt-test-cache/default-network";
        result.trainedNow = true;
        result.seenTestAccuracy = 0.875;
        return result;
    };
}
}  // namespace

class MainWindowTest : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;

private slots:
    void initTestCase() { niwt::test::isolateUserState(dir_); }

    void init() {
        // Every test starts from empty settings and the light theme.
        QSettings(QString::fromLatin1(niwt::gui::kSettingsOrganisation),
                  QString::fromLatin1(niwt::gui::kSettingsApplication))
            .clear();
    }

    void listsKeyboardShortcutsFromTheMenus() {
        // Help > Keyboard Shortcuts reads the menu bar: Learn Class is in the Edit menu with
        // Ctrl+L (the composer's action), and every listed row has keys.
        niwt::gui::MainWindow window;
        const auto rows = niwt::gui::shortcutRows(window.menuBar());
        QVERIFY(!rows.isEmpty());
        bool learn = false;
        for (const auto& row : rows) {
            QVERIFY(!row.keys.isEmpty());
            learn = learn || (row.menu == QStringLiteral("Edit") && row.action == QStringLiteral("Learn Class") &&
                              row.keys == QKeySequence(Qt::CTRL | Qt::Key_L).toString(QKeySequence::NativeText));
        }
        QVERIFY(learn);
        auto* action = window.findChild<QAction*>(QStringLiteral("keyboardShortcutsAction"));
        QVERIFY(action);
        action->trigger();
        auto* dialog = window.findChild<niwt::gui::ShortcutsDialog*>(QStringLiteral("shortcutsDialog"));
        QVERIFY(dialog);
        QCOMPARE(dialog->table()->rowCount(), int(rows.size()));
        dialog->close();
    }

    void namesTheNetworkByItsFolder() {
        // A bundle is named by its folder whether given as the folder, its bundle.pt or its
        // bundle.json; any other file by its own name.
        const QString folder = dir_.filePath(QStringLiteral("mobilenet_v2_1.0_224_imagenet"));
        QVERIFY(QDir().mkpath(folder));
        const QString expected = QStringLiteral("mobilenet_v2_1.0_224_imagenet");
        QCOMPARE(niwt::gui::networkDisplayName(folder), expected);
        QCOMPARE(niwt::gui::networkDisplayName(folder + QStringLiteral("/")), expected);
        QCOMPARE(niwt::gui::networkDisplayName(folder + QStringLiteral("/bundle.pt")), expected);
        QCOMPARE(niwt::gui::networkDisplayName(folder + QStringLiteral("/bundle.json")), expected);
        QCOMPARE(niwt::gui::networkDisplayName(QStringLiteral("/nets/resnet50.pt")), QStringLiteral("resnet50.pt"));
    }

    void constructsPanelsMenusAndStatusBar() {
        // The browser's class list and attribute profile, the class composer, the convergence
        // plot, the ranked images, the heatmaps, the neurons and the evaluation are docks (so their
        // layout is saved), the images take the centre, the four menus exist, and the status bar
        // names the device.
        MainWindow window(noTrainOptions());
        for (const char* name : {"classesDock", "attributeProfileDock", "classComposerDock", "convergenceDock",
                                 "rankedImagesDock", "heatmapsDock", "neuronsDock", "evaluationDock"})
            QVERIFY2(dock(window, name), name);
        QCOMPARE(window.panels().size(), 8);
        QCOMPARE(window.centralWidget(), window.browser()->images());
        QCOMPARE(menuTitles(window), QStringList({"File", "Edit", "View", "Help"}));
        // Edit > Learning Stage waits for the engine to list the bundle's stages.
        auto* stages = window.findChild<QMenu*>(QStringLiteral("stageMenu"));
        QVERIFY(stages && !stages->isEnabled());
        QVERIFY(window.learningStage().isEmpty());  // the bundle's default
        auto* device = window.findChild<QLabel*>(QStringLiteral("deviceLabel"));
        QVERIFY(device);
        QCOMPARE(device->text(), QStringLiteral("Device: %1").arg(QString::fromStdString(niwt::engineDeviceName())));
        QCOMPARE(window.theme(), Theme::Light);
        // Main actions have keyboard shortcuts.
        for (const char* name : {"openAction", "quitAction", "findClassAction", "darkThemeAction", "userGuideAction",
                                 "undoAction", "redoAction", "learnClassAction"}) {
            auto* action = window.findChild<QAction*>(QString::fromLatin1(name));
            QVERIFY2(action && !action->shortcut().isEmpty(), name);
        }
    }

    void settingsAreSavedAndRestored() {
        // What one session leaves (theme, hidden panel, window size) the next one starts with.
        {
            MainWindow first(noTrainOptions());
            first.show();
            QVERIFY(QTest::qWaitForWindowExposed(&first));
            first.setTheme(Theme::Dark);
            dock(first, "attributeProfileDock")->hide();
            first.resize(1000, 700);
            first.close();  // closeEvent saves
        }
        QCOMPARE(qApp->palette().color(QPalette::Window).lightness() < 100, true);
        qApp->setPalette(QPalette());  // the next window must restore the theme by itself

        MainWindow second(noTrainOptions());
        second.show();
        QVERIFY(QTest::qWaitForWindowExposed(&second));
        QCOMPARE(second.theme(), Theme::Dark);
        QVERIFY(qApp->palette().color(QPalette::Window).lightness() < 100);
        QVERIFY(dock(second, "attributeProfileDock")->isHidden());
        QVERIFY(!dock(second, "classesDock")->isHidden());
        QVERIFY2(second.size() == QSize(1000, 700), qPrintable(QStringLiteral("%1x%2, minimum %3x%4")
                                                                   .arg(second.width())
                                                                   .arg(second.height())
                                                                   .arg(second.minimumSizeHint().width())
                                                                   .arg(second.minimumSizeHint().height())));
        second.setTheme(Theme::Light);
        QVERIFY(qApp->palette().color(QPalette::Window).lightness() > 150);
    }

    void opensTheEmbeddedDefault() {
        // start() with default options opens Fashion-MNIST: ten classes listed, the first one
        // selected, its thumbnails loading, its attribute profile charted; Open Recent remembers it.
        MainWindow window(noTrainOptions());
        window.setInteractiveErrors(false);
        QSignalSpy loaded(&window, &MainWindow::datasetLoaded);
        QSignalSpy errors(&window, &MainWindow::errorReported);
        window.show();
        window.start();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kLoadTimeoutMs);
        QCOMPARE(errors.count(), 0);
        QVERIFY(window.dataset());
        QCOMPARE(window.dataset()->kind, std::string("fashion-mnist"));
        QCOMPARE(window.browser()->classList()->model()->rowCount(), 10);
        QCOMPARE(window.browser()->currentClassIndex(), 0);
        QVERIFY(!window.browser()->profile()->shownDimensionNames().isEmpty());
        niwt::gui::ThumbnailModel* thumbnails = window.browser()->images()->model();
        QCOMPARE(thumbnails->rowCount(), thumbnails->maxItems());  // thousands per class, capped
        QTRY_VERIFY_WITH_TIMEOUT(thumbnails->loadedCount() > 0, kLoadTimeoutMs);
        QCOMPARE(thumbnails->failedCount(), 0);
        QVERIFY2(window.jobStatusText().contains(QStringLiteral("10 classes")), qPrintable(window.jobStatusText()));
        QCOMPARE(window.recentDatasets().value(0).spec, QStringLiteral("fashion-mnist"));
        // ... and so does the next session (written at once, not only on close).
        QCOMPARE(MainWindow(noTrainOptions()).recentDatasets().value(0).spec, QStringLiteral("fashion-mnist"));
        // Choosing another class in the list updates the images and the profile.
        window.browser()->selectClass(3);
        QCOMPARE(window.browser()->images()->classIndex(), 3);
        QCOMPARE(window.browser()->profile()->classIndex(), 3);
        // --no-train: no default network job.
        QVERIFY(!window.defaultNetworkJob()->isRunning());
    }

    void badDatasetReportsErrorAndKeepsTheWindow() {
        // A data set that cannot be opened gives a one-line error (naming the path), shown in a
        // message box that does not block (open(), not exec()), and in the status bar; the window
        // and the data set already open stay.
        MainWindow window(noTrainOptions());
        QSignalSpy loaded(&window, &MainWindow::datasetLoaded);
        QSignalSpy errors(&window, &MainWindow::errorReported);
        window.show();
        window.start();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kLoadTimeoutMs);
        const auto before = window.dataset();

        DatasetRequest bad;
        bad.spec = QStringLiteral("cub:/nonexistent/niwt-test-cub");
        window.openDataset(bad);
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, kLoadTimeoutMs);
        const QString message = errors.first().at(0).toString();
        QVERIFY2(message.contains(QStringLiteral("/nonexistent/niwt-test-cub")), qPrintable(message));
        QVERIFY2(!message.contains(QLatin1Char('\n')), "one line");
        QVERIFY(window.isVisible());
        QCOMPARE(window.dataset(), before);
        QVERIFY(window.jobStatusText().contains(message));
        const QList<QMessageBox*> boxes = visibleBoxes(window, QStringLiteral("errorBox"));
        QCOMPARE(boxes.size(), 1);
        QCOMPARE(boxes.first()->text(), message);
        boxes.first()->accept();

        // An unknown kind is an error too, and the session goes on: a good spec still opens.
        bad.spec = QStringLiteral("no-such-kind:/x");
        window.openDataset(bad);
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 2, kLoadTimeoutMs);
        DatasetRequest good;
        good.spec = QStringLiteral("fashion-mnist");
        window.openDataset(good);
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 2, kLoadTimeoutMs);
        QCOMPARE(errors.count(), 2);
        for (QMessageBox* box : visibleBoxes(window, QStringLiteral("errorBox"))) box->accept();
    }

    void errorsCanBeSilencedForUnattendedRuns() {
        // --screenshot and tests turn message boxes off; errors still reach the signal.
        MainWindow window(noTrainOptions());
        window.setInteractiveErrors(false);
        QSignalSpy errors(&window, &MainWindow::errorReported);
        DatasetRequest bad;
        bad.spec = QStringLiteral("awa2:/nonexistent/awa2");
        window.openDataset(bad);
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, kLoadTimeoutMs);
        QVERIFY(window.findChildren<QMessageBox*>().isEmpty());
    }

    void defaultNetworkTrainsWithProgressAndReports() {
        // Without --no-train or --bundle, opening the default data set starts the default network
        // job: a progress bar and a Cancel button appear, and at the end the status bar reports the
        // seen test accuracy and the bundle directory is remembered.
        MainWindow window{ExplorerOptions()};
        window.setInteractiveErrors(false);
        window.defaultNetworkJob()->setFunction(fakeTraining(20, 10));
        QSignalSpy ready(&window, &MainWindow::defaultNetworkReady);
        window.show();
        window.start();
        auto* progress = window.findChild<QProgressBar*>(QStringLiteral("jobProgress"));
        auto* cancel = window.findChild<QToolButton*>(QStringLiteral("jobCancel"));
        QTRY_VERIFY_WITH_TIMEOUT(window.defaultNetworkJob()->isRunning(), kLoadTimeoutMs);
        QVERIFY(progress->isVisible());
        QVERIFY(cancel->isVisible());
        QTRY_VERIFY(progress->format().contains(QStringLiteral("epoch 1/1")));
        QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, kLoadTimeoutMs);
        // The runner ends the job just after its result arrives (the next queued event): then
        // the bar and the Cancel button go.
        QTRY_VERIFY(!progress->isVisible());
        QTRY_VERIFY(!cancel->isVisible());
        QVERIFY2(window.jobStatusText().startsWith(QStringLiteral("Default network ready: seen test accuracy 87")),
                 qPrintable(window.jobStatusText()));
        QCOMPARE(window.bundlePath(), QStringLiteral("/tmp/niwt-test-cache/default-network"));
        QCOMPARE(QSettings(QString::fromLatin1(niwt::gui::kSettingsOrganisation),
                           QString::fromLatin1(niwt::gui::kSettingsApplication))
                     .value(QStringLiteral("network/defaultBundleDir"))
                     .toString(),
                 window.bundlePath());
    }

    void cancelButtonStopsTheDefaultNetwork() {
        MainWindow window{ExplorerOptions()};
        window.setInteractiveErrors(false);
        window.defaultNetworkJob()->setFunction(fakeTraining(100000, 5));
        QSignalSpy cancelled(window.defaultNetworkJob(), &niwt::gui::DefaultNetworkJob::cancelled);
        window.show();
        window.start();
        auto* cancel = window.findChild<QToolButton*>(QStringLiteral("jobCancel"));
        // The data set loads first (its own job, with the same Cancel button: opening Fashion-MNIST
        // reads its whole images file to detect truncation); the training starts after it.
        QTRY_VERIFY_WITH_TIMEOUT(window.defaultNetworkJob()->isRunning(), kLoadTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(cancel->isVisible(), kLoadTimeoutMs);
        QTest::mouseClick(cancel, Qt::LeftButton);
        QTRY_COMPARE(cancelled.count(), 1);
        QVERIFY(!cancel->isVisible());
        QVERIFY(window.jobStatusText().contains(QStringLiteral("cancelled")));
        QVERIFY(window.bundlePath().isEmpty());
    }

    void bundleOptionIsShownAndSkipsTraining() {
        // --bundle names the network to use: it is shown in the status bar and no default network
        // is trained. A folder that is not a bundle is reported by the NIWT engine once the data
        // set is open (one error naming the folder); a path that does not exist is reported at
        // start, once (the session continues).
        ExplorerOptions options;
        options.bundle = dir_.path();
        MainWindow window(options);
        window.setInteractiveErrors(false);
        QSignalSpy loaded(&window, &MainWindow::datasetLoaded);
        QSignalSpy errors(&window, &MainWindow::errorReported);
        window.start();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kLoadTimeoutMs);
        QCOMPARE(window.bundlePath(), dir_.path());
        QVERIFY(
            window.findChild<QLabel*>(QStringLiteral("bundleLabel"))->text().startsWith(QStringLiteral("Bundle: ")));
        QVERIFY(!window.defaultNetworkJob()->isRunning());
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, kLoadTimeoutMs);
        QVERIFY2(errors.first().at(0).toString().contains(dir_.path()), qPrintable(errors.first().at(0).toString()));
        QVERIFY(!window.session()->isPrepared());

        options.bundle = dir_.filePath(QStringLiteral("no-such-bundle"));
        MainWindow missing(options);
        missing.setInteractiveErrors(false);
        QSignalSpy missingErrors(&missing, &MainWindow::errorReported);
        QSignalSpy missingLoaded(&missing, &MainWindow::datasetLoaded);
        missing.start();
        QCOMPARE(missingErrors.count(), 1);
        QVERIFY(missingErrors.first().at(0).toString().contains(QStringLiteral("no-such-bundle")));
        QTRY_COMPARE_WITH_TIMEOUT(missingLoaded.count(), 1, kLoadTimeoutMs);
        QTest::qWait(100);
        QCOMPARE(missingErrors.count(), 1);  // not reported again by the engine
    }

    void learningModalityChosenInTheComposerPreparesAgain() {
        // Fashion-MNIST with a second modality (--modality extra=csv:FILE): the composer's "Learn
        // with" lists both; choosing "extra" makes the window prepare the engine again with it,
        // and the choice is remembered for the data set (the next window starts with it).
        const QString csv = dir_.filePath(QStringLiteral("extra.csv"));
        {
            QFile file(csv);
            QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Text));
            QTextStream out(&file);
            out << "class,long_body,round_shape\n";
            for (const char* name : {"T-shirt_top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                                     "Sneaker", "Bag", "Ankle_boot"})
                out << name << ",0.5,0.5\n";
        }
        ExplorerOptions options = noTrainOptions();
        options.dataset = QStringLiteral("fashion-mnist");
        options.modalities = {QStringLiteral("extra=csv:") + csv};
        // A folder that is not a bundle: each prepare fails, but it is asked for, with the modality.
        options.bundle = dir_.path();
        MainWindow window(options);
        window.setInteractiveErrors(false);
        QSignalSpy loaded(&window, &MainWindow::datasetLoaded);
        window.start();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kLoadTimeoutMs);
        QCOMPARE(niwt::gui::ClassComposer::learningModalities(*window.dataset()), (QStringList{"attributes", "extra"}));
        QCOMPARE(window.learningModality(), QStringLiteral("attributes"));  // the default: "attributes" when present
        QCOMPARE(window.session()->context().modality, std::string("attributes"));

        QComboBox* box = window.composer()->learnWithBox();
        const int extra = box->findData(QStringLiteral("extra"));
        QVERIFY(extra >= 0);
        box->setCurrentIndex(extra);
        emit box->activated(extra);
        QCOMPARE(window.learningModality(), QStringLiteral("extra"));
        QCOMPARE(window.session()->context().modality, std::string("extra"));  // prepare() was called with it
        QCOMPARE(window.composer()->learningModality(), QStringLiteral("extra"));
        QVERIFY(!window.composer()->learnAction()->isEnabled());  // until the engine is prepared for it

        MainWindow next(options);
        next.setInteractiveErrors(false);
        QSignalSpy nextLoaded(&next, &MainWindow::datasetLoaded);
        next.start();
        QTRY_COMPARE_WITH_TIMEOUT(nextLoaded.count(), 1, kLoadTimeoutMs);
        QCOMPARE(next.learningModality(), QStringLiteral("extra"));
        QCOMPARE(next.composer()->learningModality(), QStringLiteral("extra"));
        QCOMPARE(next.session()->context().modality, std::string("extra"));
    }

    void alpha2wSearchSpaceInPreferencesPreparesTheSessionAgain() {
        // Edit > Preferences > alpha2w search space: stored with the other preferences (the
        // engine's default, full, when absent or unknown), given to the session's options, and a
        // change prepares the session again for the same context (a device change would too).
        QCOMPARE(niwt::gui::Preferences::load().alpha2wSpace, niwt::kDefaultAlpha2WSpace);
        QCOMPARE(niwt::kDefaultAlpha2WSpace, niwt::Alpha2WSpace::Full);
        niwt::gui::Preferences full;
        full.alpha2wSpace = niwt::Alpha2WSpace::Full;
        niwt::gui::Preferences span;
        span.alpha2wSpace = niwt::Alpha2WSpace::Span;
        span.save();
        QCOMPARE(niwt::gui::Preferences::load().alpha2wSpace, niwt::Alpha2WSpace::Span);
        full.save();
        QCOMPARE(niwt::gui::Preferences::load().alpha2wSpace, niwt::Alpha2WSpace::Full);
        QSettings(QString::fromLatin1(niwt::gui::kSettingsOrganisation),
                  QString::fromLatin1(niwt::gui::kSettingsApplication))
            .setValue(QStringLiteral("preferences/alpha2w"), QStringLiteral("sideways"));
        QCOMPARE(niwt::gui::Preferences::load().alpha2wSpace, niwt::kDefaultAlpha2WSpace);
        span.save();  // the window below starts with span, so that choosing full is a change

        ExplorerOptions options = noTrainOptions();
        options.dataset = QStringLiteral("fashion-mnist");
        options.bundle = dir_.path();  // not a bundle: each prepare fails, but it is asked for, with the options
        MainWindow window(options);
        window.setInteractiveErrors(false);
        QSignalSpy loaded(&window, &MainWindow::datasetLoaded);
        QSignalSpy errors(&window, &MainWindow::errorReported);
        window.start();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kLoadTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, kLoadTimeoutMs);  // the first prepare's
        QCOMPARE(window.session()->options().alpha2wSpace, niwt::Alpha2WSpace::Span);

        auto choose = [&](const QString& space) {
            window.findChild<QAction*>(QStringLiteral("preferencesAction"))->trigger();
            auto* dialog = window.findChild<niwt::gui::PreferencesDialog*>(QStringLiteral("preferencesDialog"));
            if (!dialog) return false;
            QComboBox* box = dialog->alpha2wBox();
            box->setCurrentIndex(box->findData(space));
            dialog->accept();
            delete dialog;  // WA_DeleteOnClose would only in the event loop: the next findChild must not see it
            return true;
        };
        QVERIFY(choose(QStringLiteral("full")));
        QCOMPARE(niwt::gui::Preferences::load().alpha2wSpace, niwt::Alpha2WSpace::Full);
        QCOMPARE(window.session()->options().alpha2wSpace, niwt::Alpha2WSpace::Full);  // prepare() was called with it
        QCOMPARE(window.evaluation()->alpha2wSpace(), niwt::Alpha2WSpace::Full);  // the Evaluation panel's next run too
        QCOMPARE(window.session()->context().bundle, dir_.path().toStdString());
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 2, kLoadTimeoutMs);  // that prepare's (same bundle)
        // Unchanged: not prepared again.
        QVERIFY(choose(QStringLiteral("full")));
        QTest::qWait(300);
        QCOMPARE(errors.count(), 2);
        QVERIFY(choose(QStringLiteral("span")));
        QCOMPARE(window.session()->options().alpha2wSpace, niwt::Alpha2WSpace::Span);
        QCOMPARE(window.evaluation()->alpha2wSpace(), niwt::Alpha2WSpace::Span);
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 3, kLoadTimeoutMs);

        // A new window prepares with the stored choice from the start.
        niwt::gui::Preferences{full}.save();
        MainWindow next(options);
        next.setInteractiveErrors(false);
        QSignalSpy nextLoaded(&next, &MainWindow::datasetLoaded);
        next.start();
        QTRY_COMPARE_WITH_TIMEOUT(nextLoaded.count(), 1, kLoadTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(next.session()->context().bundle, dir_.path().toStdString(), kLoadTimeoutMs);
        QCOMPARE(next.session()->options().alpha2wSpace, niwt::Alpha2WSpace::Full);
    }

    void editMenuUndoesTheComposersChanges() {
        // Edit > Undo / Redo act on the composer's undo stack: a learned class (a stand-in result,
        // no engine) goes and comes back, and the actions' texts name the change.
        MainWindow window(noTrainOptions());
        auto* undo = window.findChild<QAction*>(QStringLiteral("undoAction"));
        auto* redo = window.findChild<QAction*>(QStringLiteral("redoAction"));
        QVERIFY(undo && redo);
        QCOMPARE(undo->shortcut(), QKeySequence(QKeySequence::Undo));
        QVERIFY(!undo->isEnabled());
        niwt::LearnedClass learned;
        learned.name = "Woodpecker";
        window.composer()->editor()->add(learned);
        QVERIFY(undo->isEnabled());
        QVERIFY(undo->text().contains(QStringLiteral("Woodpecker")));
        undo->trigger();
        QCOMPARE(window.composer()->learnedModel()->rowCount(), 0);
        QVERIFY(redo->isEnabled());
        redo->trigger();
        QCOMPARE(window.composer()->learnedModel()->names(), QStringList{"Woodpecker"});
        // Learn is in the Edit menu with its shortcut, disabled while no engine is prepared.
        QVERIFY(!window.composer()->learnAction()->isEnabled());
        QVERIFY(!window.session()->isPrepared());
    }

    // Started without --dataset/--bundle, the window reopens the last session's data set and the
    // bundle it was given; when that data set has gone it says so and opens the embedded default.
    void restoresTheLastSessionsDataSetAndBundle() {
        QDir root(dir_.filePath(QStringLiteral("last-session")));
        for (const char* cls : {"wren", "finch"}) {
            QVERIFY(root.mkpath(QString::fromLatin1(cls)));
            QImage image(8, 8, QImage::Format_RGB32);
            image.fill(Qt::darkGreen);
            QVERIFY(image.save(root.filePath(QStringLiteral("%1/a.png").arg(QString::fromLatin1(cls)))));
        }
        QVERIFY(root.mkpath(QStringLiteral("bundle")));
        const QString spec = QStringLiteral("folder:") + root.path();
        const QString bundle = root.filePath(QStringLiteral("bundle"));
        {
            ExplorerOptions options = noTrainOptions();
            options.dataset = spec;
            options.bundle = bundle;
            MainWindow first(options);
            first.setInteractiveErrors(false);  // the folder is not a real bundle: the engine says so
            QSignalSpy loaded(&first, &MainWindow::datasetLoaded);
            first.start();
            QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kLoadTimeoutMs);
            first.close();  // saves the session
        }
        ExplorerOptions restore = noTrainOptions();
        restore.restoreLastSession = true;
        {
            MainWindow second(restore);
            second.setInteractiveErrors(false);
            QSignalSpy loaded(&second, &MainWindow::datasetLoaded);
            second.start();
            QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kLoadTimeoutMs);
            QCOMPARE(second.currentRequest().spec, spec);
            QCOMPARE(second.bundlePath(), bundle);
            second.close();
        }
        QVERIFY(root.removeRecursively());
        MainWindow third(restore);
        third.setInteractiveErrors(false);
        QSignalSpy errors(&third, &MainWindow::errorReported);
        QSignalSpy loaded(&third, &MainWindow::datasetLoaded);
        third.start();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kLoadTimeoutMs);
        QCOMPARE(third.currentRequest().spec, QStringLiteral("fashion-mnist"));
        QVERIFY(!errors.isEmpty());
        QVERIFY2(errors.first().at(0).toString().contains(root.path()), qPrintable(errors.first().at(0).toString()));
        QVERIFY(third.bundlePath().isEmpty());
    }

    void aboutNamesTheVersions() {
        // Help > About lists NIWT, LibTorch and OpenCV versions; it opens without blocking.
        MainWindow window(noTrainOptions());
        window.show();
        window.findChild<QAction*>(QStringLiteral("aboutAction"))->trigger();
        const QList<QMessageBox*> boxes = visibleBoxes(window, QStringLiteral("aboutBox"));
        QCOMPARE(boxes.size(), 1);
        const QString text = boxes.first()->text();
        for (const std::string& version : {niwt::niwtVersion(), niwt::libtorchVersion(), niwt::opencvVersion()})
            QVERIFY2(text.contains(QString::fromStdString(version)), version.c_str());
        QVERIFY(text.contains(QString::fromLatin1(qVersion())));
        boxes.first()->accept();
    }
};

QTEST_MAIN(MainWindowTest)
#include "widgets_main_window_test.moc"
