#include "widgets/open_dataset_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace niwt::gui {

namespace {
// Kind keys are the spec prefixes niwt::openDataset takes; "fashion-mnist" has no directory.
const char* const kEmbeddedKind = "fashion-mnist";
const char* const kNoSplit = "";
const char* const kXlsa17Split = "xlsa17";
const char* const kClassesSplit = "classes";
}  // namespace

OpenDatasetDialog::OpenDatasetDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Open Data Set"));

    kindBox_ = new QComboBox(this);
    kindBox_->addItem(tr("Fashion-MNIST (embedded default)"), QString::fromLatin1(kEmbeddedKind));
    kindBox_->addItem(tr("CUB-200-2011"), QStringLiteral("cub"));
    kindBox_->addItem(tr("Animals with Attributes 2 (AwA2)"), QStringLiteral("awa2"));
    kindBox_->addItem(tr("Image folder (one sub-folder per class)"), QStringLiteral("folder"));

    directoryEdit_ = new QLineEdit(this);
    directoryEdit_->setPlaceholderText(tr("Directory of the data set"));
    directoryButton_ = new QPushButton(tr("Browse…"), this);
    auto* directoryRow = new QHBoxLayout;
    directoryRow->addWidget(directoryEdit_, 1);
    directoryRow->addWidget(directoryButton_);

    splitBox_ = new QComboBox(this);
    splitBox_->addItem(tr("The data set's own"), QString::fromLatin1(kNoSplit));
    splitBox_->addItem(tr("xlsa17 split directory"), QString::fromLatin1(kXlsa17Split));
    splitBox_->addItem(tr("List of unseen classes (file)"), QString::fromLatin1(kClassesSplit));
    splitEdit_ = new QLineEdit(this);
    splitButton_ = new QPushButton(tr("Browse…"), this);
    auto* splitRow = new QHBoxLayout;
    splitRow->addWidget(splitEdit_, 1);
    splitRow->addWidget(splitButton_);

    modalityEdit_ = new QLineEdit(this);
    modalityEdit_->setPlaceholderText(tr("optional: NAME=csv:FILE"));
    modalityEdit_->setToolTip(
        tr("An extra class-level modality from a CSV file, e.g. "
           "word2vec=csv:/data/cub_word2vec.csv"));

    networkEdit_ = new QLineEdit(this);
    networkEdit_->setObjectName(QStringLiteral("networkEdit"));
    networkEdit_->setPlaceholderText(tr("optional: a bundle folder or its bundle.pt (else the window's network)"));
    networkEdit_->setToolTip(
        tr("The network to learn in: a niwt-bundle folder (bundle.pt + bundle.json). CUB and AwA2 "
           "need one; Fashion-MNIST trains its own."));
    networkButton_ = new QPushButton(tr("Browse…"), this);
    auto* networkRow = new QHBoxLayout;
    networkRow->addWidget(networkEdit_, 1);
    networkRow->addWidget(networkButton_);

    // A row holding a layout gets no buddy from QFormLayout: its label is made here, with the
    // line edit as buddy, so the mnemonic works and no "&" shows.
    const auto label = [this](const QString& text, QWidget* buddy) {
        auto* l = new QLabel(text, this);
        l->setBuddy(buddy);
        return l;
    };
    auto* form = new QFormLayout;
    form->addRow(tr("&Kind:"), kindBox_);
    form->addRow(label(tr("&Directory:"), directoryEdit_), directoryRow);
    form->addRow(tr("&Split:"), splitBox_);
    form->addRow(label(tr("Split &path:"), splitEdit_), splitRow);
    form->addRow(tr("Extra &modality:"), modalityEdit_);
    form->addRow(label(tr("&Network:"), networkEdit_), networkRow);

    buttons_ = new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel, this);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons_);
    setMinimumWidth(520);

    connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(kindBox_, &QComboBox::currentIndexChanged, this, &OpenDatasetDialog::updateState);
    connect(splitBox_, &QComboBox::currentIndexChanged, this, &OpenDatasetDialog::updateState);
    connect(directoryEdit_, &QLineEdit::textChanged, this, &OpenDatasetDialog::updateState);
    connect(splitEdit_, &QLineEdit::textChanged, this, &OpenDatasetDialog::updateState);
    connect(directoryButton_, &QPushButton::clicked, this, &OpenDatasetDialog::browseDirectory);
    connect(splitButton_, &QPushButton::clicked, this, &OpenDatasetDialog::browseSplit);
    connect(networkButton_, &QPushButton::clicked, this, [this] {
        const QString file =
            QFileDialog::getOpenFileName(this, tr("Network: a bundle.pt or bundle.json"), networkEdit_->text(),
                                         tr("Network bundle (bundle.pt bundle.json);;All files (*)"));
        if (!file.isEmpty()) networkEdit_->setText(file);
    });
    updateState();
}

