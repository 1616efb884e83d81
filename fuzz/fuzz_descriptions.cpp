// parseDescriptions (the descriptions JSON of the captions modality), then what niwt run builds
// from it: the TF-IDF encoder (fit, encode, JSON round trip) and the captions modality of a fixed
// small data set.
#include <cmath>
#include <cstdlib>

#include "core/data/text_encoder.h"
#include "fuzz/fuzz_small_dataset.h"
#include "fuzz/fuzz_support.h"

using namespace niwt;

static void checkUnitOrZero(const std::vector<float>& v) {
    double squared = 0;
    for (float x : v) {
        if (!std::isfinite(x)) std::abort();
        squared += double(x) * x;
    }
    if (squared != 0 && std::fabs(squared - 1) > 1e-3) std::abort();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const Dataset dataset = fuzz::smallDataset();
    const std::string file = "fuzz/descriptions.json";
    try {
        const auto descriptions = parseDescriptions(std::string(reinterpret_cast<const char*>(data), size), file);
        const TextEncoder encoder = TextEncoder::fit(encoderDocuments(descriptions, &dataset));
        for (const auto& [name, phrases] : descriptions) checkUnitOrZero(encoder.encode(joinPhrases(phrases)));
        const TextEncoder back = TextEncoder::fromJson(encoder.toJson(), file);
        if (back.vocabulary() != encoder.vocabulary()) std::abort();
        const Modality captions = captionModality(dataset, descriptions, encoder, nullptr, file);
        if (captions.values.size() != dataset.classes.size() * size_t(captions.dims)) std::abort();
    } catch (const DataError& e) {
        fuzz::checkErrorMessage(e.what(), file);
    }
    return 0;
}
