#pragma once
// The class composer: describe a class the network has never seen, by attributes (an editor with
// every attribute, searchable, grouped by part, pre-fillable from an existing class) or by a
// caption, then Learn runs mod2alpha + alpha2w for it in the background (SessionController).
// The caption is
//   - for an attribute-like learning modality (one with dimension names: CUB's "attributes",
//     AwA2's, Fashion-MNIST's): parsed as it is typed (core/data/description_parser.h). The text
//     shows the phrases understood (negated ones in another colour) and the words not understood
//     (red wavy underline); a list gives each phrase's attributes (a click shows the attribute in
//     the Attributes tab), then the words not understood and the seen classes that filled the
//     attributes the text left open. Learn learns from the parse's class vector.
//   - for "captions": encoded like the seen classes' descriptions by the session (TF-IDF).
//   - for a modality without dimension names: not mappable; the tab says so.
// "Learn with" chooses the learning modality among the data set's (plus "captions" when class
// descriptions exist); the owner of the SessionController re-prepares it on
// learningModalityChanged(). Learned classes are listed below; they can be renamed, edited (the
// description goes back into the editor and the next Learn replaces the class) and deleted, all
// undoable (undoStack(); the main window puts Undo/Redo in its Edit menu).
#include "core/data/dataset.h"
#include "core/data/description_parser.h"
#include "widgets/learned_class_model.h"

#include <QStringList>
#include <QWidget>

#include <map>
#include <memory>

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QListView;
class QPlainTextEdit;
class QPushButton;
class QSplitter;
class QTabWidget;
class QTimer;
class QTreeView;
class QTreeWidget;
class QTreeWidgetItem;
class QUndoStack;

namespace niwt::gui {

class AttributeFilterModel;
class AttributeModel;
class SessionController;

class ClassComposer : public QWidget {
    Q_OBJECT
public:
    enum class Mode { Attributes, Caption };
    // What the Caption tab does with text for the current learning modality.
    enum class CaptionKind {
        Parsed,      // an attribute-like modality: the description parser
        Encoded,     // "captions": the session's TF-IDF encoder
        Unmappable,  // a modality without dimension names (or no data set)
    };
    // Caption tab: how long typing must pause before the text is parsed again.
    static constexpr int kParseDelayMs = 200;

    explicit ClassComposer(QWidget* parent = nullptr);
    ~ClassComposer() override;

    // The engine to learn with (not owned). May be set before or after it is prepared.
    void setController(SessionController* controller);
    // A new data set clears the editor and the learned classes (they belong to the old one) and
    // the undo history, and builds a description parser for each of its modalities with
    // dimension names. The modality named is the one learned with (default "attributes"); the
    // controller is expected to be prepared with it.
    void setDataset(std::shared_ptr<const Dataset> dataset, const QString& modality = QStringLiteral("attributes"));
    // The modalities a class can be learned with: the data set's, plus "captions" when it has
    // class descriptions (defaultDescriptionsFile) and no modality of that name.
    static QStringList learningModalities(const Dataset& dataset);
    // The learning modality (as chosen in "Learn with", or given to setDataset).
    QString learningModality() const { return modalityName_; }
    // Why no engine can be prepared for the data set (e.g. it needs a network): shown in the
    // status line while the engine is not ready. Empty: nothing is missing.
    void setEngineUnavailableReason(const QString& reason);
    // Switches the editor, the parser and the Caption tab to `modality` (one of
    // learningModalities()) without emitting learningModalityChanged. False when unknown.
    bool setLearningModality(const QString& modality);

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
    // Parsed captions: puts the parse's class vector (stated attributes, the rest from the nearest
    // seen classes) into the attribute editor. False, with the parse's problem in the status
    // label, when it makes no vector (empty text, nothing understood) or the modality cannot be
    // parsed; the editor is then unchanged.
    bool fillAttributesFromCaption();
    CaptionKind captionKind() const;
    // Parses the caption now (what the debounce timer does when typing pauses).
    void parseCaptionNow();
    // The last parse of the caption (empty when the kind is not Parsed).
    const DescriptionParse& captionParse() const { return parse_; }
    // Why no parser could be built for the learning modality (empty when there is one or none
    // was needed).
    QString parserError() const { return parserError_; }
    // Attributes tab with dimension `dimension` current and in view (the search is cleared when
    // it hides it).
    void showAttribute(int dimension);

