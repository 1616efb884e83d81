#pragma once
// Help > Keyboard Shortcuts: every menu action that has a shortcut, read from the menu bar itself
// so that the list can never drift from the menus.
#include <QDialog>
#include <QString>
#include <QVector>

class QMenuBar;
class QTableWidget;

namespace niwt::gui {

struct ShortcutRow {
    QString menu;    // top-level menu title, without '&' ("Edit")
    QString action;  // action text, without '&' and the "..." of dialogs ("Learn Class")
    QString keys;    // QKeySequence::NativeText ("Ctrl+L")
};

// In menu order (submenus included, under their top-level menu); actions without a shortcut are left out.
QVector<ShortcutRow> shortcutRows(const QMenuBar* bar);

class ShortcutsDialog : public QDialog {
    Q_OBJECT
public:
    ShortcutsDialog(const QVector<ShortcutRow>& rows, QWidget* parent = nullptr);
    QTableWidget* table() const { return table_; }

private:
    QTableWidget* table_ = nullptr;
};

}  // namespace niwt::gui
