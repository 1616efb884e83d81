// The data set browser's class list: ClassListModel's rows/columns on a hand-built data set,
// ClassFilterProxyModel's name, split and empty-class filters (what the filter box, the split combo
// and the "Show classes without images" check box use), and the panel's check box itself.
#include "widget_test_support.h"
#include "widgets/class_list_model.h"
#include "widgets/dataset_browser.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTableView>
#include <QtTest>

using niwt::gui::ClassFilterProxyModel;
using niwt::gui::ClassListModel;
using niwt::gui::ClassListPanel;
using niwt::gui::DatasetBrowser;

class ClassListModelTest : public QObject {
    Q_OBJECT

private:
    static std::shared_ptr<const niwt::Dataset> dataset() {
        return std::make_shared<const niwt::Dataset>(niwt::test::smallDataset());
    }
    static QStringList names(const QAbstractItemModel& model) {
        QStringList out;
        for (int r = 0; r < model.rowCount(); ++r)
            out << model.index(r, ClassListModel::NameColumn).data(ClassListModel::NameRole).toString();
        return out;
    }

private slots:
    void emptyWithoutDataset() {
        // No data set: no rows, but the four headers exist (the table shows its columns).
        ClassListModel model;
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.columnCount(), 4);
        QCOMPARE(model.headerData(ClassListModel::NameColumn, Qt::Horizontal).toString(), QStringLiteral("Class"));
    }

    void oneRowPerClassWithCounts() {
        // One row per class, in data set order; train/test columns count the images of each class.
        ClassListModel model;
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        model.setDataset(dataset());
        QCOMPARE(reset.count(), 1);
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(names(model), QStringList({"001.Black_footed_Albatross", "002.Laysan_Albatross", "003.Sooty_Albatross",
                                            "004.Groove_billed_Ani"}));
        // Shown without CUB's number prefix and with spaces, for readability in a narrow panel.
        QCOMPARE(model.index(0, ClassListModel::NameColumn).data().toString(),
                 QStringLiteral("Black footed Albatross"));
        QVERIFY(model.index(0, ClassListModel::NameColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("001.Black_footed_Albatross")));
        const int train[] = {3, 2, 1, 0};
        const int test[] = {1, 2, 0, 0};
        for (int r = 0; r < 4; ++r) {
            QCOMPARE(model.index(r, ClassListModel::TrainColumn).data().toInt(), train[r]);
            QCOMPARE(model.index(r, ClassListModel::TestColumn).data().toInt(), test[r]);
            QCOMPARE(model.index(r, 0).data(ClassListModel::ClassIndexRole).toInt(), r);
        }
    }

    void splitColumnSaysSeenUnseenOrNotInSplit() {
        // Seen classes train the network, unseen ones are zero-shot targets; a class that an
        // xlsa17 split left out is neither, and the column must not call it "unseen".
        ClassListModel model;
        model.setDataset(dataset());
        QCOMPARE(model.index(0, ClassListModel::SplitColumn).data().toString(), QStringLiteral("seen"));
        QCOMPARE(model.index(1, ClassListModel::SplitColumn).data().toString(), QStringLiteral("seen"));
        QCOMPARE(model.index(2, ClassListModel::SplitColumn).data().toString(), QStringLiteral("unseen"));
        QCOMPARE(model.index(3, ClassListModel::SplitColumn).data().toString(), QStringLiteral("not in split"));
        QCOMPARE(model.index(2, 0).data(ClassListModel::SeenRole).toBool(), false);
        QCOMPARE(model.index(3, 0).data(ClassListModel::InSplitRole).toBool(), false);
    }

    void nameFilterNarrowsCaseInsensitively() {
        // The filter box matches a substring in any case; '_' in names matches a typed space.
        // Classes without images are shown here so that all four names can be matched.
        ClassListModel model;
        model.setDataset(dataset());
        ClassFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setShowEmptyClasses(true);
        QCOMPARE(proxy.rowCount(), 4);
        proxy.setNameFilter(QStringLiteral("ALBATROSS"));
        QCOMPARE(proxy.rowCount(), 3);
        proxy.setNameFilter(QStringLiteral("black footed"));
        QCOMPARE(names(proxy), QStringList({"001.Black_footed_Albatross"}));
        proxy.setNameFilter(QStringLiteral("ani"));
        QCOMPARE(names(proxy), QStringList({"004.Groove_billed_Ani"}));
        proxy.setNameFilter(QStringLiteral("002."));  // the real name's number prefix is searched too
        QCOMPARE(names(proxy), QStringList({"002.Laysan_Albatross"}));
        proxy.setNameFilter(QStringLiteral("penguin"));
        QCOMPARE(proxy.rowCount(), 0);
        proxy.setNameFilter(QString());
        QCOMPARE(proxy.rowCount(), 4);
    }

    void splitFilterKeepsSeenOrUnseen() {
        // "Seen" and "Unseen" show only classes in the split with that flag; combined with a name.
        ClassListModel model;
        model.setDataset(dataset());
        ClassFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setShowEmptyClasses(true);
        proxy.setSplitFilter(ClassFilterProxyModel::SplitFilter::Unseen);
        QCOMPARE(names(proxy), QStringList({"003.Sooty_Albatross"}));
        proxy.setSplitFilter(ClassFilterProxyModel::SplitFilter::Seen);
        QCOMPARE(names(proxy), QStringList({"001.Black_footed_Albatross", "002.Laysan_Albatross"}));
        proxy.setNameFilter(QStringLiteral("laysan"));
        QCOMPARE(names(proxy), QStringList({"002.Laysan_Albatross"}));
        proxy.setSplitFilter(ClassFilterProxyModel::SplitFilter::All);
        proxy.setNameFilter(QString());
        QCOMPARE(proxy.rowCount(), 4);
    }

    void sortsCountsNumerically() {
        // Sorting by "# Train" must be numeric (the proxy sorts on SortRole), largest first here.
        ClassListModel model;
        model.setDataset(dataset());
        ClassFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setShowEmptyClasses(true);
        proxy.sort(ClassListModel::TrainColumn, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, 0).data(ClassListModel::ClassIndexRole).toInt(), 0);
        QCOMPARE(proxy.index(3, 0).data(ClassListModel::ClassIndexRole).toInt(), 3);
        proxy.sort(ClassListModel::TestColumn, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, 0).data(ClassListModel::ClassIndexRole).toInt(), 1);
    }

    void emptyClassesAreHiddenByDefault() {
        // smallDataset(): classes 0..2 have 4, 4 and 1 images (3+1, 2+2, 1+0); class 3
        // "004.Groove_billed_Ani" has none, so exactly one class is empty and hidden by default.
        ClassListModel model;
        model.setDataset(dataset());
        QCOMPARE(model.emptyClassCount(), 1);
        const int images[] = {4, 4, 1, 0};
        for (int r = 0; r < 4; ++r) QCOMPARE(model.index(r, 0).data(ClassListModel::ImageCountRole).toInt(), images[r]);

        ClassFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        QVERIFY(!proxy.showEmptyClasses());
        QCOMPARE(names(proxy),
                 QStringList({"001.Black_footed_Albatross", "002.Laysan_Albatross", "003.Sooty_Albatross"}));
        // A class with a single (train) image is not empty: "003" stays even in the Unseen view.
        proxy.setSplitFilter(ClassFilterProxyModel::SplitFilter::Unseen);
        QCOMPARE(names(proxy), QStringList({"003.Sooty_Albatross"}));
        proxy.setSplitFilter(ClassFilterProxyModel::SplitFilter::All);

        // Toggled on: all four, in data set order.
        proxy.setShowEmptyClasses(true);
        QCOMPARE(proxy.rowCount(), 4);
        QCOMPARE(proxy.index(3, 0).data(ClassListModel::NameRole).toString(), QStringLiteral("004.Groove_billed_Ani"));

        // The name filter still applies on top: "ani" matches only the empty class, so it finds
        // it when empty classes are shown and nothing when they are hidden.
        proxy.setNameFilter(QStringLiteral("ani"));
        QCOMPARE(names(proxy), QStringList({"004.Groove_billed_Ani"}));
        proxy.setShowEmptyClasses(false);
        QCOMPARE(proxy.rowCount(), 0);
        proxy.setNameFilter(QStringLiteral("albatross"));
        QCOMPARE(proxy.rowCount(), 3);
    }

    void panelCheckBoxTogglesEmptyClasses() {
        // The panel's "Show classes without images" box: off by default (3 of 4 rows in the
        // table), on shows all 4; the filter box still narrows with it on or off.
        ClassListPanel panel;
        panel.setDataset(dataset());
        QCheckBox* check = panel.showEmptyCheck();
        QVERIFY(check);
        QCOMPARE(check->objectName(), QStringLiteral("showEmptyClassesCheck"));
        QVERIFY(!check->isChecked());
        QVERIFY(!panel.showEmptyClasses());
        QCOMPARE(panel.view()->model()->rowCount(), 3);

        QSignalSpy changed(&panel, &ClassListPanel::showEmptyClassesChanged);
        check->click();
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.first().at(0).toBool(), true);
        QVERIFY(panel.showEmptyClasses());
        QCOMPARE(panel.view()->model()->rowCount(), 4);

        panel.filterEdit()->setText(QStringLiteral("groove"));
        QCOMPARE(panel.view()->model()->rowCount(), 1);
        check->click();
        QCOMPARE(panel.view()->model()->rowCount(), 0);
        QCOMPARE(changed.count(), 2);

        // The setter moves the check box too (what a saved setting would call).
        panel.filterEdit()->clear();
        panel.setShowEmptyClasses(true);
        QVERIFY(check->isChecked());
        QCOMPARE(panel.view()->model()->rowCount(), 4);
    }

    void selectingAnEmptyClassShowsIt() {
        // Asking for a hidden empty class (e.g. from another panel) turns the option on rather
        // than selecting nothing; the browser's first pick on a new data set is a class with images.
        DatasetBrowser browser;
        browser.setDataset(dataset());
        QCOMPARE(browser.currentClassIndex(), 0);
        QVERIFY(!browser.classList()->showEmptyClasses());
        browser.selectClass(3);
        QVERIFY(browser.classList()->showEmptyClasses());
        QCOMPARE(browser.currentClassIndex(), 3);

        // A data set whose first class is empty starts on the first class that has images.
        niwt::Dataset d = niwt::test::smallDataset();
        std::swap(d.classes[0], d.classes[3]);
        for (niwt::ImageInfo& image : d.images)
            if (image.classIndex == 0) image.classIndex = 3;
        DatasetBrowser other;
        other.setDataset(std::make_shared<const niwt::Dataset>(d));
        QCOMPARE(other.currentClassIndex(), 1);
        QVERIFY(!other.classList()->showEmptyClasses());
    }

    void clearingTheDatasetEmptiesTheModel() {
        ClassListModel model;
        model.setDataset(dataset());
        model.setDataset(nullptr);
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.index(0, 0).isValid());
    }
};

QTEST_MAIN(ClassListModelTest)
#include "widgets_class_list_model_test.moc"
