// Exporting the explorer's classifier (NiwtSession::exportClassifier, what File > Export Classifier
// runs on the session's thread): the seen head's classes plus a class learned from Sandal's
// attributes on a small Fashion-MNIST, written as classifier.json, classifier.pt and the projector
// TSV files; and the
// mod2alpha curve the session reports while preparing (the convergence plot's first run).
#include "core/pipeline/niwt_session.h"
#include "session_fixture.h"
#include "widget_test_support.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

using namespace niwt;

class SessionExportTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        test::isolateUserState(dir_);
        dataset_ = test::smallFashionMnist(40, 10);
        bundle_ = test::smallNetwork(*dataset_, dir_.filePath(QStringLiteral("cache")).toStdString());
    }

    void exportBeforePrepareIsALogicError() {
        EngineContext context;
        context.dataset = dataset_;
        context.bundle = bundle_;
        NiwtSession session(context);
        QVERIFY_THROWS_EXCEPTION(std::logic_error,
                                 session.exportClassifier(dir_.filePath(QStringLiteral("x")).toStdString(), {}));
    }

    // The JSON lists the 7 seen classes (embedded split) then the learned one, whose row and bias
    // are the learned weight and bias (written as decimal floats: equal to 1e-6 relative).
    void writesSeenAndLearnedClasses() {
        EngineContext options;
        options.dataset = dataset_;
        options.bundle = bundle_;
        options.device = "cpu";
        options.cacheDir = dir_.filePath(QStringLiteral("cache/features")).toStdString();
        NiwtSession session(options);
        // mod2alpha's curve: steps 1, 2, 3 ... and its minimum is the validation distance the
        // session reports (mod2alpha keeps the weights of its best held-out step).
        std::vector<double> curve;
        const NiwtSessionInfo info = session.prepare({}, {}, [&](int step, double total, double, double) {
            if (step == int(curve.size()) + 1) curve.push_back(total);
        });
        QVERIFY(!curve.empty());
        QVERIFY(*std::min_element(curve.begin(), curve.end()) >= 0.0);
        QVERIFY(std::abs(*std::min_element(curve.begin(), curve.end()) - info.mod2alphaValidationCosineDistance) <
                1e-6);
        const Modality* attributes = session.modality();
        QVERIFY(attributes);
        const int sandal = dataset_->classIndexByName("Sandal");
        QVERIFY(sandal >= 0);
        const std::vector<float> vector(attributes->values.begin() + size_t(sandal) * size_t(attributes->dims),
                                        attributes->values.begin() + size_t(sandal + 1) * size_t(attributes->dims));
        const LearnedClass learned = session.learnClass("new sandal", vector);

        const QString out = dir_.filePath(QStringLiteral("export"));
        const auto files = session.exportClassifier(out.toStdString(), {learned});
        QCOMPARE(int(files.size()), 3);
        // projector/: one row per seen training image (40 per seen class, 7 classes) in both files.
        const auto lines = [](const std::string& path) {
            std::ifstream in(path);
            int n = 0;
            for (std::string line; std::getline(in, line);) ++n;
            return n;
        };
        QCOMPARE(lines(files[2] + "/tensors.tsv"), 7 * 40);
        QCOMPARE(lines(files[2] + "/metadata.tsv"), 7 * 40 + 1);      // + the header
        QVERIFY(QFile(QString::fromStdString(files[1])).size() > 0);  // classifier.pt
        std::ifstream in(files[0]);
        const auto json = nlohmann::json::parse(in);
        QCOMPARE(json["format"].get<std::string>(), std::string("niwt-classifier/1"));
        const auto names = json["class_names"].get<std::vector<std::string>>();
        QCOMPARE(int(names.size()), 8);
        QCOMPARE(names.back(), std::string("new sandal"));
        QCOMPARE(json["seen"].back().get<bool>(), false);
        const auto row = json["weight"].back().get<std::vector<double>>();
        QCOMPARE(row.size(), learned.weight.size());
        for (size_t i = 0; i < row.size(); ++i)
            QVERIFY(std::abs(row[i] - learned.weight[i]) <= 1e-6 * std::max(1.0, std::abs(double(learned.weight[i]))));
        QVERIFY(std::abs(json["bias"].back().get<double>() - learned.bias) <=
                1e-6 * std::max(1.0, std::abs(double(learned.bias))));

        // A weight of the wrong size is refused by name, and nothing is half-written over the export.
        LearnedClass bad = learned;
        bad.name = "broken";
        bad.weight.pop_back();
        try {
            session.exportClassifier(out.toStdString(), {bad});
            QFAIL("a short weight must be refused");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(std::string(e.what()).find("broken") != std::string::npos, e.what());
        }
        std::ifstream again(files[0]);
        QCOMPARE(nlohmann::json::parse(again)["class_names"].back().get<std::string>(), std::string("new sandal"));
    }

private:
    QTemporaryDir dir_;
    std::shared_ptr<const Dataset> dataset_;
    std::string bundle_;
};

QTEST_MAIN(SessionExportTest)
#include "widgets_session_export_test.moc"
