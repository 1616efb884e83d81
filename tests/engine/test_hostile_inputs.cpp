// Issue 13 ("Hostile inputs"), the engine side: stale and non-finite caches, damaged bundles and
// labels files from outside the bundle. Each test is one input of the issue and the result or
// one-line error (naming the file, the network or the limit) now given.
#include "core/data/dataset.h"
#include "core/io/atomic_file.h"
#include "core/io/hash.h"
#include "core/io/matrix_file.h"
#include "core/io/sha256.h"
#include "core/model/bundle.h"
#include "core/model/bundle_json.h"
#include "core/pipeline/default_network.h"
#include "core/pipeline/extraction.h"
#include "tests/data/test_support.h"
#include "tests/engine/colour_fixture.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

using namespace niwt;
namespace fs = std::filesystem;

namespace {

using test::dataErrorOf;

ExtractionOptions optionsFor(const test::ColourFixture& f) {
    ExtractionOptions o;
    o.cacheDir = (f.root / "cache").string();
    o.batchSize = 4;
    o.decodeThreads = 2;
    o.head.maxEpochs = 20;
    return o;
}

FeatureSet featuresOf(const test::ColourFixture& f) {
    Extractor extractor(f.dataset, f.bundle, resolveStage(f.bundle, ""), torch::kCPU, optionsFor(f));
    return extractor.allFeatures();
}

std::vector<fs::path> cacheFiles(const fs::path& dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& entry : fs::recursive_directory_iterator(dir, ec))
        if (entry.path().extension() == ".niwtmat") files.push_back(entry.path());
    return files;
}

void writeText(const fs::path& file, const std::string& text) { std::ofstream(file, std::ios::binary) << text; }

// Sets the first value of a matrix file to NaN and fixes its checksum, as a cache written by a
// version that did not refuse NaN would be.
void poisonFirstValue(const std::string& path) {
    std::string bytes = readFileBytes(path);
    uint64_t headerSize = 0;
    for (int i = 0; i < 8; ++i) headerSize |= uint64_t(static_cast<unsigned char>(bytes[size_t(8 + i)])) << (8 * i);
    const size_t valuesAt = 16 + size_t(headerSize);
    const size_t checksumAt = bytes.size() - 16;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::memcpy(&bytes[valuesAt], &nan, sizeof nan);
    const uint64_t checksum = fnv1a64(bytes.data() + 16, checksumAt - 16);
    for (int i = 0; i < 8; ++i) bytes[checksumAt + size_t(i)] = char((checksum >> (8 * i)) & 0xff);
    writeFileAtomically(path, bytes);
}

}  // namespace

// Item 2: the feature cache key covered only the image paths. After an image was emptied (or
// replaced), the next run served the old features and reported 0 new unreadable images. The key
// now holds each file's size and modification time, so the features are recomputed.
TEST(HostileInputs, ChangedImageFilesInvalidateTheFeatureCache) {
    test::ColourFixtureOptions options;
    options.corruptRedImage = true;
    const auto f = test::makeColourFixture("niwt-test-hostile-stale", options);
    const FeatureSet first = featuresOf(f);
    EXPECT_FALSE(first.fromCache);
    EXPECT_EQ(first.failed, 1);            // red/img3.png
    EXPECT_TRUE(featuresOf(f).fromCache);  // unchanged files: the cache is used

    std::ofstream(f.root / "data" / "green" / "img0.png", std::ios::trunc);  // emptied
    const FeatureSet emptied = featuresOf(f);
    EXPECT_FALSE(emptied.fromCache);
    EXPECT_EQ(emptied.failed, 2);
    EXPECT_EQ(emptied.images.size() + 1, first.images.size());

    // Replaced by another image (same path): a later modification time is enough.
    const fs::path replaced = f.root / "data" / "green" / "img1.png";
    fs::copy_file(f.root / "data" / "blue" / "img1.png", replaced, fs::copy_options::overwrite_existing);
    fs::last_write_time(replaced, fs::last_write_time(replaced) + std::chrono::seconds(10));
    const FeatureSet afterReplace = featuresOf(f);
    EXPECT_FALSE(afterReplace.fromCache);
    EXPECT_EQ(afterReplace.failed, 2);
    EXPECT_TRUE(featuresOf(f).fromCache);
    fs::remove_all(f.root);
}

