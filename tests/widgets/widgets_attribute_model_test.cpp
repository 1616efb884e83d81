// The class composer's attribute editor model: grouping of CUB-style "part::value" names under
// their part, the search filter over full names, pre-fill from a class's row, value ranges and
// binary (check box) attributes, on a hand-made modality whose answers are known.
#include "widgets/attribute_model.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

using niwt::gui::AttributeFilterModel;
using niwt::gui::AttributeModel;

namespace {
// Six dimensions over two classes:
//   0 has_bill_shape::dagger  0..40      (class rows 40, 0)
//   1 has_bill_shape::hooked  0..10
//   2 has_wing_color::red     0..1, binary (1, 0)
//   3 size                    0..7       (no part: a top-level row)
//   4 has_bill_shape::cone    all 0      -> range 0..1 (so it can still be set)
//   5 has_wing_color::black   0..0.5
niwt::Modality modality() {
    niwt::Modality m;
    m.name = "attributes";
    m.dims = 6;
    m.dimNames = {"has_bill_shape::dagger", "has_bill_shape::hooked", "has_wing_color::red", "size",
                  "has_bill_shape::cone",   "has_wing_color::black"};
    m.values = {40, 10, 1, 7, 0, 0.5f, 0, 5, 0, 3, 0, 0.25f};
    return m;
}

QStringList topLevelNames(const QAbstractItemModel& model) {
    QStringList out;
    for (int r = 0; r < model.rowCount(); ++r) out << model.index(r, 0).data().toString();
    return out;
}

QStringList childNames(const QAbstractItemModel& model, const QModelIndex& parent) {
    QStringList out;
    for (int r = 0; r < model.rowCount(parent); ++r) out << model.index(r, 0, parent).data().toString();
    return out;
}
}  // namespace

class AttributeModelTest : public QObject {
    Q_OBJECT

private slots:
    void groupsByPartInFirstAppearanceOrder() {
        // Top level: the two parts (in the order their first dimension appears) and "size", which
        // has no "::" and stays a dimension of its own.
        const niwt::Modality m = modality();
        AttributeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setModality(&m);
        QCOMPARE(model.dims(), 6);
        QCOMPARE(topLevelNames(model), (QStringList{"has_bill_shape", "has_wing_color", "size"}));
        const QModelIndex bill = model.indexOfGroup(QStringLiteral("has_bill_shape"));
        QCOMPARE(childNames(model, bill), (QStringList{"dagger", "hooked", "cone"}));
        QCOMPARE(childNames(model, model.indexOfGroup(QStringLiteral("has_wing_color"))),
                 (QStringList{"red", "black"}));
        QCOMPARE(model.rowCount(model.index(2, 0)), 0);  // "size" is a leaf
        // Every dimension's index finds its way back to the dimension.
        for (int d = 0; d < 6; ++d) QCOMPARE(model.indexOfDimension(d).data(AttributeModel::DimensionRole).toInt(), d);
        QCOMPARE(model.indexOfDimension(4).data(AttributeModel::FullNameRole).toString(),
                 QStringLiteral("has_bill_shape::cone"));
    }

    void rangesAndBinaryFromTheClassValues() {
        const niwt::Modality m = modality();
        AttributeModel model;
        model.setModality(&m);
        QCOMPARE(model.indexOfDimension(0).data(AttributeModel::MaximumRole).toDouble(), 40.0);
        QCOMPARE(model.indexOfDimension(4).data(AttributeModel::MaximumRole).toDouble(), 1.0);  // all-zero: 0..1
        QVERIFY(model.indexOfDimension(2).data(AttributeModel::IsBinaryRole).toBool());         // only 0 and 1
        QVERIFY(!model.indexOfDimension(5).data(AttributeModel::IsBinaryRole).toBool());
        // Binary: a check box, not an editor; others: editable values.
        QVERIFY(model.flags(model.indexOfDimension(2, AttributeModel::ValueColumn)) & Qt::ItemIsUserCheckable);
        QVERIFY(model.flags(model.indexOfDimension(0, AttributeModel::ValueColumn)) & Qt::ItemIsEditable);
        QVERIFY(!(model.flags(model.indexOfGroup(QStringLiteral("has_bill_shape")).siblingAtColumn(1)) &
                  Qt::ItemIsEditable));
    }

