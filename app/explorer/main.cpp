// niwt-explorer: the desktop explorer. Parses the command line, shows the main window and opens
// the data set. Unattended runs (widgets/explorer_automation.h): --describe learns a class from a description
// once the engine is ready, --evaluate runs the evaluation, and --screenshot / --screenshot-dir
// save the window and every panel as PNGs once all that has finished, then quit.
#include "widgets/explorer_automation.h"
#include "widgets/explorer_options.h"
#include "widgets/main_window.h"

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QIcon>
#include <QTimer>

#include <cstdio>

namespace {

// Qt's own options (-platform, -style, ...) take one dash; ours take two.
bool hasSingleDashOption(const QStringList& arguments) {
    for (int i = 1; i < arguments.size(); ++i) {
        const QString& a = arguments[i];
        if (a.startsWith(QLatin1Char('-')) && !a.startsWith(QLatin1String("--")) && a != QLatin1String("-h") &&
            a != QLatin1String("-v") && a != QLatin1String("-?"))
            return true;
    }
    return false;
}

// Prints help, version or a command-line error; returns the exit code, or -1 to go on.
int handleNonRun(const niwt::gui::ExplorerCommandLine& commandLine) {
    switch (commandLine.action) {
    case niwt::gui::ExplorerCommandLine::Action::ShowHelp: std::fputs(qPrintable(commandLine.text), stdout); return 0;
    case niwt::gui::ExplorerCommandLine::Action::ShowVersion:
        std::printf("%s\n", qPrintable(commandLine.text));
        return 0;
    case niwt::gui::ExplorerCommandLine::Action::Error:
        std::fprintf(stderr, "niwt-explorer: %s\nTry 'niwt-explorer --help'.\n", qPrintable(commandLine.text));
        return 2;
    case niwt::gui::ExplorerCommandLine::Action::Run: break;
    }
    return -1;
}

// Why `path` cannot receive files ("" when it can): it must be a writable folder, or, when
// `mayCreate`, be creatable below the nearest existing folder above it, which must be writable.
QString folderProblem(const QString& path, bool mayCreate) {
    const QString wanted = QFileInfo(path).absoluteFilePath();
    for (QString p = wanted;; p = QFileInfo(p).path()) {
        const QFileInfo info(p);
        if (info.exists()) {
            const QString which = p == wanted ? QString() : p + QStringLiteral(": ");
            if (!info.isDir()) return which + QStringLiteral("not a folder");
            if (!info.isWritable()) return which + QStringLiteral("not writable");
            return {};
        }
        if (!mayCreate) return p + QStringLiteral(": no such folder");
        if (QFileInfo(p).path() == p) return QStringLiteral("no existing folder above it");
    }
}

// The screenshots' destinations, checked before any work: an unattended run must not load a data
// set and wait for the engine only to find at the end that it cannot save (exit code 1, as for a
// screenshot that could not be written). Returns the error line, or "" when both can be written.
QString screenshotDestinationProblem(const niwt::gui::ExplorerOptions& options) {
    if (!options.screenshotDir.isEmpty())
        if (const QString problem = folderProblem(options.screenshotDir, true); !problem.isEmpty())
            return QStringLiteral("--screenshot-dir %1: cannot be written (%2)").arg(options.screenshotDir, problem);
    if (!options.screenshot.isEmpty()) {
        const QFileInfo file(options.screenshot);
        if (file.isDir()) return QStringLiteral("--screenshot %1: is a folder, not a file").arg(options.screenshot);
        if (const QString problem = folderProblem(file.absolutePath(), false); !problem.isEmpty())
            return QStringLiteral("--screenshot %1: cannot be written (%2)").arg(options.screenshot, problem);
    }
    return {};
}

}  // namespace

int main(int argc, char** argv) {
    // --help, --version and mistakes are answered before QApplication exists, so they work
    // without a display. Arguments with Qt's own options are parsed after QApplication removed them.
    QStringList rawArguments;
    for (int i = 0; i < argc; ++i) rawArguments << QString::fromLocal8Bit(argv[i]);
    const niwt::gui::ExplorerCommandLine early = niwt::gui::parseExplorerCommandLine(rawArguments);
    if (early.action != niwt::gui::ExplorerCommandLine::Action::Run &&
        (early.action != niwt::gui::ExplorerCommandLine::Action::Error || !hasSingleDashOption(rawArguments)))
        return handleNonRun(early);

    QApplication app(argc, argv);
    QApplication::setOrganizationName(QString::fromLatin1(niwt::gui::kSettingsOrganisation));
    QApplication::setApplicationName(QString::fromLatin1(niwt::gui::kSettingsApplication));
    QApplication::setApplicationDisplayName(QStringLiteral("NIWT Explorer"));
    // The desktop entry's name (packaging/<id>.desktop): Wayland's app id, so that the shell
    // matches the window with its launcher and icon. Under X11, StartupWMClass names the
    // application name above, which Qt puts in WM_CLASS.
    QApplication::setDesktopFileName(QStringLiteral(NIWT_APP_ID));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/niwt/niwt-explorer.svg")));

    const niwt::gui::ExplorerCommandLine commandLine = niwt::gui::parseExplorerCommandLine(QApplication::arguments());
    if (const int code = handleNonRun(commandLine); code >= 0) return code;
    if (const QString problem = screenshotDestinationProblem(commandLine.options); !problem.isEmpty()) {
        std::fprintf(stderr, "niwt-explorer: %s\n", qPrintable(problem));
        return 1;
    }

    niwt::gui::MainWindow window(commandLine.options);
    const niwt::gui::ExplorerOptions& options = commandLine.options;
    niwt::gui::startExplorerAutomation(&window, options);
    window.show();
    // Start once the event loop runs, so the window paints before any work begins.
    QTimer::singleShot(0, &window, [&window] { window.start(); });
    return app.exec();
}
