#include "widgets/dataset_browser.h"

#include "widgets/attribute_profile_widget.h"
#include "widgets/class_list_model.h"
#include "widgets/thumbnail_model.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QLocale>
#include <QSlider>
#include <QTableView>
#include <QVBoxLayout>

namespace niwt::gui {

namespace {
// How many thumbnails to start loading as soon as a class is shown (about one screenful), so
// they arrive without waiting for the view's first paint.
constexpr int kPrefetchRows = 48;

QString imageLabel(const std::string& path) {
    const QString text = QString::fromStdString(path);
    // "idx:FILE#N" (Fashion-MNIST): the image number says more than the shared file name.
    const int hash = text.lastIndexOf(QLatin1Char('#'));
    if (text.startsWith(QLatin1String("idx:")) && hash > 0) return text.mid(hash);
    return QFileInfo(text).fileName();
}
}  // namespace

// ---------------------------------------------------------------------------------------------
ClassListPanel::ClassListPanel(QWidget* parent) : QWidget(parent) {
    model_ = new ClassListModel(this);
    proxy_ = new ClassFilterProxyModel(this);
    proxy_->setSourceModel(model_);

    summary_ = new QLabel(this);
    summary_->setWordWrap(true);
    summary_->setTextFormat(Qt::RichText);

    filterEdit_ = new QLineEdit(this);
    filterEdit_->setPlaceholderText(tr("Filter classes…"));
    filterEdit_->setClearButtonEnabled(true);
    filterEdit_->setToolTip(tr("Show classes whose name contains this text (Ctrl+F)"));
    splitBox_ = new QComboBox(this);
    splitBox_->addItem(tr("All"), int(ClassFilterProxyModel::SplitFilter::All));
    splitBox_->addItem(tr("Seen"), int(ClassFilterProxyModel::SplitFilter::Seen));
    splitBox_->addItem(tr("Unseen"), int(ClassFilterProxyModel::SplitFilter::Unseen));
    splitBox_->setToolTip(tr("Show all classes, only seen (training) or only unseen (zero-shot) classes"));
    showEmptyCheck_ = new QCheckBox(tr("Show classes without images"), this);
    showEmptyCheck_->setObjectName(QStringLiteral("showEmptyClassesCheck"));
    showEmptyCheck_->setChecked(proxy_->showEmptyClasses());
    showEmptyCheck_->setToolTip(tr("Also list classes that have no train or test image in this data set"));

    view_ = new QTableView(this);
    view_->setModel(proxy_);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::SingleSelection);
    view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view_->setAlternatingRowColors(true);
    view_->setWordWrap(false);
    view_->setTextElideMode(Qt::ElideRight);
    view_->verticalHeader()->hide();
    view_->verticalHeader()->setDefaultSectionSize(view_->fontMetrics().height() + 8);
    QHeaderView* header = view_->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::ResizeToContents);
    header->setSectionResizeMode(ClassListModel::NameColumn, QHeaderView::Stretch);
    header->setSortIndicatorClearable(true);
    // Section -1: the data set's own class order until the user clicks a header.
    header->setSortIndicator(-1, Qt::AscendingOrder);
    view_->setSortingEnabled(true);

    auto* filterRow = new QHBoxLayout;
    filterRow->addWidget(filterEdit_, 1);
    filterRow->addWidget(splitBox_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(summary_);
    layout->addLayout(filterRow);
    layout->addWidget(showEmptyCheck_);
    layout->addWidget(view_, 1);

    connect(filterEdit_, &QLineEdit::textChanged, proxy_, &ClassFilterProxyModel::setNameFilter);
    connect(splitBox_, &QComboBox::currentIndexChanged, this,
            [this] { proxy_->setSplitFilter(ClassFilterProxyModel::SplitFilter(splitBox_->currentData().toInt())); });
    connect(showEmptyCheck_, &QCheckBox::toggled, this, [this](bool show) {
        if (show == proxy_->showEmptyClasses()) return;
        proxy_->setShowEmptyClasses(show);
        updateSummary();
        emit showEmptyClassesChanged(show);
    });
    connect(view_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
        // A row filtered away leaves no current row: keep showing the last class then.
        if (!current.isValid()) return;
        const int classIndex = current.data(ClassListModel::ClassIndexRole).toInt();
        if (classIndex == currentClass_) return;
        currentClass_ = classIndex;
        emit currentClassChanged(classIndex);
    });
    updateSummary();
}

void ClassListPanel::setDataset(std::shared_ptr<const Dataset> dataset) {
    currentClass_ = -1;
    model_->setDataset(std::move(dataset));
    updateSummary();
}

