#pragma once
// The Heatmaps panel: a Grad-CAM overlay of one image for one class (seen, or learned in the
// explorer), with colour map and opacity controls, the stage picker (showing the bundle's default),
// the top predictions and the textual explanation below it (a splitter that never squeezes the
// image under 320 x 320), a "Pop Out" window showing the overlay large, and a comparison row of
// (image, class) overlays side by side. Images come from the data set (a sample of its images), the
// browser (setImagePath), a file dialog, or any image file dropped on the panel.
//
// Work runs on the shared ExplainerController's thread; results are cached per (image, class,
// stage), so going back to a pair, or changing colour map and opacity, never recomputes.
#include "core/pipeline/explainer.h"

#include <QCache>
#include <QImage>
#include <QPointer>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QListView;
class QPushButton;
class QSlider;
class QTextBrowser;

namespace niwt::gui {

class ExplainerController;
class HeatmapComparisonModel;
class HeatmapWindow;
class ScaledImageView;

class HeatmapPanel : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapPanel(ExplainerController* controller, QWidget* parent = nullptr);
    ~HeatmapPanel() override;

    ExplainerController* controller() const { return controller_; }

    // The image to explain: a file or "idx:FILE#N". Requests its explanation when a class is chosen.
    void setImagePath(const QString& path);
    QString imagePath() const { return imagePath_; }
    // An image file from outside the data set (drop, file dialog): checked to be a readable image
    // first; a bad one is reported (errorReported, one line naming the file) and not taken.
    bool openImageFile(const QString& path);
    // Selects a class: a seen class (data set index) or a new class by name. False when not offered.
    bool selectSeenClass(int classIndex);
    bool selectNewClass(const QString& name);
    // Stage by name (empty: the default).
    void setStage(const QString& name);
    QString stage() const;

    void setColormap(int cvColormap);
    int colormap() const;
    void setOpacity(double opacity);  // 0..1 (the slider holds percent)
    double opacity() const;

    // Shows an explanation (also how results arrive from the engine) and caches it.
    void showExplanation(const Explanation& explanation);
    // Forgets the shown and cached explanations (the engine was reset for another context).
    void clearExplanation();
    bool hasExplanation() const { return hasCurrent_; }
    const Explanation& currentExplanation() const { return current_; }
    // The overlay as drawn now, at the network's input resolution.
    QImage currentOverlay() const { return overlay_; }
    // The overlay as the panel draws it (scaled to fit, at least kMinimumImageSide on each side).
    ScaledImageView* imageView() const { return overlayView_; }
    static constexpr int kMinimumImageSide = 320;
    // Opens (or raises) the pop-out window: the current overlay in its own resizable, non-modal
    // top-level window that follows the panel (new explanations, colour map, opacity). Closing it
    // deletes it; popOutWindow() is then null. Null (nothing opened) while no heat map is shown.
    HeatmapWindow* popOut();
    HeatmapWindow* popOutWindow() const;
    QString predictionsText() const;
    QString explanationText() const;

    // The comparison row: appends the shown explanation; the row redraws with colour map and opacity.
    void addToComparison();
    HeatmapComparisonModel* comparisonModel() const { return comparison_; }

    // Writes the current overlay as PNG, atomically (QSaveFile). False (and errorReported) on failure.
    bool saveOverlay(const QString& path);
    // Cancels this panel's running request.
    void cancel();
    int cachedExplanations() const { return int(cache_.count()); }
    bool isWorking() const { return job_ != 0; }

signals:
    void errorReported(const QString& message);
    void statusChanged(const QString& text);
    void explanationShown();

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void onPrepared(const ExplainerInfo& info);
    void rebuildClassCombo();
    void rebuildImageCombo();
    void request();
    void redraw();
    void updatePopOut();
    void report(const QString& message);
    QString cacheKey(const QString& image, const ExplainClass& cls, const QString& stage) const;
    bool currentClass(ExplainClass* out) const;
    void chooseFile();
    void saveWithDialog();

    ExplainerController* controller_ = nullptr;
    QComboBox* imageCombo_ = nullptr;
    QLineEdit* pathEdit_ = nullptr;
    QPushButton* openButton_ = nullptr;
    QComboBox* classCombo_ = nullptr;
    QComboBox* stageCombo_ = nullptr;
    QComboBox* colormapCombo_ = nullptr;
    QSlider* opacitySlider_ = nullptr;
    ScaledImageView* overlayView_ = nullptr;
    QTextBrowser* details_ = nullptr;
    QLabel* statusLabel_ = nullptr;
    QPushButton* cancelButton_ = nullptr;
    QPushButton* compareButton_ = nullptr;
    QPushButton* saveButton_ = nullptr;
    QPushButton* popOutButton_ = nullptr;
    QPointer<HeatmapWindow> popOut_;
    QListView* comparisonView_ = nullptr;
    HeatmapComparisonModel* comparison_ = nullptr;

    QString imagePath_;
    QString defaultStage_;
    quint64 job_ = 0;  // the request in flight (0: none)
    QString jobKey_;
    QCache<QString, Explanation> cache_{256};  // (image, class, stage) -> explanation, most recent kept
    Explanation current_;
    bool hasCurrent_ = false;
    QImage overlay_;
};

}  // namespace niwt::gui
