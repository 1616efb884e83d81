// niwt-explorer: the desktop explorer. Parses the command line, shows the main window, opens the
// data set and, with --screenshot, saves the window as a PNG once the data set and the first
// thumbnails are shown, then quits.
#include "widgets/dataset_browser.h"
#include "widgets/explorer_options.h"
#include "widgets/main_window.h"
#include "widgets/thumbnail_model.h"

#include <QApplication>
#include <QIcon>
#include <QPixmap>
#include <QTimer>

#include <cstdio>
#include <memory>

namespace {

// Waits (by signals, never a processEvents loop) until the data set is open and the selected
// class's first thumbnails have arrived, or a timeout passes, then grabs the window.
class ScreenshotTaker : public QObject {
public:
    ScreenshotTaker(niwt::gui::MainWindow* window, QString file) : QObject(window), window_(window), file_(std::move(file)) {
        connect(window_, &niwt::gui::MainWindow::datasetLoaded, this, [this] { waitForThumbnails(); });
        connect(window_, &niwt::gui::MainWindow::datasetFailed, this, [this] {
            failed_ = true;
            shootSoon();
        });
        // Whatever happens, do not hang: a screenshot is taken after 60 s at the latest.
        QTimer::singleShot(60000, this, [this] { shootSoon(); });
    }

private:
    void waitForThumbnails() {
        niwt::gui::ThumbnailModel* model = window_->browser()->images()->model();
        if (model->inFlightCount() == 0) return shootSoon();
        connect(model, &niwt::gui::ThumbnailModel::settled, this, [this] { shootSoon(); });
        QTimer::singleShot(15000, this, [this] { shootSoon(); });
    }
    void shootSoon() {
        if (scheduled_) return;
        scheduled_ = true;
        // A short pause lets the views lay out the items that just arrived and repaint.
        QTimer::singleShot(300, this, [this] {
            const QPixmap shot = window_->grab();
            const bool saved = shot.save(file_, "PNG");
            if (!saved) std::fprintf(stderr, "niwt-explorer: cannot write screenshot %s\n", qPrintable(file_));
            window_->close();
            QCoreApplication::exit(!saved ? 1 : (failed_ ? 2 : 0));
        });
    }

    niwt::gui::MainWindow* window_;
    QString file_;
    bool scheduled_ = false;
    bool failed_ = false;
};

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
    case niwt::gui::ExplorerCommandLine::Action::ShowHelp:
        std::fputs(qPrintable(commandLine.text), stdout);
        return 0;
    case niwt::gui::ExplorerCommandLine::Action::ShowVersion:
        std::printf("%s\n", qPrintable(commandLine.text));
        return 0;
    case niwt::gui::ExplorerCommandLine::Action::Error:
        std::fprintf(stderr, "niwt-explorer: %s\nTry 'niwt-explorer --help'.\n", qPrintable(commandLine.text));
        return 2;
    case niwt::gui::ExplorerCommandLine::Action::Run:
        break;
    }
    return -1;
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
    QApplication::setDesktopFileName(QStringLiteral("niwt-explorer"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/niwt/niwt-explorer.svg")));

    const niwt::gui::ExplorerCommandLine commandLine = niwt::gui::parseExplorerCommandLine(QApplication::arguments());
    if (const int code = handleNonRun(commandLine); code >= 0) return code;

    niwt::gui::MainWindow window(commandLine.options);
    if (!commandLine.options.screenshot.isEmpty()) {
        // Unattended: no message boxes; errors still reach the status bar (and the exit code).
        window.setInteractiveErrors(false);
        new ScreenshotTaker(&window, commandLine.options.screenshot);
    }
    window.show();
    // Start once the event loop runs, so the window paints before any work begins.
    QTimer::singleShot(0, &window, [&window] { window.start(); });
    return app.exec();
}
