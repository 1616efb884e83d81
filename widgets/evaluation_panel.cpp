#include "widgets/evaluation_panel.h"

#include "core/engine/cancelled.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <qcustomplot.h>
#include <cmath>
#include <cstdio>

namespace niwt::gui {

namespace {

QString percent(double value) { return std::isfinite(value) ? QString::number(value, 'f', 1) : QStringLiteral("–"); }

struct Outcome {
    std::optional<GzslEvaluation> evaluation;
    bool cancelled = false;
    QString error;
};

}  // namespace

// ---- results model -------------------------------------------------------------------------

void EvaluationResultsModel::setEvaluation(const GzslEvaluation& evaluation) {
    beginResetModel();
    rows_.clear();
    const auto add = [this](const QString& name, const MethodEvaluation& m) {
        if (!m.computed) return;
        rows_.push_back({name, m.scores, false, 0});
        if (!m.calibrated.computed) return;
        // The plain ZSL number: calibration does not change the unseen-only arg-max.
        GzslScores calibrated = m.calibrated.test;
        calibrated.zsl = m.scores.zsl;
        rows_.push_back({tr("%1, calibrated").arg(name), calibrated, true, m.calibrated.gamma});
    };
    add(QStringLiteral("NIWT"), evaluation.niwt);
    add(QStringLiteral("ESZSL"), evaluation.eszsl);
    endResetModel();
}

void EvaluationResultsModel::clear() {
    beginResetModel();
    rows_.clear();
    endResetModel();
}

int EvaluationResultsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(rows_.size());
}

int EvaluationResultsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant EvaluationResultsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rows_.size()) return {};
    const Row& row = rows_[index.row()];
    const double values[] = {0, row.scores.U, row.scores.S, row.scores.H, row.scores.zsl, row.gamma};
    if (role == Qt::DisplayRole) {
        if (index.column() == Method) return row.method;
        if (index.column() == Gamma) return row.calibrated ? QString::number(row.gamma, 'g', 3) : QStringLiteral("–");
        return percent(values[index.column()]);
    }
    if (role == Qt::UserRole && index.column() != Method)  // the raw number (sorting, tests)
        return values[index.column()];
    if (role == Qt::TextAlignmentRole && index.column() != Method) return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == Gamma && row.calibrated)
        return tr(
            "Calibrated stacking: gamma subtracted from the seen classes' scores, chosen on held-out seen "
            "classes (never on test labels)");
    return {};
}

QVariant EvaluationResultsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Method: return tr("Method");
    case U: return tr("U %");
    case S: return tr("S %");
    case H: return tr("H %");
    case Zsl: return tr("ZSL %");
    case Gamma: return tr("γ");
    default: return {};
    }
}

// ---- panel ---------------------------------------------------------------------------------

EvaluationPanel::EvaluationPanel(QWidget* parent) : QWidget(parent) {
    qRegisterMetaType<niwt::GzslEvaluation>();
    modalityBox_ = new QComboBox;
    modalityBox_->setToolTip(tr("The class descriptions both methods learn from"));
    niwtBox_ = new QCheckBox(tr("NIWT"));
    niwtBox_->setChecked(true);
    niwtBox_->setToolTip(tr("Learn the unseen classes with NIWT (the ESZSL baseline always runs)"));
    calibrationBox_ = new QCheckBox(tr("Calibrated stacking"));
    calibrationBox_->setChecked(true);
    runButton_ = new QPushButton(tr("Evaluate"));
    runButton_->setToolTip(tr("Generalized zero-shot evaluation on the data set's split"));
    cancelButton_ = new QPushButton(tr("Cancel"));
    saveButton_ = new QPushButton(tr("Save chart…"));
    status_ = new QLabel(tr("Open a data set with a split and a network to evaluate."));
    status_->setObjectName(QStringLiteral("evaluationStatus"));
    status_->setWordWrap(true);
    status_->setMinimumWidth(120);

    // Two short rows, so that the panel fits a narrow dock.
    auto* choices = new QHBoxLayout;
    choices->addWidget(new QLabel(tr("Modality:")));
    choices->addWidget(modalityBox_, 1);
    choices->addWidget(niwtBox_);
    choices->addWidget(calibrationBox_);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(runButton_);
    buttons->addWidget(cancelButton_);
    buttons->addStretch(1);
    buttons->addWidget(saveButton_);
    auto* controls = new QVBoxLayout;
    controls->addLayout(choices);
    controls->addLayout(buttons);

    model_ = new EvaluationResultsModel(this);
    table_ = new QTableView;
    table_->setModel(model_);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setMinimumHeight(60);

    plot_ = new QCustomPlot;
    plot_->setMinimumHeight(100);
    plot_->legend->setVisible(true);
    plot_->yAxis->setLabel(tr("per-class top-1 accuracy %"));
    plot_->yAxis->setRange(0, 100);

    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(table_);
    split->addWidget(plot_);
    split->setStretchFactor(1, 3);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(status_);
    layout->addWidget(split, 1);

    connect(runButton_, &QPushButton::clicked, this, &EvaluationPanel::run);
    connect(cancelButton_, &QPushButton::clicked, this, &EvaluationPanel::cancel);
    connect(saveButton_, &QPushButton::clicked, this, &EvaluationPanel::saveChartInteractively);
    updateButtons();
}

