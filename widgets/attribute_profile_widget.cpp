#include "widgets/attribute_profile_widget.h"

#include "widgets/class_list_model.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace niwt::gui {

std::vector<int> topDimensions(const float* values, int dims, int count) {
    std::vector<int> order;
    order.reserve(size_t(std::max(dims, 0)));
    for (int d = 0; d < dims; ++d)
        if (std::isfinite(values[d])) order.push_back(d);
    const size_t keep = std::min(order.size(), size_t(std::max(count, 0)));
    std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(keep), order.end(),
                      [values](int a, int b) { return values[a] != values[b] ? values[a] > values[b] : a < b; });
    order.resize(keep);
    return order;
}

AttributeProfileWidget::AttributeProfileWidget(QWidget* parent) : QWidget(parent) {
    modalityBox_ = new QComboBox(this);
    modalityBox_->setToolTip(tr("Class-level modality whose values are shown"));
    modalityBox_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    topBox_ = new QSpinBox(this);
    topBox_->setRange(1, 200);
    topBox_->setValue(20);
    topBox_->setToolTip(tr("Number of dimensions shown: the class's largest values"));

    auto* controls = new QHBoxLayout;
    auto* modalityLabel = new QLabel(tr("&Modality:"), this);
    modalityLabel->setBuddy(modalityBox_);
    auto* topLabel = new QLabel(tr("&Top:"), this);
    topLabel->setBuddy(topBox_);
    controls->addWidget(modalityLabel);
    controls->addWidget(modalityBox_, 1);
    controls->addSpacing(8);
    controls->addWidget(topLabel);
    controls->addWidget(topBox_);

    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(220, 180);
    plot_->setNoAntialiasingOnDrag(true);
    // The class name and what is shown, as two title rows above the bars.
    plot_->plotLayout()->insertRow(0);
    title_ = new QCPTextElement(plot_, QString(), QFont(font().family(), font().pointSize(), QFont::Bold));
    plot_->plotLayout()->addElement(0, 0, title_);
    plot_->plotLayout()->insertRow(1);
    subtitle_ = new QCPTextElement(plot_, QString(), font());
    plot_->plotLayout()->addElement(1, 0, subtitle_);
    message_ = new QLabel(this);
    message_->setAlignment(Qt::AlignCenter);
    message_->setWordWrap(true);
    message_->setEnabled(false);  // drawn in the disabled (muted) text colour
    stack_ = new QStackedWidget(this);
    stack_->addWidget(message_);
    stack_->addWidget(plot_);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(controls);
    layout->addWidget(stack_, 1);

    connect(modalityBox_, &QComboBox::currentIndexChanged, this, [this] {
        rebuild();
        emit modalityChanged(modalityName());
    });
    connect(topBox_, &QSpinBox::valueChanged, this, [this] { rebuild(); });
    applyPalette();
    rebuild();
}

void AttributeProfileWidget::setDataset(std::shared_ptr<const Dataset> dataset) {
    const QString previous = modalityName();
    dataset_ = std::move(dataset);
    classIndex_ = -1;
    {
        const QSignalBlocker blocker(modalityBox_);
        modalityBox_->clear();
        if (dataset_)
            for (const Modality& modality : dataset_->modalities)
                modalityBox_->addItem(QString::fromStdString(modality.name));
        // Keep the user's choice across data sets that share the modality name.
        const int keep = modalityBox_->findText(previous);
        modalityBox_->setCurrentIndex(keep >= 0 ? keep : (modalityBox_->count() > 0 ? 0 : -1));
    }
    modalityBox_->setEnabled(modalityBox_->count() > 0);
    rebuild();
}

void AttributeProfileWidget::setClassIndex(int classIndex) {
    classIndex_ = classIndex;
    rebuild();
}

void AttributeProfileWidget::setModalityName(const QString& name) {
    const int index = modalityBox_->findText(name);
    if (index >= 0) modalityBox_->setCurrentIndex(index);
}

QString AttributeProfileWidget::modalityName() const { return modalityBox_->currentText(); }

void AttributeProfileWidget::setTopCount(int count) { topBox_->setValue(count); }

int AttributeProfileWidget::topCount() const { return topBox_->value(); }

void AttributeProfileWidget::showMessage(const QString& text) {
    shownNames_.clear();
    shownValues_.clear();
    message_->setText(text);
    stack_->setCurrentWidget(message_);
}

