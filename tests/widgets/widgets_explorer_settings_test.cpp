// The window's typed settings (widgets/explorer_settings.h) in a temporary QSettings store: every
// field round-trips, absent keys give the defaults, the stored keys and formats are those the
// window wrote before (so a user's settings still load), and wrong-typed values give the defaults.
#include "widget_test_support.h"
#include "widgets/explorer_settings.h"

#include <QSettings>
#include <QtTest>

using niwt::gui::DatasetRequest;
using niwt::gui::ExplorerSettings;
using niwt::gui::Theme;

namespace {
QSettings rawSettings() {
    return QSettings(QString::fromLatin1(niwt::gui::kSettingsOrganisation),
                     QString::fromLatin1(niwt::gui::kSettingsApplication));
}

DatasetRequest cubRequest() {
    DatasetRequest request;
    request.spec = QStringLiteral("cub:/data/CUB_200_2011");
    request.split = QStringLiteral("xlsa17:/data/xlsa17/CUB");
    request.modalities = {QStringLiteral("w2v=csv:/data/w2v.csv")};
    return request;
}

DatasetRequest fashionRequest() {
    DatasetRequest request;
    request.spec = QStringLiteral("fashion-mnist");
    return request;
}
}  // namespace

class ExplorerSettingsTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { niwt::test::isolateUserState(dir_); }

    void init() {
        QSettings settings = rawSettings();
        settings.clear();
        settings.sync();
    }

    void absentKeysGiveTheDefaults() {
        const ExplorerSettings settings;
        QVERIFY(settings.geometry().isEmpty());
        QVERIFY(settings.windowState().isEmpty());
        QCOMPARE(settings.theme(), Theme::Light);
        QVERIFY(settings.recentDatasets().isEmpty());
        QVERIFY(settings.recentNetworks().isEmpty());
        QVERIFY(settings.browserModality().isEmpty());
        QCOMPARE(settings.showEmptyClasses(), false);
        QVERIFY(settings.defaultBundleDir().isEmpty());
        QVERIFY(!settings.lastDataset().isValid());
        QVERIFY(settings.lastBundle().isEmpty());
        QVERIFY(settings.lastStage().isEmpty());
        QVERIFY(settings.learningModalities().isEmpty());
    }

    void everyFieldRoundTrips_data() {
        QTest::addColumn<int>("listLength");
        // One entry matters: the INI format reads a one-element list back as a plain string.
        QTest::newRow("one entry") << 1;
        QTest::newRow("two entries") << 2;
    }

    void everyFieldRoundTrips() {
        QFETCH(int, listLength);
        const QByteArray geometry("\x01\xd9\xd0\xcb\x00\x03geometry", 14);
        const QByteArray state("\x00\x00\x00\xff\x00state", 10);
        const QList<DatasetRequest> recent = listLength == 1 ? QList<DatasetRequest>{cubRequest()}
                                                             : QList<DatasetRequest>{cubRequest(), fashionRequest()};
        const QStringList networks = listLength == 1
                                         ? QStringList{QStringLiteral("/nets/mobilenet_v2")}
                                         : QStringList{QStringLiteral("/nets/a/bundle.pt"), QStringLiteral("/nets/b")};
        QMap<QString, QString> modalities{{QStringLiteral("cub:/data/CUB_200_2011"), QStringLiteral("captions")}};
        if (listLength == 2) modalities.insert(QStringLiteral("fashion-mnist"), QStringLiteral("attributes"));
        {
            ExplorerSettings settings;
            settings.setGeometry(geometry);
            settings.setWindowState(state);
            settings.setTheme(Theme::Dark);
            settings.setRecentDatasets(recent);
            settings.setRecentNetworks(networks);
            settings.setBrowserModality(QStringLiteral("w2v"));
            settings.setShowEmptyClasses(true);
            settings.setDefaultBundleDir(QStringLiteral("/cache/default-network-1234"));
            settings.setLastDataset(cubRequest());
            settings.setLastBundle(QStringLiteral("/nets/mobilenet_v2"));
            settings.setLastStage(QStringLiteral("block17"));
            settings.setLearningModalities(modalities);
            settings.sync();
        }
        const ExplorerSettings settings;  // a new object: read from the file
        QCOMPARE(settings.geometry(), geometry);
        QCOMPARE(settings.windowState(), state);
        QCOMPARE(settings.theme(), Theme::Dark);
        QCOMPARE(settings.recentDatasets(), recent);
        QCOMPARE(settings.recentNetworks(), networks);
        QCOMPARE(settings.browserModality(), QStringLiteral("w2v"));
        QCOMPARE(settings.showEmptyClasses(), true);
        QCOMPARE(settings.defaultBundleDir(), QStringLiteral("/cache/default-network-1234"));
        QCOMPARE(settings.lastDataset(), cubRequest());
        QCOMPARE(settings.lastBundle(), QStringLiteral("/nets/mobilenet_v2"));
        QCOMPARE(settings.lastStage(), QStringLiteral("block17"));
        QCOMPARE(settings.learningModalities(), modalities);

        ExplorerSettings cleared;
        cleared.setShowEmptyClasses(false);
        cleared.setRecentNetworks({});
        cleared.setRecentDatasets({});
        cleared.setTheme(Theme::Light);
        cleared.sync();
        const ExplorerSettings reread;
        QCOMPARE(reread.showEmptyClasses(), false);
        QVERIFY(reread.recentNetworks().isEmpty());
        QVERIFY(reread.recentDatasets().isEmpty());
        QCOMPARE(reread.theme(), Theme::Light);
    }

    void settingsWrittenByEarlierVersionsStillLoad() {
        // The keys and value types MainWindow wrote by hand before ExplorerSettings existed.
        {
            QSettings settings = rawSettings();
            settings.setValue(QStringLiteral("window/geometry"), QByteArray("geo"));
            settings.setValue(QStringLiteral("window/state"), QByteArray("state"));
            settings.setValue(QStringLiteral("appearance/theme"), QStringLiteral("dark"));
            settings.setValue(QStringLiteral("datasets/recent"),
                              QVariantList{cubRequest().toVariant(), fashionRequest().toVariant(), QVariant()});
            settings.setValue(QStringLiteral("networks/recent"), QStringList{QStringLiteral("/nets/a")});
            settings.setValue(QStringLiteral("browser/modality"), QStringLiteral("attributes"));
            settings.setValue(QStringLiteral("browser/showEmptyClasses"), true);
            settings.setValue(QStringLiteral("network/defaultBundleDir"), QStringLiteral("/cache/dn"));
            settings.setValue(QStringLiteral("session/dataset"), fashionRequest().toVariant());
            settings.setValue(QStringLiteral("session/bundle"), QString());
            settings.setValue(QStringLiteral("session/stage"), QStringLiteral("conv2"));
            settings.setValue(QStringLiteral("session/learningModalities"),
                              QVariantMap{{QStringLiteral("fashion-mnist"), QStringLiteral("attributes")}});
            settings.sync();
        }
        const ExplorerSettings settings;
        QCOMPARE(settings.geometry(), QByteArray("geo"));
        QCOMPARE(settings.windowState(), QByteArray("state"));
        QCOMPARE(settings.theme(), Theme::Dark);
        QCOMPARE(settings.recentDatasets(), (QList<DatasetRequest>{cubRequest(), fashionRequest()}));
        QCOMPARE(settings.recentNetworks(), QStringList{QStringLiteral("/nets/a")});
        QCOMPARE(settings.browserModality(), QStringLiteral("attributes"));
        QCOMPARE(settings.showEmptyClasses(), true);
        QCOMPARE(settings.defaultBundleDir(), QStringLiteral("/cache/dn"));
        QCOMPARE(settings.lastDataset(), fashionRequest());
        QVERIFY(settings.lastBundle().isEmpty());
        QCOMPARE(settings.lastStage(), QStringLiteral("conv2"));
        QCOMPARE(settings.learningModalities(),
                 (QMap<QString, QString>{{QStringLiteral("fashion-mnist"), QStringLiteral("attributes")}}));

        // And ExplorerSettings writes the same keys and types back.
        ExplorerSettings writer;
        writer.setRecentNetworks({QStringLiteral("/nets/b"), QStringLiteral("/nets/c")});
        writer.setDefaultBundleDir(QStringLiteral("/cache/other"));
        writer.sync();
        const QSettings raw = rawSettings();
        QCOMPARE(raw.value(QStringLiteral("networks/recent")).toStringList(),
                 (QStringList{QStringLiteral("/nets/b"), QStringLiteral("/nets/c")}));
        QCOMPARE(raw.value(QStringLiteral("network/defaultBundleDir")).toString(), QStringLiteral("/cache/other"));
        QCOMPARE(raw.value(QStringLiteral("appearance/theme")).toString(), QStringLiteral("dark"));
    }

    void wrongTypedValuesGiveTheDefaults() {
        {
            QSettings settings = rawSettings();
            settings.setValue(QStringLiteral("window/geometry"), QVariantList{1, 2});
            settings.setValue(QStringLiteral("window/state"), QVariantMap{{QStringLiteral("a"), 1}});
            settings.setValue(QStringLiteral("appearance/theme"),
                              QStringList{QStringLiteral("dark"), QStringLiteral("x")});
            settings.setValue(QStringLiteral("datasets/recent"),
                              QStringLiteral("fashion-mnist"));  // a string, not a list
            settings.setValue(QStringLiteral("networks/recent"),
                              QVariantMap{{QStringLiteral("a"), QStringLiteral("/n")}});
            settings.setValue(QStringLiteral("browser/modality"),
                              QStringList{QStringLiteral("a"), QStringLiteral("b")});
            settings.setValue(QStringLiteral("browser/showEmptyClasses"), QStringLiteral("maybe"));
            settings.setValue(QStringLiteral("network/defaultBundleDir"), QVariantList{1, 2, 3});
            settings.setValue(QStringLiteral("session/dataset"), QStringLiteral("fashion-mnist"));  // not a map
            settings.setValue(QStringLiteral("session/bundle"), QVariantMap{{QStringLiteral("a"), 1}});
            settings.setValue(QStringLiteral("session/stage"), QStringList{QStringLiteral("a"), QStringLiteral("b")});
            settings.setValue(QStringLiteral("session/learningModalities"), QStringLiteral("attributes"));
            settings.sync();
        }
        const ExplorerSettings settings;
        QVERIFY(settings.geometry().isEmpty());
        QVERIFY(settings.windowState().isEmpty());
        QCOMPARE(settings.theme(), Theme::Light);
        QVERIFY(settings.recentDatasets().isEmpty());
        QVERIFY(settings.recentNetworks().isEmpty());
        QVERIFY(settings.browserModality().isEmpty());
        QCOMPARE(settings.showEmptyClasses(), false);
        QVERIFY(settings.defaultBundleDir().isEmpty());
        QVERIFY(!settings.lastDataset().isValid());
        QVERIFY(settings.lastBundle().isEmpty());
        QVERIFY(settings.lastStage().isEmpty());
        QVERIFY(settings.learningModalities().isEmpty());

        // A list holding something other than paths is not a list of networks.
        {
            QSettings raw = rawSettings();
            raw.setValue(QStringLiteral("networks/recent"), QVariantList{QStringLiteral("/n"), QVariantMap{}});
            raw.sync();
        }
        QVERIFY(ExplorerSettings().recentNetworks().isEmpty());
    }

private:
    QTemporaryDir dir_;
};

QTEST_MAIN(ExplorerSettingsTest)
#include "widgets_explorer_settings_test.moc"
