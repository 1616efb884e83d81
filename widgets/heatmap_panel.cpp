#include "widgets/heatmap_panel.h"

#include "widgets/cv_qimage.h"
#include "widgets/explain_choices.h"
#include "widgets/explainer_controller.h"
#include "widgets/heatmap_comparison_model.h"
#include "widgets/heatmap_window.h"

#include <QComboBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMimeData>
#include <QPushButton>
#include <QSaveFile>
#include <QSlider>
#include <QSplitter>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace niwt::gui {

namespace {
constexpr int kImageSamples = 400;  // data set images offered in the image picker
constexpr int kTopPredictions = 5;

// The local file a drag carries, when it carries exactly one.
QString droppedFile(const QMimeData* mime) {
    if (!mime || !mime->hasUrls() || mime->urls().size() != 1 || !mime->urls().first().isLocalFile()) return {};
    return mime->urls().first().toLocalFile();
}
}  // namespace

HeatmapPanel::HeatmapPanel(ExplainerController* controller, QWidget* parent)
    : QWidget(parent), controller_(controller), comparison_(new HeatmapComparisonModel(this)) {
    setAcceptDrops(true);

    imageCombo_ = new QComboBox(this);
    imageCombo_->setToolTip(tr("A sample of the data set's images; or drop any image file on the panel"));
    pathEdit_ = new QLineEdit(this);
    pathEdit_->setPlaceholderText(tr("image file (drop one here, or Open…)"));
    openButton_ = new QPushButton(tr("Open…"), this);
    classCombo_ = new QComboBox(this);
    stageCombo_ = new QComboBox(this);
    colormapCombo_ = new QComboBox(this);
    for (const auto& [name, value] : heatmapColormaps()) colormapCombo_->addItem(name, value);
    opacitySlider_ = new QSlider(Qt::Horizontal, this);
    opacitySlider_->setRange(0, 100);
    opacitySlider_->setValue(50);
    opacitySlider_->setToolTip(tr("Heat map opacity: 0 shows the image alone, 100 the heat map alone"));

    auto* imageRow = new QHBoxLayout;
    imageRow->addWidget(imageCombo_, 1);
    imageRow->addWidget(pathEdit_, 2);
    imageRow->addWidget(openButton_);
    auto* lookRow = new QHBoxLayout;
    lookRow->addWidget(colormapCombo_);
    lookRow->addWidget(new QLabel(tr("Opacity"), this));
    lookRow->addWidget(opacitySlider_, 1);
    auto* form = new QFormLayout;
    form->addRow(tr("Image"), imageRow);
    form->addRow(tr("Class"), classCombo_);
    form->addRow(tr("Stage"), stageCombo_);
    form->addRow(tr("Colour map"), lookRow);

    // The image on top, at least 320 x 320 and growing with the dock; the text below it in a
    // splitter that cannot collapse or squeeze the image (only the text gives way, and scrolls).
    overlayView_ = new ScaledImageView(this);
    overlayView_->setObjectName(QStringLiteral("heatmapImage"));
    overlayView_->setMinimumSize(kMinimumImageSide, kMinimumImageSide);
    overlayView_->setPlaceholderText(tr("Pick an image and a class"));
    details_ = new QTextBrowser(this);
    details_->setObjectName(QStringLiteral("heatmapDetails"));
    details_->setOpenLinks(false);
    details_->setMinimumHeight(details_->fontMetrics().lineSpacing() * 4);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("heatmapSplitter"));
    split->addWidget(overlayView_);
    split->addWidget(details_);
    split->setChildrenCollapsible(false);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    statusLabel_ = new QLabel(this);
    statusLabel_->setWordWrap(true);
    cancelButton_ = new QPushButton(tr("Cancel"), this);
    cancelButton_->setEnabled(false);
    compareButton_ = new QPushButton(tr("Add to comparison"), this);
    saveButton_ = new QPushButton(tr("Save PNG…"), this);
    popOutButton_ = new QPushButton(tr("Pop Out"), this);
    popOutButton_->setObjectName(QStringLiteral("heatmapPopOutButton"));
    popOutButton_->setToolTip(tr("Show the heat map large, in its own window"));
    // Two rows, so the panel stays narrow enough for the default right dock (about 380 px).
    auto* statusRow = new QHBoxLayout;
    statusRow->addWidget(statusLabel_, 1);
    statusRow->addWidget(cancelButton_);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(compareButton_);
    buttons->addWidget(saveButton_);
    buttons->addWidget(popOutButton_);
    buttons->addStretch(1);

    comparisonView_ = new QListView(this);
    comparisonView_->setModel(comparison_);
    comparisonView_->setViewMode(QListView::IconMode);
    comparisonView_->setFlow(QListView::LeftToRight);
    comparisonView_->setWrapping(false);
    comparisonView_->setResizeMode(QListView::Adjust);
    comparisonView_->setIconSize(QSize(comparison_->thumbnailSize(), comparison_->thumbnailSize()));
    comparisonView_->setMinimumHeight(comparison_->thumbnailSize() + 60);
    comparisonView_->setToolTip(tr("Comparison: press Delete to remove the selected overlay"));
    auto* removeButton = new QPushButton(tr("Remove"), this);
    auto* clearButton = new QPushButton(tr("Clear"), this);
    auto* compareButtons = new QVBoxLayout;
    compareButtons->addWidget(removeButton);
    compareButtons->addWidget(clearButton);
    compareButtons->addStretch(1);
    auto* compareRow = new QHBoxLayout;
    compareRow->addWidget(comparisonView_, 1);
    compareRow->addLayout(compareButtons);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(split, 1);
    layout->addLayout(statusRow);
    layout->addLayout(buttons);
    layout->addWidget(new QLabel(tr("Comparison"), this));
    layout->addLayout(compareRow);

    connect(imageCombo_, &QComboBox::activated, this, [this](int index) {
        const QString path = imageCombo_->itemData(index).toString();
        if (!path.isEmpty()) setImagePath(path);
    });
    connect(pathEdit_, &QLineEdit::returnPressed, this, [this] { openImageFile(pathEdit_->text().trimmed()); });
    connect(openButton_, &QPushButton::clicked, this, &HeatmapPanel::chooseFile);
    connect(classCombo_, &QComboBox::currentIndexChanged, this, &HeatmapPanel::request);
    connect(stageCombo_, &QComboBox::currentIndexChanged, this, &HeatmapPanel::request);
    connect(colormapCombo_, &QComboBox::currentIndexChanged, this, &HeatmapPanel::redraw);
    connect(opacitySlider_, &QSlider::valueChanged, this, &HeatmapPanel::redraw);
    connect(cancelButton_, &QPushButton::clicked, this, &HeatmapPanel::cancel);
    connect(compareButton_, &QPushButton::clicked, this, &HeatmapPanel::addToComparison);
    connect(saveButton_, &QPushButton::clicked, this, &HeatmapPanel::saveWithDialog);
    connect(popOutButton_, &QPushButton::clicked, this, &HeatmapPanel::popOut);
    connect(removeButton, &QPushButton::clicked, this,
            [this] { comparison_->removeAt(comparisonView_->currentIndex().row()); });
    connect(clearButton, &QPushButton::clicked, comparison_, &HeatmapComparisonModel::clear);

    connect(controller_, &ExplainerController::prepared, this, &HeatmapPanel::onPrepared);
    connect(controller_, &ExplainerController::engineReset, this, &HeatmapPanel::clearExplanation);
    connect(controller_, &ExplainerController::newClassesChanged, this, &HeatmapPanel::rebuildClassCombo);
    connect(controller_, &ExplainerController::explained, this, [this](quint64 job, const Explanation& e) {
        if (job != job_) return;  // superseded
        job_ = 0;
        cancelButton_->setEnabled(false);
        cache_.insert(jobKey_, new Explanation(e));
        showExplanation(e);
    });
    const auto ended = [this](quint64 job, const QString& message) {
        if (job != job_) return;
        job_ = 0;
        cancelButton_->setEnabled(false);
        report(message);
    };
    connect(controller_, &ExplainerController::failed, this, ended);
    connect(controller_, &ExplainerController::cancelled, this, [this, ended](quint64 job) { ended(job, QString()); });
    if (controller_->isPrepared()) onPrepared(controller_->info());
    redraw();
}

