#pragma once
// Unattended runs of the explorer (--screenshot FILE, --screenshot-dir DIR, --describe NAME=TEXT,
// --evaluate): drives the main window by signals until everything asked for has finished, saves
// the screenshots and quits with an exit code (0 done, 1 an error was shown, each also printed on
// stderr, or a screenshot could not be written, 2 the data set failed to open, 3 it timed out).
#include "widgets/explorer_options.h"

class QObject;

namespace niwt::gui {

class MainWindow;

// Starts the automation the options ask for (nothing when they ask for none); it lives as a child
// of `window`. Returns it, or null.
QObject* startExplorerAutomation(MainWindow* window, const ExplorerOptions& options);

}  // namespace niwt::gui
