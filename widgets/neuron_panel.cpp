#include "widgets/neuron_panel.h"

#include "widgets/cv_qimage.h"
#include "widgets/explain_choices.h"
#include "widgets/explainer_controller.h"
#include "widgets/heatmap_comparison_model.h"
#include "widgets/neuron_table_model.h"

#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>

#include <opencv2/imgproc.hpp>

namespace niwt::gui {

namespace {
constexpr int kThumbnailSize = 112;
}  // namespace

NeuronPanel::NeuronPanel(ExplainerController* controller, QWidget* parent) : QWidget(parent), controller_(controller) {
    stageCombo_ = new QComboBox(this);
    classCombo_ = new QComboBox(this);
    classCombo_->setToolTip(tr("A class: its importance of each unit, most important first"));
    filterEdit_ = new QLineEdit(this);
    filterEdit_->setPlaceholderText(tr("Search units or attributes…"));
    filterEdit_->setClearButtonEnabled(true);
    exportButton_ = new QPushButton(tr("Export CSV…"), this);
    cancelButton_ = new QPushButton(tr("Cancel"), this);
    cancelButton_->setEnabled(false);

    model_ = new NeuronTableModel(this);
    proxy_ = makeNeuronProxy(model_, this);
    table_ = new QTableView(this);
    table_->setModel(proxy_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(NeuronTableModel::UnitColumn, Qt::AscendingOrder);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->verticalHeader()->hide();
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 8);  // compact rows
    // Names whole, never elided: every column as wide as its contents, the names (five attributes,
    // wider than the dock) last, so the numbers stay in view and the table scrolls sideways.
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->moveSection(table_->horizontalHeader()->visualIndex(NeuronTableModel::NameColumn),
                                            NeuronTableModel::ColumnCount - 1);
    table_->horizontalHeader()->setStretchLastSection(false);
    table_->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);

    images_ = new QStandardItemModel(this);
    imagesView_ = new QListView(this);
    imagesView_->setModel(images_);
    imagesView_->setViewMode(QListView::IconMode);
    imagesView_->setIconSize(QSize(kThumbnailSize, kThumbnailSize));
    imagesView_->setResizeMode(QListView::Adjust);
    imagesView_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    imagesView_->setMinimumHeight(kThumbnailSize + 50);

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Stage"), this));
    controls->addWidget(stageCombo_);
    controls->addWidget(new QLabel(tr("Class"), this));
    controls->addWidget(classCombo_, 1);
    controls->addWidget(filterEdit_, 1);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(table_);
    split->addWidget(imagesView_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    statusLabel_ = new QLabel(this);
    statusLabel_->setWordWrap(true);
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(statusLabel_, 1);
    bottom->addWidget(cancelButton_);
    bottom->addWidget(exportButton_);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(split, 1);
    layout->addLayout(bottom);

    connect(stageCombo_, &QComboBox::currentIndexChanged, this, [this] {
        unitImages_.clear();  // other units at another stage
        images_->clear();
        shownUnit_ = -1;
        requestTable();
    });
    connect(classCombo_, &QComboBox::currentIndexChanged, this, &NeuronPanel::requestTable);
    connect(filterEdit_, &QLineEdit::textChanged, this, &NeuronPanel::setFilterText);
    connect(exportButton_, &QPushButton::clicked, this, &NeuronPanel::exportWithDialog);
    connect(cancelButton_, &QPushButton::clicked, this, &NeuronPanel::cancel);
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (current.isValid()) showUnit(proxy_->data(current, NeuronTableModel::UnitRole).toInt());
            });

    connect(controller_, &ExplainerController::prepared, this, &NeuronPanel::onPrepared);
    // The engine's context is gone (another data set, network or stage): so is what it showed.
    connect(controller_, &ExplainerController::engineReset, this, [this] {
        cancel();
        tables_.clear();
        unitImages_.clear();
        images_->clear();
        shownUnit_ = -1;
        model_->setListing({});
        statusLabel_->setText(tr("Waiting for the engine…"));
    });
    connect(controller_, &ExplainerController::newClassesChanged, this, &NeuronPanel::rebuildClassCombo);
    connect(controller_, &ExplainerController::neuronTableReady, this,
            [this](quint64 job, const NeuronListing& listing) {
                if (job != tableJob_) return;
                tableJob_ = 0;
                tables_.insert(tableJobKey_, listing);
                showListing(listing);
            });
    connect(controller_, &ExplainerController::unitImagesReady, this,
            [this](quint64 job, int unit, const std::vector<UnitImage>& images) {
                if (job != imagesJob_) return;
                imagesJob_ = 0;
                unitImages_.insert(imagesJobKey_, images);
                showUnitImages(unit, images);
            });
    const auto ended = [this](quint64 job, const QString& message) {
        if (job == tableJob_)
            tableJob_ = 0;
        else if (job == imagesJob_)
            imagesJob_ = 0;
        else
            return;
        cancelButton_->setEnabled(isWorking());
        report(message);
    };
    connect(controller_, &ExplainerController::failed, this, ended);
    connect(controller_, &ExplainerController::cancelled, this, [ended](quint64 job) { ended(job, QString()); });
    if (controller_->isPrepared()) onPrepared(controller_->info());
}

