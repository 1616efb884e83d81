#pragma once
// The pickers the heatmap and neuron panels share (and their file dialogs): the bundle's stages (the default marked)
// and the classes the explainer can explain (the seen head's classes, then the new classes learned in the explorer),
// filled from an ExplainerController and read back as niwt::ExplainClass.
#include "core/pipeline/explainer.h"

#include <QString>

#include <functional>

class QComboBox;
class QWidget;

namespace niwt::gui {

class ExplainerController;

// Stage names as item data, the default one's text marked "(default)"; selects info.stageName.
// Does not emit the combo's signals.
void fillStageCombo(QComboBox* combo, const ExplainerInfo& info);

// Seen classes by name, then new classes as "name [new]"; with `noneText`, a first "no class" item.
// Keeps the chosen class when it is still offered (else the first item). Does not emit the
// combo's signals.
void fillClassCombo(QComboBox* combo, const ExplainerController& controller, const QString& noneText = {});

// The chosen class; false for none (or nothing chosen, or a new class no longer offered).
bool chosenClass(const QComboBox* combo, const ExplainerController& controller, ExplainClass* out);
// Chooses a seen class (data set index) or a new class by name; false when not offered.
bool chooseSeenClass(QComboBox* combo, int classIndex);
bool chooseNewClass(QComboBox* combo, const QString& name);

// A window-modal file dialog opened with open(), not exec() (no nested event loop); `chosen` gets
// the path picked. save: a save dialog adding `suffix` when none is typed; else an existing file.
void askForFile(QWidget* parent, const QString& title, const QString& name, const QString& filter, bool save,
                const QString& suffix, const std::function<void(const QString&)>& chosen);

}  // namespace niwt::gui
