// writeFileAtomically / readFileBytes.
#include "core/io/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "test_support.h"

namespace niwt {
namespace {

using test::dataErrorOf;
using test::TempDir;
using test::writeFile;

size_t entriesIn(const std::string& dir) {
    size_t count = 0;
    for (const auto& entry : test::fs::directory_iterator(dir)) {
        (void)entry;
        ++count;
    }
    return count;
}

TEST(AtomicFile, WritesAndReadsBackBinaryBytes) {
    TempDir tmp;
    const std::string bytes("a\0b\xff\n", 5);
    writeFileAtomically(tmp / "cache.bin", bytes);
    EXPECT_EQ(readFileBytes(tmp / "cache.bin"), bytes);  // embedded NUL and high bytes survive
    EXPECT_EQ(entriesIn(tmp.path()), 1u);                // no temporary file left behind
}

TEST(AtomicFile, ReplacesContentAndKeepsPermissions) {
    TempDir tmp;
    writeFile(tmp / "settings.json", "old, longer content");
    ::chmod((tmp / "settings.json").c_str(), 0640);
    writeFileAtomically(tmp / "settings.json", "new");
    EXPECT_EQ(readFileBytes(tmp / "settings.json"), "new");
    struct stat info {};
    ::stat((tmp / "settings.json").c_str(), &info);
    EXPECT_EQ(info.st_mode & 0777, 0640u);  // the replaced file's mode, not mkstemp's 0600
}

TEST(AtomicFile, NewFilesAreWorldReadable) {
    TempDir tmp;
    writeFileAtomically(tmp / "new.txt", "x");
    struct stat info {};
    ::stat((tmp / "new.txt").c_str(), &info);
    EXPECT_EQ(info.st_mode & 0777, 0644u);
}

TEST(AtomicFile, MissingDirectoryNamesTheFile) {
    TempDir tmp;
    EXPECT_EQ(dataErrorOf([&] { writeFileAtomically(tmp / "no/such/dir/f.txt", "x"); }),
              tmp / "no/such/dir/f.txt: cannot write (No such file or directory)");
}

TEST(AtomicFile, FailedRenameLeavesTargetAndNoTemporary) {
    TempDir tmp;
    // The target is a non-empty directory: the rename fails after the temporary was written.
    writeFile(tmp / "target/keep.txt", "precious");
    const std::string message = dataErrorOf([&] { writeFileAtomically(tmp / "target", "x"); });
    EXPECT_EQ(message.rfind(tmp / "target: cannot write (", 0), 0u) << message;
    EXPECT_EQ(readFileBytes(tmp / "target/keep.txt"), "precious");
    EXPECT_EQ(entriesIn(tmp.path()), 1u);  // just target/, the temporary was removed
}

TEST(ReadFileBytes, MissingFileNamesItAndTheReason) {
    TempDir tmp;
    EXPECT_EQ(dataErrorOf([&] { readFileBytes(tmp / "none"); }), tmp / "none: cannot open (No such file or directory)");
    EXPECT_EQ(dataErrorOf([&] { readFileBytes(tmp.path()); }), tmp.path() + ": cannot read (Is a directory)");
}

}  // namespace
}  // namespace niwt
