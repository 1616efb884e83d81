#include "widgets/convergence_plot.h"

#include <qcustomplot.h>

#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace niwt::gui {

namespace {
const QColor kTotalColor(0x1f, 0x77, 0xb4);
const QColor kCosineColor(0xd6, 0x27, 0x28);
const QColor kL2Color(0x2c, 0xa0, 0x2c);
const QColor kPreviousColor(150, 150, 150, 140);
}  // namespace

ConvergencePlot::ConvergencePlot(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("convergencePlot"));
    plot_ = new QCustomPlot(this);
    plot_->setObjectName(QStringLiteral("convergenceCustomPlot"));
    plot_->setMinimumSize(260, 180);
    plot_->xAxis->setLabel(tr("iteration (alpha2w) / step (mod2alpha)"));
    plot_->yAxis->setLabel(tr("loss (mean over the pool)"));
    plot_->legend->setVisible(true);
    QFont legendFont = font();
    legendFont.setPointSizeF(legendFont.pointSizeF() * 0.85);
    plot_->legend->setFont(legendFont);
    plot_->legend->setBrush(QColor(255, 255, 255, 210));  // curves stay visible behind it
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->setToolTip(tr("alpha2w loss: total = (1 − cos(importances)) + λ‖w − w̄‖²"));

    total_ = plot_->addGraph();
    cosine_ = plot_->addGraph();
    l2_ = plot_->addGraph();
    styleGraphs();

    stopLine_ = new QCPItemStraightLine(plot_);
    stopLine_->setPen(QPen(QColor(90, 90, 90), 1, Qt::DashLine));
    stopLine_->setVisible(false);
    stopLabel_ = new QCPItemText(plot_);
    stopLabel_->setPositionAlignment(Qt::AlignBottom | Qt::AlignRight);  // the legend is top right
    stopLabel_->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    stopLabel_->setVisible(false);
    refineLine_ = new QCPItemStraightLine(plot_);
    refineLine_->setPen(QPen(QColor(120, 60, 160), 1, Qt::DotLine));
    refineLine_->setVisible(false);
    refineLabel_ = new QCPItemText(plot_);
    refineLabel_->setText(tr("full space →"));
    refineLabel_->setColor(QColor(120, 60, 160));
    refineLabel_->setPositionAlignment(Qt::AlignTop | Qt::AlignLeft);
    refineLabel_->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    refineLabel_->setVisible(false);

    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("convergenceStatus"));
    setStatus(tr("No class learned yet: describe one in the composer and press Learn."));
    // One line, clipped when the dock is narrow (the tool tip has it all), so the plot keeps its height.
    status_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    auto* save = new QToolButton(this);
    save->setObjectName(QStringLiteral("convergenceSave"));
    save->setText(tr("Save…"));
    save->setToolTip(tr("Save the plot as PNG or PDF"));
    connect(save, &QToolButton::clicked, this, &ConvergencePlot::saveAs);
    auto* clear = new QToolButton(this);
    clear->setText(tr("Clear"));
    clear->setToolTip(tr("Forget the previous runs"));
    connect(clear, &QToolButton::clicked, this, &ConvergencePlot::clearRuns);

    auto* bar = new QHBoxLayout;
    bar->addWidget(status_, 1);
    bar->addWidget(clear);
    bar->addWidget(save);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(bar);
    layout->addWidget(plot_, 1);

    replotTimer_ = new QTimer(this);
    replotTimer_->setSingleShot(true);
    replotTimer_->setInterval(kReplotIntervalMs);
    connect(replotTimer_, &QTimer::timeout, this, &ConvergencePlot::replotNow);
}

void ConvergencePlot::setStatus(const QString& text) {
    status_->setText(text);
    status_->setToolTip(text);
}

