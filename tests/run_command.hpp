// tests/run_command.hpp - runs a shell command line and captures its stdout (CLI tests). Kept out of
// support.hpp because <sys/wait.h> brings POSIX names (such as ::sync) into every test.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
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

/// What the program under test ($SYNCDSP_CLI) wrote, and how it exited.
struct cli_result {
    int code = -1;
    std::string out, err;
};

/// Runs $SYNCDSP_CLI with `args` (quoted by the caller); its stderr goes through the file `err_path`.
inline cli_result run_syncdsp(const std::string& args, const std::string& err_path) {
    const auto ran = run_command(std::string("'") + std::getenv("SYNCDSP_CLI") + "' " + args + " 2>'" + err_path + "'");
    std::ifstream f(err_path);
    return {ran.code, ran.out, std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>())};
}

}  // namespace syncdsp::test