HeatmapPanel::~HeatmapPanel() { cancel(); }

void HeatmapPanel::onPrepared(const ExplainerInfo& info) {
    cache_.clear();  // a new engine: the old explanations were of another network or data set
    defaultStage_ = QString::fromStdString(info.defaultStage);
    fillStageCombo(stageCombo_, info);
    rebuildImageCombo();
    rebuildClassCombo();
}

void HeatmapPanel::rebuildImageCombo() {
    const QSignalBlocker block(imageCombo_);
    imageCombo_->clear();
    const auto dataset = controller_->dataset();
    if (!dataset) return;
    imageCombo_->addItem(tr("(data set images)"), QString());
    // An even sample across the data set, so every class shows up in a long list.
    const size_t count = dataset->images.size();
    const size_t step = std::max<size_t>(1, count / kImageSamples);
    for (size_t i = 0; i < count; i += step) {
        const auto& image = dataset->images[i];
        const QString path = QString::fromStdString(image.path);
        imageCombo_->addItem(
            QStringLiteral("%1 / %2").arg(QString::fromStdString(dataset->classes[size_t(image.classIndex)].name),
                                          path.section(QLatin1Char('/'), -1)),
            path);
    }
}

void HeatmapPanel::rebuildClassCombo() {
    fillClassCombo(classCombo_, *controller_);
    request();
}

