#include "widgets/attribute_model.h"

#include <QLocale>

#include <algorithm>
#include <cmath>
#include <map>

namespace niwt::gui {

namespace {
const QLatin1String kPartSeparator("::");
// internalId of a top-level row's index; children carry their top-level row + 1.
constexpr quintptr kTopLevel = 0;
}  // namespace

AttributeModel::AttributeModel(QObject* parent) : QAbstractItemModel(parent) {}

QString AttributeModel::fullName(int dimension) const {
    if (modality_ && size_t(dimension) < modality_->dimNames.size())
        return QString::fromStdString(modality_->dimNames[size_t(dimension)]);
    return tr("dim %1").arg(dimension + 1);
}

QString AttributeModel::shortName(int dimension) const {
    const QString name = fullName(dimension);
    const int cut = name.indexOf(kPartSeparator);
    return cut < 0 ? name : name.mid(cut + kPartSeparator.size());
}

void AttributeModel::setModality(const Modality* modality) {
    beginResetModel();
    modality_ = modality;
    topRows_.clear();
    const int dims = modality ? modality->dims : 0;
    values_.assign(size_t(dims), 0.0f);
    minimum_.assign(size_t(dims), 0.0f);
    maximum_.assign(size_t(dims), 1.0f);
    binary_.assign(size_t(dims), 1);
    topRowOf_.assign(size_t(dims), -1);
    childRowOf_.assign(size_t(dims), -1);
    if (modality && dims > 0) {
        const size_t classes = modality->values.size() / size_t(dims);
        for (int d = 0; d < dims; ++d) {
            float lo = 0, hi = 0;
            bool binary = true;
            for (size_t c = 0; c < classes; ++c) {
                const float v = modality->row(int(c))[d];
                lo = std::min(lo, v);
                hi = std::max(hi, v);
                binary = binary && (v == 0.0f || v == 1.0f);
            }
            // A dimension that is 0 everywhere still gets a usable 0..1 range.
            minimum_[size_t(d)] = lo;
            maximum_[size_t(d)] = hi > lo ? hi : lo + 1.0f;
            binary_[size_t(d)] = binary;
        }
        // Groups in order of their first dimension; dimensions in modality order within a group.
        std::map<QString, int> groupRow;
        for (int d = 0; d < dims; ++d) {
            const QString name = fullName(d);
            const int cut = name.indexOf(kPartSeparator);
            if (cut < 0) {
                topRowOf_[size_t(d)] = int(topRows_.size());
                topRows_.push_back({QString(), {d}, false});
                continue;
            }
            const QString part = name.left(cut);
            auto it = groupRow.find(part);
            if (it == groupRow.end()) {
                it = groupRow.emplace(part, int(topRows_.size())).first;
                topRows_.push_back({part, {}, true});
            }
            TopRow& group = topRows_[it->second];
            topRowOf_[size_t(d)] = it->second;
            childRowOf_[size_t(d)] = int(group.dimensions.size());
            group.dimensions.push_back(d);
        }
    }
    endResetModel();
    emit valuesChanged();
}

bool AttributeModel::setValues(const std::vector<float>& values) {
    if (values.size() != values_.size()) return false;
    values_ = values;
    // Values show in the value column of every row, groups included (their counts).
    for (int top = 0; top < int(topRows_.size()); ++top) {
        const QModelIndex topIndex = index(top, ValueColumn);
        emit dataChanged(topIndex, topIndex);
        if (topRows_[top].isGroup) {
            const QModelIndex parent = index(top, NameColumn);
            emit dataChanged(index(0, ValueColumn, parent),
                             index(int(topRows_[top].dimensions.size()) - 1, ValueColumn, parent));
        }
    }
    emit valuesChanged();
    return true;
}

void AttributeModel::clearValues() { setValues(std::vector<float>(values_.size(), 0.0f)); }

bool AttributeModel::fillFromClass(int classIndex) {
    if (!modality_ || classIndex < 0 || size_t(classIndex + 1) * size_t(modality_->dims) > modality_->values.size())
        return false;
    const float* row = modality_->row(classIndex);
    return setValues(std::vector<float>(row, row + modality_->dims));
}

bool AttributeModel::setFromScores(const std::vector<float>& scores) {
    if (scores.size() != values_.size()) return false;
    std::vector<float> values(scores.size());
    for (size_t d = 0; d < scores.size(); ++d)
        values[d] = minimum_[d] + std::clamp(scores[d], 0.0f, 1.0f) * (maximum_[d] - minimum_[d]);
    return setValues(values);
}

bool AttributeModel::setValue(int dimension, float value) {
    if (dimension < 0 || dimension >= dims() || !std::isfinite(value)) return false;
    value = std::clamp(value, minimum_[size_t(dimension)], maximum_[size_t(dimension)]);
    if (values_[size_t(dimension)] == value) return true;
    values_[size_t(dimension)] = value;
    emitValueChanged(dimension);
    emit valuesChanged();
    return true;
}

void AttributeModel::emitValueChanged(int dimension) {
    const QModelIndex cell = indexOfDimension(dimension, ValueColumn);
    emit dataChanged(cell, cell);
    if (childRowOf_[size_t(dimension)] >= 0) {  // the group's count changes too
        const QModelIndex group = index(topRowOf_[size_t(dimension)], ValueColumn);
        emit dataChanged(group, group);
    }
}

QModelIndex AttributeModel::indexOfDimension(int dimension, int column) const {
    if (dimension < 0 || dimension >= dims()) return {};
    const int top = topRowOf_[size_t(dimension)];
    const int child = childRowOf_[size_t(dimension)];
    if (child < 0) return index(top, column);
    return createIndex(child, column, quintptr(top + 1));
}

QModelIndex AttributeModel::indexOfGroup(const QString& part) const {
    for (int top = 0; top < int(topRows_.size()); ++top)
        if (topRows_[top].isGroup && topRows_[top].part == part) return index(top, NameColumn);
    return {};
}

QModelIndex AttributeModel::index(int row, int column, const QModelIndex& parent) const {
    if (column < 0 || column >= ColumnCount || row < 0) return {};
    if (!parent.isValid()) return row < int(topRows_.size()) ? createIndex(row, column, kTopLevel) : QModelIndex();
    if (parent.internalId() != kTopLevel) return {};  // dimensions have no children
    const TopRow& top = topRows_[parent.row()];
    if (!top.isGroup || row >= int(top.dimensions.size())) return {};
    return createIndex(row, column, quintptr(parent.row() + 1));
}

QModelIndex AttributeModel::parent(const QModelIndex& child) const {
    if (!child.isValid() || child.internalId() == kTopLevel) return {};
    return createIndex(int(child.internalId() - 1), NameColumn, kTopLevel);
}

int AttributeModel::rowCount(const QModelIndex& parent) const {
    if (!parent.isValid()) return int(topRows_.size());
    if (parent.internalId() != kTopLevel || parent.column() != NameColumn) return 0;
    const TopRow& top = topRows_[parent.row()];
    return top.isGroup ? int(top.dimensions.size()) : 0;
}

int AttributeModel::columnCount(const QModelIndex&) const { return ColumnCount; }

int AttributeModel::nonZeroIn(const TopRow& row) const {
    return int(std::count_if(row.dimensions.begin(), row.dimensions.end(),
                             [this](int d) { return values_[size_t(d)] != 0.0f; }));
}

QVariant AttributeModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const bool isChild = index.internalId() != kTopLevel;
    const TopRow& top = topRows_[isChild ? int(index.internalId() - 1) : index.row()];
    if (!isChild && top.isGroup) {
        switch (role) {
        case Qt::DisplayRole:
            if (index.column() == NameColumn) return top.part;
            return tr("%1 of %2 set").arg(nonZeroIn(top)).arg(top.dimensions.size());
        case Qt::ToolTipRole: return tr("%1: %2 attributes").arg(top.part).arg(top.dimensions.size());
        case FullNameRole: return top.part;
        case DimensionRole: return -1;
        case IsGroupRole: return true;
        default: return {};
        }
    }
    const int d = isChild ? top.dimensions[index.row()] : top.dimensions.front();
    const bool binary = binary_[size_t(d)];
    switch (role) {
    case Qt::DisplayRole:
        if (index.column() == NameColumn) return shortName(d);
        return binary ? QVariant() : QVariant(QLocale().toString(double(values_[size_t(d)]), 'g', 4));
    case Qt::EditRole:
        return index.column() == ValueColumn ? QVariant(double(values_[size_t(d)])) : QVariant(shortName(d));
    case Qt::CheckStateRole:
        if (index.column() == ValueColumn && binary) return values_[size_t(d)] != 0.0f ? Qt::Checked : Qt::Unchecked;
        return {};
    case Qt::ToolTipRole:
        return tr("%1 (range over the classes: %2 to %3)")
            .arg(fullName(d))
            .arg(double(minimum_[size_t(d)]))
            .arg(double(maximum_[size_t(d)]));
    case FullNameRole: return fullName(d);
    case DimensionRole: return d;
    case IsGroupRole: return false;
    case MinimumRole: return double(minimum_[size_t(d)]);
    case MaximumRole: return double(maximum_[size_t(d)]);
    case IsBinaryRole: return binary;
    default: return {};
    }
}

