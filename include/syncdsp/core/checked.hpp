// syncdsp/core/checked.hpp - overflow-checked size arithmetic and finiteness checks.
//
// Loaders multiply header fields (channels x frames x bytes...) before allocating; a lying header
// must give an error, not a wrapped-around size and a heap overflow.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "syncdsp/core/error.hpp"

namespace syncdsp {

/// a*b, or throws invalid_argument naming `where` if it does not fit in size_t.
inline std::size_t checked_mul(std::size_t a, std::size_t b, const char* where) {
    if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a)
        detail::throw_invalid_argument(where, "size overflow: ", a, " * ", b);
    return a * b;
}

/// a+b, or throws invalid_argument naming `where` if it does not fit in size_t.
inline std::size_t checked_add(std::size_t a, std::size_t b, const char* where) {
    if (b > std::numeric_limits<std::size_t>::max() - a)
        detail::throw_invalid_argument(where, "size overflow: ", a, " + ", b);
    return a + b;
}

/// Index of the first non-finite value in [data, data+n), or n when all are finite.
template <class T>
std::size_t first_non_finite(const T* data, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        if (!std::isfinite(data[i])) return i;
    return n;
}

/// Throws invalid_argument if any value is NaN or infinite, naming the first bad index.
template <class T>
void require_finite(const T* data, std::size_t n, const char* where, const char* what) {
    const std::size_t i = first_non_finite(data, n);
    if (i != n)
        detail::throw_invalid_argument(where, what, " has a non-finite value (", data[i],
                                       ") at index ", i);
}

}  // namespace syncdsp
