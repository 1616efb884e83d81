// The composer's learned classes: adding, renaming, deleting and re-learning go through a
// QUndoStack, and each can be undone and redone in any order, rows and data coming back exactly.
// Entries are found by id, so a command still finds its class after other rows came and went.
#include "widgets/learned_class_model.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QUndoStack>
#include <QtTest>

using niwt::gui::LearnedClassEditor;
using niwt::gui::LearnedClassModel;

namespace {
niwt::LearnedClass result(const std::string& name, float bias, int iterations = 10) {
    niwt::LearnedClass r;
    r.name = name;
    r.classVector = {1, 0, 2};
    r.weight = {0.5f, -0.5f};
    r.bias = bias;
    r.iterations = iterations;
    r.converged = true;
    r.ranking = {{3, 2.0f}, {1, 1.0f}};
    return r;
}
}  // namespace

class LearnedClassUndoTest : public QObject {
    Q_OBJECT

private slots:
    void addUndoRedo() {
        LearnedClassModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QUndoStack stack;
        LearnedClassEditor editor(&model, &stack);
        const int a = editor.add(result("Woodpecker", 1.0f));
        const int b = editor.add(result("Woodpecker", 2.0f));  // same name: made unique
        QCOMPARE(model.names(), (QStringList{"Woodpecker", "Woodpecker (2)"}));
        QVERIFY(a != b);
        stack.undo();
        QCOMPARE(model.names(), QStringList{"Woodpecker"});
        stack.undo();
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!stack.canUndo());
        stack.redo();
        stack.redo();
        // Back with the same ids and data (the bias tells the two apart).
        QCOMPARE(model.names(), (QStringList{"Woodpecker", "Woodpecker (2)"}));
        QCOMPARE(model.entry(a)->result.bias, 1.0f);
        QCOMPARE(model.entry(b)->result.bias, 2.0f);
        QCOMPARE(model.entry(b)->result.ranking.size(), size_t(2));
    }

    void renameThroughTheViewIsUndoable() {
        // A view's edit (setData) asks for a rename; the editor pushes it; undo restores the name.
        LearnedClassModel model;
        QUndoStack stack;
        LearnedClassEditor editor(&model, &stack);
        QObject::connect(&model, &LearnedClassModel::renameRequested,
                         [&](int id, const QString& name) { editor.rename(id, name); });
        const int id = editor.add(result("Bird", 0));
        QVERIFY(!model.setData(model.index(0), QStringLiteral("Red bird")));  // false: the command changes it
        QCOMPARE(model.names(), QStringList{"Red bird"});
        QCOMPARE(stack.count(), 2);
        QVERIFY(!editor.rename(id, QStringLiteral("Red bird")));  // unchanged: nothing pushed
        QVERIFY(!editor.rename(id, QStringLiteral("   ")));       // empty: refused
        QCOMPARE(stack.count(), 2);
        stack.undo();
        QCOMPARE(model.names(), QStringList{"Bird"});
        stack.redo();
        QCOMPARE(model.names(), QStringList{"Red bird"});
        QCOMPARE(stack.undoText(), QStringLiteral("Rename class to \"Red bird\""));
    }

    void deleteRestoresTheRowWhereItWas() {
        LearnedClassModel model;
        QUndoStack stack;
        LearnedClassEditor editor(&model, &stack);
        editor.add(result("A", 1));
        const int b = editor.add(result("B", 2));
        editor.add(result("C", 3));
        QVERIFY(editor.remove(b));
        QCOMPARE(model.names(), (QStringList{"A", "C"}));
        QVERIFY(!editor.remove(b));  // gone: nothing to delete
        stack.undo();
        QCOMPARE(model.names(), (QStringList{"A", "B", "C"}));  // back in the middle
        QCOMPARE(model.entry(b)->result.bias, 2.0f);
        stack.redo();
        QCOMPARE(model.names(), (QStringList{"A", "C"}));
    }

    void relearnReplacesAndUndoRestoresTheOldResult() {
        LearnedClassModel model;
        QUndoStack stack;
        LearnedClassEditor editor(&model, &stack);
        const int id = editor.add(result("Bird", 1.0f, 10));
        QVERIFY(editor.replace(id, result("ignored name", 5.0f, 42), QStringLiteral("a red bird")));
        // The name stays; result and caption are the new ones.
        QCOMPARE(model.names(), QStringList{"Bird"});
        QCOMPARE(model.entry(id)->result.iterations, 42);
        QCOMPARE(model.entry(id)->caption, QStringLiteral("a red bird"));
        stack.undo();
        QCOMPARE(model.entry(id)->result.iterations, 10);
        QCOMPARE(model.entry(id)->caption, QString());
        stack.redo();
        QCOMPARE(model.entry(id)->result.bias, 5.0f);
    }

    void refineCompletesTheLearnInPlace() {
        // The full weight space's refinement replaces the span solution in its row, with no undo
        // step of its own: undo removes the class, redo brings back the refined one.
        LearnedClassModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QUndoStack stack;
        LearnedClassEditor editor(&model, &stack);
        editor.add(result("Other", 0.5f));
        const int id = editor.add(result("Bird", 1.0f, 10), QStringLiteral("a bird"));
        niwt::LearnedClass refined = result("engine's name", 7.0f, 30);
        refined.alpha2wMode = "full";
        QSignalSpy changed(&model, &LearnedClassModel::dataChanged);
        QSignalSpy inserted(&model, &LearnedClassModel::rowsInserted);
        QVERIFY(editor.refine(id, refined));
        QCOMPARE(stack.count(), 2);
        QCOMPARE(model.names(), (QStringList{"Other", "Bird"}));  // same row, name kept
        QCOMPARE(changed.count(), 1);
        QCOMPARE(inserted.count(), 0);
        QCOMPARE(model.entry(id)->result.bias, 7.0f);
        QCOMPARE(model.entry(id)->result.alpha2wMode, std::string("full"));
        QCOMPARE(model.entry(id)->caption, QStringLiteral("a bird"));
        stack.undo();
        QCOMPARE(model.names(), QStringList{"Other"});
        stack.redo();
        QCOMPARE(model.entry(id)->result.bias, 7.0f);
        QCOMPARE(model.entry(id)->result.name, std::string("Bird"));
        QVERIFY(!editor.refine(12345, refined));  // no such class on the stack
        QCOMPARE(model.entry(id)->result.bias, 7.0f);
    }

    void refineAfterRenameDeleteOrUndoKeepsWhatTheUserDid() {
        LearnedClassModel model;
        QUndoStack stack;
        LearnedClassEditor editor(&model, &stack);
        niwt::LearnedClass refined = result("x", 9.0f, 30);
        refined.alpha2wMode = "full";

        // Renamed while refined: the new name stays; undoing the rename keeps the refinement.
        const int a = editor.add(result("A", 1.0f));
        editor.rename(a, QStringLiteral("A2"));
        QVERIFY(editor.refine(a, refined));
        QCOMPARE(model.names(), QStringList{"A2"});
        QCOMPARE(model.entry(a)->result.bias, 9.0f);
        stack.undo();
        QCOMPARE(model.names(), QStringList{"A"});
        QCOMPARE(model.entry(a)->result.bias, 9.0f);
        stack.redo();

        // Deleted while refined: undoing the delete brings the refined class back.
        const int b = editor.add(result("B", 2.0f));
        editor.remove(b);
        QVERIFY(editor.refine(b, refined));
        QVERIFY(!model.entry(b));
        stack.undo();
        QCOMPARE(model.entry(b)->result.bias, 9.0f);
        QCOMPARE(model.entry(b)->result.name, std::string("B"));

        // Its add undone while refined: redo brings the refined class.
        const int c = editor.add(result("C", 3.0f));
        stack.undo();
        QVERIFY(editor.refine(c, refined));
        QVERIFY(!model.entry(c));
        stack.redo();
        QCOMPARE(model.entry(c)->result.bias, 9.0f);

        // Re-learned (Edit + Learn) then refined: undo gives the class before the re-learn.
        QVERIFY(editor.replace(c, result("ignored", 4.0f)));
        niwt::LearnedClass again = refined;
        again.bias = 11.0f;
        QVERIFY(editor.refine(c, again));
        QCOMPARE(model.entry(c)->result.bias, 11.0f);
        stack.undo();
        QCOMPARE(model.entry(c)->result.bias, 9.0f);  // the add's result (refined before), not the re-learn's
        QCOMPARE(model.entry(c)->result.name, std::string("C"));
        stack.redo();
        QCOMPARE(model.entry(c)->result.bias, 11.0f);
    }

    void commandsFindTheirClassByIdAfterOtherRowsMove() {
        // Rename C, then delete A (C moves from row 2 to row 1), then undo both: each command still
        // acts on its own class.
        LearnedClassModel model;
        QUndoStack stack;
        LearnedClassEditor editor(&model, &stack);
        const int a = editor.add(result("A", 1));
        editor.add(result("B", 2));
        const int c = editor.add(result("C", 3));
        editor.rename(c, QStringLiteral("C2"));
        editor.remove(a);
        QCOMPARE(model.names(), (QStringList{"B", "C2"}));
        QCOMPARE(model.rowOfId(c), 1);
        stack.undo();  // the delete
        QCOMPARE(model.names(), (QStringList{"A", "B", "C2"}));
        stack.undo();  // the rename
        QCOMPARE(model.names(), (QStringList{"A", "B", "C"}));
        stack.undo();  // adding C
        stack.undo();  // adding B
        stack.undo();  // adding A
        QCOMPARE(model.rowCount(), 0);
        while (stack.canRedo()) stack.redo();
        QCOMPARE(model.names(), (QStringList{"B", "C2"}));
    }
};

QTEST_GUILESS_MAIN(LearnedClassUndoTest)
#include "widgets_learned_class_undo_test.moc"
