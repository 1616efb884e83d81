// parseLearnedClasses: the explorer's learned-classes store (widgets/learned_class_store.h), for
// the data set "fuzz:dataset", the bundle "/fuzz/bundle" and 100 images (the seeds use them).
#include <cmath>
#include <cstdlib>

#include "fuzz/fuzz_support.h"
#include "widgets/learned_class_store.h"

using namespace niwt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QString file = QStringLiteral("fuzz/learned.json");
    constexpr int imageCount = 100;
    QString error;
    const auto entries =
        gui::parseLearnedClasses(QByteArray(reinterpret_cast<const char*>(data), int(size)), file,
                                 QStringLiteral("fuzz:dataset"), QStringLiteral("/fuzz/bundle"), imageCount, &error);
    if (!error.isEmpty()) {
        if (!entries.isEmpty()) std::abort();
        fuzz::checkErrorMessage(error.toStdString(), file.toStdString());
        return 0;
    }
    size_t featureDim = 0;
    for (const auto& entry : entries) {
        const LearnedClass& c = entry.result;
        if (c.weight.empty() || (featureDim && c.weight.size() != featureDim)) std::abort();
        featureDim = c.weight.size();
        for (float v : c.weight)
            if (!std::isfinite(v)) std::abort();
        if (!std::isfinite(c.bias)) std::abort();
        for (const auto& ranked : c.ranking)
            if (ranked.image < 0 || ranked.image >= imageCount) std::abort();
    }
    return 0;
}
