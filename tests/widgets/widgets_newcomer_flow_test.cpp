// The explorer from a newcomer's seat, driven through the whole window:
//   1. it starts on the embedded default;
//   2. File > Open Data Set opens a second data set that the window has no network for: the
//      window says so (a prompt, a Choose Network button) and no panel keeps the old context;
//   3. a network is chosen (File > Open Network's path);
//   4. a class is learned from a typed sentence in the composer's Caption tab;
//   5. its ranked images, a heat map, the neuron table and an evaluation appear;
//   6. the classifier is exported;
//   7. Edit > Preferences switches alpha2w to the span and back to the full weight space (the
//      default): each change prepares the session again, and in full the next class shows its span
//      solution first, then the full one in the same row.
// fromTheDefault...: on a small generated data set (colours, 16x16 images, a tiny CNN) so that it
// runs in CI; see tests/engine/colour_fixture.h for the data.
// cubWithMobileNetV2: the same flow on ../shared's CUB-200-2011 (xlsa17 split) with the shared
// MobileNetV2, when present (skipped otherwise). Its caches go to $NIWT_SHARED_CACHE_DIR, else
// shared-cache/ beside the test (cold: minutes of extraction). It reports the worst event-loop
// stall while preparing, learning, explaining and evaluating (a probe that reports; no timed
// assertion, which a loaded CI machine would make flaky).
// Torch (the fixture) is included before Qt.
#include "colour_fixture.h"

#include "stall_probe.h"
#include "widget_test_support.h"
#include "widgets/class_composer.h"
#include "widgets/convergence_plot.h"
#include "widgets/engine_coordinator.h"
#include "widgets/evaluation_panel.h"
#include "widgets/explainer_controller.h"
#include "widgets/heatmap_panel.h"
#include "widgets/heatmap_window.h"
#include "widgets/main_window.h"
#include "widgets/neuron_panel.h"
#include "widgets/neuron_table_model.h"
#include "widgets/open_dataset_dialog.h"
#include "widgets/preferences_dialog.h"
#include "widgets/ranked_images_panel.h"
#include "widgets/session_worker.h"
#include "widgets/thumbnail_model.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

using namespace niwt::gui;

namespace {
constexpr int kStepTimeoutMs = 120000;  // one engine step on this fixture takes seconds
}

class NewcomerFlowTest : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