bool HeatmapPanel::currentClass(ExplainClass* out) const { return chosenClass(classCombo_, *controller_, out); }
bool HeatmapPanel::selectSeenClass(int classIndex) { return chooseSeenClass(classCombo_, classIndex); }
bool HeatmapPanel::selectNewClass(const QString& name) { return chooseNewClass(classCombo_, name); }

void HeatmapPanel::setStage(const QString& name) {
    const int index = stageCombo_->findData(name.isEmpty() ? defaultStage_ : name);
    if (index >= 0) stageCombo_->setCurrentIndex(index);
}

QString HeatmapPanel::stage() const { return stageCombo_->currentData().toString(); }

void HeatmapPanel::setColormap(int cvColormap) {
    const int index = colormapCombo_->findData(cvColormap);
    if (index >= 0) colormapCombo_->setCurrentIndex(index);
}

int HeatmapPanel::colormap() const { return colormapCombo_->currentData().toInt(); }
void HeatmapPanel::setOpacity(double opacity) { opacitySlider_->setValue(qRound(qBound(0.0, opacity, 1.0) * 100)); }
double HeatmapPanel::opacity() const { return opacitySlider_->value() / 100.0; }

void HeatmapPanel::setImagePath(const QString& path) {
    imagePath_ = path;
    pathEdit_->setText(path);
    request();
}

bool HeatmapPanel::openImageFile(const QString& path) {
    if (path.isEmpty()) return false;
    // A header check only (cheap): the engine decodes the image on its own thread, and reports a
    // file that passes this but still cannot be decoded.
    QImageReader reader(path);
    if (!QFileInfo(path).isFile()) {
        report(tr("%1: no such file").arg(path));
        return false;
    }
    if (!reader.canRead()) {
        report(tr("%1: not a readable image (%2)").arg(path, reader.errorString()));
        return false;
    }
    setImagePath(path);
    return true;
}

