#include "widgets/class_composer.h"

#include "core/data/text_encoder.h"
#include "widgets/attribute_model.h"
#include "widgets/class_list_model.h"
#include "widgets/session_worker.h"

#include <QAction>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QLocale>
#include <QPainter>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTabWidget>
#include <QTextCursor>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>
#include <QTreeWidget>
#include <QUndoStack>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

namespace niwt::gui {

namespace {

constexpr int kSliderSteps = 1000;

// A slider and a spin box on one value, as the editor of an attribute's value cell.
class ValueEditor : public QWidget {
public:
    ValueEditor(double minimum, double maximum, QWidget* parent)
        : QWidget(parent), minimum_(minimum), maximum_(maximum) {
        setAutoFillBackground(true);
        slider_ = new QSlider(Qt::Horizontal, this);
        slider_->setRange(0, kSliderSteps);
        spin_ = new QDoubleSpinBox(this);
        spin_->setRange(minimum, maximum);
        spin_->setDecimals(maximum - minimum > 10 ? 1 : 3);
        spin_->setSingleStep((maximum - minimum) / 20);
        auto* layout = new QHBoxLayout(this);
        layout->setContentsMargins(0, 0, 0, 0);
        layout->setSpacing(2);
        layout->addWidget(slider_, 1);
        layout->addWidget(spin_);
        connect(slider_, &QSlider::valueChanged, this, [this](int step) {
            if (syncing_) return;
            syncing_ = true;
            spin_->setValue(minimum_ + (maximum_ - minimum_) * step / kSliderSteps);
            syncing_ = false;
        });
        connect(spin_, &QDoubleSpinBox::valueChanged, this, [this](double v) {
            if (syncing_) return;
            syncing_ = true;
            slider_->setValue(int(std::lround((v - minimum_) / (maximum_ - minimum_) * kSliderSteps)));
            syncing_ = false;
        });
        setFocusProxy(spin_);
    }
    void setValue(double v) {
        spin_->setValue(v);
        slider_->setValue(int(std::lround((v - minimum_) / (maximum_ - minimum_) * kSliderSteps)));
    }
    double value() const { return spin_->value(); }

private:
    double minimum_, maximum_;
    bool syncing_ = false;
    QSlider* slider_ = nullptr;
    QDoubleSpinBox* spin_ = nullptr;
};

// Value cells: a bar showing the value within the attribute's range, edited with ValueEditor.
class AttributeValueDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override {
        const bool leaf = index.column() == AttributeModel::ValueColumn &&
                          !index.data(AttributeModel::IsGroupRole).toBool() &&
                          !index.data(AttributeModel::IsBinaryRole).toBool();
        if (leaf) {
            const double lo = index.data(AttributeModel::MinimumRole).toDouble();
            const double hi = index.data(AttributeModel::MaximumRole).toDouble();
            const double v = index.data(Qt::EditRole).toDouble();
            const double fraction = hi > lo ? std::clamp((v - lo) / (hi - lo), 0.0, 1.0) : 0.0;
            QRect bar = option.rect.adjusted(1, 3, -1, -3);
            bar.setWidth(int(bar.width() * fraction));
            QColor colour = option.palette.color(QPalette::Highlight);
            colour.setAlpha(90);
            painter->fillRect(bar, colour);
        }
        QStyledItemDelegate::paint(painter, option, index);
    }

    QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem&, const QModelIndex& index) const override {
        return new ValueEditor(index.data(AttributeModel::MinimumRole).toDouble(),
                               index.data(AttributeModel::MaximumRole).toDouble(), parent);
    }
    void setEditorData(QWidget* editor, const QModelIndex& index) const override {
        static_cast<ValueEditor*>(editor)->setValue(index.data(Qt::EditRole).toDouble());
    }
    void setModelData(QWidget* editor, QAbstractItemModel* model, const QModelIndex& index) const override {
        model->setData(index, static_cast<ValueEditor*>(editor)->value(), Qt::EditRole);
    }
};

}  // namespace

namespace {

const QString kCaptionsModality = QStringLiteral("captions");

// The QString position of byte offset `byte` of `utf8` (the UTF-8 form of the text parsed): the
// length in UTF-16 units of the prefix, so that characters outside ASCII (é: 2 bytes, 1 unit;
// emoji: 4 bytes, 2 units) move every later range correctly. Offsets the parser gives lie on
// character boundaries.
int textPosition(const QByteArray& utf8, size_t byte) {
    const qsizetype length = qsizetype(std::min(byte, size_t(utf8.size())));
    return int(QString::fromUtf8(utf8.constData(), length).size());
}

// Light tints on a light base, dark ones on a dark base (the dark theme): the text stays readable.
bool darkBase(const QWidget* widget) { return widget->palette().color(QPalette::Base).lightness() < 128; }
QColor statedColour(const QWidget* widget) { return darkBase(widget) ? QColor(38, 92, 52) : QColor(204, 238, 206); }
QColor negatedColour(const QWidget* widget) { return darkBase(widget) ? QColor(112, 58, 30) : QColor(255, 218, 190); }
QColor unknownColour(const QWidget* widget) { return darkBase(widget) ? QColor(255, 110, 110) : QColor(200, 20, 20); }

QString formatValue(float value) { return QLocale().toString(double(value), 'g', 3); }

}  // namespace

