#pragma once
// Table of a data set's classes (name, split, #train, #test) and a proxy that filters it by
// name, split and whether a class has any images, for the data set browser's class list.
#include "core/data/dataset.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>

#include <memory>
#include <vector>

namespace niwt::gui {

// A class name for display: CUB's "NNN." number prefix dropped and '_' shown as ' '
// ("001.Black_footed_Albatross" -> "Black footed Albatross"). Tool tips keep the real name.
QString displayClassName(const std::string& name);

class ClassListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { NameColumn, SplitColumn, TrainColumn, TestColumn, ColumnCount };
    enum Role {
        ClassIndexRole = Qt::UserRole + 1,  // int: index into Dataset::classes
        SortRole,                           // name (case-folded), split rank or image count
        SeenRole,                           // bool: seen class (and in the split)
        InSplitRole,                        // bool
        NameRole,                           // QString: the class name as in the data set
        ImageCountRole,                     // int: train + test images of the class
    };

    explicit ClassListModel(QObject* parent = nullptr);

    // Rows follow dataset->classes. A null data set empties the model.
    void setDataset(std::shared_ptr<const Dataset> dataset);
    const Dataset* dataset() const { return dataset_.get(); }

    int trainCount(int classIndex) const;
    int testCount(int classIndex) const;
    // Classes with no image at all (train + test == 0), e.g. classes an xlsa17 split lists but
    // whose folder is missing or empty.
    int emptyClassCount() const;
    // "seen", "unseen" or "not in split".
    static QString splitLabel(const ClassInfo& info);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const Dataset> dataset_;
    std::vector<int> trainCounts_;
    std::vector<int> testCounts_;
};

class ClassFilterProxyModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    enum class SplitFilter { All, Seen, Unseen };

    explicit ClassFilterProxyModel(QObject* parent = nullptr);

    // Case-insensitive substring of the class name; '_' and ' ' match each other, so typing
    // "black footed" finds "001.Black_footed_Albatross".
    void setNameFilter(const QString& text);
    QString nameFilter() const { return nameFilter_; }
    void setSplitFilter(SplitFilter filter);
    SplitFilter splitFilter() const { return splitFilter_; }
    // Classes without any image are hidden unless this is on (off by default): there is nothing
    // to browse, train on or explain for them.
    void setShowEmptyClasses(bool show);
    bool showEmptyClasses() const { return showEmptyClasses_; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    QString nameFilter_;  // normalised: lower case, '_' as ' '
    SplitFilter splitFilter_ = SplitFilter::All;
    bool showEmptyClasses_ = false;
};

}  // namespace niwt::gui
