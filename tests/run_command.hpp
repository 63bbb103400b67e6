// tests/run_command.hpp - runs a shell command line and captures its stdout (CLI tests). Kept out of
// support.hpp because <sys/wait.h> brings POSIX names (such as ::sync) into every test.
#pragma once

#include <cstdio>
#include <string>

#include <sys/wait.h>

namespace syncdsp::test {

/// Runs a shell command line (the caller quotes its arguments) and returns its exit status (-1 if
/// it did not exit normally) and everything it wrote to stdout.
struct command_result {
    int code = -1;
    std::string out;
};
inline command_result run_command(const std::string& command_line) {
    command_result r;
    FILE* pipe = popen(command_line.c_str(), "r");
    if (!pipe) return r;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) r.out.append(buf, n);
    const int status = pclose(pipe);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

}  // namespace syncdsp::test
