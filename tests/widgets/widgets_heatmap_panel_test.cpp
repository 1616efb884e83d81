// The heatmap panel's GUI side, no engine: re-blending a cached map with the colour map and
// opacity controls (opacity 0 is the input view exactly, 1 the colour map alone), the comparison
// row, saving the overlay as PNG, and a bad file dropped on the panel (a clear one-line error, no
// crash, nothing taken).
#include "core/pipeline/heatmap.h"
#include "widget_test_support.h"
#include "widgets/explainer_controller.h"
#include "widgets/heatmap_comparison_model.h"
#include "widgets/heatmap_panel.h"

#include <QDropEvent>
#include <QFile>
#include <QMimeData>
#include <QSignalSpy>
#include <QUrl>
#include <QtTest>

using niwt::gui::ExplainerController;
using niwt::gui::HeatmapComparisonModel;
using niwt::gui::HeatmapPanel;

namespace {

// A 2 x 2 view with distinct BGR pixels and a map holding the colour map's two ends and two
// middle values, so every pixel of a blend is checkable.
niwt::Explanation tinyExplanation(const std::string& className) {
    niwt::Explanation e;
    e.imagePath = "/data/bird.png";
    e.className = className;
    e.stageName = "block17";
    e.view = (cv::Mat_<cv::Vec3b>(2, 2) << cv::Vec3b(10, 20, 30), cv::Vec3b(40, 50, 60), cv::Vec3b(70, 80, 90),
              cv::Vec3b(100, 110, 120));
    e.map = (cv::Mat_<float>(2, 2) << 0.0f, 0.25f, 0.5f, 1.0f);
    e.classLogit = 3.5;
    e.predictions = {{"Laysan_Albatross", 3.5, true}, {"my_new_bird", 2.25, false}};
    e.attributes = {{"has_wing_color::black", 0.5}, {"has_size::large", 0.25}};
    return e;
}

QRgb bgrPixel(const cv::Mat& bgr, int row, int col) {
    const auto p = bgr.at<cv::Vec3b>(row, col);
    return qRgb(p[2], p[1], p[0]);
}

void compareToBgr(const QImage& image, const cv::Mat& bgr) {
    QCOMPARE(image.size(), QSize(bgr.cols, bgr.rows));
    for (int r = 0; r < bgr.rows; ++r)
        for (int c = 0; c < bgr.cols; ++c)
            QCOMPARE(image.pixel(c, r), bgrPixel(bgr, r, c));
}

}  // namespace

class HeatmapPanelTest : public QObject {
    Q_OBJECT
private:
    QTemporaryDir dir_;

private slots:
    void initTestCase() { niwt::test::isolateUserState(dir_); }

    // Re-blending happens on the GUI side from the cached map and view: no request, no engine.
    void opacityAndColormapReblendTheCachedMap() {
        ExplainerController controller;
        HeatmapPanel panel(&controller);
        const auto e = tinyExplanation("Laysan_Albatross");
        panel.showExplanation(e);
        QVERIFY(panel.hasExplanation());

        // Opacity 0: out = image exactly.
        panel.setOpacity(0.0);
        compareToBgr(panel.currentOverlay(), e.view);

        // Opacity 1: out = colour(map) exactly; JET's low end (map 0) is blue, its high end (1) red.
        panel.setColormap(cv::COLORMAP_JET);
        panel.setOpacity(1.0);
        compareToBgr(panel.currentOverlay(), niwt::colourMap(e.map, cv::COLORMAP_JET));
        const QColor low = panel.currentOverlay().pixelColor(0, 0), high = panel.currentOverlay().pixelColor(1, 1);
        QVERIFY(low.blue() > low.red());
        QVERIFY(high.red() > high.blue());

        // Another colour map changes the drawing, not the data: VIRIDIS at opacity 1.
        panel.setColormap(cv::COLORMAP_VIRIDIS);
        QCOMPARE(panel.colormap(), int(cv::COLORMAP_VIRIDIS));
        compareToBgr(panel.currentOverlay(), niwt::colourMap(e.map, cv::COLORMAP_VIRIDIS));

        // Opacity 0.5: each channel is round(0.5 image + 0.5 colour), as overlayHeatmap defines.
        panel.setOpacity(0.5);
        compareToBgr(panel.currentOverlay(), niwt::overlayHeatmap(e.view, e.map, 0.5, cv::COLORMAP_VIRIDIS));

        // The text beside it: predictions best first, new classes marked, and the explanation.
        QCOMPARE(panel.predictionsText(), QStringLiteral("Laysan_Albatross (3.500)\nmy_new_bird [new] (2.250)"));
        QCOMPARE(panel.explanationText(), QStringLiteral("has_wing_color::black (0.500), has_size::large (0.250)"));
    }

