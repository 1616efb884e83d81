#include "widgets/explain_choices.h"

#include "widgets/explainer_controller.h"

#include <QComboBox>
#include <QFileDialog>
#include <QSignalBlocker>

namespace niwt::gui {

namespace {
// Item data: kClassRole >= 0 is a seen class's data set index; kNewClass a new class (its name
// under kNewNameRole); kNoClass the "no class" item.
constexpr int kNoClass = -2;
constexpr int kNewClass = -1;
constexpr int kClassRole = Qt::UserRole;
constexpr int kNewNameRole = Qt::UserRole + 1;
}  // namespace

void fillStageCombo(QComboBox* combo, const ExplainerInfo& info) {
    const QSignalBlocker block(combo);
    combo->clear();
    const QString defaultStage = QString::fromStdString(info.defaultStage);
    for (const auto& name : info.stageNames) {
        const QString stage = QString::fromStdString(name);
        combo->addItem(stage == defaultStage ? QObject::tr("%1 (default)").arg(stage) : stage, stage);
    }
    combo->setCurrentIndex(combo->findData(QString::fromStdString(info.stageName)));
}

void fillClassCombo(QComboBox* combo, const ExplainerController& controller, const QString& noneText) {
    ExplainClass previous;
    const bool hadClass = chosenClass(combo, controller, &previous);
    const QSignalBlocker block(combo);
    combo->clear();
    const auto add = [combo](const QString& text, int role, const QString& name = {}) {
        combo->addItem(text);
        combo->setItemData(combo->count() - 1, role, kClassRole);
        combo->setItemData(combo->count() - 1, name, kNewNameRole);
    };
    if (!noneText.isEmpty()) add(noneText, kNoClass);
    const auto dataset = controller.dataset();
    if (controller.isPrepared() && dataset)
        for (int c : controller.info().seenClasses) add(QString::fromStdString(dataset->classes[size_t(c)].name), c);
    for (const auto& c : controller.newClasses()) add(QObject::tr("%1 [new]").arg(c.name), kNewClass, c.name);
    const bool kept = hadClass && (previous.isSeen() ? chooseSeenClass(combo, previous.classIndex)
                                                     : chooseNewClass(combo, QString::fromStdString(previous.name)));
    if (!kept) combo->setCurrentIndex(combo->count() > 0 ? 0 : -1);
}

bool chosenClass(const QComboBox* combo, const ExplainerController& controller, ExplainClass* out) {
    const int index = combo->currentIndex();
    if (index < 0) return false;
    const int classIndex = combo->itemData(index, kClassRole).toInt();
    if (classIndex >= 0) {
        *out = ExplainClass::seen(classIndex);
        return true;
    }
    if (classIndex != kNewClass) return false;
    const QString name = combo->itemData(index, kNewNameRole).toString();
    for (const auto& c : controller.newClasses())
        if (c.name == name) {
            *out = ExplainClass::learned(name.toStdString(), c.weight, c.bias);
            return true;
        }
    return false;
}

bool chooseSeenClass(QComboBox* combo, int classIndex) {
    const int index = classIndex >= 0 ? combo->findData(classIndex, kClassRole) : -1;
    if (index >= 0) combo->setCurrentIndex(index);
    return index >= 0;
}

bool chooseNewClass(QComboBox* combo, const QString& name) {
    for (int i = 0; i < combo->count(); ++i)
        if (combo->itemData(i, kClassRole).toInt() == kNewClass &&
            combo->itemData(i, kNewNameRole).toString() == name) {
            combo->setCurrentIndex(i);
            return true;
        }
    return false;
}

void askForFile(QWidget* parent, const QString& title, const QString& name, const QString& filter, bool save,
                const QString& suffix, const std::function<void(const QString&)>& chosen) {
    auto* dialog = new QFileDialog(parent, title, name, filter);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (save) {
        dialog->setAcceptMode(QFileDialog::AcceptSave);
        dialog->setDefaultSuffix(suffix);
    } else {
        dialog->setFileMode(QFileDialog::ExistingFile);
    }
    QObject::connect(dialog, &QFileDialog::fileSelected, parent, chosen);
    dialog->open();
}

}  // namespace niwt::gui