ClassComposer::ClassComposer(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("classComposer"));
    attributes_ = new AttributeModel(this);
    filter_ = new AttributeFilterModel(this);
    filter_->setSourceModel(attributes_);
    learned_ = new LearnedClassModel(this);
    undoStack_ = new QUndoStack(this);
    editor_ = std::make_unique<LearnedClassEditor>(learned_, undoStack_);

    // --- actions -------------------------------------------------------------------------------
    learnAction_ = new QAction(tr("&Learn Class"), this);
    learnAction_->setObjectName(QStringLiteral("learnClassAction"));
    learnAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    learnAction_->setToolTip(tr("Learn a classifier for the described class (mod2alpha + alpha2w) — Ctrl+L"));
    connect(learnAction_, &QAction::triggered, this, &ClassComposer::learn);
    cancelAction_ = new QAction(tr("Cancel Learning"), this);
    cancelAction_->setObjectName(QStringLiteral("cancelLearnAction"));
    connect(cancelAction_, &QAction::triggered, this, &ClassComposer::cancel);
    deleteAction_ = new QAction(tr("&Delete Class"), this);
    deleteAction_->setObjectName(QStringLiteral("deleteClassAction"));
    deleteAction_->setShortcut(QKeySequence::Delete);
    // Only while the list has focus: Delete in the attribute editor must not delete a class.
    deleteAction_->setShortcutContext(Qt::WidgetShortcut);
    connect(deleteAction_, &QAction::triggered, this, &ClassComposer::deleteSelected);
    renameAction_ = new QAction(tr("&Rename Class"), this);
    renameAction_->setObjectName(QStringLiteral("renameClassAction"));
    renameAction_->setShortcut(QKeySequence(Qt::Key_F2));
    renameAction_->setShortcutContext(Qt::WidgetShortcut);
    connect(renameAction_, &QAction::triggered, this, &ClassComposer::renameSelected);
    editAction_ = new QAction(tr("&Edit Class"), this);
    editAction_->setObjectName(QStringLiteral("editClassAction"));
    editAction_->setToolTip(tr("Put the class's description back in the editor; the next Learn replaces the class"));
    connect(editAction_, &QAction::triggered, this, &ClassComposer::editSelected);
    newClassAction_ = new QAction(tr("New Class"), this);
    newClassAction_->setToolTip(tr("Stop editing: the next Learn makes a new class"));
    connect(newClassAction_, &QAction::triggered, this, &ClassComposer::stopEditing);

    // --- description ---------------------------------------------------------------------------
    nameEdit_ = new QLineEdit(this);
    nameEdit_->setObjectName(QStringLiteral("classNameEdit"));
    nameEdit_->setPlaceholderText(tr("Name of the new class, e.g. Red-headed Woodpecker"));
    connect(nameEdit_, &QLineEdit::returnPressed, this, &ClassComposer::learn);

    learnWithBox_ = new QComboBox(this);
    learnWithBox_->setObjectName(QStringLiteral("learnWithBox"));
    learnWithBox_->setToolTip(
        tr("The modality new classes are described in: mod2alpha is fitted on it, so changing it "
           "prepares the engine again (features stay cached)"));
    learnWithBox_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(learnWithBox_, &QComboBox::activated, this, [this](int item) {
        const QString name = learnWithBox_->itemData(item).toString();
        if (name.isEmpty() || name == modalityName_) return;
        setLearningModality(name);
        emit learningModalityChanged(name);
        updateState();  // the owner has (or has not) started preparing: show which
    });

    searchEdit_ = new QLineEdit(this);
    searchEdit_->setObjectName(QStringLiteral("attributeSearch"));
    searchEdit_->setPlaceholderText(tr("Search attributes (e.g. bill, red)"));
    searchEdit_->setClearButtonEnabled(true);
    connect(searchEdit_, &QLineEdit::textChanged, this, [this](const QString& text) {
        filter_->setSearchText(text);
        if (!text.trimmed().isEmpty()) attributeView_->expandAll();
    });
    prefillBox_ = new QComboBox(this);
    prefillBox_->setObjectName(QStringLiteral("prefillBox"));
    prefillBox_->setToolTip(tr("Start from an existing class's attribute values"));
    connect(prefillBox_, &QComboBox::activated, this, [this](int item) {
        const int classIndex = prefillBox_->itemData(item).toInt();
        if (classIndex >= 0) prefillFromClass(classIndex);
    });
    auto* clearValues = new QToolButton(this);
    clearValues->setText(tr("Clear"));
    clearValues->setToolTip(tr("Set every attribute to 0"));
    connect(clearValues, &QToolButton::clicked, attributes_, &AttributeModel::clearValues);

    attributeView_ = new QTreeView(this);
    attributeView_->setObjectName(QStringLiteral("attributeView"));
    attributeView_->setModel(filter_);
    attributeView_->setItemDelegateForColumn(AttributeModel::ValueColumn, new AttributeValueDelegate(attributeView_));
    attributeView_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                                    QAbstractItemView::SelectedClicked | QAbstractItemView::AnyKeyPressed);
    attributeView_->setAlternatingRowColors(true);
    attributeView_->setUniformRowHeights(true);
    attributeView_->header()->setStretchLastSection(true);
    attributeView_->header()->setSectionResizeMode(AttributeModel::NameColumn, QHeaderView::Interactive);
    attributeView_->setColumnWidth(AttributeModel::NameColumn, 200);
    // The main window's dock puts the composer in a scroll area that gives it its preferred height
    // (its wrapped labels make it height-for-width): the lists' 192-pixel size hints would make the
    // composer taller than the dock, and a tree that scrolls inside a panel that scrolls hides rows
    // twice. Ignored: they ask for a set minimum (a few rows) and take whatever room is left.
    attributeView_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Ignored);
    attributeView_->setMinimumHeight(6 * attributeView_->fontMetrics().height() + 30);

    auto* attributePage = new QWidget(this);
    auto* attributeTop = new QHBoxLayout;
    attributeTop->addWidget(searchEdit_, 1);
    attributeTop->addWidget(prefillBox_);
    attributeTop->addWidget(clearValues);
    auto* attributeLayout = new QVBoxLayout(attributePage);
    attributeLayout->setContentsMargins(2, 2, 2, 2);
    attributeLayout->addLayout(attributeTop);
    attributeLayout->addWidget(attributeView_, 1);

    // --- caption -------------------------------------------------------------------------------
    captionEdit_ = new QPlainTextEdit(this);
    captionEdit_->setObjectName(QStringLiteral("captionEdit"));
    captionEdit_->setPlaceholderText(
        tr("Describe the class in words, e.g. \"a small bird with a red head, "
           "black and white barred wings and a long pointed bill\""));
    captionEdit_->setTabChangesFocus(true);
    captionHint_ = new QLabel(this);
    captionHint_->setObjectName(QStringLiteral("captionHint"));
    captionHint_->setWordWrap(true);
    captionHint_->setTextFormat(Qt::RichText);  // the Parsed hint is a colour legend
    // Parsed as the user types, once typing pauses: a parse per keystroke would redraw the list
    // under the cursor while a word is half typed.
    parseTimer_ = new QTimer(this);
    parseTimer_->setSingleShot(true);
    parseTimer_->setInterval(kParseDelayMs);
    connect(parseTimer_, &QTimer::timeout, this, &ClassComposer::parseCaptionNow);
    connect(captionEdit_, &QPlainTextEdit::textChanged, parseTimer_, qOverload<>(&QTimer::start));

    phraseView_ = new QTreeWidget(this);
    phraseView_->setObjectName(QStringLiteral("phraseView"));
    phraseView_->setColumnCount(2);
    phraseView_->setHeaderLabels({tr("Phrase understood / attribute it sets"), tr("Value")});
    phraseView_->header()->setStretchLastSection(false);
    phraseView_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    phraseView_->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    phraseView_->setUniformRowHeights(true);
    phraseView_->setToolTip(tr("Click an attribute to see and adjust it in the Attributes tab"));
    const auto openAttribute = [this](QTreeWidgetItem* item) {
        const int dimension = item ? item->data(0, Qt::UserRole).toInt() : -1;
        if (dimension < 0) return;
        // The Attributes tab shows the description's vector, so the value there is the one listed.
        if (parse_.ok() && attributes_->values() != parse_.vector) attributes_->setValues(parse_.vector);
        showAttribute(dimension);
        setStatus(
            tr("The attributes now hold the description's values: adjust them here and Learn from this tab "
               "to use the changes."));
    };
    connect(phraseView_, &QTreeWidget::itemClicked, this, openAttribute);
    connect(phraseView_, &QTreeWidget::itemActivated, this, openAttribute);
    unknownLabel_ = new QLabel(this);
    unknownLabel_->setObjectName(QStringLiteral("unknownWordsLabel"));
    unknownLabel_->setWordWrap(true);
    unknownLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    unknownLabel_->setToolTip(tr("Words that are neither in the lexicon nor in an attribute's name: they set nothing"));
    filledFromLabel_ = new QLabel(this);
    filledFromLabel_->setObjectName(QStringLiteral("filledFromLabel"));
    filledFromLabel_->setWordWrap(true);
    filledFromLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    fillFromCaptionButton_ = new QPushButton(tr("Edit as &Attributes"), this);
    fillFromCaptionButton_->setObjectName(QStringLiteral("fillFromCaptionButton"));
    fillFromCaptionButton_->setToolTip(
        tr("Put the description's class vector into the Attributes tab, to check and adjust "
           "it before Learn"));
    connect(fillFromCaptionButton_, &QPushButton::clicked, this, [this] {
        if (fillAttributesFromCaption()) setMode(Mode::Attributes);
    });

    // The text above, what was understood below; the user can trade one's height for the other's.
    // The one-line summaries (words not understood, classes that filled the rest) come right under
    // the text, before the list, so that they stay in view when the dock is short.
    parseResults_ = new QWidget(this);
    auto* understoodLayout = new QVBoxLayout(parseResults_);
    understoodLayout->setContentsMargins(0, 0, 0, 0);
    understoodLayout->setSpacing(2);
    auto* unknownRow = new QHBoxLayout;
    unknownRow->addWidget(unknownLabel_, 1);
    unknownRow->addStretch(0);
    unknownRow->addWidget(fillFromCaptionButton_, 0, Qt::AlignTop);
    understoodLayout->addLayout(unknownRow);
    understoodLayout->addWidget(filledFromLabel_);
    understoodLayout->addWidget(phraseView_, 1);
    captionSplitter_ = new QSplitter(Qt::Vertical, this);
    auto* captionSplitter = captionSplitter_;
    captionSplitter->setChildrenCollapsible(false);
    captionSplitter->addWidget(captionEdit_);
    captionSplitter->addWidget(parseResults_);
    // A sentence or two needs a few lines; the list of what they set, the rest. Small minimums:
    // the composer shares a dock column with three other panels.
    captionSplitter->setStretchFactor(0, 1);
    captionSplitter->setStretchFactor(1, 3);
    captionSplitter->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Ignored);  // as the attribute tree
    captionEdit_->setMinimumHeight(2 * captionEdit_->fontMetrics().lineSpacing() + 14);
    phraseView_->setMinimumHeight(3 * phraseView_->fontMetrics().height() + 20);
    auto* captionPage = new QWidget(this);
    auto* captionLayout = new QVBoxLayout(captionPage);
    captionLayout->setContentsMargins(2, 2, 2, 2);
    captionLayout->addWidget(captionHint_);
    captionLayout->addWidget(captionSplitter, 1);

    modeTabs_ = new QTabWidget(this);
    modeTabs_->setObjectName(QStringLiteral("composerModes"));
    modeTabs_->addTab(attributePage, tr("&Attributes"));
    modeTabs_->addTab(captionPage, tr("Ca&ption"));
    connect(modeTabs_, &QTabWidget::currentChanged, this, [this] {
        statusAutomatic_ = true;  // Learn now means something else: say what
        updateState();
    });

    learnButton_ = new QPushButton(tr("Learn"), this);
    learnButton_->setObjectName(QStringLiteral("learnButton"));
    learnButton_->setDefault(true);
    learnButton_->setToolTip(learnAction_->toolTip());
    connect(learnButton_, &QPushButton::clicked, learnAction_, &QAction::trigger);
    cancelButton_ = new QPushButton(tr("Cancel"), this);
    cancelButton_->setObjectName(QStringLiteral("cancelLearnButton"));
    connect(cancelButton_, &QPushButton::clicked, cancelAction_, &QAction::trigger);
    statusLabel_ = new QLabel(this);
    statusLabel_->setObjectName(QStringLiteral("composerStatus"));
    statusLabel_->setWordWrap(true);
    editingLabel_ = new QLabel(this);
    editingLabel_->setObjectName(QStringLiteral("editingLabel"));
    editingLabel_->setWordWrap(true);
    auto* newClassButton = new QToolButton(this);
    newClassButton->setDefaultAction(newClassAction_);

    // --- learned classes -----------------------------------------------------------------------
    learnedView_ = new QListView(this);
    learnedView_->setObjectName(QStringLiteral("learnedClassesView"));
    learnedView_->setModel(learned_);
    learnedView_->setEditTriggers(QAbstractItemView::EditKeyPressed | QAbstractItemView::DoubleClicked);
    learnedView_->setSelectionMode(QAbstractItemView::SingleSelection);
    learnedView_->setContextMenuPolicy(Qt::ActionsContextMenu);
    learnedView_->addActions({editAction_, renameAction_, deleteAction_});
    // A few rows (updateState): the attribute editor and the caption's list above need the height more.
    connect(learned_, &LearnedClassModel::renameRequested, this,
            [this](int id, const QString& name) { editor_->rename(id, name); });
    connect(learnedView_->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &ClassComposer::onSelectionChanged);
    connect(learned_, &QAbstractItemModel::dataChanged, this, &ClassComposer::onSelectionChanged);
    connect(learned_, &QAbstractItemModel::rowsInserted, this, &ClassComposer::updateState);  // list height (redo)
    connect(learned_, &QAbstractItemModel::rowsRemoved, this, [this] {
        if (editingId_ && !learned_->entry(editingId_)) stopEditing();  // the edited class was deleted
        onSelectionChanged();
    });
    auto* listButtons = new QHBoxLayout;
    for (QAction* action : {editAction_, renameAction_, deleteAction_}) {
        auto* button = new QToolButton(this);
        button->setDefaultAction(action);
        listButtons->addWidget(button);
    }
    listButtons->addStretch(1);

    // --- layout --------------------------------------------------------------------------------
    auto* form = new QFormLayout;
    form->addRow(tr("&Name:"), nameEdit_);
    form->addRow(tr("Learn &with:"), learnWithBox_);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(editingLabel_, 1);
    buttons->addWidget(newClassButton);
    buttons->addWidget(cancelButton_);
    buttons->addWidget(learnButton_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(form);
    layout->addWidget(modeTabs_, 1);
    layout->addLayout(buttons);
    layout->addWidget(statusLabel_);
    layout->addWidget(new QLabel(tr("Learned classes:"), this));
    layout->addWidget(learnedView_);
    layout->addLayout(listButtons);
    addActions({learnAction_});

    setDataset(nullptr);
}

