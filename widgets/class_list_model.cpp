#include "widgets/class_list_model.h"

#include <QColor>

namespace niwt::gui {

namespace {
QString normalisedName(const QString& name) {
    QString text = name.toCaseFolded();
    text.replace(QLatin1Char('_'), QLatin1Char(' '));
    return text;
}
}  // namespace

QString displayClassName(const std::string& name) {
    QString text = QString::fromStdString(name);
    int digits = 0;
    while (digits < text.size() && text[digits].isDigit()) ++digits;
    if (digits > 0 && digits + 1 < text.size() && text[digits] == QLatin1Char('.')) text = text.mid(digits + 1);
    text.replace(QLatin1Char('_'), QLatin1Char(' '));
    return text;
}

ClassListModel::ClassListModel(QObject* parent) : QAbstractTableModel(parent) {}

void ClassListModel::setDataset(std::shared_ptr<const Dataset> dataset) {
    beginResetModel();
    dataset_ = std::move(dataset);
    trainCounts_.clear();
    testCounts_.clear();
    if (dataset_) {
        trainCounts_.assign(dataset_->classes.size(), 0);
        testCounts_.assign(dataset_->classes.size(), 0);
        for (const ImageInfo& image : dataset_->images) {
            if (image.classIndex < 0 || size_t(image.classIndex) >= dataset_->classes.size()) continue;
            ++(image.subset == Subset::Train ? trainCounts_ : testCounts_)[size_t(image.classIndex)];
        }
    }
    endResetModel();
}

int ClassListModel::trainCount(int classIndex) const {
    return classIndex >= 0 && size_t(classIndex) < trainCounts_.size() ? trainCounts_[size_t(classIndex)] : 0;
}

int ClassListModel::testCount(int classIndex) const {
    return classIndex >= 0 && size_t(classIndex) < testCounts_.size() ? testCounts_[size_t(classIndex)] : 0;
}

int ClassListModel::emptyClassCount() const {
    int count = 0;
    for (size_t i = 0; i < trainCounts_.size(); ++i)
        if (trainCounts_[i] + testCounts_[i] == 0) ++count;
    return count;
}

QString ClassListModel::splitLabel(const ClassInfo& info) {
    if (!info.inSplit) return tr("not in split");
    return info.seen ? tr("seen") : tr("unseen");
}

int ClassListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !dataset_ ? 0 : int(dataset_->classes.size());
}

int ClassListModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ClassListModel::data(const QModelIndex& index, int role) const {
    if (!dataset_ || !index.isValid() || index.row() >= rowCount()) return {};
    const int row = index.row();
    const ClassInfo& info = dataset_->classes[size_t(row)];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn: return displayClassName(info.name);
        case SplitColumn: return splitLabel(info);
        case TrainColumn: return trainCount(row);
        case TestColumn: return testCount(row);
        }
        break;
    case Qt::ToolTipRole:
        return tr("%1\nclass id %2 · %3 · %4 train / %5 test images")
            .arg(QString::fromStdString(info.name))
            .arg(info.id)
            .arg(splitLabel(info))
            .arg(trainCount(row))
            .arg(testCount(row));
    case Qt::DecorationRole:
        // A coloured dot makes seen and unseen classes easy to tell apart while scrolling.
        if (index.column() == SplitColumn)
            return !info.inSplit ? QColor(150, 150, 150) : info.seen ? QColor(46, 160, 67) : QColor(230, 126, 34);
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == TrainColumn || index.column() == TestColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case SortRole:
        switch (index.column()) {
        case NameColumn: return displayClassName(info.name).toCaseFolded();
        case SplitColumn: return !info.inSplit ? 2 : (info.seen ? 0 : 1);
        case TrainColumn: return trainCount(row);
        case TestColumn: return testCount(row);
        }
        break;
    case NameRole: return QString::fromStdString(info.name);
    case ImageCountRole: return trainCount(row) + testCount(row);
    case ClassIndexRole: return row;
    case SeenRole: return info.seen && info.inSplit;
    case InSplitRole: return info.inSplit;
    }
    return {};
}

QVariant ClassListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case NameColumn: return tr("Class");
        case SplitColumn: return tr("Split");
        case TrainColumn: return tr("Train");
        case TestColumn: return tr("Test");
        }
    } else if (role == Qt::ToolTipRole) {
        switch (section) {
        case SplitColumn: return tr("Seen classes train the network; unseen classes are zero-shot targets");
        case TrainColumn: return tr("Number of training images of the class");
        case TestColumn: return tr("Number of test images of the class");
        }
    }
    return {};
}

ClassFilterProxyModel::ClassFilterProxyModel(QObject* parent) : QSortFilterProxyModel(parent) {
    setSortRole(ClassListModel::SortRole);
}

void ClassFilterProxyModel::setNameFilter(const QString& text) {
    const QString normalised = normalisedName(text.trimmed());
    if (normalised == nameFilter_) return;
    nameFilter_ = normalised;
    invalidateFilter();
}

void ClassFilterProxyModel::setSplitFilter(SplitFilter filter) {
    if (filter == splitFilter_) return;
    splitFilter_ = filter;
    invalidateFilter();
}

void ClassFilterProxyModel::setShowEmptyClasses(bool show) {
    if (show == showEmptyClasses_) return;
    showEmptyClasses_ = show;
    invalidateFilter();
}

bool ClassFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    const QModelIndex index = sourceModel()->index(sourceRow, ClassListModel::NameColumn, sourceParent);
    if (!showEmptyClasses_ && index.data(ClassListModel::ImageCountRole).toInt() == 0) return false;
    if (splitFilter_ != SplitFilter::All) {
        if (!index.data(ClassListModel::InSplitRole).toBool()) return false;
        const bool seen = index.data(ClassListModel::SeenRole).toBool();
        if (seen != (splitFilter_ == SplitFilter::Seen)) return false;
    }
    if (nameFilter_.isEmpty()) return true;
    // The real name (with its "NNN." prefix) is searched, so typing a class number works too.
    return normalisedName(index.data(ClassListModel::NameRole).toString()).contains(nameFilter_);
}

}  // namespace niwt::gui
