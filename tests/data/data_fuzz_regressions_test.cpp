// Inputs the libFuzzer targets (fuzz/) found, each turned into a test of the clear error (or the
// result) the parser must give. The comment on each names the target that found it.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include "core/data/idx_file.h"
#include "core/data/loaders.h"
#include "core/data/text_encoder.h"
#include "core/data/text_table.h"
#include "test_support.h"

namespace niwt {
namespace {

using test::dataErrorOf;

bool isOneLine(const std::string& message) {
    return message.find('\n') == std::string::npos && message.find('\r') == std::string::npos;
}

// fuzz_awa2_loader: a CR inside a line of classes.txt. splitFields splits at it (two fields), but
// the name was cut at the first space or tab, found none, and substr(npos) threw std::out_of_range.
// The CR separates id and name like any blank.
TEST(FuzzRegressions, CarriageReturnInsideALineSeparatesIdAndName) {
    const auto entries =
        parseIdNames(TextTable::parse("1\rantelope\n2 grizzly bear\n", "classes.txt"), "<index>\\t<name>");
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].id, 1);
    EXPECT_EQ(entries[0].name, "antelope");
    EXPECT_EQ(entries[1].name, "grizzly bear");
}

// fuzz_text_table, fuzz_cub_loader: errors quote the offending line, and a CR inside it made the
// message two lines on a terminal. located() writes line breaks as \r and \n.
TEST(FuzzRegressions, QuotedLineWithCarriageReturnStaysOneLine) {
    const std::string message = dataErrorOf(
        [] { parseIdPairs(TextTable::parse("1 1\n2 x\ry\n", "image_class_labels.txt"), "<image id> <class id>"); });
    EXPECT_EQ(message, "image_class_labels.txt:2: expected \"<image id> <class id>\", got \"2 x\\ry\"");
}

// fuzz_csv_modality: a quoted header field holding a line break, quoted back in the error.
TEST(FuzzRegressions, QuotedCsvFieldWithLineBreakStaysOneLine) {
    Dataset dataset;
    dataset.classes.push_back({1, "fish"});
    const std::string message =
        dataErrorOf([&] { parseCsvModality(dataset, "m", "\"cl\nass\",red\nfish,1\n", "m.csv"); });
    EXPECT_EQ(message, "m.csv:1: header missing: expected \"class,<dim name>,...\", got \"cl\\nass,red\"");
    EXPECT_TRUE(isOneLine(message));
}

// fuzz_xlsa17_split: a class name holding a CR in trainvalclasses.txt, quoted back.
TEST(FuzzRegressions, UnknownClassNameWithCarriageReturnStaysOneLine) {
    test::TempDir dir;
    test::writeFile(dir / "trainvalclasses.txt", "fi\rsh\n");
    test::writeFile(dir / "testclasses.txt", "");
    Dataset dataset;
    dataset.classes.push_back({1, "fish"});
    const std::string message = dataErrorOf([&] { applySplit(dataset, "xlsa17:" + dir.path()); });
    EXPECT_EQ(message, dir / "trainvalclasses.txt" + ":1: no class named \"fi\\rsh\" in the data set");
}

// fuzz_descriptions: a number too large for a double makes nlohmann::json throw out_of_range (406),
// not parse_error, and it escaped readDescriptions as a plain std::exception.
TEST(FuzzRegressions, DescriptionsWithNumberBeyondDoubleAreADataError) {
    test::TempDir dir;
    test::writeFile(dir / "descriptions.json", "{\"fish\": [-1e400]}");
    const std::string message = dataErrorOf([&] { readDescriptions(dir / "descriptions.json"); });
    EXPECT_EQ(message.rfind(dir / "descriptions.json: bad JSON: ", 0), 0u) << message;
    EXPECT_NE(message.find("number overflow"), std::string::npos) << message;
}

long peakResidentKiB() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

// fuzz_idx_file: a 20-byte file whose header claims 65535 x 256 x 256 images (4 GiB, below the
// header's 2^32-byte plausibility limit) made readIdxFile allocate and zero all 4 GiB before
// finding 4 bytes of data. Now memory follows the data read; the error says what was missing.
TEST(FuzzRegressions, IdxHeaderClaimingGigabytesDoesNotAllocateThem) {
    test::TempDir dir;
    const std::string file = dir / "images-idx3-ubyte";
    test::writeFile(file, test::idxBytes({65535, 256, 256}, {1, 2, 3, 4}));
    const long before = peakResidentKiB();
    const std::string message = dataErrorOf([&] { readIdxFile(file); });
    EXPECT_EQ(message, file + ": truncated: expected 4294901760 bytes of data, got 4");
    // One 16 MiB read chunk at most; the old code touched 4 GiB.
    EXPECT_LT(peakResidentKiB() - before, 64L * 1024) << "peak resident memory grew by KiB";
}

}  // namespace
}  // namespace niwt
