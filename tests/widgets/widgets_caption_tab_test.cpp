// The class composer's Caption tab on a small in-memory CUB-like data set (no engine): the text is
// parsed once typing pauses (core/data/description_parser.h), the phrases understood are
// highlighted and listed with the attributes they set, the words not understood and the seen
// classes that filled the rest are named, a click on an attribute opens it in the Attributes tab,
// text the parser cannot use is refused with its reason, and "Learn with" switches the modality.
// The expected parses are computed with a DescriptionParser of the same data set where the value
// is the parser's business (its prior), and stated literally where the header documents it.
#include "widget_test_support.h"
#include "widgets/attribute_model.h"
#include "widgets/class_composer.h"

#include "core/data/description_parser.h"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTreeView>
#include <QTreeWidget>
#include <QtTest>

#include <algorithm>

using namespace niwt::gui;

namespace {

// Dimensions of the "attributes" modality: CUB-style part::value names.
const std::vector<std::string> kNames = {
    "has_crown_color::red",       // 0
    "has_crown_color::blue",      // 1
    "has_crown_color::black",     // 2
    "has_forehead_color::red",    // 3
    "has_forehead_color::black",  // 4
    "has_nape_color::red",        // 5
    "has_nape_color::black",      // 6
    "has_wing_color::red",        // 7
    "has_wing_color::blue",       // 8
    "has_wing_color::black",      // 9
    "has_back_color::black",      // 10
    "has_back_color::white",      // 11
    "has_bill_shape::cone",       // 12
    "has_bill_shape::dagger",     // 13
};
constexpr int kCrownRed = 0, kWingRed = 7, kWingBlack = 9;

// Three seen classes and one unseen, with rows like CUB's continuous attributes (percent of
// images showing the attribute), and a second modality without dimension names.
std::shared_ptr<const niwt::Dataset> smallCub(const QString& root) {
    auto d = std::make_shared<niwt::Dataset>();
    d->spec = "cub:" + root.toStdString();
    d->kind = "cub";
    // A folder without ../cub_descriptors: no class descriptions, so no "captions" to offer.
    d->root = root.toStdString();
    const char* names[] = {"001.Northern_Cardinal", "002.Blue_Jay", "003.American_Crow", "004.Red_headed_Woodpecker"};
    for (int i = 0; i < 4; ++i) {
        niwt::ClassInfo info;
        info.id = i + 1;
        info.name = names[i];
        info.seen = i < 3;
        d->classes.push_back(info);
    }
    niwt::Modality attributes;
    attributes.name = "attributes";
    attributes.dims = int(kNames.size());
    attributes.dimNames = kNames;
    attributes.values = {
        //  crown r/b/k     fore r/k   nape r/k   wing r/b/k      back k/w  bill cone/dagger
        80, 0,  5,  75, 5,  70, 5,  60, 0,  20, 10, 0,  85, 5,   // cardinal: red all over
        0,  85, 5,  0,  10, 0,  20, 0,  80, 15, 5,  40, 10, 40,  // blue jay
        0,  0,  90, 0,  90, 0,  90, 0,  0,  95, 90, 0,  5,  60,  // crow: black
        85, 0,  5,  85, 5,  80, 5,  0,  0,  70, 60, 20, 0,  80,  // woodpecker (unseen)
    };
    attributes.source = "test";
    d->modalities.push_back(attributes);
    niwt::Modality embedding;
    embedding.name = "embedding";
    embedding.dims = 3;
    embedding.values = {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0};
    embedding.source = "test";
    d->modalities.push_back(embedding);
    return d;
}

QTreeWidgetItem* phraseContaining(QTreeWidget* view, const QString& words) {
    for (int i = 0; i < view->topLevelItemCount(); ++i)
        if (view->topLevelItem(i)->text(0).contains(words)) return view->topLevelItem(i);
    return nullptr;
}

QStringList childNames(QTreeWidgetItem* phrase) {
    QStringList names;
    for (int i = 0; phrase && i < phrase->childCount(); ++i) names << phrase->child(i)->text(0);
    return names;
}

QTreeWidgetItem* childNamed(QTreeWidgetItem* phrase, const QString& name) {
    for (int i = 0; phrase && i < phrase->childCount(); ++i)
        if (phrase->child(i)->text(0) == name) return phrase->child(i);
    return nullptr;
}

int currentDimension(const ClassComposer& composer) {
    return composer.attributeView()->currentIndex().data(AttributeModel::DimensionRole).toInt();
}

}  // namespace

