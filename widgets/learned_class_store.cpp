#include "widgets/learned_class_store.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QStandardPaths>

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace niwt::gui {

namespace {

constexpr const char* kFormat = "niwt-learned-classes/1";

template <typename T>
bool allFinite(const std::vector<T>& values) {
    for (const T& v : values)
        if (!std::isfinite(double(v))) return false;
    return true;
}

// Numbers are range-checked before they are narrowed: nlohmann's get<int>() and get<float>() cast
// an out-of-range value such as 1e300 with undefined behaviour. Errors here are reported as
// "corrupt (...)" like nlohmann's own.
int intValue(const nlohmann::json& value, const char* field) {
    const double d = value.is_number() ? value.get<double>() : std::nan("");
    if (!(d >= double(std::numeric_limits<int>::min()) && d <= double(std::numeric_limits<int>::max())))
        throw std::runtime_error(std::string("\"") + field + "\" is not an integer in range");
    return int(d);
}

// Beyond float range becomes +-inf, which the finiteness checks then refuse.
float floatValue(const nlohmann::json& value, const char* field) {
    if (!value.is_number()) throw std::runtime_error(std::string("\"") + field + "\" is not a number");
    const double d = value.get<double>();
    if (std::fabs(d) > double(std::numeric_limits<float>::max())) return d > 0 ? INFINITY : -INFINITY;
    return float(d);
}

std::vector<float> floatValues(const nlohmann::json& value, const char* field) {
    if (!value.is_array()) throw std::runtime_error(std::string("\"") + field + "\" is not a list of numbers");
    std::vector<float> out;
    out.reserve(value.size());
    for (const auto& element : value) out.push_back(floatValue(element, field));
    return out;
}

}  // namespace

QString learnedClassesFile(const QString& datasetSpec, const QString& bundle) {
    const QByteArray key =
        QCryptographicHash::hash((datasetSpec + QChar(0) + QFileInfo(bundle).absoluteFilePath()).toUtf8(),
                                 QCryptographicHash::Sha1)
            .toHex()
            .left(16);
    const QString config = QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation);
    return QDir(config).filePath(QStringLiteral("niwt-explorer/learned-classes/%1.json").arg(QString::fromLatin1(key)));
}

bool saveLearnedClasses(const QString& path, const QString& datasetSpec, const QString& bundle,
                        const QVector<LearnedClassEntry>& entries, QString* error) {
    nlohmann::json classes = nlohmann::json::array();
    for (const LearnedClassEntry& e : entries) {
        const LearnedClass& c = e.result;
        nlohmann::json ranking = nlohmann::json::array();
        for (size_t i = 0; i < c.ranking.size() && i < size_t(kStoredRanking); ++i)
            ranking.push_back({c.ranking[i].image, c.ranking[i].score});
        classes.push_back({{"name", c.name},
                           {"caption", e.caption.toStdString()},
                           {"class_vector", c.classVector},
                           {"weight", c.weight},
                           {"bias", c.bias},
                           {"iterations", c.iterations},
                           {"converged", c.converged},
                           {"loss", c.loss},
                           {"cosine_loss", c.cosineLoss},
                           {"l2_loss", c.l2Loss},
                           {"seconds", c.seconds},
                           {"mod2alpha_validation_cosine_distance", c.mod2alphaValidationCosineDistance},
                           {"alpha2w_mode", c.alpha2wMode},
                           {"span_cosine_loss", c.spanCosineLoss},
                           {"ranking", ranking}});
    }
    const nlohmann::json root = {{"format", kFormat},
                                 {"dataset", datasetSpec.toStdString()},
                                 {"bundle", QFileInfo(bundle).absoluteFilePath().toStdString()},
                                 {"classes", classes}};
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    const std::string text = root.dump();
    if (!file.open(QIODevice::WriteOnly) || file.write(text.data(), qint64(text.size())) != qint64(text.size()) ||
        !file.commit()) {
        if (error) *error = QObject::tr("%1: could not save the learned classes (%2)").arg(path, file.errorString());
        return false;
    }
    return true;
}