void ConvergencePlot::styleGraphs() {
    // Short names, so that the legend leaves the curves visible in a small dock; the plot's tool
    // tip spells the loss out.
    total_->setName(tr("total"));
    total_->setPen(QPen(kTotalColor, 2));
    cosine_->setName(tr("1 − cos"));
    cosine_->setPen(QPen(kCosineColor, 1.5));
    l2_->setName(tr("λ‖w − w̄‖²"));
    l2_->setPen(QPen(kL2Color, 1.5));
}

void ConvergencePlot::keepCurrentAsPrevious() {
    if (current_.isEmpty()) return;
    // The finished run's total curve becomes a grey one; its other terms are dropped.
    QCPGraph* kept = plot_->addGraph();
    kept->data()->set(*total_->data());  // a copy: setData(ptr) would share the live container
    kept->setPen(QPen(kPreviousColor, 1));
    kept->setName(label_);
    kept->removeFromLegend();
    previous_.push_back(kept);
    while (previous_.size() > kMaxPreviousRuns) plot_->removeGraph(previous_.takeFirst());
}

void ConvergencePlot::beginRun(const QString& label) {
    keepCurrentAsPrevious();
    current_.clear();
    label_ = label;
    for (QCPGraph* g : {total_, cosine_, l2_}) g->data()->clear();
    stopLine_->setVisible(false);
    stopLabel_->setVisible(false);
    refineLine_->setVisible(false);
    refineLabel_->setVisible(false);
    running_ = true;
    setStatus(tr("Learning \"%1\"…").arg(label));
    scheduleReplot();
}

void ConvergencePlot::appendPoints(const QVector<LossPoint>& points) {
    if (points.isEmpty()) return;
    for (const LossPoint& p : points) {
        current_.push_back(p);
        total_->addData(p.iteration, p.total);
        cosine_->addData(p.iteration, p.cosine);
        // The weighted term, on the same scale as the others: total = (1 - cos) + lambda * l2,
        // and the unweighted L2 (hundreds) would flatten the curves that matter.
        l2_->addData(p.iteration, p.total - p.cosine);
    }
    const LossPoint& last = points.back();
    setStatus((refineLine_->visible() ? tr("Refining \"%1\" in the full weight space: iteration %2, loss %3")
                                      : tr("Learning \"%1\": iteration %2, loss %3"))
                  .arg(label_)
                  .arg(last.iteration)
                  .arg(last.total, 0, 'g', 5));
    scheduleReplot();
}

void ConvergencePlot::finishRun(bool converged) {
    running_ = false;
    if (current_.isEmpty()) {
        scheduleReplot();
        return;
    }
    const LossPoint& last = current_.back();
    stopLine_->point1->setCoords(last.iteration, 0);
    stopLine_->point2->setCoords(last.iteration, 1);
    stopLine_->setVisible(true);
    stopLabel_->position->setCoords(last.iteration, 0.97);
    stopLabel_->setText(converged ? tr("converged at %1").arg(last.iteration)
                                  : tr("stopped at %1 (limit)").arg(last.iteration));
    stopLabel_->setVisible(true);
    setStatus(tr("\"%1\": %2 after %3 iterations, loss %4")
                  .arg(label_, converged ? tr("converged") : tr("iteration limit reached"))
                  .arg(last.iteration)
                  .arg(last.total, 0, 'g', 5));
    scheduleReplot();
}

void ConvergencePlot::markRefinementStart() {
    if (!running_) return;
    const double at = current_.isEmpty() ? 0.0 : double(current_.back().iteration);
    refineLine_->point1->setCoords(at, 0);
    refineLine_->point2->setCoords(at, 1);
    refineLine_->setVisible(true);
    refineLabel_->position->setCoords(at, 0.03);
    refineLabel_->setVisible(true);
    setStatus(tr("\"%1\": span solution after %2 iterations; refining in the full weight space…").arg(label_).arg(at));
    scheduleReplot();
}

void ConvergencePlot::abortRun(const QString& why) {
    running_ = false;
    setStatus(tr("\"%1\": %2").arg(label_, why));
    scheduleReplot();
}

