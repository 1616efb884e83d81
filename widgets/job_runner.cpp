#include "widgets/job_runner.h"

#include "core/engine/cancelled.h"

#include <QThread>

#include <chrono>
#include <exception>

namespace niwt::gui {

namespace {
enum Outcome { Succeeded, Cancelled, Failed };
}  // namespace

JobControl::JobControl(JobRunner* runner, quint64 job, CancelFlag flag)
    : runner_(runner), job_(job), flag_(std::move(flag)),
      meter_(std::chrono::milliseconds(JobRunner::kProgressIntervalMs)) {}

void JobControl::progress(const std::string& phase, int done, int total) {
    const std::optional<ProgressReport> report = meter_.update(phase, done, total);
    if (!report || isCancelled()) return;
    JobProgress p;
    p.phase = QString::fromStdString(report->phase);
    p.done = report->done;
    p.total = report->total;
    p.perSecond = report->perSecond;
    p.secondsLeft = report->secondsLeft;
    p.text = QString::fromStdString(report->text());
    QMetaObject::invokeMethod(
        runner_, [runner = runner_, job = job_, p] { emit runner->progress(job, p); }, Qt::QueuedConnection);
}

void JobControl::post(std::function<void()> onGuiThread) const {
    QMetaObject::invokeMethod(runner_, std::move(onGuiThread), Qt::QueuedConnection);
}

JobRunner::JobRunner(QObject* parent) : QObject(parent) { qRegisterMetaType<niwt::gui::JobProgress>(); }

JobRunner::~JobRunner() {
    cancelAll();
    for (QThread* thread : std::as_const(threads_)) {
        thread->quit();
        thread->wait();
    }
    for (QObject* context : std::as_const(contexts_)) delete context;
    qDeleteAll(threads_);
}

QObject* JobRunner::laneContext(const QString& lane) {
    if (QObject* context = contexts_.value(lane)) return context;
    auto* thread = new QThread;
    thread->setObjectName(QStringLiteral("job-") + lane);
    auto* context = new QObject;
    context->moveToThread(thread);
    thread->start();
    threads_.insert(lane, thread);
    contexts_.insert(lane, context);
    return context;
}

quint64 JobRunner::start(const QString& lane, const QString& title, Work work) {
    const quint64 job = ++lastJob_;
    auto flag = std::make_shared<std::atomic<bool>>(false);
    jobs_.insert(job, Job{lane, title, flag, false});
    if (jobs_.size() == 1) emit busyChanged(true);
    QMetaObject::invokeMethod(
        laneContext(lane), [this, job, work = std::move(work), flag] { run(job, work, flag); }, Qt::QueuedConnection);
    return job;
}

void JobRunner::run(quint64 job, const Work& work, const CancelFlag& flag) {
    // On the lane's thread. Everything back to the GUI thread is queued, so it arrives in order.
    const auto report = [this, job](int outcome, const QString& message) {
        QMetaObject::invokeMethod(
            this, [this, job, outcome, message] { end(job, outcome, message); }, Qt::QueuedConnection);
    };
    if (flag->load()) {  // cancelled while queued: never started
        report(Cancelled, {});
        return;
    }
    QMetaObject::invokeMethod(
        this,
        [this, job] {
            auto it = jobs_.find(job);
            if (it == jobs_.end()) return;
            it->begun = true;
            emit started(job, it->lane, it->title);
        },
        Qt::QueuedConnection);
    JobControl control(this, job, flag);
    try {
        work(control);
        report(flag->load() ? Cancelled : Succeeded, {});
    } catch (const niwt::Cancelled&) {
        report(Cancelled, {});
    } catch (const std::exception& e) {
        // A cancel that surfaced as another error is still a cancel to the user.
        report(flag->load() ? Cancelled : Failed, QString::fromLocal8Bit(e.what()));
    } catch (...) {
        report(flag->load() ? Cancelled : Failed, tr("unknown error in a background job"));
    }
}

void JobRunner::end(quint64 job, int outcome, const QString& message) {
    if (!jobs_.remove(job)) return;
    switch (outcome) {
    case Succeeded: emit succeeded(job); break;
    case Cancelled: emit cancelled(job); break;
    default: emit failed(job, message); break;
    }
    emit finished(job);
    if (jobs_.isEmpty()) emit busyChanged(false);
}

void JobRunner::cancel(quint64 job) {
    if (const auto it = jobs_.constFind(job); it != jobs_.constEnd()) it->flag->store(true);
}

void JobRunner::cancelLane(const QString& lane) {
    for (const Job& job : std::as_const(jobs_))
        if (job.lane == lane) job.flag->store(true);
}

void JobRunner::cancelAll() {
    for (const Job& job : std::as_const(jobs_)) job.flag->store(true);
}

bool JobRunner::isLaneBusy(const QString& lane) const {
    for (const Job& job : jobs_)
        if (job.lane == lane) return true;
    return false;
}

bool JobRunner::isCancelled(quint64 job) const {
    const auto it = jobs_.constFind(job);
    return it != jobs_.constEnd() && it->flag->load();
}

void JobRunner::waitForLane(const QString& lane) {
    if (QObject* context = contexts_.value(lane))
        QMetaObject::invokeMethod(
            context, [] {}, Qt::BlockingQueuedConnection);
}

quint64 JobRunner::currentJob() const {
    quint64 newest = 0;
    for (auto it = jobs_.constBegin(); it != jobs_.constEnd(); ++it)
        if (it->begun && it.key() > newest) newest = it.key();
    return newest;
}

}  // namespace niwt::gui