bool AttributeModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (!index.isValid() || index.column() != ValueColumn) return false;
    const int d = data(index, DimensionRole).toInt();
    if (d < 0) return false;
    if (role == Qt::CheckStateRole)
        return setValue(d, value.value<Qt::CheckState>() == Qt::Checked ? maximum_[size_t(d)] : minimum_[size_t(d)]);
    if (role != Qt::EditRole) return false;
    bool ok = false;
    const double v = value.toDouble(&ok);
    return ok && setValue(d, float(v));
}

Qt::ItemFlags AttributeModel::flags(const QModelIndex& index) const {
    if (!index.isValid()) return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    const int d = data(index, DimensionRole).toInt();
    if (index.column() == ValueColumn && d >= 0) f |= binary_[size_t(d)] ? Qt::ItemIsUserCheckable : Qt::ItemIsEditable;
    return f;
}

QVariant AttributeModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    return section == NameColumn ? tr("Attribute") : tr("Value");
}

// ---------------------------------------------------------------------------------------------
AttributeFilterModel::AttributeFilterModel(QObject* parent) : QSortFilterProxyModel(parent) {
    setFilterRole(AttributeModel::FullNameRole);
    setFilterKeyColumn(AttributeModel::NameColumn);
    setFilterCaseSensitivity(Qt::CaseInsensitive);
    setRecursiveFilteringEnabled(true);  // a group stays when one of its dimensions matches
    setAutoAcceptChildRows(true);        // a matching group shows all its dimensions
}

void AttributeFilterModel::setSearchText(const QString& text) { setFilterFixedString(text.trimmed()); }

}  // namespace niwt::gui
