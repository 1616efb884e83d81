// The Ranked Images panel's captions at its default grid: CUB's longest class names ("#200 Nelson
// Sharp tailed Sparrow") wrap to whole words inside the item's rect, never elided, and the tool tip
// repeats the caption.
#include "core/data/dataset.h"
#include "core/pipeline/niwt_session.h"
#include "widgets/ranked_images_panel.h"
#include "widgets/thumbnail_model.h"

#include <QListView>
#include <QStyle>
#include <QStyleOptionViewItem>
#include <QtTest>

#include <memory>

using niwt::gui::RankedImagesPanel;
using niwt::gui::ThumbnailModel;

namespace {
// CUB-200-2011's longest class names, one image each (no file: the thumbnails show a placeholder).
const char* const kLongNames[] = {"200.Nelson_Sharp_tailed_Sparrow", "048.Black_throated_Blue_Warbler",
                                  "012.Ruby_throated_Hummingbird",   "191.Red_headed_Woodpecker",
                                  "043.Yellow_bellied_Flycatcher",   "151.Scissor_tailed_Flycatcher",
                                  "029.Gray_crowned_Rosy_Finch",     "198.Black_and_white_Warbler"};

std::shared_ptr<niwt::Dataset> longNamedDataset() {
    auto d = std::make_shared<niwt::Dataset>();
    d->spec = "cub:/nowhere";
    d->kind = "cub";
    for (const char* name : kLongNames) {
        niwt::ClassInfo info;
        info.id = int(d->classes.size()) + 1;
        info.name = name;
        d->classes.push_back(info);
        niwt::ImageInfo image;
        image.path = "/nowhere/" + std::string(name) + ".jpg";
        image.classIndex = int(d->classes.size()) - 1;
        d->images.push_back(image);
    }
    return d;
}
}  // namespace

class RankedImagesPanelTest : public QObject {
    Q_OBJECT

private slots:
    void longCaptionsFitTheirItemsWhole() {
        auto dataset = longNamedDataset();
        RankedImagesPanel panel;
        panel.setDataset(dataset);
        niwt::LearnedClass learned;
        learned.name = "Red-headed woodpecker guess";
        // Rank 200 first: the widest rank number with the longest name.
        for (int i = 0; i < 200; ++i)
            learned.ranking.push_back({i % int(dataset->images.size()), 1.0f - i * 0.001f, 0});
        panel.setTopCount(200);
        panel.showClass(learned);
        panel.resize(640, 420);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));

        QListView* view = panel.view();
        QVERIFY(view->wordWrap());
        const QFontMetrics metrics(view->font());
        const int textMargin = view->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, view) + 1;
        ThumbnailModel* model = panel.model();
        QCOMPARE(model->rowCount(), 200);
        for (int row : {0, 1, 2, 3, 4, 5, 6, 7, 99, 199}) {
            const QModelIndex index = model->index(row);
            const QString caption = index.data(Qt::DisplayRole).toString();
            QVERIFY(caption.startsWith(QLatin1Char('#')));
            QVERIFY2(index.data(Qt::ToolTipRole).toString().startsWith(caption + QLatin1Char('\n')),
                     qPrintable(caption));

            const QRect item = view->visualRect(index);
            QVERIFY2(item.isValid(), qPrintable(caption));
            // The caption wrapped at word boundaries into the item's width, below the thumbnail.
            const int textWidth = item.width() - 2 * textMargin;
            const QRect text =
                metrics.boundingRect(QRect(0, 0, textWidth, 100000), Qt::AlignHCenter | Qt::TextWordWrap, caption);
            const int textRoom = item.height() - view->iconSize().height() - 2 * textMargin;
            QVERIFY2(
                text.width() <= textWidth,
                qPrintable(QStringLiteral("%1: %2 px wide, %3 px room").arg(caption).arg(text.width()).arg(textWidth)));
            QVERIFY2(
                text.height() <= textRoom,
                qPrintable(QStringLiteral("%1: %2 px high, %3 px room").arg(caption).arg(text.height()).arg(textRoom)));
            QVERIFY2(text.height() <= 2 * metrics.lineSpacing(), qPrintable(caption));

            // What the view's style needs to draw it (icon above, caption wrapped) fits the item too.
            QStyleOptionViewItem option;
            option.initFrom(view);
            option.font = view->font();
            option.rect = item;
            option.features =
                QStyleOptionViewItem::WrapText | QStyleOptionViewItem::HasDisplay | QStyleOptionViewItem::HasDecoration;
            option.decorationPosition = QStyleOptionViewItem::Top;
            option.decorationSize = view->iconSize();
            option.displayAlignment = Qt::AlignCenter;
            option.textElideMode = view->textElideMode();
            option.text = caption;
            const QSize needed = view->style()->sizeFromContents(QStyle::CT_ItemViewItem, &option, QSize(), view);
            QVERIFY2(needed.width() <= item.width() && needed.height() <= item.height(),
                     qPrintable(QStringLiteral("%1: needs %2x%3, item %4x%5")
                                    .arg(caption)
                                    .arg(needed.width())
                                    .arg(needed.height())
                                    .arg(item.width())
                                    .arg(item.height())));
        }
    }
};

QTEST_MAIN(RankedImagesPanelTest)
#include "widgets_ranked_images_panel_test.moc"
