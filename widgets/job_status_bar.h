#pragma once
// The status bar's job area: a line of text (what the window is doing or has done), and while
// the JobRunner is busy a progress bar following its newest job (phase, done/total, rate, time
// left: widgets/job_runner.h) with a Cancel button. One per main window.
#include "widgets/job_runner.h"

#include <QWidget>

class QLabel;
class QProgressBar;
class QToolButton;

namespace niwt::gui {

class JobStatusBar : public QWidget {
    Q_OBJECT
public:
    explicit JobStatusBar(JobRunner* runner, QWidget* parent = nullptr);

    void setText(const QString& text, const QString& toolTip = {});
    QString text() const;
    // Shows the bar: `done` of `total` (total <= 0: busy) with `format` as its text.
    void showProgress(int done, int total, const QString& format);
    // Hides the bar and the Cancel button once the runner is idle.
    void hideWhenIdle();
    // Cancel pressed: disabled until the next job shows.
    void setCancelling();

signals:
    void cancelRequested();

private:
    void onProgress(quint64 job, const JobProgress& progress);

    JobRunner* runner_;
    QLabel* label_ = nullptr;
    QProgressBar* bar_ = nullptr;
    QToolButton* cancel_ = nullptr;
};

}  // namespace niwt::gui
