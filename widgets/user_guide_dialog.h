#pragma once
// Help > User Guide: README.md's "## User guide" section, rendered as Markdown in a non-modal
// dialog. The README is compiled in as a Qt resource (widgets/CMakeLists.txt), so an installed
// package shows the guide without the source tree.
#include <QDialog>
#include <QString>

class QTextBrowser;

namespace niwt::gui {

// The resource path of the embedded README.md.
inline constexpr char kEmbeddedReadmePath[] = ":/niwt/README.md";

// The "## User guide" section of a README: from that heading line up to (not including) the next
// line starting with "## " (or the end), trailing blank lines dropped. Lines inside ``` fences do
// not end it. A README without the section gives a short Markdown text that says so.
QString userGuideMarkdown(const QString& readme);
// Drops lines that are only a Markdown image ("![alt](path)"): the README's screenshots are not
// embedded, and a missing image would show as a broken icon.
QString withoutMarkdownImages(const QString& markdown);
// README.md as compiled into the program (UTF-8); empty when the resource is missing.
QString embeddedReadme();

class UserGuideDialog : public QDialog {
    Q_OBJECT
public:
    // Shows `markdown` (by default the embedded README's user guide, images left out).
    explicit UserGuideDialog(QWidget* parent = nullptr);
    UserGuideDialog(const QString& markdown, QWidget* parent);
    QTextBrowser* browser() const { return browser_; }

private:
    QTextBrowser* browser_ = nullptr;
};

// Raises the parent's open User Guide, or opens a new one (non-modal, deleted on close).
UserGuideDialog* showUserGuide(QWidget* parent);

}  // namespace niwt::gui
