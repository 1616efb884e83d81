#pragma once
// Table model of the neurons (units) of one stage: unit, name (its top attributes), the selected
// class's importance of the unit and its rank. Sorting goes through SortRole (numbers for the
// numeric columns; without a class every importance sorts as -infinity), filtering through a
// QSortFilterProxyModel on the unit and name text; makeNeuronProxy sets both up.
#include "core/pipeline/explainer.h"

#include <QAbstractTableModel>
#include <QString>

class QSortFilterProxyModel;

namespace niwt::gui {

class NeuronTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { UnitColumn, NameColumn, ImportanceColumn, RankColumn, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole + 1,  // int / double for numeric columns, QString for the name
        UnitRole,                     // int: the unit of the row
    };

    explicit NeuronTableModel(QObject* parent = nullptr);

    void setListing(const NeuronListing& listing);
    const NeuronListing& listing() const { return listing_; }
    bool hasClass() const { return !listing_.className.empty(); }
    // The row of a unit (units are rows in unit order), -1 when absent.
    int rowOfUnit(int unit) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    NeuronListing listing_;
};

// A proxy over `model` sorting by NeuronSortRole and filtering, case-insensitively, on the unit
// number and the name columns.
QSortFilterProxyModel* makeNeuronProxy(NeuronTableModel* model, QObject* parent);

// The model's listing with only the rows `proxy` shows, in its order: what the panel's Export CSV
// writes with niwt::writeNeuronTableCsv (core/pipeline/neuron_table.h), the writer of
// `niwt neurons`' neurons.csv, so an unfiltered, unsorted export is that file's bytes for the same
// listing.
NeuronListing shownListing(const NeuronTableModel& model, const QSortFilterProxyModel& proxy);

}  // namespace niwt::gui
