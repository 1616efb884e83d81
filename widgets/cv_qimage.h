#pragma once
// cv::Mat -> QImage conversion for thumbnails and, later, heatmaps. Safe to call off the GUI
// thread (QImage, unlike QPixmap, may be built in any thread).
#include <QImage>

#include <opencv2/core/mat.hpp>

namespace niwt::gui {

// Deep copy of an 8-bit gray, BGR or BGRA matrix; other depths are min-max scaled to 8 bits first.
// Returns a null QImage for an empty matrix or an unsupported channel count.
QImage toQImage(const cv::Mat& mat);

// Fits `image` into a size x size box, keeping its aspect ratio. Enlarges by a whole factor with
// nearest-neighbour sampling, so tiny images (Fashion-MNIST's 28x28) stay crisp instead of blurred.
QImage fitThumbnail(const QImage& image, int size);

}  // namespace niwt::gui
