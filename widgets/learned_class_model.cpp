#include "widgets/learned_class_model.h"

#include <QUndoStack>

#include <algorithm>

namespace niwt::gui {

LearnedClassModel::LearnedClassModel(QObject* parent) : QAbstractListModel(parent) {}

void LearnedClassModel::insertEntry(int row, const LearnedClassEntry& entry) {
    row = std::clamp(row, 0, int(entries_.size()));
    beginInsertRows({}, row, row);
    entries_.insert(row, entry);
    endInsertRows();
}

LearnedClassEntry LearnedClassModel::takeEntry(int row) {
    beginRemoveRows({}, row, row);
    LearnedClassEntry entry = entries_.takeAt(row);
    endRemoveRows();
    return entry;
}

bool LearnedClassModel::setName(int id, const QString& name) {
    const int row = rowOfId(id);
    if (row < 0) return false;
    entries_[row].result.name = name.toStdString();
    emit dataChanged(index(row), index(row));
    return true;
}

bool LearnedClassModel::replaceEntry(int id, const LearnedClassEntry& entry) {
    const int row = rowOfId(id);
    if (row < 0) return false;
    entries_[row] = entry;
    entries_[row].id = id;
    emit dataChanged(index(row), index(row));
    return true;
}

int LearnedClassModel::rowOfId(int id) const {
    for (int row = 0; row < entries_.size(); ++row)
        if (entries_[row].id == id) return row;
    return -1;
}

const LearnedClassEntry* LearnedClassModel::entry(int id) const {
    const int row = rowOfId(id);
    return row < 0 ? nullptr : &entries_[row];
}

QStringList LearnedClassModel::names() const {
    QStringList out;
    for (const auto& e : entries_) out << QString::fromStdString(e.result.name);
    return out;
}

QString LearnedClassModel::uniqueName(const QString& name, int ignoreId) const {
    const QString base = name.trimmed().isEmpty() ? tr("New class") : name.trimmed();
    auto taken = [&](const QString& candidate) {
        for (const auto& e : entries_)
            if (e.id != ignoreId && QString::fromStdString(e.result.name) == candidate) return true;
        return false;
    };
    QString candidate = base;
    for (int n = 2; taken(candidate); ++n) candidate = tr("%1 (%2)").arg(base).arg(n);
    return candidate;
}

int LearnedClassModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(entries_.size()); }

QVariant LearnedClassModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= entries_.size()) return {};
    const LearnedClassEntry& e = entries_[index.row()];
    switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole: return QString::fromStdString(e.result.name);
    case Qt::ToolTipRole:
        return tr("%1: alpha2w (%7) %2 after %3 iterations (cosine loss %4, L2 %5); %6")
            .arg(QString::fromStdString(e.result.name),
                 e.result.converged ? tr("converged") : tr("stopped at the iteration limit"))
            .arg(e.result.iterations)
            .arg(e.result.cosineLoss, 0, 'f', 4)
            .arg(e.result.l2Loss, 0, 'g', 3)
            .arg(e.caption.isEmpty() ? tr("from attributes") : tr("from the caption \"%1\"").arg(e.caption),
                 e.result.alpha2wMode == "full" ? tr("full weight space") : tr("span of the seen weights"));
    case IdRole: return e.id;
    case ConvergedRole: return e.result.converged;
    case IterationsRole: return e.result.iterations;
    default: return {};
    }
}

bool LearnedClassModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (!index.isValid() || role != Qt::EditRole) return false;
    const QString name = value.toString().trimmed();
    const LearnedClassEntry& e = entries_[index.row()];
    if (name.isEmpty() || name == QString::fromStdString(e.result.name)) return false;
    emit renameRequested(e.id, name);
    return false;  // the rename command changes the data, if it is pushed
}

Qt::ItemFlags LearnedClassModel::flags(const QModelIndex& index) const {
    if (!index.isValid()) return Qt::NoItemFlags;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsEditable;
}

