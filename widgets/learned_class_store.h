#pragma once
// Learned classes kept between sessions: one JSON file ("niwt-learned-classes/1") per data set and
// network bundle, in the user's configuration folder, rewritten atomically (QSaveFile) whenever the
// list changes, and read back when the same data set and bundle are ready again. A ranking keeps
// its top kStoredRanking images (what the ranked-images panel shows).
#include "widgets/learned_class_model.h"

#include <QByteArray>
#include <QString>
#include <QVector>

namespace niwt::gui {

inline constexpr int kStoredRanking = 500;

// <config>/niwt-explorer/learned-classes/<hash of dataset spec and bundle path>.json, where
// <config> is QStandardPaths::AppConfigLocation's parent ($XDG_CONFIG_HOME or ~/.config).
QString learnedClassesFile(const QString& datasetSpec, const QString& bundle);

// Writes the entries (names, captions, class vectors, weights, biases, alpha2w reports and the
// top of each ranking). False and `error` (naming the file) when it cannot be written; an old
// file is then left as it was.
bool saveLearnedClasses(const QString& path, const QString& datasetSpec, const QString& bundle,
                        const QVector<LearnedClassEntry>& entries, QString* error = nullptr);

// Reads them back (ids are not stored: the caller gives new ones). A missing file is an empty
// list without error; an unreadable, corrupt or foreign file (another data set or bundle, another
// format, a ranked image index outside 0..imageCount-1) is an empty list and `error` says why,
// naming the file.
QVector<LearnedClassEntry> loadLearnedClasses(const QString& path, const QString& datasetSpec, const QString& bundle,
                                              int imageCount, QString* error = nullptr);
// The same from the file's bytes already in memory (`path` names it in errors; an empty file is
// corrupt here, not missing).
QVector<LearnedClassEntry> parseLearnedClasses(const QByteArray& bytes, const QString& path, const QString& datasetSpec,
                                               const QString& bundle, int imageCount, QString* error = nullptr);

}  // namespace niwt::gui
