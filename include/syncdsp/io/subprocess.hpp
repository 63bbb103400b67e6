// syncdsp/io/subprocess.hpp - run an external program (ffmpeg) without a shell.
//
// Arguments go straight to posix_spawnp, so file names with spaces or quotes are safe. The child's
// stdout is streamed to a callback; its stderr goes to a temporary file that is read back only to
// explain a failure.
//
// Signals: a child started inside an interrupt_guard (one that writes a file, e.g. the remux) runs
// in its own process group, so a terminal's Ctrl-C (sent to the whole foreground group) reaches
// only this process, which stops the child and holds the signal until the guard's owner has
// removed what the child was writing. Other children (decoders writing to our pipe) stay in our
// group: a Ctrl-C ends them with us, as it always did, and they leave nothing behind.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
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

namespace subprocess_impl {

// Shared with the signal handler, so lock-free atomics only (async-signal-safe).
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<pid_t>::is_always_lock_free);
inline std::atomic<int> pending_signal{0};  ///< a signal that arrived while a guard was active
inline std::atomic<pid_t> guarded_child{0}; ///< the child to stop when one arrives (0: none)
inline std::atomic<int> active_guards{0};

inline void on_guarded_signal(int signo) {
    const int saved_errno = errno;
    pending_signal.store(signo);
    // Read after the store: run_process stores the pid before it reads pending_signal, so one of
    // the two always sees the other and the child is stopped whichever came first.
    const pid_t child = guarded_child.load();
    if (child > 0) kill(child, SIGKILL);
    errno = saved_errno;
}

// Starts argv[0] (searched on PATH) with `actions`. The child always gets default dispositions and
// an empty mask for the stop signals, so it can be stopped even if this process ignores or blocks
// them; `own_group` puts it in a process group of its own. Returns posix_spawnp's error code.
inline int spawn(pid_t& pid, const std::vector<std::string>& argv, const posix_spawn_file_actions_t& actions,
                 bool own_group) {
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, static_cast<short>((own_group ? POSIX_SPAWN_SETPGROUP : 0) |
                                                       POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK));
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t defaults, empty;
    sigemptyset(&defaults);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE}) sigaddset(&defaults, sig);
    sigemptyset(&empty);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &empty);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
    posix_spawnattr_destroy(&attr);
    return rc;
}

}  // namespace subprocess_impl

/// While an interrupt_guard is alive, SIGINT, SIGTERM, SIGHUP and SIGQUIT do not end the process at
/// once: they kill the child that run_process is running (which then returns) and are remembered. The
/// owner removes whatever the child was writing, then calls deliver_pending(), which restores the
/// previous handlers and raises the signal, so the process ends as the signal intended (killed by
/// it: a shell reports 128+signo) or the application's own handler runs. A signal that is still
/// pending when the guard is destroyed is delivered then. Signals ignored when the guard is made
/// stay ignored. Meant for one thread writing files through one child at a time (remux).
class interrupt_guard {
public:
    interrupt_guard() {
        if (subprocess_impl::active_guards.fetch_add(1) != 0) return;  // the outer guard handles it
        owner_ = true;
        subprocess_impl::pending_signal.store(0);
        struct sigaction sa {};
        sa.sa_handler = subprocess_impl::on_guarded_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0;  // no SA_RESTART: a blocked read returns EINTR and run_process loops on it
        for (std::size_t i = 0; i < n_signals; ++i) {
            sigaction(signals[i], nullptr, &previous_[i]);
            if (previous_[i].sa_handler == SIG_IGN) continue;  // e.g. SIGHUP under nohup
            sigaction(signals[i], &sa, nullptr);
            installed_[i] = true;
        }
    }
    interrupt_guard(const interrupt_guard&) = delete;
    interrupt_guard& operator=(const interrupt_guard&) = delete;
    ~interrupt_guard() {
        if (!owner_) {
            subprocess_impl::active_guards.fetch_sub(1);
            return;
        }
        deliver_pending();
        restore();
        subprocess_impl::active_guards.fetch_sub(1);
    }

    /// The signal that arrived while the guard was active, or 0.
    static int pending() { return subprocess_impl::pending_signal.load(); }
    static bool interrupted() { return pending() != 0; }

