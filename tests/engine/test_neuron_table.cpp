// The one neuron-table CSV writer (core/pipeline/neuron_table.h), used by `niwt neurons` (its
// neurons.csv) and the explorer's neuron panel (Export CSV): exact bytes for a hand-made listing,
// the atomic file write, and the JSON. Torch-free: the header includes no torch.
#include "core/data/dataset.h"
#include "core/io/atomic_file.h"
#include "core/pipeline/neuron_table.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <limits>

using namespace niwt;
namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

NeuronRow row(int unit, std::vector<ScoredName> attributes, double importance, int rank,
              std::vector<NeuronImage> images = {}) {
    NeuronRow r;
    r.unit = unit;
    r.attributes = std::move(attributes);
    r.classImportance = importance;
    r.classRank = rank;
    r.images = std::move(images);
    return r;
}

// Three units of a class: unit 0 two attributes and two top images (the second without a crop),
// unit 1 one attribute (a name with a comma) and one image, unit 2 no importance (NaN).
NeuronListing cliListing() {
    NeuronListing l;
    l.stageName = "block17";
    l.modality = "attributes";
    l.className = "Laysan_Albatross";
    l.classImages = 12;
    l.rows = {row(0, {{"has_wing_color::black", 0.9}, {"has_size::large", 0.4}}, 0.2, 2,
                  {{"/d/a.jpg", 1.25, "/o/crops/unit0_top1.png"}, {"/d/b.jpg", 0.5, ""}}),
              row(1, {{"white, fluffy", -0.25}}, 1.5, 1, {{"/d/c \"x\".jpg", 3, "/o/crops/unit1_top1.png"}}),
              row(2, {{"has_tail::long", 1e-7}}, kNaN, 0)};
    return l;
}

fs::path scratch(const std::string& name) {
    const auto dir = fs::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

}  // namespace

// Expected bytes, field by field: the header has 2 attribute pairs (unit 0 has the most) and 2
// image triples (unit 0 again); missing ones are empty fields (",," per attribute, ",,," per
// image). Numbers are shortest round-trip (std::to_chars): 0.9, 1.25, 3 (not 3.0), 1e-07 (not
// 0.0000001). NaN importance and rank 0 are empty. Fields with a comma or a quote are quoted with
// quotes doubled (RFC 4180); an image without a crop has an empty crop field.
TEST(NeuronTableCsv, ExactBytesOfAHandMadeListing) {
    const std::string expected =
        "unit,class_importance,class_rank,attribute_1,score_1,attribute_2,score_2,"
        "image_1,activation_1,crop_1,image_2,activation_2,crop_2\n"
        "0,0.2,2,has_wing_color::black,0.9,has_size::large,0.4,/d/a.jpg,1.25,/o/crops/unit0_top1.png,/d/b.jpg,0.5,\n"
        "1,1.5,1,\"white, fluffy\",-0.25,,,\"/d/c \"\"x\"\".jpg\",3,/o/crops/unit1_top1.png,,,\n"
        "2,,,has_tail::long,1e-07,,,,,,,,\n";
    EXPECT_EQ(neuronTableCsv(cliListing()), expected);
}

// The window's listings have no images: no image columns at all, and the rows in the order given
// (a sorted, filtered view exports its own order).
TEST(NeuronTableCsv, NoImageColumnsWithoutImagesAndTheGivenOrder) {
    NeuronListing l;
    l.rows = {row(3, {{"red", 0.5}}, kNaN, 0), row(1, {{"blue", 0.25}, {"big", 0.125}}, kNaN, 0)};
    EXPECT_EQ(neuronTableCsv(l),
              "unit,class_importance,class_rank,attribute_1,score_1,attribute_2,score_2\n"
              "3,,,red,0.5,,\n"
              "1,,,blue,0.25,big,0.125\n");
    NeuronListing empty;
    EXPECT_EQ(neuronTableCsv(empty), "unit,class_importance,class_rank\n");
}

// writeNeuronTableCsv writes exactly neuronTableCsv's bytes, replacing an existing file whole and
// leaving no temporary file beside it; writeNeuronTable writes the same CSV as neurons.csv (the
// CLI's file) plus neurons.json.
TEST(NeuronTableCsv, WritersWriteThoseBytesAtomically) {
    const auto dir = scratch("niwt-test-neuron-table");
    const auto listing = cliListing();
    const std::string path = (dir / "export.csv").string();
    writeFileAtomically(path, "old content that is longer than nothing\n");
    writeNeuronTableCsv(path, listing);
    EXPECT_EQ(readFileBytes(path), neuronTableCsv(listing));
    writeNeuronTable(listing, (dir / "out").string());
    EXPECT_EQ(readFileBytes((dir / "out" / "neurons.csv").string()), readFileBytes(path));
    size_t files = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        (void)entry;
        ++files;
    }
    EXPECT_EQ(files, 2u) << "a temporary file was left beside export.csv";  // export.csv and out/

    const auto json = nlohmann::json::parse(readFileBytes((dir / "out" / "neurons.json").string()));
    EXPECT_EQ(json["stage"], "block17");
    EXPECT_EQ(json["class"], "Laysan_Albatross");
    EXPECT_EQ(json["image_ranking"], "mean activation");
    ASSERT_EQ(json["units"].size(), 3u);
    EXPECT_EQ(json["units"][1]["attributes"][0]["name"], "white, fluffy");
    EXPECT_EQ(json["units"][0]["top_images"][1]["crop"], nullptr);  // no crop drawn
    EXPECT_EQ(json["units"][0]["top_images"][0]["activation"], 1.25);
    EXPECT_EQ(json["units"][2]["class_importance"], nullptr);  // NaN
    EXPECT_EQ(json["units"][2]["class_rank"], nullptr);        // rank 0
    fs::remove_all(dir);
}

// A path in a missing folder: DataError naming the file, as every atomic export reports it.
TEST(NeuronTableCsv, UnwritablePathIsADataErrorNamingIt) {
    const std::string path = "/nonexistent-niwt-folder/neurons.csv";
    try {
        writeNeuronTableCsv(path, cliListing());
        FAIL() << "no error";
    } catch (const DataError& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
}
