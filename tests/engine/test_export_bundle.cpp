// tools/export_bundle.py: torchvision's ResNet-18/50/101, VGG-16 and MobileNetV2 wrapped as
// niwt-bundles load with loadBundle, list the stages bundle.json names (the explorer's Edit >
// Learning Stage menu lists exactly the engine's stageNames()), and reproduce torchvision's logits;
// fine-tuned weights (DataParallel checkpoint, whole pickled model) and the tool's error messages.
// The bundles are made once per run by make_export_fixtures.py with Debian's python3-torchvision
// (in packaging/install-deps.sh, so a missing torchvision fails these tests instead of skipping).
#include "core/model/bundle.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace niwt;
namespace fs = std::filesystem;

namespace {

const std::string kPython = NIWT_SYSTEM_PYTHON;
const std::string kTool = std::string(NIWT_PROJECT_SOURCE_DIR) + "/tools/export_bundle.py";
const fs::path kOut = fs::path(NIWT_TEST_BINARY_DIR) / "export-bundles";

// Runs make_export_fixtures.py once; returns "" on success, else why it failed.
const std::string& fixtureError() {
    static const std::string error = [] {
        if (kPython.empty())
            return std::string("no /usr/bin/python3 (packaging/install-deps.sh installs python3-torch)");
        const std::string cmd = kPython + " " + NIWT_TEST_SOURCE_DIR + "/make_export_fixtures.py " + kOut.string();
        return std::system(cmd.c_str()) == 0
                   ? std::string()
                   : "make_export_fixtures.py failed (python3-torchvision missing? run packaging/install-deps.sh)";
    }();
    return error;
}

std::string readText(const fs::path& file) {
    std::ifstream in(file);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

torch::Tensor readLogits(const fs::path& file) {
    std::ifstream in(file);
    std::vector<float> v;
    float x;
    while (in >> x) v.push_back(x);
    return torch::tensor(v);
}

// make_export_fixtures.py's fixed_input: linspace(-2, 2, numel) in the given shape.
torch::Tensor fixedInput(std::vector<int64_t> shape) {
    int64_t n = 1;
    for (auto d : shape) n *= d;
    return torch::linspace(-2, 2, n).reshape(shape);
}

// Float32 sums may run in a different order (fc6 as a 7x7 convolution instead of a Linear, another
// LibTorch build or CPU) and change logits by a few ulps of the largest intermediate values; 1e-4
// of the logits' own scale is far above that (with Debian's LibTorch 1.13 and the same CPU the
// difference is exactly 0) and far below what a wrong weight or a missing ReLU does (dropping
// fc7's ReLU changes VGG-16's logits by 0.13 at a scale of 0.11).
void expectLogitsMatch(const torch::Tensor& ours, const torch::Tensor& expected, const std::string& what) {
    ASSERT_EQ(ours.numel(), expected.numel()) << what;
    const double scale = expected.abs().max().item<double>();
    ASSERT_GT(scale, 0.0) << what << ": all-zero reference logits would make the comparison empty";
    const double difference = (ours.flatten() - expected).abs().max().item<double>();
    EXPECT_LE(difference, 1e-4 * scale) << what << ": max |ours - torchvision| = " << difference
                                        << ", max |logit| = " << scale;
}

struct CommandResult {
    int status = 0;
    std::string err;
};

// Runs export_bundle.py with `args`; its stderr comes back.
CommandResult runTool(const std::string& args) {
    const fs::path errFile = kOut / "tool-stderr.txt";
    const std::string cmd = kPython + " " + kTool + " " + args + " 2> " + errFile.string() + " > /dev/null";
    CommandResult r;
    r.status = std::system(cmd.c_str());
    r.err = readText(errFile);
    return r;
}

int lineCount(const std::string& text) {
    int lines = 0;
    for (char c : text) lines += c == '\n';
    return lines;
}

struct ArchCase {
    std::string arch;
    // Expected from the architectures themselves: ResNet blocks per layer (18: 2,2,2,2;
    // 50: 3,4,6,3; 101: 3,4,23,3) plus the stem; VGG-16's 13 convolutions plus fc6, fc7;
    // MobileNetV2's stem, 17 inverted residual blocks and the 1x1 head convolution.
    int stages;
    std::string last, defaultStage;
    int featureDim;
};

std::ostream& operator<<(std::ostream& os, const ArchCase& c) { return os << c.arch; }

class ExportedArch : public ::testing::TestWithParam<ArchCase> {
protected:
    void SetUp() override {
        if (!fixtureError().empty()) FAIL() << fixtureError();
    }
};

}  // namespace

TEST_P(ExportedArch, StagesMatchBundleJsonAndLogitsMatchTorchvision) {
    const ArchCase& c = GetParam();
    const fs::path dir = kOut / c.arch;
    const Bundle bundle = loadBundle(dir.string(), torch::kCPU);
    const auto& net = *bundle.network;

    EXPECT_EQ(net.stageCount(), c.stages);
    EXPECT_EQ(net.stageNames().back(), c.last);
    EXPECT_EQ(net.stageNames()[size_t(resolveStage(bundle, ""))], c.defaultStage);
    EXPECT_EQ(net.featureDim(), c.featureDim);
    EXPECT_EQ(net.classifierOutputs(), 1000);
    EXPECT_FALSE(net.hasNeck());

    // bundle.json: ImageNet normalisation at the nominal 64x64, labels class_0 .. class_999.
    EXPECT_EQ(bundle.input.width, 64);
    EXPECT_EQ(bundle.input.height, 64);
    EXPECT_EQ(bundle.input.color, "RGB");
    EXPECT_FLOAT_EQ(bundle.input.mean[0], 0.485f);
    EXPECT_FLOAT_EQ(bundle.input.std[2], 0.225f);
    EXPECT_DOUBLE_EQ(bundle.input.centerCrop, 0.875);
    ASSERT_EQ(bundle.labels.size(), 1000u);
    EXPECT_EQ(bundle.labels.front(), "class_0");
    EXPECT_EQ(bundle.labels.back(), "class_999");

    // The engine's stage list (what the explorer's stage picker shows) is bundle.json's, and each
    // stage run alone on a 64x64 input yields the shape bundle.json records.
    const auto meta = nlohmann::json::parse(readText(dir / "bundle.json"));
    ASSERT_EQ(int(meta["stages"].size()), net.stageCount());
    EXPECT_EQ(meta["classifier"]["in"].get<int>(), net.featureDim());
    EXPECT_EQ(meta["classifier"]["out"].get<int>(), net.classifierOutputs());
    torch::NoGradGuard noGrad;
    torch::Tensor x = torch::zeros({1, 3, 64, 64});
    for (int i = 0; i < net.stageCount(); ++i) {
        const auto& s = meta["stages"][size_t(i)];
        EXPECT_EQ(net.stageNames()[size_t(i)], s["name"].get<std::string>());
        x = net.runStages(x, i, i);
        EXPECT_EQ(x.sizes().vec(), (std::vector<int64_t>{1, s["channels"].get<int64_t>(), s["height"].get<int64_t>(),
                                                         s["width"].get<int64_t>()}))
            << "stage " << s["name"];
    }

    expectLogitsMatch(net.logits(fixedInput({2, 3, 64, 64})), readLogits(dir / "logits_64x64.txt"), c.arch + " 64x64");
    // Not the nominal size, not square: VGG's fc6 stage pools adaptively to 7x7 as torchvision does.
    expectLogitsMatch(net.logits(fixedInput({1, 3, 72, 96})), readLogits(dir / "logits_72x96.txt"), c.arch + " 72x96");
}

INSTANTIATE_TEST_SUITE_P(Torchvision, ExportedArch,
                         ::testing::Values(ArchCase{"resnet18", 9, "layer4.1", "layer4.0", 512},
                                           ArchCase{"resnet50", 17, "layer4.2", "layer4.1", 2048},
                                           ArchCase{"resnet101", 34, "layer4.2", "layer4.1", 2048},
                                           ArchCase{"vgg16", 15, "fc7", "fc6", 4096},
                                           ArchCase{"mobilenet_v2", 19, "head_conv", "block17", 1280}),
                         [](const ::testing::TestParamInfo<ArchCase>& info) { return info.param.arch; });

TEST(ExportBundle, VggStagesAreConvLayersThenFc6Fc7) {
    if (!fixtureError().empty()) FAIL() << fixtureError();
    const Bundle bundle = loadBundle((kOut / "vgg16").string(), torch::kCPU);
    const std::vector<std::string> expected{"conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1",
                                            "conv3_2", "conv3_3", "conv4_1", "conv4_2", "conv4_3",
                                            "conv5_1", "conv5_2", "conv5_3", "fc6",     "fc7"};
    EXPECT_EQ(bundle.network->stageNames(), expected);
}

// A 10-class head saved from DataParallel inside a {'epoch', 'state_dict'} checkpoint, with labels.
TEST(ExportBundle, FineTunedDataParallelCheckpointReproducesItsLogits) {
    if (!fixtureError().empty()) FAIL() << fixtureError();
    const Bundle bundle = loadBundle((kOut / "finetuned").string(), torch::kCPU);
    EXPECT_EQ(bundle.network->classifierOutputs(), 10);
    ASSERT_EQ(bundle.labels.size(), 10u);
    EXPECT_EQ(bundle.labels[3], "bird_3");
    torch::NoGradGuard noGrad;
    expectLogitsMatch(bundle.network->logits(fixedInput({2, 3, 64, 64})),
                      readLogits(kOut / "finetuned_logits_64x64.txt"), "fine-tuned checkpoint");
}

TEST(ExportBundle, WholePickledModelReproducesItsLogits) {
    if (!fixtureError().empty()) FAIL() << fixtureError();
    const fs::path out = kOut / "from-pickled-model";
    fs::remove_all(out);
    const auto r =
        runTool("resnet18 " + out.string() + " --input-size 64 --weights " + (kOut / "finetuned_model.pt").string());
    ASSERT_EQ(r.status, 0) << r.err;
    const Bundle bundle = loadBundle(out.string(), torch::kCPU);
    EXPECT_EQ(bundle.labels.size(), 10u);
    EXPECT_EQ(bundle.labels.back(), "class_9");
    torch::NoGradGuard noGrad;
    expectLogitsMatch(bundle.network->logits(fixedInput({2, 3, 64, 64})),
                      readLogits(kOut / "finetuned_logits_64x64.txt"), "whole pickled model");
}

// ResNet-18's first block has 3x3 convolutions where ResNet-50's bottleneck starts with a 1x1
// (conv1 and bn1 of the stem are the same in both), so that is the first key that does not fit.
TEST(ExportBundle, MismatchingStateDictNamesTheFirstKeyAndShapesOnOneLine) {
    if (!fixtureError().empty()) FAIL() << fixtureError();
    const fs::path out = kOut / "mismatch";
    fs::remove_all(out);
    const std::string weights = (kOut / "finetuned_checkpoint.pt").string();
    const auto r = runTool("resnet50 " + out.string() + " --weights " + weights);
    EXPECT_NE(r.status, 0);
    EXPECT_EQ(lineCount(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(weights + ": does not fit resnet50: key 'layer1.0.conv1.weight' has shape "
                                   "[64, 64, 3, 3] in the file but [64, 64, 1, 1] expected"),
              std::string::npos)
        << r.err;
    EXPECT_FALSE(fs::exists(out / "bundle.pt"));
}

TEST(ExportBundle, BadArgumentsGiveOneLineErrors) {
    if (!fixtureError().empty()) FAIL() << fixtureError();
    const fs::path out = kOut / "errors";
    fs::remove_all(out);

    auto r = runTool("resnet34x " + out.string() + " --random");
    EXPECT_NE(r.status, 0);
    EXPECT_EQ(lineCount(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("unknown architecture 'resnet34x' (known: resnet18,"), std::string::npos) << r.err;

    r = runTool("resnet18 " + out.string() + " --weights /nonexistent/weights.pth");
    EXPECT_NE(r.status, 0);
    EXPECT_EQ(r.err, "export_bundle.py: /nonexistent/weights.pth: no such file\n");

    const fs::path notTorch = kOut / "not-a-model.pth";
    std::ofstream(notTorch) << "hello";
    r = runTool("resnet18 " + out.string() + " --weights " + notTorch.string());
    EXPECT_NE(r.status, 0);
    EXPECT_EQ(r.err,
              "export_bundle.py: " + notTorch.string() + ": not a PyTorch file (torch.save writes a zip archive)\n");

    r = runTool("resnet18 " + out.string());
    EXPECT_NE(r.status, 0);
    EXPECT_EQ(lineCount(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("no weights: give --weights FILE"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--random"), std::string::npos) << r.err;

    // Eleven names for a ten-class head.
    const fs::path labels = kOut / "eleven-labels.txt";
    std::ofstream(labels) << "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n";
    r = runTool("resnet18 " + out.string() + " --weights " + (kOut / "finetuned_checkpoint.pt").string() +
                " --labels " + labels.string());
    EXPECT_NE(r.status, 0);
    EXPECT_EQ(r.err, "export_bundle.py: " + labels.string() + ": 11 labels, but the classifier has 10 outputs\n");

    // A folder with other content is left alone.
    fs::create_directories(out / "notes");
    std::ofstream(out / "notes" / "keep.txt") << "mine";
    r = runTool("resnet18 " + out.string() + " --random --input-size 32");
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find(out.string() + ": not empty and not a niwt-bundle/1 folder"), std::string::npos) << r.err;
    EXPECT_EQ(readText(out / "notes" / "keep.txt"), "mine");
    EXPECT_FALSE(fs::exists(out / "bundle.pt"));
}

// --random warns, and a second export over an earlier bundle replaces it (no .tmp left behind).
TEST(ExportBundle, RandomWeightsWarnAndReexportReplacesTheBundle) {
    if (!fixtureError().empty()) FAIL() << fixtureError();
    const fs::path out = kOut / "random";
    fs::remove_all(out);
    auto r = runTool("mobilenet_v2 " + out.string() + " --random --input-size 32 --name First");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("warning: random weights"), std::string::npos) << r.err;
    EXPECT_EQ(loadBundle(out.string(), torch::kCPU).name, "First");
    r = runTool("MobileNetV2 " + out.string() + " --random --seed 7 --input-size 48 --name Second");
    ASSERT_EQ(r.status, 0) << r.err;
    const Bundle bundle = loadBundle(out.string(), torch::kCPU);
    EXPECT_EQ(bundle.name, "Second");
    EXPECT_EQ(bundle.input.width, 48);
    EXPECT_EQ(bundle.network->classifierOutputs(), 1000);
    EXPECT_FALSE(fs::exists(out / ".tmp"));
}
