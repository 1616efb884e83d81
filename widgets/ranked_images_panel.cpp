#include "widgets/ranked_images_panel.h"

#include "widgets/thumbnail_model.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QLocale>
#include <QRegularExpression>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <map>

namespace niwt::gui {

namespace {
constexpr int kThumbnailPixels = 96;
constexpr int kCaptionLines = 2;        // captions wrap under the thumbnail, whole words
constexpr int kCaptionExtraWidth = 44;  // px beside the thumbnail: "#200 Nelson Sharp" on one line
constexpr int kSummaryClasses = 3;      // the summary names this many most frequent true classes
}  // namespace

RankedImagesPanel::RankedImagesPanel(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("rankedImagesPanel"));
    title_ = new QLabel(this);
    title_->setObjectName(QStringLiteral("rankedTitle"));
    title_->setTextFormat(Qt::RichText);
    summary_ = new QLabel(this);
    summary_->setObjectName(QStringLiteral("rankedSummary"));
    summary_->setWordWrap(true);
    topBox_ = new QSpinBox(this);
    topBox_->setObjectName(QStringLiteral("rankedTopCount"));
    topBox_->setRange(1, 200);
    topBox_->setValue(48);
    topBox_->setPrefix(tr("top "));
    topBox_->setToolTip(tr("How many of the highest-scoring images to show"));

    model_ = new ThumbnailModel(this);
    model_->setMaxItems(topBox_->maximum());
    model_->setThumbnailSize(kThumbnailPixels);
    view_ = new QListView(this);
    view_->setObjectName(QStringLiteral("rankedView"));
    view_->setViewMode(QListView::IconMode);
    view_->setMovement(QListView::Static);
    view_->setResizeMode(QListView::Adjust);
    view_->setWrapping(true);
    view_->setUniformItemSizes(true);
    view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    // "#2 Red headed Woodpecker" whole: wrapped to two lines under the thumbnail, not elided
    // (the tool tip repeats it); only a caption longer than two lines would still be elided.
    view_->setWordWrap(true);
    view_->setTextElideMode(Qt::ElideRight);
    view_->setIconSize(QSize(kThumbnailPixels, kThumbnailPixels));
    const QSize grid(kThumbnailPixels + kCaptionExtraWidth,
                     kThumbnailPixels + kCaptionLines * view_->fontMetrics().lineSpacing() + 14);
    view_->setGridSize(grid);
    model_->setItemSize(grid - QSize(4, 4));  // the item, not only the grid, has the caption's room
    view_->setModel(model_);

    auto* header = new QHBoxLayout;
    header->addWidget(title_, 1);
    header->addWidget(topBox_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(header);
    layout->addWidget(summary_);
    layout->addWidget(view_, 1);

    connect(topBox_, &QSpinBox::valueChanged, this, &RankedImagesPanel::rebuild);
    rebuild();
}

void RankedImagesPanel::setDataset(std::shared_ptr<const Dataset> dataset) {
    dataset_ = std::move(dataset);
    clearClass();
}

void RankedImagesPanel::showClass(const niwt::LearnedClass& learned) {
    learned_ = learned;
    shownName_ = QString::fromStdString(learned.name);
    rebuild();
}

void RankedImagesPanel::clearClass() {
    learned_ = {};
    shownName_.clear();
    rebuild();
}

void RankedImagesPanel::setTopCount(int count) { topBox_->setValue(count); }
int RankedImagesPanel::topCount() const { return topBox_->value(); }

void RankedImagesPanel::rebuild() {
    shownClasses_.clear();
    if (!dataset_ || shownName_.isEmpty()) {
        model_->clear();
        title_->setText(tr("<i>Learn a class in the composer to see the images it ranks highest</i>"));
        summary_->clear();
        return;
    }
    const int count = std::min<int>(topBox_->value(), int(learned_.ranking.size()));
    QVector<ThumbnailModel::Item> items;
    std::map<QString, int> perClass;
    for (int rank = 0; rank < count; ++rank) {
        const RankedImage& ranked = learned_.ranking[size_t(rank)];
        if (ranked.image < 0 || size_t(ranked.image) >= dataset_->images.size()) continue;
        const ImageInfo& image = dataset_->images[size_t(ranked.image)];
        const QString trueClass = QString::fromStdString(dataset_->classes[size_t(image.classIndex)].name);
        shownClasses_ << trueClass;
        ++perClass[trueClass];
        ThumbnailModel::Item item;
        item.path = QString::fromStdString(image.path);
        // CUB's "056.Pine_Grosbeak" without its number, so the label shows the name (the tool tip
        // and the summary keep the full one).
        static const QRegularExpression numberPrefix(QStringLiteral("^\\d+\\."));
        QString shortName = trueClass;
        shortName.remove(numberPrefix);
        shortName.replace(QLatin1Char('_'), QLatin1Char(' '));
        item.label = tr("#%1 %2").arg(rank + 1).arg(shortName);
        item.toolTip = tr("%1\nrank %2, score %3\ntrue class: %4\n%5")
                           .arg(item.label)
                           .arg(rank + 1)
                           .arg(QLocale().toString(double(ranked.score), 'f', 3), trueClass, item.path);
        items.push_back(std::move(item));
    }
    model_->setItems(items);
    title_->setText(tr("<b>%1</b>: highest-scoring images of %2")
                        .arg(shownName_.toHtmlEscaped())
                        .arg(QLocale().toString(qulonglong(learned_.ranking.size()))));
    // Which real classes the new classifier picks: the quickest check of what it learned.
    std::vector<std::pair<int, QString>> frequent;
    for (const auto& [name, n] : perClass) frequent.emplace_back(-n, name);
    std::sort(frequent.begin(), frequent.end());
    QStringList parts;
    for (size_t i = 0; i < frequent.size() && int(i) < kSummaryClasses; ++i)
        parts << tr("%1 × %2").arg(-frequent[i].first).arg(frequent[i].second);
    summary_->setText(tr("Top %1 by true class: %2").arg(count).arg(parts.join(QStringLiteral(", "))));
}

}  // namespace niwt::gui
