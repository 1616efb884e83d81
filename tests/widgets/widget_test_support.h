#pragma once
// Helpers for the widget units: a small hand-built data set, and isolation of the user's
// settings and caches in a temporary folder.
#include "core/data/dataset.h"

#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>

namespace niwt::test {

// Points QSettings (all formats, user scope) and the default-network cache at `dir`, so a test
// starts from empty settings and never touches the user's. Call after QApplication exists.
inline void isolateUserState(const QTemporaryDir& dir) {
    QVERIFY(dir.isValid());
    const QString config = dir.filePath(QStringLiteral("config"));
    qputenv("XDG_CONFIG_HOME", config.toLocal8Bit());
    qputenv("NIWT_CACHE_DIR", dir.filePath(QStringLiteral("cache")).toLocal8Bit());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, config);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, config);
}

// Four CUB-like classes:
//   0 "001.Black_footed_Albatross"  seen          3 train, 1 test
//   1 "002.Laysan_Albatross"        seen          2 train, 2 test
//   2 "003.Sooty_Albatross"         unseen        1 train, 0 test
//   3 "004.Groove_billed_Ani"       not in split  0 images
// and a 5-dimensional "attributes" modality (row c: values chosen per test below).
inline Dataset smallDataset() {
    Dataset d;
    d.spec = "cub:/nowhere";
    d.kind = "cub";
    d.root = "/nowhere";
    const char* names[] = {"001.Black_footed_Albatross", "002.Laysan_Albatross", "003.Sooty_Albatross",
                           "004.Groove_billed_Ani"};
    for (int i = 0; i < 4; ++i) {
        ClassInfo info;
        info.id = i + 1;
        info.name = names[i];
        info.seen = i < 2;
        info.inSplit = i < 3;
        d.classes.push_back(info);
    }
    auto add = [&d](int classIndex, Subset subset, int count) {
        for (int k = 0; k < count; ++k) {
            ImageInfo image;
            image.path = "/nowhere/" + std::to_string(classIndex) + "_" + (subset == Subset::Train ? "train" : "test") +
                         std::to_string(k) + ".jpg";
            image.classIndex = classIndex;
            image.subset = subset;
            d.images.push_back(image);
        }
    };
    add(0, Subset::Train, 3);
    add(0, Subset::Test, 1);
    add(1, Subset::Train, 2);
    add(1, Subset::Test, 2);
    add(2, Subset::Train, 1);

    Modality attributes;
    attributes.name = "attributes";
    attributes.dims = 5;
    attributes.dimNames = {"has_wing_color::black", "has_bill_shape::hooked", "has_size::large", "has_tail::long",
                           "has_eye_color::red"};
    attributes.values = {
        0.9f, 0.1f, 0.7f,  0.3f, 0.0f,   // class 0: wing 0.9 > size 0.7 > tail 0.3 > bill 0.1 > eye 0
        0.2f, 0.8f, 0.8f,  0.1f, 0.5f,   // class 1: a tie between bill and size (lower index first)
        0.0f, 0.0f, 0.0f,  0.0f, 0.0f,   // class 2
        1.0f, 0.5f, 0.25f, 0.1f, 0.05f,  // class 3
    };
    attributes.source = "test";
    d.modalities.push_back(attributes);
    return d;
}

}  // namespace niwt::test