ClassComposer::~ClassComposer() = default;

void ClassComposer::setController(SessionController* controller) {
    if (controller_) disconnect(controller_, nullptr, this, nullptr);
    controller_ = controller;
    if (controller_) {
        connect(controller_, &SessionController::spanLearned, this, &ClassComposer::onSpanLearned);
        connect(controller_, &SessionController::learned, this, &ClassComposer::onLearned);
        // Cancelled or failed while refining: the span solution stays (it was learned; the
        // refinement only improves it), and the status line says so.
        connect(controller_, &SessionController::cancelled, this, [this](quint64 job) {
            onJobEnded(job, refiningId_
                                ? tr("Kept the span solution of \"%1\"; refinement cancelled.").arg(refiningName())
                                : tr("Learning cancelled; the learned classes are unchanged."));
        });
        // The message itself is reported by whoever shows engine errors (the main window).
        connect(controller_, &SessionController::failed, this, [this](quint64 job, const QString& message) {
            onJobEnded(job,
                       refiningId_
                           ? tr("Kept the span solution of \"%1\"; refinement failed: %2").arg(refiningName(), message)
                           : tr("Learning failed: %1").arg(message));
        });
        connect(controller_, &SessionController::busyChanged, this, &ClassComposer::updateState);
        connect(controller_, &SessionController::prepared, this, &ClassComposer::updateState);
        // busyChanged comes before the controller marks a prepare as such: the first progress
        // report is when "Preparing" can be shown.
        connect(controller_, &SessionController::prepareProgress, this, [this] {
            if (!lastPreparing_) updateState();
        });
    }
    updateState();
}

