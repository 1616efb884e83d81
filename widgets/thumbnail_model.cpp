#include "widgets/thumbnail_model.h"

#include "core/data/image_source.h"
#include "widgets/cv_qimage.h"

#include <QPainter>

#include <algorithm>
#include <exception>

namespace niwt::gui {

ThumbnailModel::ThumbnailModel(QObject* parent) : QAbstractListModel(parent) {
    // Few threads: decoding is I/O- and memory-bound, and the GUI thread must stay responsive.
    pool_.setMaxThreadCount(std::clamp(QThread::idealThreadCount() - 1, 1, 4));
    cache_.setMaxCost(64 * 1024);  // kilobytes
}

ThumbnailModel::~ThumbnailModel() {
    liveGeneration_.store(-1);
    pool_.clear();
    pool_.waitForDone();
}

void ThumbnailModel::setItems(const QVector<Item>& items) {
    beginResetModel();
    ++generation_;
    liveGeneration_.store(generation_);
    pool_.clear();  // loads not started yet are for the old rows
    inFlight_ = 0;
    loadedCount_ = 0;
    failedCount_ = 0;
    totalItems_ = items.size();
    rows_.clear();
    const int shown = std::min<int>(items.size(), maxItems_);
    rows_.reserve(shown);
    for (int i = 0; i < shown; ++i) {
        Row row;
        row.item = items[i];
        if (const QPixmap* cached = cache_.object(cacheKey(row.item.path))) {
            row.pixmap = *cached;
            row.state = State::Loaded;
            ++loadedCount_;
        }
        rows_.push_back(std::move(row));
    }
    endResetModel();
}

void ThumbnailModel::setMaxItems(int count) { maxItems_ = std::max(0, count); }

void ThumbnailModel::setThumbnailSize(int pixels) {
    pixels = std::clamp(pixels, 16, 512);
    if (pixels == thumbnailSize_) return;
    thumbnailSize_ = pixels;
    QVector<Item> items;
    items.reserve(rows_.size());
    for (const Row& row : std::as_const(rows_)) items.push_back(row.item);
    const int total = totalItems_;
    setItems(items);
    totalItems_ = total;
}

void ThumbnailModel::setItemSize(const QSize& size) {
    if (size == itemSize_) return;
    itemSize_ = size;
    if (!rows_.isEmpty()) emit dataChanged(index(0), index(int(rows_.size()) - 1), {Qt::SizeHintRole});
}

QSize ThumbnailModel::itemSize() const {
    return itemSize_.isValid() ? itemSize_ : QSize(thumbnailSize_ + 12, thumbnailSize_ + 26);
}

ThumbnailModel::State ThumbnailModel::state(int row) const {
    return row >= 0 && row < rows_.size() ? rows_[row].state : State::Pending;
}

int ThumbnailModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }

QVariant ThumbnailModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rows_.size()) return {};
    const Row& row = rows_[index.row()];
    switch (role) {
    case Qt::DisplayRole: return row.item.label;
    case Qt::DecorationRole:
        if (row.state == State::Pending) request(index.row());
        if (row.state == State::Loaded) return row.pixmap;
        return placeholder(row.state == State::Failed);
    case Qt::ToolTipRole:
        return row.error.isEmpty() ? row.item.toolTip : row.item.toolTip + QLatin1Char('\n') + row.error;
    case Qt::SizeHintRole: return itemSize();
    case PathRole: return row.item.path;
    case StateRole: return int(row.state);
    case ErrorRole: return row.error;
    }
    return {};
}

void ThumbnailModel::prefetch(int first, int last) {
    first = std::max(first, 0);
    last = std::min(last, int(rows_.size()) - 1);
    for (int i = first; i <= last; ++i)
        if (rows_[i].state == State::Pending) request(i);
}

void ThumbnailModel::request(int rowIndex) const {
    auto* self = const_cast<ThumbnailModel*>(this);
    Row& row = self->rows_[rowIndex];
    row.state = State::Loading;
    ++inFlight_;
    const int generation = generation_;
    const QString path = row.item.path;
    const int size = thumbnailSize_;
    // The pool belongs to this model and its destructor waits for it, so `self` outlives the task;
    // the queued invokeMethod is dropped if the model is deleted before it runs.
    pool_.start([self, generation, rowIndex, path, size] {
        if (self->liveGeneration_.load() != generation) return;  // the list changed meanwhile
        LoadResult result = loadThumbnail(path, size);
        QMetaObject::invokeMethod(
            self, [self, generation, rowIndex, result] { self->deliver(generation, rowIndex, result); },
            Qt::QueuedConnection);
    });
}

ThumbnailModel::LoadResult ThumbnailModel::loadThumbnail(const QString& path, int size) {
    LoadResult result;
    try {
        std::string error;
        // Reduced decoding: large JPEGs (CUB, AwA2) decode 2-4x faster at thumbnail size.
        const cv::Mat mat = niwt::readImageReduced(path.toStdString(), size, &error);
        if (mat.empty()) {
            result.error = error.empty() ? tr("cannot read image") : QString::fromStdString(error);
            return result;
        }
        result.image = fitThumbnail(toQImage(mat), size);
        if (result.image.isNull()) result.error = tr("unsupported image format (%1 channels)").arg(mat.channels());
    } catch (const std::exception& e) {
        result.error = QString::fromLocal8Bit(e.what());
    }
    return result;
}

void ThumbnailModel::deliver(int generation, int rowIndex, const LoadResult& result) {
    if (generation != generation_ || rowIndex >= rows_.size()) return;
    Row& row = rows_[rowIndex];
    if (result.image.isNull()) {
        row.state = State::Failed;
        row.error = result.error;
        ++failedCount_;
    } else {
        row.pixmap = QPixmap::fromImage(result.image);
        row.state = State::Loaded;
        ++loadedCount_;
        const int kilobytes = std::max(1, int(qint64(result.image.sizeInBytes()) / 1024));
        cache_.insert(cacheKey(row.item.path), new QPixmap(row.pixmap), kilobytes);
    }
    const QModelIndex changed = index(rowIndex);
    emit dataChanged(changed, changed, {Qt::DecorationRole, Qt::ToolTipRole, StateRole, ErrorRole});
    if (--inFlight_ == 0) emit settled();
}

QString ThumbnailModel::cacheKey(const QString& path) const {
    return QString::number(thumbnailSize_) + QLatin1Char('|') + path;
}

QPixmap ThumbnailModel::placeholder(bool failed) const {
    QPixmap& pixmap = failed ? failedPixmap_ : loadingPixmap_;
    if (!pixmap.isNull() && pixmap.width() == thumbnailSize_) return pixmap;
    pixmap = QPixmap(thumbnailSize_, thumbnailSize_);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    const QRectF box = QRectF(pixmap.rect()).adjusted(4, 4, -4, -4);
    painter.setPen(QPen(QColor(128, 128, 128, 160), 1.5, Qt::DashLine));
    painter.setBrush(QColor(128, 128, 128, 40));
    painter.drawRoundedRect(box, 6, 6);
    if (failed) {
        // A red cross: the image could not be read.
        painter.setPen(QPen(QColor(200, 60, 60), 3, Qt::SolidLine, Qt::RoundCap));
        const QRectF cross =
            box.adjusted(box.width() * 0.3, box.height() * 0.3, -box.width() * 0.3, -box.height() * 0.3);
        painter.drawLine(cross.topLeft(), cross.bottomRight());
        painter.drawLine(cross.topRight(), cross.bottomLeft());
    }
    return pixmap;
}

}  // namespace niwt::gui
