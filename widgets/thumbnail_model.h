#pragma once
// List model of image thumbnails for a QListView in IconMode. Thumbnails load lazily: a row's
// image is read (niwt::readImageReduced, which handles "idx:FILE#N" too) on a private thread pool
// the first time a view asks for its decoration, and arrives on the GUI thread as a QPixmap. Only the first maxItems()
// images are listed, and recently made thumbnails are kept in a cache shared by all rows.
#include <QAbstractListModel>
#include <QCache>
#include <QPixmap>
#include <QSize>
#include <QString>
#include <QThreadPool>
#include <QVector>

#include <atomic>

namespace niwt::gui {

class ThumbnailModel : public QAbstractListModel {
    Q_OBJECT
public:
    struct Item {
        QString path;   // as niwt::readImage takes it: a file or "idx:FILE#N"
        QString label;  // short text under the thumbnail
        QString toolTip;
    };
    enum class State { Pending, Loading, Loaded, Failed };
    enum Role {
        PathRole = Qt::UserRole + 1,  // QString
        StateRole,                    // int(State)
        ErrorRole,                    // QString: why the image failed to load
    };

    explicit ThumbnailModel(QObject* parent = nullptr);
    ~ThumbnailModel() override;  // drops queued loads and waits for the running ones

    // Replaces the list (keeping at most maxItems() of `items`). Loads queued for the old list are
    // dropped; rows whose thumbnail is cached are ready at once.
    void setItems(const QVector<Item>& items);
    void clear() { setItems({}); }
    int totalItems() const { return totalItems_; }  // before the cap

    void setMaxItems(int count);  // applies from the next setItems
    int maxItems() const { return maxItems_; }
    void setThumbnailSize(int pixels);  // reloads the shown rows (from the cache where possible)
    int thumbnailSize() const { return thumbnailSize_; }
    // The size each item asks of its view (Qt::SizeHintRole): room for the thumbnail and its
    // caption. Invalid (the default): the thumbnail plus one line of text.
    void setItemSize(const QSize& size);
    QSize itemSize() const;
    void setCacheCapacity(int kilobytes) { cache_.setMaxCost(kilobytes); }

    // Starts loading rows first..last (clamped) that are not loaded yet, without waiting for a
    // view to show them.
    void prefetch(int first, int last);

    int loadedCount() const { return loadedCount_; }
    int failedCount() const { return failedCount_; }
    int inFlightCount() const { return inFlight_; }
    State state(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

signals:
    // Every load that was started has finished (loaded or failed).
    void settled();

private:
    struct Row {
        Item item;
        State state = State::Pending;
        QPixmap pixmap;
        QString error;
    };
    struct LoadResult {
        QImage image;
        QString error;
    };

    static LoadResult loadThumbnail(const QString& path, int size);
    void request(int row) const;  // const: data() triggers it
    void deliver(int generation, int row, const LoadResult& result);
    QString cacheKey(const QString& path) const;
    QPixmap placeholder(bool failed) const;

    QVector<Row> rows_;
    int totalItems_ = 0;
    int maxItems_ = 200;
    int thumbnailSize_ = 96;
    QSize itemSize_;  // invalid: from thumbnailSize_
    int loadedCount_ = 0;
    int failedCount_ = 0;
    mutable int inFlight_ = 0;
    // Bumped whenever rows_ is replaced; results and queued loads of older generations are dropped.
    int generation_ = 0;
    std::atomic<int> liveGeneration_{0};
    mutable QCache<QString, QPixmap> cache_;
    mutable QPixmap loadingPixmap_;
    mutable QPixmap failedPixmap_;
    mutable QThreadPool pool_;
};

}  // namespace niwt::gui
