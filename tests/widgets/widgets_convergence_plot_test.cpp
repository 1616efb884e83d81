// The convergence plot's data handling: loss points appended in batches land in the three
// curves in order; replots are coalesced by the timer (many batches, few replots); a finished run
// gets a stop marker at its last iteration; a new run keeps the previous one as a grey curve, at
// most kMaxPreviousRuns of them; and the plot saves as PNG and PDF.
#include "widgets/convergence_plot.h"

#include <qcustomplot.h>

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using niwt::gui::ConvergencePlot;
using niwt::gui::LossPoint;

namespace {
// A decaying loss: total = cosine + l2 at every iteration.
QVector<LossPoint> points(int from, int count) {
    QVector<LossPoint> out;
    for (int i = from; i < from + count; ++i) {
        const double cosine = 1.0 / i, l2 = 0.01;
        out.push_back({i, cosine + l2, cosine, l2});
    }
    return out;
}
}  // namespace

class ConvergencePlotTest : public QObject {
    Q_OBJECT

private slots:
    void appendsBatchesInOrder() {
        ConvergencePlot plot;
        plot.beginRun(QStringLiteral("Woodpecker"));
        QVERIFY(plot.isRunning());
        plot.appendPoints(points(1, 3));
        plot.appendPoints(points(4, 2));
        QCOMPARE(plot.pointCount(), 5);
        QCOMPARE(plot.totalGraph()->dataCount(), 5);
        QCOMPARE(plot.cosineGraph()->dataCount(), 5);
        QCOMPARE(plot.l2Graph()->dataCount(), 5);
        // Iteration 4's cosine loss is 1/4 and its total 0.26.
        QCOMPARE(plot.cosineGraph()->data()->at(3)->key, 4.0);
        QCOMPARE(plot.cosineGraph()->data()->at(3)->value, 0.25);
        QCOMPARE(plot.totalGraph()->data()->at(3)->value, 0.26);
        // The L2 curve is the weighted term, total - cosine (here 0.01).
        QCOMPARE(plot.l2Graph()->data()->at(3)->value, 0.26 - 0.25);
        QVERIFY(!plot.hasStopMarker());
        QVERIFY(std::isnan(plot.stopIteration()));
    }

    void replotsAreThrottled() {
        // 200 batches in one go (as fast as a worker could send them): no replot happens inside
        // appendPoints, and the timer coalesces them into one, kReplotIntervalMs later.
        ConvergencePlot plot;
        plot.beginRun(QStringLiteral("fast"));
        const int before = plot.replotCount();
        for (int b = 0; b < 200; ++b) plot.appendPoints(points(1 + b, 1));
        QCOMPARE(plot.replotCount(), before);
        QTRY_VERIFY_WITH_TIMEOUT(plot.replotCount() > before, 2000);
        QTest::qWait(3 * ConvergencePlot::kReplotIntervalMs);
        QCOMPARE(plot.replotCount(), before + 1);  // nothing changed since: no further replot
        // The axes cover the data: x up to iteration 200, y from 0 above the largest total (1.01).
        QVERIFY(plot.plot()->xAxis->range().upper >= 200);
        QCOMPARE(plot.plot()->yAxis->range().lower, 0.0);
        QVERIFY(plot.plot()->yAxis->range().upper >= 1.01);
    }

    void stopMarkerAtTheLastIteration() {
        ConvergencePlot plot;
        plot.beginRun(QStringLiteral("a"));
        plot.appendPoints(points(1, 37));
        plot.finishRun(true);
        QVERIFY(!plot.isRunning());
        QVERIFY(plot.hasStopMarker());
        QCOMPARE(plot.stopIteration(), 37.0);
        // A new run hides the old marker until it finishes itself.
        plot.beginRun(QStringLiteral("b"));
        QVERIFY(!plot.hasStopMarker());
    }

    void refinementIsMarkedAfterTheSpanSteps() {
        // Full weight space: the span solution's steps, a marker, then the refinement's steps
        // numbered on; a new run starts without the marker.
        ConvergencePlot plot;
        plot.markRefinementStart();  // no run: ignored
        QVERIFY(std::isnan(plot.refinementIteration()));
        plot.beginRun(QStringLiteral("span then full"));
        plot.appendPoints(points(1, 12));
        QVERIFY(std::isnan(plot.refinementIteration()));
        plot.markRefinementStart();
        QCOMPARE(plot.refinementIteration(), 12.0);
        plot.appendPoints(points(13, 5));
        QCOMPARE(plot.pointCount(), 17);
        plot.finishRun(true);
        QCOMPARE(plot.stopIteration(), 17.0);
        QCOMPARE(plot.refinementIteration(), 12.0);  // both marks stay on the finished run
        plot.beginRun(QStringLiteral("next"));
        QVERIFY(std::isnan(plot.refinementIteration()));
        plot.appendPoints(points(1, 3));
        plot.abortRun(QStringLiteral("kept the span solution; refinement cancelled"));
        QVERIFY(std::isnan(plot.refinementIteration()));
    }

    void previousRunsStayGreyAndCapped() {
        ConvergencePlot plot;
        for (int run = 0; run < ConvergencePlot::kMaxPreviousRuns + 3; ++run) {
            plot.beginRun(QStringLiteral("run %1").arg(run));
            plot.appendPoints(points(1, 10 + run));
            plot.finishRun(true);
        }
        // The current run plus the last kMaxPreviousRuns before it.
        QCOMPARE(plot.previousGraphs().size(), ConvergencePlot::kMaxPreviousRuns);
        QCOMPARE(plot.runCount(), ConvergencePlot::kMaxPreviousRuns + 1);
        // The newest previous run is the one before the current: 10 + 6 points, named "run 6".
        QCPGraph* newest = plot.previousGraphs().back();
        QCOMPARE(newest->dataCount(), 16);
        QCOMPARE(newest->name(), QStringLiteral("run 6"));
        QCOMPARE(newest->pen().color().red(), newest->pen().color().blue());  // grey
        QCOMPARE(plot.pointCount(), 17);
        plot.clearRuns();
        QCOMPARE(plot.previousGraphs().size(), 0);
        QCOMPARE(plot.runCount(), 0);
        // An empty run (cancelled before its first point) is not kept as a previous run.
        plot.beginRun(QStringLiteral("cancelled"));
        plot.abortRun(QStringLiteral("cancelled"));
        plot.beginRun(QStringLiteral("next"));
        QCOMPARE(plot.previousGraphs().size(), 0);
    }

    void savesPngAndPdf() {
        QTemporaryDir dir;
        ConvergencePlot plot;
        plot.resize(400, 300);
        plot.beginRun(QStringLiteral("saved"));
        plot.appendPoints(points(1, 20));
        plot.finishRun(false);
        const QString png = dir.filePath(QStringLiteral("plot.png"));
        const QString pdf = dir.filePath(QStringLiteral("plot.pdf"));
        QVERIFY(plot.savePng(png));
        QVERIFY(plot.savePdf(pdf));
        QImage image(png);
        QVERIFY(!image.isNull());
        QVERIFY(image.width() > 100);
        QFile file(pdf);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.read(5), QByteArray("%PDF-"));
    }
};

QTEST_MAIN(ConvergencePlotTest)
#include "widgets_convergence_plot_test.moc"
