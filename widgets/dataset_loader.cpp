#include "widgets/dataset_loader.h"

#include "core/data/loaders.h"

#include <QVariantMap>
#include <QPointer>

#include <exception>

namespace niwt::gui {

QString DatasetRequest::displayName() const {
    QString text = spec;
    if (!split.isEmpty()) text += QObject::tr(" (split %1)").arg(split);
    if (!modalities.isEmpty()) text += QObject::tr(" + %1").arg(modalities.join(QStringLiteral(", ")));
    return text;
}

QVariant DatasetRequest::toVariant() const {
    QVariantMap map;
    map.insert(QStringLiteral("spec"), spec);
    map.insert(QStringLiteral("split"), split);
    map.insert(QStringLiteral("modalities"), modalities);
    return map;
}

DatasetRequest DatasetRequest::fromVariant(const QVariant& value) {
    const QVariantMap map = value.toMap();
    DatasetRequest request;
    request.spec = map.value(QStringLiteral("spec")).toString();
    request.split = map.value(QStringLiteral("split")).toString();
    request.modalities = map.value(QStringLiteral("modalities")).toStringList();
    return request;
}

std::shared_ptr<Dataset> loadDataset(const DatasetRequest& request) {
    auto dataset = std::make_shared<Dataset>(niwt::openDataset(request.spec.trimmed().toStdString()));
    if (!request.split.trimmed().isEmpty()) niwt::applySplit(*dataset, request.split.trimmed().toStdString());
    for (const QString& modality : request.modalities)
        if (!modality.trimmed().isEmpty()) niwt::addModality(*dataset, modality.trimmed().toStdString());
    return dataset;
}

DatasetLoader::DatasetLoader(JobRunner* runner, QObject* parent) : QObject(parent), runner_(runner) {
    if (!runner_) {
        ownRunner_ = std::make_unique<JobRunner>();
        runner_ = ownRunner_.get();
    }
}

DatasetLoader::~DatasetLoader() = default;

void DatasetLoader::open(const DatasetRequest& request) {
    const int id = ++latest_;
    busy_ = true;
    // The result comes back through `post`, in this loader's context: if the loader goes first,
    // the result is simply lost.
    QPointer<DatasetLoader> self(this);
    runner_->start(QStringLiteral("dataset"), tr("Opening %1").arg(request.displayName()), [self, id, request](JobControl& control) {
        Result result;
        try {
            result.dataset = loadDataset(request);
        } catch (const std::exception& e) {
            result.error = QString::fromLocal8Bit(e.what());
        } catch (...) {
            result.error = QObject::tr("%1: unknown error while opening the data set").arg(request.spec);
        }
        if (!result.dataset && result.error.isEmpty())
            result.error = QObject::tr("%1: could not open the data set").arg(request.spec);
        control.post([self, id, request, result] {
            if (!self || id != self->latest_) return;  // gone, or superseded by a newer open()
            self->busy_ = false;
            if (result.dataset)
                emit self->loaded(request, result.dataset);
            else
                emit self->failed(request, result.error);
        });
    });
}

}  // namespace niwt::gui
