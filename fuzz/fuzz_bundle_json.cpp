// parseBundleJson: bundle.json of a "niwt-bundle/1" (with its "input" spec, parseInputSpec).
#include <cmath>
#include <cstdlib>

#include "core/data/dataset.h"
#include "core/model/bundle_json.h"
#include "fuzz/fuzz_support.h"

using namespace niwt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string file = "fuzz/bundle.json";
    try {
        const BundleJson bundle = parseBundleJson(std::string(reinterpret_cast<const char*>(data), size), file);
        const InputSpec& in = bundle.input;
        // Documented ranges (input_spec.h): the image pipeline relies on them.
        if (in.width < 1 || in.width > 8192 || in.height < 1 || in.height > 8192) std::abort();
        if (in.mean.size() != size_t(in.channels()) || in.std.size() != size_t(in.channels())) std::abort();
        for (float s : in.std)
            if (s == 0.f || !std::isfinite(s)) std::abort();
        for (float m : in.mean)
            if (!std::isfinite(m)) std::abort();
        if (!std::isfinite(in.rangeMin) || !std::isfinite(in.rangeMax)) std::abort();
        if (!(in.centerCrop > 0.0 && in.centerCrop <= 1.0)) std::abort();
    } catch (const DataError& e) {
        fuzz::checkErrorMessage(e.what(), file);
    }
    return 0;
}
