// The data set browser's class list: ClassListModel's rows/columns on a hand-built data set, and
// ClassFilterProxyModel's name and split filters (what the filter box and the split combo use).
#include "widget_test_support.h"
#include "widgets/class_list_model.h"

#include <QSignalSpy>
#include <QtTest>

using niwt::gui::ClassFilterProxyModel;
using niwt::gui::ClassListModel;

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
        QCOMPARE(names(model), QStringList({"001.Black_footed_Albatross", "002.Laysan_Albatross",
                                            "003.Sooty_Albatross", "004.Groove_billed_Ani"}));
        // Shown without CUB's number prefix and with spaces, for readability in a narrow panel.
        QCOMPARE(model.index(0, ClassListModel::NameColumn).data().toString(), QStringLiteral("Black footed Albatross"));
        QVERIFY(model.index(0, ClassListModel::NameColumn).data(Qt::ToolTipRole).toString().contains(
            QStringLiteral("001.Black_footed_Albatross")));
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
        ClassListModel model;
        model.setDataset(dataset());
        ClassFilterProxyModel proxy;
        proxy.setSourceModel(&model);
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
        proxy.sort(ClassListModel::TrainColumn, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, 0).data(ClassListModel::ClassIndexRole).toInt(), 0);
        QCOMPARE(proxy.index(3, 0).data(ClassListModel::ClassIndexRole).toInt(), 3);
        proxy.sort(ClassListModel::TestColumn, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, 0).data(ClassListModel::ClassIndexRole).toInt(), 1);
    }

    void clearingTheDatasetEmptiesTheModel() {
        ClassListModel model;
        model.setDataset(dataset());
        model.setDataset(nullptr);
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.index(0, 0).isValid());
    }
};

QTEST_GUILESS_MAIN(ClassListModelTest)
#include "widgets_class_list_model_test.moc"
