#pragma once
// Opening a data set (openDataset + applySplit + addModality) off the GUI thread, in the "dataset"
// lane of the window's JobRunner.
#include "core/data/dataset.h"
#include "widgets/job_runner.h"
#include "widgets/lane_client.h"

#include <QObject>
#include <QStringList>
#include <QVariant>

#include <memory>

namespace niwt::gui {

// What to open: the specs that niwt::openDataset / applySplit / addModality take.
struct DatasetRequest {
    QString spec;            // "fashion-mnist", "cub:DIR", "awa2:DIR", "folder:DIR"
    QString split;           // empty, "xlsa17:DIR" or "classes:FILE"
    QStringList modalities;  // "NAME=csv:FILE" each

    bool isValid() const { return !spec.trimmed().isEmpty(); }
    // One line for menus and titles, e.g. "cub:/data/CUB_200_2011 (split xlsa17:/data/xlsa17)".
    QString displayName() const;
    QVariant toVariant() const;  // for QSettings
    static DatasetRequest fromVariant(const QVariant& value);
    bool operator==(const DatasetRequest& other) const {
        return spec == other.spec && split == other.split && modalities == other.modalities;
    }
    bool operator!=(const DatasetRequest& other) const { return !(*this == other); }
};

// Blocking; throws niwt::DataError (or std::exception) with a one-line message.
std::shared_ptr<Dataset> loadDataset(const DatasetRequest& request);

// Runs loadDataset in the runner and reports back on the GUI thread. A newer open()
// supersedes a load in flight: its result is dropped (loading itself cannot be interrupted).
class DatasetLoader : public QObject {
    Q_OBJECT
public:
    // `runner`: the window's (its "dataset" lane); null: one of its own.
    explicit DatasetLoader(JobRunner* runner = nullptr, QObject* parent = nullptr);
    ~DatasetLoader() override;
    void open(const DatasetRequest& request);
    bool isBusy() const { return busy_; }

signals:
    void loaded(const niwt::gui::DatasetRequest& request, std::shared_ptr<const niwt::Dataset> dataset);
    void failed(const niwt::gui::DatasetRequest& request, const QString& message);

private:
    struct Result {
        std::shared_ptr<const Dataset> dataset;
        QString error;
    };
    std::unique_ptr<LaneClient> lane_;  // the "dataset" lane of the window's runner (or its own)
    bool busy_ = false;                 // the latest open() has not reported yet
    int latest_ = 0;
    quint64 latestJob_ = 0;
    DatasetRequest latestRequest_;
};

}  // namespace niwt::gui