    AttributeModel* attributeModel() const { return attributes_; }
    AttributeFilterModel* attributeFilter() const { return filter_; }
    LearnedClassModel* learnedModel() const { return learned_; }
    LearnedClassEditor* editor() const { return editor_.get(); }
    QLineEdit* nameEdit() const { return nameEdit_; }
    QLineEdit* searchEdit() const { return searchEdit_; }
    QComboBox* prefillBox() const { return prefillBox_; }
    QTreeView* attributeView() const { return attributeView_; }
    QPlainTextEdit* captionEdit() const { return captionEdit_; }
    // Phrases understood (top-level items; UserRole: -1) with the attributes they set (children;
    // UserRole: the dimension).
    QTreeWidget* phraseView() const { return phraseView_; }
    QLabel* unknownWordsLabel() const { return unknownLabel_; }
    QLabel* filledFromLabel() const { return filledFromLabel_; }
    QLabel* statusLabel() const { return statusLabel_; }
    QComboBox* learnWithBox() const { return learnWithBox_; }
    QListView* learnedView() const { return learnedView_; }
    // Id of the learned class being edited (its next Learn replaces it); 0 when composing a new one.
    int editingId() const { return editingId_; }
    bool isLearning() const { return pendingJob_ != 0; }
    // Full weight space: the id of the class showing its span solution while the refinement runs
    // (it stays, with the span solution, if the refinement is cancelled or fails); 0 otherwise.
    int refiningId() const { return refiningId_; }

public slots:
    void learn();
    void cancel();
    void editSelected();  // loads the selected class's description into the editor
    void stopEditing();   // the next Learn makes a new class again
    void deleteSelected();
    void renameSelected();  // opens the name editor in the list

signals:
    void learnStarted(const QString& name);
    // A learned class was chosen in the list (or just learned): show its images.
    void learnedClassSelected(const niwt::LearnedClass& learned);
    void selectionCleared();
    void errorOccurred(const QString& message);
    // The user chose another learning modality in "Learn with": the session must be prepared
    // again with it (the composer waits for that before Learn).
    void learningModalityChanged(const QString& modality);

protected:
    void changeEvent(QEvent* event) override;

private:
    // Full weight space: the span solution, shown at once (added, or replacing the edited class).
    void onSpanLearned(quint64 job, const niwt::LearnedClass& span);
    // The final result: a new class, or (full weight space) the refinement of the span solution
    // shown, in the same row.
    void onLearned(quint64 job, const niwt::LearnedClass& result);
    void onJobEnded(quint64 job, const QString& why);
    QString refiningName() const;  // the name refiningId_'s class has now
    void onSelectionChanged();
    void updateState();
    void applyLearningModality(const QString& modality);  // unchecked: setDataset's choice
    bool engineReady() const;                             // prepared, and for the learning modality
    const DescriptionParser* parser() const;
    void showParse();  // highlights, phrase list, unknown words, nearest classes
    void applyHighlights();
    QString captionProblem() const;  // why the Caption tab cannot learn now; empty when it can
    void setStatus(const QString& text, bool automatic = false);
    int selectedId() const;
    void selectId(int id);

    std::shared_ptr<const Dataset> dataset_;
    QString modalityName_;
    // One parser per modality with dimension names, built by setDataset (construction reads the
    // seen rows: a few ms each); the messages of those that failed.
    std::map<QString, std::unique_ptr<DescriptionParser>> parsers_;
    std::map<QString, QString> parserErrors_;
    QString parserError_;
    DescriptionParse parse_;
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
    QSplitter* captionSplitter_ = nullptr;
    QWidget* parseResults_ = nullptr;  // what the parse understood, below the text
    QTreeWidget* phraseView_ = nullptr;
    QLabel* unknownLabel_ = nullptr;
    QLabel* filledFromLabel_ = nullptr;
    QTimer* parseTimer_ = nullptr;
    QComboBox* learnWithBox_ = nullptr;
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
    int refiningId_ = 0;  // the class holding pendingJob_'s span solution (full weight space)
    QString pendingCaption_;
    int editingId_ = 0;
    // The status line shows a computed state (waiting, preparing, ready, the caption's problem)
    // rather than the outcome of an action (learned, cancelled, pre-filled); computed ones are
    // refreshed by updateState, outcomes stay until the next change of text, tab or engine.
    bool statusAutomatic_ = true;
    bool lastReady_ = false, lastPreparing_ = false;
    QString unavailableReason_;
};

}  // namespace niwt::gui
