#pragma once
// A class's profile in one modality (e.g. its attribute vector) as a horizontal QCustomPlot bar
// chart: the top-N dimensions by value, largest on top, labelled with the dimension names.
#include "core/data/dataset.h"

#include <QStringList>
#include <QWidget>

#include <memory>
#include <vector>

class QCustomPlot;
class QCPTextElement;
class QComboBox;
class QLabel;
class QSpinBox;
class QStackedWidget;

namespace niwt::gui {

// Indices of the `count` largest finite values, largest first (ties: lower index first).
std::vector<int> topDimensions(const float* values, int dims, int count);

class AttributeProfileWidget : public QWidget {
    Q_OBJECT
public:
    explicit AttributeProfileWidget(QWidget* parent = nullptr);

    void setDataset(std::shared_ptr<const Dataset> dataset);
    void setClassIndex(int classIndex);  // -1: nothing to show
    int classIndex() const { return classIndex_; }
    // Chooses a modality by name (ignored when the data set has none of that name).
    void setModalityName(const QString& name);
    QString modalityName() const;
    void setTopCount(int count);
    int topCount() const;

    QCustomPlot* plot() const { return plot_; }
    // What the chart shows, top bar first (for tests and tool tips).
    QStringList shownDimensionNames() const { return shownNames_; }
    std::vector<double> shownValues() const { return shownValues_; }

signals:
    void modalityChanged(const QString& name);

protected:
    void changeEvent(QEvent* event) override;

private:
    void rebuild();
    void applyPalette();
    void showMessage(const QString& text);

    std::shared_ptr<const Dataset> dataset_;
    int classIndex_ = -1;
    QComboBox* modalityBox_ = nullptr;
    QSpinBox* topBox_ = nullptr;
    QStackedWidget* stack_ = nullptr;
    QLabel* message_ = nullptr;
    QCustomPlot* plot_ = nullptr;
    QCPTextElement* title_ = nullptr;
    QCPTextElement* subtitle_ = nullptr;
    QStringList shownNames_;
    std::vector<double> shownValues_;
};

}  // namespace niwt::gui