// Item 8: a network that outputs NaN failed only in trainLinearHead ("features contain NaN or
// infinity", naming nothing) and its NaN feature cache stayed on disk for the next run. Now the
// error names the bundle and the stage, and nothing is cached; a NaN cache already on disk is
// treated as invalid and recomputed.
TEST(HostileInputs, NonFiniteResultsAreNeverCachedNorReused) {
    auto f = test::makeColourFixture("niwt-test-hostile-nan");
    const int stage = resolveStage(f.bundle, "");
    const std::string stageName = f.bundle.network->stageNames()[size_t(stage)];

    // A NaN cache on disk (written before NaN was refused): not reused, recomputed.
    const FeatureSet good = featuresOf(f);
    poisonFirstValue(good.cachePath);
    std::string why;
    EXPECT_FALSE(readMatrixFile(good.cachePath, nlohmann::json(), &why));
    EXPECT_EQ(why, "holds NaN or infinity (value 0)");
    const FeatureSet recomputed = featuresOf(f);
    EXPECT_FALSE(recomputed.fromCache);
    EXPECT_TRUE(torch::equal(recomputed.features, good.features));
    EXPECT_TRUE(readMatrixFile(good.cachePath, nlohmann::json(), &why)) << why;

    // The last guard: writeMatrixFile itself refuses non-finite values.
    MatrixFile nanMatrix;
    nanMatrix.rows = nanMatrix.cols = 1;
    nanMatrix.values = {std::numeric_limits<float>::infinity()};
    const std::string refused = (f.root / "refused.niwtmat").string();
    EXPECT_EQ(dataErrorOf([&] { writeMatrixFile(refused, nanMatrix); }),
              refused + ": not written: the values contain NaN or infinity");
    EXPECT_FALSE(fs::exists(refused));

    // A network whose weights are NaN: the error names bundle.pt and the stage; no cache written.
    SmallCnnShape shape;
    shape.inChannels = 3;
    shape.widths = {4, 6, 8};
    shape.classes = 3;
    auto module = makeSmallCnn(shape, 11);
    {
        torch::NoGradGuard noGrad;
        for (auto p : module.parameters()) p.fill_(std::numeric_limits<float>::quiet_NaN());
    }
    const fs::path nanBundle = f.root / "nan-bundle";
    fs::create_directories(nanBundle);
    module.save((nanBundle / "bundle.pt").string());
    fs::copy_file(f.root / "bundle" / "bundle.json", nanBundle / "bundle.json");
    f.bundle = loadBundle(nanBundle.string(), torch::kCPU);
    fs::remove_all(f.root / "cache");
    EXPECT_EQ(dataErrorOf([&] { featuresOf(f); }),
              (nanBundle / "bundle.pt").string() + ": the features at stage \"" + stageName +
                  "\" contain NaN or infinity (the network computes non-finite values); nothing was cached");
    EXPECT_TRUE(cacheFiles(f.root / "cache").empty());
    fs::remove_all(f.root);
}

// Item 5: a bundle.pt with 8 bytes overwritten in the middle loaded and gave other features
// silently. bundle.json's "sha256" (written by tools/export_bundle.py) is now checked.
TEST(HostileInputs, DamagedBundleIsRefusedByItsChecksum) {
    EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const auto f = test::makeColourFixture("niwt-test-hostile-checksum");
    const fs::path dir = f.root / "bundle";
    const std::string model = (dir / "bundle.pt").string(), json = (dir / "bundle.json").string();
    std::string bytes = readFileBytes(model);
    const std::string checksum = sha256Hex(bytes);
    writeText(json,
              R"({"format": "niwt-bundle/1", "input": {"width": 16, "height": 16}, "sha256": ")" + checksum + "\"}");
    EXPECT_NO_THROW(loadBundle(dir.string(), torch::kCPU));

    std::memcpy(&bytes[bytes.size() / 2], "DAMAGED!", 8);
    writeFileAtomically(model, bytes);
    EXPECT_EQ(dataErrorOf([&] { loadBundle(dir.string(), torch::kCPU); }),
              model + ": damaged: its SHA-256 is " + sha256Hex(bytes) + " but " + json + " records " + checksum);
    EXPECT_EQ(dataErrorOf([&] {
                  parseBundleJson(R"({"format": "niwt-bundle/1", "input": {"width": 2, "height": 2}, "sha256": "x"})",
                                  "b.json");
              }),
              "b.json: sha256: expected 64 hex digits (bundle.pt's SHA-256)");
    fs::remove_all(f.root);
}

