#pragma once
// The Neurons panel: the units of the chosen stage with their names (top attributes from the
// inverse map), sortable and searchable; choosing a class (seen, or learned in the explorer) adds
// its importance of each unit and sorts by it, so the named neurons it relies on most come first;
// selecting a unit shows its top images with heat maps. Export CSV writes the rows shown.
// Work runs on the shared ExplainerController's thread; tables and top images are cached per
// (stage, class) and (stage, unit).
#include "core/pipeline/explainer.h"

#include <QHash>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QListView;
class QPushButton;
class QSortFilterProxyModel;
class QStandardItemModel;
class QTableView;

namespace niwt::gui {

class ExplainerController;
class NeuronTableModel;

class NeuronPanel : public QWidget {
    Q_OBJECT
public:
    explicit NeuronPanel(ExplainerController* controller, QWidget* parent = nullptr);
    ~NeuronPanel() override;

    static constexpr int kTopAttributes = 5;  // names per unit
    static constexpr int kUnitImages = 6;     // top images per unit

    NeuronTableModel* model() const { return model_; }
    QSortFilterProxyModel* proxy() const { return proxy_; }
    QTableView* table() const { return table_; }
    QStandardItemModel* unitImagesModel() const { return images_; }

    // Stage by name (empty: the default). Class: a seen class (data set index), a new class by name,
    // or none. Each requests the table (from the cache when it was shown before).
    void setStage(const QString& name);
    QString stage() const;
    bool selectSeenClass(int classIndex);
    bool selectNewClass(const QString& name);
    void selectNoClass();
    void setFilterText(const QString& text);
    // Shows the top images of a unit (also what selecting its row does).
    void showUnit(int unit);
    int shownUnit() const { return shownUnit_; }

    // Writes the rows shown (filtered, in the view's order) as CSV, atomically, through niwt::writeNeuronTableCsv (the
    // CLI's writer and columns).
    bool exportCsv(const QString& path);
    void cancel();
    bool isWorking() const { return tableJob_ != 0 || imagesJob_ != 0; }

signals:
    void errorReported(const QString& message);
    void statusChanged(const QString& text);
    void tableShown();
    void unitImagesShown(int unit);

private:
    void onPrepared(const ExplainerInfo& info);
    void rebuildClassCombo();
    void requestTable();
    void showListing(const NeuronListing& listing);
    void showUnitImages(int unit, const std::vector<UnitImage>& images);
    bool currentClass(ExplainClass* out) const;
    QString tableKey() const;
    void report(const QString& message);
    void exportWithDialog();

    ExplainerController* controller_ = nullptr;
    QComboBox* stageCombo_ = nullptr;
    QComboBox* classCombo_ = nullptr;
    QLineEdit* filterEdit_ = nullptr;
    QTableView* table_ = nullptr;
    NeuronTableModel* model_ = nullptr;
    QSortFilterProxyModel* proxy_ = nullptr;
    QListView* imagesView_ = nullptr;
    QStandardItemModel* images_ = nullptr;
    QLabel* statusLabel_ = nullptr;
    QPushButton* exportButton_ = nullptr;
    QPushButton* cancelButton_ = nullptr;

    QString defaultStage_;
    quint64 tableJob_ = 0;
    QString tableJobKey_;
    quint64 imagesJob_ = 0;
    QString imagesJobKey_;
    int shownUnit_ = -1;
    QHash<QString, NeuronListing> tables_;               // (stage, class) -> table
    QHash<QString, std::vector<UnitImage>> unitImages_;  // (stage, unit) -> top images
};

}  // namespace niwt::gui
