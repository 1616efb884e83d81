#pragma once
// Showing a heat map overlay large: ScaledImageView draws an image scaled to fit its rectangle
// (aspect ratio kept, centred), so the Heatmaps panel's image grows with its dock instead of
// staying at one fixed size; HeatmapWindow is the panel's "Pop Out" window, a separate resizable
// top-level window with the same overlay filling it.
#include <QDialog>
#include <QImage>
#include <QWidget>

namespace niwt::gui {

class ScaledImageView : public QWidget {
    Q_OBJECT
public:
    explicit ScaledImageView(QWidget* parent = nullptr);

    // A null image shows placeholderText() instead.
    void setImage(const QImage& image);
    QImage image() const { return image_; }
    void setPlaceholderText(const QString& text);
    QString placeholderText() const { return placeholder_; }

    // Where the image is drawn now: the largest rectangle of the image's aspect ratio that fits
    // the widget, centred (empty without an image).
    QRect imageRect() const;

    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QImage image_;
    QString placeholder_;
};

class HeatmapWindow : public QDialog {
    Q_OBJECT
public:
    explicit HeatmapWindow(QWidget* parent = nullptr);

    // The overlay to show and the window's caption (what it explains).
    void setOverlay(const QImage& overlay, const QString& caption);
    ScaledImageView* view() const { return view_; }

private:
    ScaledImageView* view_ = nullptr;
};

}  // namespace niwt::gui
