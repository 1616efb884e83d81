#pragma once
// niwt-explorer's command line (QCommandLineParser), parsed into plain options so that tests and
// the main window can use them without a QApplication's arguments.
#include <QString>
#include <QStringList>

namespace niwt::gui {

struct ExplorerOptions {
    QString dataset = QStringLiteral("fashion-mnist");  // --dataset SPEC
    QString split;                                      // --split SPEC
    QStringList modalities;                             // --modality NAME=csv:FILE (repeatable)
    QString bundle;                                     // --bundle DIR_OR_FILE
    bool noTrain = false;                               // --no-train
    // No --dataset, --split, --modality or --bundle given: start where the last session ended
    // (its data set and, when it was given one, its bundle), else on the embedded default.
    bool restoreLastSession = false;
    QString screenshot;  // --screenshot FILE
    // --describe "NAME=free text": once the engine is prepared, the composer learns a class NAME
    // from the caption, and the ranked images, heat maps and neurons show it (a demo, and what
    // tests/gui/take_screenshots.sh drives).
    QString describeName;
    QString describeCaption;
    bool evaluate = false;  // --evaluate: run the GZSL evaluation too
    // --screenshot-dir DIR: when everything asked for has finished (the data set and thumbnails;
    // with --describe the learned class and its panels), save each dock as DIR/<dockObjectName>.png,
    // the central image grid as DIR/images.png and the window as DIR/window.png, then quit.
    QString screenshotDir;
    // True when the explorer runs unattended (no message boxes) and quits by itself.
    bool automated() const { return !screenshot.isEmpty() || !screenshotDir.isEmpty(); }
};

struct ExplorerCommandLine {
    enum class Action { Run, ShowHelp, ShowVersion, Error };
    Action action = Action::Run;
    ExplorerOptions options;
    QString text;  // help text, version text or the error message
};

// `arguments` includes the program name (as QCoreApplication::arguments()).
ExplorerCommandLine parseExplorerCommandLine(const QStringList& arguments);

// "niwt-explorer 0.1.0 (Qt 6.4.2, LibTorch 1.13.1, OpenCV 4.6.0, device cpu)".
QString explorerVersionText();

}  // namespace niwt::gui
