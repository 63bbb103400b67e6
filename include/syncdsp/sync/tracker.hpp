// syncdsp/sync/tracker.hpp - offset over time: the correlation search in sliding windows, and a
// robust whole-file summary (the median offset of the windows whose confidence passes a threshold).
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/sync/fusion.hpp"
#include "syncdsp/sync/peak.hpp"
#include "syncdsp/sync/xcorr.hpp"

namespace syncdsp::sync {

/// One visual sequence and one audio sequence on the same grid, with a fusion weight.
struct feature_pair {
    std::vector<double> video;
    std::vector<double> audio;
    double weight = 1.0;
};

struct TrackOptions {
    double window_s = 5.0;          ///< window length
    double hop_s = 2.5;             ///< hop between window starts
    double min_confidence = 0.0;    ///< windows below this peak_to_second are not used in the summary
    NccOptions ncc;                 ///< lag range in grid samples
    PeakOptions peak;
};

struct track_window {
    double start_s = 0, end_s = 0;
    peak_estimate peak;
    double offset_ms = 0;    ///< sign of DESIGN.md: > 0 audio late
    bool confident = false;  ///< peak valid, not at the edge, and above min_confidence
    double confidence = 0;   ///< set by callers that test the window against surrogates
    double p_value = 1;      ///< likewise (1 = not tested)
};

struct track_result {
    std::vector<track_window> windows;
    double summary_offset_ms = 0;   ///< median offset of the confident windows
    std::size_t confident_windows = 0;
    bool has_summary = false;       ///< false when no window was confident
};

/// The fused correlation curve of several feature pairs over samples [begin, end) of the grid.
inline correlation_curve fused_curve(const std::vector<feature_pair>& pairs, std::size_t begin, std::size_t end,
                                     const NccOptions& ncc, double rate_hz) {
    std::vector<correlation_curve> curves;
    std::vector<double> weights;
    for (const auto& p : pairs) {
        SYNCDSP_REQUIRE(end <= p.video.size() && end <= p.audio.size(), "tracker", "window end ", end,
                        " beyond the sequences (", p.video.size(), ", ", p.audio.size(), ")");
        // The audio side keeps its context beyond the window so every lag has a full overlap.
        const long lo = std::max<long>(0, long(begin) + ncc.min_lag);
        const long hi = std::min<long>(long(p.audio.size()), long(end) + ncc.max_lag);
        NccOptions o = ncc;
        o.min_lag = ncc.min_lag + int(long(begin) - lo);
        o.max_lag = ncc.max_lag + int(long(begin) - lo);
        auto c = normalized_xcorr(p.video.data() + begin, end - begin, p.audio.data() + lo, std::size_t(hi - lo), o);
        c.min_lag = ncc.min_lag;  // report lags relative to the window, not the audio slice
        c.rate_hz = rate_hz;
        curves.push_back(std::move(c));
        weights.push_back(p.weight);
    }
    if (curves.size() == 1) return curves.front();
    auto f = fuse_curves(curves, weights);
    f.rate_hz = rate_hz;
    return f;
}

/// Sliding-window offsets of feature pairs sampled at rate_hz.
inline track_result track_offsets(const std::vector<feature_pair>& pairs, double rate_hz, const TrackOptions& opt) {
    SYNCDSP_REQUIRE(!pairs.empty(), "tracker", "no feature pairs");
    SYNCDSP_REQUIRE(rate_hz > 0, "tracker", "rate ", rate_hz, " must be positive");
    SYNCDSP_REQUIRE(opt.window_s > 0 && opt.hop_s > 0, "tracker", "window ", opt.window_s, " s and hop ", opt.hop_s,
                    " s must be positive");
    std::size_t n = pairs.front().video.size();
    for (const auto& p : pairs) n = std::min({n, p.video.size(), p.audio.size()});
    const std::size_t win = std::max<std::size_t>(2, std::size_t(std::lround(opt.window_s * rate_hz)));
    const std::size_t hop = std::max<std::size_t>(1, std::size_t(std::lround(opt.hop_s * rate_hz)));
    track_result r;
    if (n < win) return r;
    std::vector<double> offsets;
    for (std::size_t b = 0; b + win <= n; b += hop) {
        track_window w;
        w.start_s = double(b) / rate_hz;
        w.end_s = double(b + win) / rate_hz;
        const auto curve = fused_curve(pairs, b, b + win, opt.ncc, rate_hz);
        w.peak = find_peak(curve, opt.peak);
        w.offset_ms = w.peak.lag_refined * 1000.0 / rate_hz;
        w.confident = w.peak.valid && !w.peak.at_edge && w.peak.peak_to_second >= opt.min_confidence;
        if (w.confident) offsets.push_back(w.offset_ms);
        r.windows.push_back(w);
    }
    r.confident_windows = offsets.size();
    if (!offsets.empty()) {
        r.summary_offset_ms = median_of(offsets);
        r.has_summary = true;
    }
    return r;
}

}  // namespace syncdsp::sync
