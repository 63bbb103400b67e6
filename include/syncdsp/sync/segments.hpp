// syncdsp/sync/segments.hpp - when one number is not the answer: the stretches of a clip over which
// the window estimates agree, and whether they disagree by more than a single shift can fix.
//
// Two offsets differ "beyond tolerance" when no single correction brings both inside the tolerance
// window, i.e. when they are more than early + late apart. Windows are grouped in time order; a
// window joins the current stretch when it is within half that width of the stretch's median.
// A stretch needs at least `min_windows` reliable windows (hop = half a window, so a real change
// lasts at least two): a lone window that disagrees is an outlier, not a change.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "syncdsp/sync/peak.hpp"
#include "syncdsp/sync/search.hpp"
#include "syncdsp/sync/verdict.hpp"

namespace syncdsp::sync {

/// Stretches of agreeing reliable windows (in time order). Returns one stretch per run of
/// agreement; two or more mean the offset changes beyond `change_ms`.
inline std::vector<segment> agreeing_segments(const std::vector<offset_estimate>& windows, double change_ms,
                                              std::size_t min_windows = 2) {
    SYNCDSP_REQUIRE(std::isfinite(change_ms) && change_ms > 0, "segments", "change_ms ", change_ms,
                    " must be positive");
    struct run {
        std::vector<double> offsets;
        double start_s, end_s;
    };
    std::vector<run> runs;
    for (const auto& w : windows) {
        if (!w.reliable) continue;
        if (runs.empty() || std::fabs(w.offset_ms - median_of(runs.back().offsets)) > change_ms / 2)
            runs.push_back({{}, w.start_s, w.end_s});
        runs.back().offsets.push_back(w.offset_ms);
        runs.back().end_s = w.end_s;
    }
    std::vector<segment> out;
    for (const auto& r : runs) {
        if (r.offsets.size() < min_windows) continue;
        const double m = median_of(r.offsets);
        if (!out.empty() && std::fabs(m - out.back().offset_ms) <= change_ms / 2) {
            // an outlier between two runs of the same offset: one stretch
            auto& s = out.back();
            s.end_s = r.end_s;
            s.windows += r.offsets.size();
            continue;
        }
        out.push_back({r.start_s, r.end_s, m, r.offsets.size()});
    }
    // Only differences beyond change_ms make separate stretches.
    if (out.size() > 1) {
        double lo = out.front().offset_ms, hi = lo;
        for (const auto& s : out) {
            lo = std::min(lo, s.offset_ms);
            hi = std::max(hi, s.offset_ms);
        }
        if (hi - lo <= change_ms) {
            segment all{out.front().start_s, out.back().end_s, 0, 0};
            std::vector<double> offs;
            for (const auto& w : windows)
                if (w.reliable) offs.push_back(w.offset_ms);
            all.offset_ms = median_of(offs);
            for (const auto& s : out) all.windows += s.windows;
            return {all};
        }
    }
    return out;
}

}  // namespace syncdsp::sync
