// syncdsp/io/file.hpp - whole-file reads and all-or-nothing writes.
//
// Writers go through write_file_atomic so that a failure never leaves a half-written output
// behind: data goes to a temporary file in the same directory, which is renamed over the target
// only after everything was written and flushed.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"

namespace syncdsp::io {

/// Reads a whole file into memory; throws io_error naming the path on failure.
inline std::vector<std::uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) detail::throw_io_error("read_file", "cannot open '", path, "': ", std::strerror(errno));
    const std::streamoff size = in.tellg();
    if (size < 0) detail::throw_io_error("read_file", "cannot determine the size of '", path, "'");
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    in.seekg(0);
    if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
        detail::throw_io_error("read_file", "cannot read '", path, "'");
    return bytes;
}

/// Checks, before any long work, that a file can be created at `path`: its directory exists and is
/// writable, and `path` is not itself a directory. `what` names it in the message (e.g. "-o").
/// Throws io_error (id io_error.output).
inline void check_output_path(const std::string& what, const std::string& path) {
    namespace fs = std::filesystem;
    SYNCDSP_REQUIRE(!path.empty(), "output", what, ": empty file name");
    std::error_code ec;
    if (fs::is_directory(path, ec))
        detail::throw_io_error("output", what, " '", path, "' is a directory, not a file name");
    const fs::path dir = fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
    if (!fs::exists(dir, ec))
        detail::throw_io_error("output", what, " '", path, "': the directory '", dir.string(), "' does not exist");
    if (!fs::is_directory(dir, ec))
        detail::throw_io_error("output", what, " '", path, "': '", dir.string(), "' is not a directory");
    // W_OK for creating the temporary file, X_OK for reaching it; EROFS is reported even for root.
    if (access(dir.c_str(), W_OK | X_OK) != 0)
        detail::throw_io_error("output", what, " '", path, "': cannot write in '", dir.string(),
                               "': ", std::strerror(errno));
}

/// Path of a fresh temporary file next to `path` (same directory, so rename is atomic).
inline std::string temporary_sibling(const std::string& path) {
    std::random_device rd;
    return path + ".tmp" + std::to_string(rd() % 1000000u);
}

/// A run of bytes to write.
struct byte_span {
    const void* data = nullptr;
    std::size_t size = 0;
};

/// Writes the pieces one after another to `path` through a temporary sibling and a rename (no
/// copy into one buffer first); on any failure the target is untouched and the temporary removed.
inline void write_file_atomic(const std::string& path, std::initializer_list<byte_span> pieces) {
    const std::string tmp = temporary_sibling(path);
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out)
            detail::throw_io_error("write_file", "cannot create '", tmp, "': ", std::strerror(errno));
        for (const byte_span& b : pieces)
            if (b.size > 0 && out) out.write(static_cast<const char*>(b.data), static_cast<std::streamsize>(b.size));
        out.flush();
        if (!out) {
            out.close();
            std::remove(tmp.c_str());
            detail::throw_io_error("write_file", "cannot write '", tmp, "' (disk full?)");
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        std::remove(tmp.c_str());
        detail::throw_io_error("write_file", "cannot rename '", tmp, "' to '", path,
                               "': ", std::strerror(err));
    }
}

/// Writes bytes to `path` through a temporary sibling and a rename; on any failure the target is
/// untouched and the temporary is removed.
inline void write_file_atomic(const std::string& path, const void* data, std::size_t size) {
    write_file_atomic(path, {byte_span{data, size}});
}

inline void write_file_atomic(const std::string& path, const std::vector<std::uint8_t>& bytes) {
    write_file_atomic(path, bytes.data(), bytes.size());
}

}  // namespace syncdsp::io

namespace syncdsp::detail {

/// Little-endian readers over a bounded byte buffer; callers check bounds first.
inline std::uint16_t load_u16le(const std::uint8_t* p) {
    return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
inline std::uint32_t load_u32le(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
inline void store_u16le(std::vector<std::uint8_t>& out, std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v & 0xff));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
}
inline void store_u32le(std::vector<std::uint8_t>& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>((v >> (8 * i)) & 0xff));
}

}  // namespace syncdsp::detail