void ConvergencePlot::clearRuns() {
    for (QCPGraph* g : std::as_const(previous_)) plot_->removeGraph(g);
    previous_.clear();
    if (!running_) {
        current_.clear();
        for (QCPGraph* g : {total_, cosine_, l2_}) g->data()->clear();
        stopLine_->setVisible(false);
        stopLabel_->setVisible(false);
        refineLine_->setVisible(false);
        refineLabel_->setVisible(false);
    }
    scheduleReplot();
}

int ConvergencePlot::runCount() const { return int(previous_.size()) + (current_.isEmpty() && !running_ ? 0 : 1); }
int ConvergencePlot::pointCount() const { return int(current_.size()); }
bool ConvergencePlot::hasStopMarker() const { return stopLine_->visible(); }

double ConvergencePlot::stopIteration() const {
    return stopLine_->visible() ? stopLine_->point1->coords().x() : std::numeric_limits<double>::quiet_NaN();
}

double ConvergencePlot::refinementIteration() const {
    return refineLine_->visible() ? refineLine_->point1->coords().x() : std::numeric_limits<double>::quiet_NaN();
}

void ConvergencePlot::scheduleReplot() {
    dirty_ = true;
    if (!replotTimer_->isActive()) replotTimer_->start();
}

void ConvergencePlot::replotNow() {
    if (!dirty_) return;
    dirty_ = false;
    plot_->rescaleAxes();
    // Losses are >= 0: keep 0 in view, with a little head room above the largest value.
    const QCPRange y = plot_->yAxis->range();
    plot_->yAxis->setRange(std::min(0.0, y.lower), y.upper > 0 ? y.upper * 1.05 : 1.0);
    // Room right of the last iteration, so the stop marker does not sit on the frame.
    // The x range follows the current run: a short alpha2w run after mod2alpha's long curve would
    // otherwise be squeezed into a corner (earlier runs are clipped, their start stays in view).
    QCPRange x = plot_->xAxis->range();
    if (!current_.isEmpty()) x = QCPRange(1.0, double(current_.back().iteration));
    plot_->xAxis->setRange(std::min(x.lower, 1.0), std::max(x.upper + std::max(0.5, 0.04 * x.size()), 2.0));
    // The stop label sits beside its line on the side with room: a short run after a long one
    // (alpha2w after mod2alpha's curve) stops in the left half, where a label to the left is cut.
    if (stopLabel_->visible()) {
        const bool leftHalf = stopLine_->point1->coords().x() < plot_->xAxis->range().center();
        stopLabel_->setPositionAlignment(Qt::AlignBottom | (leftHalf ? Qt::AlignLeft : Qt::AlignRight));
    }
    // rpQueuedReplot: the paint happens in the next event-loop pass, coalesced with others.
    plot_->replot(QCustomPlot::rpQueuedReplot);
    ++replots_;
}

bool ConvergencePlot::savePng(const QString& file) {
    replotNow();
    return plot_->savePng(file, 0, 0, 2.0);
}

bool ConvergencePlot::savePdf(const QString& file) {
    replotNow();
    return plot_->savePdf(file);
}

void ConvergencePlot::saveAs() {
    auto* dialog =
        new QFileDialog(this, tr("Save Convergence Plot"), QString(), tr("PNG image (*.png);;PDF document (*.pdf)"));
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this, [this, dialog](const QString& chosen) {
        QString file = chosen;
        const bool pdf = dialog->selectedNameFilter().contains(QLatin1String("pdf")) ||
                         QFileInfo(file).suffix().compare(QLatin1String("pdf"), Qt::CaseInsensitive) == 0;
        if (QFileInfo(file).suffix().isEmpty()) file += pdf ? QStringLiteral(".pdf") : QStringLiteral(".png");
        const bool ok = pdf ? savePdf(file) : savePng(file);
        setStatus(ok ? tr("Saved %1").arg(file) : tr("Could not write %1").arg(file));
    });
    dialog->open();
}

}  // namespace niwt::gui
