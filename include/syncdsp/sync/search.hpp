// syncdsp/sync/search.hpp - the offset engine: video cues against audio cues on one time grid, over a
// range of lags, for the whole clip and in sliding windows, each answer tested against surrogates.
//
//   sync::cue_grid grid{t0, fps};
//   auto r = sync::search({{"mouth opening rate", opening, sync::cue_kind::rate}},
//                         {{"1-4 kHz log energy", energy, sync::cue_kind::level}}, grid,
//                         sync::SearchOptions::classic());
//   r.whole.offset_ms   // > 0: the audio is late (DESIGN.md sign convention)
//
// For a span [b, e) of the grid (the whole clip, or one window):
//  1. every video x audio cue pair gets a Pearson curve over lags -L..L (per-overlap, NaN skipped;
//     the audio keeps its context outside the span so every lag has a full overlap);
//  2. each pair's curve is moved by the pair's calibrated lead (SearchOptions::leads), so a
//     lip-before-sound lead is not read as "audio late";
//  3. the curves are fused (Fisher z, Stouffer) and the best lag, refined by a parabola, is the
//     offset;
//  4. the same steps run on `surrogates` time-reversed, rotated copies of the audio cues
//     (sync/surrogate.hpp) give the confidence and the p-value; the answer is reliable when the
//     peak is not at the edge of the range, p <= reliable_p, and no other hill of the curve comes
//     within one surrogate sd of the peak (a rival: two lags the cues cannot tell apart).
// The whole clip and each window use exactly the same steps and the same significance rule.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/parallel.hpp"
#include "syncdsp/sync/cue.hpp"
#include "syncdsp/sync/fusion.hpp"
#include "syncdsp/sync/peak.hpp"
#include "syncdsp/sync/surrogate.hpp"
#include "syncdsp/sync/xcorr.hpp"

namespace syncdsp::sync {

/// How far a video cue's events come before the matching audio cue's in in-sync speech (> 0: the
/// video leads, which would otherwise read as audio late by lead_ms).
struct pair_lead {
    std::string video;
    std::string audio;
    double lead_ms = 0;
};

/// The uniform grid every cue is sampled on: sample k at start_s + k / rate_hz.
struct cue_grid {
    double start_s = 0;
    double rate_hz = 0;
};

struct SearchOptions {
    double max_offset_ms = 2000;         ///< lags searched: -max..+max
    double min_overlap_s = 2.0;          ///< whole clip: lags with fewer valid pairs are uninformative
    double window_min_overlap_s = 1.0;   ///< the same for a window
    PeakOptions peak;                    ///< runner-up guard band
    int surrogates = 99;                 ///< per answer (whole clip and every window); 0 = no test
    double reliable_p = 0.01;            ///< p-value at or below which an answer is reliable
    double window_s = 0;                 ///< > 0: also search sliding windows of this length
    double hop_s = 0;                    ///< hop between windows (0: half the window)
    std::vector<pair_lead> leads;        ///< removed per cue pair before fusion (none: raw estimate)
    unsigned threads = 0;                ///< 0 = all cores

    /// The search `syncdsp sync` runs: +-2 s, 99 surrogates, p <= 0.01, no windows, no leads.
    static SearchOptions classic() { return {}; }

