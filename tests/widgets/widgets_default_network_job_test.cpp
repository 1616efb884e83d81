// DefaultNetworkJob runs ensureDefaultNetwork on a worker thread. A stand-in function (same
// signature) checks, in milliseconds instead of minutes: progress and the result arrive on the
// GUI thread, cancel() stops the work through its `cancelled` callback, errors arrive as
// messages, and deleting a running job waits for its thread.
#include "core/engine/cancelled.h"
#include "widgets/default_network_job.h"

#include <QSignalSpy>
#include <QThread>
#include <QtTest>

#include <atomic>
#include <stdexcept>

using niwt::gui::DefaultNetworkJob;

namespace {
std::shared_ptr<const niwt::Dataset> someDataset() {
    auto d = std::make_shared<niwt::Dataset>();
    d->kind = "fashion-mnist";
    return d;
}

// Reports `batches` batches of one epoch, then succeeds; honours cancellation between batches.
niwt::gui::DefaultNetworkFunction fakeTraining(int batches, int msPerBatch, std::atomic<bool>* sawCancel = nullptr,
                                               Qt::HANDLE* workerThread = nullptr) {
    return [=](const niwt::Dataset&, const niwt::DefaultNetworkOptions& options,
               const std::function<void(const niwt::NetworkTrainingProgress&)>& progress,
               const std::function<bool()>& cancelled) {
        if (workerThread) *workerThread = QThread::currentThreadId();
        for (int b = 1; b <= batches; ++b) {
            if (cancelled()) {
                if (sawCancel) *sawCancel = true;
                throw niwt::Cancelled();
            }
            QThread::msleep(msPerBatch);
            niwt::NetworkTrainingProgress p;
            p.epoch = 1;
            p.epochs = options.epochs;
            p.batch = b;
            p.batches = batches;
            p.loss = 1.0 / b;
            p.accuracy = 0.5;
            progress(p);
        }
        niwt::DefaultNetworkResult result;
        result.bundleDir = "/cache/default-network";
        result.trainedNow = true;
        result.seenTestAccuracy = 0.875;
        return result;
    };
}
}  // namespace

class DefaultNetworkJobTest : public QObject {
    Q_OBJECT

private slots:
    void succeedsOffTheGuiThreadWithProgress() {
        // The work runs on another thread; progress (at least the last batch) and the result
        // arrive here; finished follows; the job is idle again.
        DefaultNetworkJob job;
        Qt::HANDLE workerThread = nullptr;
        job.setFunction(fakeTraining(5, 5, nullptr, &workerThread));
        QSignalSpy progress(&job, &DefaultNetworkJob::progress);
        QSignalSpy succeeded(&job, &DefaultNetworkJob::succeeded);
        QSignalSpy finished(&job, &DefaultNetworkJob::finished);
        QVERIFY(job.start(someDataset(), {}));
        QVERIFY(job.isRunning());
        QTRY_COMPARE(finished.count(), 1);
        QCOMPARE(succeeded.count(), 1);
        QVERIFY(!job.isRunning());
        QVERIFY(workerThread != QThread::currentThreadId());
        QVERIFY(progress.count() >= 1);
        const auto last = progress.last().at(0).value<niwt::NetworkTrainingProgress>();
        QCOMPARE(last.batch, 5);  // the last batch of an epoch is always reported
        const auto result = succeeded.first().at(0).value<niwt::DefaultNetworkResult>();
        QCOMPARE(result.seenTestAccuracy, 0.875);
        QCOMPARE(result.bundleDir, std::string("/cache/default-network"));
    }

    void cancelStopsBetweenBatches() {
        // cancel() -> requestInterruption -> the function's `cancelled` returns true -> Cancelled.
        DefaultNetworkJob job;
        std::atomic<bool> sawCancel{false};
        job.setFunction(fakeTraining(100000, 2, &sawCancel));
        QSignalSpy cancelled(&job, &DefaultNetworkJob::cancelled);
        QSignalSpy succeeded(&job, &DefaultNetworkJob::succeeded);
        QVERIFY(job.start(someDataset(), {}));
        QTest::qWait(30);
        job.cancel();
        QTRY_COMPARE(cancelled.count(), 1);
        QVERIFY(sawCancel);
        QCOMPARE(succeeded.count(), 0);
        QVERIFY(!job.isRunning());
    }

    void errorsArriveAsMessages() {
        DefaultNetworkJob job;
        job.setFunction([](const niwt::Dataset&, const niwt::DefaultNetworkOptions&,
                           const std::function<void(const niwt::NetworkTrainingProgress&)>&,
                           const std::function<bool()>&) -> niwt::DefaultNetworkResult {
            throw std::runtime_error("cache dir /x: permission denied");
        });
        QSignalSpy failed(&job, &DefaultNetworkJob::failed);
        QVERIFY(job.start(someDataset(), {}));
        QTRY_COMPARE(failed.count(), 1);
        QCOMPARE(failed.first().at(0).toString(), QStringLiteral("cache dir /x: permission denied"));
    }

    void oneJobAtATime() {
        DefaultNetworkJob job;
        job.setFunction(fakeTraining(100000, 2));
        QVERIFY(job.start(someDataset(), {}));
        QVERIFY(!job.start(someDataset(), {}));
        job.cancel();
        QTRY_VERIFY(!job.isRunning());
    }

    void deletingARunningJobCancelsAndWaits() {
        // Closing the window mid-training must not leave a thread running on freed objects.
        std::atomic<bool> sawCancel{false};
        {
            DefaultNetworkJob job;
            job.setFunction(fakeTraining(100000, 2, &sawCancel));
            QVERIFY(job.start(someDataset(), {}));
            QTest::qWait(20);
        }
        QVERIFY(sawCancel);
    }
};

QTEST_GUILESS_MAIN(DefaultNetworkJobTest)
#include "widgets_default_network_job_test.moc"
