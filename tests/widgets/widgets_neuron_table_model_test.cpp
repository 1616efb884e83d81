// The neuron table model and its proxy: data roles, sorting by importance and rank, filtering on
// unit and name, and the listing of the rows shown that Export CSV writes with the one neuron CSV
// writer (niwt::writeNeuronTableCsv, also `niwt neurons`'). A hand-made listing, no engine.
#include "widgets/explainer_controller.h"
#include "widgets/neuron_panel.h"
#include "widgets/neuron_table_model.h"

#include <QFile>
#include <QHeaderView>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <limits>

using niwt::gui::NeuronTableModel;

namespace {

niwt::NeuronRow entry(int unit, std::vector<niwt::ScoredName> attributes, double importance, int rank) {
    niwt::NeuronRow e;
    e.unit = unit;
    e.attributes = std::move(attributes);
    e.classImportance = importance;
    e.classRank = rank;
    return e;
}

// Four units; importances 0.2, -0.5, 1.5, 0.7 give ranks 3, 4, 1, 2. Unit 3's name has a comma
// (CUB-style "has_wing_color::black, grey" does not occur, but captions' words may) to test quoting.
niwt::NeuronListing classListing() {
    niwt::NeuronListing l;
    l.stageName = "block17";
    l.modality = "attributes";
    l.className = "Laysan_Albatross";
    l.classImages = 12;
    l.rows = {entry(0, {{"has_wing_color::black", 0.9}, {"has_size::large", 0.4}}, 0.2, 3),
              entry(1, {{"has_bill_shape::hooked", 0.8}}, -0.5, 4),
              entry(2, {{"has_tail::long", 0.7}, {"has_wing_color::grey", 0.1}}, 1.5, 1),
              entry(3, {{"white, fluffy", 0.25}}, 0.7, 2)};
    return l;
}

int unitAt(const QSortFilterProxyModel& proxy, int row) {
    return proxy.data(proxy.index(row, 0), NeuronTableModel::UnitRole).toInt();
}

}  // namespace

