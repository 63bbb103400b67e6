// syncdsp/sync/surrogate.hpp - how far a correlation peak stands above chance, measured on the clip
// itself.
//
// A surrogate of an audio sequence is the sequence time-reversed and then rotated (circularly
// shifted) by some number of samples. It keeps the sequence's values and its autocorrelation - so
// its correlation curves against the video have the same roughness as the real ones - but no lag
// lines it up with the picture, whatever the clip's length (a rotation alone would, for a clip
// shorter than four times the search range). The peaks of the same search run on `count` such
// surrogates give the distribution of peaks that chance alone produces on this clip:
//  - confidence = (peak - mean of surrogate peaks) / their standard deviation;
//  - p_value = (1 + surrogates whose peak >= the real peak) / (1 + count), the exact Monte-Carlo
//    p-value: with 99 surrogates the smallest possible is 0.01.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "syncdsp/core/error.hpp"

namespace syncdsp::sync {

/// Where surrogate i of `count` starts on a circle of `length` samples: spread evenly.
inline std::size_t surrogate_rotation(std::size_t length, std::size_t i, std::size_t count) {
    SYNCDSP_REQUIRE(count > 0 && i < count, "surrogate", "surrogate ", i, " of ", count);
    return static_cast<std::size_t>((static_cast<unsigned long long>(length) * i) / count);
}

/// Samples [lo, hi) of x time-reversed and rotated by `rotation`: y[k] = x[n-1 - ((k - rotation) mod n)].
inline std::vector<double> reversed_rotation(const std::vector<double>& x, std::size_t rotation, std::size_t lo,
                                             std::size_t hi) {
    const std::size_t n = x.size();
    SYNCDSP_REQUIRE(lo <= hi && hi <= n, "surrogate", "slice [", lo, ", ", hi, ") of ", n, " samples");
    std::vector<double> y(hi - lo);
    if (n == 0) return y;
    const std::size_t r = rotation % n;
    for (std::size_t k = lo; k < hi; ++k) y[k - lo] = x[n - 1 - ((k + n - r) % n)];
    return y;
}

/// A real peak compared with the peaks of its surrogates.
struct surrogate_test {
    std::size_t count = 0;  ///< surrogates run (0: not tested)
    double mean = 0, sd = 0;
    std::size_t beaten = 0;  ///< surrogates whose peak reached the real one
    double confidence = 0;   ///< (peak - mean) / sd
    double p_value = 1;      ///< (1 + beaten) / (1 + count); 1 when not tested
};

inline surrogate_test compare_with_surrogates(double peak, const std::vector<double>& surrogate_peaks) {
    surrogate_test t;
    t.count = surrogate_peaks.size();
    if (t.count == 0) return t;
    for (double p : surrogate_peaks) t.mean += p / double(t.count);
    double var = 0;
    for (double p : surrogate_peaks) var += (p - t.mean) * (p - t.mean) / double(t.count);
    t.sd = std::sqrt(var);
    t.confidence = (peak - t.mean) / std::max(t.sd, 1e-6);  // floor: identical surrogates are not infinitely far
    t.beaten = std::size_t(std::count_if(surrogate_peaks.begin(), surrogate_peaks.end(),
                                         [&](double p) { return p >= peak; }));
    t.p_value = double(1 + t.beaten) / double(1 + t.count);
    return t;
}

}  // namespace syncdsp::sync
