// tests/support.hpp - helpers shared by the tests: where test data lives, skipping with a message,
// and array comparison with a stated tolerance.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

namespace syncdsp::test {

/// The repository root (set by CMake).
inline std::string source_dir() { return SYNCDSP_TEST_SOURCE_DIR; }

/// Committed golden data: tests/golden/<name>.
inline std::string golden(const std::string& name) { return source_dir() + "/tests/golden/" + name; }

/// ../shared/data beside the repository, or $SYNCDSP_SHARED_DATA. May not exist.
inline std::string shared_data_dir() {
    if (const char* env = std::getenv("SYNCDSP_SHARED_DATA")) return env;
    return source_dir() + "/../shared/data";
}

/// ../shared/anchors beside the repository, or $SYNCDSP_SHARED_ANCHORS. May not exist.
inline std::string shared_anchors_dir() {
    if (const char* env = std::getenv("SYNCDSP_SHARED_ANCHORS")) return env;
    return source_dir() + "/../shared/anchors";
}

inline bool file_exists(const std::string& path) { return std::ifstream(path).good(); }

/// A scratch path under the build tree for files a test writes.
inline std::string scratch(const std::string& name) { return std::string(SYNCDSP_TEST_BINARY_DIR) + "/" + name; }

}  // namespace syncdsp::test

/// Ends the current test case early, saying why (absent optional data or tool). doctest 2.4 has no
/// run-time skip, so the message goes to the log and the test counts as passed-with-no-checks.
#define SYNCDSP_SKIP(why)                                         \
    do {                                                          \
        MESSAGE("SKIPPED: " << why);                              \
        std::fprintf(stderr, "SKIPPED: %s\n", std::string(why).c_str()); \
        return;                                                   \
    } while (false)

/// Requires a file to exist, else skips the test with a message naming it.
#define SYNCDSP_REQUIRE_FILE_OR_SKIP(path)                                        \
    do {                                                                          \
        if (!::syncdsp::test::file_exists(path)) SYNCDSP_SKIP("missing " + std::string(path)); \
    } while (false)
