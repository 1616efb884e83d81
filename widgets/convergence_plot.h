#pragma once
// Live convergence curves of alpha2w (NIWT step 4): the loss terms per iteration (1 - cos, the
// L2 term weighted by lambda, and their total), appended as the worker reports them. Replots are
// throttled by a timer (at most one per kReplotIntervalMs, and only when something changed), so a
// fast optimiser never stalls the GUI. The stopping point of a finished run is marked; earlier
// runs stay on the plot in grey for comparison (their total loss only; the last
// kMaxPreviousRuns). In the full weight space a run has two parts, the span solution's steps and
// the refinement's (numbered after them): a dotted line marks where the refinement begins.
// Save as PNG or PDF.
#include "widgets/session_worker.h"

#include <QString>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;
class QLabel;
class QTimer;

namespace niwt::gui {

class ConvergencePlot : public QWidget {
    Q_OBJECT
public:
    static constexpr int kReplotIntervalMs = 100;
    static constexpr int kMaxPreviousRuns = 5;

    explicit ConvergencePlot(QWidget* parent = nullptr);

    // Starts a new run (the current one, if any, is kept as a previous run).
    void beginRun(const QString& label);
    void appendPoints(const QVector<LossPoint>& points);
    // Marks the stopping point at the last appended iteration.
    void finishRun(bool converged);
    // The current run's span solution is done: the points that follow are its refinement in the
    // full weight space (marked at the last appended iteration). Ignored when not running.
    void markRefinementStart();
    // The current run ended without a result (cancelled or failed): kept, marked as such.
    void abortRun(const QString& why);
    void clearRuns();

    // For tests and status lines.
    int runCount() const;    // previous + current
    int pointCount() const;  // points of the current run
    bool isRunning() const { return running_; }
    int replotCount() const { return replots_; }
    bool hasStopMarker() const;
    double stopIteration() const;        // x of the stop marker, NaN when none
    double refinementIteration() const;  // x of the refinement marker, NaN when none
    QVector<LossPoint> currentPoints() const { return current_; }
    QCustomPlot* plot() const { return plot_; }
    QCPGraph* totalGraph() const { return total_; }
    QCPGraph* cosineGraph() const { return cosine_; }
    QCPGraph* l2Graph() const { return l2_; }
    QList<QCPGraph*> previousGraphs() const { return previous_; }

    bool savePng(const QString& file);
    bool savePdf(const QString& file);

public slots:
    void saveAs();  // asks for a file name (non-blocking dialog)

private:
    void scheduleReplot();
    void replotNow();
    void keepCurrentAsPrevious();
    void styleGraphs();
    void setStatus(const QString& text);

    QCustomPlot* plot_ = nullptr;
    QLabel* status_ = nullptr;
    QTimer* replotTimer_ = nullptr;
    QCPGraph* total_ = nullptr;
    QCPGraph* cosine_ = nullptr;
    QCPGraph* l2_ = nullptr;
    QList<QCPGraph*> previous_;
    QCPItemStraightLine* stopLine_ = nullptr;
    QCPItemText* stopLabel_ = nullptr;
    QCPItemStraightLine* refineLine_ = nullptr;
    QCPItemText* refineLabel_ = nullptr;
    QVector<LossPoint> current_;
    QString label_;
    bool running_ = false;
    bool dirty_ = false;
    int replots_ = 0;
};

}  // namespace niwt::gui