NeuronPanel::~NeuronPanel() { cancel(); }

void NeuronPanel::onPrepared(const ExplainerInfo& info) {
    tables_.clear();
    unitImages_.clear();
    images_->clear();
    shownUnit_ = -1;
    defaultStage_ = QString::fromStdString(info.defaultStage);
    fillStageCombo(stageCombo_, info);
    rebuildClassCombo();
}

void NeuronPanel::rebuildClassCombo() {
    fillClassCombo(classCombo_, *controller_, tr("(no class)"));
    requestTable();
}

bool NeuronPanel::currentClass(ExplainClass* out) const { return chosenClass(classCombo_, *controller_, out); }
bool NeuronPanel::selectSeenClass(int classIndex) { return chooseSeenClass(classCombo_, classIndex); }
bool NeuronPanel::selectNewClass(const QString& name) { return chooseNewClass(classCombo_, name); }

void NeuronPanel::selectNoClass() { classCombo_->setCurrentIndex(0); }

void NeuronPanel::setStage(const QString& name) {
    const int index = stageCombo_->findData(name.isEmpty() ? defaultStage_ : name);
    if (index >= 0) stageCombo_->setCurrentIndex(index);
}

QString NeuronPanel::stage() const { return stageCombo_->currentData().toString(); }

void NeuronPanel::setFilterText(const QString& text) {
    if (filterEdit_->text() != text)
        filterEdit_->setText(text);  // comes back here through textChanged
    else
        proxy_->setFilterFixedString(text);
}

QString NeuronPanel::tableKey() const {
    ExplainClass cls;
    return stage() + QLatin1Char('\n') + (currentClass(&cls) ? QString::fromStdString(cls.key()) : QString());
}

void NeuronPanel::requestTable() {
    if (!controller_->isPrepared() || stageCombo_->currentIndex() < 0) return;
    const QString key = tableKey();
    if (const auto it = tables_.constFind(key); it != tables_.constEnd()) {
        if (tableJob_ != 0) controller_->cancel(tableJob_);
        tableJob_ = 0;
        showListing(*it);
        return;
    }
    if (tableJob_ != 0 && key == tableJobKey_) return;
    if (tableJob_ != 0) controller_->cancel(tableJob_);
    ExplainClass cls;
    const bool withClass = currentClass(&cls);
    tableJobKey_ = key;
    tableJob_ = controller_->neuronTable(stage(), kTopAttributes, withClass ? &cls : nullptr);
    cancelButton_->setEnabled(isWorking());
    statusLabel_->setText(tr("Naming the units…"));
}