// ---------------------------------------------------------------------------------------------
namespace {

// The learned result `snapshot` holds becomes `refined`; the snapshot keeps its name (a rename
// while the class was refined stays).
void refineSnapshot(LearnedClassEntry& snapshot, const niwt::LearnedClass& refined) {
    const std::string name = snapshot.result.name;
    snapshot.result = refined;
    snapshot.result.name = name;
}

// A command that keeps entries as they were or will be: refine() updates those of one id.
class EntryCommand : public QUndoCommand {
public:
    using QUndoCommand::QUndoCommand;
    // Did this command add or re-learn `id` (it produced a learned result)?
    virtual bool learns(int id) const = 0;
    virtual void refine(int id, const niwt::LearnedClass& refined) = 0;
};

class AddCommand : public EntryCommand {
public:
    AddCommand(LearnedClassModel* model, LearnedClassEntry entry)
        : EntryCommand(QObject::tr("Learn class \"%1\"").arg(QString::fromStdString(entry.result.name))), model_(model),
          entry_(std::move(entry)), row_(model->rowCount()) {}
    bool learns(int id) const override { return entry_.id == id; }
    void refine(int id, const niwt::LearnedClass& refined) override {
        if (entry_.id == id) refineSnapshot(entry_, refined);
    }
    void redo() override { model_->insertEntry(row_, entry_); }
    void undo() override {
        const int row = model_->rowOfId(entry_.id);
        // Taken back as it is now; later renames were undone before this command (stack order).
        if (row >= 0) entry_ = model_->takeEntry(row);
    }

private:
    LearnedClassModel* model_;
    LearnedClassEntry entry_;
    int row_;
};

class RemoveCommand : public EntryCommand {
public:
    RemoveCommand(LearnedClassModel* model, int id)
        : EntryCommand(QObject::tr("Delete class \"%1\"").arg(QString::fromStdString(model->entry(id)->result.name))),
          model_(model), id_(id), row_(model->rowOfId(id)) {}
    bool learns(int) const override { return false; }
    // Deleted while it was refined: undoing the delete brings the refined class back.
    void refine(int id, const niwt::LearnedClass& refined) override {
        if (id == id_) refineSnapshot(entry_, refined);
    }
    void redo() override {
        const int row = model_->rowOfId(id_);
        if (row >= 0) {
            row_ = row;
            entry_ = model_->takeEntry(row);
        }
    }
    void undo() override { model_->insertEntry(row_, entry_); }

private:
    LearnedClassModel* model_;
    int id_;
    int row_;
    LearnedClassEntry entry_;
};

class RenameCommand : public QUndoCommand {
public:
    RenameCommand(LearnedClassModel* model, int id, QString name)
        : QUndoCommand(QObject::tr("Rename class to \"%1\"").arg(name)), model_(model), id_(id),
          before_(QString::fromStdString(model->entry(id)->result.name)), after_(std::move(name)) {}
    void redo() override { model_->setName(id_, after_); }
    void undo() override { model_->setName(id_, before_); }

private:
    LearnedClassModel* model_;
    int id_;
    QString before_, after_;
};

class ReplaceCommand : public EntryCommand {
public:
    ReplaceCommand(LearnedClassModel* model, int id, LearnedClassEntry after)
        : EntryCommand(QObject::tr("Re-learn class \"%1\"").arg(QString::fromStdString(after.result.name))),
          model_(model), id_(id), before_(*model->entry(id)), after_(std::move(after)) {}
    bool learns(int id) const override { return id == id_; }
    // The result it re-learned, not the one before it.
    void refine(int id, const niwt::LearnedClass& refined) override {
        if (id == id_) refineSnapshot(after_, refined);
    }
    void redo() override { model_->replaceEntry(id_, after_); }
    void undo() override { model_->replaceEntry(id_, before_); }

private:
    LearnedClassModel* model_;
    int id_;
    LearnedClassEntry before_, after_;
};

}  // namespace

bool LearnedClassEditor::refine(int id, const niwt::LearnedClass& refined) {
    // The command that recorded the span solution (the latest add or re-learn of `id`), then the
    // later ones that may hold the entry (a delete while it was refined).
    int first = -1;
    for (int i = stack_->count() - 1; i >= 0 && first < 0; --i) {
        const auto* command = dynamic_cast<const EntryCommand*>(stack_->command(i));
        if (command && command->learns(id)) first = i;
    }
    if (first < 0) return false;
    for (int i = first; i < stack_->count(); ++i)
        if (auto* command = dynamic_cast<EntryCommand*>(const_cast<QUndoCommand*>(stack_->command(i))))
            command->refine(id, refined);
    if (const LearnedClassEntry* shown = model_->entry(id)) {
        LearnedClassEntry entry = *shown;
        refineSnapshot(entry, refined);
        model_->replaceEntry(id, entry);
    }
    return true;
}

int LearnedClassEditor::add(const niwt::LearnedClass& result, const QString& caption) {
    LearnedClassEntry entry;
    entry.id = model_->nextId();
    entry.caption = caption;
    entry.result = result;
    entry.result.name = model_->uniqueName(QString::fromStdString(result.name)).toStdString();
    stack_->push(new AddCommand(model_, entry));
    return entry.id;
}

bool LearnedClassEditor::remove(int id) {
    if (!model_->entry(id)) return false;
    stack_->push(new RemoveCommand(model_, id));
    return true;
}

bool LearnedClassEditor::rename(int id, const QString& name) {
    const LearnedClassEntry* e = model_->entry(id);
    if (!e || name.trimmed().isEmpty()) return false;
    const QString unique = model_->uniqueName(name, id);
    if (unique == QString::fromStdString(e->result.name)) return false;
    stack_->push(new RenameCommand(model_, id, unique));
    return true;
}

bool LearnedClassEditor::replace(int id, const niwt::LearnedClass& result, const QString& caption) {
    const LearnedClassEntry* e = model_->entry(id);
    if (!e) return false;
    LearnedClassEntry after;
    after.id = id;
    after.caption = caption;
    after.result = result;
    after.result.name = e->result.name;
    stack_->push(new ReplaceCommand(model_, id, after));
    return true;
}

}  // namespace niwt::gui
