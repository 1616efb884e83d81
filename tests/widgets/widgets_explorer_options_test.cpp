// niwt-explorer's command line: defaults, every option, --help/--version, and errors.
#include "core/pipeline/engine_info.h"
#include "widgets/explorer_options.h"

#include <QtTest>

using niwt::gui::ExplorerCommandLine;
using niwt::gui::parseExplorerCommandLine;

class ExplorerOptionsTest : public QObject {
    Q_OBJECT

private slots:
    void defaultsOpenTheEmbeddedDataSetAndTrain() {
        // No arguments: the embedded Fashion-MNIST, no split or bundle, the default network trained,
        // unless the last session is restored (it is: nothing on the command line says otherwise).
        const ExplorerCommandLine result = parseExplorerCommandLine({QStringLiteral("niwt-explorer")});
        QCOMPARE(result.action, ExplorerCommandLine::Action::Run);
        QCOMPARE(result.options.dataset, QStringLiteral("fashion-mnist"));
        QVERIFY(result.options.split.isEmpty());
        QVERIFY(result.options.bundle.isEmpty());
        QVERIFY(!result.options.noTrain);
        QVERIFY(result.options.screenshot.isEmpty());
        QVERIFY(result.options.restoreLastSession);
    }

    void aDataSetOrBundleOnTheCommandLineWinsOverTheLastSession() {
        for (const QStringList& args : {QStringList{"niwt-explorer", "--dataset", "fashion-mnist"},
                                        QStringList{"niwt-explorer", "--bundle", "/nets/a"},
                                        QStringList{"niwt-explorer", "--split", "classes:/u.txt"}})
            QVERIFY2(!parseExplorerCommandLine(args).options.restoreLastSession,
                     qPrintable(args.join(QLatin1Char(' '))));
        QVERIFY(parseExplorerCommandLine({"niwt-explorer", "--no-train"}).options.restoreLastSession);
    }

    void everyOptionIsRead() {
        const ExplorerCommandLine result = parseExplorerCommandLine(
            {"niwt-explorer", "--dataset", "cub:/data/CUB_200_2011", "--split", "xlsa17:/data/xlsa17/CUB", "--modality",
             "w2v=csv:/a.csv", "--modality", "glove=csv:/b.csv", "--bundle", "/nets/resnet", "--no-train",
             "--screenshot", "/tmp/shot.png"});
        QCOMPARE(result.action, ExplorerCommandLine::Action::Run);
        QCOMPARE(result.options.dataset, QStringLiteral("cub:/data/CUB_200_2011"));
        QCOMPARE(result.options.split, QStringLiteral("xlsa17:/data/xlsa17/CUB"));
        QCOMPARE(result.options.modalities, QStringList({"w2v=csv:/a.csv", "glove=csv:/b.csv"}));
        QCOMPARE(result.options.bundle, QStringLiteral("/nets/resnet"));
        QVERIFY(result.options.noTrain);
        QCOMPARE(result.options.screenshot, QStringLiteral("/tmp/shot.png"));
    }

    void automationOptionsAreRead() {
        // --describe NAME=TEXT splits at the first '=' (the text may hold more), trims the name and
        // simplifies the text; --screenshot-dir and --evaluate are read; all make a run automated
        // only with a screenshot to take.
        const ExplorerCommandLine result = parseExplorerCommandLine(
            {"niwt-explorer", "--describe", "  Red-headed guess = a bird with a  red head, x=y ", "--screenshot-dir",
             " /tmp/shots ", "--evaluate"});
        QCOMPARE(result.action, ExplorerCommandLine::Action::Run);
        QCOMPARE(result.options.describeName, QStringLiteral("Red-headed guess"));
        QCOMPARE(result.options.describeCaption, QStringLiteral("a bird with a red head, x=y"));
        QCOMPARE(result.options.screenshotDir, QStringLiteral("/tmp/shots"));
        QVERIFY(result.options.evaluate);
        QVERIFY(result.options.automated());

        const ExplorerCommandLine plain = parseExplorerCommandLine({"niwt-explorer", "--describe", "A=b c"});
        QCOMPARE(plain.action, ExplorerCommandLine::Action::Run);
        QVERIFY(!plain.options.automated());  // an interactive demo: the window stays open
        QVERIFY(!plain.options.evaluate);
        QVERIFY(parseExplorerCommandLine({"niwt-explorer", "--screenshot", "/tmp/a.png"}).options.automated());
        QVERIFY(!parseExplorerCommandLine({"niwt-explorer"}).options.automated());
    }

