// syncdsp/sync/calibration.hpp - the calibrated zero and the interval of an answer.
//
// A speaker's lips move before the sound they shape, so a correlation of mouth motion with speech
// reads part of that lead as "audio late". The lead of every cue pair is measured on real in-sync
// speech and removed by the search (SearchOptions::leads). What remains between the calibrated
// answer and zero on in-sync clips - different speakers, languages, framings, and real offsets in
// the sources - sets the width of the interval.
//
// All numbers in speech_lead() are fitted by scripts/fit_calibration.py on ../shared/data/calib
// (32 real single-speaker clips from 19 public sources; never on the clips reported as test
// results): lead = the median over clips of the pair's own peak lag at offset 0; the interval is
// the 90 % quantile of |calibrated offset| over the same clips. docs/accuracy.md reports them
// with leave-one-source-out cross-validation.
#pragma once

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/sync/search.hpp"

namespace syncdsp::sync {

struct Calibration {
    std::string name = "none";
    std::string fitted_by;          ///< script and corpus
    std::vector<pair_lead> leads;   ///< removed before fusion
    double interval_ms = 80;        ///< half-width of the 90 % interval, whole clip
    double window_interval_ms = 120;///< the same for one window

    /// No lead removed: the raw estimate of the cues (research, and the synthetic-truth test).
    /// The interval is a frame-scale default, not fitted.
    static Calibration none() { return {}; }

    /// Leads of in-sync speech, fitted on the calibration corpus (see the file comment).
    static Calibration speech_lead();

    void validate() const {
        SYNCDSP_REQUIRE(std::isfinite(interval_ms) && interval_ms >= 0 && std::isfinite(window_interval_ms) &&
                            window_interval_ms >= 0,
                        "calibration", "interval half-widths ", interval_ms, ", ", window_interval_ms,
                        " ms must be finite and >= 0");
        for (const auto& l : leads)
            SYNCDSP_REQUIRE(std::isfinite(l.lead_ms) && std::fabs(l.lead_ms) <= 1000, "calibration", "lead of ",
                            l.video, " x ", l.audio, " = ", l.lead_ms, " ms must be within +-1000 ms");
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "Calibration{" << name << ", interval=+-" << interval_ms << " ms (window +-" << window_interval_ms
          << " ms), leads={";
        for (std::size_t i = 0; i < leads.size(); ++i)
            s << (i ? ", " : "") << leads[i].video << " x " << leads[i].audio << ": " << leads[i].lead_ms << " ms";
        s << "}}";
        return s.str();
    }
};

/// Half-width of a whole clip's 90 % interval: the calibration's half-width (how far in-sync
/// speakers scatter around the fitted zero) combined in quadrature with the clip's own uncertainty,
/// 1.645 standard errors of its windows' offsets: the robust sd (1.4826 MAD) of the reliable
/// windows over the square root of how many independent stretches they cover (window_s / hop_s
/// windows per stretch). A clip whose windows agree keeps about the calibration's width; one whose
/// windows scatter gets a wider interval. Fewer than 3 reliable windows add nothing. No constant
/// here is fitted.
inline double clip_interval_ms(double calibration_ms, const std::vector<offset_estimate>& windows,
                               double windows_per_stretch) {
    std::vector<double> offsets;
    for (const auto& w : windows)
        if (w.valid && w.reliable) offsets.push_back(w.offset_ms);
    if (offsets.size() < 3) return calibration_ms;
    const double med = median_of(offsets);
    std::vector<double> dev;
    for (double o : offsets) dev.push_back(std::fabs(o - med));
    const double sd = 1.4826 * median_of(dev);
    const double stretches = std::max(1.0, double(offsets.size()) / std::max(1.0, windows_per_stretch));
    const double own = 1.645 * sd / std::sqrt(stretches);
    return std::sqrt(calibration_ms * calibration_ms + own * own);
}

/// A 90 % interval for the true offset, as [lo, hi] in ms.
struct offset_interval {
    double lo_ms = 0, hi_ms = 0;
};

/// The interval of an answer: offset +- half_ms when it is reliable. An answer that is not reliable
/// (its peak does not stand out from chance, another offset fits as well, or the offset changes
/// within the clip) does not locate the truth within the searched lags: in cross-validation about
/// half of such answers are gross errors (docs/accuracy.md), so its interval is the whole searched
/// range, -max_offset_ms..+max_offset_ms, rather than a narrow one around a guess.
inline offset_interval answer_interval(double offset_ms, double half_ms, bool reliable, double max_offset_ms) {
    if (!reliable) return {-max_offset_ms, max_offset_ms};
    return {offset_ms - half_ms, offset_ms + half_ms};
}

}  // namespace syncdsp::sync

#include "syncdsp/sync/calibration_fitted.hpp"