void AttributeProfileWidget::rebuild() {
    if (!dataset_) return showMessage(tr("No data set"));
    const Modality* modality = dataset_->modality(modalityName().toStdString());
    if (!modality) return showMessage(tr("This data set has no class-level modality (such as attributes)."));
    if (classIndex_ < 0 || size_t(classIndex_) >= dataset_->classes.size())
        return showMessage(tr("Select a class to see its %1 profile.").arg(modalityName()));
    if (modality->dims <= 0 || modality->values.size() < size_t(classIndex_ + 1) * size_t(modality->dims))
        return showMessage(tr("The %1 modality has no values for this class.").arg(modalityName()));

    const float* row = modality->row(classIndex_);
    std::vector<int> dims = topDimensions(row, modality->dims, modality->dims);
    // Zero means "absent" in attribute tables: a bar of length zero only takes a line, so
    // such dimensions are left out (and counted in the axis label).
    const auto firstZero = std::find_if(dims.begin(), dims.end(), [row](int d) { return row[d] == 0.0f; });
    const auto zeroEnd = std::find_if(firstZero, dims.end(), [row](int d) { return row[d] != 0.0f; });
    const int zeroDims = int(zeroEnd - firstZero);
    dims.erase(firstZero, zeroEnd);
    if (dims.size() > size_t(topBox_->value())) dims.resize(size_t(topBox_->value()));
    if (dims.empty())
        return showMessage(zeroDims > 0 ? tr("All %1 values of this class are zero.").arg(modalityName())
                                        : tr("The %1 values of this class are not finite.").arg(modalityName()));

    shownNames_.clear();
    shownValues_.clear();
    QVector<double> keys;
    QVector<double> values;
    QVector<QString> labels;
    const int count = int(dims.size());
    // At least 8 bar slots, so a short profile keeps slim bars at the top instead of fat ones.
    const int barSlots = std::max(count, 8);
    for (int i = 0; i < count; ++i) {
        const int d = dims[size_t(i)];
        QString name = size_t(d) < modality->dimNames.size() && !modality->dimNames[size_t(d)].empty()
                           ? QString::fromStdString(modality->dimNames[size_t(d)])
                           : tr("dim %1").arg(d);
        shownNames_ << name;
        shownValues_.push_back(row[d]);
        // Largest value on top: the first bar gets the highest key.
        keys << double(barSlots - i);
        values << double(row[d]);
        // Long names (CUB: "has_bill_shape::curved_(up_or_down)") are elided to keep the bars wide.
        name.replace(QLatin1Char('_'), QLatin1Char(' '));
        labels << (name.size() > 34 ? name.left(32) + QChar(0x2026) : name);
    }

    plot_->clearPlottables();
    auto* bars = new QCPBars(plot_->yAxis, plot_->xAxis);
    bars->setWidth(0.6);
    bars->setData(keys, values);  // keys are descending here, so let QCustomPlot sort them
    const QColor accent = palette().color(QPalette::Highlight);
    bars->setBrush(accent);
    bars->setPen(QPen(accent.darker(130)));

    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    ticker->setTicks(keys, labels);
    plot_->yAxis->setTicker(ticker);
    plot_->yAxis->setRange(0.4, barSlots + 0.6);
    const auto [minIt, maxIt] = std::minmax_element(values.begin(), values.end());
    const double low = std::min(0.0, *minIt);
    const double high = std::max(0.0, *maxIt);
    const double pad = (high - low) * 0.05 + 1e-9;
    plot_->xAxis->setRange(low - (low < 0 ? pad : 0), high + pad);
    title_->setText(displayClassName(dataset_->classes[size_t(classIndex_)].name));
    subtitle_->setText(zeroDims > 0
                           ? tr("top %1 of %2 dims · %3 zero dims hidden").arg(count).arg(modality->dims).arg(zeroDims)
                           : tr("top %1 of %2 dims").arg(count).arg(modality->dims));
    plot_->xAxis->setLabel(tr("%1 value").arg(modalityName()));
    plot_->setToolTip(tr("Top %1 of %2 %3 dimensions by value").arg(count).arg(modality->dims).arg(modalityName()));
    stack_->setCurrentWidget(plot_);
    plot_->replot();
}

void AttributeProfileWidget::applyPalette() {
    const QPalette pal = palette();
    const QColor text = pal.color(QPalette::WindowText);
    const QColor grid = pal.color(QPalette::Mid);
    plot_->setBackground(pal.brush(QPalette::Base));
    title_->setTextColor(text);
    QColor muted = text;
    muted.setAlphaF(0.65f);  // secondary text: the theme's text colour, softened
    subtitle_->setTextColor(muted);
    for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis}) {
        axis->setBasePen(QPen(text));
        axis->setTickPen(QPen(text));
        axis->setSubTickPen(QPen(text));
        axis->setTickLabelColor(text);
        axis->setLabelColor(text);
        axis->grid()->setPen(QPen(grid, 0, Qt::DotLine));
    }
    plot_->yAxis->setSubTicks(false);
    plot_->yAxis->setTickLength(0, 4);
    plot_->yAxis->grid()->setVisible(false);
    plot_->xAxis->grid()->setZeroLinePen(QPen(text));
    if (auto* bars = qobject_cast<QCPBars*>(plot_->plottable())) {
        const QColor accent = pal.color(QPalette::Highlight);
        bars->setBrush(accent);
        bars->setPen(QPen(accent.darker(130)));
    }
    plot_->replot();
}

void AttributeProfileWidget::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange) applyPalette();
    QWidget::changeEvent(event);
}

}  // namespace niwt::gui