QStringList ClassComposer::learningModalities(const Dataset& dataset) {
    QStringList names;
    for (const Modality& modality : dataset.modalities) names << QString::fromStdString(modality.name);
    // The session builds "captions" from CUB's class descriptions when the data set has none.
    if (!names.contains(kCaptionsModality) && !defaultDescriptionsFile(dataset).empty()) names << kCaptionsModality;
    return names;
}

void ClassComposer::setDataset(std::shared_ptr<const Dataset> dataset, const QString& modality) {
    // The parsers read the old data set's rows: gone before it may be.
    parsers_.clear();
    parserErrors_.clear();
    dataset_ = std::move(dataset);
    // A class being learned belongs to the old data set: its result must not land in the new list.
    if (pendingJob_) {
        cancel();
        pendingJob_ = 0;
        refiningId_ = 0;
    }
    stopEditing();
    while (learned_->rowCount() > 0) learned_->takeEntry(0);
    undoStack_->clear();

    // One parser per modality the text can be mapped onto, built now (a few ms each) so that
    // switching "Learn with" and parsing as the user types cost nothing more.
    learnWithBox_->clear();
    if (dataset_) {
        for (const Modality& m : dataset_->modalities) {
            const QString name = QString::fromStdString(m.name);
            if (m.dimNames.empty() || name == kCaptionsModality) continue;
            try {
                parsers_[name] = std::make_unique<DescriptionParser>(*dataset_, m);
            } catch (const std::exception& e) {
                parserErrors_[name] = QString::fromUtf8(e.what());
            }
        }
        // The example fits the vocabulary: a bird for CUB's part::value names, else the words of
        // the data set's own attributes (Fashion-MNIST has no heads or wings).
        bool partValues = false;
        QStringList words;
        for (const Modality& m : dataset_->modalities)
            for (const std::string& dimName : m.dimNames) {
                partValues = partValues || dimName.find("::") != std::string::npos;
                if (words.size() < 4) words << QString::fromStdString(DescriptionParser::readableDimName(dimName));
            }
        captionEdit_->setPlaceholderText(
            partValues || words.isEmpty()
                ? tr("Describe the class in words, e.g. \"a small bird with a red head, black and white barred wings "
                     "and a long pointed bill\"")
                : tr("Describe the class in words, using what its attributes name (%1, ...), e.g. \"%2, no %3\"")
                      .arg(words.join(QStringLiteral(", ")), words.value(0), words.value(1)));
        for (const QString& name : learningModalities(*dataset_)) {
            const Modality* m = dataset_->modality(name.toStdString());
            QString label, tip;
            if (!m) {
                label = tr("%1 (class descriptions)").arg(name);
                tip = tr("The seen classes' descriptions as TF-IDF vectors: a caption is encoded like them");
            } else if (name == kCaptionsModality) {
                label = tr("%1 (%2 words)").arg(name).arg(m->dims);
                tip = tr("Class descriptions as vectors: a caption is encoded like them");
            } else if (!m->dimNames.empty()) {
                label = tr("%1 (%2 attributes)").arg(name).arg(m->dims);
                tip =
                    tr("%1 named dimensions: edited in the Attributes tab; a caption is parsed into them").arg(m->dims);
            } else {
                label = tr("%1 (%2 dimensions)").arg(name).arg(m->dims);
                tip = tr("%1 unnamed dimensions: edited in the Attributes tab; text cannot be mapped onto them")
                          .arg(m->dims);
            }
            learnWithBox_->addItem(label, name);
            learnWithBox_->setItemData(learnWithBox_->count() - 1, tip, Qt::ToolTipRole);
        }
    }
    // Whatever the session is prepared with, also a name the data set lacks (a data set without
    // modalities): the composer and the session must agree.
    applyLearningModality(modality);
    // A new data set starts in its natural mode (tabs disabled meanwhile may have moved the current one).
    setMode(captionKind() == CaptionKind::Encoded ? Mode::Caption : Mode::Attributes);
}

