// The Evaluation panel: its results model on a hand-made evaluation, and a real evaluation run on a
// small Fashion-MNIST (session_fixture.h) off the GUI thread, cancelled, and with a bad bundle.
#include "session_fixture.h"
#include "widget_test_support.h"
#include "widgets/evaluation_panel.h"

#include <QImage>
#include <QLabel>

#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>

#include <qcustomplot.h>

using namespace niwt;
using namespace niwt::gui;

namespace {
constexpr int kRunTimeoutMs = 120000;  // trains the small network on first use, then NIWT + ESZSL twice
constexpr int kTrainPerClass = 40, kTestPerClass = 10;
}  // namespace

class EvaluationPanelTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        test::isolateUserState(dir_);
        dataset_ = test::smallFashionMnist(kTrainPerClass, kTestPerClass);
        bundle_ =
            QString::fromStdString(test::smallNetwork(*dataset_, dir_.filePath(QStringLiteral("cache")).toStdString()));
    }

    // Rows: NIWT, NIWT calibrated, ESZSL (ESZSL without calibration here); a calibrated row shows
    // its gamma and the plain ZSL number (calibration never changes the unseen-only arg-max).
    void modelShowsEachComputedVariant() {
        GzslEvaluation e;
        e.niwt.computed = true;
        e.niwt.scores = {50, 40, 2 * 50.0 * 40 / 90, 60};
        e.niwt.calibrated = {true, 0.75, {55, 35, 2 * 55.0 * 35 / 90, 0}, {}};
        e.eszsl.computed = true;
        e.eszsl.scores = {10, 80, 2 * 10.0 * 80 / 90, 50};
        EvaluationResultsModel model;
        model.setEvaluation(e);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.index(0, EvaluationResultsModel::Method).data().toString(), QStringLiteral("NIWT"));
        QCOMPARE(model.index(1, EvaluationResultsModel::U).data(Qt::UserRole).toDouble(), 55.0);
        QCOMPARE(model.index(1, EvaluationResultsModel::Zsl).data(Qt::UserRole).toDouble(), 60.0);
        QCOMPARE(model.index(1, EvaluationResultsModel::Gamma).data().toString(), QStringLiteral("0.75"));
        QCOMPARE(model.index(0, EvaluationResultsModel::Gamma).data().toString(), QStringLiteral("–"));
        QCOMPARE(model.index(2, EvaluationResultsModel::H).data().toString(), QStringLiteral("17.8"));  // 1600/90
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    niwt::EngineContext context(const QString& bundle, const QString& cacheDir = {}) const {
        niwt::EngineContext c;
        c.dataset = dataset_;
        c.bundle = bundle.toStdString();
        c.cacheDir = cacheDir.toStdString();
        c.device = "cpu";
        return c;
    }

    // The results of one context must not stay on screen under another: after a finished run,
    // a context with another stage empties the table and the last evaluation, and the status
    // names the new stage.
    void anotherContextClearsTheResults() {
        EvaluationPanel panel;
        panel.setContext(context(bundle_, dir_.filePath(QStringLiteral("cache"))));
        QSignalSpy finished(&panel, &EvaluationPanel::finished);
        panel.run();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
        QVERIFY(panel.lastEvaluation().has_value());
        QVERIFY(panel.resultsModel()->rowCount() > 0);
        niwt::EngineContext other = context(bundle_, dir_.filePath(QStringLiteral("cache")));
        other.stage = "some-other-stage";
        panel.setContext(other);
        QVERIFY(!panel.lastEvaluation().has_value());
        QCOMPARE(panel.resultsModel()->rowCount(), 0);
        const auto labels = panel.findChildren<QLabel*>();
        QVERIFY(std::any_of(labels.begin(), labels.end(),
                            [](QLabel* l) { return l->text().contains(QStringLiteral("some-other-stage")); }));
    }

    void evaluateButtonNeedsADataSetAndABundle() {
        EvaluationPanel panel;
        auto* evaluate = panel.findChild<QPushButton*>();
        QVERIFY(evaluate);
        QVERIFY(!evaluate->isEnabled());
        panel.setContext(context({}));
        QVERIFY(!evaluate->isEnabled());
        panel.setContext(context(bundle_));
        QVERIFY(evaluate->isEnabled());
    }

    // The embedded split: 7 seen and 3 unseen classes. Both methods' U and S are the means of their
    // per-class accuracies, the table gets 4 rows and the chart 2 bar series of 10 classes.
    void runsARealEvaluationOffTheGuiThread() {
        EvaluationPanel panel;
        panel.setContext(context(bundle_, dir_.filePath(QStringLiteral("cache"))));
        QSignalSpy finished(&panel, &EvaluationPanel::finished);
        QSignalSpy failed(&panel, &EvaluationPanel::failed);
        panel.run();
        QVERIFY(panel.isRunning());  // returned at once: the work is on another thread
        QTRY_COMPARE_WITH_TIMEOUT(finished.count() + failed.count(), 1, kRunTimeoutMs);
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
        const auto e = panel.lastEvaluation();
        QVERIFY(e.has_value());
        QCOMPARE(e->seenClasses, 7);
        QCOMPARE(e->unseenClasses, 3);
        QCOMPARE(panel.resultsModel()->rowCount(), 4);
        for (const MethodEvaluation* m : {&e->niwt, &e->eszsl}) {
            double u = 0, s = 0;
            for (const auto& c : m->perClass) (c.seen ? s : u) += c.accuracy;
            QVERIFY(qAbs(m->scores.U - u / 3) < 1e-9);
            QVERIFY(qAbs(m->scores.S - s / 7) < 1e-9);
        }
        QCOMPARE(panel.plot()->plottableCount(), 2);
        QCOMPARE(qobject_cast<QCPBars*>(panel.plot()->plottable(0))->data()->size(), 10);

        const QString png = dir_.filePath(QStringLiteral("chart.png"));
        QVERIFY(panel.savePlot(png));
        QVERIFY(!QImage(png).isNull());
    }

    // The panel's alpha2w space (Edit > Preferences sets it) reaches the engine: the evaluation's
    // NIWT learns in the full weight space, after its span start, and the status line says so.
    void fullWeightSpaceReachesTheEvaluation() {
        EvaluationPanel panel;
        panel.setContext(context(bundle_, dir_.filePath(QStringLiteral("cache"))));
        panel.setAlpha2wSpace(Alpha2WSpace::Full);
        QSignalSpy finished(&panel, &EvaluationPanel::finished);
        QSignalSpy failed(&panel, &EvaluationPanel::failed);
        panel.run();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count() + failed.count(), 1, kRunTimeoutMs);
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
        const auto e = panel.lastEvaluation();
        QVERIFY(e.has_value());
        QCOMPARE(e->alpha2wMode, std::string("full"));
        QVERIFY(e->alpha2wSpanIterations > 0);  // the span solution came first, as the start
        const auto* status = panel.findChild<QLabel*>(QStringLiteral("evaluationStatus"));
        QVERIFY(status);
        QVERIFY2(status->text().contains(QStringLiteral("full weight space")), qPrintable(status->text()));
    }

    void cancelStopsTheRunAndKeepsThePanelUsable() {
        EvaluationPanel panel;
        panel.setContext(context(bundle_, dir_.filePath(QStringLiteral("cache-cancel"))));
        QSignalSpy cancelled(&panel, &EvaluationPanel::cancelled);
        panel.run();
        panel.cancel();  // before the first batch could finish
        QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, kRunTimeoutMs);
        QVERIFY(!panel.isRunning());
        QVERIFY(!panel.lastEvaluation().has_value());
        QVERIFY(panel.findChild<QPushButton*>()->isEnabled());
    }

    void aMissingBundleIsReportedByName() {
        EvaluationPanel panel;
        panel.setContext(context(QStringLiteral("/nonexistent/bundle")));
        QSignalSpy failed(&panel, &EvaluationPanel::failed);
        panel.run();
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kRunTimeoutMs);
        QVERIFY2(failed.first().first().toString().contains(QStringLiteral("/nonexistent/bundle")),
                 qPrintable(failed.first().first().toString()));
    }

private:
    QTemporaryDir dir_;
    std::shared_ptr<const Dataset> dataset_;
    QString bundle_;
};

QTEST_MAIN(EvaluationPanelTest)
#include "widgets_evaluation_panel_test.moc"
