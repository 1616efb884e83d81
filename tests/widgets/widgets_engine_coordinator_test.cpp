// The explorer's one engine context: changes made in one go give one signal, an incomplete or
// unfitting context says why, and the same context is never announced twice.
#include "widget_test_support.h"
#include "widgets/engine_coordinator.h"

#include <QDir>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using niwt::EngineContext;
using niwt::gui::EngineCoordinator;

class EngineCoordinatorTest : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    // A network folder that exists (the coordinator reports one that does not).
    QString network(const QString& name) const {
        QDir(dir_.path()).mkpath(name);
        return dir_.filePath(name);
    }
    std::shared_ptr<const niwt::Dataset> cub() const {
        return std::make_shared<const niwt::Dataset>(niwt::test::smallDataset());
    }
    std::shared_ptr<const niwt::Dataset> fashion() const {
        auto d = niwt::test::smallDataset();
        d.kind = "fashion-mnist";
        d.spec = "fashion-mnist";
        return std::make_shared<const niwt::Dataset>(d);
    }

private slots:
    // A data set, a network and a stage set in one go: one contextChanged, with all three.
    void changesInOneGoGiveOneSignal() {
        EngineCoordinator engine;
        QSignalSpy changed(&engine, &EngineCoordinator::contextChanged);
        const auto data = cub();
        engine.setDataset(data);
        engine.setBundle(network(QStringLiteral("mobilenet_v2")));
        engine.setStage(QStringLiteral("block17"));
        QTRY_COMPARE(changed.count(), 1);
        QTest::qWait(20);
        QCOMPARE(changed.count(), 1);
        const auto context = changed.first().at(0).value<EngineContext>();
        QCOMPARE(context.dataset, data);
        QCOMPARE(context.bundle, network(QStringLiteral("mobilenet_v2")).toStdString());
        QCOMPARE(context.stage, std::string("block17"));
        // The same values again: nothing to prepare.
        engine.setStage(QStringLiteral("block17"));
        engine.applyNow();
        QCOMPARE(changed.count(), 1);
    }

    // CUB with the default network (trained on Fashion-MNIST only): not usable, and the reason
    // says that CUB needs a network and where to choose one.
    void theDefaultNetworkDoesNotFitAnotherDataSet() {
        EngineCoordinator engine;
        QSignalSpy changed(&engine, &EngineCoordinator::contextChanged);
        QSignalSpy unavailable(&engine, &EngineCoordinator::contextUnavailable);
        engine.setDataset(fashion());
        engine.setBundle(network(QStringLiteral("default-network-1")), true);
        engine.applyNow();
        QCOMPARE(changed.count(), 1);  // Fashion-MNIST with its default network: fine
        engine.setDataset(cub());
        engine.applyNow();
        QCOMPARE(changed.count(), 1);
        QCOMPARE(unavailable.count(), 1);
        const QString reason = unavailable.first().at(0).toString();
        QVERIFY2(reason.contains(QStringLiteral("cub needs a network")), qPrintable(reason));
        QVERIFY2(reason.contains(QStringLiteral("Open Network")), qPrintable(reason));
        QVERIFY(engine.needsNetwork());
        // A network chosen for it: usable again.
        engine.setBundle(network(QStringLiteral("mobilenet_v2")));
        engine.applyNow();
        QCOMPARE(changed.count(), 2);
        QVERIFY(!engine.needsNetwork());
    }

    // A stage names a layer of one network: another network starts at its own default.
    void anotherNetworkForgetsTheStage() {
        EngineCoordinator engine;
        engine.setDataset(cub());
        engine.setBundle(QStringLiteral("/models/a"));
        engine.setStage(QStringLiteral("block17"));
        engine.setBundle(QStringLiteral("/models/b"));
        QCOMPARE(engine.context().stage, std::string());
    }

    // A network path that does not exist: not prepared, and the reason names it.
    void aMissingNetworkIsNotPrepared() {
        EngineCoordinator engine;
        QSignalSpy changed(&engine, &EngineCoordinator::contextChanged);
        QSignalSpy unavailable(&engine, &EngineCoordinator::contextUnavailable);
        engine.setDataset(cub());
        engine.setBundle(dir_.filePath(QStringLiteral("gone")));
        engine.applyNow();
        QCOMPARE(changed.count(), 0);
        QCOMPARE(unavailable.count(), 1);
        QVERIFY(unavailable.first().at(0).toString().contains(dir_.filePath(QStringLiteral("gone"))));
    }

    void noDataSetSaysSo() {
        EngineCoordinator engine;
        QSignalSpy unavailable(&engine, &EngineCoordinator::contextUnavailable);
        engine.setBundle(QStringLiteral("/models/a"));
        engine.applyNow();
        QCOMPARE(unavailable.count(), 1);
        QVERIFY(unavailable.first().at(0).toString().contains(QStringLiteral("Open a data set")));
        QVERIFY(!engine.needsNetwork());  // no data set yet: nothing needs a network
    }

    // EngineContext's equality is by data set object, not spec: a data set opened again (maybe
    // with another split) is another context.
    void contextsCompareByDataSetObject() {
        EngineContext a, b;
        a.dataset = cub();
        b.dataset = cub();
        QVERIFY(a != b);
        b.dataset = a.dataset;
        QVERIFY(a == b);
        b.modality = "captions";
        QVERIFY(a != b);
        QCOMPARE(niwt::networkName("/models/mobilenet_v2/bundle.pt"), std::string("mobilenet_v2"));
        QCOMPARE(niwt::networkName("/models/mobilenet_v2/"), std::string("mobilenet_v2"));
    }
};

QTEST_GUILESS_MAIN(EngineCoordinatorTest)
#include "widgets_engine_coordinator_test.moc"