bool ClassComposer::setLearningModality(const QString& modality) {
    if (!dataset_ || !learningModalities(*dataset_).contains(modality)) return false;
    applyLearningModality(modality);
    return true;
}

void ClassComposer::applyLearningModality(const QString& modality) {
    modalityName_ = modality;
    learnWithBox_->setCurrentIndex(learnWithBox_->findData(modality));
    const Modality* edited =
        dataset_ && modality != kCaptionsModality ? dataset_->modality(modality.toStdString()) : nullptr;
    attributes_->setModality(edited);
    prefillBox_->clear();
    prefillBox_->addItem(tr("Pre-fill from…"), -1);
    if (dataset_ && edited)
        for (size_t c = 0; c < dataset_->classes.size(); ++c) {
            const ClassInfo& info = dataset_->classes[c];
            prefillBox_->addItem(QString::fromStdString(info.name) + (info.seen ? QString() : tr(" (unseen)")), int(c));
        }
    const auto error = parserErrors_.find(modality);
    parserError_ = error == parserErrors_.end() ? QString() : error->second;
    statusAutomatic_ = true;
    parseCaptionNow();  // the same text means other attributes now
}

void ClassComposer::restoreLearnedClasses(const QVector<LearnedClassEntry>& entries) {
    stopEditing();
    while (learned_->rowCount() > 0) learned_->takeEntry(0);
    undoStack_->clear();
    for (LearnedClassEntry entry : entries) {
        entry.id = learned_->nextId();
        entry.result.name = learned_->uniqueName(QString::fromStdString(entry.result.name)).toStdString();
        learned_->insertEntry(learned_->rowCount(), entry);
    }
    updateState();
}

ClassComposer::Mode ClassComposer::mode() const {
    return modeTabs_->currentIndex() == 1 ? Mode::Caption : Mode::Attributes;
}

void ClassComposer::setMode(Mode mode) { modeTabs_->setCurrentIndex(mode == Mode::Caption ? 1 : 0); }
void ClassComposer::setClassName(const QString& name) { nameEdit_->setText(name); }

void ClassComposer::setCaption(const QString& caption) {
    captionEdit_->setPlainText(caption);
    parseCaptionNow();  // set by the program (automation, Edit): Learn may follow at once
}

void ClassComposer::prefillFromClass(int classIndex) {
    if (!attributes_->fillFromClass(classIndex)) return;
    if (nameEdit_->text().trimmed().isEmpty() && dataset_)
        nameEdit_->setText(tr("Like %1").arg(QString::fromStdString(dataset_->classes[size_t(classIndex)].name)));
    setStatus(
        tr("Attributes pre-filled from %1.").arg(QString::fromStdString(dataset_->classes[size_t(classIndex)].name)));
}

// --- caption ---------------------------------------------------------------------------------

ClassComposer::CaptionKind ClassComposer::captionKind() const {
    if (modalityName_ == kCaptionsModality) return CaptionKind::Encoded;
    const Modality* m = dataset_ ? dataset_->modality(modalityName_.toStdString()) : nullptr;
    return m && !m->dimNames.empty() ? CaptionKind::Parsed : CaptionKind::Unmappable;
}

const DescriptionParser* ClassComposer::parser() const {
    const auto it = parsers_.find(modalityName_);
    return it == parsers_.end() ? nullptr : it->second.get();
}

void ClassComposer::parseCaptionNow() {
    parseTimer_->stop();
    parse_ = DescriptionParse{};
    if (captionKind() == CaptionKind::Parsed)
        if (const DescriptionParser* p = parser())
            // On the GUI thread: one sentence parses in well under 5 ms (description_parser.h: under a
            // millisecond), far below a frame; a worker thread would only add copies and latency.
            parse_ = p->parse(captionEdit_->toPlainText().toStdString());
    showParse();
    statusAutomatic_ = true;  // the text changed: its outcome replaces an older message
    updateState();
}