class CaptionTabTest : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    std::shared_ptr<const niwt::Dataset> dataset_;

private slots:
    void initTestCase() {
        niwt::test::isolateUserState(dir_);
        dataset_ = smallCub(dir_.filePath(QStringLiteral("CUB_200_2011")));
    }

    void parsesAsTypedAndListsWhatItUnderstood() {
        ClassComposer composer;
        composer.setDataset(dataset_);
        composer.resize(400, 560);  // about the dock's size: the attribute tree scrolls
        composer.show();
        QVERIFY(QTest::qWaitForWindowExposed(&composer));
        QCOMPARE(composer.captionKind(), ClassComposer::CaptionKind::Parsed);
        QVERIFY2(composer.parserError().isEmpty(), qPrintable(composer.parserError()));
        composer.setMode(ClassComposer::Mode::Caption);
        if (qEnvironmentVariableIsSet("NIWT_SIZES")) {
            for (QWidget* w : composer.findChildren<QWidget*>())
                if (w->minimumSizeHint().height() > 40 && w->isVisible())
                    qInfo("%s %s min %d hint %d", w->metaObject()->className(), qPrintable(w->objectName()),
                          w->minimumSizeHint().height(), w->sizeHint().height());
            qInfo("composer min %d", composer.minimumSizeHint().height());
        }

        const QString typed = QStringLiteral("a bird with a red head and black wings zzyzx");
        composer.captionEdit()->setFocus();
        QTest::keyClicks(composer.captionEdit(), typed);
        QCOMPARE(composer.captionEdit()->toPlainText(), typed);
        // Debounced: keyClicks never runs the event loop, so the single-shot timer has not fired
        // and nothing is listed yet.
        QCOMPARE(composer.phraseView()->topLevelItemCount(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(composer.phraseView()->topLevelItemCount() > 0, 2000);

        // What the widget shows is the parser's parse of exactly this text.
        const niwt::DescriptionParser parser(*dataset_, *dataset_->modality("attributes"));
        const niwt::DescriptionParse expected = parser.parse(typed.toStdString());
        QVERIFY2(expected.ok(), expected.problem.c_str());
        QCOMPARE(composer.captionParse().vector, expected.vector);
        QCOMPARE(composer.phraseView()->topLevelItemCount(), int(expected.phrases.size()));
        for (int i = 0; i < composer.phraseView()->topLevelItemCount(); ++i) {
            QTreeWidgetItem* phrase = composer.phraseView()->topLevelItem(i);
            qInfo("phrase \"%s\" sets %s", qPrintable(phrase->text(0)),
                  qPrintable(childNames(phrase).join(QStringLiteral(", "))));
        }
        qInfo("%s | %s", qPrintable(composer.unknownWordsLabel()->text()),
              qPrintable(composer.filledFromLabel()->text()));

        // "red head": the header documents head -> crown, forehead, nape, never the wings; the
        // readable names are "<part> color: <value>" (readableDimName).
        QTreeWidgetItem* redHead = phraseContaining(composer.phraseView(), QStringLiteral("red head"));
        QVERIFY2(redHead, qPrintable(composer.phraseView()->topLevelItem(0)->text(0)));
        const QStringList redHeadSets = childNames(redHead);
        QVERIFY2(redHeadSets.contains(QStringLiteral("crown color: red")),
                 qPrintable(redHeadSets.join(QStringLiteral("; "))));
        QCOMPARE(niwt::DescriptionParser::readableDimName(kNames[kCrownRed]), std::string("crown color: red"));
        QVERIFY(!redHeadSets.contains(QStringLiteral("wing color: red")));
        // "black wings" sets the wings' black, bound to the part it names.
        QTreeWidgetItem* blackWings = phraseContaining(composer.phraseView(), QStringLiteral("black wings"));
        QVERIFY(blackWings);
        QVERIFY(childNames(blackWings).contains(QStringLiteral("wing color: black")));
        // A child row carries its dimension and shows the parse's value of it.
        QTreeWidgetItem* crownRed = childNamed(redHead, QStringLiteral("crown color: red"));
        QCOMPARE(crownRed->data(0, Qt::UserRole).toInt(), kCrownRed);
        QCOMPARE(crownRed->text(1), QLocale().toString(double(expected.vector[kCrownRed]), 'g', 3));
        // Stated red on the crown: above the (lowered) other crown colours.
        QVERIFY(expected.vector[kCrownRed] > expected.vector[1]);

        // "zzyzx" is in no lexicon and no attribute name: listed; the understood words are not.
        const QString unknown = composer.unknownWordsLabel()->text();
        QVERIFY(composer.unknownWordsLabel()->isVisible());
        QVERIFY2(unknown.startsWith(QStringLiteral("Not understood: ")), qPrintable(unknown));
        QVERIFY2(unknown.contains(QStringLiteral("zzyzx")), qPrintable(unknown));
        for (const char* understood : {"red", "head", "black", "wings"})
            QVERIFY2(!unknown.contains(QRegularExpression(QStringLiteral("\\b%1\\b").arg(QLatin1String(understood)))),
                     qPrintable(unknown));
        // The seen classes that filled the rest, best first, by their display names.
        QStringList nearest;
        for (int c : expected.nearestSeenClasses) {
            QVERIFY(dataset_->classes[size_t(c)].seen);  // the prior uses seen classes only
            nearest << QString::fromStdString(dataset_->classes[size_t(c)].name)
                           .mid(4)
                           .replace(QLatin1Char('_'), QLatin1Char(' '));
        }
        QVERIFY(!nearest.isEmpty());
        QCOMPARE(composer.filledFromLabel()->text(),
                 QStringLiteral("Filled from: ") + nearest.join(QStringLiteral(", ")));

        // Highlights: one extra selection per phrase (a background) and per word not understood
        // (a wavy underline), over exactly their text.
        const auto selections = composer.captionEdit()->extraSelections();
        QCOMPARE(selections.size(), int(expected.phrases.size() + expected.unknownWords.size()));
        QCOMPARE(selections.front().cursor.selectedText(), QString::fromStdString(expected.phrases.front().text));
        QCOMPARE(selections.back().cursor.selectedText(), QStringLiteral("zzyzx"));
        QCOMPARE(selections.back().format.underlineStyle(), QTextCharFormat::WaveUnderline);

        // Clicking an attribute opens the Attributes tab with it current, holding the parse's
        // value; a search that hides it ("bill" matches only has_bill_shape) is cleared.
        composer.setMode(ClassComposer::Mode::Attributes);
        composer.searchEdit()->setText(QStringLiteral("bill"));
        composer.setMode(ClassComposer::Mode::Caption);
        composer.phraseView()->scrollToItem(crownRed);
        const QRect rect = composer.phraseView()->visualItemRect(crownRed);
        QVERIFY(rect.isValid());
        QTest::mouseClick(composer.phraseView()->viewport(), Qt::LeftButton, {}, rect.center());
        QCOMPARE(composer.mode(), ClassComposer::Mode::Attributes);
        QCOMPARE(composer.searchEdit()->text(), QString());
        QCOMPARE(currentDimension(composer), kCrownRed);
        QCOMPARE(composer.attributeModel()->value(kCrownRed), expected.vector[kCrownRed]);
        QCOMPARE(composer.attributeModel()->values(), expected.vector);
        const QModelIndex current = composer.attributeView()->currentIndex();
        QVERIFY(composer.attributeView()->isExpanded(current.parent()));  // its part's group is open
        // In view once the page's layout has run (the tab was hidden when it was scrolled to).
        QTRY_VERIFY(
            composer.attributeView()->viewport()->rect().contains(composer.attributeView()->visualRect(current)));
    }

    void attributeIsShownInsideAScrollingDock() {
        // The main window puts the composer in a scroll area shorter than the composer: the tree's
        // lower rows lie below the dock's edge, and showing an attribute must scroll that area too.
        QScrollArea area;
        auto* composer = new ClassComposer;  // owned by the area
        composer->setDataset(dataset_);
        area.setWidget(composer);
        area.setWidgetResizable(true);
        area.resize(400, 200);
        area.show();
        QVERIFY(QTest::qWaitForWindowExposed(&area));
        QVERIFY(composer->height() > area.viewport()->height());  // it does scroll
        composer->setMode(ClassComposer::Mode::Caption);
        const int dagger = 13;  // has_bill_shape::dagger, in the last group: the tree's lowest rows
        composer->showAttribute(dagger);
        QCOMPARE(composer->mode(), ClassComposer::Mode::Attributes);
        QCOMPARE(currentDimension(*composer), dagger);
        QTreeView* view = composer->attributeView();
        const auto rowCentreInDock = [&] {
            return view->viewport()->mapTo(area.viewport(), view->visualRect(view->currentIndex()).center());
        };
        qInfo("composer %d high, dock %d, tree at %d..%d, row at %d", composer->height(), area.viewport()->height(),
              view->mapTo(area.viewport(), QPoint(0, 0)).y(),
              view->mapTo(area.viewport(), QPoint(0, view->height())).y(), rowCentreInDock().y());
        QTRY_VERIFY2(
            area.viewport()->rect().contains(rowCentreInDock()),
            qPrintable(
                QStringLiteral("row at %1, dock %2 high").arg(rowCentreInDock().y()).arg(area.viewport()->height())));

        // What the parse shows (words not understood, classes that filled the rest) makes the
        // Caption page's minimum taller: the area must give the composer that much, never squeeze
        // the learned classes' list to nothing.
        composer->setMode(ClassComposer::Mode::Caption);
        composer->setCaption(QStringLiteral("a bird with a red head and black wings zzyzx"));
        QTRY_VERIFY2(
            composer->height() >= composer->minimumSizeHint().height(),
            qPrintable(QStringLiteral("%1 < %2").arg(composer->height()).arg(composer->minimumSizeHint().height())));
        const QListView* learned = composer->learnedView();
        QVERIFY(learned->height() >= std::min(learned->minimumSizeHint().height(), learned->maximumHeight()));
    }

    void highlightsCountCharactersNotBytes() {
        // "über" has a 2-byte ü: a byte offset used as a character position would start the
        // underline of "zzyzx" one character late ("zyzx:").
        ClassComposer composer;
        composer.setDataset(dataset_);
        composer.setMode(ClassComposer::Mode::Caption);
        composer.setCaption(QStringLiteral("über zzyzx: a red head"));  // parsed at once (set by the program)
        const auto selections = composer.captionEdit()->extraSelections();
        const auto zzyzx = std::find_if(selections.begin(), selections.end(), [](const QTextEdit::ExtraSelection& s) {
            return s.format.underlineStyle() == QTextCharFormat::WaveUnderline &&
                   s.cursor.selectedText().contains(QLatin1Char('y'));
        });
        QVERIFY(zzyzx != selections.end());
        QCOMPARE(zzyzx->cursor.selectedText(), QStringLiteral("zzyzx"));
        QCOMPARE(zzyzx->cursor.selectionStart(), 5);  // "über " is 5 characters (6 bytes)
        QVERIFY(phraseContaining(composer.phraseView(), QStringLiteral("red head")));
    }

    void textWithoutMeaningIsRefusedWithItsReason() {
        ClassComposer composer;
        composer.setDataset(dataset_);
        composer.setMode(ClassComposer::Mode::Caption);
        const niwt::DescriptionParser parser(*dataset_, *dataset_->modality("attributes"));

        // Empty: the parser's problem is shown, no vector, Learn disabled, the editor untouched.
        composer.setCaption(QString());
        const std::string emptyProblem = parser.parse("").problem;
        QVERIFY(!emptyProblem.empty());
        QVERIFY(!composer.captionParse().ok());
        QVERIFY2(composer.statusLabel()->text().contains(QString::fromStdString(emptyProblem)),
                 qPrintable(composer.statusLabel()->text()));
        QVERIFY(!composer.learnAction()->isEnabled());
        QVERIFY(!composer.fillAttributesFromCaption());
        QCOMPARE(composer.attributeModel()->values(), std::vector<float>(kNames.size(), 0.0f));

        // Only words not understood: the same, with the parser's other reason.
        composer.setCaption(QStringLiteral("zzyzx qwxv"));
        const niwt::DescriptionParse nonsense = parser.parse("zzyzx qwxv");
        QVERIFY(!nonsense.ok());
        QVERIFY2(composer.statusLabel()->text().contains(QString::fromStdString(nonsense.problem)),
                 qPrintable(composer.statusLabel()->text()));
        QVERIFY(composer.unknownWordsLabel()->text().contains(QStringLiteral("zzyzx, qwxv")));
        // (Learn would be disabled without an engine too; widgets_class_composer_test checks the
        // refusal on a prepared one.)
        QVERIFY(!composer.learnAction()->isEnabled());

        // Understood text: the editor gets the parse's vector, never zeros.
        composer.setCaption(QStringLiteral("black wings"));
        QVERIFY(composer.fillAttributesFromCaption());
        QCOMPARE(composer.attributeModel()->values(), parser.parse("black wings").vector);
        QVERIFY(composer.attributeModel()->value(kWingBlack) > composer.attributeModel()->value(kWingRed));
    }

    void learnWithChoosesTheModality() {
        ClassComposer composer;
        composer.setDataset(dataset_);
        // The data set's two modalities; no "captions" (no cub_descriptors beside the data set).
        QCOMPARE(ClassComposer::learningModalities(*dataset_), (QStringList{"attributes", "embedding"}));
        QComboBox* box = composer.learnWithBox();
        QCOMPARE(box->count(), 2);
        QCOMPARE(box->currentData().toString(), QStringLiteral("attributes"));
        QVERIFY(box->isEnabled());
        composer.setMode(ClassComposer::Mode::Caption);
        composer.setCaption(QStringLiteral("a red head"));
        QVERIFY(composer.captionParse().ok());

        // Chosen by the user: announced (the window prepares the engine again) and applied here.
        QSignalSpy changed(&composer, &ClassComposer::learningModalityChanged);
        box->setCurrentIndex(1);
        emit box->activated(1);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.first().at(0).toString(), QStringLiteral("embedding"));
        QCOMPARE(composer.learningModality(), QStringLiteral("embedding"));
        // No dimension names: text cannot be mapped; the tab says so and names the way out.
        QCOMPARE(composer.captionKind(), ClassComposer::CaptionKind::Unmappable);
        QVERIFY(!composer.captionParse().ok());
        QVERIFY(composer.phraseView()->isHidden());
        QVERIFY2(composer.statusLabel()->text().contains(QStringLiteral("cannot be mapped")),
                 qPrintable(composer.statusLabel()->text()));
        QVERIFY2(composer.statusLabel()->text().contains(QStringLiteral("choose attributes")),
                 qPrintable(composer.statusLabel()->text()));
        QVERIFY(!composer.learnAction()->isEnabled());
        QCOMPARE(composer.attributeModel()->dims(), 3);  // the editor edits the embedding now

        // Back to attributes: the same text is parsed again.
        QVERIFY(composer.setLearningModality(QStringLiteral("attributes")));
        QVERIFY(composer.captionParse().ok());
        QVERIFY(!composer.setLearningModality(QStringLiteral("no-such-modality")));
        QCOMPARE(composer.learningModality(), QStringLiteral("attributes"));
    }
};

QTEST_MAIN(CaptionTabTest)
#include "widgets_caption_tab_test.moc"
