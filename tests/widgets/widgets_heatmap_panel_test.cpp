// The heatmap panel's GUI side, no engine: re-blending a cached map with the colour map and
// opacity controls (opacity 0 is the input view exactly, 1 the colour map alone), the comparison
// row, saving the overlay as PNG, a bad file dropped on the panel (a clear one-line error, no
// crash, nothing taken), the image's 320 px minimum in a dock-sized panel, and the Pop Out window.
#include "core/pipeline/heatmap.h"
#include "widget_test_support.h"
#include "widgets/explainer_controller.h"
#include "widgets/heatmap_comparison_model.h"
#include "widgets/heatmap_panel.h"
#include "widgets/heatmap_window.h"

#include <QDropEvent>
#include <QFile>
#include <QMimeData>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalSpy>
#include <QSplitter>
#include <QTextBrowser>
#include <QUrl>
#include <QtTest>

using niwt::gui::ExplainerController;
using niwt::gui::HeatmapComparisonModel;
using niwt::gui::HeatmapPanel;
using niwt::gui::HeatmapWindow;
using niwt::gui::ScaledImageView;

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

// A wide explanation: a 4 x 2 (width x height) view, so the overlay's aspect ratio is 2:1 and a
// drawing that stretched it to a square would show.
niwt::Explanation wideExplanation(const std::string& className) {
    niwt::Explanation e = tinyExplanation(className);
    e.view = cv::Mat(2, 4, CV_8UC3, cv::Scalar(30, 60, 90));
    e.map = (cv::Mat_<float>(2, 4) << 0.0f, 0.25f, 0.5f, 1.0f, 1.0f, 0.5f, 0.25f, 0.0f);
    return e;
}

QRgb bgrPixel(const cv::Mat& bgr, int row, int col) {
    const auto p = bgr.at<cv::Vec3b>(row, col);
    return qRgb(p[2], p[1], p[0]);
}