void ClassComposer::showParse() {
    const bool parsed = captionKind() == CaptionKind::Parsed;
    parseResults_->setVisible(parsed);  // else the text gets the whole page
    phraseView_->setVisible(parsed);
    fillFromCaptionButton_->setVisible(parsed);
    phraseView_->clear();
    const Modality* m = parsed ? dataset_->modality(modalityName_.toStdString()) : nullptr;
    if (m) {
        for (const ParsedPhrase& phrase : parse_.phrases) {
            auto* item = new QTreeWidgetItem(phraseView_);
            item->setText(0, QString::fromStdString(phrase.text));
            item->setData(0, Qt::UserRole, -1);
            for (int column = 0; column < 2; ++column)
                item->setBackground(column, phrase.negated ? negatedColour(phraseView_) : statedColour(phraseView_));
            if (phrase.negated) {
                item->setText(1, tr("negated"));
                item->setToolTip(0, tr("Negated: states that the class does not have these"));
            } else if (phrase.dims.empty()) {
                item->setToolTip(0, tr("Understood, but it states no attribute of this modality"));
            }
            for (size_t k = 0; k < phrase.dims.size(); ++k) {
                const int d = phrase.dims[k];
                if (d < 0 || d >= m->dims) continue;
                auto* child = new QTreeWidgetItem(item);
                const std::string& name = size_t(d) < m->dimNames.size() ? m->dimNames[size_t(d)] : std::string();
                child->setText(0, QString::fromStdString(DescriptionParser::readableDimName(name)));
                child->setData(0, Qt::UserRole, d);
                const float value = size_t(d) < parse_.vector.size() ? parse_.vector[size_t(d)] : 0.0f;
                child->setText(1, formatValue(value));
                child->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
                const float weight = k < phrase.weights.size() ? phrase.weights[k] : 1.0f;
                child->setToolTip(0,
                                  tr("%1 (dimension %2), stated with weight %3; click to show it in the Attributes tab")
                                      .arg(QString::fromStdString(name))
                                      .arg(d + 1)
                                      .arg(formatValue(weight)));
            }
        }
        phraseView_->expandAll();
    }

    // Each word once, in the order typed ("zzyzx" twice is one word not understood).
    QStringList unknown;
    for (const UnknownWord& word : parse_.unknownWords) {
        const QString w = QString::fromStdString(word.word);
        if (!unknown.contains(w)) unknown << w;
    }
    unknownLabel_->setText(tr("Not understood: %1").arg(unknown.join(QStringLiteral(", "))));
    unknownLabel_->setVisible(parsed && !unknown.isEmpty());
    QStringList nearest;
    for (int c : parse_.nearestSeenClasses)
        if (c >= 0 && size_t(c) < dataset_->classes.size())
            nearest << displayClassName(dataset_->classes[size_t(c)].name);
    // The first few name the kind of bird well enough; the whole list (up to the parser's
    // neighbour count, 20 on CUB) would push the buttons out of the dock. All are in the tooltip.
    constexpr int kNamesShown = 5;
    filledFromLabel_->setText(nearest.size() > kNamesShown
                                  ? tr("Filled from: %1 and %n more", nullptr, int(nearest.size() - kNamesShown))
                                        .arg(nearest.mid(0, kNamesShown).join(QStringLiteral(", ")))
                                  : tr("Filled from: %1").arg(nearest.join(QStringLiteral(", "))));
    filledFromLabel_->setToolTip(
        tr("The attributes the description does not state are averaged from these seen classes, "
           "the ones that agree best with what it states (best first):\n%1")
            .arg(nearest.join(QStringLiteral(", "))));
    filledFromLabel_->setVisible(parsed && !nearest.isEmpty());
    applyHighlights();
    // Ignored vertically (see the attribute tree), so its minimum is set by hand: the text, the
    // lines shown now and a few rows of the list.
    captionSplitter_->setMinimumHeight(captionSplitter_->minimumSizeHint().height());
}

void ClassComposer::applyHighlights() {
    QList<QTextEdit::ExtraSelection> selections;
    const QString text = captionEdit_->toPlainText();
    // Only on the text parsed; typed since, the cursors of the old selections follow the edits
    // until the next parse.
    if (captionKind() == CaptionKind::Parsed && (!parse_.phrases.empty() || !parse_.unknownWords.empty())) {
        const QByteArray utf8 = text.toUtf8();  // the bytes the parser's offsets count
        const auto select = [&](size_t begin, size_t end) {
            QTextCursor cursor(captionEdit_->document());
            cursor.setPosition(textPosition(utf8, begin));
            cursor.setPosition(textPosition(utf8, end), QTextCursor::KeepAnchor);
            return cursor;
        };
        for (const ParsedPhrase& phrase : parse_.phrases) {
            QTextEdit::ExtraSelection s;
            s.cursor = select(phrase.begin, phrase.end);
            s.format.setBackground(phrase.negated ? negatedColour(captionEdit_) : statedColour(captionEdit_));
            selections << s;
        }
        for (const UnknownWord& word : parse_.unknownWords) {
            QTextEdit::ExtraSelection s;
            s.cursor = select(word.begin, word.end);
            s.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
            s.format.setUnderlineColor(unknownColour(captionEdit_));
            s.format.setForeground(unknownColour(captionEdit_));  // the 1-pixel wave alone is easy to miss
            selections << s;
        }
    }
    captionEdit_->setExtraSelections(selections);
}

QString ClassComposer::captionProblem() const {
    switch (captionKind()) {
    case CaptionKind::Encoded:
        return captionEdit_->toPlainText().trimmed().isEmpty() ? tr("the description is empty") : QString();
    case CaptionKind::Unmappable: {
        QStringList mappable;
        if (dataset_)
            for (const QString& name : learningModalities(*dataset_)) {
                const Modality* m = dataset_->modality(name.toStdString());
                if (name == kCaptionsModality || (m && !m->dimNames.empty())) mappable << name;
            }
        const QString what =
            tr("text cannot be mapped onto the modality \"%1\": it has no attribute names").arg(modalityName_);
        return mappable.isEmpty() ? tr("%1, and this data set has no modality that has").arg(what)
                                  : tr("%1; choose %2 under Learn with").arg(what, mappable.join(tr(" or ")));
    }
    case CaptionKind::Parsed:
        if (!parser())
            return parserError_.isEmpty() ? tr("no description parser for \"%1\"").arg(modalityName_)
                                          : tr("the description parser for \"%1\" could not be built: %2")
                                                .arg(modalityName_, parserError_);
        if (parse_.ok()) return QString();
        return parse_.problem.empty() ? tr("nothing in the description was understood")
                                      : QString::fromStdString(parse_.problem);
    }
    return QString();
}

bool ClassComposer::fillAttributesFromCaption() {
    if (captionKind() != CaptionKind::Parsed || attributes_->dims() == 0) return false;
    if (parseTimer_->isActive()) parseCaptionNow();
    if (!parse_.ok() || int(parse_.vector.size()) != attributes_->dims()) {
        setStatus(tr("Cannot learn from this caption: %1.").arg(captionProblem()), true);
        return false;
    }
    attributes_->setValues(parse_.vector);
    setStatus(tr("%n attribute(s) stated by the description, the others filled from the seen classes most like it.",
                 nullptr, int(parse_.statedDims.size())));
    return true;
}

void ClassComposer::showAttribute(int dimension) {
    if (dimension < 0 || dimension >= attributes_->dims() || !modeTabs_->isTabEnabled(0)) return;
    setMode(Mode::Attributes);
    const QModelIndex source = attributes_->indexOfDimension(dimension);
    QModelIndex row = filter_->mapFromSource(source);
    if (!row.isValid()) {  // hidden by the search: the attribute matters more than the search
        searchEdit_->clear();
        row = filter_->mapFromSource(source);
    }
    if (!row.isValid()) return;
    if (row.parent().isValid()) attributeView_->expand(row.parent());
    attributeView_->setCurrentIndex(row);
    attributeView_->scrollTo(row, QAbstractItemView::PositionAtCenter);
    attributeView_->setFocus(Qt::OtherFocusReason);
    // The page was hidden until now: its view gets its real height only when the layout runs, and a
    // scroll computed on the old one can leave the row out of view. Once more after that.
    const QPersistentModelIndex later(row);
    // The composer itself may sit in a scroll area (the main window's docks) that cuts the tree's
    // lower part off: that one must show the row too.
    QTimer::singleShot(0, attributeView_, [this, later] {
        if (!later.isValid()) return;
        attributeView_->scrollTo(later, QAbstractItemView::PositionAtCenter);
        const QRect rect = attributeView_->visualRect(later);
        for (QWidget* w = parentWidget(); w; w = w->parentWidget())
            if (auto* area = qobject_cast<QScrollArea*>(w);
                area && area->widget() && area->widget()->isAncestorOf(attributeView_)) {
                const QPoint centre = attributeView_->viewport()->mapTo(area->widget(), rect.center());
                area->ensureVisible(centre.x(), centre.y(), 0, 2 * rect.height());
            }
    });
}

