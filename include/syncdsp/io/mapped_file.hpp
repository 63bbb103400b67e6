// syncdsp/io/mapped_file.hpp - a whole file mapped read-only into memory (POSIX mmap).
//
// Reading a large input through read_file costs a zero-filled allocation and a copy of every byte;
// a mapping costs neither: the page cache's pages become the bytes themselves. The mapping is
// private and read-only, so the file cannot be changed through it. An empty file maps to an empty
// range (mmap refuses length 0).
//
//   syncdsp::io::mapped_file f("speech.wav");
//   use(f.data(), f.size());   // valid while f lives
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "syncdsp/core/error.hpp"

namespace syncdsp::io {

class mapped_file {
public:
    mapped_file() = default;
    /// Maps `path`; throws io_error naming the path when it cannot be opened or mapped.
    explicit mapped_file(const std::string& path) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) detail::throw_io_error("read_file", "cannot open '", path, "': ", std::strerror(errno));
        struct stat st {};
        if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            const int err = errno;
            ::close(fd);
            detail::throw_io_error("read_file", "'", path, "' is not a regular file",
                                   err ? std::string(": ") + std::strerror(err) : std::string());
        }
        size_ = static_cast<std::size_t>(st.st_size);
        if (size_ > 0) {
            // MAP_POPULATE: map every page now, in one call, instead of one page fault per 4 KiB.
            void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
            if (p == MAP_FAILED) {
                const int err = errno;
                ::close(fd);
                detail::throw_io_error("read_file", "cannot map '", path, "': ", std::strerror(err));
            }
            data_ = static_cast<const std::uint8_t*>(p);
        }
        ::close(fd);  // the mapping keeps the file open
    }
    mapped_file(mapped_file&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
    mapped_file& operator=(mapped_file&& o) noexcept {
        if (this != &o) {
            release();
            data_ = std::exchange(o.data_, nullptr);
            size_ = std::exchange(o.size_, 0);
        }
        return *this;
    }
    mapped_file(const mapped_file&) = delete;
    mapped_file& operator=(const mapped_file&) = delete;
    ~mapped_file() { release(); }

    const std::uint8_t* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }

private:
    void release() noexcept {
        if (data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
        data_ = nullptr;
        size_ = 0;
    }
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace syncdsp::io
