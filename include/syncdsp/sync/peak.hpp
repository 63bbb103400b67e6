// syncdsp/sync/peak.hpp - the peak of a correlation curve, its sub-sample position, and how much it
// stands out (the confidence measures).
//
// Confidence measures, all computed over the informative lags only:
//  - peak_to_median: (peak - median) / (1.4826 * MAD), a robust z-score of the peak against the
//    curve's own spread. A flat or noisy curve gives a small value.
//  - peak_to_second: peak minus the best *other* local maximum outside +-guard_lags of the peak
//    (the runner-up). A curve with two similar peaks gives ~0 even if both are high: that is the
//    signature of a gross (far-away) error.
//  - at_edge: the best lag is the first or last searched; the true peak may be outside the range.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/sync/xcorr.hpp"

namespace syncdsp::sync {

struct PeakOptions {
    int guard_lags = 2;  ///< the runner-up is searched outside +-guard_lags of the peak

    void validate() const {
        SYNCDSP_REQUIRE(guard_lags >= 0, "peak", "guard_lags ", guard_lags, " must be >= 0");
    }
    std::string to_string() const { return "PeakOptions{guard_lags=" + std::to_string(guard_lags) + "}"; }
};

struct peak_estimate {
    bool valid = false;         ///< false when the curve has no informative lag
    std::size_t index = 0;      ///< index of the best lag in the curve
    int lag = 0;                ///< best integer lag
    double lag_refined = 0;     ///< sub-sample lag (parabolic interpolation through 3 points)
    double score = 0;           ///< curve value at the best lag
    double median = 0, mad = 0;
    double peak_to_median = 0;  ///< robust z-score of the peak
    int second_lag = 0;
    double second_score = 0;
    double peak_to_second = 0;  ///< score - second_score
    bool at_edge = false;
};

/// Vertex of the parabola through (-1, ym), (0, y0), (1, yp), as an offset in [-0.5, 0.5] from 0.
inline double parabolic_offset(double ym, double y0, double yp) {
    const double denom = ym - 2.0 * y0 + yp;
    if (!(denom < 0)) return 0.0;  // not a strict maximum: no refinement
    return std::clamp(0.5 * (ym - yp) / denom, -0.5, 0.5);
}

inline double median_of(std::vector<double> v) {
    if (v.empty()) return 0.0;
    const std::size_t mid = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + long(mid), v.end());
    double m = v[mid];
    if (v.size() % 2 == 0) m = 0.5 * (m + *std::max_element(v.begin(), v.begin() + long(mid)));
    return m;
}

/// Finds the best lag of a curve and its confidence measures.
inline peak_estimate find_peak(const correlation_curve& c, const PeakOptions& opt = {}) {
    opt.validate();
    peak_estimate p;
    const std::size_t n = c.size();
    std::vector<double> vals;
    vals.reserve(n);
    double best = -std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < n; ++i) {
        if (!c.informative[i]) continue;
        vals.push_back(c.score[i]);
        if (c.score[i] > best) {
            best = c.score[i];
            p.index = i;
        }
    }
    if (vals.empty()) return p;
    p.valid = true;
    p.lag = c.lag(p.index);
    p.score = best;
    p.median = median_of(vals);
    std::vector<double> dev(vals.size());
    for (std::size_t i = 0; i < vals.size(); ++i) dev[i] = std::fabs(vals[i] - p.median);
    p.mad = median_of(dev);
    const double spread = std::max(1.4826 * p.mad, 1e-12);
    p.peak_to_median = (p.score - p.median) / spread;

    const bool left_ok = p.index > 0 && c.informative[p.index - 1];
    const bool right_ok = p.index + 1 < n && c.informative[p.index + 1];
    p.at_edge = !left_ok || !right_ok;
    p.lag_refined = double(p.lag);
    if (left_ok && right_ok)
        p.lag_refined += parabolic_offset(c.score[p.index - 1], c.score[p.index], c.score[p.index + 1]);

    // Runner-up: the best local maximum outside the guard band (or the best value there if the
    // curve is monotone outside it).
    double second = -std::numeric_limits<double>::infinity(), fallback = second;
    int second_lag = p.lag, fallback_lag = p.lag;
    for (std::size_t i = 0; i < n; ++i) {
        if (!c.informative[i]) continue;
        if (std::abs(long(i) - long(p.index)) <= opt.guard_lags) continue;
        const double y = c.score[i];
        if (y > fallback) {
            fallback = y;
            fallback_lag = c.lag(i);
        }
        const bool ge_left = i == 0 || !c.informative[i - 1] || y >= c.score[i - 1];
        const bool ge_right = i + 1 >= n || !c.informative[i + 1] || y >= c.score[i + 1];
        if (ge_left && ge_right && y > second) {
            second = y;
            second_lag = c.lag(i);
        }
    }
    if (!std::isfinite(second)) {
        second = fallback;
        second_lag = fallback_lag;
    }
    if (std::isfinite(second)) {
        p.second_score = second;
        p.second_lag = second_lag;
        p.peak_to_second = p.score - second;
    } else {  // nothing outside the guard band
        p.second_score = p.score;
        p.second_lag = p.lag;
        p.peak_to_second = 0;
    }
    return p;
}

/// A rival of the peak: the best other hill of the curve that comes within `margin` of the peak's
/// score - a local maximum outside the guard band, separated from the peak by a valley at least
/// `margin` below it (so the shoulder of a broad peak is no rival). The search calls it with
/// margin = the surrogate peaks' standard deviation: two hills closer than chance varies cannot be
/// told apart, and an answer with a rival is not reliable. Returns the rival's index in the curve.
inline std::optional<std::size_t> find_rival(const correlation_curve& c, const peak_estimate& p, double margin,
                                             const PeakOptions& opt = {}) {
    if (!p.valid || !(margin > 0)) return std::nullopt;
    const std::size_t n = c.size();
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < n; ++i) {
        if (!c.informative[i] || std::abs(long(i) - long(p.index)) <= opt.guard_lags) continue;
        const double y = c.score[i];
        if (y < p.score - margin || (best && y <= c.score[*best])) continue;
        const bool ge_left = i == 0 || !c.informative[i - 1] || y >= c.score[i - 1];
        const bool ge_right = i + 1 >= n || !c.informative[i + 1] || y >= c.score[i + 1];
        if (!ge_left || !ge_right) continue;
        double valley = y;  // the lowest informative value between the hill and the peak
        for (std::size_t j = std::min(i, p.index) + 1; j < std::max(i, p.index); ++j)
            if (c.informative[j]) valley = std::min(valley, c.score[j]);
        if (valley <= y - margin) best = i;
    }
    return best;
}

}  // namespace syncdsp::sync
