#include "widgets/user_guide_dialog.h"

#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QFile>
#include <QRegularExpression>
#include <QStringList>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>

namespace niwt::gui {

namespace {
const QString kHeading = QStringLiteral("## User guide");

bool isFence(const QString& line) { return line.trimmed().startsWith(QStringLiteral("```")); }
}  // namespace

QString userGuideMarkdown(const QString& readme) {
    QStringList lines = readme.split(QLatin1Char('\n'));
    for (QString& line : lines)
        if (line.endsWith(QLatin1Char('\r'))) line.chop(1);
    qsizetype start = -1;
    bool fenced = false;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (isFence(lines[i])) fenced = !fenced;
        if (!fenced && lines[i].trimmed() == kHeading) {
            start = i;
            break;
        }
    }
    if (start < 0)
        return QObject::tr(
            "# User guide\n\nThe user guide was not found: this build's README.md has no "
            "\"## User guide\" section. See README.md in the NIWT Explorer sources or in "
            "the package's documentation.");
    qsizetype end = start + 1;
    fenced = false;
    for (; end < lines.size(); ++end) {
        if (isFence(lines[end])) fenced = !fenced;
        if (!fenced && lines[end].startsWith(QStringLiteral("## "))) break;
    }
    while (end > start + 1 && lines[end - 1].trimmed().isEmpty()) --end;
    return lines.mid(start, end - start).join(QLatin1Char('\n'));
}

QString withoutMarkdownImages(const QString& markdown) {
    static const QRegularExpression image(QStringLiteral(R"(^\s*!\[[^\]]*\]\([^)]*\)\s*$)"));
    QStringList kept;
    for (const QString& line : markdown.split(QLatin1Char('\n')))
        if (!image.match(line).hasMatch()) kept << line;
    return kept.join(QLatin1Char('\n'));
}

QString embeddedReadme() {
    QFile file(QString::fromLatin1(kEmbeddedReadmePath));
    if (!file.open(QIODevice::ReadOnly)) return {};
    return QString::fromUtf8(file.readAll());
}

UserGuideDialog::UserGuideDialog(QWidget* parent)
    : UserGuideDialog(withoutMarkdownImages(userGuideMarkdown(embeddedReadme())), parent) {}

UserGuideDialog::UserGuideDialog(const QString& markdown, QWidget* parent) : QDialog(parent) {
    setObjectName(QStringLiteral("userGuideDialog"));
    setWindowTitle(tr("NIWT Explorer User Guide"));
    setModal(false);
    setSizeGripEnabled(true);
    setWindowFlag(Qt::WindowContextHelpButtonHint, false);
    browser_ = new QTextBrowser(this);
    browser_->setObjectName(QStringLiteral("userGuideText"));
    // Relative links point into the source tree (screenshots), which an installed package lacks:
    // only web links are followed, in the desktop's browser.
    browser_->setOpenLinks(false);
    connect(browser_, &QTextBrowser::anchorClicked, this, [](const QUrl& url) {
        if (url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https"))
            QDesktopServices::openUrl(url);
    });
    browser_->setMarkdown(markdown);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(browser_, 1);
    layout->addWidget(buttons);
    resize(760, 640);
}

UserGuideDialog* showUserGuide(QWidget* parent) {
    auto* dialog =
        parent ? parent->findChild<UserGuideDialog*>(QStringLiteral("userGuideDialog"), Qt::FindDirectChildrenOnly)
               : nullptr;
    if (!dialog) {
        dialog = new UserGuideDialog(parent);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
    }
    dialog->show();
    dialog->raise();
    dialog->activateWindow();
    return dialog;
}

}  // namespace niwt::gui
