// Writes one file over and over until killed, for test_kill_during_write.
//   kill_during_write_child KIND PATH once   writes version 0 once (the "previous file") and exits
//   kill_during_write_child KIND PATH loop   prints "writing", then writes versions 1, 2, 1, 2, ...
//                                            until killed
// KIND: cache (a feature/importance cache matrix file), classifier-json, classifier-pt.
// Version v is a file whose every value is v, so a reader can tell a whole version from a mix.
#include "tests/engine/kill_during_write_versions.h"

#include <cstring>
#include <iostream>

int main(int argc, char** argv) {
    if (argc != 4 || (std::strcmp(argv[3], "once") != 0 && std::strcmp(argv[3], "loop") != 0)) {
        std::cerr << "usage: kill_during_write_child cache|classifier-json|classifier-pt PATH once|loop\n";
        return 2;
    }
    const std::string kind = argv[1], path = argv[2];
    try {
        if (std::strcmp(argv[3], "once") == 0) {
            niwt::test::writeVersion(kind, path, 0);
            return 0;
        }
        // Tell the test the libraries are loaded: its kill delays count from the first write.
        std::cout << "writing" << std::endl;
        for (int version = 1;; version = 3 - version) niwt::test::writeVersion(kind, path, version);
    } catch (const std::exception& e) {
        std::cerr << "kill_during_write_child: " << e.what() << "\n";
        return 1;
    }
}
