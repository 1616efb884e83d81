// Cluster-scale extraction: N shards' partial caches, merged, are the unsharded run's caches bit
// for bit (features, seen head, importances), and the merge refuses incomplete, mixed or
// overlapping parts with a message naming them. Runs on the colour fixture (60 16x16 images).
#include "core/data/dataset.h"
#include "core/io/atomic_file.h"
#include "core/io/cache_shards.h"
#include "core/pipeline/extraction.h"
#include "tests/engine/colour_fixture.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

using namespace niwt;
namespace fs = std::filesystem;

namespace {

// Six classes (blue unseen), 10 images each, red/img3 unreadable: 60 images, 59 readable; 39
// readable seen training images out of 40 (every 5th image of a class is a test image).
test::ColourFixture makeFixture(const std::string& name) {
    test::ColourFixtureOptions o;
    o.corruptRedImage = true;
    o.mixedColours = true;
    return test::makeColourFixture(name, o);
}

// Batches of 4: 15 feature batches, 10 importance batches, so 3 shards get 5/5/5 and 3/3/4.
ExtractionOptions optionsFor(const test::ColourFixture& f) {
    ExtractionOptions o;
    o.cacheDir = (f.root / "cache").string();
    o.batchSize = 4;
    o.decodeThreads = 2;
    o.head.maxEpochs = 30;
    return o;
}

bool sameBits(const torch::Tensor& a, const torch::Tensor& b) {
    return a.sizes() == b.sizes() && a.scalar_type() == b.scalar_type() && a.is_contiguous() && b.is_contiguous() &&
           std::memcmp(a.data_ptr(), b.data_ptr(), size_t(a.numel()) * a.element_size()) == 0;
}

std::string mergeError(const std::string& cacheDir, const std::vector<std::string>& inputs = {}) {
    try {
        mergePartialCaches(cacheDir, inputs, true);
    } catch (const DataError& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST(ShardSpec, ParsesOneBasedIndicesAndRefusesOthers) {
    const auto s = parseShardSpec("2/3");
    EXPECT_EQ(s.index, 2);
    EXPECT_EQ(s.count, 3);
    for (const char* bad : {"4/3", "0/3", "x/y", "3", "1/0", "-1/3", "1/3/4", ""}) {
        try {
            parseShardSpec(bad);
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find("--shard expects I/N"), std::string::npos) << e.what();
        }
    }
}

// Every position in exactly one shard, shards in order, each starting on a batch boundary.
TEST(ShardSpec, SlicesTileTheListInWholeBatches) {
    for (int64_t size = 0; size <= 40; ++size)
        for (int batch = 1; batch <= 6; ++batch)
            for (int count = 1; count <= 8; ++count) {
                int64_t next = 0;
                for (int i = 1; i <= count; ++i) {
                    const auto slice = shardSlice({i, count}, size, batch);
                    ASSERT_EQ(slice.begin, next) << size << " " << batch << " " << i << "/" << count;
                    ASSERT_LE(slice.begin, slice.end);
                    ASSERT_EQ(slice.begin % batch, 0);
                    next = slice.end;
                }
                ASSERT_EQ(next, size);
            }
    // 15 batches of 4 over 60 items, 3 shards: batches 0-4, 5-9, 10-14.
    EXPECT_EQ(shardSlice({2, 3}, 60, 4).begin, 20);
    EXPECT_EQ(shardSlice({2, 3}, 60, 4).end, 40);
}

TEST(ExtractionShards, MergedShardsEqualTheUnshardedCachesBitForBit) {
    auto f = makeFixture("niwt-test-shards");
    const auto options = optionsFor(f);
    const int stage = resolveStage(f.bundle, "");

    // The unsharded run from a cold cache (its importance pass reuses the feature pass's kept
    // activations where the batch sizes allow).
    Extractor whole(f.dataset, f.bundle, stage, torch::kCPU, options);
    const FeatureSet features = whole.allFeatures();
    const SeenHead head = whole.seenHead();
    const ImportanceSet alpha = whole.importances();
    ASSERT_EQ(features.images.size(), 59u);
    ASSERT_EQ(alpha.images.size(), 39u);
    const std::string featureBytes = readFileBytes(features.cachePath);
    const std::string alphaBytes = readFileBytes(alpha.cachePath);
    fs::remove_all(options.cacheDir);

    // Each shard is a separate job: a fresh extractor. 60 images in 15 batches of 4: 20 a shard,
    // less the unreadable red/img3 in its shard.
    int corrupt = -1;
    for (size_t i = 0; i < f.dataset.images.size(); ++i)
        if (fs::path(f.dataset.images[i].path).parent_path().filename() == "red" &&
            fs::path(f.dataset.images[i].path).filename() == "img3.png")
            corrupt = int(i);
    ASSERT_GE(corrupt, 0);
    for (int s = 1; s <= 3; ++s) {
        Extractor job(f.dataset, f.bundle, stage, torch::kCPU, options);
        const auto part = job.featuresShard({s, 3});
        EXPECT_EQ(part.slice.begin, 20 * (s - 1));
        EXPECT_EQ(part.slice.end, 20 * s);
        EXPECT_EQ(part.fullPath, features.cachePath);
        EXPECT_EQ(part.rows, corrupt / 20 == s - 1 ? 19 : 20);
    }
    EXPECT_FALSE(fs::exists(features.cachePath));  // only parts so far
    auto merged = mergePartialCaches(options.cacheDir, {}, true);
    ASSERT_EQ(merged.size(), 1u);
    EXPECT_EQ(merged[0].kind, "features");
    EXPECT_EQ(merged[0].path, features.cachePath);
    EXPECT_EQ(merged[0].rows, 59);
    EXPECT_TRUE(readFileBytes(features.cachePath) == featureBytes)
        << "merged feature cache differs from the unsharded one";
    EXPECT_TRUE(fs::is_empty(partialCacheDir(options.cacheDir)));  // merged parts are removed

    Extractor headJob(f.dataset, f.bundle, stage, torch::kCPU, options);
    const auto& head2 = headJob.seenHeadFromCachedFeatures();
    EXPECT_FALSE(head2.fromCache);
    EXPECT_EQ(head2.cachePath, head.cachePath);
    // The head file records its training time, so compare what it holds: the weights, bit for bit.
    EXPECT_TRUE(sameBits(head2.head.weight, head.head.weight));
    EXPECT_TRUE(sameBits(head2.head.bias, head.head.bias));
    EXPECT_EQ(head2.identity, head.identity);

    // Importance list: 40 positions in batches of 4 -> shards of 3, 3 and 4 batches.
    const int64_t begins[] = {0, 12, 24}, ends[] = {12, 24, 40};
    for (int s = 1; s <= 3; ++s) {
        Extractor job(f.dataset, f.bundle, stage, torch::kCPU, options);
        const auto part = job.importancesShard({s, 3});
        EXPECT_EQ(part.slice.begin, begins[s - 1]);
        EXPECT_EQ(part.slice.end, ends[s - 1]);
        EXPECT_EQ(part.fullPath, alpha.cachePath);
    }
    merged = mergePartialCaches(options.cacheDir, {}, true);
    ASSERT_EQ(merged.size(), 1u);
    EXPECT_EQ(merged[0].kind, "importances");
    EXPECT_EQ(merged[0].rows, 39);
    EXPECT_TRUE(readFileBytes(alpha.cachePath) == alphaBytes)
        << "merged importance cache differs from the unsharded one";

    // What later runs read: the same tensors, bit for bit, from the merged caches.
    Extractor reader(f.dataset, f.bundle, stage, torch::kCPU, options);
    const auto& features2 = reader.allFeatures();
    const auto alpha2 = reader.importances();
    EXPECT_TRUE(features2.fromCache);
    EXPECT_TRUE(reader.seenHead().fromCache);
    EXPECT_TRUE(alpha2.fromCache);
    EXPECT_TRUE(sameBits(features2.features, features.features));
    EXPECT_TRUE(sameBits(alpha2.alpha, alpha.alpha));
    EXPECT_EQ(alpha2.images, alpha.images);
    EXPECT_EQ(alpha2.classes, alpha.classes);

    // The route does not matter either: recomputed from the image files (features cached, no
    // kept activations) the importances are the cold run's bits.
    fs::remove(alpha.cachePath);
    Extractor decoding(f.dataset, f.bundle, stage, torch::kCPU, options);
    const auto alpha3 = decoding.importances();
    EXPECT_FALSE(alpha3.fromCache);
    EXPECT_TRUE(sameBits(alpha3.alpha, alpha.alpha));
}

TEST(ExtractionShards, StepsNeedTheMergedCachesBeforeThem) {
    auto f = makeFixture("niwt-test-shards-order");
    const auto options = optionsFor(f);
    Extractor job(f.dataset, f.bundle, 1, torch::kCPU, options);
    // No merged features: neither the head nor importances extract every image behind its back.
    try {
        job.seenHeadFromCachedFeatures();
        ADD_FAILURE() << "head trained without merged features";
    } catch (const DataError& e) {
        EXPECT_NE(std::string(e.what()).find("no usable feature cache"), std::string::npos) << e.what();
    }
    for (int s = 1; s <= 2; ++s) Extractor(f.dataset, f.bundle, 1, torch::kCPU, options).featuresShard({s, 2});
    mergePartialCaches(options.cacheDir, {}, true);
    // Merged features but no head cache: the importance shards do not train (and race on) it.
    Extractor shard(f.dataset, f.bundle, 1, torch::kCPU, options);
    try {
        shard.importancesShard({1, 2});
        ADD_FAILURE() << "importance shard trained its own head";
    } catch (const DataError& e) {
        EXPECT_NE(std::string(e.what()).find("no usable seen head cache"), std::string::npos) << e.what();
    }
}

TEST(ExtractionShards, MergeNamesAMissingShard) {
    auto f = makeFixture("niwt-test-shards-missing");
    const auto options = optionsFor(f);
    for (int s : {1, 3}) Extractor(f.dataset, f.bundle, 1, torch::kCPU, options).featuresShard({s, 3});
    const std::string error = mergeError(options.cacheDir);
    EXPECT_NE(error.find("missing shard 2/3 of the features cache"), std::string::npos) << error;
    EXPECT_NE(error.find("--shard 2/3 --phase features"), std::string::npos) << error;
    // Nothing merged, nothing removed.
    EXPECT_EQ(std::distance(fs::directory_iterator(partialCacheDir(options.cacheDir)), fs::directory_iterator()), 2);
    for (const auto& entry : fs::directory_iterator(options.cacheDir))
        EXPECT_TRUE(entry.is_directory()) << entry.path() << " written despite the missing shard";
}

TEST(ExtractionShards, MergeRefusesPartsOfAnotherBundleOrHead) {
    auto f = makeFixture("niwt-test-shards-mixed");
    auto options = optionsFor(f);

    // Another network (same architecture, other weights) for shard 2/2 of the features.
    SmallCnnShape shape;
    shape.inChannels = 3;
    shape.widths = {4, 6, 8};
    shape.classes = 3;
    fs::create_directories(f.root / "other-bundle");
    makeSmallCnn(shape, 12).save((f.root / "other-bundle" / "bundle.pt").string());
    fs::copy_file(f.root / "bundle" / "bundle.json", f.root / "other-bundle" / "bundle.json");
    const Bundle other = loadBundle((f.root / "other-bundle").string(), torch::kCPU);
    Extractor(f.dataset, f.bundle, 1, torch::kCPU, options).featuresShard({1, 2});
    Extractor(f.dataset, other, 1, torch::kCPU, options).featuresShard({2, 2});
    std::string error = mergeError(options.cacheDir);
    EXPECT_NE(error.find("parts of different features caches: they differ in bundle"), std::string::npos) << error;

    // The right shard 2/2, merged; then importances of shard 2/2 against another head (trained
    // with other options on the same features).
    fs::remove_all(partialCacheDir(options.cacheDir));
    for (int s = 1; s <= 2; ++s) Extractor(f.dataset, f.bundle, 1, torch::kCPU, options).featuresShard({s, 2});
    mergePartialCaches(options.cacheDir, {}, true);
    Extractor(f.dataset, f.bundle, 1, torch::kCPU, options).seenHeadFromCachedFeatures();
    Extractor(f.dataset, f.bundle, 1, torch::kCPU, options).importancesShard({1, 2});
    auto otherHead = options;
    otherHead.head.maxEpochs = 5;
    Extractor(f.dataset, f.bundle, 1, torch::kCPU, otherHead).seenHeadFromCachedFeatures();
    Extractor(f.dataset, f.bundle, 1, torch::kCPU, otherHead).importancesShard({2, 2});
    error = mergeError(options.cacheDir);
    EXPECT_NE(error.find("parts of different importances caches: they differ in head"), std::string::npos) << error;
}

TEST(ExtractionShards, MergeRefusesOverlappingOrRepeatedShards) {
    auto f = makeFixture("niwt-test-shards-overlap");
    const auto options = optionsFor(f);
    const auto parts = partialCacheDir(options.cacheDir);
    const auto one = Extractor(f.dataset, f.bundle, 1, torch::kCPU, options).featuresShard({1, 3});
    const auto half = Extractor(f.dataset, f.bundle, 1, torch::kCPU, options).featuresShard({1, 2});
    Extractor(f.dataset, f.bundle, 1, torch::kCPU, options).featuresShard({2, 2});
    // 1/3 and 1/2 overlap (positions 0-19 and 0-31).
    std::string error = mergeError(options.cacheDir, {one.path, half.path});
    EXPECT_NE(error.find("the parts overlap"), std::string::npos) << error;

    // The same shard twice (a job rerun into another folder): named with both files.
    const std::string copy = (f.root / "copy.niwtmat").string();
    fs::copy_file(half.path, copy);
    error = mergeError(options.cacheDir, {parts + "/" + fs::path(half.path).filename().string(), copy});
    EXPECT_NE(error.find("shard 1/2 of the features cache is given twice"), std::string::npos) << error;
    EXPECT_NE(error.find(copy), std::string::npos) << error;

    // A damaged part is refused by name, not merged.
    const std::string bytes = readFileBytes(one.path);
    writeFileAtomically(one.path, bytes.substr(0, bytes.size() - 5));
    error = mergeError(options.cacheDir, {one.path});
    EXPECT_NE(error.find(one.path + ": not a usable partial cache (truncated"), std::string::npos) << error;
}
