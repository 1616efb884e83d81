#pragma once
// The Evaluation panel: runs the generalized zero-shot evaluation (NIWT and the ESZSL baseline,
// core/pipeline/gzsl_evaluation.h) off the GUI thread, and shows a results table (U, S, H, ZSL,
// plain and calibrated) and a per-class accuracy bar chart (QCustomPlot; saved as PNG or PDF).
#include "core/data/dataset.h"
#include "core/pipeline/gzsl_evaluation.h"
#include "widgets/job_runner.h"
#include "widgets/lane_client.h"

#include <QAbstractTableModel>
#include <QWidget>

#include <atomic>
#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QLabel;
class QPushButton;
class QTableView;

namespace niwt::gui {

// One row per method and variant: NIWT, NIWT calibrated, ESZSL, ESZSL calibrated (rows whose
// numbers were not computed are left out). Columns: method, U, S, H, ZSL, gamma.
class EvaluationResultsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Method, U, S, H, Zsl, Gamma, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;

    void setEvaluation(const GzslEvaluation& evaluation);
    void clear();

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row {
        QString method;
        GzslScores scores;
        bool calibrated = false;
        double gamma = 0;
    };
    QList<Row> rows_;
};

class EvaluationPanel : public QWidget {
    Q_OBJECT
public:
    explicit EvaluationPanel(QWidget* parent = nullptr);
    ~EvaluationPanel() override;  // cancels a running evaluation and waits for it

    // What to evaluate: the engine context (its data set's modalities fill the modality box, its
    // modality is chosen first). Another context cancels a running evaluation and clears the
    // results shown: they belonged to the old one. No bundle: the panel waits for a network.
    void setContext(const EngineContext& context);
    const EngineContext& context() const { return context_; }
    // Evaluations run in the "evaluation" lane of `runner` (the window's); without one, the panel
    // makes its own. Call before the first run.
    void setRunner(JobRunner* runner);
    // alpha2w's search space for NIWT's runs (Edit > Preferences); the next run uses it.
    void setAlpha2wSpace(Alpha2WSpace space) { alpha2wSpace_ = space; }
    Alpha2WSpace alpha2wSpace() const { return alpha2wSpace_; }

    bool isRunning() const { return running_; }
    EvaluationResultsModel* resultsModel() const { return model_; }
    QCustomPlot* plot() const { return plot_; }
    std::optional<GzslEvaluation> lastEvaluation() const { return last_; }
    // Writes the chart (PNG or PDF by the suffix) through a temporary file renamed into place.
    bool savePlot(const QString& path, QString* error = nullptr);

public slots:
    void run();
    void cancel();

signals:
    void started();
    void finished(const niwt::GzslEvaluation& evaluation);
    void cancelled();
    void failed(const QString& message);
    void statusChanged(const QString& text);

private:
    void updateButtons();
    void showEvaluation(const GzslEvaluation& evaluation);
    void saveChartInteractively();

    EngineContext context_;
    Alpha2WSpace alpha2wSpace_ = kDefaultAlpha2WSpace;
    int generation_ = 0;  // bumped when the context changes
    bool running_ = false;
    LaneClient* lane();
    std::unique_ptr<LaneClient> lane_;  // the "evaluation" lane of the window's runner (or its own)
    quint64 job_ = 0;                   // the running evaluation
    std::optional<GzslEvaluation> last_;

    QComboBox* modalityBox_ = nullptr;
    QCheckBox* niwtBox_ = nullptr;
    QCheckBox* calibrationBox_ = nullptr;
    QPushButton* runButton_ = nullptr;
    QPushButton* cancelButton_ = nullptr;
    QPushButton* saveButton_ = nullptr;
    QLabel* status_ = nullptr;
    QTableView* table_ = nullptr;
    EvaluationResultsModel* model_ = nullptr;
    QCustomPlot* plot_ = nullptr;
};

}  // namespace niwt::gui

Q_DECLARE_METATYPE(niwt::GzslEvaluation)