private slots:
    void initTestCase() { niwt::test::isolateUserState(dir_); }

    void fromTheDefaultToALearnedClassAndItsExplanations() {
        niwt::test::ColourFixtureOptions o;
        o.attributeTable = true;
        o.mixedColours = true;  // five seen classes: enough for mod2alpha's held-out check
        o.whitePatches = true;
        const niwt::test::ColourFixture fixture = niwt::test::makeColourFixture("niwt-newcomer-flow", o);
        const QString root = QString::fromStdString(fixture.root.string());

        // 1. Start on the embedded default (no training: this test chooses its own network).
        ExplorerOptions options;
        options.noTrain = true;
        MainWindow window(options);
        window.setInteractiveErrors(false);
        QSignalSpy loaded(&window, &MainWindow::datasetLoaded);
        QSignalSpy errors(&window, &MainWindow::errorReported);
        window.show();
        window.start();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kStepTimeoutMs);
        QCOMPARE(window.dataset()->kind, std::string("fashion-mnist"));

        // 2. A second data set, through the Open Data Set dialog's fields: an image folder with
        //    blue unseen and an attribute table. The window has no network for it.
        QSignalSpy needed(&window, &MainWindow::networkNeeded);
        window.findChild<QAction*>(QStringLiteral("openAction"))->trigger();
        auto* dialog = window.findChild<OpenDatasetDialog*>();
        QVERIFY(dialog);
        dialog->kindBox()->setCurrentIndex(dialog->kindBox()->findData(QStringLiteral("folder")));
        dialog->directoryEdit()->setText(root + QStringLiteral("/data"));
        dialog->splitBox()->setCurrentIndex(dialog->splitBox()->findData(QStringLiteral("classes")));
        dialog->splitEdit()->setText(root + QStringLiteral("/unseen.txt"));
        QVERIFY(dialog->isComplete());
        dialog->accept();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 2, kStepTimeoutMs);
        QCOMPARE(window.dataset()->kind, std::string("folder"));
        QTRY_COMPARE(needed.count(), 1);
        QVERIFY2(needed.first().at(0).toString().contains(QStringLiteral("needs a network")),
                 qPrintable(needed.first().at(0).toString()));
        QVERIFY(window.findChild<QToolButton*>(QStringLiteral("chooseNetworkButton"))->isVisible());
        // No panel on the old context: the session holds none, Learn is off, the evaluation
        // names no network, and the composer says what is missing.
        QVERIFY(!window.session()->isPrepared());
        QVERIFY(!window.composer()->learnAction()->isEnabled());
        QVERIFY(window.evaluation()->context().bundle.empty());
        QCOMPARE(window.evaluation()->context().dataset, window.dataset());
        QVERIFY(window.findChild<QLabel*>(QStringLiteral("composerStatus"))
                    ->text()
                    .contains(QStringLiteral("needs a network")));

        // 3. Choose a network (what File > Open Network does with the chosen file).
        QSignalSpy opened(&window, &MainWindow::networkOpened);
        QSignalSpy prepared(window.session(), &SessionController::prepared);
        window.openNetwork(root + QStringLiteral("/bundle/bundle.pt"));
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kStepTimeoutMs);
        QVERIFY(!window.findChild<QToolButton*>(QStringLiteral("chooseNetworkButton"))->isVisible());
        QCOMPARE(window.recentNetworks().value(0), root + QStringLiteral("/bundle/bundle.pt"));
        QTRY_COMPARE_WITH_TIMEOUT(prepared.count(), 1, kStepTimeoutMs);
        QCOMPARE(window.session()->context().dataset, window.dataset());
        QCOMPARE(window.evaluation()->context().bundle, (root + QStringLiteral("/bundle/bundle.pt")).toStdString());
        QVERIFY2(errors.isEmpty(), errors.isEmpty() ? "" : qPrintable(errors.first().at(0).toString()));

        // 4. Describe the unseen class in words and learn it.
        ClassComposer* composer = window.composer();
        composer->setMode(ClassComposer::Mode::Caption);
        composer->nameEdit()->setText(QStringLiteral("sky"));
        composer->captionEdit()->setPlainText(QStringLiteral("a bright blue square"));
        composer->parseCaptionNow();
        QTRY_VERIFY_WITH_TIMEOUT(composer->learnAction()->isEnabled(), kStepTimeoutMs);
        QSignalSpy learned(window.session(), &SessionController::learned);
        composer->learnAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(learned.count(), 1, kStepTimeoutMs);
        const auto result = learned.first().at(1).value<niwt::LearnedClass>();
        QCOMPARE(result.name, std::string("sky"));
        // "blue" was understood: the class vector's "colour, blue" value is the largest colour one.
        QCOMPARE(int(result.classVector.size()), 4);
        QVERIFY2(result.classVector[2] > result.classVector[0] && result.classVector[2] > result.classVector[1],
                 qPrintable(QStringLiteral("%1 %2 %3 %4")
                                .arg(result.classVector[0])
                                .arg(result.classVector[1])
                                .arg(result.classVector[2])
                                .arg(result.classVector[3])));

        // 5. Its ranked images (every image with features: 6 classes x 10), a heat map for it,
        //    the neuron table and an evaluation.
        QTRY_COMPARE_WITH_TIMEOUT(window.rankedImages()->model()->rowCount() > 0, true, kStepTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(window.explainer()->isPrepared(), kStepTimeoutMs);
        QSignalSpy explained(window.heatmaps(), &HeatmapPanel::explanationShown);
        window.heatmaps()->setImagePath(QString::fromStdString(window.dataset()->images.front().path));
        QTRY_VERIFY_WITH_TIMEOUT(window.heatmaps()->selectNewClass(QStringLiteral("sky")), kStepTimeoutMs);
        QTRY_VERIFY2_WITH_TIMEOUT(
            explained.count() >= 1 || window.heatmaps()->hasExplanation(),
            qPrintable(errors.isEmpty() ? window.jobStatusText() : errors.last().at(0).toString()), kStepTimeoutMs);
        QCOMPARE(window.heatmaps()->currentExplanation().className, std::string("sky"));
        // The neuron table for the new class (the composer selected it after learning; asked
        // again here in case the explainer was not ready then).
        QTRY_VERIFY_WITH_TIMEOUT(window.neurons()->selectNewClass(QStringLiteral("sky")), kStepTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(window.neurons()->findChild<QTableView*>()->model()->rowCount() > 0, kStepTimeoutMs);
        QSignalSpy evaluated(window.evaluation(), &EvaluationPanel::finished);
        window.evaluation()->run();
        QTRY_COMPARE_WITH_TIMEOUT(evaluated.count(), 1, kStepTimeoutMs);

        // 6. Export: classifier.json and classifier.pt with the learned class.
        QSignalSpy exported(&window, &MainWindow::classifierExported);
        const QString out = dir_.filePath(QStringLiteral("export"));
        window.exportClassifier(out);
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, kStepTimeoutMs);
        QVERIFY(QFileInfo::exists(out + QStringLiteral("/classifier.json")));
        QVERIFY(QFileInfo::exists(out + QStringLiteral("/classifier.pt")));
        QVERIFY2(errors.isEmpty(), errors.isEmpty() ? "" : qPrintable(errors.first().at(0).toString()));

        // 7. Edit > Preferences > alpha2w: span, then the full weight space again (the default);
        //    each change prepares the session again (full: with the importance Jacobians). In
        //    full, the next class shows its span solution at once and the full solution replaces
        //    it in the same row; the plot marks the refinement.
        QCOMPARE(window.session()->options().alpha2wSpace, niwt::kDefaultAlpha2WSpace);
        QSignalSpy preparedAgain(window.session(), &SessionController::prepared);
        const auto choose = [&](const QString& space) {
            window.findChild<QAction*>(QStringLiteral("preferencesAction"))->trigger();
            auto* preferences = window.findChild<PreferencesDialog*>(QStringLiteral("preferencesDialog"));
            if (!preferences) return false;
            preferences->alpha2wBox()->setCurrentIndex(preferences->alpha2wBox()->findData(space));
            preferences->accept();
            delete preferences;  // WA_DeleteOnClose acts only in the event loop: the next findChild must not see it
            return true;
        };
        QVERIFY(choose(QStringLiteral("span")));
        QTRY_COMPARE_WITH_TIMEOUT(preparedAgain.count(), 1, kStepTimeoutMs);
        QCOMPARE(window.session()->options().alpha2wSpace, niwt::Alpha2WSpace::Span);
        QVERIFY(choose(QStringLiteral("full")));
        QTRY_COMPARE_WITH_TIMEOUT(preparedAgain.count(), 2, kStepTimeoutMs);
        QCOMPARE(window.session()->options().alpha2wSpace, niwt::Alpha2WSpace::Full);
        const int rowsBefore = composer->learnedModel()->rowCount();
        QSignalSpy spanShown(window.session(), &SessionController::spanLearned);
        QSignalSpy selected(composer, &ClassComposer::learnedClassSelected);
        composer->nameEdit()->setText(QStringLiteral("sky, full"));
        QTRY_VERIFY_WITH_TIMEOUT(composer->learnAction()->isEnabled(), kStepTimeoutMs);
        composer->learnAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(learned.count(), 2, kStepTimeoutMs);
        QVERIFY2(errors.isEmpty(), errors.isEmpty() ? "" : qPrintable(errors.first().at(0).toString()));
        QCOMPARE(spanShown.count(), 1);
        QCOMPARE(composer->learnedModel()->rowCount(), rowsBefore + 1);
        QCOMPARE(composer->learnedModel()->entryAt(rowsBefore).result.alpha2wMode, std::string("full"));
        QCOMPARE(selected.count(), 2);
        QCOMPARE(selected.at(0).at(0).value<niwt::LearnedClass>().alpha2wMode, std::string("span"));
        QCOMPARE(selected.at(1).at(0).value<niwt::LearnedClass>().alpha2wMode, std::string("full"));
        const auto span = spanShown.first().at(1).value<niwt::LearnedClass>();
        QCOMPARE(window.convergencePlot()->refinementIteration(), double(span.iterations));
        QVERIFY2(window.jobStatusText().contains(QStringLiteral("full weight space")),
                 qPrintable(window.jobStatusText()));
        QCOMPARE(window.rankedImages()->shownClassName(), QStringLiteral("sky, full"));

        // Back to the first data set: its context has no network again (the colour network was
        // chosen for the folder; it is kept, so the engine prepares for Fashion-MNIST with it
        // only if its input fits). Either way, no panel may show the folder's classes.
        const std::shared_ptr<const niwt::Dataset> folder = window.dataset();
        DatasetRequest fashion;
        fashion.spec = QStringLiteral("fashion-mnist");
        window.openDataset(fashion);
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 3, kStepTimeoutMs);
        QVERIFY(window.session()->context().dataset != folder);
        QVERIFY(window.evaluation()->context().dataset != folder);
        QVERIFY(window.explainer()->context().dataset != folder);
        QVERIFY(!window.heatmaps()->hasExplanation());
        QVERIFY(!window.evaluation()->lastEvaluation().has_value());
    }

    void cubWithMobileNetV2() {
        const QString shared = QStringLiteral(NIWT_TEST_SHARED_DIR);
        const QString cub = shared + QStringLiteral("/data/CUB_200_2011");
        const QString split = shared + QStringLiteral("/data/xlsa17/CUB");
        const QString network = shared + QStringLiteral("/models/mobilenet_v2_1.0_224_imagenet");
        if (!QFileInfo::exists(cub + QStringLiteral("/images.txt")) ||
            !QFileInfo::exists(network + QStringLiteral("/bundle.json")))
            QSKIP("../shared's CUB-200-2011 or MobileNetV2 is absent");
        constexpr int kLongStepMs = 45 * 60 * 1000;  // cold caches: extraction and importances on 2 cores
        Preferences preferences;
        preferences.cacheDir =
            qEnvironmentVariable("NIWT_SHARED_CACHE_DIR", QDir::current().filePath(QStringLiteral("shared-cache")));
        preferences.save();

        ExplorerOptions options;
        options.noTrain = true;
        MainWindow window(options);
        window.setInteractiveErrors(false);
        QSignalSpy loaded(&window, &MainWindow::datasetLoaded);
        QSignalSpy errors(&window, &MainWindow::errorReported);
        QSignalSpy needed(&window, &MainWindow::networkNeeded);
        window.resize(1920, 1080);
        window.show();
        window.start();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kStepTimeoutMs);

        window.findChild<QAction*>(QStringLiteral("openAction"))->trigger();
        auto* dialog = window.findChild<OpenDatasetDialog*>();
        QVERIFY(dialog);
        dialog->kindBox()->setCurrentIndex(dialog->kindBox()->findData(QStringLiteral("cub")));
        dialog->directoryEdit()->setText(cub);
        dialog->splitBox()->setCurrentIndex(dialog->splitBox()->findData(QStringLiteral("xlsa17")));
        dialog->splitEdit()->setText(split);
        dialog->accept();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 2, kStepTimeoutMs);
        QTRY_COMPARE(needed.count(), 1);  // CUB with no network: the prompt

        QSignalSpy prepared(window.session(), &SessionController::prepared);
        niwt::test::StallProbe prepareProbe;
        window.openNetwork(network);
        QTRY_COMPARE_WITH_TIMEOUT(prepared.count(), 1, kLongStepMs);
        QVERIFY2(errors.isEmpty(), errors.isEmpty() ? "" : qPrintable(errors.first().at(0).toString()));
        qInfo("worst event-loop stall while preparing CUB with MobileNetV2: %lld ms", prepareProbe.worstMs());

        ClassComposer* composer = window.composer();
        composer->setMode(ClassComposer::Mode::Caption);
        composer->nameEdit()->setText(QStringLiteral("red-headed woodpecker"));
        composer->captionEdit()->setPlainText(
            QStringLiteral("a woodpecker with an entirely red head and neck, a black back, white underparts and "
                           "large white patches on its black wings"));
        composer->parseCaptionNow();
        QTRY_VERIFY_WITH_TIMEOUT(composer->learnAction()->isEnabled(), kStepTimeoutMs);
        QSignalSpy learned(window.session(), &SessionController::learned);
        niwt::test::StallProbe learnProbe;
        composer->learnAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(learned.count(), 1, kStepTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(window.rankedImages()->model()->rowCount() > 0, kStepTimeoutMs);
        qInfo("worst event-loop stall while learning from a sentence: %lld ms", learnProbe.worstMs());

        niwt::test::StallProbe explainProbe;
        QTRY_VERIFY_WITH_TIMEOUT(window.explainer()->isPrepared(), kLongStepMs);
        window.heatmaps()->setImagePath(QString::fromStdString(window.dataset()->images.front().path));
        QTRY_VERIFY_WITH_TIMEOUT(window.heatmaps()->selectNewClass(QStringLiteral("red-headed woodpecker")),
                                 kStepTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(window.heatmaps()->hasExplanation(), kLongStepMs);
        QTRY_VERIFY_WITH_TIMEOUT(window.neurons()->selectNewClass(QStringLiteral("red-headed woodpecker")),
                                 kStepTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(window.neurons()->findChild<QTableView*>()->model()->rowCount() > 0, kLongStepMs);
        qInfo("worst event-loop stall while preparing the explainer, explaining and naming neurons: %lld ms",
              explainProbe.worstMs());
        // The heat map is readable at 1920x1080: at least 320 px on its short side.
        const QSize heatmap = window.heatmaps()->imageView()->size();
        qInfo("heat map at 1920x1080: %dx%d", heatmap.width(), heatmap.height());

        QSignalSpy evaluated(window.evaluation(), &EvaluationPanel::finished);
        niwt::test::StallProbe evaluateProbe;
        window.evaluation()->run();
        QTRY_COMPARE_WITH_TIMEOUT(evaluated.count(), 1, kLongStepMs);
        qInfo("worst event-loop stall while evaluating: %lld ms", evaluateProbe.worstMs());

        QSignalSpy exported(&window, &MainWindow::classifierExported);
        const QString out = dir_.filePath(QStringLiteral("cub-export"));
        window.exportClassifier(out);
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, kStepTimeoutMs);
        QVERIFY(QFileInfo::exists(out + QStringLiteral("/classifier.pt")));
        QVERIFY2(errors.isEmpty(), errors.isEmpty() ? "" : qPrintable(errors.first().at(0).toString()));
    }
};

QTEST_MAIN(NewcomerFlowTest)
#include "widgets_newcomer_flow_test.moc"
