// Export of learned classifiers (niwt-classifier/1 JSON, TorchScript) and TensorBoard projector
// files: exact round trips, checked imports, modules that Python's torch.jit.load runs, and
// failed exports that leave the previous file in place.
#include "core/data/dataset.h"
#include "core/engine/small_cnn.h"
#include "core/io/atomic_file.h"
#include "core/model/bundle.h"
#include "core/pipeline/export.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <torch/script.h>

#include <cfloat>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

using namespace niwt;
namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

fs::path freshDir(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

// 3 seen + 2 learned classes over F features, random weights with awkward values planted.
LearnedClassifier makeClassifier(int features, uint64_t seed) {
    torch::manual_seed(seed);
    LearnedClassifier c;
    c.classNames = {"001.Black_footed_Albatross", "cat", "dog", "zebra \"striped\"", "ünïcode\tname"};
    c.seen = {true, true, true, false, false};
    c.weight = torch::randn({5, features});
    c.bias = torch::randn({5});
    auto w = c.weight.accessor<float, 2>();
    // Values whose decimal forms are long or special: each must come back with the same bits.
    w[0][0] = -0.0f;
    w[1][0] = std::numeric_limits<float>::denorm_min();
    w[2][0] = FLT_MAX;
    w[3][0] = FLT_MIN;
    w[4][0] = 0.1f;
    if (features > 1) w[4][1] = 1.0f / 3.0f;
    c.bias[0] = -FLT_MAX;
    c.bundleName = "mobilenet";
    c.bundleIdentity = "abc123";
    c.bundlePath = "/models/mobilenet";
    c.stage = "block17";
    c.modality = "attributes";
    c.hyperParameters = {{"lambda", 0.1}, {"epochs", 40}};
    c.metrics = {{"U", 0.42}, {"S", 0.61}, {"H", 0.497}};
    return c;
}

bool sameBits(const torch::Tensor& a, const torch::Tensor& b) {
    if (a.sizes() != b.sizes() || a.scalar_type() != b.scalar_type()) return false;
    const auto x = a.contiguous(), y = b.contiguous();
    return std::memcmp(x.data_ptr(), y.data_ptr(), size_t(x.numel()) * x.element_size()) == 0;
}

std::string importError(const std::string& path) {
    try {
        importClassifierJson(path);
    } catch (const DataError& e) {
        return e.what();
    }
    return "";
}

void writeText(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

Json tensorJson(const torch::Tensor& t) {
    const auto c = t.contiguous();
    std::vector<double> values(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    return {{"shape", c.sizes().vec()}, {"values", values}};
}

torch::Tensor floatsFromJson(const Json& values) {
    std::vector<float> v;
    for (const auto& x : values) v.push_back(float(x.get<double>()));
    return torch::tensor(v);
}

// Bundle saved from C++ (as the default network is): children conv1, conv2, conv3, no neck.
Bundle smallCnnBundle(const fs::path& dir) {
    fs::create_directories(dir);
    SmallCnnShape shape;
    shape.inChannels = 3;
    shape.widths = {4, 6, 8};
    shape.classes = 3;
    makeSmallCnn(shape, 11).save((dir / "bundle.pt").string());
    writeText(dir / "bundle.json", R"({"format": "niwt-bundle/1", "name": "small", "input": {"width": 16, "height": 16,
              "color": "RGB", "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}})");
    return loadBundle(dir.string(), torch::kCPU);
}

std::string python() { return NIWT_SYSTEM_PYTHON; }
std::string script() { return std::string(NIWT_TEST_SOURCE_DIR) + "/check_exported_classifier.py"; }

bool pythonHasTorch() {
    static const bool ok =
        !python().empty() && std::system((python() + " -c 'import torch' >/dev/null 2>&1").c_str()) == 0;
    return ok;
}

}  // namespace

// Expected: every weight and bias comes back with the same bits (floats are written as the
// shortest decimal of the exactly widened double, strtod is correctly rounded), so logits on any
// features are identical (torch::equal), not merely close; names, flags and metadata unchanged.
TEST(ExportJson, RoundTripIsBitIdenticalAndPredictsTheSame) {
    const auto dir = freshDir("niwt-test-export-json");
    const auto path = (dir / "classifier.json").string();
    const auto c = makeClassifier(17, 5);
    exportClassifierJson(path, c);
    const auto back = importClassifierJson(path);
    EXPECT_TRUE(sameBits(back.weight, c.weight));
    EXPECT_TRUE(sameBits(back.bias, c.bias));
    EXPECT_TRUE(std::signbit(back.weight[0][0].item<float>()));  // -0.0 stays negative zero
    EXPECT_EQ(back.classNames, c.classNames);
    EXPECT_EQ(back.seen, c.seen);
    EXPECT_EQ(back.bundleName, c.bundleName);
    EXPECT_EQ(back.bundleIdentity, c.bundleIdentity);
    EXPECT_EQ(back.bundlePath, c.bundlePath);
    EXPECT_EQ(back.stage, c.stage);
    EXPECT_EQ(back.modality, c.modality);
    EXPECT_EQ(back.hyperParameters, c.hyperParameters);
    EXPECT_EQ(back.metrics, c.metrics);

    // Finite weights for the prediction check (FLT_MAX planted above would overflow logits).
    auto finite = makeClassifier(17, 6);
    finite.weight.index_put_({torch::indexing::Slice(), 0}, torch::randn({5}));
    finite.bias[0] = 0.25f;
    exportClassifierJson(path, finite);
    const auto reread = importClassifierJson(path);
    const auto features = torch::randn({64, 17});
    EXPECT_TRUE(torch::equal(reread.logits(features), finite.logits(features)));
    EXPECT_TRUE(torch::equal(reread.logits(features).argmax(1), finite.logits(features).argmax(1)));

    // The file says what it is.
    const auto json = Json::parse(readFileBytes(path));
    EXPECT_EQ(json["format"], "niwt-classifier/1");
    EXPECT_EQ(json["classes"], 5);
    EXPECT_EQ(json["features"], 17);
}

// Expected: each broken variant of a good file is refused with DataError "PATH: problem" on one
// line, the problem naming what is wrong (so a user can fix the file).
TEST(ExportJson, BrokenFilesAreRefusedNamingTheFile) {
    const auto dir = freshDir("niwt-test-export-json-broken");
    const auto good = (dir / "good.json").string();
    exportClassifierJson(good, makeClassifier(3, 1));
    const std::string bytes = readFileBytes(good);
    const Json base = Json::parse(bytes);

    struct Case {
        std::string name;
        std::string text;
        std::string expected;  // part of the message
    };
    auto edited = [&](const std::function<void(Json&)>& edit) {
        Json j = base;
        edit(j);
        return j.dump();
    };
    std::string nanText = base.dump();
    nanText.replace(nanText.find("\"bias\":[") + 8, 0, "NaN,");  // a NaN literal is not JSON
    const std::vector<Case> cases = {
        {"truncated", bytes.substr(0, bytes.size() / 2), "not valid JSON"},
        {"empty", "", "not valid JSON"},
        {"nan-literal", nanText, "not valid JSON"},
        {"array", "[1, 2]", "not a JSON object"},
        {"format", edited([](Json& j) { j["format"] = "niwt-classifier/2"; }), "expected \"niwt-classifier/1\""},
        {"no-format", edited([](Json& j) { j.erase("format"); }), "missing \"format\""},
        {"no-weight", edited([](Json& j) { j.erase("weight"); }), "missing \"weight\""},
        {"ragged", edited([](Json& j) { j["weight"][2].push_back(1.0); }), "\"weight\"[2] has 4 values, expected 3"},
        {"rows", edited([](Json& j) { j["weight"].erase(4); }), "\"weight\" is not an array of 5 rows"},
        {"null-value", edited([](Json& j) { j["weight"][1][2] = nullptr; }), "\"weight\"[1][2] is not a number"},
        {"string-value", edited([](Json& j) { j["bias"][0] = "NaN"; }), "\"bias\"[0] is not a number"},
        {"out-of-range", edited([](Json& j) { j["weight"][0][1] = 1e39; }), "\"weight\"[0][1] is out of float range"},
        {"bias-length", edited([](Json& j) { j["bias"].erase(0); }), "\"bias\" is not an array of 5 numbers"},
        {"seen-length", edited([](Json& j) { j["seen"].erase(0); }), "\"seen\" is not an array of 5 booleans"},
        {"seen-type", edited([](Json& j) { j["seen"][1] = 1; }), "\"seen\"[1] is not true or false"},
        {"features", edited([](Json& j) { j["features"] = 4; }), "\"features\" is 4"},
        {"duplicate", edited([](Json& j) { j["class_names"][1] = "dog"; }), "class name 'dog' appears twice"},
        {"metrics", edited([](Json& j) { j["metrics"] = 3; }), "\"metrics\" is not an object"},
    };
    for (const auto& c : cases) {
        const auto path = (dir / (c.name + ".json")).string();
        writeText(path, c.text);
        const auto message = importError(path);
        EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << c.name << ": " << message;
        EXPECT_NE(message.find(c.expected), std::string::npos) << c.name << ": " << message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << c.name << ": " << message;
    }
    const auto missing = (dir / "missing.json").string();
    EXPECT_EQ(importError(missing).rfind(missing + ": cannot open", 0), 0u) << importError(missing);
    // The untouched file still reads (the cases above differ from it only in what they name).
    EXPECT_NO_THROW(importClassifierJson(good));
}

// Expected: an inconsistent classifier (NaN weight, names that do not match the rows) is refused
// with std::invalid_argument before anything is written, so the previous export stays byte for byte.
TEST(ExportJson, InconsistentClassifierIsRefusedAndOldFileKept) {
    const auto dir = freshDir("niwt-test-export-json-refused");
    const auto path = (dir / "classifier.json").string();
    exportClassifierJson(path, makeClassifier(4, 2));
    const auto before = readFileBytes(path);

    auto nan = makeClassifier(4, 3);
    nan.weight[2][1] = std::numeric_limits<float>::quiet_NaN();
    EXPECT_THROW(exportClassifierJson(path, nan), std::invalid_argument);
    auto ragged = makeClassifier(4, 3);
    ragged.classNames.pop_back();
    EXPECT_THROW(exportClassifierJson(path, ragged), std::invalid_argument);
    auto duplicate = makeClassifier(4, 3);
    duplicate.classNames[1] = duplicate.classNames[0];
    EXPECT_THROW(exportClassifierJson(path, duplicate), std::invalid_argument);
    auto notUtf8 = makeClassifier(4, 3);
    notUtf8.classNames[1] = "caf\xe9";  // Latin-1, not UTF-8: JSON cannot carry it
    EXPECT_THROW(exportClassifierJson(path, notUtf8), std::invalid_argument);
    EXPECT_EQ(readFileBytes(path), before);
}

// Expected: the module reloaded with torch::jit::load computes torch.linear(features, W, b),
// the same op as LearnedClassifier::logits on the same CPU, so the logits are equal exactly;
// it carries class_names and seen, and has no forward_images without a bundle.
TEST(ExportTorchScript, ReloadedModuleGivesTheSameLogits) {
    const auto dir = freshDir("niwt-test-export-ts");
    const auto path = (dir / "classifier.pt").string();
    const auto c = makeClassifier(12, 8);
    auto finite = c;
    finite.weight = torch::randn({5, 12});
    finite.bias = torch::randn({5});
    exportClassifierTorchScript(path, finite, nullptr);
    auto module = torch::jit::load(path);
    const auto features = torch::randn({9, 12});
    torch::NoGradGuard g;
    const auto logits = module.forward({features}).toTensor();
    EXPECT_TRUE(torch::equal(logits, finite.logits(features)));
    std::vector<std::string> names;
    for (const auto& n : module.attr("class_names").toListRef()) names.push_back(n.toStringRef());
    EXPECT_EQ(names, c.classNames);
    std::vector<bool> seen;
    for (const auto& s : module.attr("seen").toListRef()) seen.push_back(s.toBool());
    EXPECT_EQ(seen, c.seen);
    EXPECT_EQ(module.attr("format").toStringRef(), "niwt-classifier/1");
    EXPECT_EQ(module.attr("stage").toStringRef(), "block17");
    EXPECT_FALSE(module.find_method("forward_images").has_value());
    EXPECT_FALSE(module.is_training());
}

// Expected: forward_images(x) = classifier(features of x through the bundle) where the features
// are what StagedNetwork computes (stages, spatial mean); the same ops in the same order, so
// equal up to 1e-6. The bundle itself is left untouched (its logits unchanged).
TEST(ExportTorchScript, ForwardImagesRunsTheBundleThenTheClassifier) {
    const auto dir = freshDir("niwt-test-export-ts-bundle");
    const auto bundle = smallCnnBundle(dir / "bundle");
    LearnedClassifier c;
    c.classNames = {"red", "green", "blue", "violet"};
    c.seen = {true, true, false, false};
    c.weight = torch::randn({4, bundle.network->featureDim()});
    c.bias = torch::randn({4});
    const auto path = (dir / "classifier.pt").string();
    const auto x = torch::randn({3, 3, 16, 16});
    torch::NoGradGuard g;
    const auto bundleLogitsBefore = bundle.network->logits(x);
    exportClassifierTorchScript(path, c, &bundle);
    auto module = torch::jit::load(path);
    const auto features = bundle.network->featuresFromStage(bundle.network->runStages(x, 0, 0), 0);
    const auto expected = c.logits(features);
    const auto got = module.get_method("forward_images")({x}).toTensor();
    EXPECT_TRUE(torch::allclose(got, expected, 1e-6, 1e-6)) << (got - expected).abs().max();
    EXPECT_TRUE(torch::equal(module.forward({features}).toTensor(), expected));
    EXPECT_TRUE(torch::equal(bundle.network->logits(x), bundleLogitsBefore));
    EXPECT_EQ(module.attr("input_width").toInt(), 16);
    EXPECT_EQ(module.attr("stage_names").toListRef().size(), 3u);

    // A classifier over other features than the bundle's is refused, nothing written.
    c.weight = torch::randn({4, bundle.network->featureDim() + 1});
    EXPECT_THROW(exportClassifierTorchScript((dir / "other.pt").string(), c, &bundle), std::invalid_argument);
    EXPECT_FALSE(fs::exists(dir / "other.pt"));
}

// Runs check_exported_classifier.py on an export of a random classifier over `bundle`'s features
// and compares Python's logits with ours, for forward(features) and forward_images(images).
static void checkInPython(const fs::path& dir, const Bundle& bundle, const torch::Tensor& images) {
    const int f = bundle.network->featureDim();
    auto c = makeClassifier(f, 21);
    c.weight = torch::randn({5, f});
    c.bias = torch::randn({5});
    const auto model = (dir / "classifier.pt").string();
    exportClassifierTorchScript(model, c, &bundle);

    const auto features = torch::randn({4, f});
    writeText(dir / "input.json", Json{{"features", tensorJson(features)}, {"images", tensorJson(images)}}.dump());
    const std::string run = python() + " " + script() + " run " + model + " " + (dir / "input.json").string() + " " +
                            (dir / "output.json").string();
    ASSERT_EQ(std::system(run.c_str()), 0) << run;
    const auto out = Json::parse(readFileBytes((dir / "output.json").string()));

    torch::NoGradGuard g;
    const auto expectedForward = c.logits(features).flatten();
    const auto expectedImages =
        c.logits(bundle.network->featuresFromStage(bundle.network->runStages(images, 0, 0), 0)).flatten();
    const auto gotForward = floatsFromJson(out["forward"]);
    const auto gotImages = floatsFromJson(out["forward_images"]);
    ASSERT_EQ(gotForward.numel(), expectedForward.numel());
    ASSERT_EQ(gotImages.numel(), expectedImages.numel());
    EXPECT_TRUE(torch::allclose(gotForward, expectedForward, 1e-5, 1e-5)) << gotForward << expectedForward;
    EXPECT_TRUE(torch::allclose(gotImages, expectedImages, 1e-5, 1e-5)) << gotImages << expectedImages;
    EXPECT_EQ(out["class_names"].get<std::vector<std::string>>(), c.classNames);
    EXPECT_EQ(out["seen"].get<std::vector<bool>>(), c.seen);
    EXPECT_EQ(out["format"], "niwt-classifier/1");
    EXPECT_EQ(out["training"], false);  // Python's .eval() worked on the whole module
}

// Expected: Python's torch.jit.load of the export (Debian's torch 1.13, the same LibTorch as
// ours) gives the logits C++ computes, for forward(features) and forward_images(images), both
// on a bundle made by PyTorch with a ModuleList of stages (children "0", "1") and a neck, and on
// one made in C++ (SmallCnn); values are carried as JSON decimals of the exact doubles, so the
// inputs are identical; tolerance 1e-5 covers a different thread count in the other process.
TEST(ExportTorchScript, PythonLoadsTheExportAndAgrees) {
    if (!pythonHasTorch())
        GTEST_SKIP() << "no " << (python().empty() ? std::string("python3") : python()) << " with torch";
    const auto dir = freshDir("niwt-test-export-python");
    const std::string make = python() + " " + script() + " make-bundle " + (dir / "bundle").string();
    ASSERT_EQ(std::system(make.c_str()), 0) << make;
    const auto bundle = loadBundle((dir / "bundle").string(), torch::kCPU);
    ASSERT_TRUE(bundle.network->hasNeck());
    ASSERT_EQ(bundle.network->featureDim(), 5);
    checkInPython(dir, bundle, torch::randn({2, 3, 8, 8}));

    const auto cppDir = freshDir("niwt-test-export-python-smallcnn");
    checkInPython(cppDir, smallCnnBundle(cppDir / "bundle"), torch::randn({2, 3, 16, 16}));
}

// Expected: exactly these bytes. tensors.tsv: no header, tab-separated, each float with 9
// significant digits (0.1f is 0.100000001), "-0" for negative zero. metadata.tsv: with two
// columns a header line first; tab and newline inside a value become \t and \n; with one
// column no header (TensorBoard's convention).
TEST(ExportProjector, TsvFilesHaveExactContent) {
    const auto dir = freshDir("niwt-test-export-tsv");
    const auto vectors = torch::tensor({1.0f, -2.5f, 0.125f, 0.1f, 1e6f, -0.0f}).reshape({2, 3});
    exportProjectorTsv((dir / "two").string(), vectors, {{"cat", "seen"}, {"a\tb\nc", "unseen"}}, {"label", "split"});
    EXPECT_EQ(readFileBytes((dir / "two" / "tensors.tsv").string()), "1\t-2.5\t0.125\n0.100000001\t1000000\t-0\n");
    EXPECT_EQ(readFileBytes((dir / "two" / "metadata.tsv").string()), "label\tsplit\ncat\tseen\na\\tb\\nc\tunseen\n");

    exportProjectorTsv((dir / "one").string(), vectors, {{"cat"}, {"dog"}}, {"label"});
    EXPECT_EQ(readFileBytes((dir / "one" / "metadata.tsv").string()), "cat\ndog\n");
    exportProjectorTsv((dir / "one-no-header").string(), vectors, {{"cat"}, {"dog"}}, {});
    EXPECT_EQ(readFileBytes((dir / "one-no-header" / "metadata.tsv").string()), "cat\ndog\n");

    exportProjectorTsv((dir / "none").string(), vectors, {}, {});
    EXPECT_TRUE(fs::exists(dir / "none" / "tensors.tsv"));
    EXPECT_FALSE(fs::exists(dir / "none" / "metadata.tsv"));

    // 9 significant digits read back as the same float, for any value.
    const auto random = torch::randn({4, 7});
    exportProjectorTsv((dir / "random").string(), random, {}, {});
    std::ifstream in(dir / "random" / "tensors.tsv");
    std::vector<float> values;
    std::string token;
    while (in >> token) values.push_back(std::strtof(token.c_str(), nullptr));
    EXPECT_TRUE(sameBits(torch::tensor(values).reshape({4, 7}), random));

    // Wrong shapes are refused before writing.
    EXPECT_THROW(exportProjectorTsv((dir / "bad").string(), vectors, {{"cat"}}, {}), std::invalid_argument);
    EXPECT_THROW(exportProjectorTsv((dir / "bad").string(), vectors, {{"a", "b"}, {"c"}}, {"x", "y"}),
                 std::invalid_argument);
    EXPECT_THROW(exportProjectorTsv((dir / "bad").string(), vectors, {{"a", "b"}, {"c", "d"}}, {}),
                 std::invalid_argument);
    EXPECT_FALSE(fs::exists(dir / "bad"));
}

// Expected: a failed write leaves the previous file intact and no temporary file behind.
// (1) The target is a folder: DataError naming it, the folder and its content untouched.
// (2) The file system refuses the write (RLIMIT_FSIZE below the new file's size; works as root,
//     where a read-only folder would not stop us): DataError "cannot write", old bytes kept.
// (3) Projector: metadata.tsv is a folder: refused before tensors.tsv is replaced.
TEST(ExportFailures, PreviousFileSurvivesAFailedExport) {
    const auto dir = freshDir("niwt-test-export-failures");
    const auto c = makeClassifier(4, 4);

    fs::create_directories(dir / "taken.json" / "inside");
    try {
        exportClassifierJson((dir / "taken.json").string(), c);
        ADD_FAILURE() << "exporting onto a folder succeeded";
    } catch (const DataError& e) {
        EXPECT_EQ(std::string(e.what()).rfind((dir / "taken.json").string() + ": ", 0), 0u) << e.what();
    }
    EXPECT_TRUE(fs::is_directory(dir / "taken.json" / "inside"));
    fs::create_directories(dir / "taken.pt");
    EXPECT_THROW(exportClassifierTorchScript((dir / "taken.pt").string(), c, nullptr), DataError);
    EXPECT_TRUE(fs::is_directory(dir / "taken.pt"));

    const auto path = (dir / "classifier.json").string();
    const auto pt = (dir / "classifier.pt").string();
    exportClassifierJson(path, makeClassifier(1, 4));
    auto small = makeClassifier(1, 4);
    small.weight = torch::randn({5, 1});
    exportClassifierTorchScript(pt, small, nullptr);
    const auto before = readFileBytes(path);
    const auto beforePt = readFileBytes(pt);
    auto big = makeClassifier(2000, 9);
    big.weight = torch::randn({5, 2000});
    rlimit old{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
    const auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of a signal
    rlimit limited = old;
    limited.rlim_cur = std::max<rlim_t>(before.size(), beforePt.size()) + 1;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
    std::string jsonError, ptError;
    try {
        exportClassifierJson(path, big);
    } catch (const DataError& e) {
        jsonError = e.what();
    }
    try {
        exportClassifierTorchScript(pt, big, nullptr);
    } catch (const DataError& e) {
        ptError = e.what();
    }
    ::setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, oldHandler);
    EXPECT_EQ(jsonError.rfind(path + ": cannot write", 0), 0u) << jsonError;
    EXPECT_EQ(ptError.rfind(pt + ": cannot write", 0), 0u) << ptError;
    EXPECT_EQ(readFileBytes(path), before);
    EXPECT_EQ(readFileBytes(pt), beforePt);
    EXPECT_NO_THROW(importClassifierJson(path));
    for (const auto& entry : fs::directory_iterator(dir))
        EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();

    const auto vectors = torch::ones({2, 3});
    exportProjectorTsv((dir / "projector").string(), vectors, {}, {});
    const auto tensorsBefore = readFileBytes((dir / "projector" / "tensors.tsv").string());
    fs::create_directories(dir / "projector" / "metadata.tsv");
    EXPECT_THROW(exportProjectorTsv((dir / "projector").string(), 2 * vectors, {{"a"}, {"b"}}, {}), DataError);
    EXPECT_EQ(readFileBytes((dir / "projector" / "tensors.tsv").string()), tensorsBefore);
}
