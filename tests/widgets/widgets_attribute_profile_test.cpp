// The attribute profile chart: which dimensions it picks (top-N by value, largest first, NaN
// ignored) and what the QCustomPlot bar chart holds for a class of a hand-built data set.
#include "widget_test_support.h"
#include "widgets/attribute_profile_widget.h"
#include "widgets/theme.h"

#include <qcustomplot.h>

#include <QtTest>

#include <cmath>
#include <limits>

using niwt::gui::AttributeProfileWidget;
using niwt::gui::topDimensions;

class AttributeProfileTest : public QObject {
    Q_OBJECT

private slots:
    void topDimensionsPicksLargestFirst() {
        // Largest values first; equal values keep dimension order; NaN is never "largest".
        const float nan = std::numeric_limits<float>::quiet_NaN();
        const float values[] = {0.1f, 0.9f, nan, 0.9f, 0.5f};
        QCOMPARE(topDimensions(values, 5, 3), std::vector<int>({1, 3, 4}));
        QCOMPARE(topDimensions(values, 5, 10), std::vector<int>({1, 3, 4, 0}));
        QCOMPARE(topDimensions(values, 5, 0), std::vector<int>());
        QCOMPARE(topDimensions(values, 0, 3), std::vector<int>());
    }

    void chartShowsTopDimensionsOfTheClass() {
        // Class 0's attributes: wing 0.9, size 0.7, tail 0.3 are its top three; the chart holds one
        // bar series with three bars and the dimension names, top bar first.
        AttributeProfileWidget widget;
        widget.setDataset(std::make_shared<const niwt::Dataset>(niwt::test::smallDataset()));
        widget.setTopCount(3);
        widget.setClassIndex(0);
        QCOMPARE(widget.modalityName(), QStringLiteral("attributes"));
        QCOMPARE(widget.shownDimensionNames(),
                 QStringList({"has_wing_color::black", "has_size::large", "has_tail::long"}));
        QCOMPARE(widget.shownValues().size(), size_t(3));
        QCOMPARE(widget.shownValues()[0], double(0.9f));
        QCOMPARE(widget.plot()->plottableCount(), 1);
        auto* bars = qobject_cast<QCPBars*>(widget.plot()->plottable(0));
        QVERIFY(bars);
        QCOMPARE(bars->dataCount(), 3);
        // The largest value has the highest key, so it is drawn on top.
        QCOMPARE(bars->data()->at(bars->dataCount() - 1)->mainValue(), double(0.9f));
    }

    void changingClassOrTopCountRebuilds() {
        AttributeProfileWidget widget;
        widget.setDataset(std::make_shared<const niwt::Dataset>(niwt::test::smallDataset()));
        widget.setTopCount(2);
        widget.setClassIndex(1);
        // Class 1 ties bill (0.8) and size (0.8): the lower dimension index comes first.
        QCOMPARE(widget.shownDimensionNames(), QStringList({"has_bill_shape::hooked", "has_size::large"}));
        widget.setTopCount(5);
        QCOMPARE(widget.shownDimensionNames().size(), 5);
    }

    void chartFollowsTheTheme() {
        // Switching to the dark theme repaints the chart on a dark background (QCustomPlot does
        // not follow the palette by itself).
        AttributeProfileWidget widget;
        widget.setDataset(std::make_shared<const niwt::Dataset>(niwt::test::smallDataset()));
        widget.setClassIndex(0);
        niwt::gui::applyTheme(niwt::gui::Theme::Dark);
        QTRY_VERIFY(widget.plot()->toPixmap(200, 150).toImage().pixelColor(2, 2).lightness() < 80);
        niwt::gui::applyTheme(niwt::gui::Theme::Light);
        QTRY_VERIFY(widget.plot()->toPixmap(200, 150).toImage().pixelColor(2, 2).lightness() > 200);
    }

    void unnamedDimensionsAndMissingModality() {
        // Without dimension names the ticks say "dim N"; without any modality the chart gives way
        // to a message rather than an empty plot.
        niwt::Dataset dataset = niwt::test::smallDataset();
        dataset.modalities[0].dimNames.clear();
        AttributeProfileWidget widget;
        widget.setDataset(std::make_shared<const niwt::Dataset>(dataset));
        widget.setTopCount(1);
        widget.setClassIndex(3);
        QCOMPARE(widget.shownDimensionNames(), QStringList({"dim 0"}));

        dataset.modalities.clear();
        widget.setDataset(std::make_shared<const niwt::Dataset>(dataset));
        widget.setClassIndex(0);
        QVERIFY(widget.shownDimensionNames().isEmpty());
        QVERIFY(!widget.plot()->isVisibleTo(&widget));
    }
};

QTEST_MAIN(AttributeProfileTest)
#include "widgets_attribute_profile_test.moc"
