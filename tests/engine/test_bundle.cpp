// Loading niwt-bundles: a fixture made by PyTorch itself, broken bundles, and (when present)
// the shared pretrained MobileNetV2.
#include "core/engine/importance.h"
#include "core/engine/small_cnn.h"
#include "core/model/bundle.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace niwt;
namespace fs = std::filesystem;

namespace {

// Runs tests/engine/make_fixture_bundle.py once with Debian's python3-torch; "" when unavailable.
std::string fixtureDir() {
    static std::string dir = [] {
        const fs::path out = fs::temp_directory_path() / "niwt-test-bundle-fixture";
        const std::string python = NIWT_SYSTEM_PYTHON;
        if (python.empty()) return std::string();
        fs::remove_all(out);
        const std::string cmd = python + " " + NIWT_TEST_SOURCE_DIR + "/make_fixture_bundle.py " + out.string();
        return std::system(cmd.c_str()) == 0 ? out.string() : std::string();
    }();
    return dir;
}

std::vector<float> readFloats(const std::string& file) {
    std::ifstream in(file);
    std::vector<float> v;
    float x;
    while (in >> x) v.push_back(x);
    return v;
}

std::string loadError(const std::string& path) {
    try {
        loadBundle(path, torch::kCPU);
    } catch (const DataError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

// The logits PyTorch computed for a fixed input are what our stage-by-stage run gives.
TEST(Bundle, FixtureFromPyTorchReproducesItsLogits) {
    const auto dir = fixtureDir();
    if (dir.empty()) GTEST_SKIP() << "no /usr/bin/python3 with torch to make the fixture";
    const auto bundle = loadBundle(dir + "/good", torch::kCPU);
    EXPECT_EQ(bundle.network->stageNames(), (std::vector<std::string>{"conv_a", "conv_b"}));
    EXPECT_EQ(bundle.input.width, 8);
    EXPECT_EQ(bundle.labels.size(), 5u);
    EXPECT_EQ(resolveStage(bundle, ""), 0);  // the input of the last stage
    EXPECT_EQ(bundle.network->featureDim(), 6);
    const auto x = torch::linspace(-1, 1, 2 * 3 * 8 * 8).reshape({2, 3, 8, 8});
    torch::NoGradGuard g;
    const auto logits = bundle.network->logits(x).flatten();
    const auto expected = readFloats(dir + "/good/expected_logits.txt");
    ASSERT_EQ(logits.numel(), int64_t(expected.size()));
    for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(logits[int64_t(i)].item<float>(), expected[i], 1e-5);
}

TEST(Bundle, StateDictIsNamedAsSuch) {
    const auto dir = fixtureDir();
    if (dir.empty()) GTEST_SKIP() << "no /usr/bin/python3 with torch to make the fixture";
    const auto message = loadError(dir + "/state_dict");
    EXPECT_NE(message.find("state_dict"), std::string::npos) << message;
    EXPECT_NE(message.find("not TorchScript"), std::string::npos) << message;
    EXPECT_NE(message.find("bundle.pt"), std::string::npos) << message;
}

TEST(Bundle, ModuleWithoutStagesIsRejected) {
    const auto dir = fixtureDir();
    if (dir.empty()) GTEST_SKIP() << "no /usr/bin/python3 with torch to make the fixture";
    const auto message = loadError(dir + "/no_stages");
    EXPECT_NE(message.find("'stages'"), std::string::npos) << message;
}

TEST(Bundle, BrokenFilesGiveOneLineMessagesNamingTheFile) {
    const fs::path dir = fs::temp_directory_path() / "niwt-test-bundle-broken";
    fs::remove_all(dir);
    fs::create_directories(dir);
    EXPECT_NE(loadError(dir.string()).find("bundle.pt: missing"), std::string::npos);
    std::ofstream(dir / "bundle.pt") << "hello, not a model";
    EXPECT_NE(loadError(dir.string()).find("bundle.json: missing"), std::string::npos);
    std::ofstream(dir / "bundle.json") << "{\"format\": \"niwt-bundle/1\", \"input\": {\"width\": 8, \"height\": 8}";
    EXPECT_NE(loadError(dir.string()).find("not valid JSON"), std::string::npos);
    std::ofstream(dir / "bundle.json")
        << R"({"format": "niwt-bundle/1", "input": {"width": 8, "height": 8, "std": [1, 0, 1]}})";
    EXPECT_NE(loadError(dir.string()).find("input.std"), std::string::npos) << loadError(dir.string());
    std::ofstream(dir / "bundle.json") << R"({"format": "niwt-bundle/2", "input": {"width": 8, "height": 8}})";
    EXPECT_NE(loadError(dir.string()).find("niwt-bundle/1"), std::string::npos);
    std::ofstream(dir / "bundle.json") << R"({"format": "niwt-bundle/1", "input": {"width": 8, "height": 8}})";
    const auto message = loadError(dir.string());
    EXPECT_NE(message.find("not a PyTorch file"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_NE(loadError((dir / "nothing-here").string()).find("no such file"), std::string::npos);
}

// A bundle made in C++ (the default network's form) round-trips through save and load.
TEST(Bundle, SmallCnnSavedFromCppLoadsAsBundle) {
    const fs::path dir = fs::temp_directory_path() / "niwt-test-bundle-smallcnn";
    fs::remove_all(dir);
    fs::create_directories(dir);
    SmallCnnShape shape;
    auto module = makeSmallCnn(shape, 1);
    module.save((dir / "bundle.pt").string());
    std::ofstream(dir / "bundle.json")
        << R"({"format": "niwt-bundle/1", "input": {"width": 28, "height": 28, "color": "gray", "mean": [0.5], "std": [0.5]}})";
    const auto bundle = loadBundle(dir.string(), torch::kCPU);
    EXPECT_EQ(bundle.network->stageNames(), (std::vector<std::string>{"conv1", "conv2", "conv3"}));
    EXPECT_EQ(bundle.network->classifierOutputs(), 10);
    const auto x = torch::randn({3, 1, 28, 28});
    torch::NoGradGuard g;
    EXPECT_TRUE(torch::allclose(bundle.network->logits(x), module.forward({x}).toTensor(), 1e-5, 1e-6));
    EXPECT_THROW(resolveStage(bundle, "block17"), DataError);
}

TEST(Bundle, SharedMobileNetV2LoadsWithBlock17Default) {
    const fs::path dir = fs::path(NIWT_TEST_SHARED_DIR) / "models/mobilenet_v2_1.0_224_imagenet";
    if (!fs::exists(dir / "bundle.pt")) GTEST_SKIP() << "shared model absent: " << dir;
    const auto bundle = loadBundle(dir.string(), torch::kCPU);
    EXPECT_EQ(bundle.network->stageCount(), 19);
    EXPECT_EQ(bundle.network->stageNames()[size_t(resolveStage(bundle, ""))], "block17");
    EXPECT_EQ(bundle.network->featureDim(), 1280);
    EXPECT_EQ(bundle.network->classifierOutputs(), 1001);
    EXPECT_DOUBLE_EQ(bundle.input.centerCrop, 0.875);
    // The staged run equals the module's own forward().
    const auto x = torch::randn({2, 3, 224, 224});
    torch::NoGradGuard g;
    EXPECT_TRUE(
        torch::allclose(bundle.network->logits(x), bundle.network->module().forward({x}).toTensor(), 1e-4, 1e-4));
}
