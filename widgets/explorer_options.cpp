#include "widgets/explorer_options.h"

#include "core/pipeline/engine_info.h"

#include <QCommandLineParser>
#include <QCoreApplication>

namespace niwt::gui {

QString explorerVersionText() {
    return QStringLiteral("niwt-explorer %1 (Qt %2, LibTorch %3, OpenCV %4, device %5)")
        .arg(QString::fromStdString(niwt::niwtVersion()), QString::fromLatin1(qVersion()),
             QString::fromStdString(niwt::libtorchVersion()), QString::fromStdString(niwt::opencvVersion()),
             QString::fromStdString(niwt::engineDeviceName()));
}

ExplorerCommandLine parseExplorerCommandLine(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate(
        "niwt-explorer", "NIWT Explorer: browse zero-shot data sets and look inside networks."));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    const QCommandLineOption dataset(
        QStringLiteral("dataset"),
        QCoreApplication::translate("niwt-explorer",
                                    "Data set to open: fashion-mnist (default), cub:DIR, awa2:DIR or folder:DIR."),
        QStringLiteral("SPEC"), QStringLiteral("fashion-mnist"));
    const QCommandLineOption split(
        QStringLiteral("split"),
        QCoreApplication::translate("niwt-explorer", "Seen/unseen split to apply: xlsa17:DIR or classes:FILE."),
        QStringLiteral("SPEC"));
    const QCommandLineOption modality(
        QStringLiteral("modality"),
        QCoreApplication::translate("niwt-explorer", "Extra class-level modality NAME=csv:FILE (repeatable)."),
        QStringLiteral("SPEC"));
    const QCommandLineOption bundle(
        QStringLiteral("bundle"),
        QCoreApplication::translate("niwt-explorer", "Network bundle (directory or bundle.json) to use."),
        QStringLiteral("DIR_OR_FILE"));
    const QCommandLineOption noTrain(
        QStringLiteral("no-train"),
        QCoreApplication::translate("niwt-explorer", "Do not prepare (train) the default network."));
    const QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QCoreApplication::translate("niwt-explorer",
                                    "Once the window shows the data set, save it as a PNG to FILE and quit."),
        QStringLiteral("FILE"));
    const QCommandLineOption screenshotDir(
        QStringLiteral("screenshot-dir"),
        QCoreApplication::translate("niwt-explorer",
                                    "Once everything asked for has finished, save every panel as DIR/<panel>.png and "
                                    "the window as DIR/window.png, then quit (exit code 0 unless an error occurred)."),
        QStringLiteral("DIR"));
    const QCommandLineOption describe(
        QStringLiteral("describe"),
        QCoreApplication::translate("niwt-explorer",
                                    "Once the engine is prepared, learn a new class NAME from the description TEXT "
                                    "(the composer's caption) and show its ranked images, heat map and neurons."),
        QStringLiteral("NAME=TEXT"));
    const QCommandLineOption evaluate(
        QStringLiteral("evaluate"),
        QCoreApplication::translate("niwt-explorer",
                                    "Once the engine is prepared, also run the generalized zero-shot evaluation."));
    parser.addOptions({dataset, split, modality, bundle, noTrain, screenshot, screenshotDir, describe, evaluate});

    ExplorerCommandLine result;
    if (!parser.parse(arguments)) {
        result.action = ExplorerCommandLine::Action::Error;
        result.text = parser.errorText();
        return result;
    }
    if (parser.isSet(help) || parser.isSet(QStringLiteral("help-all"))) {
        result.action = ExplorerCommandLine::Action::ShowHelp;
        result.text = parser.helpText();
        // Without a QCoreApplication (help is answered before the GUI starts) Qt cannot name us.
        result.text.replace(QStringLiteral("<executable_name>"), QStringLiteral("niwt-explorer"));
        return result;
    }
    if (parser.isSet(version)) {
        result.action = ExplorerCommandLine::Action::ShowVersion;
        result.text = explorerVersionText();
        return result;
    }
    if (!parser.positionalArguments().isEmpty()) {
        result.action = ExplorerCommandLine::Action::Error;
        result.text = QCoreApplication::translate("niwt-explorer", "unexpected argument '%1'")
                          .arg(parser.positionalArguments().first());
        return result;
    }
    ExplorerOptions& options = result.options;
    options.dataset = parser.value(dataset).trimmed();
    if (options.dataset.isEmpty()) {
        result.action = ExplorerCommandLine::Action::Error;
        result.text = QCoreApplication::translate("niwt-explorer", "--dataset needs a non-empty SPEC");
        return result;
    }
    options.split = parser.value(split).trimmed();
    options.modalities = parser.values(modality);
    options.bundle = parser.value(bundle).trimmed();
    options.noTrain = parser.isSet(noTrain);
    options.restoreLastSession =
        !parser.isSet(dataset) && !parser.isSet(split) && !parser.isSet(modality) && !parser.isSet(bundle);
    options.screenshot = parser.value(screenshot).trimmed();
    const auto fail = [&result](const QString& message) {
        result.action = ExplorerCommandLine::Action::Error;
        result.text = message;
        return result;
    };
    if (parser.isSet(screenshot) && options.screenshot.isEmpty())
        return fail(QCoreApplication::translate("niwt-explorer", "--screenshot needs a non-empty FILE"));
    options.screenshotDir = parser.value(screenshotDir).trimmed();
    if (parser.isSet(screenshotDir) && options.screenshotDir.isEmpty())
        return fail(QCoreApplication::translate("niwt-explorer", "--screenshot-dir needs a non-empty DIR"));
    if (parser.isSet(describe)) {
        const QString value = parser.value(describe);
        const qsizetype equals = value.indexOf(QLatin1Char('='));
        options.describeName = equals < 0 ? QString() : value.left(equals).trimmed();
        options.describeCaption = equals < 0 ? QString() : value.mid(equals + 1).simplified();
        if (options.describeName.isEmpty() || options.describeCaption.isEmpty())
            return fail(
                QCoreApplication::translate("niwt-explorer", "--describe needs NAME=TEXT, both non-empty (got '%1')")
                    .arg(value));
    }
    options.evaluate = parser.isSet(evaluate);
    if ((!options.describeName.isEmpty() || options.evaluate) && options.noTrain && options.bundle.isEmpty())
        return fail(QCoreApplication::translate(
            "niwt-explorer", "--describe and --evaluate need a network: drop --no-train or give --bundle"));
    return result;
}

}  // namespace niwt::gui
