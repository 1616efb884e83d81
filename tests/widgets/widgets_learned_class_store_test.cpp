// Learned classes kept between sessions (widgets/learned_class_store.h): a save/load round trip
// gives back every field, and bad files (corrupt, foreign, out-of-range images) are refused with a
// message naming the file, leaving an empty list.
#include "widget_test_support.h"
#include "widgets/learned_class_store.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace niwt;
using namespace niwt::gui;

namespace {

LearnedClassEntry entry(const std::string& name, float scale, int images) {
    LearnedClassEntry e;
    e.caption = QStringLiteral("a bird with a red head");
    LearnedClass& c = e.result;
    c.name = name;
    c.classVector = {0.5f * scale, 0.f, 1.25f};
    c.weight = {1.f * scale, -2.5f, 0.125f, 3.f};
    c.bias = -0.75f * scale;
    c.iterations = 14;
    c.converged = true;
    c.loss = 0.15;
    c.cosineLoss = 0.14;
    c.l2Loss = 0.01;
    c.seconds = 0.06;
    c.mod2alphaValidationCosineDistance = 0.3;
    for (int i = 0; i < images; ++i) c.ranking.push_back({images - 1 - i, float(images - i)});
    return e;
}

}  // namespace

class LearnedClassStoreTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { test::isolateUserState(dir_); }

    void fileNameDependsOnDataSetAndBundle() {
        const QString a = learnedClassesFile(QStringLiteral("cub:/data"), QStringLiteral("/models/a"));
        QCOMPARE(a, learnedClassesFile(QStringLiteral("cub:/data"), QStringLiteral("/models/a")));
        QVERIFY(a != learnedClassesFile(QStringLiteral("cub:/data"), QStringLiteral("/models/b")));
        QVERIFY(a != learnedClassesFile(QStringLiteral("cub:/other"), QStringLiteral("/models/a")));
        QVERIFY(a.startsWith(dir_.filePath(QStringLiteral("config"))));  // under $XDG_CONFIG_HOME
    }

    // Every stored field comes back; the ranking is cut to kStoredRanking entries.
    void roundTripKeepsEveryField() {
        const QString path = dir_.filePath(QStringLiteral("round.json"));
        QVector<LearnedClassEntry> saved = {entry("red head", 1, 3), entry("long tail", 2, kStoredRanking + 20)};
        saved[1].result.alpha2wMode = "full";  // refined in the full weight space
        saved[1].result.spanCosineLoss = 0.25;
        QString error;
        QVERIFY2(saveLearnedClasses(path, QStringLiteral("cub:/d"), QStringLiteral("/b"), saved, &error),
                 qPrintable(error));
        const auto loaded = loadLearnedClasses(path, QStringLiteral("cub:/d"), QStringLiteral("/b"), 10000, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(loaded.size(), 2);
        for (int i = 0; i < 2; ++i) {
            const LearnedClass& a = saved[i].result;
            const LearnedClass& b = loaded[i].result;
            QCOMPARE(b.name, a.name);
            QCOMPARE(loaded[i].caption, saved[i].caption);
            QCOMPARE(b.classVector, a.classVector);  // exact: these values are binary fractions
            QCOMPARE(b.weight, a.weight);
            QCOMPARE(b.bias, a.bias);
            QCOMPARE(b.iterations, a.iterations);
            QCOMPARE(b.converged, a.converged);
            QCOMPARE(b.loss, a.loss);
            QCOMPARE(b.mod2alphaValidationCosineDistance, a.mod2alphaValidationCosineDistance);
            QCOMPARE(b.alpha2wMode, a.alpha2wMode);
            QCOMPARE(b.spanCosineLoss, a.spanCosineLoss);
            QCOMPARE(int(b.ranking.size()), std::min<int>(int(a.ranking.size()), kStoredRanking));
            QCOMPARE(b.ranking.front().image, a.ranking.front().image);
            QCOMPARE(b.ranking.front().score, a.ranking.front().score);
        }
    }

    void missingFileIsAnEmptyListWithoutError() {
        QString error;
        QVERIFY(loadLearnedClasses(dir_.filePath(QStringLiteral("none.json")), QStringLiteral("s"), QStringLiteral("b"),
                                   10, &error)
                    .isEmpty());
        QVERIFY(error.isEmpty());
    }

    void badFilesAreRefusedByName() {
        const QString path = dir_.filePath(QStringLiteral("bad.json"));
        QString error;
        // Corrupt: the first half of a valid file.
        QVERIFY(saveLearnedClasses(path, QStringLiteral("s"), QStringLiteral("/b"), {entry("x", 1, 3)}, &error));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray whole = file.readAll();
        file.close();
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(whole.left(whole.size() / 2));
        file.close();
        QVERIFY(loadLearnedClasses(path, QStringLiteral("s"), QStringLiteral("/b"), 10, &error).isEmpty());
        QVERIFY2(error.contains(path) && error.contains(QStringLiteral("corrupt")), qPrintable(error));

        // Another data set's file.
        QVERIFY(saveLearnedClasses(path, QStringLiteral("s"), QStringLiteral("/b"), {entry("x", 1, 3)}, &error));
        error.clear();
        QVERIFY(loadLearnedClasses(path, QStringLiteral("other"), QStringLiteral("/b"), 10, &error).isEmpty());
        QVERIFY2(error.contains(QStringLiteral("another data set")), qPrintable(error));

        // A ranking naming image 2 in a data set of 2 images (0 and 1).
        error.clear();
        QVERIFY(loadLearnedClasses(path, QStringLiteral("s"), QStringLiteral("/b"), 2, &error).isEmpty());
        QVERIFY2(error.contains(QStringLiteral("\"x\"")), qPrintable(error));
    }

    // A save that cannot happen (the folder is a file) reports it and leaves nothing half-written.
    void unwritablePlaceIsReported() {
        const QString blocker = dir_.filePath(QStringLiteral("blocker"));
        QFile f(blocker);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        QString error;
        QVERIFY(!saveLearnedClasses(blocker + QStringLiteral("/x.json"), QStringLiteral("s"), QStringLiteral("/b"),
                                    {entry("x", 1, 1)}, &error));
        QVERIFY2(error.contains(blocker), qPrintable(error));
    }

    // Found with fuzz/fuzz_learned_class_store: numbers beyond int or float range were narrowed by
    // nlohmann's get<int>()/get<float>() (undefined behaviour; in practice iterations 1e300 loaded
    // as -2147483648 and a ranking score 1e300 as inf). Both files are now refused by name.
    void numbersOutOfRangeAreRefused() {
        const auto file = [](const char* fields) {
            return QByteArray(R"({"format": "niwt-learned-classes/1", "dataset": "s", "bundle": "/b", "classes": [)"
                              R"({"name": "x", "class_vector": [1], "weight": [1, 2], "bias": 0, )") +
                   fields + "}]}";
        };
        const QString path = QStringLiteral("/fuzz/learned.json");
        QString error;
        // The same file with in-range numbers loads (so the refusals below are about the numbers).
        QCOMPARE(parseLearnedClasses(file(R"("iterations": 3, "ranking": [[1, 2.5]])"), path, QStringLiteral("s"),
                                     QStringLiteral("/b"), 10, &error)
                     .size(),
                 1);
        QVERIFY2(error.isEmpty(), qPrintable(error));

        QVERIFY(parseLearnedClasses(file(R"("iterations": 1e300)"), path, QStringLiteral("s"), QStringLiteral("/b"), 10,
                                    &error)
                    .isEmpty());
        QVERIFY2(error.startsWith(path + QStringLiteral(": corrupt")) && error.contains(QStringLiteral("iterations")),
                 qPrintable(error));
        error.clear();
        QVERIFY(parseLearnedClasses(file(R"("ranking": [[1, 1e300]])"), path, QStringLiteral("s"), QStringLiteral("/b"),
                                    10, &error)
                    .isEmpty());
        QVERIFY2(error.startsWith(path) && error.contains(QStringLiteral("NaN or infinite")), qPrintable(error));
    }

private:
    QTemporaryDir dir_;
};

QTEST_MAIN(LearnedClassStoreTest)
#include "widgets_learned_class_store_test.moc"