void ClassComposer::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    // The theme changed: tints for the other base colour.
    if ((event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange) && statusLabel_) showParse();
}

// --- learning --------------------------------------------------------------------------------

void ClassComposer::setEngineUnavailableReason(const QString& reason) {
    unavailableReason_ = reason;
    statusAutomatic_ = true;
    updateState();
}

bool ClassComposer::engineReady() const {
    // Prepared for this very data set (not the one open before) and this modality.
    return controller_ && controller_->isPrepared() && controller_->context().dataset == dataset_ &&
           controller_->context().modality == modalityName_.toStdString();
}

void ClassComposer::learn() {
    if (pendingJob_) return;  // one class at a time
    if (!engineReady()) {
        emit errorOccurred(
            controller_ && controller_->isPrepared()
                ? tr("the NIWT engine is being prepared for \"%1\": wait for the preparation (status bar) to finish")
                      .arg(modalityName_)
                : tr("the NIWT engine is not ready yet: open a data set and a network bundle, "
                     "and wait for the preparation (status bar) to finish"));
        return;
    }
    const QString name = nameEdit_->text().trimmed().isEmpty() ? tr("New class") : nameEdit_->text().trimmed();
    if (mode() == Mode::Caption) {
        // Typed within the debounce delay: Learn uses what is in the box, not the last parse.
        if (parseTimer_->isActive()) parseCaptionNow();
        const QString problem = captionProblem();
        if (!problem.isEmpty()) {
            setStatus(tr("Cannot learn from this caption: %1.").arg(problem), true);
            emit errorOccurred(problem);
            return;
        }
        const QString caption = captionEdit_->toPlainText().simplified();
        if (captionKind() == CaptionKind::Encoded) {
            pendingJob_ = controller_->learnFromCaption(name, caption);
        } else {
            // The parse's vector (stated attributes, the rest from the nearest seen classes), shown
            // in the editor too: what was learned can be seen and adjusted there.
            attributes_->setValues(parse_.vector);
            pendingJob_ = controller_->learn(name, parse_.vector);
        }
        pendingCaption_ = caption;
    } else {
        const std::vector<float> values = attributes_->values();
        if (std::all_of(values.begin(), values.end(), [](float v) { return v == 0.0f; })) {
            emit errorOccurred(tr("every attribute is 0: set some attributes (or pre-fill from a class) first"));
            return;
        }
        pendingCaption_.clear();
        pendingJob_ = controller_->learn(name, values);
    }
    pendingEditId_ = editingId_;
    refiningId_ = 0;
    setStatus(tr("Learning \"%1\"…").arg(name));
    emit learnStarted(name);
    updateState();
}

void ClassComposer::cancel() {
    if (pendingJob_ && controller_) controller_->cancel();
}

QString ClassComposer::refiningName() const {
    const LearnedClassEntry* entry = learned_->entry(refiningId_);
    return entry ? QString::fromStdString(entry->result.name) : QString();
}

void ClassComposer::onSpanLearned(quint64 job, const niwt::LearnedClass& span) {
    if (job != pendingJob_ || refiningId_) return;
    // One undo step for the class: this add (or re-learn); the refinement completes it in place.
    if (pendingEditId_ && learned_->entry(pendingEditId_)) {
        editor_->replace(pendingEditId_, span, pendingCaption_);
        refiningId_ = pendingEditId_;
    } else {
        refiningId_ = editor_->add(span, pendingCaption_);
    }
    setStatus(tr("\"%1\": span solution shown (cosine loss %2); refining it in the full weight space… "
                 "(Cancel keeps the span solution)")
                  .arg(refiningName())
                  .arg(span.cosineLoss, 0, 'f', 4));
    selectId(refiningId_);  // its ranked images at once
    updateState();
}

void ClassComposer::onLearned(quint64 job, const niwt::LearnedClass& result) {
    if (job != pendingJob_) return;
    pendingJob_ = 0;
    if (refiningId_) {
        // The refinement replaces the span solution in its row (same id, name and caption).
        const int id = std::exchange(refiningId_, 0);
        const bool shown = learned_->entry(id) != nullptr;
        editor_->refine(id, result);
        const QString name =
            shown ? QString::fromStdString(learned_->entry(id)->result.name) : QString::fromStdString(result.name);
        setStatus(tr("Learned \"%1\" in the full weight space: %2 after %3 more iterations "
                     "(cosine loss %4, span solution %5).")
                      .arg(name, result.converged ? tr("converged") : tr("stopped at the limit"))
                      .arg(result.iterations)
                      .arg(result.cosineLoss, 0, 'f', 4)
                      .arg(result.spanCosineLoss, 0, 'f', 4));
        // Its images follow through dataChanged (onSelectionChanged), if it is the one selected:
        // the user may have chosen another class meanwhile, and it stays chosen.
        updateState();
        return;
    }
    int id = 0;
    if (pendingEditId_ && learned_->entry(pendingEditId_)) {
        editor_->replace(pendingEditId_, result, pendingCaption_);
        id = pendingEditId_;
    } else {
        id = editor_->add(result, pendingCaption_);
    }
    setStatus(tr("Learned \"%1\": %2 after %3 alpha2w iterations (cosine loss %4).")
                  .arg(QString::fromStdString(learned_->entry(id)->result.name),
                       result.converged ? tr("converged") : tr("stopped at the limit"))
                  .arg(result.iterations)
                  .arg(result.cosineLoss, 0, 'f', 4));
    selectId(id);
    updateState();
}

void ClassComposer::onJobEnded(quint64 job, const QString& why) {
    if (job != pendingJob_) return;
    pendingJob_ = 0;
    refiningId_ = 0;
    setStatus(why);
    updateState();
}

