// syncdsp/core/error.hpp - the one exception hierarchy every syncdsp component throws.
//
// Every error message starts with a stable id in brackets, e.g.
//   [syncdsp.parse_error.wav] truncated 'fmt ' chunk at byte 20: need 16 bytes, have 7
// so callers can match on the id and people can search the catalogue in docs/errors.md.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace syncdsp {

/// Base of every exception syncdsp throws. Catch this to catch them all.
class error : public std::runtime_error {
public:
    error(std::string id, const std::string& what)
        : std::runtime_error("[syncdsp." + id + "] " + what), id_(std::move(id)) {}
    /// Stable identifier, e.g. "invalid_argument.mfcc" or "parse_error.wav".
    const std::string& id() const noexcept { return id_; }

private:
    std::string id_;
};

/// The caller passed a value the function cannot work with (wrong size, range, shape...).
class invalid_argument : public error {
public:
    invalid_argument(const std::string& where, const std::string& what)
        : error("invalid_argument." + where, what) {}
};

/// Input data (a file or a buffer) is malformed: truncated, lying header, bad value.
class parse_error : public error {
public:
    parse_error(const std::string& where, const std::string& what)
        : error("parse_error." + where, what) {}
};

/// Reading or writing a file or running an external program failed.
class io_error : public error {
public:
    io_error(const std::string& where, const std::string& what)
        : error("io_error." + where, what) {}
};

/// The input is valid but uses a feature syncdsp does not implement.
class unsupported_error : public error {
public:
    unsupported_error(const std::string& where, const std::string& what)
        : error("unsupported." + where, what) {}
};

namespace detail {

/// Concatenates streamable values into one string: message("n_fft=", n, " < 1").
template <class... Args>
std::string message(const Args&... args) {
    std::ostringstream out;
    (out << ... << args);
    return out.str();
}

template <class... Args>
[[noreturn]] void throw_invalid_argument(const char* where, const Args&... args) {
    throw invalid_argument(where, message(args...));
}

template <class... Args>
[[noreturn]] void throw_parse_error(const char* where, const Args&... args) {
    throw parse_error(where, message(args...));
}

template <class... Args>
[[noreturn]] void throw_io_error(const char* where, const Args&... args) {
    throw io_error(where, message(args...));
}

template <class... Args>
[[noreturn]] void throw_unsupported(const char* where, const Args&... args) {
    throw unsupported_error(where, message(args...));
}

}  // namespace detail
}  // namespace syncdsp

/// Checks a precondition on a caller-supplied value; throws syncdsp::invalid_argument.
#define SYNCDSP_REQUIRE(cond, where, ...)                                            \
    do {                                                                              \
        if (!(cond)) ::syncdsp::detail::throw_invalid_argument(where, __VA_ARGS__);   \
    } while (false)