    /// Restores the previous handlers and raises the pending signal (if any). With the default
    /// action the process ends here; if an application handler returns, this returns too.
    void deliver_pending() {
        if (!owner_) return;
        const int signo = subprocess_impl::pending_signal.exchange(0);
        if (signo == 0) return;
        restore();
        raise(signo);
    }

private:
    void restore() {
        for (std::size_t i = 0; i < n_signals; ++i)
            if (installed_[i]) {
                sigaction(signals[i], &previous_[i], nullptr);
                installed_[i] = false;
            }
    }
    static constexpr std::size_t n_signals = 4;
    static constexpr int signals[n_signals] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    struct sigaction previous_[n_signals] {};
    bool installed_[n_signals] = {false, false, false, false};
    bool owner_ = false;
};

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
    // Under a guard, its own process group (see the top of this file).
    const bool guarded = subprocess_impl::active_guards.load() > 0;
    pid_t pid = 0;
    const int rc = subprocess_impl::spawn(pid, argv, actions, guarded);
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
    // Under an interrupt_guard, publish the child to the signal handler, then look for a signal
    // that came before it could see the child (the handler stores, then reads; we the reverse).
    if (guarded) {
        subprocess_impl::guarded_child.store(pid);
        if (subprocess_impl::pending_signal.load() != 0) kill(pid, SIGKILL);
    }
    // Withdrawn before waitpid: once reaped, the pid may belong to someone else.
    auto unpublish = [&] {
        pid_t expected = pid;
        if (guarded) subprocess_impl::guarded_child.compare_exchange_strong(expected, 0);
    };
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
            unpublish();
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
    unpublish();
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

/// A running child whose outputs the caller reads itself (poll), for programs that write several
/// streams at once (a live decoder: video on fd 3, audio on fd 4, timestamps on stderr). Started
/// without a shell; fds 1..N of the child are pipes whose read ends outputs()[0..N-1] the caller
/// owns until the object goes; stdin is /dev/null or, with `inherit_stdin`, this process's stdin.
/// Destruction kills and reaps the child.
class spawned_process {
public:
    /// `child_fds`: the child's descriptors that become pipes to us (e.g. {2, 3, 4}).
    spawned_process(const std::vector<std::string>& argv, const std::vector<int>& child_fds, bool inherit_stdin) {
        if (argv.empty()) detail::throw_invalid_argument("subprocess", "empty command line");
        std::vector<int> write_ends;
        auto close_all = [&] {
            for (int fd : outputs_) close(fd);
            for (int fd : write_ends) close(fd);
            outputs_.clear();
            write_ends.clear();
        };
        for (std::size_t i = 0; i < child_fds.size(); ++i) {
            int p[2];
            if (pipe(p) != 0) {
                close_all();
                detail::throw_io_error("subprocess", "pipe() failed: ", std::strerror(errno));
            }
            // Both ends above the child's low descriptors, so no dup2 below overwrites an end
            // that another dup2 still needs.
            for (int& fd : p) {
                const int high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
                close(fd);
                fd = high;
            }
            outputs_.push_back(p[0]);
            write_ends.push_back(p[1]);
            if (p[0] < 0 || p[1] < 0) {
                close_all();
                detail::throw_io_error("subprocess", "fcntl(F_DUPFD) failed: ", std::strerror(errno));
            }
        }
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        if (!inherit_stdin) posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        // dup2 clears close-on-exec on the copy; the originals (>= 10, close-on-exec) go at exec.
        for (std::size_t i = 0; i < child_fds.size(); ++i) posix_spawn_file_actions_adddup2(&actions, write_ends[i], child_fds[i]);
        const int rc = subprocess_impl::spawn(pid_, argv, actions, false);
        posix_spawn_file_actions_destroy(&actions);
        for (int fd : write_ends) close(fd);
        write_ends.clear();
        if (rc != 0) {
            close_all();
            pid_ = 0;
            if (rc == ENOENT)
                detail::throw_io_error("subprocess", "'", argv[0], "' not found on PATH (install it: apt-get install ffmpeg)");
            detail::throw_io_error("subprocess", "cannot start '", argv[0], "': ", std::strerror(rc));
        }
    }
    spawned_process(const spawned_process&) = delete;
    spawned_process& operator=(const spawned_process&) = delete;
    ~spawned_process() {
        for (int fd : outputs_) close(fd);
        if (pid_ > 0 && !reaped_) {
            kill(pid_, SIGKILL);
            wait();
        }
    }

    /// Read ends of the pipes, in the order of child_fds.
    const std::vector<int>& outputs() const { return outputs_; }
    pid_t pid() const { return pid_; }
    /// Kills the child (SIGKILL) without waiting.
    void kill_child() {
        if (pid_ > 0 && !reaped_) kill(pid_, SIGKILL);
    }
    /// Waits for the child; its exit status, or 128+signal if it was killed.
    int wait() {
        if (reaped_) return status_;
        int status = 0;
        while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        reaped_ = true;
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
        return status_;
    }

private:
    std::vector<int> outputs_;
    pid_t pid_ = 0;
    bool reaped_ = false;
    int status_ = 0;
};

}  // namespace syncdsp::io
