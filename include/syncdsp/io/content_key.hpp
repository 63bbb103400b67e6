// syncdsp/io/content_key.hpp - a key for a file's bytes, so a batch knows a file it has already
// measured even when it was renamed or moved, and re-measures it when its bytes changed.
//
// The key is two independent 64-bit FNV-1a hashes over every byte (different offset bases and
// one over the bytes in 8-byte little-endian words), plus the size: "c1:<size>-<h1>-<h2>". It is a
// change detector, not a cryptographic digest: nobody is expected to forge a clip.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"

namespace syncdsp::io {

/// Incremental form of content_key(): feed bytes in any chunking, then key().
class content_hasher {
public:
    void update(const void* data, std::size_t n) {
        const auto* p = static_cast<const std::uint8_t*>(data);
        for (std::size_t i = 0; i < n; ++i) {
            a_ = (a_ ^ p[i]) * prime;
            word_ |= std::uint64_t(p[i]) << (8 * (size_ % 8));
            if (++size_ % 8 == 0) {
                b_ = (b_ ^ word_) * prime;
                word_ = 0;
            }
        }
    }
    std::uint64_t size() const { return size_; }
    /// "c1:<size>-<16 hex>-<16 hex>" (c1 = version of this scheme).
    std::string key() const {
        const std::uint64_t b = size_ % 8 ? (b_ ^ word_) * prime : b_;
        char buf[80];
        std::snprintf(buf, sizeof buf, "c1:%llu-%016llx-%016llx", static_cast<unsigned long long>(size_),
                      static_cast<unsigned long long>(a_), static_cast<unsigned long long>(b));
        return buf;
    }

private:
    static constexpr std::uint64_t prime = 0x100000001b3ull;
    std::uint64_t a_ = 0xcbf29ce484222325ull;  // the FNV-1a 64 offset basis
    std::uint64_t b_ = 0x84222325cbf29ce4ull;  // a second basis, words instead of bytes
    std::uint64_t word_ = 0, size_ = 0;
};

/// The content key of a string of bytes (see content_hasher::key()).
inline std::string content_key(const void* data, std::size_t n) {
    content_hasher h;
    h.update(data, n);
    return h.key();
}

/// The content key of a file, read in 1 MiB chunks. io_error (id io_error.content_key) when it
/// cannot be opened or read.
inline std::string file_content_key(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) detail::throw_io_error("content_key", "cannot open '", path, "': ", std::strerror(errno));
    content_hasher h;
    std::vector<char> buf(1 << 20);
    while (in) {
        in.read(buf.data(), std::streamsize(buf.size()));
        if (in.gcount() > 0) h.update(buf.data(), std::size_t(in.gcount()));
    }
    if (in.bad()) detail::throw_io_error("content_key", "cannot read '", path, "'");
    return h.key();
}

}  // namespace syncdsp::io