EvaluationPanel::~EvaluationPanel() {
    // The evaluation holds a copy of what it needs (the data set's shared pointer, strings); it
    // only has to stop: its result is posted through a guarded pointer and dropped.
    if (job_ && lane_) lane_->cancel(job_);
}

void EvaluationPanel::setContext(const EngineContext& context) {
    if (context != context_) {
        // Results of another data set, network or stage must never sit beside this one's name.
        cancel();
        ++generation_;  // a run still finishing belongs to the old context: its result is dropped
        last_.reset();
        model_->clear();
        plot_->clearPlottables();
        plot_->replot();
    }
    const bool sameDataset = context.dataset == context_.dataset;
    context_ = context;
    const QString previous = modalityBox_->currentText();
    modalityBox_->clear();
    if (context_.dataset)
        for (const Modality& m : context_.dataset->modalities) modalityBox_->addItem(QString::fromStdString(m.name));
    const int wanted = modalityBox_->findText(QString::fromStdString(context_.modality));
    const int keep = sameDataset ? modalityBox_->findText(previous) : -1;
    if (keep >= 0)
        modalityBox_->setCurrentIndex(keep);
    else if (wanted >= 0)
        modalityBox_->setCurrentIndex(wanted);
    const QString network = QString::fromStdString(networkName(context_.bundle));
    status_->setText(!context_.dataset ? tr("Open a data set to evaluate.")
                     : context_.bundle.empty()
                         ? tr("Waiting for a network: choose one with File > Open Network…")
                         : tr("Ready: %1 with %2, stage %3.")
                               .arg(QString::fromStdString(context_.dataset->spec), network,
                                    context_.stage.empty() ? tr("default") : QString::fromStdString(context_.stage)));
    updateButtons();
}

void EvaluationPanel::updateButtons() {
    const bool ready = context_.isComplete() && modalityBox_->count() > 0;
    runButton_->setEnabled(ready && !running_);
    cancelButton_->setEnabled(running_);
    saveButton_->setEnabled(last_.has_value() && !running_);
    modalityBox_->setEnabled(!running_);
}

void EvaluationPanel::run() {
    if (running_ || !context_.isComplete()) return;
    GzslEvaluationRequest request;
    request.context = context_;
    request.context.modality = modalityBox_->currentText().toStdString();
    request.options.niwt = niwtBox_->isChecked();
    request.options.calibration = calibrationBox_->isChecked();
    request.options.alpha2wSpace = alpha2wSpace_;

    running_ = true;
    updateButtons();
    status_->setText(tr("Evaluating…"));
    emit started();
    emit statusChanged(tr("Evaluating %1").arg(QString::fromStdString(context_.dataset->spec)));

    const auto finish = [this, generation = generation_](const Outcome& outcome) {
        lane()->reported(job_);
        running_ = false;
        job_ = 0;
        if (generation != generation_) {
            updateButtons();
            return;
        }
        if (outcome.evaluation) {
            last_ = outcome.evaluation;
            showEvaluation(*outcome.evaluation);
            emit finished(*outcome.evaluation);
        } else if (outcome.cancelled) {
            status_->setText(tr("Evaluation cancelled."));
            emit cancelled();
        } else {
            status_->setText(outcome.error);
            emit failed(outcome.error);
        }
        emit statusChanged(status_->text());
        updateButtons();
    };
    QPointer<EvaluationPanel> self(this);
    job_ = lane()->start(tr("Evaluating %1").arg(QString::fromStdString(context_.dataset->spec)),
                         [self, request, finish](JobControl& control) {
                             Outcome outcome;
                             try {
                                 outcome.evaluation =
                                     evaluateDataset(request, control.progressFunction(), control.cancelled());
                             } catch (const Cancelled&) {
                                 outcome.cancelled = true;
                             } catch (const std::exception& e) {
                                 if (control.isCancelled())
                                     outcome.cancelled = true;
                                 else
                                     outcome.error = QString::fromLocal8Bit(e.what());
                             }
                             control.post([self, finish, outcome] {
                                 if (self) finish(outcome);
                             });
                         });
}

LaneClient* EvaluationPanel::lane() {
    if (!lane_) setRunner(nullptr);
    return lane_.get();
}

