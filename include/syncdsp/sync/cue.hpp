// syncdsp/sync/cue.hpp - a cue: one value per sample of the common time grid, from the picture (mouth
// opening rate, mouth aspect ratio) or the sound (speech-band energy, phone openness).
//
// The search correlates *rates*: a level cue (an aspect ratio, an energy) is differenced first. Both
// sides then get the same 2-tap average. Each of these steps moves a value half a grid cell earlier
// in time than the sample it is stored at (x[k] - x[k-1] and (x[k] + x[k-1]) / 2 both describe the
// instant k - 1/2), and because audio and video cues go through exactly the same steps the shifts
// cancel in the lag: a rate cue given per frame must already follow that convention (a flow between
// frames k-1 and k is stored at k).
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/sync/timebase.hpp"

namespace syncdsp::sync {

/// Whether a cue's values are a level (differenced before the search) or already a rate.
enum class cue_kind { level, rate };

inline const char* to_string(cue_kind k) { return k == cue_kind::level ? "level" : "rate"; }

/// One cue on the common grid: values[k] belongs to grid sample k; NaN marks missing data (no face,
/// digital silence, ...), which every correlation leaves out.
struct cue {
    std::string name;
    std::vector<double> values;
    cue_kind kind = cue_kind::rate;
};

/// 2-tap moving average y[k] = (x[k] + x[k-1]) / 2; y[0] and any sum with a NaN are NaN.
inline std::vector<double> two_tap_average(const std::vector<double>& x) {
    std::vector<double> y(x.size(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t k = 1; k < x.size(); ++k) y[k] = 0.5 * (x[k] + x[k - 1]);
    return y;
}

/// The sequence the search correlates for a cue: its rate of change, 2-tap averaged.
inline std::vector<double> search_signal(const cue& c) {
    return two_tap_average(c.kind == cue_kind::level ? backward_difference(c.values) : c.values);
}

}  // namespace syncdsp::sync
