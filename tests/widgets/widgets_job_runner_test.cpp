// The window's one job runner: lanes run their jobs in order and side by side, a job cancelled
// while queued never starts, failures carry their message, progress has a rate, and post() comes
// back on the GUI thread.
#include "core/engine/cancelled.h"
#include "widgets/job_runner.h"

#include <QSignalSpy>
#include <QThread>
#include <QtTest>

#include <atomic>
#include <mutex>
#include <vector>

using niwt::gui::JobControl;
using niwt::gui::JobProgress;
using niwt::gui::JobRunner;

class JobRunnerTest : public QObject {
    Q_OBJECT
private slots:
    // Three jobs in one lane record their order: 1, 2, 3 (a lane is one thread, first in first out).
    void aLaneRunsItsJobsInOrder() {
        JobRunner runner;
        std::mutex mutex;
        std::vector<int> order;
        QSignalSpy finished(&runner, &JobRunner::finished);
        for (int i = 1; i <= 3; ++i)
            runner.start(QStringLiteral("a"), QStringLiteral("job"), [&, i](JobControl&) {
                QThread::msleep(20);
                const std::lock_guard<std::mutex> lock(mutex);
                order.push_back(i);
            });
        QTRY_COMPARE(finished.count(), 3);
        QCOMPARE(order, (std::vector<int>{1, 2, 3}));
        QVERIFY(!runner.isBusy());
    }

    // A job in lane "a" waits until a job in lane "b" lets it go: it can only finish if the lanes
    // run at the same time (one thread for both would wait forever; the test would time out).
    void lanesRunSideBySide() {
        JobRunner runner;
        std::atomic<bool> released{false};
        QSignalSpy succeeded(&runner, &JobRunner::succeeded);
        runner.start(QStringLiteral("a"), QStringLiteral("waits"), [&](JobControl&) {
            while (!released) QThread::msleep(1);
        });
        runner.start(QStringLiteral("b"), QStringLiteral("releases"), [&](JobControl&) { released = true; });
        QTRY_COMPARE_WITH_TIMEOUT(succeeded.count(), 2, 10000);
    }

    // The second job of a lane is cancelled while the first still runs: its work is never called,
    // and it ends as cancelled (not succeeded).
    void aJobCancelledWhileQueuedNeverStarts() {
        JobRunner runner;
        std::atomic<bool> release{false}, secondRan{false};
        QSignalSpy cancelled(&runner, &JobRunner::cancelled);
        QSignalSpy finished(&runner, &JobRunner::finished);
        runner.start(QStringLiteral("a"), QStringLiteral("first"), [&](JobControl&) {
            while (!release) QThread::msleep(1);
        });
        const quint64 second =
            runner.start(QStringLiteral("a"), QStringLiteral("second"), [&](JobControl&) { secondRan = true; });
        runner.cancel(second);
        QVERIFY(runner.isCancelled(second));
        release = true;
        QTRY_COMPARE(finished.count(), 2);
        QVERIFY(!secondRan);
        QCOMPARE(cancelled.count(), 1);
        QCOMPARE(cancelled.first().at(0).toULongLong(), second);
    }

    // A running job polls its flag: cancelAll stops it, niwt::Cancelled ends it as cancelled.
    void aRunningJobStopsAtItsNextPoll() {
        JobRunner runner;
        QSignalSpy cancelled(&runner, &JobRunner::cancelled);
        QSignalSpy started(&runner, &JobRunner::started);
        runner.start(QStringLiteral("a"), QStringLiteral("endless"), [](JobControl& control) {
            for (;;) {
                if (control.isCancelled()) throw niwt::Cancelled();
                QThread::msleep(1);
            }
        });
        QTRY_COMPARE(started.count(), 1);
        runner.cancelAll();
        QTRY_COMPARE(cancelled.count(), 1);
    }

    void aFailureCarriesItsMessage() {
        JobRunner runner;
        QSignalSpy failed(&runner, &JobRunner::failed);
        runner.start(QStringLiteral("a"), QStringLiteral("fails"),
                     [](JobControl&) { throw std::runtime_error("/data/x.jpg: not a JPEG"); });
        QTRY_COMPARE(failed.count(), 1);
        QCOMPARE(failed.first().at(1).toString(), QStringLiteral("/data/x.jpg: not a JPEG"));
    }

    // 50 items over about 1 s: the last report has done = total = 50 (a phase's end always gets
    // through the throttle) and a positive rate; post() runs on the GUI thread.
    void progressHasARateAndPostComesBackOnTheGuiThread() {
        JobRunner runner;
        QSignalSpy progress(&runner, &JobRunner::progress);
        QSignalSpy finished(&runner, &JobRunner::finished);
        std::atomic<bool> postedOnGui{false};
        QThread* gui = QThread::currentThread();
        runner.start(QStringLiteral("a"), QStringLiteral("counts"), [&](JobControl& control) {
            for (int i = 0; i <= 50; ++i) {
                control.progress("items", i, 50);
                QThread::msleep(20);
            }
            control.post([&] { postedOnGui = QThread::currentThread() == gui; });
        });
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY(postedOnGui);
        QVERIFY(progress.count() >= 2);
        QVERIFY(progress.count() < 51);  // throttled: at most one per 100 ms, plus the first and the last
        const auto last = progress.last().at(1).value<JobProgress>();
        QCOMPARE(last.done, 50);
        QCOMPARE(last.total, 50);
        QVERIFY(last.perSecond > 0);
        QVERIFY2(last.text.startsWith(QStringLiteral("items 50/50 · ")), qPrintable(last.text));
    }
};

QTEST_GUILESS_MAIN(JobRunnerTest)
#include "widgets_job_runner_test.moc"