void compareToBgr(const QImage& image, const cv::Mat& bgr) {
    QCOMPARE(image.size(), QSize(bgr.cols, bgr.rows));
    for (int r = 0; r < bgr.rows; ++r)
        for (int c = 0; c < bgr.cols; ++c) QCOMPARE(image.pixel(c, r), bgrPixel(bgr, r, c));
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
        QCOMPARE(row->data(row->index(1), HeatmapComparisonModel::ClassRole).toString(),
                 QStringLiteral("Laysan_Albatross"));
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
        QCOMPARE(row->data(row->index(0), HeatmapComparisonModel::ClassRole).toString(),
                 QStringLiteral("Laysan_Albatross"));
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

    // The image never gets under 320 x 320: in a dock-sized scroll area (the main window docks
    // the panel in one, 380 px wide by default), with a long explanation below it, and with the
    // splitter dragged all the way towards the image. It grows when the dock is larger.
    void imageKeepsItsMinimumAndGrows() {
        ExplainerController controller;
        HeatmapPanel* panel = new HeatmapPanel(&controller);
        QScrollArea area;
        area.setWidgetResizable(true);
        area.setWidget(panel);
        area.resize(380, 700);
        area.show();
        QVERIFY(QTest::qWaitForWindowExposed(&area));
        // The panel fits the 380 px dock without scrolling sideways (its buttons wrap to two rows),
        // so the image and the Pop Out button are in view.
        QVERIFY2(panel->width() <= area.viewport()->width(),
                 qPrintable(QStringLiteral("%1 > %2").arg(panel->width()).arg(area.viewport()->width())));

        ScaledImageView* image = panel->imageView();
        QCOMPARE(image->objectName(), QStringLiteral("heatmapImage"));
        QVERIFY(image->minimumWidth() >= 320);
        QVERIFY(image->minimumHeight() >= 320);
        QCOMPARE(image->sizePolicy().horizontalPolicy(), QSizePolicy::Expanding);
        QCOMPARE(image->sizePolicy().verticalPolicy(), QSizePolicy::Expanding);

        niwt::Explanation e = tinyExplanation("Laysan_Albatross");
        for (int i = 0; i < 40; ++i) e.attributes.push_back({"has_long_attribute_name::" + std::to_string(i), 0.01});
        panel->showExplanation(e);
        QCoreApplication::processEvents();
        QVERIFY2(image->width() >= 320 && image->height() >= 320,
                 qPrintable(QStringLiteral("%1 x %2").arg(image->width()).arg(image->height())));

        // The text sits below the image (not beside it), so it can never take the image's width.
        auto* details = panel->findChild<QTextBrowser*>(QStringLiteral("heatmapDetails"));
        QVERIFY(details);
        QVERIFY(details->mapTo(panel, QPoint(0, 0)).y() >= image->mapTo(panel, QPoint(0, image->height())).y());

        auto* split = panel->findChild<QSplitter*>(QStringLiteral("heatmapSplitter"));
        QVERIFY(split);
        split->setSizes({0, 10000});
        QCoreApplication::processEvents();
        QVERIFY(image->height() >= 320);
        QVERIFY(image->width() >= 320);

        // A larger dock: the image grows with it (wider than its minimum).
        area.resize(900, 1400);
        QCoreApplication::processEvents();
        QVERIFY2(image->width() > 500, qPrintable(QString::number(image->width())));
        // And it is drawn square (the 2 x 2 overlay), as large as the view allows.
        const QRect drawn = image->imageRect();
        QCOMPARE(drawn.width(), drawn.height());
        QCOMPARE(drawn.width(), qMin(image->width(), image->height()));
    }

    // Pop Out: disabled until a heat map is shown; then opens one separate, non-modal, resizable
    // top-level window ("heatmapWindow") showing the same overlay with the same aspect ratio,
    // which follows the panel (opacity, new explanations) and goes away when closed.
    void popOutShowsTheOverlayInItsOwnWindow() {
        ExplainerController controller;
        HeatmapPanel panel(&controller);
        panel.resize(400, 900);
        panel.show();
        auto* button = panel.findChild<QPushButton*>(QStringLiteral("heatmapPopOutButton"));
        QVERIFY(button);
        QVERIFY(!button->isEnabled());
        QVERIFY(!panel.popOut());  // nothing to show: nothing opened
        QVERIFY(!panel.popOutWindow());

        panel.showExplanation(wideExplanation("Laysan_Albatross"));
        QVERIFY(button->isEnabled());
        button->click();
        HeatmapWindow* window = panel.popOutWindow();
        QVERIFY(window);
        QCOMPARE(window->objectName(), QStringLiteral("heatmapWindow"));
        QVERIFY(window->isWindow());
        QVERIFY(window->isVisible());
        QVERIFY(!window->isModal());
        QVERIFY(window->isSizeGripEnabled());
        QVERIFY(window->minimumWidth() < window->maximumWidth());
        QVERIFY(window->windowTitle().contains(QStringLiteral("Laysan_Albatross")));

        // Same image as the panel's overlay (4 x 2), drawn with the same 2:1 ratio in both places.
        QCOMPARE(window->view()->image(), panel.currentOverlay());
        QCOMPARE(panel.currentOverlay().size(), QSize(4, 2));
        const QRect inPanel = panel.imageView()->imageRect();
        const QRect inWindow = window->view()->imageRect();
        QVERIFY(!inPanel.isEmpty() && !inWindow.isEmpty());
        QVERIFY2(qAbs(double(inPanel.width()) / inPanel.height() - 2.0) < 0.02,
                 qPrintable(QStringLiteral("%1 x %2").arg(inPanel.width()).arg(inPanel.height())));
        QVERIFY2(qAbs(double(inWindow.width()) / inWindow.height() - 2.0) < 0.02,
                 qPrintable(QStringLiteral("%1 x %2").arg(inWindow.width()).arg(inWindow.height())));
        // It opened at the overlay's shape: 640 wide, 320 high.
        QCOMPARE(window->size(), QSize(640, 320));

        // Resized to 900 x 300 the height limits it: 600 x 300, centred ((900 - 600) / 2 = 150).
        window->resize(900, 300);
        QCoreApplication::processEvents();
        QCOMPARE(window->view()->imageRect(), QRect(150, 0, 600, 300));

        // It follows the panel: another opacity redraws it, another explanation retitles it.
        panel.setOpacity(0.0);
        QCOMPARE(window->view()->image(), panel.currentOverlay());
        compareToBgr(window->view()->image(), wideExplanation("x").view);
        panel.showExplanation(wideExplanation("my_new_bird"));
        QVERIFY(window->windowTitle().contains(QStringLiteral("my_new_bird")));

        // Pop Out again raises the same window; closing it deletes it.
        button->click();
        QCOMPARE(panel.popOutWindow(), window);
        QCOMPARE(panel.findChildren<HeatmapWindow*>().size(), 1);
        window->close();
        QTRY_VERIFY(!panel.popOutWindow());
    }
};

QTEST_MAIN(HeatmapPanelTest)
#include "widgets_heatmap_panel_test.moc"
