#include "widgets/cv_qimage.h"

#include <opencv2/core.hpp>

#include <algorithm>

namespace niwt::gui {

QImage toQImage(const cv::Mat& mat) {
    if (mat.empty()) return {};
    cv::Mat eight = mat;
    if (mat.depth() != CV_8U) cv::normalize(mat, eight, 0, 255, cv::NORM_MINMAX, CV_8U);
    const int stride = static_cast<int>(eight.step);
    switch (eight.channels()) {
    case 1: return QImage(eight.data, eight.cols, eight.rows, stride, QImage::Format_Grayscale8).copy();
    case 3:
        // Converted to RGB32 because that is the format QPainter draws fastest.
        return QImage(eight.data, eight.cols, eight.rows, stride, QImage::Format_BGR888)
            .convertToFormat(QImage::Format_RGB32);
    case 4:
        // OpenCV's BGRA bytes are Qt's ARGB32 on little-endian hosts.
        return QImage(eight.data, eight.cols, eight.rows, stride, QImage::Format_ARGB32).copy();
    default: return {};
    }
}

QImage fitThumbnail(const QImage& image, int size) {
    if (image.isNull() || size <= 0) return image;
    const int longest = std::max(image.width(), image.height());
    if (longest <= size) {
        const int factor = size / longest;
        if (factor <= 1) return image;
        return image.scaled(image.width() * factor, image.height() * factor, Qt::KeepAspectRatio,
                            Qt::FastTransformation);
    }
    return image.scaled(size, size, Qt::KeepAspectRatio, Qt::SmoothTransformation);
}

}  // namespace niwt::gui
