#include "widgets/heatmap_comparison_model.h"

#include "core/pipeline/heatmap.h"
#include "widgets/cv_qimage.h"

#include <QPixmap>

namespace niwt::gui {

QList<QPair<QString, int>> heatmapColormaps() {
    return {{QStringLiteral("Jet"), cv::COLORMAP_JET},         {QStringLiteral("Turbo"), cv::COLORMAP_TURBO},
            {QStringLiteral("Viridis"), cv::COLORMAP_VIRIDIS}, {QStringLiteral("Inferno"), cv::COLORMAP_INFERNO},
            {QStringLiteral("Magma"), cv::COLORMAP_MAGMA},     {QStringLiteral("Plasma"), cv::COLORMAP_PLASMA},
            {QStringLiteral("Hot"), cv::COLORMAP_HOT},         {QStringLiteral("Bone"), cv::COLORMAP_BONE}};
}

QImage blendHeatmap(const cv::Mat& view, const cv::Mat& map01, double opacity, int colormap) {
    if (view.empty() || map01.empty()) return {};
    return toQImage(overlayHeatmap(view, map01, opacity, colormap));
}

QStringList predictionLines(const Explanation& explanation) {
    QStringList lines;
    for (const auto& p : explanation.predictions)
        lines << QStringLiteral("%1%2 (%3)")
                     .arg(QString::fromStdString(p.name), p.seen ? QString() : QStringLiteral(" [new]"))
                     .arg(p.logit, 0, 'f', 3);
    return lines;
}

QString scoredNames(const std::vector<ScoredName>& names) {
    QStringList parts;
    for (const auto& n : names)
        parts << QStringLiteral("%1 (%2)").arg(QString::fromStdString(n.name)).arg(n.score, 0, 'f', 3);
    return parts.join(QStringLiteral(", "));
}

HeatmapComparisonModel::HeatmapComparisonModel(QObject* parent) : QAbstractListModel(parent) {}

void HeatmapComparisonModel::redraw(Entry& entry) const {
    entry.overlay = blendHeatmap(entry.explanation.view, entry.explanation.map, opacity_, colormap_);
}

void HeatmapComparisonModel::append(const Explanation& explanation) {
    beginInsertRows({}, int(entries_.size()), int(entries_.size()));
    Entry entry{explanation, {}};
    redraw(entry);
    entries_.append(entry);
    endInsertRows();
}

void HeatmapComparisonModel::removeAt(int row) {
    if (row < 0 || row >= entries_.size()) return;
    beginRemoveRows({}, row, row);
    entries_.removeAt(row);
    endRemoveRows();
}

void HeatmapComparisonModel::clear() {
    beginResetModel();
    entries_.clear();
    endResetModel();
}

void HeatmapComparisonModel::setAppearance(int colormap, double opacity, int thumbnailSize) {
    colormap_ = colormap;
    opacity_ = opacity;
    thumbnailSize_ = thumbnailSize;
    for (auto& entry : entries_) redraw(entry);
    if (!entries_.isEmpty()) emit dataChanged(index(0), index(int(entries_.size()) - 1), {Qt::DecorationRole});
}

int HeatmapComparisonModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(entries_.size());
}

QVariant HeatmapComparisonModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= entries_.size()) return {};
    const Entry& entry = entries_.at(index.row());
    const Explanation& e = entry.explanation;
    const QString className = QString::fromStdString(e.className);
    const QString image = QString::fromStdString(e.imagePath);
    switch (role) {
    case Qt::DisplayRole: return QStringLiteral("%1\n%2").arg(className, image.section(QLatin1Char('/'), -1));
    case Qt::DecorationRole: return QPixmap::fromImage(fitThumbnail(entry.overlay, thumbnailSize_));
    case Qt::ToolTipRole:
        return tr("%1 on %2 (stage %3), logit %4\nexplanation: %5")
            .arg(className, image, QString::fromStdString(e.stageName))
            .arg(e.classLogit, 0, 'f', 3)
            .arg(scoredNames(e.attributes));
    case ClassRole: return className;
    case ImageRole: return image;
    case StageRole: return QString::fromStdString(e.stageName);
    case LogitRole: return e.classLogit;
    default: return {};
    }
}

}  // namespace niwt::gui
