#include "widgets/class_composer.h"

#include "core/data/caption_attributes.h"
#include "widgets/attribute_model.h"
#include "widgets/session_worker.h"

#include <QAction>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPainter>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSlider>
#include <QStyledItemDelegate>
#include <QTabWidget>
#include <QToolButton>
#include <QTreeView>
#include <QUndoStack>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace niwt::gui {

namespace {

constexpr int kSliderSteps = 1000;

// A slider and a spin box on one value, as the editor of an attribute's value cell.
class ValueEditor : public QWidget {
public:
    ValueEditor(double minimum, double maximum, QWidget* parent) : QWidget(parent), minimum_(minimum), maximum_(maximum) {
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
        const bool leaf = index.column() == AttributeModel::ValueColumn && !index.data(AttributeModel::IsGroupRole).toBool() &&
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

    auto* attributePage = new QWidget(this);
    auto* attributeTop = new QHBoxLayout;
    attributeTop->addWidget(searchEdit_, 1);
    attributeTop->addWidget(prefillBox_);
    attributeTop->addWidget(clearValues);
    auto* attributeLayout = new QVBoxLayout(attributePage);
    attributeLayout->setContentsMargins(2, 2, 2, 2);
    attributeLayout->addLayout(attributeTop);
    attributeLayout->addWidget(attributeView_, 1);

    captionEdit_ = new QPlainTextEdit(this);
    captionEdit_->setObjectName(QStringLiteral("captionEdit"));
    captionEdit_->setPlaceholderText(tr("Describe the class in words, e.g. \"a small bird with a red head, "
                                        "black and white barred wings and a long pointed bill\""));
    captionHint_ = new QLabel(this);
    captionHint_->setWordWrap(true);
    fillFromCaptionButton_ = new QPushButton(tr("Fill &Attributes from Caption"), this);
    fillFromCaptionButton_->setObjectName(QStringLiteral("fillFromCaptionButton"));
    fillFromCaptionButton_->setToolTip(tr("Set the attributes the caption mentions, to check and adjust them before Learn"));
    connect(fillFromCaptionButton_, &QPushButton::clicked, this, [this] {
        if (fillAttributesFromCaption()) setMode(Mode::Attributes);
    });
    auto* captionPage = new QWidget(this);
    auto* captionLayout = new QVBoxLayout(captionPage);
    captionLayout->setContentsMargins(2, 2, 2, 2);
    captionLayout->addWidget(captionHint_);
    captionLayout->addWidget(captionEdit_, 1);
    captionLayout->addWidget(fillFromCaptionButton_, 0, Qt::AlignRight);

    modeTabs_ = new QTabWidget(this);
    modeTabs_->setObjectName(QStringLiteral("composerModes"));
    modeTabs_->addTab(attributePage, tr("&Attributes"));
    modeTabs_->addTab(captionPage, tr("Ca&ption"));

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
    // A few rows: the attribute editor above needs the height more.
    learnedView_->setMaximumHeight(5 * learnedView_->fontMetrics().height() + 12);
    connect(learned_, &LearnedClassModel::renameRequested, this,
            [this](int id, const QString& name) { editor_->rename(id, name); });
    connect(learnedView_->selectionModel(), &QItemSelectionModel::currentChanged, this, &ClassComposer::onSelectionChanged);
    connect(learned_, &QAbstractItemModel::dataChanged, this, &ClassComposer::onSelectionChanged);
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
        connect(controller_, &SessionController::learned, this, &ClassComposer::onLearned);
        connect(controller_, &SessionController::cancelled, this,
                [this](quint64 job) { onJobEnded(job, tr("Learning cancelled; the learned classes are unchanged.")); });
        // The message itself is reported by whoever shows engine errors (the main window).
        connect(controller_, &SessionController::failed, this, [this](quint64 job, const QString& message) {
            onJobEnded(job, tr("Learning failed: %1").arg(message));
        });
        connect(controller_, &SessionController::busyChanged, this, &ClassComposer::updateState);
        connect(controller_, &SessionController::prepared, this, &ClassComposer::updateState);
    }
    updateState();
}

void ClassComposer::setDataset(std::shared_ptr<const Dataset> dataset, const QString& modality) {
    dataset_ = std::move(dataset);
    modalityName_ = modality;
    // A class being learned belongs to the old data set: its result must not land in the new list.
    if (pendingJob_) {
        cancel();
        pendingJob_ = 0;
    }
    stopEditing();
    while (learned_->rowCount() > 0) learned_->takeEntry(0);
    undoStack_->clear();
    const Modality* edited = dataset_ ? dataset_->modality(modality.toStdString()) : nullptr;
    attributes_->setModality(edited);
    prefillBox_->clear();
    prefillBox_->addItem(tr("Pre-fill from…"), -1);
    if (dataset_ && edited)
        for (size_t c = 0; c < dataset_->classes.size(); ++c) {
            const ClassInfo& info = dataset_->classes[c];
            prefillBox_->addItem(QString::fromStdString(info.name) + (info.seen ? QString() : tr(" (unseen)")), int(c));
        }
    updateState();
    // A new data set starts in its natural mode (tabs disabled meanwhile may have moved the current one).
    setMode(captionsSession() ? Mode::Caption : Mode::Attributes);
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
void ClassComposer::setCaption(const QString& caption) { captionEdit_->setPlainText(caption); }

void ClassComposer::prefillFromClass(int classIndex) {
    if (!attributes_->fillFromClass(classIndex)) return;
    if (nameEdit_->text().trimmed().isEmpty() && dataset_)
        nameEdit_->setText(tr("Like %1").arg(QString::fromStdString(dataset_->classes[size_t(classIndex)].name)));
    statusLabel_->setText(tr("Attributes pre-filled from %1.").arg(QString::fromStdString(dataset_->classes[size_t(classIndex)].name)));
}

bool ClassComposer::fillAttributesFromCaption() {
    const Modality* modality = dataset_ ? dataset_->modality(modalityName_.toStdString()) : nullptr;
    if (!modality || attributes_->dims() == 0) return false;
    const QString caption = captionEdit_->toPlainText().simplified();
    const std::vector<float> scores = attributeScoresFromCaption(caption.toStdString(), modality->dimNames);
    if (std::all_of(scores.begin(), scores.end(), [](float s) { return s == 0.0f; })) {
        emit errorOccurred(tr("the caption mentions no attribute of this data set by name (attributes such as \"%1\")")
                               .arg(QString::fromStdString(modality->dimNames.empty() ? std::string() : modality->dimNames.front())));
        return false;
    }
    attributes_->setFromScores(scores);
    const auto mentioned = std::count_if(scores.begin(), scores.end(), [](float s) { return s > 0.0f; });
    statusLabel_->setText(tr("%n attribute(s) set from the caption.", nullptr, int(mentioned)));
    return true;
}

void ClassComposer::learn() {
    if (pendingJob_) return;  // one class at a time
    if (!controller_ || !controller_->isPrepared()) {
        emit errorOccurred(tr("the NIWT engine is not ready yet: open a data set and a network bundle, "
                              "and wait for the preparation (status bar) to finish"));
        return;
    }
    const QString name = nameEdit_->text().trimmed().isEmpty() ? tr("New class") : nameEdit_->text().trimmed();
    const bool captionsModality = captionsSession();
    if (mode() == Mode::Caption) {
        const QString caption = captionEdit_->toPlainText().simplified();
        if (caption.isEmpty()) {
            emit errorOccurred(tr("the caption is empty: describe the class in words first"));
            return;
        }
        if (captionsModality) {
            pendingJob_ = controller_->learnFromCaption(name, caption);
        } else {
            // Attribute sessions learn from the attributes the caption mentions (shown in the editor).
            if (!fillAttributesFromCaption()) return;
            pendingJob_ = controller_->learn(name, attributes_->values());
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
    statusLabel_->setText(tr("Learning \"%1\"…").arg(name));
    emit learnStarted(name);
    updateState();
}

void ClassComposer::cancel() {
    if (pendingJob_ && controller_) controller_->cancel();
}

void ClassComposer::onLearned(quint64 job, const niwt::LearnedClass& result) {
    if (job != pendingJob_) return;
    pendingJob_ = 0;
    int id = 0;
    if (pendingEditId_ && learned_->entry(pendingEditId_)) {
        editor_->replace(pendingEditId_, result, pendingCaption_);
        id = pendingEditId_;
    } else {
        id = editor_->add(result, pendingCaption_);
    }
    statusLabel_->setText(tr("Learned \"%1\": %2 after %3 alpha2w iterations (cosine loss %4).")
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
    statusLabel_->setText(why);
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
    captionEdit_->setPlainText(entry->caption);
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
    learnedView_->setCurrentIndex(learned_->index(row));
    onSelectionChanged();  // also when the row was current already (re-learned)
}

void ClassComposer::onSelectionChanged() {
    const LearnedClassEntry* entry = learned_->entry(selectedId());
    if (entry)
        emit learnedClassSelected(entry->result);
    else
        emit selectionCleared();
    updateState();
}

bool ClassComposer::captionsSession() const { return controller_ && controller_->options().modality == "captions"; }

void ClassComposer::updateState() {
    const bool ready = controller_ && controller_->isPrepared();
    const bool learning = pendingJob_ != 0;
    const bool captions = captionsSession();
    learnAction_->setEnabled(ready && !learning && dataset_);
    learnButton_->setEnabled(learnAction_->isEnabled());
    cancelAction_->setEnabled(learning);
    cancelButton_->setEnabled(learning);
    const bool haveSelection = selectedId() != 0;
    for (QAction* action : {deleteAction_, renameAction_, editAction_}) action->setEnabled(haveSelection);
    newClassAction_->setEnabled(editingId_ != 0);
    modeTabs_->setTabEnabled(0, !captions && attributes_->dims() > 0);
    modeTabs_->setTabEnabled(1, captions || attributes_->dims() > 0);
    if (captions && mode() != Mode::Caption) setMode(Mode::Caption);
    fillFromCaptionButton_->setVisible(!captions);
    fillFromCaptionButton_->setEnabled(attributes_->dims() > 0);
    captionHint_->setText(captions ? tr("The caption is encoded like the seen classes' descriptions (TF-IDF)."
                                        " Words they never use are ignored.")
                                   : tr("This session learns from attributes: Learn sets the attributes the caption "
                                        "names (\"red wings\" sets has_wing_color::red) and learns from them. "
                                        "Check them in the Attributes tab."));
    const LearnedClassEntry* edited = learned_->entry(editingId_);
    editingLabel_->setText(edited ? tr("Editing \"%1\": Learn replaces it.").arg(QString::fromStdString(edited->result.name))
                                  : QString());
    if (!learning && statusLabel_->text().isEmpty())
        statusLabel_->setText(ready ? tr("Ready: describe a class and press Learn (Ctrl+L).")
                                    : tr("Waiting for the NIWT engine (data set and network)…"));
    else if (!learning && ready && statusLabel_->text().startsWith(tr("Waiting")))
        statusLabel_->setText(tr("Ready: describe a class and press Learn (Ctrl+L)."));
}

}  // namespace niwt::gui
