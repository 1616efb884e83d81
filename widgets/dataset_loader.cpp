#include "widgets/dataset_loader.h"

#include "core/data/loaders.h"

#include <QPointer>
#include <QVariantMap>

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

DatasetLoader::DatasetLoader(JobRunner* runner, QObject* parent)
    : QObject(parent), lane_(std::make_unique<LaneClient>(runner, QStringLiteral("dataset"))) {
    // The latest open() cancelled before it began (Cancel in the status bar): it reports nothing.
    connect(lane_.get(), &LaneClient::endedUnreported, this, [this](quint64 job) {
        if (job != latestJob_ || !busy_) return;
        busy_ = false;
        emit failed(latestRequest_, tr("%1: opening cancelled").arg(latestRequest_.spec));
    });
}

DatasetLoader::~DatasetLoader() = default;

void DatasetLoader::open(const DatasetRequest& request) {
    const int id = ++latest_;
    busy_ = true;
    // The result comes back through `post`, in this loader's context: if the loader goes first,
    // the result is simply lost.
    QPointer<DatasetLoader> self(this);
    latestRequest_ = request;
    latestJob_ = lane_->start(tr("Opening %1").arg(request.displayName()), [self, id, request](JobControl& control) {
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
        control.post([self, id, job = control.job(), request, result] {
            if (!self) return;
            self->lane_->reported(job);
            if (id != self->latest_) return;  // superseded by a newer open()
            self->busy_ = false;
            if (result.dataset)
                emit self->loaded(request, result.dataset);
            else
                emit self->failed(request, result.error);
        });
    });
}

}  // namespace niwt::gui