void ClassComposer::editSelected() {
    const int id = selectedId();
    const LearnedClassEntry* entry = learned_->entry(id);
    if (!entry) return;
    editingId_ = id;
    nameEdit_->setText(QString::fromStdString(entry->result.name));
    // Attribute values back in the editor (also those a caption was turned into), the caption too.
    attributes_->setValues(entry->result.classVector);
    setCaption(entry->caption);
    setMode(entry->caption.isEmpty() ? Mode::Attributes : Mode::Caption);
    updateState();
}

void ClassComposer::stopEditing() {
    editingId_ = 0;
    updateState();
}

void ClassComposer::deleteSelected() {
    const int id = selectedId();
    if (id) editor_->remove(id);
}

void ClassComposer::renameSelected() {
    const QModelIndex current = learnedView_->currentIndex();
    if (current.isValid()) learnedView_->edit(current);
}

int ClassComposer::selectedId() const {
    const QModelIndex current = learnedView_->currentIndex();
    return current.isValid() ? current.data(LearnedClassModel::IdRole).toInt() : 0;
}

void ClassComposer::selectId(int id) {
    const int row = learned_->rowOfId(id);
    if (row < 0) return;
    const QModelIndex index = learned_->index(row);
    // currentChanged says it once for another row; a row current already (re-learned) is said here.
    if (learnedView_->currentIndex() == index)
        onSelectionChanged();
    else
        learnedView_->setCurrentIndex(index);
}

void ClassComposer::onSelectionChanged() {
    const LearnedClassEntry* entry = learned_->entry(selectedId());
    if (entry)
        emit learnedClassSelected(entry->result);
    else
        emit selectionCleared();
    updateState();
}

void ClassComposer::setStatus(const QString& text, bool automatic) {
    statusLabel_->setText(text);
    statusAutomatic_ = automatic;
}

void ClassComposer::updateState() {
    if (!statusLabel_) return;  // during construction
    const bool ready = engineReady();
    const bool preparing = controller_ && controller_->isPreparing();
    const bool learning = pendingJob_ != 0;
    const CaptionKind kind = captionKind();
    const bool captionMode = mode() == Mode::Caption;
    const QString problem = captionMode ? captionProblem() : QString();
    learnAction_->setEnabled(ready && !learning && dataset_ && problem.isEmpty());
    learnButton_->setEnabled(learnAction_->isEnabled());
    cancelAction_->setEnabled(learning);
    cancelButton_->setEnabled(learning);
    learnWithBox_->setEnabled(!learning && learnWithBox_->count() > 1);
    // An empty list needs two rows, a full one three (it scrolls): the lists above need the height more.
    learnedView_->setMaximumHeight((learned_->rowCount() > 0 ? 3 : 2) * learnedView_->fontMetrics().height() + 12);
    const bool haveSelection = selectedId() != 0;
    for (QAction* action : {deleteAction_, renameAction_, editAction_}) action->setEnabled(haveSelection);
    newClassAction_->setEnabled(editingId_ != 0);
    modeTabs_->setTabEnabled(0, kind != CaptionKind::Encoded && attributes_->dims() > 0);
    modeTabs_->setTabEnabled(1, dataset_ != nullptr);
    if (kind == CaptionKind::Encoded && !captionMode) {
        setMode(Mode::Caption);  // comes back here through currentChanged
        return;
    }
    fillFromCaptionButton_->setEnabled(parse_.ok() && !learning);
    switch (kind) {
    case CaptionKind::Encoded:
        captionHint_->setText(tr("The caption is encoded like the seen classes' descriptions (TF-IDF). "
                                 "Words they never use are ignored.")
                                  .toHtmlEscaped());
        captionHint_->setToolTip(QString());
        break;
    case CaptionKind::Parsed:
        // A legend of the highlights, one line in a narrow dock; the whole story in the tooltip.
        captionHint_->setText(tr("<span style=\"background-color:%1\">&nbsp;understood&nbsp;</span> "
                                 "<span style=\"background-color:%2\">&nbsp;negated&nbsp;</span> "
                                 "<span style=\"color:%3\"><u>not understood</u></span>")
                                  .arg(statedColour(captionEdit_).name(), negatedColour(captionEdit_).name(),
                                       unknownColour(captionEdit_).name()));
        captionHint_->setToolTip(
            tr("Describe the class in words. The phrases understood are highlighted and listed "
               "with the attributes they set; the attributes the text leaves open are filled from "
               "the seen classes most like it. Learn learns from the result."));
        break;
    case CaptionKind::Unmappable:
        captionHint_->setText((dataset_ ? tr("Cannot use text here: %1.").arg(captionProblem())
                                        : tr("Open a data set to describe a class."))
                                  .toHtmlEscaped());
        captionHint_->setToolTip(QString());
        break;
    }
    const LearnedClassEntry* edited = learned_->entry(editingId_);
    editingLabel_->setText(
        edited ? tr("Editing \"%1\": Learn replaces it.").arg(QString::fromStdString(edited->result.name)) : QString());

    // A change of the engine's state outdates an action's outcome in the status line.
    if (ready != lastReady_ || preparing != lastPreparing_) statusAutomatic_ = true;
    lastReady_ = ready;
    lastPreparing_ = preparing;
    if (learning || !statusAutomatic_) return;
    QStringList lines;
    if (preparing)
        lines << tr("Preparing the NIWT engine for \"%1\" (cached after the first time)…").arg(modalityName_);
    else if (!ready && !unavailableReason_.isEmpty())
        lines << unavailableReason_;
    else if (!ready && controller_ && controller_->isPrepared())  // prepared for another modality
        lines << tr("Waiting for the NIWT engine to be prepared for \"%1\"…").arg(modalityName_);
    else if (!ready)
        lines << tr("Waiting for the NIWT engine (data set and network)…");
    if (!problem.isEmpty()) lines << tr("Cannot learn from this caption: %1.").arg(problem);
    if (lines.isEmpty())
        lines << (captionMode && kind == CaptionKind::Parsed
                      ? tr("Ready: the text states %n attribute(s); Learn (Ctrl+L).", nullptr,
                           int(parse_.statedDims.size()))
                      : tr("Ready: describe a class and press Learn (Ctrl+L)."));
    statusLabel_->setText(lines.join(QLatin1Char('\n')));
}

}  // namespace niwt::gui