    void validate() const {
        peak.validate();
        SYNCDSP_REQUIRE(max_offset_ms > 0 && max_offset_ms <= 60000, "search", "max_offset_ms ", max_offset_ms,
                        " must be in (0, 60000]");
        SYNCDSP_REQUIRE(min_overlap_s > 0 && window_min_overlap_s > 0, "search", "min_overlap_s ", min_overlap_s,
                        " and window_min_overlap_s ", window_min_overlap_s, " must be positive");
        SYNCDSP_REQUIRE(surrogates >= 0 && surrogates <= 100000, "search", "surrogates ", surrogates,
                        " must be in 0..100000");
        SYNCDSP_REQUIRE(reliable_p > 0 && reliable_p < 1, "search", "reliable_p ", reliable_p, " must be in (0, 1)");
        // With n surrogates the smallest p-value is 1/(n+1): fewer would make "reliable" unreachable.
        SYNCDSP_REQUIRE(surrogates == 0 || 1.0 / (1.0 + surrogates) <= reliable_p * (1 + 1e-9), "search",
                        surrogates, " surrogates cannot reach p <= ", reliable_p, "; use at least ",
                        std::ceil(1.0 / reliable_p - 1 - 1e-9));
        SYNCDSP_REQUIRE(std::isfinite(window_s) && window_s >= 0 && std::isfinite(hop_s) && hop_s >= 0, "search",
                        "window_s ", window_s, " and hop_s ", hop_s, " must be >= 0");
        for (const auto& l : leads)
            SYNCDSP_REQUIRE(std::isfinite(l.lead_ms) && std::fabs(l.lead_ms) < max_offset_ms, "search", "lead of ",
                            l.video, " x ", l.audio, " = ", l.lead_ms, " ms must be finite and inside the range");
    }

    std::string to_string() const {
        std::ostringstream s;
        s << "SearchOptions{max_offset_ms=" << max_offset_ms << ", min_overlap_s=" << min_overlap_s
          << ", window_min_overlap_s=" << window_min_overlap_s << ", guard_lags=" << peak.guard_lags
          << ", surrogates=" << surrogates << ", reliable_p=" << reliable_p << ", window_s=" << window_s
          << ", hop_s=" << hop_s << ", leads={";
        for (std::size_t i = 0; i < leads.size(); ++i)
            s << (i ? ", " : "") << leads[i].video << " x " << leads[i].audio << ": " << leads[i].lead_ms << " ms";
        s << "}}";
        return s.str();
    }

