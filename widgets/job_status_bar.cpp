#include "widgets/job_status_bar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QToolButton>

#include <algorithm>

namespace niwt::gui {

namespace {
constexpr int kBarSteps = 1000;    // the bar's resolution
constexpr int kBarMinWidth = 420;  // wide enough for "phase done/total · rate · time left"
}  // namespace

JobStatusBar::JobStatusBar(JobRunner* runner, QWidget* parent) : QWidget(parent), runner_(runner) {
    label_ = new QLabel(tr("Ready"), this);
    label_->setObjectName(QStringLiteral("jobLabel"));
    label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Long messages (paths) are elided by the layout, never widen the window.
    label_->setMinimumWidth(0);
    label_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    bar_ = new QProgressBar(this);
    bar_->setObjectName(QStringLiteral("jobProgress"));
    bar_->setMinimumWidth(kBarMinWidth);
    bar_->setMaximumHeight(fontMetrics().height() + 6);
    bar_->setTextVisible(true);
    bar_->hide();
    cancel_ = new QToolButton(this);
    cancel_->setObjectName(QStringLiteral("jobCancel"));
    cancel_->setText(tr("Cancel"));
    cancel_->setToolTip(tr("Stop the running job (Ctrl+.)"));
    cancel_->hide();
    connect(cancel_, &QToolButton::clicked, this, &JobStatusBar::cancelRequested);

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(label_, 1);
    layout->addWidget(bar_);
    layout->addWidget(cancel_);

    connect(runner_, &JobRunner::progress, this, &JobStatusBar::onProgress);
    connect(runner_, &JobRunner::started, this, [this](quint64 job, const QString&, const QString& title) {
        if (job == runner_->currentJob()) showProgress(0, 0, title);
    });
    connect(runner_, &JobRunner::busyChanged, this, [this] { hideWhenIdle(); });
}

void JobStatusBar::setText(const QString& text, const QString& toolTip) {
    label_->setText(text);
    label_->setToolTip(toolTip.isEmpty() ? text : toolTip);
}

QString JobStatusBar::text() const { return label_->text(); }

void JobStatusBar::onProgress(quint64 job, const JobProgress& progress) {
    // The bar follows the newest running job; its text has the phase, done/total, rate and time left.
    if (job != runner_->currentJob()) return;
    const QString title = runner_->title(job);
    showProgress(progress.done, progress.total,
                 title.isEmpty() ? progress.text : tr("%1: %2").arg(title, progress.text));
}

void JobStatusBar::showProgress(int done, int total, const QString& format) {
    if (total <= 0) {
        bar_->setRange(0, 0);  // busy
    } else {
        bar_->setRange(0, kBarSteps);
        bar_->setValue(int(qint64(std::clamp(done, 0, total)) * kBarSteps / total));
    }
    bar_->setFormat(format);
    bar_->show();
    cancel_->show();
    cancel_->setEnabled(true);
}

void JobStatusBar::hideWhenIdle() {
    if (runner_->isBusy()) return;
    bar_->hide();
    cancel_->hide();
}

void JobStatusBar::setCancelling() { cancel_->setEnabled(false); }

}  // namespace niwt::gui
