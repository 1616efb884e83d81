// File > Open Data Set…: the dialog turns kind + directory + optional split into the specs that
// niwt::openDataset/applySplit take, and refuses to open until a needed path is given.
#include "widgets/open_dataset_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QPushButton>
#include <QtTest>

using niwt::gui::DatasetRequest;
using niwt::gui::OpenDatasetDialog;

class OpenDatasetDialogTest : public QObject {
    Q_OBJECT

private:
    static bool openEnabled(const OpenDatasetDialog& dialog) {
        return dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Open)->isEnabled();
    }

private slots:
    void embeddedDefaultNeedsNoDirectory() {
        // Fashion-MNIST is embedded: the directory field is disabled and Open works at once.
        OpenDatasetDialog dialog;
        QCOMPARE(dialog.request().spec, QStringLiteral("fashion-mnist"));
        QVERIFY(dialog.request().split.isEmpty());
        QVERIFY(!dialog.directoryEdit()->isEnabled());
        QVERIFY(dialog.isComplete());
        QVERIFY(openEnabled(dialog));
    }

    void directoryKindsNeedADirectory() {
        // CUB without a directory cannot be opened; typing one builds "cub:DIR".
        OpenDatasetDialog dialog;
        dialog.kindBox()->setCurrentIndex(dialog.kindBox()->findData(QStringLiteral("cub")));
        QVERIFY(dialog.directoryEdit()->isEnabled());
        QVERIFY(!openEnabled(dialog));
        dialog.directoryEdit()->setText(QStringLiteral("/data/CUB_200_2011"));
        QVERIFY(openEnabled(dialog));
        QCOMPARE(dialog.request().spec, QStringLiteral("cub:/data/CUB_200_2011"));
    }

    void splitAndModalityAreOptional() {
        // Choosing a split kind requires its path; the result is "xlsa17:DIR" / "classes:FILE".
        OpenDatasetDialog dialog;
        dialog.kindBox()->setCurrentIndex(dialog.kindBox()->findData(QStringLiteral("awa2")));
        dialog.directoryEdit()->setText(QStringLiteral("/data/AwA2"));
        dialog.splitBox()->setCurrentIndex(dialog.splitBox()->findData(QStringLiteral("xlsa17")));
        QVERIFY(!openEnabled(dialog));
        dialog.splitEdit()->setText(QStringLiteral("/data/xlsa17/AWA2"));
        dialog.modalityEdit()->setText(QStringLiteral("w2v=csv:/data/w2v.csv"));
        QVERIFY(openEnabled(dialog));
        const DatasetRequest request = dialog.request();
        QCOMPARE(request.spec, QStringLiteral("awa2:/data/AwA2"));
        QCOMPARE(request.split, QStringLiteral("xlsa17:/data/xlsa17/AWA2"));
        QCOMPARE(request.modalities, QStringList({"w2v=csv:/data/w2v.csv"}));
    }

    void setRequestRoundTrips() {
        // Reopening the dialog shows the data set open now: setRequest then request() is identity.
        DatasetRequest original;
        original.spec = QStringLiteral("folder:/home/me/pets");
        original.split = QStringLiteral("classes:/home/me/unseen.txt");
        OpenDatasetDialog dialog;
        dialog.setRequest(original);
        QCOMPARE(dialog.request(), original);
        DatasetRequest embedded;
        embedded.spec = QStringLiteral("fashion-mnist");
        dialog.setRequest(embedded);
        QCOMPARE(dialog.request(), embedded);
    }

    void requestsSurviveSettingsRoundTrip() {
        // Open Recent stores requests as QVariants in QSettings.
        DatasetRequest request;
        request.spec = QStringLiteral("cub:/d");
        request.split = QStringLiteral("xlsa17:/s");
        request.modalities = QStringList({"a=csv:/a.csv"});
        QCOMPARE(DatasetRequest::fromVariant(request.toVariant()), request);
    }
};

QTEST_MAIN(OpenDatasetDialogTest)
#include "widgets_open_dataset_dialog_test.moc"
