#include "widgets/neuron_table_model.h"

#include <QRegularExpression>
#include <QSortFilterProxyModel>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <limits>

namespace niwt::gui {

namespace {
QString attributeList(const NeuronRow& row) {
    QStringList names;
    for (const auto& a : row.attributes) names << QString::fromStdString(a.name);
    return names.join(QStringLiteral(", "));
}
}  // namespace

NeuronTableModel::NeuronTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void NeuronTableModel::setListing(const NeuronListing& listing) {
    beginResetModel();
    listing_ = listing;
    endResetModel();
}

int NeuronTableModel::rowOfUnit(int unit) const {
    for (int r = 0; r < int(listing_.rows.size()); ++r)
        if (listing_.rows[size_t(r)].unit == unit) return r;
    return -1;
}

int NeuronTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(listing_.rows.size());
}

int NeuronTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant NeuronTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(listing_.rows.size())) return {};
    const NeuronRow& row = listing_.rows[size_t(index.row())];
    const bool hasImportance = std::isfinite(row.classImportance);
    if (role == UnitRole) return row.unit;
    if (role == Qt::ToolTipRole) {
        QStringList lines;
        for (const auto& a : row.attributes)
            lines << QStringLiteral("%1: %2").arg(QString::fromStdString(a.name)).arg(a.score, 0, 'f', 4);
        return tr("unit %1\n%2").arg(row.unit).arg(lines.join(QLatin1Char('\n')));
    }
    if (role == Qt::TextAlignmentRole && index.column() != NameColumn) return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != SortRole) return {};
    const bool sort = role == SortRole;
    switch (index.column()) {
    case UnitColumn: return row.unit;
    case NameColumn: return attributeList(row);
    case ImportanceColumn:
        if (sort)  // a missing importance sorts below every real one
            return hasImportance ? row.classImportance : -std::numeric_limits<double>::infinity();
        return hasImportance ? QString::number(row.classImportance, 'g', 4) : QString();
    case RankColumn:
        if (sort)  // unranked rows after the ranked ones in ascending order
            return row.classRank > 0 ? row.classRank : std::numeric_limits<int>::max();
        return row.classRank > 0 ? QVariant(row.classRank) : QVariant(QString());
    default: return {};
    }
}

QVariant NeuronTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || (role != Qt::DisplayRole && role != Qt::ToolTipRole))
        return QAbstractTableModel::headerData(section, orientation, role);
    // The class's name is in the tool tip: in the header it would crowd out the numbers.
    if (section == ImportanceColumn && role == Qt::ToolTipRole)
        return listing_.className.empty() ? tr("Choose a class to see its importance of each unit")
                                          : tr("Importance for %1 (mean over %2 images)")
                                                .arg(QString::fromStdString(listing_.className))
                                                .arg(listing_.classImages);
    if (role == Qt::ToolTipRole) return {};
    switch (section) {
    case UnitColumn: return tr("Unit");
    case NameColumn: return tr("Name (top attributes)");
    case ImportanceColumn: return tr("Importance");
    case RankColumn: return tr("Rank");
    default: return {};
    }
}

namespace {
// Filters on the unit number and the name: what a person searching for "wing" or "12" means.
class NeuronFilterProxy : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override {
        const QRegularExpression pattern = filterRegularExpression();
        if (pattern.pattern().isEmpty()) return true;
        for (int column : {int(NeuronTableModel::UnitColumn), int(NeuronTableModel::NameColumn)}) {
            const QModelIndex index = sourceModel()->index(sourceRow, column, sourceParent);
            if (pattern.match(sourceModel()->data(index, Qt::DisplayRole).toString()).hasMatch()) return true;
        }
        return false;
    }
};
}  // namespace

QSortFilterProxyModel* makeNeuronProxy(NeuronTableModel* model, QObject* parent) {
    auto* proxy = new NeuronFilterProxy(parent);
    proxy->setSourceModel(model);
    proxy->setSortRole(NeuronTableModel::SortRole);
    proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    return proxy;
}

NeuronListing shownListing(const NeuronTableModel& model, const QSortFilterProxyModel& proxy) {
    NeuronListing out = model.listing();
    out.rows.clear();
    const auto& rows = model.listing().rows;
    for (int p = 0; p < proxy.rowCount(); ++p) {
        const int source = proxy.mapToSource(proxy.index(p, 0)).row();
        if (source >= 0 && source < int(rows.size())) out.rows.push_back(rows[size_t(source)]);
    }
    return out;
}

}  // namespace niwt::gui