class NeuronTableModelTest : public QObject {
    Q_OBJECT
private slots:
    void dataRoles() {
        NeuronTableModel model;
        model.setListing(classListing());
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.columnCount(), int(NeuronTableModel::ColumnCount));
        // Unit 2 (row 2): its name is its attributes joined, best first.
        QCOMPARE(model.data(model.index(2, NeuronTableModel::NameColumn)).toString(),
                 QStringLiteral("has_tail::long, has_wing_color::grey"));
        QCOMPARE(model.data(model.index(2, NeuronTableModel::ImportanceColumn)).toString(), QStringLiteral("1.5"));
        QCOMPARE(model.data(model.index(2, NeuronTableModel::RankColumn)).toInt(), 1);
        QCOMPARE(model.data(model.index(2, NeuronTableModel::ImportanceColumn), NeuronTableModel::SortRole).toDouble(),
                 1.5);
        QCOMPARE(model.data(model.index(2, 0), NeuronTableModel::UnitRole).toInt(), 2);
        // The tooltip lists each attribute with its score.
        QVERIFY(model.data(model.index(0, 1), Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("has_size::large: 0.4000")));
        // The header stays short; its tool tip names the class and how many images it averaged.
        QCOMPARE(model.headerData(NeuronTableModel::ImportanceColumn, Qt::Horizontal).toString(),
                 QStringLiteral("Importance"));
        QCOMPARE(model.headerData(NeuronTableModel::ImportanceColumn, Qt::Horizontal, Qt::ToolTipRole).toString(),
                 QStringLiteral("Importance for Laysan_Albatross (mean over 12 images)"));
        QCOMPARE(model.rowOfUnit(3), 3);
        QCOMPARE(model.rowOfUnit(9), -1);
    }

    void noClassShowsEmptyImportances() {
        NeuronTableModel model;
        auto listing = classListing();
        listing.className.clear();
        for (auto& r : listing.rows) {
            r.classImportance = std::numeric_limits<double>::quiet_NaN();
            r.classRank = 0;
        }
        model.setListing(listing);
        QVERIFY(!model.hasClass());
        QCOMPARE(model.data(model.index(0, NeuronTableModel::ImportanceColumn)).toString(), QString());
        QCOMPARE(model.data(model.index(0, NeuronTableModel::RankColumn)).toString(), QString());
        // A missing importance sorts as -infinity, so it never outranks a real one.
        QVERIFY(std::isinf(
            model.data(model.index(0, NeuronTableModel::ImportanceColumn), NeuronTableModel::SortRole).toDouble()));
    }

    void sortsByImportanceAndRank() {
        NeuronTableModel model;
        model.setListing(classListing());
        std::unique_ptr<QSortFilterProxyModel> proxy(niwt::gui::makeNeuronProxy(&model, nullptr));
        // Importance descending: 1.5 (unit 2), 0.7 (3), 0.2 (0), -0.5 (1). Numeric, not text:
        // as text "-0.5" would sort before "0.2" and "1.5" after "0.7" only by luck.
        proxy->sort(NeuronTableModel::ImportanceColumn, Qt::DescendingOrder);
        QCOMPARE(unitAt(*proxy, 0), 2);
        QCOMPARE(unitAt(*proxy, 1), 3);
        QCOMPARE(unitAt(*proxy, 2), 0);
        QCOMPARE(unitAt(*proxy, 3), 1);
        // Rank ascending gives the same order (rank 1 = most important).
        proxy->sort(NeuronTableModel::RankColumn, Qt::AscendingOrder);
        for (int r = 0; r < 4; ++r) QCOMPARE(proxy->data(proxy->index(r, NeuronTableModel::RankColumn)).toInt(), r + 1);
        // Unit descending: 3, 2, 1, 0.
        proxy->sort(NeuronTableModel::UnitColumn, Qt::DescendingOrder);
        QCOMPARE(unitAt(*proxy, 0), 3);
        QCOMPARE(unitAt(*proxy, 3), 0);
    }

    void filtersOnNameAndUnit() {
        NeuronTableModel model;
        model.setListing(classListing());
        std::unique_ptr<QSortFilterProxyModel> proxy(niwt::gui::makeNeuronProxy(&model, nullptr));
        proxy->sort(NeuronTableModel::UnitColumn, Qt::AscendingOrder);
        // "WING" (case-insensitive) is in units 0 and 2's names.
        proxy->setFilterFixedString(QStringLiteral("WING"));
        QCOMPARE(proxy->rowCount(), 2);
        QCOMPARE(unitAt(*proxy, 0), 0);
        QCOMPARE(unitAt(*proxy, 1), 2);
        // A unit number matches its unit column: "3" is unit 3 only (no name holds a 3).
        proxy->setFilterFixedString(QStringLiteral("3"));
        QCOMPARE(proxy->rowCount(), 1);
        QCOMPARE(unitAt(*proxy, 0), 3);
        // Importance text is not searched: "1.5" matches nothing.
        proxy->setFilterFixedString(QStringLiteral("1.5"));
        QCOMPARE(proxy->rowCount(), 0);
        proxy->setFilterFixedString(QString());
        QCOMPARE(proxy->rowCount(), 4);
    }

    // The export holds the rows shown, in the view's order, written by the CLI's writer: its columns
    // (unit,class_importance,class_rank, then attribute/score pairs, as many as the longest name
    // shown: 1 here), RFC 4180 quoting, shortest round-trip numbers.
    void csvOfTheRowsShown() {
        NeuronTableModel model;
        model.setListing(classListing());
        std::unique_ptr<QSortFilterProxyModel> proxy(niwt::gui::makeNeuronProxy(&model, nullptr));
        proxy->sort(NeuronTableModel::ImportanceColumn, Qt::DescendingOrder);
        proxy->setFilterFixedString(QStringLiteral("fluffy"));
        const niwt::NeuronListing one = niwt::gui::shownListing(model, *proxy);
        QCOMPARE(one.className, std::string("Laysan_Albatross"));
        QCOMPARE(niwt::neuronTableCsv(one), std::string("unit,class_importance,class_rank,attribute_1,score_1\n"
                                                        "3,0.7,2,\"white, fluffy\",0.25\n"));
        proxy->setFilterFixedString(QString());
        const QStringList lines = QString::fromStdString(niwt::neuronTableCsv(niwt::gui::shownListing(model, *proxy)))
                                      .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 5);
        QCOMPARE(lines[0], QStringLiteral("unit,class_importance,class_rank,attribute_1,score_1,attribute_2,score_2"));
        QCOMPARE(lines[1], QStringLiteral("2,1.5,1,has_tail::long,0.7,has_wing_color::grey,0.1"));
        QCOMPARE(lines[4], QStringLiteral("1,-0.5,4,has_bill_shape::hooked,0.8,,"));
    }

    // Unsorted and unfiltered, the window exports the listing itself: the same bytes the CLI's
    // neurons.csv has for that listing (both through niwt::writeNeuronTableCsv; the file is
    // written here as NeuronPanel::exportCsv writes it and compared with the writer's string).
    void unfilteredExportIsTheCliBytes() {
        NeuronTableModel model;
        const niwt::NeuronListing listing = classListing();
        model.setListing(listing);
        std::unique_ptr<QSortFilterProxyModel> proxy(niwt::gui::makeNeuronProxy(&model, nullptr));
        const niwt::NeuronListing shown = niwt::gui::shownListing(model, *proxy);
        QCOMPARE(niwt::neuronTableCsv(shown), niwt::neuronTableCsv(listing));
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath(QStringLiteral("neurons.csv")).toStdString();
        niwt::writeNeuronTableCsv(path, shown);
        QFile file(QString::fromStdString(path));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll().toStdString(),
                 std::string("unit,class_importance,class_rank,attribute_1,score_1,attribute_2,score_2\n"
                             "0,0.2,3,has_wing_color::black,0.9,has_size::large,0.4\n"
                             "1,-0.5,4,has_bill_shape::hooked,0.8,,\n"
                             "2,1.5,1,has_tail::long,0.7,has_wing_color::grey,0.1\n"
                             "3,0.7,2,\"white, fluffy\",0.25,,\n"));
    }

    // The Neurons panel at the default layout's dock width (380 px at 1280x800): every name
    // column cell is whole (its column as wide as its longest text), after the numbers.
    void panelShowsNamesWhole() {
        niwt::gui::ExplainerController controller;
        niwt::gui::NeuronPanel panel(&controller);
        QTableView* table = panel.table();
        auto* proxy = qobject_cast<QSortFilterProxyModel*>(table->model());
        QVERIFY(proxy);
        auto* model = qobject_cast<NeuronTableModel*>(proxy->sourceModel());
        QVERIFY(model);
        niwt::NeuronListing listing = classListing();
        listing.rows.push_back(entry(4,
                                     {{"has_bill_length::about_the_same_as_head", 0.9},
                                      {"has_upperparts_color::grey", 0.8},
                                      {"has_under_tail_color::buff", 0.7},
                                      {"has_wing_pattern::multi-colored", 0.6},
                                      {"has_forehead_color::iridescent", 0.5}},
                                     2.5, 1));
        model->setListing(listing);
        panel.resize(380, 480);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));

        QHeaderView* header = table->horizontalHeader();
        QCOMPARE(header->visualIndex(NeuronTableModel::NameColumn), int(NeuronTableModel::ColumnCount) - 1);
        const QFontMetrics metrics(table->font());
        const int margin = 2 * (table->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, table) + 1);
        for (int row = 0; row < proxy->rowCount(); ++row)
            for (int column = 0; column < NeuronTableModel::ColumnCount; ++column) {
                const QString text = proxy->index(row, column).data().toString();
                QVERIFY2(metrics.horizontalAdvance(text) + margin <= header->sectionSize(column), qPrintable(text));
            }
        // The numbers stay in view; the names scroll sideways.
        QVERIFY(header->sectionViewportPosition(NeuronTableModel::RankColumn) +
                    header->sectionSize(NeuronTableModel::RankColumn) <=
                table->viewport()->width());
    }
};

QTEST_MAIN(NeuronTableModelTest)
#include "widgets_neuron_table_model_test.moc"