QVector<LearnedClassEntry> loadLearnedClasses(const QString& path, const QString& datasetSpec, const QString& bundle,
                                              int imageCount, QString* error) {
    const auto fail = [&](const QString& why) {
        if (error) *error = QObject::tr("%1: %2; the learned classes were not restored").arg(path, why);
        return QVector<LearnedClassEntry>();
    };
    QFile file(path);
    if (!file.exists()) return {};
    if (!file.open(QIODevice::ReadOnly)) return fail(file.errorString());
    return parseLearnedClasses(file.readAll(), path, datasetSpec, bundle, imageCount, error);
}

QVector<LearnedClassEntry> parseLearnedClasses(const QByteArray& bytes, const QString& path, const QString& datasetSpec,
                                               const QString& bundle, int imageCount, QString* error) {
    const auto fail = [&](const QString& why) {
        if (error) *error = QObject::tr("%1: %2; the learned classes were not restored").arg(path, why);
        return QVector<LearnedClassEntry>();
    };
    QVector<LearnedClassEntry> out;
    try {
        const auto root = nlohmann::json::parse(bytes.constData(), bytes.constData() + bytes.size());
        if (root.value("format", std::string()) != kFormat)
            return fail(QObject::tr("not a %1 file").arg(QString::fromLatin1(kFormat)));
        if (root.value("dataset", std::string()) != datasetSpec.toStdString() ||
            root.value("bundle", std::string()) != QFileInfo(bundle).absoluteFilePath().toStdString())
            return fail(QObject::tr("written for another data set or network bundle"));
        size_t featureDim = 0;
        for (const auto& c : root.at("classes")) {
            LearnedClassEntry e;
            LearnedClass& r = e.result;
            r.name = c.at("name").get<std::string>();
            e.caption = QString::fromStdString(c.value("caption", std::string()));
            r.classVector = floatValues(c.at("class_vector"), "class_vector");
            r.weight = floatValues(c.at("weight"), "weight");
            r.bias = floatValue(c.at("bias"), "bias");
            r.iterations = c.contains("iterations") ? intValue(c["iterations"], "iterations") : 0;
            r.converged = c.value("converged", false);
            r.loss = c.value("loss", 0.0);
            r.cosineLoss = c.value("cosine_loss", 0.0);
            r.l2Loss = c.value("l2_loss", 0.0);
            r.seconds = c.value("seconds", 0.0);
            r.mod2alphaValidationCosineDistance = c.value("mod2alpha_validation_cosine_distance", 0.0);
            // Files from before the full weight space have span solutions.
            r.alpha2wMode = c.value("alpha2w_mode", std::string("span")) == "full" ? "full" : "span";
            r.spanCosineLoss = c.value("span_cosine_loss", 0.0);
            bool finiteScores = true;
            for (const auto& pair : c.value("ranking", nlohmann::json::array())) {
                r.ranking.push_back({intValue(pair.at(0), "ranking"), floatValue(pair.at(1), "ranking")});
                finiteScores = finiteScores && std::isfinite(r.ranking.back().score);
                if (r.ranking.back().image < 0 || r.ranking.back().image >= imageCount)
                    return fail(QObject::tr("class \"%1\" ranks an image the data set does not have")
                                    .arg(QString::fromStdString(r.name)));
            }
            if (r.weight.empty() || (featureDim && r.weight.size() != featureDim))
                return fail(
                    QObject::tr("class \"%1\" has a weight of the wrong size").arg(QString::fromStdString(r.name)));
            featureDim = r.weight.size();
            if (!allFinite(r.weight) || !std::isfinite(r.bias) || !allFinite(r.classVector) || !finiteScores)
                return fail(QObject::tr("class \"%1\" has NaN or infinite values").arg(QString::fromStdString(r.name)));
            out.push_back(std::move(e));
        }
    } catch (const std::exception& e) {
        return fail(QObject::tr("corrupt (%1)").arg(QString::fromLocal8Bit(e.what())));
    }
    return out;
}

}  // namespace niwt::gui
