// Inputs that crash or mislead the bundle.json and classifier JSON parsers, found with the fuzz
// targets fuzz_bundle_json / fuzz_classifier_json (fuzz/), each a test of the clear error now given.
#include "core/data/dataset.h"
#include "core/model/bundle.h"
#include "core/model/bundle_json.h"
#include "core/pipeline/export.h"
#include "tests/data/test_support.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

using namespace niwt;
namespace fs = std::filesystem;

namespace {

using test::dataErrorOf;

std::string bundleError(const std::string& json) {
    return dataErrorOf([&] { parseBundleJson(json, "b.json"); });
}

fs::path freshDir(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

void writeText(const fs::path& file, const std::string& text) { std::ofstream(file, std::ios::binary) << text; }

}  // namespace

// nlohmann's value()/get() threw json type_error for fields of the wrong type: it escaped loadBundle
// as a plain std::exception without the file's name.
TEST(FuzzRegressions, BundleJsonFieldsOfTheWrongTypeAreDataErrors) {
    EXPECT_EQ(bundleError(R"({"format": 1})"), "b.json: format is 1, expected \"niwt-bundle/1\"");
    EXPECT_EQ(bundleError(R"({"format": "niwt-bundle/1", "name": 5, "input": {"width": 2, "height": 2}})"),
              "b.json: name: expected a string, got number");
    EXPECT_EQ(bundleError(R"({"format": "niwt-bundle/1", "input": {"width": 2, "height": 2, "color": 5}})"),
              "b.json: input.color: expected \"RGB\", \"BGR\" or \"gray\", got 5");
    EXPECT_EQ(bundleError(R"({"format": "niwt-bundle/1", "input": {"width": 2, "height": 2, "center_crop": "x"}})"),
              "b.json: input.center_crop: expected a fraction in (0, 1]");
}

// A finite double beyond float range became an infinite pixel range, mean or std; and a width of
// 2^32 + 1 wrapped to 1 through get<int>() and was accepted.
TEST(FuzzRegressions, BundleJsonNumbersOutOfRangeAreRefused) {
    EXPECT_EQ(bundleError(R"({"format": "niwt-bundle/1", "input": {"width": 2, "height": 2, "range": [1e300, 0]}})"),
              "b.json: input.range: expected finite numbers");
    EXPECT_EQ(bundleError(R"({"format": "niwt-bundle/1", "input": {"width": 4294967297, "height": 2}})"),
              "b.json: input.width: expected an integer between 1 and 8192");
}

// A number beyond double range makes nlohmann::json::parse throw out_of_range (406), which the
// parse_error handlers let through. Checked through loadBundle (bundle.json is read before
// bundle.pt, so an empty bundle.pt is enough) and importClassifierJson.
TEST(FuzzRegressions, JsonNumberBeyondDoubleIsADataErrorNamingTheFile) {
    const fs::path dir = freshDir("niwt-test-fuzz-regressions");
    writeText(dir / "bundle.pt", "");
    writeText(dir / "bundle.json", R"({"format": "niwt-bundle/1", "input": {"width": 1e400}})");
    const std::string bundleMessage = dataErrorOf([&] { loadBundle(dir.string(), torch::kCPU); });
    EXPECT_EQ(bundleMessage.rfind((dir / "bundle.json").string() + ": not valid JSON: ", 0), 0u) << bundleMessage;
    EXPECT_NE(bundleMessage.find("number overflow"), std::string::npos) << bundleMessage;

    const fs::path classifier = dir / "classifier.json";
    writeText(classifier, R"({"format": "niwt-classifier/1", "class_names": ["a"], "seen": [true],
                              "weight": [[-1e4000]], "bias": [0]})");
    const std::string message = dataErrorOf([&] { importClassifierJson(classifier.string()); });
    EXPECT_EQ(message.rfind(classifier.string() + ": not valid JSON (", 0), 0u) << message;
    EXPECT_NE(message.find("number overflow"), std::string::npos) << message;
    fs::remove_all(dir);
}
