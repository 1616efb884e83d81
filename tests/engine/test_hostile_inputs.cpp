// Issue 13 ("Hostile inputs"), the engine side: stale and non-finite caches, damaged bundles and
// labels files from outside the bundle. Each test is one input of the issue and the result or
// one-line error (naming the file, the network or the limit) now given.
#include "core/data/dataset.h"
#include "core/io/atomic_file.h"
#include "core/io/sha256.h"
#include "core/model/bundle.h"
#include "core/model/bundle_json.h"
#include "tests/data/test_support.h"
#include "tests/engine/colour_fixture.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

using namespace niwt;
namespace fs = std::filesystem;

namespace {

using test::dataErrorOf;

void writeText(const fs::path& file, const std::string& text) { std::ofstream(file, std::ios::binary) << text; }

}  // namespace

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