    void editsAreClampedAndCounted() {
        const niwt::Modality m = modality();
        AttributeModel model;
        model.setModality(&m);
        QSignalSpy changed(&model, &AttributeModel::valuesChanged);
        // 55 is above dagger's range (0..40): clamped to 40.
        QVERIFY(model.setData(model.indexOfDimension(0, AttributeModel::ValueColumn), 55.0));
        QCOMPARE(model.value(0), 40.0f);
        // Checking the binary attribute sets its maximum (1).
        QVERIFY(model.setData(model.indexOfDimension(2, AttributeModel::ValueColumn), Qt::Checked, Qt::CheckStateRole));
        QCOMPARE(model.value(2), 1.0f);
        QCOMPARE(changed.count(), 2);
        // The group rows count their non-zero dimensions: bill 1 of 3, wing 1 of 2.
        QCOMPARE(model.indexOfGroup(QStringLiteral("has_bill_shape")).siblingAtColumn(1).data().toString(),
                 QStringLiteral("1 of 3 set"));
        QCOMPARE(model.indexOfGroup(QStringLiteral("has_wing_color")).siblingAtColumn(1).data().toString(),
                 QStringLiteral("1 of 2 set"));
        QVERIFY(!model.setData(model.indexOfDimension(0, AttributeModel::ValueColumn), QStringLiteral("abc")));
    }

    void prefillsFromAClassRow() {
        // Class 1's row is (0, 5, 0, 3, 0, 0.25): values() returns it exactly.
        const niwt::Modality m = modality();
        AttributeModel model;
        model.setModality(&m);
        QVERIFY(model.fillFromClass(1));
        QCOMPARE(model.values(), (std::vector<float>{0, 5, 0, 3, 0, 0.25f}));
        QCOMPARE(model.indexOfDimension(2, AttributeModel::ValueColumn).data(Qt::CheckStateRole).toInt(),
                 int(Qt::Unchecked));
        QVERIFY(!model.fillFromClass(2));  // no such class
        // Caption scores map onto each range: 0.5 of dagger's 0..40 is 20, 1 of red's 0..1 is 1,
        // scores outside [0, 1] are clamped (size's 2 -> its maximum 7).
        QVERIFY(model.setFromScores({0.5f, 0, 1, 2, 0, 0}));
        QCOMPARE(model.values(), (std::vector<float>{20, 0, 1, 7, 0, 0}));
        QVERIFY(!model.setFromScores({1}));
        QVERIFY(!model.setValues({1, 2}));  // wrong size
        model.clearValues();
        QCOMPARE(model.values(), std::vector<float>(6, 0.0f));
    }

    void searchFiltersByFullName() {
        const niwt::Modality m = modality();
        AttributeModel model;
        model.setModality(&m);
        AttributeFilterModel filter;
        filter.setSourceModel(&model);
        QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
        // "dagger" is only in has_bill_shape::dagger: its group stays, with that one child.
        filter.setSearchText(QStringLiteral("DAGGER"));
        QCOMPARE(topLevelNames(filter), QStringList{"has_bill_shape"});
        QCOMPARE(childNames(filter, filter.index(0, 0)), QStringList{"dagger"});
        // "bill" matches the group's part: the group shows all its dimensions.
        filter.setSearchText(QStringLiteral("bill"));
        QCOMPARE(topLevelNames(filter), QStringList{"has_bill_shape"});
        QCOMPARE(childNames(filter, filter.index(0, 0)), (QStringList{"dagger", "hooked", "cone"}));
        // "zzz" matches nothing; an empty search shows everything again.
        filter.setSearchText(QStringLiteral("zzz"));
        QCOMPARE(filter.rowCount(), 0);
        filter.setSearchText(QString());
        QCOMPARE(filter.rowCount(), 3);
    }

    void flatWithoutPartNames() {
        // Fashion-MNIST's attributes have no "::": one top-level row each, no groups.
        niwt::Modality m;
        m.dims = 3;
        m.dimNames = {"covers_torso", "has_heel", "has_laces"};
        m.values = {1, 0, 0};
        AttributeModel model;
        model.setModality(&m);
        QCOMPARE(topLevelNames(model), (QStringList{"covers_torso", "has_heel", "has_laces"}));
        QCOMPARE(model.topLevelRows(), 3);
        model.setModality(nullptr);
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_GUILESS_MAIN(AttributeModelTest)
#include "widgets_attribute_model_test.moc"
