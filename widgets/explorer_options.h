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
    QString screenshot;                                 // --screenshot FILE
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
