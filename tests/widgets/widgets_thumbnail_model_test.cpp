// ThumbnailModel: thumbnails of real PNG files (written by the test into a temporary folder)
// arrive off the GUI thread; unreadable files become a placeholder instead of a crash; the
// list is capped; a view only loads what it shows; and the model can be replaced or deleted
// while loads are still running.
#include "widgets/thumbnail_model.h"

#include <QFile>
#include <QImage>
#include <QListView>
#include <QPixmap>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using niwt::gui::ThumbnailModel;

class ThumbnailModelTest : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    QString redWide_, greenLarge_, graySmall_, corrupt_, missing_;

    QString writeImage(const QString& name, int width, int height, QColor color) {
        QImage image(width, height, QImage::Format_RGB32);
        image.fill(color);
        const QString path = dir_.filePath(name);
        if (!image.save(path, "PNG")) qFatal("cannot write %s", qPrintable(path));
        return path;
    }
    QVector<ThumbnailModel::Item> items(const QStringList& paths) {
        QVector<ThumbnailModel::Item> out;
        for (const QString& path : paths) out.push_back({path, QFileInfo(path).fileName(), path});
        return out;
    }
    // What a view does: asking for a row's decoration starts its load.
    static void touchAll(const ThumbnailModel& model) {
        for (int r = 0; r < model.rowCount(); ++r) model.index(r).data(Qt::DecorationRole);
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        redWide_ = writeImage(QStringLiteral("red.png"), 40, 20, Qt::red);
        greenLarge_ = writeImage(QStringLiteral("green.png"), 300, 150, Qt::green);
        graySmall_ = writeImage(QStringLiteral("gray.png"), 28, 28, QColor(128, 128, 128));
        corrupt_ = dir_.filePath(QStringLiteral("corrupt.png"));
        QFile file(corrupt_);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("\x89PNG\r\n\x1a\nthis is not really a PNG file");
        file.close();
        missing_ = dir_.filePath(QStringLiteral("missing.png"));
    }

    void nothingLoadsUntilAsked() {
        // Lazy: setting the list reads no file; rows stay Pending until a view (or prefetch) asks.
        ThumbnailModel model;
        model.setItems(items({redWide_, greenLarge_}));
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.inFlightCount(), 0);
        QCOMPARE(model.state(0), ThumbnailModel::State::Pending);
        QCOMPARE(model.index(1).data(Qt::DisplayRole).toString(), QStringLiteral("green.png"));
    }

    void thumbnailsArriveScaledToFit() {
        // Each image arrives as a pixmap that fits the thumbnail box with its aspect ratio kept:
        // small images are enlarged by a whole factor (crisp), large ones scaled down.
        ThumbnailModel model;
        model.setThumbnailSize(96);
        QSignalSpy settled(&model, &ThumbnailModel::settled);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setItems(items({redWide_, greenLarge_, graySmall_}));
        touchAll(model);
        QCOMPARE(model.index(0).data(ThumbnailModel::StateRole).toInt(), int(ThumbnailModel::State::Loading));
        QTRY_COMPARE(model.loadedCount(), 3);
        QCOMPARE(model.failedCount(), 0);
        QCOMPARE(changed.count(), 3);
        QTRY_COMPARE(settled.count(), 1);

        const QPixmap red = model.index(0).data(Qt::DecorationRole).value<QPixmap>();
        QCOMPARE(red.size(), QSize(80, 40));  // 40x20 enlarged x2 (x3 would not fit 96)
        QCOMPARE(red.toImage().pixelColor(10, 10), QColor(Qt::red));
        const QPixmap green = model.index(1).data(Qt::DecorationRole).value<QPixmap>();
        QCOMPARE(green.size(), QSize(96, 48));
        const QPixmap gray = model.index(2).data(Qt::DecorationRole).value<QPixmap>();
        QCOMPARE(gray.size(), QSize(84, 84));  // 28x28 enlarged x3
        QCOMPARE(model.state(2), ThumbnailModel::State::Loaded);
    }

    void corruptAndMissingFilesGetAPlaceholder() {
        // An undecodable or missing file must not crash or stall the grid: the row turns Failed,
        // shows a placeholder pixmap, and its tool tip says why (naming the file).
        ThumbnailModel model;
        model.setItems(items({corrupt_, redWide_, missing_}));
        touchAll(model);
        QTRY_COMPARE(model.failedCount(), 2);
        QTRY_COMPARE(model.loadedCount(), 1);
        QCOMPARE(model.inFlightCount(), 0);
        for (int row : {0, 2}) {
            QCOMPARE(model.state(row), ThumbnailModel::State::Failed);
            const QPixmap placeholder = model.index(row).data(Qt::DecorationRole).value<QPixmap>();
            QVERIFY(!placeholder.isNull());
            QCOMPARE(placeholder.size(), QSize(model.thumbnailSize(), model.thumbnailSize()));
            const QString error = model.index(row).data(ThumbnailModel::ErrorRole).toString();
            QVERIFY2(!error.isEmpty(), "a failed row carries the reader's message");
            QVERIFY2(model.index(row).data(Qt::ToolTipRole).toString().contains(error), "the tool tip shows it");
        }
        QVERIFY(model.index(0).data(ThumbnailModel::ErrorRole).toString().contains(QStringLiteral("corrupt.png")));
    }

    void listIsCappedAndCountsTheRest() {
        // Classes can hold thousands of images: only the first maxItems() become rows.
        ThumbnailModel model;
        model.setMaxItems(2);
        model.setItems(items({redWide_, greenLarge_, graySmall_, corrupt_, missing_}));
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.totalItems(), 5);
    }

    void cachedThumbnailsAreReadyAtOnce() {
        // Coming back to a class shows its thumbnails from the cache, without reading the files.
        ThumbnailModel model;
        model.setItems(items({redWide_, graySmall_}));
        touchAll(model);
        QTRY_COMPARE(model.loadedCount(), 2);
        model.setItems(items({greenLarge_}));
        model.setItems(items({redWide_, graySmall_}));
        QCOMPARE(model.loadedCount(), 2);
        QCOMPARE(model.inFlightCount(), 0);
        QCOMPARE(model.state(0), ThumbnailModel::State::Loaded);
    }

    void replacingTheListDropsStaleResults() {
        // Switching class while loads run: results for the old list must not land in the new one.
        ThumbnailModel model;
        QStringList many;
        for (int i = 0; i < 40; ++i) many << (i % 2 ? greenLarge_ : redWide_);
        model.setCacheCapacity(0);  // force real loads
        model.setItems(items(many));
        touchAll(model);
        model.setItems(items({corrupt_}));
        touchAll(model);
        QTRY_COMPARE(model.failedCount(), 1);
        QTest::qWait(200);  // give stale loads time to (wrongly) arrive
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.loadedCount(), 0);
        QCOMPARE(model.failedCount(), 1);
    }

    void deletingTheModelWhileLoadingIsSafe() {
        // The model's destructor drops queued loads and waits for running ones: no crash, no leak
        // of results into a deleted object.
        auto model = std::make_unique<ThumbnailModel>();
        model->setCacheCapacity(0);
        QStringList many;
        for (int i = 0; i < 100; ++i) many << greenLarge_;
        model->setItems(items(many));
        touchAll(*model);
        model.reset();
        QTest::qWait(100);
    }

    void aViewLoadsOnlyWhatItShows() {
        // In a small IconMode view, only the visible rows (plus a few) are requested, not all 200.
        ThumbnailModel model;
        model.setThumbnailSize(64);
        QStringList many;
        for (int i = 0; i < 200; ++i) many << graySmall_;
        model.setCacheCapacity(0);
        model.setItems(items(many));
        QListView view;
        view.setViewMode(QListView::IconMode);
        view.setMovement(QListView::Static);
        view.setUniformItemSizes(true);
        view.setGridSize(QSize(80, 96));
        view.setIconSize(QSize(64, 64));
        view.setModel(&model);
        view.resize(300, 220);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QTRY_VERIFY(model.loadedCount() > 0);
        QTRY_COMPARE(model.inFlightCount(), 0);
        QVERIFY2(model.loadedCount() < 60, qPrintable(QStringLiteral("loaded %1 of 200").arg(model.loadedCount())));
    }
};

QTEST_MAIN(ThumbnailModelTest)
#include "widgets_thumbnail_model_test.moc"