void ClassListPanel::selectClass(int classIndex) {
    const QModelIndex source = model_->index(classIndex, ClassListModel::NameColumn);
    if (!source.isValid()) return;
    QModelIndex proxyIndex = proxy_->mapFromSource(source);
    if (!proxyIndex.isValid()) {
        filterEdit_->clear();
        splitBox_->setCurrentIndex(0);
        if (model_->trainCount(classIndex) + model_->testCount(classIndex) == 0) setShowEmptyClasses(true);
        proxyIndex = proxy_->mapFromSource(source);
    }
    view_->setCurrentIndex(proxyIndex);
    view_->scrollTo(proxyIndex);
}

void ClassListPanel::setShowEmptyClasses(bool show) { showEmptyCheck_->setChecked(show); }

bool ClassListPanel::showEmptyClasses() const { return proxy_->showEmptyClasses(); }

void ClassListPanel::focusFilter() {
    filterEdit_->setFocus(Qt::ShortcutFocusReason);
    filterEdit_->selectAll();
}

void ClassListPanel::updateSummary() {
    const Dataset* dataset = model_->dataset();
    if (!dataset) {
        summary_->setText(tr("<i>No data set open</i>"));
        return;
    }
    const QLocale locale;
    QString text = tr("<b>%1</b> · %2 classes (%3 seen, %4 unseen) · %5 images")
                       .arg(QString::fromStdString(dataset->kind).toHtmlEscaped())
                       .arg(dataset->classes.size())
                       .arg(dataset->seenCount())
                       .arg(dataset->unseenCount())
                       .arg(locale.toString(qulonglong(dataset->images.size())));
    if (dataset->corruptSkipped > 0)
        text += tr(" · <span style='color:#c0392b'>%1 unreadable skipped</span>").arg(dataset->corruptSkipped);
    const int empty = model_->emptyClassCount();
    if (empty > 0 && !proxy_->showEmptyClasses())
        text +=
            empty == 1 ? tr(" · 1 class without images hidden") : tr(" · %1 classes without images hidden").arg(empty);
    summary_->setText(text);
    summary_->setToolTip(QString::fromStdString(dataset->spec));
}