    /// The lead of a pair (0 when none is given).
    double lead_ms(const std::string& video, const std::string& audio) const {
        for (const auto& l : leads)
            if (l.video == video && l.audio == audio) return l.lead_ms;
        return 0;
    }
};

/// The answer for one span of the grid.
struct offset_estimate {
    bool valid = false;          ///< false: no lag had enough valid data (silence, no face, ...)
    double start_s = 0, end_s = 0;
    double offset_ms = 0;        ///< leads removed; > 0: audio late
    double raw_offset_ms = 0;    ///< the same search without the leads
    peak_estimate peak;          ///< of the fused curve (lags in grid samples)
    surrogate_test significance; ///< confidence and p-value
    /// Another lag whose hill comes within one surrogate sd of the peak (sync/peak.hpp find_rival):
    /// the cues cannot tell the two apart. Leads removed, like offset_ms.
    std::optional<double> rival_offset_ms;
    bool reliable = false;       ///< valid, not at the edge, p_value <= reliable_p, and no rival
};

/// One cue pair's own peak over the whole clip, before any lead is removed (what calibration fits).
struct pair_peak {
    std::string name;       ///< "video x audio"
    peak_estimate peak;     ///< of the pair's Fisher-z curve
    double offset_ms = 0;   ///< its refined lag in ms
};

struct search_result {
    offset_estimate whole;
    std::vector<offset_estimate> windows;
    std::vector<std::string> pairs;   ///< "video x audio", in curve order
    std::vector<pair_peak> pair_peaks;  ///< each pair alone, raw
    correlation_curve fused;          ///< whole clip, Stouffer z after the leads (rate_hz set)
    correlation_curve mean_r;         ///< whole clip, mean Pearson r after the leads (for people)
    double rate_hz = 0;
};

namespace search_impl {

// The cues of one search as the sequences it correlates, and the per-pair lead in grid samples.
struct prepared {
    std::vector<std::vector<double>> video, audio;
    std::vector<double> lead_samples;  // audio-major: pair (a, v) at a * video.size() + v
    std::size_t n = 0;
};

// Pearson curves of every pair over span [b, e) of the video. The audio is sliced with its context
// (lags reach outside the span); `rotation` makes it the reversed, rotated surrogate instead.
inline std::vector<correlation_curve> pair_curves(const prepared& p, std::size_t b, std::size_t e,
                                                  const NccOptions& ncc, std::optional<std::size_t> rotation) {
    std::vector<correlation_curve> curves;
    const long lo = std::max<long>(0, long(b) + ncc.min_lag);
    const long hi = std::min<long>(long(p.n), long(e) + ncc.max_lag);
    NccOptions o = ncc;
    o.min_lag = ncc.min_lag + int(long(b) - lo);
    o.max_lag = ncc.max_lag + int(long(b) - lo);
    for (const auto& a : p.audio) {
        const std::vector<double> slice = rotation ? reversed_rotation(a, *rotation, std::size_t(lo), std::size_t(hi))
                                                   : std::vector<double>(a.begin() + lo, a.begin() + hi);
        for (const auto& v : p.video) {
            auto c = normalized_xcorr(v.data() + b, e - b, slice.data(), slice.size(), o);
            c.min_lag = ncc.min_lag;  // lags relative to the span, not to the slice
            curves.push_back(std::move(c));
        }
    }
    return curves;
}

inline std::vector<correlation_curve> remove_leads(std::vector<correlation_curve> curves, const prepared& p) {
    for (std::size_t i = 0; i < curves.size(); ++i) curves[i] = shift_lags(curves[i], p.lead_samples[i]);
    return curves;
}

inline bool has_leads(const prepared& p) {
    return std::any_of(p.lead_samples.begin(), p.lead_samples.end(), [](double s) { return s != 0; });
}

// The peak score of surrogate `i` of `count` over span [b, e).
inline double surrogate_peak(const prepared& p, std::size_t b, std::size_t e, const NccOptions& ncc, std::size_t i,
                             std::size_t count) {
    const auto curves = remove_leads(pair_curves(p, b, e, ncc, surrogate_rotation(p.n, i, count)), p);
    const auto peak = find_peak(fuse_fisher_z(curves));
    return peak.valid ? peak.score : 0.0;
}

// One span searched and tested. `threads` spreads the surrogates (1 inside a parallel window loop).
inline offset_estimate estimate_span(const prepared& p, std::size_t b, std::size_t e, const NccOptions& ncc,
                                     double rate_hz, const SearchOptions& opt, unsigned threads,
                                     std::vector<correlation_curve>* curves_out = nullptr,
                                     std::vector<correlation_curve>* raw_out = nullptr) {
    offset_estimate est;
    auto raw = pair_curves(p, b, e, ncc, std::nullopt);
    const bool leads = has_leads(p);
    auto curves = leads ? remove_leads(raw, p) : raw;
    const correlation_curve fused = fuse_fisher_z(curves);
    est.peak = find_peak(fused, opt.peak);
    if (curves_out) *curves_out = curves;
    if (raw_out) *raw_out = raw;
    if (!est.peak.valid) return est;
    est.valid = true;
    est.offset_ms = est.peak.lag_refined * 1000.0 / rate_hz;
    est.raw_offset_ms = est.offset_ms;
    if (leads) {
        const auto raw_peak = find_peak(fuse_fisher_z(raw), opt.peak);
        if (raw_peak.valid) est.raw_offset_ms = raw_peak.lag_refined * 1000.0 / rate_hz;
    }
    if (opt.surrogates > 0 && p.n >= 8) {
        const std::size_t count = std::size_t(opt.surrogates);
        std::vector<double> peaks(count);
        parallel_for(count, threads, [&](std::size_t sb, std::size_t se) {
            for (std::size_t i = sb; i < se; ++i) peaks[i] = surrogate_peak(p, b, e, ncc, i, count);
        });
        est.significance = compare_with_surrogates(est.peak.score, peaks);
        if (const auto rival = find_rival(fused, est.peak, est.significance.sd, opt.peak))
            est.rival_offset_ms = double(fused.lag(*rival)) * 1000.0 / rate_hz;
    }
    est.reliable = !est.peak.at_edge && est.significance.count > 0 &&
                   est.significance.p_value <= opt.reliable_p * (1 + 1e-9) && !est.rival_offset_ms;
    return est;
}

}  // namespace search_impl

namespace search_impl {

// Checks the cues of one search and turns them into the sequences it correlates, with the names of
// the pairs ("video x audio", audio-major).
inline prepared prepare(const std::vector<cue>& video, const std::vector<cue>& audio, const cue_grid& grid,
                        const SearchOptions& opt, std::vector<std::string>* pair_names = nullptr) {
    opt.validate();
    SYNCDSP_REQUIRE(grid.rate_hz >= 1 && grid.rate_hz <= 1000, "search", "grid rate ", grid.rate_hz,
                    " Hz is outside 1..1000");
    SYNCDSP_REQUIRE(std::isfinite(grid.start_s), "search", "grid start must be finite");
    SYNCDSP_REQUIRE(!video.empty() && !audio.empty(), "search", video.size(), " video and ", audio.size(),
                    " audio cues; at least one of each is needed");
    const std::size_t n = video.front().values.size();
    for (const auto* side : {&video, &audio})
        for (const auto& c : *side)
            SYNCDSP_REQUIRE(c.values.size() == n, "search", "cue '", c.name, "' has ", c.values.size(),
                            " values, '", video.front().name, "' has ", n, "; all cues share one grid");
    if (n < 3) detail::throw_invalid_argument("search", "the grid has ", n, " sample(s); at least 3 are needed");
    prepared p;
    p.n = n;
    for (const auto& a : audio) p.audio.push_back(search_signal(a));
    for (const auto& v : video) p.video.push_back(search_signal(v));
    for (const auto& a : audio)
        for (const auto& v : video) {
            p.lead_samples.push_back(opt.lead_ms(v.name, a.name) * grid.rate_hz / 1000.0);
            if (pair_names) pair_names->push_back(v.name + " x " + a.name);
        }
    return p;
}

// The lags the search spans, and the overlap a lag needs (whole clip or one window).
inline NccOptions lag_range(const SearchOptions& opt, double rate_hz, bool window) {
    const int max_lag = std::max(1, int(std::ceil(opt.max_offset_ms * rate_hz / 1000.0)));
    NccOptions ncc = NccOptions::symmetric(max_lag);
    const double overlap_s = window ? opt.window_min_overlap_s : opt.min_overlap_s;
    ncc.min_overlap = std::max<std::size_t>(8, std::size_t(std::lround(overlap_s * rate_hz)));
    return ncc;
}

}  // namespace search_impl

/// Lags (grid samples) the search spans either side of zero: ceil(max_offset_ms * rate / 1000).
inline std::size_t search_lag_samples(const SearchOptions& opt, double rate_hz) {
    return std::size_t(search_impl::lag_range(opt, rate_hz, true).max_lag);
}

/// The search of one window: the video cues over samples [begin, end) of the given cues against
/// the audio cues at every lag (the audio outside the window is its context; the video outside it
/// is ignored), with the window's
/// overlap rule (window_min_overlap_s) and its own surrogate test. The surrogates are rotations of
/// the audio cues given here, so the answer depends only on the cues passed in: the online
/// estimator (sync/online.hpp) passes the stretch [begin - lags, end + lags) of its stream and gets
/// exactly this function's answer on the same stretch. (search()'s windows rotate the whole clip's
/// audio instead, so their surrogate figures differ slightly from a window searched on its own.)
inline offset_estimate search_window(const std::vector<cue>& video, const std::vector<cue>& audio, const cue_grid& grid,
                                     std::size_t begin, std::size_t end, const SearchOptions& opt) {
    // Only the window's picture counts (and the two samples before it that its first rate and
    // average need), whatever the caller passes outside it.
    std::vector<cue> window_video = video;
    for (auto& c : window_video)
        for (std::size_t k = 0; k < c.values.size(); ++k)
            if (k + 2 < begin || k >= end) c.values[k] = std::numeric_limits<double>::quiet_NaN();
    const search_impl::prepared p = search_impl::prepare(window_video, audio, grid, opt);
    SYNCDSP_REQUIRE(begin < end && end <= p.n, "search", "window [", begin, ", ", end, ") is not inside the ", p.n,
                    " grid samples");
    const NccOptions ncc = search_impl::lag_range(opt, grid.rate_hz, true);
    offset_estimate e = search_impl::estimate_span(p, begin, end, ncc, grid.rate_hz, opt, opt.threads);
    e.start_s = grid.start_s + double(begin) / grid.rate_hz;
    e.end_s = grid.start_s + double(end) / grid.rate_hz;
    return e;
}

/// Searches the offset between video cues and audio cues sampled on `grid` (every cue has one value
/// per grid sample). Throws invalid_argument on bad options, empty or mismatched cues.
inline search_result search(const std::vector<cue>& video, const std::vector<cue>& audio, const cue_grid& grid,
                            const SearchOptions& opt = SearchOptions::classic()) {
    search_result r;
    const search_impl::prepared p = search_impl::prepare(video, audio, grid, opt, &r.pairs);
    const std::size_t n = p.n;
    const double rate = grid.rate_hz;
    r.rate_hz = rate;

    const NccOptions ncc = search_impl::lag_range(opt, rate, false);
    std::vector<correlation_curve> curves, raw;
    r.whole = search_impl::estimate_span(p, 0, n, ncc, rate, opt, opt.threads, &curves, &raw);
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const auto pk = find_peak(fisher_z(raw[i]), opt.peak);
        r.pair_peaks.push_back({r.pairs[i], pk, pk.valid ? pk.lag_refined * 1000.0 / rate : 0.0});
    }
    r.whole.start_s = grid.start_s;
    r.whole.end_s = grid.start_s + double(n) / rate;
    r.fused = fuse_fisher_z(curves);
    r.fused.rate_hz = rate;
    // The curve people read: the mean Pearson r of the pairs at each lag.
    r.mean_r = curves.front();
    for (std::size_t i = 0; i < r.mean_r.size(); ++i) {
        double sum = 0, count = 0;
        for (const auto& c : curves)
            if (c.informative[i]) {
                sum += c.score[i];
                count += 1;
            }
        r.mean_r.score[i] = count > 0 ? sum / count : 0.0;
        r.mean_r.informative[i] = count > 0;
    }
    r.mean_r.rate_hz = rate;

    if (opt.window_s > 0) {
        const std::size_t win = std::max<std::size_t>(2, std::size_t(std::lround(opt.window_s * rate)));
        const double hop_s = opt.hop_s > 0 ? opt.hop_s : opt.window_s / 2;
        const std::size_t hop = std::max<std::size_t>(1, std::size_t(std::lround(hop_s * rate)));
        const NccOptions wncc = search_impl::lag_range(opt, rate, true);
        std::vector<std::size_t> begins;
        for (std::size_t b = 0; b + win <= n; b += hop) begins.push_back(b);
        r.windows.resize(begins.size());
        parallel_for(begins.size(), opt.threads, [&](std::size_t wb, std::size_t we) {
            for (std::size_t i = wb; i < we; ++i) {
                auto& w = r.windows[i];
                w = search_impl::estimate_span(p, begins[i], begins[i] + win, wncc, rate, opt, 1);
                w.start_s = grid.start_s + double(begins[i]) / rate;
                w.end_s = grid.start_s + double(begins[i] + win) / rate;
            }
        });
    }
    return r;
}

}  // namespace syncdsp::sync
