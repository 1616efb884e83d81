// Explanations end to end through the panels: a small Fashion-MNIST (the embedded split: 7 seen,
// 3 unseen classes; 24 attributes) with its small default network, the ExplainerController on its
// thread, the heatmap panel (a seen class, a new class given by weights, a cached repeat, a bad
// image) and the neuron panel (names, a class's importances, a unit's top images, CSV export).
#include "session_fixture.h"
#include "stall_probe.h"
#include "widget_test_support.h"
#include "widgets/explainer_controller.h"
#include "widgets/heatmap_comparison_model.h"
#include "widgets/heatmap_panel.h"
#include "widgets/neuron_panel.h"
#include "widgets/neuron_table_model.h"

#include <QFile>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStandardItemModel>
#include <QTableView>
#include <QtTest>

#include <cmath>
#include <opencv2/core.hpp>

using namespace niwt::gui;

namespace {
constexpr int kPrepareTimeoutMs = 60000;
constexpr int kJobTimeoutMs = 30000;
constexpr int kTrainPerClass = 40, kTestPerClass = 10;  // as the composer's round trip: same cached network
// The event loop must never stall while the engine works (the issue asks for 50 ms on a free
// machine; the bound leaves room for a loaded 2-core test machine, the measured worst is logged).
constexpr qint64 kMaxStallMs = 200;

// With NIWT_SCREENSHOT_DIR set, the panel as drawn now goes there as NAME.png (to look at).
void saveScreenshot(QWidget& panel, const QString& name) {
    const QString dir = qEnvironmentVariable("NIWT_SCREENSHOT_DIR");
    if (dir.isEmpty()) return;
    panel.resize(960, 720);
    panel.show();
    QVERIFY(panel.grab().save(dir + QLatin1Char('/') + name + QStringLiteral(".png")));
}
}  // namespace

class ExplainerRoundTripTest : public QObject {
    Q_OBJECT
private:
    QTemporaryDir dir_;
    std::shared_ptr<const niwt::Dataset> dataset_;
    std::string bundle_;

    niwt::EngineContext options() const {
        niwt::EngineContext o;
        o.dataset = dataset_;
        o.bundle = bundle_;
        o.device = "cpu";
        o.cacheDir = dir_.filePath(QStringLiteral("cache")).toStdString();
        return o;
    }

    bool prepare(ExplainerController& controller) {
        QSignalSpy prepared(&controller, &ExplainerController::prepared);
        QSignalSpy failed(&controller, &ExplainerController::failed);
        controller.setEngine(options());
        if (!QTest::qWaitFor([&] { return prepared.count() + failed.count() > 0; }, kPrepareTimeoutMs)) return false;
        if (failed.count()) qWarning("prepare failed: %s", qPrintable(failed.first().at(1).toString()));
        return prepared.count() == 1;
    }

private slots:
    void initTestCase() {
        niwt::test::isolateUserState(dir_);
        dataset_ = niwt::test::smallFashionMnist(kTrainPerClass, kTestPerClass);
        bundle_ = niwt::test::smallNetwork(*dataset_, dir_.filePath(QStringLiteral("network")).toStdString());
    }

