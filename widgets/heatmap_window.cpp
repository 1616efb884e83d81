#include "widgets/heatmap_window.h"

#include <QPainter>
#include <QVBoxLayout>

namespace niwt::gui {

namespace {
constexpr int kWindowSide = 640;  // the pop-out window's first size (it is resizable)
}  // namespace

ScaledImageView::ScaledImageView(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ScaledImageView::setImage(const QImage& image) {
    image_ = image;
    update();
}

void ScaledImageView::setPlaceholderText(const QString& text) {
    placeholder_ = text;
    update();
}

QRect ScaledImageView::imageRect() const {
    if (image_.isNull() || width() <= 0 || height() <= 0) return {};
    const QSize fitted = image_.size().scaled(size(), Qt::KeepAspectRatio);
    return QRect(QPoint((width() - fitted.width()) / 2, (height() - fitted.height()) / 2), fitted);
}

QSize ScaledImageView::sizeHint() const {
    // Not the image's size: a small network input (e.g. 224 px) would make the view small, and
    // a size hint that followed the drawn size would make layouts grow without end.
    return minimumSize().expandedTo(QSize(320, 320));
}

void ScaledImageView::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    if (image_.isNull()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, placeholder_);
        return;
    }
    painter.setRenderHint(QPainter::SmoothPixmapTransform);
    painter.drawImage(imageRect(), image_);
}

HeatmapWindow::HeatmapWindow(QWidget* parent) : QDialog(parent) {
    setObjectName(QStringLiteral("heatmapWindow"));
    setModal(false);
    setSizeGripEnabled(true);
    setWindowFlag(Qt::WindowMaximizeButtonHint);
    setWindowFlag(Qt::WindowContextHelpButtonHint, false);
    view_ = new ScaledImageView(this);
    view_->setObjectName(QStringLiteral("heatmapWindowImage"));
    view_->setMinimumSize(160, 160);
    view_->setPlaceholderText(tr("No heat map shown"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view_);
    resize(kWindowSide, kWindowSide);
}

void HeatmapWindow::setOverlay(const QImage& overlay, const QString& caption) {
    view_->setImage(overlay);
    setWindowTitle(caption.isEmpty() ? tr("Heat map") : tr("Heat map: %1").arg(caption));
}

}  // namespace niwt::gui
