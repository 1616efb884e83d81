// The cache file format: round trip, and every kind of damage detected, never trusted.
#include "core/data/dataset.h"
#include "core/io/atomic_file.h"
#include "core/io/matrix_file.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace niwt;

namespace {

MatrixFile sample() {
    MatrixFile m;
    m.header = {{"key", {{"bundle", "abc"}, {"stage", "block17"}}}, {"images", {4, 8, 15}}};
    m.rows = 3;
    m.cols = 2;
    m.values = {1.5f, -2.0f, 0.0f, 3.25f, 1e-7f, -1e30f};
    return m;
}

std::string tempPath(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() / "niwt-test-matrix";
    std::filesystem::create_directories(dir);
    return (dir / name).string();
}

}  // namespace

TEST(MatrixFile, RoundTripsValuesAndHeaderExactly) {
    const auto path = tempPath("round.niwtmat");
    writeMatrixFile(path, sample());
    std::string why;
    const auto back = readMatrixFile(path, sample().header["key"], &why);
    ASSERT_TRUE(back) << why;
    EXPECT_EQ(back->rows, 3);
    EXPECT_EQ(back->cols, 2);
    EXPECT_EQ(back->values, sample().values);  // bit-exact floats
    EXPECT_EQ(back->header["images"], nlohmann::json({4, 8, 15}));
}

// Every proper prefix of a valid file is a truncated write and must be rejected.
TEST(MatrixFile, RejectsEveryTruncation) {
    const auto path = tempPath("trunc.niwtmat");
    writeMatrixFile(path, sample());
    const std::string bytes = readFileBytes(path);
    for (size_t n = 0; n < bytes.size(); ++n) {
        std::string why;
        EXPECT_FALSE(parseMatrixFile(bytes.substr(0, n), &why)) << "prefix of " << n << " bytes accepted";
        EXPECT_FALSE(why.empty());
    }
    EXPECT_TRUE(parseMatrixFile(bytes, nullptr));
}

TEST(MatrixFile, RejectsAFlippedValueByteByChecksum) {
    const auto path = tempPath("flip.niwtmat");
    writeMatrixFile(path, sample());
    std::string bytes = readFileBytes(path);
    bytes[bytes.size() - 20] ^= 0x01;  // inside the float values
    std::string why;
    EXPECT_FALSE(parseMatrixFile(bytes, &why));
    EXPECT_NE(why.find("checksum"), std::string::npos) << why;
}

TEST(MatrixFile, RejectsAFileComputedFromOtherInputs) {
    const auto path = tempPath("key.niwtmat");
    writeMatrixFile(path, sample());
    std::string why;
    EXPECT_FALSE(readMatrixFile(path, {{"bundle", "abc"}, {"stage", "block16"}}, &why));
    EXPECT_NE(why.find("key"), std::string::npos) << why;
}

TEST(MatrixFile, MissingFileIsAbsentNotAnError) {
    std::string why;
    EXPECT_FALSE(readMatrixFile(tempPath("never-written.niwtmat"), nullptr, &why));
    EXPECT_EQ(why, "absent");
}

// A write that replaces a file leaves the old file whole until the rename; no temporary remains.
TEST(MatrixFile, OverwriteLeavesNoTemporaryFiles) {
    const auto path = tempPath("over.niwtmat");
    writeMatrixFile(path, sample());
    auto m = sample();
    m.values[0] = 42.0f;
    writeMatrixFile(path, m);
    EXPECT_EQ(readMatrixFile(path, nullptr, nullptr)->values[0], 42.0f);
    int temporaries = 0;
    for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path()))
        temporaries += e.path().filename().string().find(".tmp") != std::string::npos;
    EXPECT_EQ(temporaries, 0);
}

// Found with fuzz/fuzz_matrix_file: a matrix with 0 rows (or 0 columns) made the reader (and the
// writer) memcpy 0 bytes to/from the null data() of an empty vector, undefined behaviour that
// UBSan reports. An empty cache (e.g. no unseen images) must round-trip as 0 x cols.
TEST(MatrixFile, EmptyMatrixRoundTrips) {
    MatrixFile empty;
    empty.header = {{"key", "empty"}};
    empty.rows = 0;
    empty.cols = 7;
    const std::string path = tempPath("empty.bin");
    writeMatrixFile(path, empty);
    std::string why;
    const auto back = readMatrixFile(path, nlohmann::json("empty"), &why);
    ASSERT_TRUE(back.has_value()) << why;
    EXPECT_EQ(back->rows, 0);
    EXPECT_EQ(back->cols, 7);
    EXPECT_TRUE(back->values.empty());
}
