#include "widgets/shortcuts_dialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QMenu>
#include <QMenuBar>
#include <QTableWidget>
#include <QVBoxLayout>

namespace niwt::gui {

namespace {

QString plain(QString text) {
    text.remove(QLatin1Char('&'));
    if (text.endsWith(QStringLiteral("..."))) text.chop(3);
    if (text.endsWith(QChar(0x2026))) text.chop(1);  // "…"
    return text.trimmed();
}

void collect(const QMenu* menu, const QString& title, QVector<ShortcutRow>& rows) {
    for (QAction* action : menu->actions()) {
        if (action->menu()) {
            collect(action->menu(), title, rows);
            continue;
        }
        if (action->isSeparator() || action->shortcut().isEmpty()) continue;
        rows.push_back({title, plain(action->text()), action->shortcut().toString(QKeySequence::NativeText)});
    }
}

}  // namespace

QVector<ShortcutRow> shortcutRows(const QMenuBar* bar) {
    QVector<ShortcutRow> rows;
    if (!bar) return rows;
    for (QAction* top : bar->actions())
        if (top->menu()) collect(top->menu(), plain(top->text()), rows);
    return rows;
}

ShortcutsDialog::ShortcutsDialog(const QVector<ShortcutRow>& rows, QWidget* parent) : QDialog(parent) {
    setObjectName(QStringLiteral("shortcutsDialog"));
    setWindowTitle(tr("Keyboard Shortcuts"));
    table_ = new QTableWidget(int(rows.size()), 3, this);
    table_->setObjectName(QStringLiteral("shortcutsTable"));
    table_->setHorizontalHeaderLabels({tr("Menu"), tr("Action"), tr("Shortcut")});
    table_->verticalHeader()->hide();
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    for (int r = 0; r < int(rows.size()); ++r) {
        table_->setItem(r, 0, new QTableWidgetItem(rows[r].menu));
        table_->setItem(r, 1, new QTableWidgetItem(rows[r].action));
        table_->setItem(r, 2, new QTableWidgetItem(rows[r].keys));
    }
    table_->resizeColumnsToContents();
    table_->horizontalHeader()->setStretchLastSection(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(table_);
    layout->addWidget(buttons);
    resize(520, 480);
}

}  // namespace niwt::gui
