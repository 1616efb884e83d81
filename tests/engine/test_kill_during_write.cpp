// Nothing lost: a process killed (SIGKILL, no chance to clean up) while it writes a cache or an
// exported classifier leaves a complete file behind: the previous version or a whole new one, never
// a mix or a truncated file. The child (kill_during_write_child) rewrites the file in a loop; we kill
// it at pseudo-random moments and read the file back with the project's own readers.
#include "tests/engine/kill_during_write_versions.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

extern char** environ;

namespace {

namespace fs = std::filesystem;

// Keep killing until this many kills have caught a write half done (a temporary file left behind),
// so the test shows the interesting case happened, not only kills between writes.
constexpr int kMidWriteKillsWanted = 3;
constexpr int kMaxTrials = 120;

// Starts the child; in "loop" mode returns once it has said it starts writing (its libraries
// take longer to load than a write takes, so kill delays count from there).
pid_t spawnChild(const std::string& kind, const std::string& path, const char* mode) {
    std::string exe = KILL_DURING_WRITE_CHILD;
    std::vector<char*> argv = {exe.data(), const_cast<char*>(kind.c_str()), const_cast<char*>(path.c_str()),
                               const_cast<char*>(mode), nullptr};
    int out[2];
    if (pipe(out) != 0) return -1;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (spawned != 0) pid = -1;
    char first = 0;
    if (pid > 0 && std::string(mode) == "loop" && read(out[0], &first, 1) != 1) pid = -1;
    close(out[0]);
    return pid;
}

int waitExit(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

// Temporary files of atomic writes ("PATH.tmp-XXXXXX") beside `path`; removes them.
int removeTemporaries(const fs::path& path) {
    int count = 0;
    for (const auto& entry : fs::directory_iterator(path.parent_path()))
        if (entry.path().filename().string().rfind(path.filename().string() + ".tmp-", 0) == 0) {
            fs::remove(entry.path());
            ++count;
        }
    return count;
}

fs::path scratchDir(const std::string& name) {
    const char* base = std::getenv("NIWT_CACHE_DIR");
    auto dir = fs::path(base && *base ? base : fs::temp_directory_path().string()) / "kill-during-write" / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

class KillDuringWrite : public testing::TestWithParam<std::string> {};

TEST_P(KillDuringWrite, LeavesThePreviousOrANewCompleteFile) {
    const std::string kind = GetParam();
    const fs::path file = scratchDir(kind) / "target";

    // The previous file: version 0, written completely.
    pid_t first = spawnChild(kind, file.string(), "once");
    ASSERT_GT(first, 0);
    int status = waitExit(first);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    std::string why;
    ASSERT_EQ(niwt::test::readVersion(kind, file.string(), &why), 0) << why;

    std::mt19937 random(12345);  // fixed seed: the same kill schedule every run
    std::uniform_int_distribution<int> delayMs(0, 80);
    int trials = 0, midWrite = 0, sawVersion[3] = {0, 0, 0};
    while (midWrite < kMidWriteKillsWanted && trials < kMaxTrials) {
        ++trials;
        pid_t child = spawnChild(kind, file.string(), "loop");
        ASSERT_GT(child, 0);
        std::this_thread::sleep_for(std::chrono::milliseconds(delayMs(random)));
        kill(child, SIGKILL);
        status = waitExit(child);
        ASSERT_TRUE(WIFSIGNALED(status)) << "the writer exited by itself (status " << status << ")";

        const int version = niwt::test::readVersion(kind, file.string(), &why);
        ASSERT_GE(version, 0) << "trial " << trials << ": " << file << " damaged: " << why;
        ASSERT_LE(version, 2);
        ++sawVersion[version];
        if (removeTemporaries(file) > 0) ++midWrite;
    }
    std::cout << kind << ": " << trials << " kills, " << midWrite << " mid-write; file held version 0/1/2 "
              << sawVersion[0] << "/" << sawVersion[1] << "/" << sawVersion[2] << " times\n";
    EXPECT_GE(midWrite, kMidWriteKillsWanted) << "no kill landed during a write: the test proved nothing";
}

INSTANTIATE_TEST_SUITE_P(Writers, KillDuringWrite, testing::Values("cache", "classifier-json", "classifier-pt"),
                         [](const testing::TestParamInfo<std::string>& info) {
                             std::string name = info.param;
                             for (char& c : name)
                                 if (c == '-') c = '_';
                             return name;
                         });

}  // namespace
