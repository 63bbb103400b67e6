// syncdsp/io/subprocess.hpp - run an external program (ffmpeg) without a shell.
//
// Arguments go straight to posix_spawnp, so file names with spaces or quotes are safe. The child's
// stdout is streamed to a callback; its stderr goes to a temporary file that is read back only to
// explain a failure.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"

extern char** environ;

namespace syncdsp::io {

/// What a finished child process left behind.
struct process_result {
    int exit_code = 0;        ///< exit status, or 128+signal if killed
    std::string stderr_text;  ///< the last few KB of its stderr
};

/// Runs argv[0] (looked up on PATH) with the given arguments. Each chunk the child writes to stdout
/// is passed to on_stdout (which may return false to stop reading: the child is then killed).
/// Throws io_error if the program cannot be started (naming it, e.g. "ffmpeg not found").
inline process_result run_process(const std::vector<std::string>& argv,
                                  const std::function<bool(const std::uint8_t*, std::size_t)>& on_stdout) {
    if (argv.empty()) detail::throw_invalid_argument("subprocess", "empty command line");
    int out_pipe[2];
    if (pipe(out_pipe) != 0) detail::throw_io_error("subprocess", "pipe() failed: ", std::strerror(errno));
    char err_path[] = "/tmp/syncdsp-stderr-XXXXXX";
    const int err_fd = mkstemp(err_path);
    if (err_fd < 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        detail::throw_io_error("subprocess", "cannot create a temporary file: ", std::strerror(errno));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out_pipe[1]);
    if (rc != 0) {
        close(out_pipe[0]);
        close(err_fd);
        unlink(err_path);
        if (rc == ENOENT)
            detail::throw_io_error("subprocess", "'", argv[0], "' not found on PATH (install it: apt-get install ffmpeg)");
        detail::throw_io_error("subprocess", "cannot start '", argv[0], "': ", std::strerror(rc));
    }
    std::vector<std::uint8_t> buffer(1 << 16);
    bool stopped = false;
    while (true) {
        const ssize_t n = read(out_pipe[0], buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        bool keep_going = true;
        try {
            keep_going = on_stdout(buffer.data(), static_cast<std::size_t>(n));
        } catch (...) {
            kill(pid, SIGKILL);
            close(out_pipe[0]);
            int ignored;
            waitpid(pid, &ignored, 0);
            close(err_fd);
            unlink(err_path);
            throw;
        }
        if (!keep_going) {
            stopped = true;
            kill(pid, SIGKILL);
            break;
        }
    }
    close(out_pipe[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    process_result result;
    if (stopped) result.exit_code = 0;
    else if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) result.exit_code = 128 + WTERMSIG(status);
    // Keep the tail of stderr: the useful line is usually the last one.
    const off_t size = lseek(err_fd, 0, SEEK_END);
    const off_t keep = size > 4096 ? 4096 : size;
    if (keep > 0) {
        result.stderr_text.resize(static_cast<std::size_t>(keep));
        if (pread(err_fd, result.stderr_text.data(), static_cast<std::size_t>(keep), size - keep) != keep)
            result.stderr_text.clear();
    }
    close(err_fd);
    unlink(err_path);
    return result;
}

/// The last non-empty line of a program's stderr, for one-line error messages.
inline std::string last_line(const std::string& text) {
    std::size_t end = text.find_last_not_of("\r\n ");
    if (end == std::string::npos) return "";
    const std::size_t start = text.rfind('\n', end);
    return text.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

}  // namespace syncdsp::io
