#pragma once
// Heat maps drawn on the GUI side from cached explanations, and the comparison row's list model:
// (image, class, stage) explanations side by side, all drawn with the panel's current colour map
// and opacity. Torch-free; OpenCV's colour maps through core/pipeline/heatmap.h.
#include "core/pipeline/explainer.h"

#include <QAbstractListModel>
#include <QImage>
#include <QList>
#include <QString>
#include <QStringList>

namespace niwt::gui {

// The colour maps offered for heat maps: (name, cv::ColormapTypes value), JET first.
QList<QPair<QString, int>> heatmapColormaps();

// overlayHeatmap(view, map, opacity, colormap) as a QImage (the view's size). Opacity 0 gives the
// view exactly, 1 the colour-mapped heat map alone. A null QImage for an empty view or map.
QImage blendHeatmap(const cv::Mat& view, const cv::Mat& map01, double opacity, int colormap);

// One line per prediction, "name (logit)", new classes marked.
QStringList predictionLines(const Explanation& explanation);
// "name (score), name (score), ..."
QString scoredNames(const std::vector<ScoredName>& names);

class HeatmapComparisonModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        ClassRole = Qt::UserRole + 1,  // QString
        ImageRole,                     // QString: the image path
        StageRole,                     // QString
        LogitRole,                     // double: the class's logit on the image
    };

    explicit HeatmapComparisonModel(QObject* parent = nullptr);

    // Appends an explanation (kept as computed: the overlays are redrawn from its map and view).
    void append(const Explanation& explanation);
    void removeAt(int row);
    void clear();
    const Explanation& at(int row) const { return entries_.at(row).explanation; }

    // The drawing of every entry; changes repaint the row without recomputing anything.
    void setAppearance(int colormap, double opacity, int thumbnailSize);
    int thumbnailSize() const { return thumbnailSize_; }
    // The row's overlay at the network's resolution, as drawn now.
    QImage overlay(int row) const { return entries_.at(row).overlay; }

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

private:
    struct Entry {
        Explanation explanation;
        QImage overlay;
    };
    void redraw(Entry& entry) const;

    QList<Entry> entries_;
    int colormap_ = 2;  // cv::COLORMAP_JET
    double opacity_ = 0.5;
    int thumbnailSize_ = 160;
};

}  // namespace niwt::gui