void OpenDatasetDialog::setRequest(const DatasetRequest& request) {
    const QString spec = request.spec.trimmed();
    const int colon = spec.indexOf(QLatin1Char(':'));
    const QString kind = colon < 0 ? spec : spec.left(colon);
    const int kindIndex = kindBox_->findData(kind);
    kindBox_->setCurrentIndex(kindIndex >= 0 ? kindIndex : 0);
    directoryEdit_->setText(colon < 0 ? QString() : spec.mid(colon + 1));

    const QString split = request.split.trimmed();
    const int splitColon = split.indexOf(QLatin1Char(':'));
    const int splitIndex = splitColon < 0 ? 0 : splitBox_->findData(split.left(splitColon));
    splitBox_->setCurrentIndex(splitIndex >= 0 ? splitIndex : 0);
    splitEdit_->setText(splitColon < 0 ? QString() : split.mid(splitColon + 1));
    modalityEdit_->setText(request.modalities.value(0));
    updateState();
}

DatasetRequest OpenDatasetDialog::request() const {
    DatasetRequest request;
    const QString kind = kindBox_->currentData().toString();
    request.spec =
        kind == QLatin1String(kEmbeddedKind) ? kind : kind + QLatin1Char(':') + directoryEdit_->text().trimmed();
    const QString splitKind = splitBox_->currentData().toString();
    if (!splitKind.isEmpty() && !splitEdit_->text().trimmed().isEmpty())
        request.split = splitKind + QLatin1Char(':') + splitEdit_->text().trimmed();
    if (!modalityEdit_->text().trimmed().isEmpty()) request.modalities << modalityEdit_->text().trimmed();
    return request;
}

bool OpenDatasetDialog::isComplete() const {
    const bool needsDirectory = kindBox_->currentData().toString() != QLatin1String(kEmbeddedKind);
    const bool needsSplitPath = !splitBox_->currentData().toString().isEmpty();
    return (!needsDirectory || !directoryEdit_->text().trimmed().isEmpty()) &&
           (!needsSplitPath || !splitEdit_->text().trimmed().isEmpty());
}

void OpenDatasetDialog::updateState() {
    const bool needsDirectory = kindBox_->currentData().toString() != QLatin1String(kEmbeddedKind);
    directoryEdit_->setEnabled(needsDirectory);
    directoryButton_->setEnabled(needsDirectory);
    const QString splitKind = splitBox_->currentData().toString();
    splitEdit_->setEnabled(!splitKind.isEmpty());
    splitButton_->setEnabled(!splitKind.isEmpty());
    splitEdit_->setPlaceholderText(
        splitKind == QLatin1String(kXlsa17Split)    ? tr("xlsa17 directory (trainvalclasses.txt, testclasses.txt)")
        : splitKind == QLatin1String(kClassesSplit) ? tr("Text file, one unseen class per line")
                                                    : QString());
    buttons_->button(QDialogButtonBox::Open)->setEnabled(isComplete());
}

void OpenDatasetDialog::browseDirectory() {
    const QString directory = QFileDialog::getExistingDirectory(this, tr("Data Set Directory"), directoryEdit_->text());
    if (!directory.isEmpty()) directoryEdit_->setText(directory);
}

void OpenDatasetDialog::browseSplit() {
    const bool isDirectory = splitBox_->currentData().toString() == QLatin1String(kXlsa17Split);
    const QString path = isDirectory
                             ? QFileDialog::getExistingDirectory(this, tr("xlsa17 Split Directory"), splitEdit_->text())
                             : QFileDialog::getOpenFileName(this, tr("Unseen Classes File"), splitEdit_->text());
    if (!path.isEmpty()) splitEdit_->setText(path);
}

QString OpenDatasetDialog::network() const { return networkEdit_->text().trimmed(); }
void OpenDatasetDialog::setNetwork(const QString& path) { networkEdit_->setText(path); }

}  // namespace niwt::gui