    void comparisonRowHoldsPairsSideBySide() {
        ExplainerController controller;
        HeatmapPanel panel(&controller);
        HeatmapComparisonModel* row = panel.comparisonModel();
        panel.addToComparison();  // nothing shown yet: nothing added
        QCOMPARE(row->rowCount(), 0);

        panel.showExplanation(tinyExplanation("my_new_bird"));
        panel.addToComparison();
        panel.showExplanation(tinyExplanation("Laysan_Albatross"));
        panel.addToComparison();
        QCOMPARE(row->rowCount(), 2);
        QCOMPARE(row->data(row->index(0), HeatmapComparisonModel::ClassRole).toString(), QStringLiteral("my_new_bird"));
        QCOMPARE(row->data(row->index(1), HeatmapComparisonModel::ClassRole).toString(), QStringLiteral("Laysan_Albatross"));
        QCOMPARE(row->data(row->index(1), HeatmapComparisonModel::LogitRole).toDouble(), 3.5);
        QVERIFY(!row->data(row->index(0), Qt::DecorationRole).value<QPixmap>().isNull());

        // The row follows the panel's controls: opacity 0 shows each entry's view exactly.
        QSignalSpy changed(row, &QAbstractItemModel::dataChanged);
        panel.setOpacity(0.0);
        QVERIFY(changed.count() >= 1);
        compareToBgr(row->overlay(0), tinyExplanation("x").view);
        compareToBgr(row->overlay(1), tinyExplanation("x").view);

        row->removeAt(0);
        QCOMPARE(row->rowCount(), 1);
        QCOMPARE(row->data(row->index(0), HeatmapComparisonModel::ClassRole).toString(), QStringLiteral("Laysan_Albatross"));
        row->clear();
        QCOMPARE(row->rowCount(), 0);
    }

    void savesTheOverlayAsPng() {
        ExplainerController controller;
        HeatmapPanel panel(&controller);
        QSignalSpy errors(&panel, &HeatmapPanel::errorReported);
        const QString path = dir_.filePath(QStringLiteral("overlay.png"));
        QVERIFY(!panel.saveOverlay(path));  // nothing shown yet
        QCOMPARE(errors.count(), 1);
        QVERIFY(errors.takeFirst().at(0).toString().startsWith(path + QStringLiteral(": nothing to save")));

        panel.showExplanation(tinyExplanation("Laysan_Albatross"));
        panel.setOpacity(0.0);
        QVERIFY(panel.saveOverlay(path));
        QImage saved(path);
        compareToBgr(saved.convertToFormat(QImage::Format_RGB32), tinyExplanation("x").view);

        const QString bad = dir_.filePath(QStringLiteral("no/such/folder/overlay.png"));
        QVERIFY(!panel.saveOverlay(bad));
        QCOMPARE(errors.count(), 1);
        QVERIFY(errors.first().at(0).toString().startsWith(bad + QStringLiteral(": cannot write")));
    }

    // A text file named .png dropped on the panel: refused with one line naming the file; the
    // panel keeps no image and keeps working (a real image afterwards is taken).
    void badDroppedFileGivesAClearError() {
        ExplainerController controller;
        HeatmapPanel panel(&controller);
        QSignalSpy errors(&panel, &HeatmapPanel::errorReported);
        const QString fake = dir_.filePath(QStringLiteral("bird.png"));
        {
            QFile f(fake);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("this is not an image\n");
        }
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(fake)});
        QDragEnterEvent enter(QPoint(5, 5), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&panel, &enter);
        QVERIFY(enter.isAccepted());  // a local file is offered; it is checked on drop
        QDropEvent drop(QPointF(5, 5), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&panel, &drop);
        QCOMPARE(errors.count(), 1);
        const QString message = errors.first().at(0).toString();
        QVERIFY2(message.startsWith(fake + QStringLiteral(": not a readable image")), qPrintable(message));
        QVERIFY(!message.contains(QLatin1Char('\n')));
        QCOMPARE(panel.imagePath(), QString());

        // A missing file says so.
        QVERIFY(!panel.openImageFile(dir_.filePath(QStringLiteral("missing.jpg"))));
        QVERIFY(errors.last().at(0).toString().endsWith(QStringLiteral("missing.jpg: no such file")));

        // A real PNG is taken.
        const QString real = dir_.filePath(QStringLiteral("real.png"));
        QImage image(4, 4, QImage::Format_RGB32);
        image.fill(Qt::red);
        QVERIFY(image.save(real));
        QVERIFY(panel.openImageFile(real));
        QCOMPARE(panel.imagePath(), real);
        QCOMPARE(errors.count(), 2);
    }
};

QTEST_MAIN(HeatmapPanelTest)
#include "widgets_heatmap_panel_test.moc"