// ---------------------------------------------------------------------------------------------
ClassImagesPanel::ClassImagesPanel(QWidget* parent) : QWidget(parent) {
    model_ = new ThumbnailModel(this);

    title_ = new QLabel(this);
    title_->setTextFormat(Qt::RichText);
    title_->setWordWrap(true);  // long CUB names wrap instead of forcing the window wider
    count_ = new QLabel(this);
    count_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    subsetBox_ = new QComboBox(this);
    subsetBox_->addItem(tr("All images"));
    subsetBox_->addItem(tr("Train images"));
    subsetBox_->addItem(tr("Test images"));
    sizeSlider_ = new QSlider(Qt::Horizontal, this);
    sizeSlider_->setRange(48, 192);
    sizeSlider_->setSingleStep(8);
    sizeSlider_->setPageStep(32);
    sizeSlider_->setValue(96);
    sizeSlider_->setFixedWidth(110);
    sizeSlider_->setToolTip(tr("Thumbnail size"));

    view_ = new QListView(this);
    view_->setViewMode(QListView::IconMode);
    view_->setMovement(QListView::Static);  // static: a grid, and uniform sizes are honoured
    view_->setResizeMode(QListView::Adjust);
    view_->setWrapping(true);
    view_->setUniformItemSizes(true);
    view_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view_->setTextElideMode(Qt::ElideMiddle);
    view_->setModel(model_);

    // The class on top; how many images and how they are shown below the grid.
    auto* footer = new QHBoxLayout;
    footer->addWidget(count_, 1);
    footer->addWidget(subsetBox_);
    footer->addSpacing(8);
    footer->addWidget(new QLabel(tr("Size:"), this));
    footer->addWidget(sizeSlider_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(title_);
    layout->addWidget(view_, 1);
    layout->addLayout(footer);

    connect(subsetBox_, &QComboBox::currentIndexChanged, this, &ClassImagesPanel::reload);
    connect(sizeSlider_, &QSlider::valueChanged, this, &ClassImagesPanel::applyThumbnailSize);
    applyThumbnailSize(sizeSlider_->value());
    reload();
}

void ClassImagesPanel::setDataset(std::shared_ptr<const Dataset> dataset) {
    dataset_ = std::move(dataset);
    classIndex_ = -1;
    imagesByClass_.clear();
    if (dataset_) {
        imagesByClass_.resize(dataset_->classes.size());
        for (size_t i = 0; i < dataset_->images.size(); ++i) {
            const int c = dataset_->images[i].classIndex;
            if (c >= 0 && size_t(c) < imagesByClass_.size()) imagesByClass_[size_t(c)].push_back(int(i));
        }
    }
    reload();
}

void ClassImagesPanel::setClassIndex(int classIndex) {
    if (classIndex == classIndex_) return;
    classIndex_ = classIndex;
    reload();
}

void ClassImagesPanel::applyThumbnailSize(int pixels) {
    view_->setIconSize(QSize(pixels, pixels));
    const int textHeight = view_->fontMetrics().height();
    view_->setGridSize(QSize(pixels + 16, pixels + textHeight + 16));
    model_->setThumbnailSize(pixels);
    model_->prefetch(0, kPrefetchRows - 1);
}

void ClassImagesPanel::reload() {
    if (!dataset_ || classIndex_ < 0 || size_t(classIndex_) >= imagesByClass_.size()) {
        model_->clear();
        title_->setText(dataset_ ? tr("<i>Select a class to see its images</i>")
                                 : tr("<i>No data set open: File › Open Data Set… (Ctrl+O)</i>"));
        count_->clear();
        return;
    }
    const int subsetChoice = subsetBox_->currentIndex();  // 0 all, 1 train, 2 test
    QVector<ThumbnailModel::Item> items;
    for (int imageIndex : imagesByClass_[size_t(classIndex_)]) {
        const ImageInfo& image = dataset_->images[size_t(imageIndex)];
        if (subsetChoice == 1 && image.subset != Subset::Train) continue;
        if (subsetChoice == 2 && image.subset != Subset::Test) continue;
        ThumbnailModel::Item item;
        item.path = QString::fromStdString(image.path);
        item.label = imageLabel(image.path);
        item.toolTip = tr("%1\n%2 image").arg(item.path, image.subset == Subset::Train ? tr("train") : tr("test"));
        items.push_back(std::move(item));
    }
    model_->setItems(items);
    model_->prefetch(0, kPrefetchRows - 1);

    const ClassInfo& info = dataset_->classes[size_t(classIndex_)];
    const QLocale locale;
    const bool capped = model_->rowCount() < model_->totalItems();
    count_->setText(capped ? tr("Showing the first %1 of %2 images")
                                 .arg(locale.toString(model_->rowCount()), locale.toString(model_->totalItems()))
                    : model_->totalItems() == 1 ? tr("1 image")
                                                : tr("%1 images").arg(locale.toString(model_->totalItems())));
    count_->setToolTip(
        capped ? tr("Only the first %1 images of a class are listed, to keep browsing fast").arg(model_->rowCount())
               : QString());
    title_->setText(
        tr("<b>%1</b> · %2 class").arg(displayClassName(info.name).toHtmlEscaped(), ClassListModel::splitLabel(info)));
    title_->setToolTip(tr("%1 (class id %2)").arg(QString::fromStdString(info.name)).arg(info.id));
}

// ---------------------------------------------------------------------------------------------
DatasetBrowser::DatasetBrowser(QObject* parent) : QObject(parent) {
    classList_ = new ClassListPanel;
    classList_->setObjectName(QStringLiteral("classListPanel"));
    images_ = new ClassImagesPanel;
    images_->setObjectName(QStringLiteral("classImagesPanel"));
    profile_ = new AttributeProfileWidget;
    profile_->setObjectName(QStringLiteral("attributeProfilePanel"));
    panels_ = {classList_, images_, profile_};
    connect(classList_, &ClassListPanel::currentClassChanged, this, &DatasetBrowser::onClassChosen);
}

DatasetBrowser::~DatasetBrowser() {
    for (const QPointer<QWidget>& panel : std::as_const(panels_))
        if (panel && !panel->parent()) delete panel.data();
}

void DatasetBrowser::setDataset(std::shared_ptr<const Dataset> dataset) {
    dataset_ = std::move(dataset);
    currentClass_ = -1;
    classList_->setDataset(dataset_);
    images_->setDataset(dataset_);
    profile_->setDataset(dataset_);
    emit datasetChanged(dataset_);
    if (dataset_ && !dataset_->classes.empty()) {
        // The first class with images: one without is hidden by default and has nothing to show.
        int first = 0;
        const ClassListModel* model = classList_->model();
        while (first < model->rowCount() && model->trainCount(first) + model->testCount(first) == 0) ++first;
        selectClass(first < model->rowCount() ? first : 0);
    }
}

void DatasetBrowser::selectClass(int classIndex) { classList_->selectClass(classIndex); }

void DatasetBrowser::onClassChosen(int classIndex) {
    currentClass_ = classIndex;
    images_->setClassIndex(classIndex);
    profile_->setClassIndex(classIndex);
    emit currentClassChanged(classIndex);
}

}  // namespace niwt::gui
