#pragma once
// File > Open Data Set…: pick the kind of data set, its directory, and optionally a split and an
// extra class-level modality. Produces a DatasetRequest.
#include "widgets/dataset_loader.h"

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLineEdit;
class QPushButton;

namespace niwt::gui {

class OpenDatasetDialog : public QDialog {
    Q_OBJECT
public:
    explicit OpenDatasetDialog(QWidget* parent = nullptr);

    // Fills the fields from a request (e.g. the data set open now).
    void setRequest(const DatasetRequest& request);
    DatasetRequest request() const;
    bool isComplete() const;  // a directory is given where the kind needs one

    QComboBox* kindBox() const { return kindBox_; }
    QLineEdit* directoryEdit() const { return directoryEdit_; }
    QComboBox* splitBox() const { return splitBox_; }
    QLineEdit* splitEdit() const { return splitEdit_; }
    QLineEdit* modalityEdit() const { return modalityEdit_; }
    // The network to open with the data set (empty: keep the window's).
    QString network() const;
    void setNetwork(const QString& path);
    QLineEdit* networkEdit() const { return networkEdit_; }

private:
    void updateState();
    void browseDirectory();
    void browseSplit();

    QComboBox* kindBox_ = nullptr;
    QLineEdit* directoryEdit_ = nullptr;
    QPushButton* directoryButton_ = nullptr;
    QComboBox* splitBox_ = nullptr;
    QLineEdit* splitEdit_ = nullptr;
    QPushButton* splitButton_ = nullptr;
    QLineEdit* modalityEdit_ = nullptr;
    QLineEdit* networkEdit_ = nullptr;
    QPushButton* networkButton_ = nullptr;
    QDialogButtonBox* buttons_ = nullptr;
};

}  // namespace niwt::gui
