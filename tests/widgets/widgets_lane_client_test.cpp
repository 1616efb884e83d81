// LaneClient (widgets/lane_client.h), the one piece every runner user shares: the window's runner
// or one of its own, jobs in its lane, busy from the runner, and jobs cancelled before they began
// reported as ended without an outcome.
#include "widgets/job_runner.h"
#include "widgets/lane_client.h"

#include <QSignalSpy>
#include <QtTest>

#include <atomic>
#include <memory>

using niwt::gui::JobControl;
using niwt::gui::JobRunner;
using niwt::gui::LaneClient;

class LaneClientTest : public QObject {
    Q_OBJECT

private slots:
    void usesTheGivenRunnerElseItsOwn() {
        JobRunner runner;
        LaneClient shared(&runner, QStringLiteral("a"));
        QCOMPARE(shared.runner(), &runner);
        QCOMPARE(shared.lane(), QStringLiteral("a"));
        LaneClient alone(nullptr, QStringLiteral("b"));
        QVERIFY(alone.runner() != nullptr);
        QVERIFY(alone.runner() != &runner);
        QSignalSpy succeeded(alone.runner(), &JobRunner::succeeded);
        alone.start(QStringLiteral("work"), [](JobControl&) {});
        QTRY_COMPARE(succeeded.count(), 1);
    }

    void busyIsTheRunnersLane() {
        JobRunner runner;
        LaneClient client(&runner, QStringLiteral("lane"));
        QSignalSpy busy(&client, &LaneClient::busyChanged);
        auto release = std::make_shared<std::atomic<bool>>(false);
        const quint64 job = client.start(QStringLiteral("wait"), [release](JobControl&) {
            while (!release->load()) QThread::msleep(1);
        });
        client.start(QStringLiteral("second"), [](JobControl&) {});
        QVERIFY(client.isBusy());
        QCOMPARE(client.isBusy(), runner.isLaneBusy(QStringLiteral("lane")));
        QVERIFY(client.isAwaited(job));
        QVERIFY(client.isLive(job));
        QCOMPARE(busy.count(), 1);  // once for both jobs
        QCOMPARE(busy.first().at(0).toBool(), true);
        release->store(true);
        QTRY_VERIFY(!client.isBusy());
        QTRY_COMPARE(busy.count(), 2);
        QCOMPARE(busy.last().at(0).toBool(), false);
        // A job in another lane is not this client's.
        LaneClient other(&runner, QStringLiteral("other"));
        release->store(false);
        const quint64 otherJob = other.start(QStringLiteral("wait"), [release](JobControl&) {
            while (!release->load()) QThread::msleep(1);
        });
        QVERIFY(!client.isBusy());
        client.cancelAll();  // this lane's jobs only
        QVERIFY(runner.isRunning(otherJob));
        QVERIFY(!runner.isCancelled(otherJob));
        release->store(true);
        QTRY_VERIFY(!runner.isBusy());
    }

    void aJobCancelledBeforeItBeganEndsUnreported() {
        JobRunner runner;
        LaneClient client(&runner, QStringLiteral("lane"));
        QSignalSpy unreported(&client, &LaneClient::endedUnreported);
        auto release = std::make_shared<std::atomic<bool>>(false);
        // The first job reports its outcome (posted to the GUI thread, before the runner ends it).
        const quint64 first = client.start(QStringLiteral("first"), [&client, release](JobControl& control) {
            while (!release->load()) QThread::msleep(1);
            control.post([&client, job = control.job()] { client.reported(job); });
        });
        bool ran = false;
        const quint64 queued = client.start(QStringLiteral("queued"), [&ran](JobControl&) { ran = true; });
        client.cancel(queued);
        QVERIFY(!client.isLive(queued));
        QVERIFY(client.isLive(first));
        release->store(true);
        QTRY_VERIFY(!client.isBusy());
        QVERIFY(!ran);
        QCOMPARE(unreported.count(), 1);
        QCOMPARE(unreported.first().at(0).toULongLong(), queued);
        QVERIFY(!client.isAwaited(first));
        QVERIFY(!client.isAwaited(queued));
    }

    void cancelAllThenRunsItsWorkAfterTheCancelledJobs() {
        JobRunner runner;
        LaneClient client(&runner, QStringLiteral("lane"));
        QSignalSpy unreported(&client, &LaneClient::endedUnreported);
        QSignalSpy succeeded(&runner, &JobRunner::succeeded);
        auto release = std::make_shared<std::atomic<bool>>(false);
        auto order = std::make_shared<QStringList>();
        auto began = std::make_shared<std::atomic<bool>>(false);
        const quint64 running = client.start(QStringLiteral("running"), [release, began, order](JobControl& control) {
            began->store(true);
            while (!release->load() && !control.isCancelled()) QThread::msleep(1);
            order->push_back(QStringLiteral("running"));
        });
        const quint64 queued = client.start(QStringLiteral("queued"),
                                            [order](JobControl&) { order->push_back(QStringLiteral("queued")); });
        QTRY_VERIFY(began->load());
        client.cancelAllThen(QStringLiteral("close"),
                             [order](JobControl&) { order->push_back(QStringLiteral("close")); });
        QVERIFY(!client.isLive(running));
        QVERIFY(!client.isLive(queued));
        QTRY_VERIFY(!client.isBusy());
        QCOMPARE(*order, (QStringList{QStringLiteral("running"), QStringLiteral("close")}));
        QCOMPARE(succeeded.count(), 1);  // the closing job; it is not one of the client's awaited jobs
        // Neither cancelled job reported: both end unreported; the closing job is not the client's.
        QCOMPARE(unreported.count(), 2);
    }
};

QTEST_MAIN(LaneClientTest)
#include "widgets_lane_client_test.moc"
