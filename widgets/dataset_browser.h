#pragma once
// The data set browser: a class list (filterable table), the selected class's images (thumbnail
// grid) and its attribute profile (bar chart). The three are separate widgets so the main window
// can put each in its own dock; DatasetBrowser wires them and tells later panels (class composer,
// heatmaps, ...) which data set and class are current.
#include "core/data/dataset.h"

#include <QList>
#include <QObject>
#include <QPointer>
#include <QWidget>

#include <memory>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListView;
class QSlider;
class QTableView;

namespace niwt::gui {

class AttributeProfileWidget;
class ClassFilterProxyModel;
class ClassListModel;
class ThumbnailModel;

class ClassListPanel : public QWidget {
    Q_OBJECT
public:
    explicit ClassListPanel(QWidget* parent = nullptr);

    void setDataset(std::shared_ptr<const Dataset> dataset);
    // Selects (and scrolls to) a class; clears the name filter when it hides the class, and shows
    // classes without images when the class has none.
    void selectClass(int classIndex);
    // Classes without any image are hidden unless this is on (off by default); the check box
    // beside the filter toggles it. Not saved here: the main window may keep it in its settings.
    void setShowEmptyClasses(bool show);
    bool showEmptyClasses() const;
    int currentClassIndex() const { return currentClass_; }
    void focusFilter();

    ClassListModel* model() const { return model_; }
    ClassFilterProxyModel* proxy() const { return proxy_; }
    QTableView* view() const { return view_; }
    QLineEdit* filterEdit() const { return filterEdit_; }
    QComboBox* splitFilterBox() const { return splitBox_; }
    QCheckBox* showEmptyCheck() const { return showEmptyCheck_; }

signals:
    void currentClassChanged(int classIndex);
    void showEmptyClassesChanged(bool show);

private:
    void updateSummary();

    ClassListModel* model_ = nullptr;
    ClassFilterProxyModel* proxy_ = nullptr;
    QLabel* summary_ = nullptr;
    QLineEdit* filterEdit_ = nullptr;
    QComboBox* splitBox_ = nullptr;
    QCheckBox* showEmptyCheck_ = nullptr;
    QTableView* view_ = nullptr;
    int currentClass_ = -1;
};

class ClassImagesPanel : public QWidget {
    Q_OBJECT
public:
    explicit ClassImagesPanel(QWidget* parent = nullptr);

    void setDataset(std::shared_ptr<const Dataset> dataset);
    void setClassIndex(int classIndex);
    int classIndex() const { return classIndex_; }

    ThumbnailModel* model() const { return model_; }
    QListView* view() const { return view_; }
    QComboBox* subsetBox() const { return subsetBox_; }

private:
    void reload();
    void applyThumbnailSize(int pixels);

    std::shared_ptr<const Dataset> dataset_;
    std::vector<std::vector<int>> imagesByClass_;
    int classIndex_ = -1;
    ThumbnailModel* model_ = nullptr;
    QLabel* title_ = nullptr;
    QLabel* count_ = nullptr;
    QComboBox* subsetBox_ = nullptr;
    QSlider* sizeSlider_ = nullptr;
    QListView* view_ = nullptr;
};

class DatasetBrowser : public QObject {
    Q_OBJECT
public:
    // The panels are created without a parent; whoever places them (in docks) owns them.
    explicit DatasetBrowser(QObject* parent = nullptr);
    ~DatasetBrowser() override;  // deletes the panels nobody has taken

    // Selects the first class that has images (the first class when none has).
    void setDataset(std::shared_ptr<const Dataset> dataset);
    std::shared_ptr<const Dataset> dataset() const { return dataset_; }
    void selectClass(int classIndex);
    int currentClassIndex() const { return currentClass_; }

    ClassListPanel* classList() const { return classList_; }
    ClassImagesPanel* images() const { return images_; }
    AttributeProfileWidget* profile() const { return profile_; }

signals:
    void datasetChanged(std::shared_ptr<const niwt::Dataset> dataset);
    void currentClassChanged(int classIndex);

private:
    void onClassChosen(int classIndex);

    std::shared_ptr<const Dataset> dataset_;
    int currentClass_ = -1;
    ClassListPanel* classList_ = nullptr;
    ClassImagesPanel* images_ = nullptr;
    AttributeProfileWidget* profile_ = nullptr;
    QList<QPointer<QWidget>> panels_;
};

}  // namespace niwt::gui
