#pragma once
// The class composer's attribute editor model: one editable value per dimension of a modality.
// Names "part::value" (CUB: "has_bill_shape::dagger") are grouped under their part
// ("has_bill_shape"); names without "::" are top-level rows. Columns: name, value.
// A dimension whose values over all classes are only 0 and 1 is binary: edited as a check box.
// AttributeFilterModel filters by full name ("bill" finds the has_bill_* groups and every value
// of them, "dagger" finds has_bill_shape::dagger under its group).
#include "core/data/dataset.h"

#include <QAbstractItemModel>
#include <QSortFilterProxyModel>
#include <QString>
#include <QVector>

#include <vector>

namespace niwt::gui {

class AttributeModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column { NameColumn, ValueColumn, ColumnCount };
    enum Role {
        FullNameRole = Qt::UserRole + 1,  // QString: "has_bill_shape::dagger", or the group's part
        DimensionRole,                    // int: modality dimension, -1 for a group row
        IsGroupRole,                      // bool
        MinimumRole,                      // double: the dimension's range over the data set's classes
        MaximumRole,
        IsBinaryRole,  // bool
    };

    explicit AttributeModel(QObject* parent = nullptr);

    // Rebuilds the rows from the modality's dimension names ("dim N" when it has none); all
    // values 0. Null clears.
    void setModality(const Modality* modality);
    int dims() const { return int(values_.size()); }
    int topLevelRows() const { return int(topRows_.size()); }

    std::vector<float> values() const { return values_; }
    // Sizes must match dims() (else ignored and false). One reset of the value column.
    bool setValues(const std::vector<float>& values);
    void clearValues();
    float value(int dimension) const { return values_[size_t(dimension)]; }
    bool setValue(int dimension, float value);
    // Pre-fill: the row of class `classIndex` in the modality.
    bool fillFromClass(int classIndex);
    // Scores in [0, 1] (e.g. attributeScoresFromCaption) mapped onto each attribute's range:
    // minimum + score x (maximum - minimum). False when the size does not match.
    bool setFromScores(const std::vector<float>& scores);

    // The index of a dimension's row (column NameColumn), for views and tests.
    QModelIndex indexOfDimension(int dimension, int column = NameColumn) const;
    // The group row of a part name, invalid when absent.
    QModelIndex indexOfGroup(const QString& part) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    void valuesChanged();

private:
    // A top-level row: a group (dimensions non-empty, part set) or a single ungrouped dimension.
    struct TopRow {
        QString part;             // group name; empty for an ungrouped dimension
        QVector<int> dimensions;  // a group's children; {d} for an ungrouped dimension
        bool isGroup = false;
    };
    QString fullName(int dimension) const;
    QString shortName(int dimension) const;
    int nonZeroIn(const TopRow& row) const;
    void emitValueChanged(int dimension);

    const Modality* modality_ = nullptr;
    std::vector<float> values_;
    std::vector<float> minimum_, maximum_;
    std::vector<char> binary_;
    QVector<TopRow> topRows_;      // top-level rows in display order
    std::vector<int> topRowOf_;    // dimension -> top-level row
    std::vector<int> childRowOf_;  // dimension -> row within its group (-1 when ungrouped)
};

// Filters by a case-insensitive substring of the full name; a group matches when its part or any
// of its dimensions does, and a matching group shows all its dimensions.
class AttributeFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit AttributeFilterModel(QObject* parent = nullptr);
    void setSearchText(const QString& text);
};

}  // namespace niwt::gui