void NeuronPanel::showListing(const NeuronListing& listing) {
    const int unit = shownUnit_;
    model_->setListing(listing);
    // A class: the units it relies on most first. No class: unit order.
    if (!listing.className.empty())
        table_->sortByColumn(NeuronTableModel::ImportanceColumn, Qt::DescendingOrder);
    else
        table_->sortByColumn(NeuronTableModel::UnitColumn, Qt::AscendingOrder);
    if (unit >= 0 && model_->rowOfUnit(unit) >= 0) {  // keep the unit the person was looking at
        const QModelIndex index = proxy_->mapFromSource(model_->index(model_->rowOfUnit(unit), 0));
        const QSignalBlocker block(table_->selectionModel());
        table_->selectionModel()->setCurrentIndex(index,
                                                  QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    }
    cancelButton_->setEnabled(isWorking());
    statusLabel_->setText(
        listing.className.empty()
            ? tr("%1 units at %2").arg(listing.rows.size()).arg(QString::fromStdString(listing.stageName))
            : tr("%1 units at %2, by importance for %3 (averaged over %4 images)")
                  .arg(listing.rows.size())
                  .arg(QString::fromStdString(listing.stageName), QString::fromStdString(listing.className))
                  .arg(listing.classImages));
    emit tableShown();
}

void NeuronPanel::showUnit(int unit) {
    shownUnit_ = unit;
    const QString key = stage() + QLatin1Char('\n') + QString::number(unit);
    if (const auto it = unitImages_.constFind(key); it != unitImages_.constEnd()) {
        showUnitImages(unit, *it);
        return;
    }
    if (imagesJob_ != 0 && key == imagesJobKey_) return;
    if (imagesJob_ != 0) controller_->cancel(imagesJob_);
    imagesJobKey_ = key;
    imagesJob_ = controller_->unitImages(stage(), unit, kUnitImages);
    cancelButton_->setEnabled(isWorking());
    if (imagesJob_ != 0) statusLabel_->setText(tr("Finding unit %1's top images…").arg(unit));
}

void NeuronPanel::showUnitImages(int unit, const std::vector<UnitImage>& images) {
    images_->clear();
    for (const auto& image : images) {
        const QString path = QString::fromStdString(image.path);
        auto* item = new QStandardItem(QStringLiteral("%1").arg(image.activation, 0, 'g', 3));
        item->setIcon(QPixmap::fromImage(
            fitThumbnail(blendHeatmap(image.view, image.map, 0.5, cv::COLORMAP_JET), kThumbnailSize)));
        item->setToolTip(tr("%1\nmean activation of unit %2: %3").arg(path).arg(unit).arg(image.activation));
        item->setData(path, Qt::UserRole);
        images_->appendRow(item);
    }
    cancelButton_->setEnabled(isWorking());
    statusLabel_->setText(
        tr("Unit %1: its top %2 images (heat map: the unit's activation)").arg(unit).arg(images.size()));
    emit unitImagesShown(unit);
}

void NeuronPanel::cancel() {
    if (tableJob_ != 0) controller_->cancel(tableJob_);
    if (imagesJob_ != 0) controller_->cancel(imagesJob_);
    tableJob_ = imagesJob_ = 0;
    if (cancelButton_) cancelButton_->setEnabled(false);
}

void NeuronPanel::report(const QString& message) {
    statusLabel_->setText(message);
    if (!message.isEmpty()) emit errorReported(message);
}

bool NeuronPanel::exportCsv(const QString& path) {
    // The rows shown, in the view's order, through the one neuron CSV writer (`niwt neurons` writes
    // its neurons.csv with it too), atomically: a failed write leaves an existing file as it was.
    try {
        writeNeuronTableCsv(path.toStdString(), shownListing(*model_, *proxy_));
    } catch (const std::exception& e) {
        report(QString::fromStdString(e.what()));
        return false;
    }
    emit statusChanged(tr("saved %1").arg(path));
    return true;
}

void NeuronPanel::exportWithDialog() {
    askForFile(this, tr("Export the neuron table"), QStringLiteral("neurons.csv"), tr("CSV files (*.csv)"), true,
               QStringLiteral("csv"), [this](const QString& path) { exportCsv(path); });
}

}  // namespace niwt::gui