// Item 13: bundle.json's "labels" could point outside the bundle (../../etc/passwd was read as
// 24 labels), and a missing labels file silently gave 0 labels. Item 3: a labels file had no size
// limit.
TEST(HostileInputs, LabelsFileMustBeInsideTheBundleExistAndBeBounded) {
    const std::string head = R"({"format": "niwt-bundle/1", "input": {"width": 2, "height": 2}, "labels": )";
    for (const std::string outside : {"../../etc/passwd", "/dev/zero", "a/../../b.txt"})
        EXPECT_EQ(dataErrorOf([&] { parseBundleJson(head + "\"" + outside + "\"}", "b.json"); }),
                  "b.json: labels: \"" + outside +
                      "\" is not a file inside the bundle folder (give a relative path without \"..\")");

    const auto f = test::makeColourFixture("niwt-test-hostile-labels");
    const fs::path dir = f.root / "bundle";
    const std::string json = (dir / "bundle.json").string(), labels = (dir / "labels.txt").string();
    writeText(json, head + "\"labels.txt\"}");
    EXPECT_EQ(dataErrorOf([&] { loadBundle(dir.string(), torch::kCPU); }),
              labels + ": missing (" + json + " names it as the labels file)");

    const fs::path outside = f.root / "outside.txt";  // beside the bundle folder, not in it
    writeText(outside, "x\n");
    fs::create_symlink(outside, labels);  // inside by name, outside in fact
    EXPECT_EQ(dataErrorOf([&] { loadBundle(dir.string(), torch::kCPU); }),
              labels + ": leads outside the bundle folder (to " + fs::canonical(outside).string() + ")");
    fs::remove(labels);

    writeText(labels, "");
    fs::resize_file(labels, (64 << 20) + 1);  // sparse: one byte over the limit
    EXPECT_EQ(dataErrorOf([&] { loadBundle(dir.string(), torch::kCPU); }),
              labels + ": larger than the 64 MiB limit for labels files (see the README's \"Input limits\")");

    writeText(labels, "red\ngreen\nblue\n");
    EXPECT_EQ(loadBundle(dir.string(), torch::kCPU).labels, (std::vector<std::string>{"red", "green", "blue"}));
    fs::remove_all(f.root);
}

// Item 14 (part): skipped images were counted but never named. Each is now listed ("PATH: why"),
// also when the features come from the cache, and in the partial caches that shards write.
TEST(HostileInputs, SkippedImagesAreNamed) {
    test::ColourFixtureOptions options;
    options.corruptRedImage = true;
    const auto f = test::makeColourFixture("niwt-test-hostile-skipped", options);
    const std::string corrupt = (f.root / "data" / "red" / "img3.png").string();
    const std::vector<std::string> expected = {corrupt + ": cannot decode (corrupt or unsupported image format)"};
    const FeatureSet computed = featuresOf(f);
    EXPECT_EQ(computed.unreadable, expected);
    const FeatureSet cached = featuresOf(f);
    EXPECT_TRUE(cached.fromCache);
    EXPECT_EQ(cached.unreadable, expected);

    // Two shards, merged: the same list (and the same file as the unsharded run's).
    const std::string unshardedFile = readFileBytes(computed.cachePath);
    fs::remove_all(f.root / "cache");
    for (int s = 1; s <= 2; ++s) {
        Extractor extractor(f.dataset, f.bundle, resolveStage(f.bundle, ""), torch::kCPU, optionsFor(f));
        const PartialCache part = extractor.featuresShard({s, 2});
        EXPECT_EQ(int(part.unreadable.size()), part.failed);
    }
    mergePartialCaches(optionsFor(f).cacheDir, {}, true);
    const FeatureSet merged = featuresOf(f);
    EXPECT_TRUE(merged.fromCache);
    EXPECT_EQ(merged.unreadable, expected);
    EXPECT_EQ(readFileBytes(merged.cachePath), unshardedFile);
    fs::remove_all(f.root);
}

// Item 5, the default network: the bundle the embedded data set trains for itself carries the
// checksum too, so its cached copy is verified like an exported one.
TEST(HostileInputs, DefaultNetworkBundleCarriesItsChecksum) {
    const Dataset dataset = openDataset("fashion-mnist");
    const fs::path cache = fs::temp_directory_path() / "niwt-test-hostile-default-network";
    fs::remove_all(cache);
    DefaultNetworkOptions options;
    options.cacheDir = cache.string();
    options.epochs = 1;
    options.trainLimit = 40;
    options.device = "cpu";
    const fs::path dir = ensureDefaultNetwork(dataset, options, {}, {}).bundleDir;
    const auto meta = nlohmann::json::parse(readFileBytes((dir / "bundle.json").string()));
    EXPECT_EQ(meta.value("sha256", ""), sha256Hex(readFileBytes((dir / "bundle.pt").string())));
    EXPECT_NO_THROW(loadBundle(dir.string(), torch::kCPU));
    fs::remove_all(cache);
}
