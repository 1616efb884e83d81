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
        // No arguments: the embedded Fashion-MNIST, no split or bundle, the default network trained.
        const ExplorerCommandLine result = parseExplorerCommandLine({QStringLiteral("niwt-explorer")});
        QCOMPARE(result.action, ExplorerCommandLine::Action::Run);
        QCOMPARE(result.options.dataset, QStringLiteral("fashion-mnist"));
        QVERIFY(result.options.split.isEmpty());
        QVERIFY(result.options.bundle.isEmpty());
        QVERIFY(!result.options.noTrain);
        QVERIFY(result.options.screenshot.isEmpty());
    }

    void everyOptionIsRead() {
        const ExplorerCommandLine result = parseExplorerCommandLine(
            {"niwt-explorer", "--dataset", "cub:/data/CUB_200_2011", "--split", "xlsa17:/data/xlsa17/CUB",
             "--modality", "w2v=csv:/a.csv", "--modality", "glove=csv:/b.csv", "--bundle", "/nets/resnet",
             "--no-train", "--screenshot", "/tmp/shot.png"});
        QCOMPARE(result.action, ExplorerCommandLine::Action::Run);
        QCOMPARE(result.options.dataset, QStringLiteral("cub:/data/CUB_200_2011"));
        QCOMPARE(result.options.split, QStringLiteral("xlsa17:/data/xlsa17/CUB"));
        QCOMPARE(result.options.modalities, QStringList({"w2v=csv:/a.csv", "glove=csv:/b.csv"}));
        QCOMPARE(result.options.bundle, QStringLiteral("/nets/resnet"));
        QVERIFY(result.options.noTrain);
        QCOMPARE(result.options.screenshot, QStringLiteral("/tmp/shot.png"));
    }

    void helpAndVersionAreTexts() {
        // --help lists the options; --version names the program version and the libraries.
        const ExplorerCommandLine help = parseExplorerCommandLine({"niwt-explorer", "--help"});
        QCOMPARE(help.action, ExplorerCommandLine::Action::ShowHelp);
        for (const char* option : {"--dataset", "--split", "--bundle", "--no-train", "--screenshot"})
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