void EvaluationPanel::setRunner(JobRunner* runner) {
    lane_ = std::make_unique<LaneClient>(runner, QStringLiteral("evaluation"));
    // The work reports its outcome before the runner ends the job; a job still unreported then was
    // cancelled before it started.
    connect(lane_.get(), &LaneClient::endedUnreported, this, [this](quint64 job) {
        if (job == 0 || job != job_) return;
        job_ = 0;
        running_ = false;
        status_->setText(tr("Evaluation cancelled."));
        emit cancelled();
        emit statusChanged(status_->text());
        updateButtons();
    });
}

void EvaluationPanel::cancel() {
    if (running_ && job_) {
        lane()->cancel(job_);
        status_->setText(tr("Cancelling…"));
    }
}

void EvaluationPanel::showEvaluation(const GzslEvaluation& e) {
    model_->setEvaluation(e);
    status_->setText(tr("%1 seen and %2 unseen classes, stage %3, %4, alpha2w in the %5 (%6 s).")
                         .arg(e.seenClasses)
                         .arg(e.unseenClasses)
                         .arg(QString::fromStdString(e.stage), QString::fromStdString(e.modality),
                              e.alpha2wMode == "full" ? tr("full weight space") : tr("span of the seen weights"))
                         .arg(e.totalSeconds, 0, 'f', 1));

    // Per-class bars, unseen classes first (what zero-shot learning is about), NIWT beside ESZSL.
    plot_->clearPlottables();
    const MethodEvaluation& reference = e.niwt.computed ? e.niwt : e.eszsl;
    std::vector<size_t> order;
    for (size_t i = 0; i < reference.perClass.size(); ++i)
        if (!reference.perClass[i].seen) order.push_back(i);
    for (size_t i = 0; i < reference.perClass.size(); ++i)
        if (reference.perClass[i].seen) order.push_back(i);
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (size_t k = 0; k < order.size(); ++k) {
        const auto& c = reference.perClass[order[k]];
        QString name = QString::fromStdString(context_.dataset && c.classIndex < int(context_.dataset->classes.size())
                                                  ? context_.dataset->classes[size_t(c.classIndex)].name
                                                  : std::to_string(c.classIndex));
        ticker->addTick(double(k), (c.seen ? QString() : QStringLiteral("★ ")) + name);
    }
    const double width = e.niwt.computed ? 0.4 : 0.8;
    const auto addBars = [&](const MethodEvaluation& m, const QString& name, const QColor& colour, double offset) {
        if (!m.computed) return;
        auto* bars = new QCPBars(plot_->xAxis, plot_->yAxis);
        bars->setName(name);
        bars->setWidth(width);
        bars->setPen(Qt::NoPen);
        bars->setBrush(colour);
        QVector<double> keys, values;
        for (size_t k = 0; k < order.size(); ++k) {
            keys << double(k) + offset;
            values << std::max(0.0, m.perClass[order[k]].accuracy);
        }
        bars->setData(keys, values, true);
    };
    addBars(e.niwt, QStringLiteral("NIWT"), QColor(0x2e, 0x86, 0xc1), e.eszsl.computed ? -0.2 : 0);
    addBars(e.eszsl, QStringLiteral("ESZSL"), QColor(0xe6, 0x7e, 0x22), e.niwt.computed ? 0.2 : 0);
    plot_->xAxis->setTicker(ticker);
    plot_->xAxis->setTickLabelRotation(60);
    plot_->xAxis->setRange(-0.7, double(order.size()) - 0.3);
    plot_->xAxis->setLabel(tr("class (★ unseen)"));
    plot_->replot();
}

bool EvaluationPanel::savePlot(const QString& path, QString* error) {
    // QCustomPlot writes the file itself: write beside it, then rename, so an old file survives a failure.
    const QFileInfo info(path);
    const QString temporary =
        info.dir().filePath(QStringLiteral(".%1.part.%2").arg(info.completeBaseName(), info.suffix()));
    QFile::remove(temporary);
    const bool pdf = info.suffix().compare(QStringLiteral("pdf"), Qt::CaseInsensitive) == 0;
    const bool written = pdf ? plot_->savePdf(temporary) : plot_->savePng(temporary, 0, 0, 1.0, -1, 96);
    // rename(2) replaces the old file in one step (QFile::rename refuses an existing target).
    if (!written || std::rename(QFile::encodeName(temporary).constData(), QFile::encodeName(path).constData()) != 0) {
        QFile::remove(temporary);
        if (error) *error = tr("%1: could not write the chart").arg(path);
        return false;
    }
    return true;
}

void EvaluationPanel::saveChartInteractively() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save chart"), QStringLiteral("per-class-accuracy.png"),
                                                      tr("PNG image (*.png);;PDF document (*.pdf)"));
    if (path.isEmpty()) return;
    QString error;
    if (!savePlot(path, &error)) emit failed(error);
}

}  // namespace niwt::gui
