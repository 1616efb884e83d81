#pragma once
// The classes a person has learned in this session (names, descriptions, weights, rankings), as a
// list model, and the QUndoCommands that change it: add, delete, rename and replace (re-learn).
// Every change the user makes goes through a QUndoStack (LearnedClassEditor), so each can be
// undone and redone; entries are found by a stable id, not by row, so commands stay valid when
// other rows come and go.
#include "widgets/engine_types.h"

#include <QAbstractListModel>
#include <QString>
#include <QUndoCommand>
#include <QVector>

class QUndoStack;

namespace niwt::gui {

struct LearnedClassEntry {
    int id = 0;                 // stable for the session
    QString caption;            // the caption it was learned from, empty for attributes
    niwt::LearnedClass result;  // result.name is the shown name
};

class LearnedClassModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        IdRole = Qt::UserRole + 1,  // int
        ConvergedRole,              // bool
        IterationsRole,             // int
    };

    explicit LearnedClassModel(QObject* parent = nullptr);

    // Direct changes (the commands call these; views edit names through renameRequested).
    void insertEntry(int row, const LearnedClassEntry& entry);
    LearnedClassEntry takeEntry(int row);
    bool setName(int id, const QString& name);
    bool replaceEntry(int id, const LearnedClassEntry& entry);  // keeps the row

    int rowOfId(int id) const;  // -1 when absent
    const LearnedClassEntry* entry(int id) const;
    const LearnedClassEntry& entryAt(int row) const { return entries_[row]; }
    const QVector<LearnedClassEntry>& entries() const { return entries_; }
    QStringList names() const;
    int nextId() { return ++lastId_; }
    // A name not yet used ("name", else "name (2)", "name (3)" ...).
    QString uniqueName(const QString& name, int ignoreId = 0) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    // Editing a name in a view does not change the model: it asks for an undoable rename.
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;

signals:
    void renameRequested(int id, const QString& name);

private:
    QVector<LearnedClassEntry> entries_;
    int lastId_ = 0;
};

// Pushes the undoable changes onto `stack`; the commands act on `model`.
class LearnedClassEditor {
public:
    LearnedClassEditor(LearnedClassModel* model, QUndoStack* stack) : model_(model), stack_(stack) {}
    // Returns the new entry's id; its name is made unique.
    int add(const niwt::LearnedClass& result, const QString& caption = {});
    bool remove(int id);
    bool rename(int id, const QString& name);
    // Re-learned: a new result (and description) for an existing entry, keeping its name.
    bool replace(int id, const niwt::LearnedClass& result, const QString& caption = {});
    // The full weight space's refinement of the span solution that the last add() or replace()
    // of `id` recorded: that result becomes `refined` in place (the entry keeps its row, name and
    // caption), in the model when the entry is shown and in the commands that hold it, so undo and
    // redo give the refined class. No undo step of its own: it completes the learn already on the
    // stack. False when no add() or replace() of `id` is on the stack (cleared since).
    bool refine(int id, const niwt::LearnedClass& refined);

    LearnedClassModel* model() const { return model_; }
    QUndoStack* stack() const { return stack_; }

private:
    LearnedClassModel* model_;
    QUndoStack* stack_;
};

}  // namespace niwt::gui