    void heatmapsForSeenAndNewClasses() {
        ExplainerController controller;
        QSignalSpy status(&controller, &ExplainerController::jobStatus);
        niwt::test::StallProbe prepareProbe;
        QVERIFY(prepare(controller));
        qInfo("worst event-loop stall while preparing the explainer: %lld ms", prepareProbe.worstMs());
        QVERIFY2(prepareProbe.worstMs() < kMaxStallMs, qPrintable(QString::number(prepareProbe.worstMs())));
        const niwt::ExplainerInfo& info = controller.info();
        QCOMPARE(int(info.seenClasses.size()), 7);  // the embedded split's seen classes, all with training images
        QVERIFY(!info.stageNames.empty());
        QCOMPARE(info.stageName, info.defaultStage);  // no stage asked for: the bundle's default
        QVERIFY(info.featureDim > 0);
        QVERIFY(status.count() > 0);

        HeatmapPanel panel(&controller);
        QSignalSpy errors(&panel, &HeatmapPanel::errorReported);
        QSignalSpy explained(&controller, &ExplainerController::explained);
        const int trouser = dataset_->classIndexByName("Trouser");
        QVERIFY(trouser >= 0 && dataset_->classes[size_t(trouser)].seen);
        QVERIFY(panel.selectSeenClass(trouser));
        QCOMPARE(panel.stage(), QString::fromStdString(info.defaultStage));
        // The first Trouser image of the data set.
        QString image;
        for (const auto& i : dataset_->images)
            if (i.classIndex == trouser) {
                image = QString::fromStdString(i.path);
                break;
            }
        niwt::test::StallProbe explainProbe;
        panel.setImagePath(image);
        QTRY_VERIFY_WITH_TIMEOUT(panel.hasExplanation(), kJobTimeoutMs);
        qInfo("worst event-loop stall while explaining: %lld ms", explainProbe.worstMs());
        QVERIFY2(explainProbe.worstMs() < kMaxStallMs, qPrintable(QString::number(explainProbe.worstMs())));
        QCOMPARE(errors.count(), 0);
        const niwt::Explanation& e = panel.currentExplanation();
        QCOMPARE(e.className, std::string("Trouser"));
        // The map lines up with the view pixel for pixel and lies in [0, 1].
        QCOMPARE(e.map.type(), CV_32F);
        QCOMPARE(e.view.type(), CV_8UC3);
        QCOMPARE(e.map.size(), e.view.size());
        double lo = 0, hi = 0;
        cv::minMaxLoc(e.map, &lo, &hi);
        QVERIFY(lo >= 0.0 && hi <= 1.0);
        // Top 5 of the 7 seen classes, best first; the textual explanation has 5 attribute names
        // of the embedded table.
        QCOMPARE(int(e.predictions.size()), 5);
        for (size_t i = 1; i < e.predictions.size(); ++i) QVERIFY(e.predictions[i - 1].logit >= e.predictions[i].logit);
        QCOMPARE(int(e.attributes.size()), 5);
        const auto& names = dataset_->modality("attributes")->dimNames;
        QVERIFY(std::find(names.begin(), names.end(), e.attributes.front().name) != names.end());
        QVERIFY(!panel.currentOverlay().isNull());

        // A new class given by its weights (every feature weighted equally): explained by name,
        // and offered among the predictions (7 seen + 1 new columns).
        NewClassRef synthetic{QStringLiteral("synthetic"), std::vector<float>(size_t(info.featureDim), 0.05f), 0.0f};
        controller.setNewClasses({synthetic});
        QVERIFY(panel.selectNewClass(QStringLiteral("synthetic")));
        QTRY_COMPARE_WITH_TIMEOUT(QString::fromStdString(panel.currentExplanation().className),
                                  QStringLiteral("synthetic"), kJobTimeoutMs);
        QCOMPARE(explained.count(), 2);

        panel.addToComparison();
        // Back to Trouser: from the cache, no new job.
        QVERIFY(panel.selectSeenClass(trouser));
        QCOMPARE(panel.currentExplanation().className, std::string("Trouser"));
        panel.addToComparison();
        QCOMPARE(panel.comparisonModel()->rowCount(), 2);
        saveScreenshot(panel, QStringLiteral("heatmap_panel"));
        QCOMPARE(explained.count(), 2);
        QCOMPARE(panel.cachedExplanations(), 2);

        // An image the engine cannot read: one line naming the file; the panel stays usable.
        panel.setImagePath(QStringLiteral("/nonexistent/shoe.png"));
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, kJobTimeoutMs);
        QVERIFY2(errors.first().at(0).toString().startsWith(QStringLiteral("/nonexistent/shoe.png")),
                 qPrintable(errors.first().at(0).toString()));
        QTRY_VERIFY(!controller.isBusy());
    }

    void neuronsNamedRankedAndShown() {
        ExplainerController controller;
        QVERIFY(prepare(controller));
        NeuronPanel panel(&controller);
        QSignalSpy errors(&panel, &NeuronPanel::errorReported);
        // Without a class: one row per unit of the stage, each named by 5 attributes.
        QTRY_VERIFY_WITH_TIMEOUT(panel.model()->rowCount() > 0, kJobTimeoutMs);
        const int units = panel.model()->rowCount();
        QVERIFY(!panel.model()->hasClass());
        QCOMPARE(int(panel.model()->listing().rows.front().attributes.size()), NeuronPanel::kTopAttributes);

        // A seen class: importances for it; the view sorts by them, so rank 1 comes first.
        const int sneaker = dataset_->classIndexByName("Sneaker");
        QVERIFY(sneaker >= 0 && dataset_->classes[size_t(sneaker)].seen);
        QVERIFY(panel.selectSeenClass(sneaker));
        QTRY_VERIFY_WITH_TIMEOUT(panel.model()->hasClass(), kJobTimeoutMs);
        QCOMPARE(panel.model()->rowCount(), units);
        QCOMPARE(panel.model()->listing().classImages, kTrainPerClass);  // its training images' importances
        QSortFilterProxyModel* proxy = panel.proxy();
        QCOMPARE(proxy->data(proxy->index(0, NeuronTableModel::RankColumn)).toInt(), 1);
        const double first =
            proxy->data(proxy->index(0, NeuronTableModel::ImportanceColumn), NeuronTableModel::SortRole).toDouble();
        const double second =
            proxy->data(proxy->index(1, NeuronTableModel::ImportanceColumn), NeuronTableModel::SortRole).toDouble();
        QVERIFY(first >= second);

        // A new class has no images of its own: averaged over the 64 images it scores highest.
        controller.setNewClasses({NewClassRef{QStringLiteral("synthetic"),
                                              std::vector<float>(size_t(controller.info().featureDim), 0.05f), 0.0f}});
        QVERIFY(panel.selectNewClass(QStringLiteral("synthetic")));
        QTRY_COMPARE_WITH_TIMEOUT(QString::fromStdString(panel.model()->listing().className),
                                  QStringLiteral("synthetic"), kJobTimeoutMs);
        QCOMPARE(panel.model()->listing().classImages, 64);

        // The most important unit's top images: 6 thumbnails with heat maps.
        const int unit = proxy->data(proxy->index(0, 0), NeuronTableModel::UnitRole).toInt();
        QSignalSpy shown(&panel, &NeuronPanel::unitImagesShown);
        niwt::test::StallProbe imagesProbe;
        panel.table()->setCurrentIndex(proxy->index(0, 0));  // selecting the row asks for them
        QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, kJobTimeoutMs);
        qInfo("worst event-loop stall while ranking top images: %lld ms", imagesProbe.worstMs());
        QVERIFY2(imagesProbe.worstMs() < kMaxStallMs, qPrintable(QString::number(imagesProbe.worstMs())));
        QCOMPARE(shown.first().at(0).toInt(), unit);
        QCOMPARE(panel.unitImagesModel()->rowCount(), NeuronPanel::kUnitImages);
        QVERIFY(!panel.unitImagesModel()->item(0)->icon().isNull());
        saveScreenshot(panel, QStringLiteral("neuron_panel"));

        // Filter, then export: a header and one line per row shown.
        panel.setFilterText(QString::fromStdString(panel.model()->listing().rows.front().attributes.front().name));
        const int shownRows = proxy->rowCount();
        QVERIFY(shownRows >= 1 && shownRows <= units);
        const QString csv = dir_.filePath(QStringLiteral("neurons.csv"));
        QVERIFY(panel.exportCsv(csv));
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().split('\n');
        QCOMPARE(lines.size(), shownRows + 2);  // header, rows, and the empty piece after the last LF
        // The CLI's columns: one writer (niwt::writeNeuronTableCsv) for both.
        QVERIFY(lines.front().startsWith("unit,class_importance,class_rank,attribute_1,score_1"));
        QCOMPARE(errors.count(), 0);
        QTRY_VERIFY(!controller.isBusy());
    }

    // Cancelling mid-job: the worker (run here on the test thread, so signals arrive at once)
    // sees the flag at the engine's next batch, reports cancelled, and keeps no engine; a job
    // cancelled before it starts never starts. A fresh cache, so the features are computed in
    // batches (a cached load has no batch to stop between).
    // The engine's inner progress (feature extraction while preparing, on a cold cache) reaches the
    // window's runner, which the status bar follows: done/total per phase with rate and time left.
    void prepareProgressReachesTheRunner() {
        JobRunner runner;
        ExplainerController controller(&runner);
        QSignalSpy started(&runner, &JobRunner::started);
        QSignalSpy progress(&runner, &JobRunner::progress);
        QSignalSpy prepared(&controller, &ExplainerController::prepared);
        niwt::EngineContext o = options();
        o.cacheDir = dir_.filePath(QStringLiteral("cache-progress")).toStdString();
        const quint64 job = controller.setEngine(o);
        QTRY_COMPARE_WITH_TIMEOUT(prepared.count(), 1, kPrepareTimeoutMs);
        QTRY_VERIFY(!runner.isBusy());
        QCOMPARE(started.count(), 1);
        QCOMPARE(started.first().at(0).toULongLong(), job);
        QCOMPARE(started.first().at(1).toString(), QStringLiteral("explainer"));
        QVERIFY(progress.count() > 0);
        bool phaseCompleted = false;
        for (const QList<QVariant>& report : std::as_const(progress)) {
            QCOMPARE(report.at(0).toULongLong(), job);
            const auto p = report.at(1).value<JobProgress>();
            QVERIFY2(!p.phase.isEmpty() && p.text.startsWith(p.phase), qPrintable(p.text));
            if (p.total > 0 && p.done == p.total) {
                phaseCompleted = true;
                QVERIFY2(p.text.contains(QStringLiteral("%1/%2").arg(p.done).arg(p.total)), qPrintable(p.text));
            }
        }
        QVERIFY(phaseCompleted);
    }

    void cancelMidPrepareLeavesNoEngine() {
        ExplainerWorker worker;
        QSignalSpy prepared(&worker, &ExplainerWorker::prepared);
        QSignalSpy cancelled(&worker, &ExplainerWorker::cancelled);
        QSignalSpy failed(&worker, &ExplainerWorker::failed);
        QSignalSpy finished(&worker, &ExplainerWorker::finished);
        auto flag = std::make_shared<std::atomic<bool>>(false);
        connect(&worker, &ExplainerWorker::progress, &worker,
                [flag] { flag->store(true); });  // cancel on the first progress
        niwt::EngineContext o = options();
        o.cacheDir = dir_.filePath(QStringLiteral("cache-cancel")).toStdString();
        worker.prepare(1, flag, o, {});
        QCOMPARE(cancelled.count(), 1);
        QCOMPARE(cancelled.first().at(0).toULongLong(), 1ull);
        QCOMPARE(prepared.count(), 0);
        QCOMPARE(finished.count(), 1);

        // No engine: a later job fails with a message saying why.
        worker.explain(2, std::make_shared<std::atomic<bool>>(false), QStringLiteral("x.png"),
                       niwt::ExplainClass::seen(0), {}, {}, 5);
        QCOMPARE(failed.count(), 1);
        QVERIFY(failed.first().at(1).toString().contains(QStringLiteral("not ready")));

        // Cancelled before it starts: not started at all.
        worker.prepare(3, std::make_shared<std::atomic<bool>>(true), o, {});
        QCOMPARE(cancelled.count(), 2);
        QCOMPARE(finished.count(), 3);
    }
};

QTEST_MAIN(ExplainerRoundTripTest)
#include "widgets_explainer_round_trip_test.moc"
