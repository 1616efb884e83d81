#include "widgets/evaluation_panel.h"

#include "core/engine/cancelled.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>
#include <cstdio>
#include <qcustomplot.h>

namespace niwt::gui {

namespace {

QString percent(double value) {
    return std::isfinite(value) ? QString::number(value, 'f', 1) : QStringLiteral("–");
}

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
        if (!m.computed)
            return;
        rows_.push_back({name, m.scores, false, 0});
        if (!m.calibrated.computed)
            return;
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

int EvaluationResultsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }

int EvaluationResultsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant EvaluationResultsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rows_.size())
        return {};
    const Row& row = rows_[index.row()];
    const double values[] = {0, row.scores.U, row.scores.S, row.scores.H, row.scores.zsl, row.gamma};
    if (role == Qt::DisplayRole) {
        if (index.column() == Method)
            return row.method;
        if (index.column() == Gamma)
            return row.calibrated ? QString::number(row.gamma, 'g', 3) : QStringLiteral("–");
        return percent(values[index.column()]);
    }
    if (role == Qt::UserRole && index.column() != Method)  // the raw number (sorting, tests)
        return values[index.column()];
    if (role == Qt::TextAlignmentRole && index.column() != Method)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == Gamma && row.calibrated)
        return tr("Calibrated stacking: gamma subtracted from the seen classes' scores, chosen on held-out seen "
                  "classes (never on test labels)");
    return {};
}

QVariant EvaluationResultsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
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
    // only has to stop: the watcher, a child, is gone before its result could reach this panel.
    if (cancelFlag_)
        cancelFlag_->store(true);
}

void EvaluationPanel::setContext(std::shared_ptr<const Dataset> dataset, const QString& bundle, const QString& stage,
                                 const QString& cacheDir) {
    dataset_ = std::move(dataset);
    bundle_ = bundle;
    stage_ = stage;
    cacheDir_ = cacheDir;
    const QString previous = modalityBox_->currentText();
    modalityBox_->clear();
    if (dataset_)
        for (const Modality& m : dataset_->modalities)
            modalityBox_->addItem(QString::fromStdString(m.name));
    const int keep = modalityBox_->findText(previous);
    if (keep >= 0)
        modalityBox_->setCurrentIndex(keep);
    status_->setText(!dataset_ ? tr("Open a data set to evaluate.")
                     : bundle_.isEmpty() ? tr("Waiting for a network (open one with --bundle, or let the default one train).")
                                         : tr("Ready: %1 with %2.").arg(QString::fromStdString(dataset_->spec),
                                                                        QFileInfo(bundle_).fileName()));
    updateButtons();
}

void EvaluationPanel::updateButtons() {
    const bool ready = dataset_ && !bundle_.isEmpty() && modalityBox_->count() > 0;
    runButton_->setEnabled(ready && !running_);
    cancelButton_->setEnabled(running_);
    saveButton_->setEnabled(last_.has_value() && !running_);
    modalityBox_->setEnabled(!running_);
}

void EvaluationPanel::run() {
    if (running_ || !dataset_ || bundle_.isEmpty())
        return;
    GzslEvaluationRequest request;
    request.dataset = dataset_;
    request.bundle = bundle_.toStdString();
    request.stage = stage_.toStdString();
    request.modality = modalityBox_->currentText().toStdString();
    request.device = device_.toStdString();
    request.cacheDir = cacheDir_.toStdString();
    request.options.niwt = niwtBox_->isChecked();
    request.options.calibration = calibrationBox_->isChecked();

    running_ = true;
    cancelFlag_ = std::make_shared<std::atomic<bool>>(false);
    updateButtons();
    status_->setText(tr("Evaluating…"));
    emit started();
    emit statusChanged(tr("Evaluating %1").arg(QString::fromStdString(dataset_->spec)));

    auto* watcher = new QFutureWatcher<Outcome>(this);
    connect(watcher, &QFutureWatcher<Outcome>::finished, this, [this, watcher] {
        const Outcome outcome = watcher->result();
        watcher->deleteLater();
        running_ = false;
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
    });
    const auto flag = cancelFlag_;
    watcher->setFuture(QtConcurrent::run([request, flag]() -> Outcome {
        Outcome outcome;
        try {
            outcome.evaluation = evaluateDataset(request, {}, [flag] { return flag->load(); });
        } catch (const Cancelled&) {
            outcome.cancelled = true;
        } catch (const std::exception& e) {
            outcome.error = QString::fromLocal8Bit(e.what());
        } catch (...) {
            outcome.error = QObject::tr("evaluation failed with an unknown error");
        }
        return outcome;
    }));
}

void EvaluationPanel::cancel() {
    if (running_ && cancelFlag_) {
        cancelFlag_->store(true);
        status_->setText(tr("Cancelling…"));
    }
}

void EvaluationPanel::showEvaluation(const GzslEvaluation& e) {
    model_->setEvaluation(e);
    status_->setText(tr("%1 seen and %2 unseen classes, stage %3, %4 (%5 s).")
                         .arg(e.seenClasses)
                         .arg(e.unseenClasses)
                         .arg(QString::fromStdString(e.stage), QString::fromStdString(e.modality))
                         .arg(e.totalSeconds, 0, 'f', 1));

    // Per-class bars, unseen classes first (what zero-shot learning is about), NIWT beside ESZSL.
    plot_->clearPlottables();
    const MethodEvaluation& reference = e.niwt.computed ? e.niwt : e.eszsl;
    std::vector<size_t> order;
    for (size_t i = 0; i < reference.perClass.size(); ++i)
        if (!reference.perClass[i].seen)
            order.push_back(i);
    for (size_t i = 0; i < reference.perClass.size(); ++i)
        if (reference.perClass[i].seen)
            order.push_back(i);
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (size_t k = 0; k < order.size(); ++k) {
        const auto& c = reference.perClass[order[k]];
        QString name = QString::fromStdString(dataset_ && c.classIndex < int(dataset_->classes.size())
                                                  ? dataset_->classes[size_t(c.classIndex)].name
                                                  : std::to_string(c.classIndex));
        ticker->addTick(double(k), (c.seen ? QString() : QStringLiteral("★ ")) + name);
    }
    const double width = e.niwt.computed ? 0.4 : 0.8;
    const auto addBars = [&](const MethodEvaluation& m, const QString& name, const QColor& colour, double offset) {
        if (!m.computed)
            return;
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
    const QString temporary = info.dir().filePath(QStringLiteral(".%1.part.%2").arg(info.completeBaseName(), info.suffix()));
    QFile::remove(temporary);
    const bool pdf = info.suffix().compare(QStringLiteral("pdf"), Qt::CaseInsensitive) == 0;
    const bool written = pdf ? plot_->savePdf(temporary) : plot_->savePng(temporary, 0, 0, 1.0, -1, 96);
    // rename(2) replaces the old file in one step (QFile::rename refuses an existing target).
    if (!written || std::rename(QFile::encodeName(temporary).constData(), QFile::encodeName(path).constData()) != 0) {
        QFile::remove(temporary);
        if (error)
            *error = tr("%1: could not write the chart").arg(path);
        return false;
    }
    return true;
}

void EvaluationPanel::saveChartInteractively() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save chart"), QStringLiteral("per-class-accuracy.png"),
                                                      tr("PNG image (*.png);;PDF document (*.pdf)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!savePlot(path, &error))
        emit failed(error);
}

}  // namespace niwt::gui
