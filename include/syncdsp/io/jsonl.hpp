// syncdsp/io/jsonl.hpp - a results file of one JSON object per line, safe against crashes.
//
// Each line goes out in a single write() on a file opened with O_APPEND, followed by fdatasync:
// a crash or kill -9 loses at most the lines not yet written, never mixes two lines, and when
// the process dies inside the write (power loss, full disk) only the last line can be torn.
// Readers drop such a torn last line (one without its newline); an appender cuts it off first.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"

namespace syncdsp::io {

/// The complete lines of a JSONL file (without their newlines); a last line without a newline is
/// torn and left out. A missing file has no lines. io_error (id io_error.jsonl) when unreadable.
/// `torn` (optional) is set to whether a torn last line was dropped.
inline std::vector<std::string> read_jsonl_lines(const std::string& path, bool* torn = nullptr) {
    std::vector<std::string> lines;
    if (torn) *torn = false;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (errno == ENOENT) return lines;
        detail::throw_io_error("jsonl", "cannot open '", path, "': ", std::strerror(errno));
    }
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) detail::throw_io_error("jsonl", "cannot read '", path, "'");
    std::size_t start = 0;
    while (start < all.size()) {
        const std::size_t nl = all.find('\n', start);
        if (nl == std::string::npos) {
            if (torn) *torn = true;
            break;
        }
        if (nl > start) lines.push_back(all.substr(start, nl - start));
        start = nl + 1;
    }
    return lines;
}

/// Appends whole lines to a JSONL file, one write() + fdatasync per line (see the file comment).
class jsonl_appender {
public:
    /// Opens (creating) `path` for appending; a torn last line left by an earlier crash is cut off.
    explicit jsonl_appender(const std::string& path) : path_(path) {
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd_ < 0) detail::throw_io_error("jsonl", "cannot open '", path, "' for appending: ", std::strerror(errno));
        cut_torn_tail();
    }
    jsonl_appender(const jsonl_appender&) = delete;
    jsonl_appender& operator=(const jsonl_appender&) = delete;
    ~jsonl_appender() {
        if (fd_ >= 0) ::close(fd_);
    }

    /// Writes `line` (which must not contain a newline) and its newline, then syncs the data.
    void append(const std::string& line) {
        SYNCDSP_REQUIRE(line.find('\n') == std::string::npos, "jsonl", "a JSONL line cannot contain a newline");
        const std::string whole = line + "\n";
        const ssize_t n = ::write(fd_, whole.data(), whole.size());
        if (n != ssize_t(whole.size())) {
            const int err = n < 0 ? errno : ENOSPC;
            cut_torn_tail();  // leave no half line behind
            detail::throw_io_error("jsonl", "cannot append to '", path_, "': ", std::strerror(err));
        }
        ::fdatasync(fd_);
    }

private:
    void cut_torn_tail() {
        struct stat st {};
        if (::fstat(fd_, &st) != 0 || st.st_size == 0) return;
        // Scan back from the end for the last newline (lines are short, so read a tail block at a time).
        off_t end = st.st_size, keep = 0;
        char c = 0;
        if (::pread(fd_, &c, 1, end - 1) == 1 && c == '\n') return;
        std::vector<char> buf(1 << 16);
        for (off_t pos = end; pos > 0;) {
            const off_t from = pos > off_t(buf.size()) ? pos - off_t(buf.size()) : 0;
            const ssize_t got = ::pread(fd_, buf.data(), std::size_t(pos - from), from);
            if (got <= 0) break;
            bool found = false;
            for (ssize_t i = got - 1; i >= 0; --i)
                if (buf[std::size_t(i)] == '\n') {
                    keep = from + i + 1;
                    found = true;
                    break;
                }
            if (found) break;
            pos = from;
        }
        if (::ftruncate(fd_, keep) != 0)
            detail::throw_io_error("jsonl", "cannot cut the torn last line of '", path_, "': ", std::strerror(errno));
    }

    std::string path_;
    int fd_ = -1;
};

}  // namespace syncdsp::io
