// syncdsp/sync/timebase.hpp - bringing audio features (e.g. 100 Hz) and video features (one per
// frame, possibly at irregular times) onto one uniform time grid before correlating them.
//
// Choices, and why:
//  - Audio -> grid by *integration*: each grid cell [t - dt/2, t + dt/2) gets the mean of the
//    audio feature frames overlapping it, each weighted by its overlap (a frame stands for one hop
//    around its centre), so the mean is centred on t even when frame centres fall on cell edges
//    (10 ms frames into 40 ms cells: whole edge frames from one side only put it 5 ms early;
//    measured on the synthetic truth, tests/cli/test_cli_timebase_truth.cpp: 25 fps +1.4 -> +0.2 ms). Averaging is the anti-aliasing a
//    down-sampling from 100 Hz to ~25 Hz needs, and it keeps the energy that happened during the
//    frame's exposure time together.
//  - Video -> grid by *linear interpolation* between the real frame timestamps. For constant frame
//    rate video on a grid at the frame rate this is the identity; for variable frame rate it puts
//    every frame where it was really shown instead of assuming the nominal rate.
//  - Missing data (NaN) propagates: a cell with no valid audio frame, or a grid time outside the
//    video's frames or next to a missing frame, is NaN and is skipped by the correlation.
#pragma once

#include <cmath>
#include <limits>
#include <vector>

#include "syncdsp/core/error.hpp"

namespace syncdsp::sync {

/// Uniform grid t0, t0 + 1/rate, ... covering [t0, t1).
inline std::vector<double> uniform_grid(double t0, double t1, double rate_hz) {
    SYNCDSP_REQUIRE(rate_hz > 0 && std::isfinite(rate_hz), "timebase", "grid rate ", rate_hz, " Hz must be positive");
    SYNCDSP_REQUIRE(std::isfinite(t0) && std::isfinite(t1), "timebase", "grid bounds must be finite");
    std::vector<double> g;
    if (t1 <= t0) return g;
    const double count = std::ceil((t1 - t0) * rate_hz - 1e-9);
    SYNCDSP_REQUIRE(count < 1e8, "timebase", "grid of ", count, " points is too long");
    g.resize(std::size_t(count));
    for (std::size_t i = 0; i < g.size(); ++i) g[i] = t0 + double(i) / rate_hz;
    return g;
}

/// Averages a regularly sampled feature (frame i centred at first_time_s + i / rate_hz, standing
/// for one period around it) into the cells of a uniform grid of spacing 1/grid_rate_hz centred on
/// `grid`, weighting each frame by its overlap with the cell.
inline std::vector<double> integrate_to_grid(const std::vector<double>& values, double rate_hz, double first_time_s,
                                             const std::vector<double>& grid, double grid_rate_hz) {
    SYNCDSP_REQUIRE(rate_hz > 0 && grid_rate_hz > 0, "timebase", "rates must be positive (", rate_hz, ", ",
                    grid_rate_hz, ")");
    std::vector<double> sum(grid.size(), 0.0), count(grid.size(), 0.0);
    if (grid.empty()) return sum;
    // Each frame stands for [t - hop/2, t + hop/2) and is shared between the cells it overlaps, by
    // overlap: a cell's mean is then centred on the cell even when frames fall on its edges (a
    // half-open cell taking whole edge frames from one side only is off by half a hop).
    const double half = 0.5 / grid_rate_hz, g0 = grid.front() - half, hop = 1.0 / rate_hz;
    const double cells = double(grid.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double v = values[i];
        if (std::isnan(v)) continue;
        const double a = (first_time_s + double(i) / rate_hz - 0.5 * hop - g0) * grid_rate_hz;  // in cells
        const double b = a + hop * grid_rate_hz;
        if (b <= 0 || a >= cells) continue;
        for (double c = std::max(0.0, std::floor(a)); c < std::min(cells, b); c += 1) {
            const double w = std::min(b, c + 1) - std::max(a, c);
            if (w <= 0) continue;
            sum[std::size_t(c)] += w * v;
            count[std::size_t(c)] += w;
        }
    }
    for (std::size_t k = 0; k < grid.size(); ++k)
        sum[k] = count[k] > 0 ? sum[k] / count[k] : std::numeric_limits<double>::quiet_NaN();
    return sum;
}

/// Linear interpolation of per-frame values at strictly increasing `times` onto `grid`; NaN outside
/// [times.front(), times.back()] and wherever a neighbouring frame is NaN.
inline std::vector<double> interpolate_to_grid(const std::vector<double>& values, const std::vector<double>& times,
                                               const std::vector<double>& grid) {
    SYNCDSP_REQUIRE(values.size() == times.size(), "timebase", values.size(), " values but ", times.size(),
                    " timestamps");
    for (std::size_t i = 1; i < times.size(); ++i)
        SYNCDSP_REQUIRE(times[i] > times[i - 1], "timebase", "timestamps are not increasing at frame ", i, " (",
                        times[i - 1], " then ", times[i], ")");
    std::vector<double> out(grid.size(), std::numeric_limits<double>::quiet_NaN());
    if (times.empty()) return out;
    std::size_t j = 0;
    const double eps = 1e-9;
    for (std::size_t k = 0; k < grid.size(); ++k) {
        const double t = grid[k];
        if (t < times.front() - eps || t > times.back() + eps) continue;
        while (j + 1 < times.size() && times[j + 1] <= t) ++j;
        if (j + 1 >= times.size() || std::fabs(t - times[j]) <= eps) {
            out[k] = values[j];
            continue;
        }
        const double w = (t - times[j]) / (times[j + 1] - times[j]);
        out[k] = (1 - w) * values[j] + w * values[j + 1];  // NaN if either side is NaN
    }
    return out;
}

/// Backward difference x[t] - x[t-1] (NaN where either is missing; the first sample is NaN).
inline std::vector<double> backward_difference(const std::vector<double>& x) {
    std::vector<double> d(x.size(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t t = 1; t < x.size(); ++t) d[t] = x[t] - x[t - 1];
    return d;
}

}  // namespace syncdsp::sync
