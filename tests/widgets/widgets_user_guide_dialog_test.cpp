// Help > User Guide: userGuideMarkdown's section extraction on small hand-written READMEs (found,
// stops before the next "## " heading, missing section gives the fallback), image lines left out,
// and the README.md compiled in as a resource, shown by the non-modal dialog.
#include "widget_test_support.h"
#include "widgets/user_guide_dialog.h"

#include <QTextBrowser>
#include <QtTest>

using niwt::gui::UserGuideDialog;

class UserGuideDialogTest : public QObject {
    Q_OBJECT
private:
    QTemporaryDir dir_;

private slots:
    void initTestCase() { niwt::test::isolateUserState(dir_); }

    void extractsTheSectionUpToTheNextHeading() {
        // "### Sub" is a sub-heading of the guide (three '#'), so it stays; "## Next" ends it and
        // its text is not included. Trailing blank lines before "## Next" are dropped.
        const QString readme = QStringLiteral(
            "# Title\n\nIntro.\n\n## Install\n\nmake\n\n## User guide\n\nStart it.\n\n### Sub\n\nMore.\n\n\n"
            "## Next\n\nNot the guide.\n");
        QCOMPARE(niwt::gui::userGuideMarkdown(readme),
                 QStringLiteral("## User guide\n\nStart it.\n\n### Sub\n\nMore."));
    }

    void sectionAtTheEndRunsToTheEnd() {
        // No later heading: everything after the heading is the guide; CRLF line ends are handled.
        const QString readme = QStringLiteral("## Other\r\nx\r\n## User guide\r\nLine one.\r\nLine two.\r\n");
        QCOMPARE(niwt::gui::userGuideMarkdown(readme), QStringLiteral("## User guide\nLine one.\nLine two."));
    }

    void headingInsideACodeFenceDoesNotEndIt() {
        // A "## " line inside ``` is code (e.g. a shell comment), not the next section.
        const QString readme = QStringLiteral("## User guide\nRun:\n```\n## not a heading\n```\nDone.\n## After\nno\n");
        QCOMPARE(niwt::gui::userGuideMarkdown(readme),
                 QStringLiteral("## User guide\nRun:\n```\n## not a heading\n```\nDone."));
    }

    void missingSectionGivesAClearFallback() {
        // "## User guides" and "### User guide" are other headings, not the section.
        const QString text =
            niwt::gui::userGuideMarkdown(QStringLiteral("# Title\n## User guides\nx\n### User guide\ny\n"));
        QVERIFY2(text.contains(QStringLiteral("was not found")), qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("## User guide")));  // names what it looked for
        QVERIFY(!text.contains(QStringLiteral("\nx")));
        QCOMPARE(niwt::gui::userGuideMarkdown(QString()), text);
    }

    void imageLinesAreLeftOut() {
        // Standalone images go (their files are not embedded); an inline link in text stays.
        const QString md =
            QStringLiteral("Text [screenshot](docs/a.png).\n\n   ![Classes](docs/screenshots/classes.png)\n\nAfter.");
        QCOMPARE(niwt::gui::withoutMarkdownImages(md), QStringLiteral("Text [screenshot](docs/a.png).\n\n\nAfter."));
    }

    void embeddedReadmeHasTheGuide() {
        // The resource is README.md itself (its first heading is the project's title), and the
        // guide extracted from it is the real section, not the fallback.
        const QString readme = niwt::gui::embeddedReadme();
        QVERIFY2(!readme.isEmpty(), niwt::gui::kEmbeddedReadmePath);
        QVERIFY(readme.contains(QStringLiteral("\n## User guide\n")));
        const QString guide = niwt::gui::userGuideMarkdown(readme);
        QVERIFY(guide.startsWith(QStringLiteral("## User guide\n")));
        QVERIFY(!guide.contains(QStringLiteral("was not found")));
        QVERIFY(!guide.contains(QStringLiteral("\n## ")));  // stopped before the next section
    }

    void dialogShowsTheGuideNonModally() {
        QWidget parent;
        UserGuideDialog* dialog = niwt::gui::showUserGuide(&parent);
        QVERIFY(dialog);
        QCOMPARE(dialog->objectName(), QStringLiteral("userGuideDialog"));
        QVERIFY(dialog->isVisible());
        QVERIFY(!dialog->isModal());
        const QString text = dialog->browser()->toPlainText();
        QVERIFY(!text.isEmpty());
        // Rendered as Markdown: the heading's "## " is markup, so the plain text starts with the title.
        QVERIFY2(text.startsWith(QStringLiteral("User guide")), qPrintable(text.left(80)));
        QVERIFY(!text.contains(QStringLiteral("![")));
        // Asking again raises the same dialog instead of opening a second one.
        QCOMPARE(niwt::gui::showUserGuide(&parent), dialog);
        QCOMPARE(parent.findChildren<UserGuideDialog*>().size(), 1);
    }
};

QTEST_MAIN(UserGuideDialogTest)
#include "widgets_user_guide_dialog_test.moc"
