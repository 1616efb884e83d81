#pragma once
// A learned class's highest-ranked images (its logit over every image with features), as a
// thumbnail grid. Thumbnails load lazily off the GUI thread (ThumbnailModel); each is labelled with
// its rank and true class, and a summary says how many of the top images belong to each class.
#include "core/data/dataset.h"
#include "widgets/engine_types.h"

#include <QWidget>

#include <memory>

class QLabel;
class QListView;
class QSpinBox;

namespace niwt::gui {

class ThumbnailModel;

class RankedImagesPanel : public QWidget {
    Q_OBJECT
public:
    explicit RankedImagesPanel(QWidget* parent = nullptr);

    void setDataset(std::shared_ptr<const Dataset> dataset);  // clears the shown class
    void showClass(const niwt::LearnedClass& learned);
    void clearClass();
    void setTopCount(int count);
    int topCount() const;

    QString shownClassName() const { return shownName_; }
    // True classes of the shown images, in rank order (for tests and the summary).
    QStringList shownTrueClasses() const { return shownClasses_; }
    ThumbnailModel* model() const { return model_; }
    QListView* view() const { return view_; }
    QLabel* summary() const { return summary_; }

private:
    void rebuild();

    std::shared_ptr<const Dataset> dataset_;
    niwt::LearnedClass learned_;
    QString shownName_;
    QStringList shownClasses_;
    QLabel* title_ = nullptr;
    QLabel* summary_ = nullptr;
    QSpinBox* topBox_ = nullptr;
    QListView* view_ = nullptr;
    ThumbnailModel* model_ = nullptr;
};

}  // namespace niwt::gui