void HeatmapPanel::dragEnterEvent(QDragEnterEvent* event) {
    if (!droppedFile(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void HeatmapPanel::dropEvent(QDropEvent* event) {
    const QString path = droppedFile(event->mimeData());
    if (path.isEmpty()) return;
    event->acceptProposedAction();
    openImageFile(path);
}

QString HeatmapPanel::cacheKey(const QString& image, const ExplainClass& cls, const QString& stage) const {
    return image + QLatin1Char('\n') + QString::fromStdString(cls.key()) + QLatin1Char('\n') + stage;
}

void HeatmapPanel::request() {
    ExplainClass cls;
    if (imagePath_.isEmpty() || !controller_->isPrepared() || !currentClass(&cls)) return;
    const QString key = cacheKey(imagePath_, cls, stage());
    if (const Explanation* cached = cache_.object(key)) {
        cancel();  // the user has moved on from whatever was in flight
        showExplanation(*cached);
        return;
    }
    if (job_ != 0 && key == jobKey_) return;  // already on its way
    cancel();
    jobKey_ = key;
    job_ = controller_->explain(imagePath_, cls, stage(), kTopPredictions);
    cancelButton_->setEnabled(job_ != 0);
    if (job_ != 0)
        emit statusChanged(
            tr("explaining %1 for %2…").arg(QFileInfo(imagePath_).fileName(), classCombo_->currentText()));
    statusLabel_->setText(job_ != 0 ? tr("Working…") : QString());
}

void HeatmapPanel::cancel() {
    if (job_ != 0) controller_->cancel(job_);
    job_ = 0;
    if (cancelButton_) cancelButton_->setEnabled(false);
}

void HeatmapPanel::report(const QString& message) {
    statusLabel_->setText(message);
    if (!message.isEmpty()) emit errorReported(message);
}

void HeatmapPanel::showExplanation(const Explanation& explanation) {
    current_ = explanation;
    hasCurrent_ = true;
    redraw();

    QString html = tr("<b>%1</b> on %2<br>stage %3, logit %4")
                       .arg(QString::fromStdString(explanation.className).toHtmlEscaped(),
                            QFileInfo(QString::fromStdString(explanation.imagePath)).fileName().toHtmlEscaped(),
                            QString::fromStdString(explanation.stageName))
                       .arg(explanation.classLogit, 0, 'f', 3);
    html += tr("<h4>Top predictions</h4><ol>");
    for (const QString& line : predictionLines(explanation))
        html += QStringLiteral("<li>%1</li>").arg(line.toHtmlEscaped());
    html += tr("</ol><h4>Why (top attributes)</h4><p>%1</p>").arg(scoredNames(explanation.attributes).toHtmlEscaped());
    html += tr("<h4>Beyond the average seen class</h4><p>%1</p>")
                .arg(scoredNames(explanation.attributesBeyondMean).toHtmlEscaped());
    html += tr("<h4>Units it relies on</h4><ul>");
    for (const auto& u : explanation.topUnits)
        html += tr("<li>unit %1 (%2): %3</li>")
                    .arg(u.unit)
                    .arg(u.importance, 0, 'g', 3)
                    .arg(scoredNames(u.names).toHtmlEscaped());
    html += QStringLiteral("</ul>");
    details_->setHtml(html);
    statusLabel_->clear();
    emit statusChanged(tr("explained %1 for %2")
                           .arg(QFileInfo(QString::fromStdString(explanation.imagePath)).fileName(),
                                QString::fromStdString(explanation.className)));
    emit explanationShown();
}

void HeatmapPanel::clearExplanation() {
    // The engine's context is gone (another data set, network or stage): so is what it explained.
    cancel();  // a job still in flight explains the old context
    cache_.clear();
    comparison_->clear();
    current_ = {};
    hasCurrent_ = false;
    overlay_ = QImage();
    overlayView_->setImage(QImage());
    details_->clear();
    if (popOut_) popOut_->close();
    statusLabel_->setText(tr("Waiting for the engine…"));
    redraw();
}

void HeatmapPanel::redraw() {
    comparison_->setAppearance(colormap(), opacity(), comparison_->thumbnailSize());
    compareButton_->setEnabled(hasCurrent_);
    saveButton_->setEnabled(hasCurrent_);
    popOutButton_->setEnabled(hasCurrent_);
    if (!hasCurrent_) return;
    overlay_ = blendHeatmap(current_.view, current_.map, opacity(), colormap());
    overlayView_->setImage(overlay_);
    updatePopOut();
}

HeatmapWindow* HeatmapPanel::popOut() {
    if (!hasCurrent_) return nullptr;
    if (!popOut_) {
        // A child of the panel (deleted with it) but a window of its own: a QDialog is top-level.
        popOut_ = new HeatmapWindow(this);
        popOut_->setAttribute(Qt::WA_DeleteOnClose);
        if (!overlay_.isNull()) popOut_->resize(overlay_.size().scaled(popOut_->size(), Qt::KeepAspectRatio));
        updatePopOut();
    }
    popOut_->show();
    popOut_->raise();
    popOut_->activateWindow();
    return popOut_;
}

HeatmapWindow* HeatmapPanel::popOutWindow() const { return popOut_.data(); }

void HeatmapPanel::updatePopOut() {
    if (!popOut_) return;
    const QString caption = tr("%1 on %2")
                                .arg(QString::fromStdString(current_.className),
                                     QFileInfo(QString::fromStdString(current_.imagePath)).fileName());
    popOut_->setOverlay(overlay_, hasCurrent_ ? caption : QString());
}

QString HeatmapPanel::predictionsText() const { return predictionLines(current_).join(QLatin1Char('\n')); }
QString HeatmapPanel::explanationText() const { return scoredNames(current_.attributes); }

void HeatmapPanel::addToComparison() {
    if (hasCurrent_) comparison_->append(current_);
}

bool HeatmapPanel::saveOverlay(const QString& path) {
    if (overlay_.isNull()) {
        report(tr("%1: nothing to save yet (no heat map shown)").arg(path));
        return false;
    }
    QSaveFile file(path);  // written beside, renamed into place on commit
    if (!file.open(QIODevice::WriteOnly) || !overlay_.save(&file, "PNG") || !file.commit()) {
        report(tr("%1: cannot write the PNG (%2)").arg(path, file.errorString()));
        return false;
    }
    emit statusChanged(tr("saved %1").arg(path));
    return true;
}

void HeatmapPanel::chooseFile() {
    askForFile(this, tr("Open an image"), QString(), tr("Images (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp)"), false,
               {}, [this](const QString& path) { openImageFile(path); });
}

void HeatmapPanel::saveWithDialog() {
    askForFile(this, tr("Save heat map"), QString(), tr("PNG images (*.png)"), true, QStringLiteral("png"),
               [this](const QString& path) { saveOverlay(path); });
}

}  // namespace niwt::gui
