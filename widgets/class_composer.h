#pragma once
// The class composer: describe a class the network has never seen, by attributes (an editor with
// every attribute, searchable, grouped by part, pre-fillable from an existing class) or by a
// caption (encoded like the seen classes' descriptions when the session's modality is "captions";
// else turned into the attributes it mentions, core/data/caption_attributes.h), then Learn runs mod2alpha + alpha2w for it
// in the background (SessionController). Learned classes are listed below; they can be renamed,
// edited (the description goes back into the editor and the next Learn replaces the class) and
// deleted, all undoable (undoStack(); the main window puts Undo/Redo in its Edit menu).
#include "core/data/dataset.h"
#include "widgets/learned_class_model.h"

#include <QWidget>

#include <memory>

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QListView;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTreeView;
class QUndoStack;

namespace niwt::gui {

class AttributeFilterModel;
class AttributeModel;
class SessionController;

class ClassComposer : public QWidget {
    Q_OBJECT
public:
    enum class Mode { Attributes, Caption };

    explicit ClassComposer(QWidget* parent = nullptr);
    ~ClassComposer() override;

    // The engine to learn with (not owned). May be set before or after it is prepared.
    void setController(SessionController* controller);
    // A new data set clears the editor and the learned classes (they belong to the old one) and
    // the undo history. The modality named is the one edited (default "attributes").
    void setDataset(std::shared_ptr<const Dataset> dataset, const QString& modality = QStringLiteral("attributes"));

    // Actions for menus and tests: Learn (Ctrl+L), Cancel, Delete, Rename, Edit.
    QAction* learnAction() const { return learnAction_; }
    QAction* cancelAction() const { return cancelAction_; }
    QAction* deleteAction() const { return deleteAction_; }
    QAction* renameAction() const { return renameAction_; }
    QAction* editAction() const { return editAction_; }
    QUndoStack* undoStack() const { return undoStack_; }
    // Replaces the learned classes with `entries` (a restored session: new ids, names made
    // unique, an empty undo history).
    void restoreLearnedClasses(const QVector<LearnedClassEntry>& entries);

    Mode mode() const;
    void setMode(Mode mode);
    void setClassName(const QString& name);
    void setCaption(const QString& caption);
    // Pre-fill the attribute editor from a data set class (by class index).
    void prefillFromClass(int classIndex);
    // Attribute sessions: sets the attributes the caption mentions (attributeScoresFromCaption)
    // and clears the others. False (and the editor unchanged) when it mentions none.
    bool fillAttributesFromCaption();

    AttributeModel* attributeModel() const { return attributes_; }
    AttributeFilterModel* attributeFilter() const { return filter_; }
    LearnedClassModel* learnedModel() const { return learned_; }
    LearnedClassEditor* editor() const { return editor_.get(); }
    QLineEdit* nameEdit() const { return nameEdit_; }
    QLineEdit* searchEdit() const { return searchEdit_; }
    QComboBox* prefillBox() const { return prefillBox_; }
    QTreeView* attributeView() const { return attributeView_; }
    QListView* learnedView() const { return learnedView_; }
    // Id of the learned class being edited (its next Learn replaces it); 0 when composing a new one.
    int editingId() const { return editingId_; }
    bool isLearning() const { return pendingJob_ != 0; }

public slots:
    void learn();
    void cancel();
    void editSelected();   // loads the selected class's description into the editor
    void stopEditing();    // the next Learn makes a new class again
    void deleteSelected();
    void renameSelected(); // opens the name editor in the list

signals:
    void learnStarted(const QString& name);
    // A learned class was chosen in the list (or just learned): show its images.
    void learnedClassSelected(const niwt::LearnedClass& learned);
    void selectionCleared();
    void errorOccurred(const QString& message);

private:
    void onLearned(quint64 job, const niwt::LearnedClass& result);
    void onJobEnded(quint64 job, const QString& why);
    void onSelectionChanged();
    void updateState();
    bool captionsSession() const;  // the controller's modality is "captions"
    int selectedId() const;
    void selectId(int id);

    std::shared_ptr<const Dataset> dataset_;
    QString modalityName_;
    SessionController* controller_ = nullptr;
    AttributeModel* attributes_ = nullptr;
    AttributeFilterModel* filter_ = nullptr;
    LearnedClassModel* learned_ = nullptr;
    QUndoStack* undoStack_ = nullptr;
    std::unique_ptr<LearnedClassEditor> editor_;

    QLineEdit* nameEdit_ = nullptr;
    QTabWidget* modeTabs_ = nullptr;
    QLineEdit* searchEdit_ = nullptr;
    QComboBox* prefillBox_ = nullptr;
    QTreeView* attributeView_ = nullptr;
    QPlainTextEdit* captionEdit_ = nullptr;
    QLabel* captionHint_ = nullptr;
    QPushButton* fillFromCaptionButton_ = nullptr;
    QLabel* editingLabel_ = nullptr;
    QLabel* statusLabel_ = nullptr;
    QPushButton* learnButton_ = nullptr;
    QPushButton* cancelButton_ = nullptr;
    QListView* learnedView_ = nullptr;
    QAction* learnAction_ = nullptr;
    QAction* cancelAction_ = nullptr;
    QAction* deleteAction_ = nullptr;
    QAction* renameAction_ = nullptr;
    QAction* editAction_ = nullptr;
    QAction* newClassAction_ = nullptr;

    quint64 pendingJob_ = 0;
    int pendingEditId_ = 0;
    QString pendingCaption_;
    int editingId_ = 0;
};

}  // namespace niwt::gui