    void badAutomationOptionsAreErrors() {
        for (const char* bad : {"no equals sign", "=text without a name", "Name=", "  =  ", "Name=   "}) {
            const ExplorerCommandLine result = parseExplorerCommandLine({"niwt-explorer", "--describe", bad});
            QVERIFY2(result.action == ExplorerCommandLine::Action::Error, bad);
            QVERIFY2(result.text.contains(QStringLiteral("--describe")), qPrintable(result.text));
        }
        QCOMPARE(parseExplorerCommandLine({"niwt-explorer", "--screenshot-dir", "  "}).action,
                 ExplorerCommandLine::Action::Error);
        QCOMPARE(parseExplorerCommandLine({"niwt-explorer", "--screenshot", ""}).action,
                 ExplorerCommandLine::Action::Error);
        QCOMPARE(parseExplorerCommandLine({"niwt-explorer", "--screenshot-dir"}).action,
                 ExplorerCommandLine::Action::Error);  // missing value
        // Learning and evaluating need a network: the default one (trained) or --bundle.
        QCOMPARE(parseExplorerCommandLine({"niwt-explorer", "--no-train", "--describe", "A=b"}).action,
                 ExplorerCommandLine::Action::Error);
        QCOMPARE(parseExplorerCommandLine({"niwt-explorer", "--no-train", "--evaluate"}).action,
                 ExplorerCommandLine::Action::Error);
        QCOMPARE(parseExplorerCommandLine({"niwt-explorer", "--no-train", "--bundle", "/n", "--evaluate"}).action,
                 ExplorerCommandLine::Action::Run);
    }

    void helpAndVersionAreTexts() {
        // --help lists the options; --version names the program version and the libraries.
        const ExplorerCommandLine help = parseExplorerCommandLine({"niwt-explorer", "--help"});
        QCOMPARE(help.action, ExplorerCommandLine::Action::ShowHelp);
        for (const char* option : {"--dataset", "--split", "--bundle", "--no-train", "--screenshot", "--screenshot-dir",
                                   "--describe", "--evaluate"})
            QVERIFY2(help.text.contains(QLatin1String(option)), option);
        const ExplorerCommandLine version = parseExplorerCommandLine({"niwt-explorer", "--version"});
        QCOMPARE(version.action, ExplorerCommandLine::Action::ShowVersion);
        QVERIFY(version.text.contains(QString::fromStdString(niwt::niwtVersion())));
        QVERIFY(version.text.contains(QString::fromStdString(niwt::libtorchVersion())));
    }

    void mistakesAreErrors() {
        // Unknown options, missing values and stray arguments are reported, not ignored.
        QCOMPARE(parseExplorerCommandLine({"niwt-explorer", "--bogus"}).action, ExplorerCommandLine::Action::Error);
        QCOMPARE(parseExplorerCommandLine({"niwt-explorer", "--dataset"}).action, ExplorerCommandLine::Action::Error);
        const ExplorerCommandLine stray = parseExplorerCommandLine({"niwt-explorer", "stray"});
        QCOMPARE(stray.action, ExplorerCommandLine::Action::Error);
        QVERIFY(stray.text.contains(QStringLiteral("stray")));
    }
};

QTEST_GUILESS_MAIN(ExplorerOptionsTest)
#include "widgets_explorer_options_test.moc"
