// syncdsp/audio/phone_openness.hpp - expected mouth openness from recognised phones, as a track.
//
// Each ARPAbet phone of the en-us model gets a fixed "expected mouth openness" in [0, 1] (0 = lips
// closed, 1 = jaw and lips fully open), set from articulatory phonetics - how far the jaw drops
// and the lips part when the phone is produced in isolation - not fitted to any clip:
//   * bilabial closures (P B M) close the lips: 0;
//   * vowels follow vowel height (jaw opening grows from high to low vowels: IY/UW < IH/UH <
//     EY/OW/ER < EH/AH < AO/AE < AA), rounded vowels are a step narrower than unrounded ones of the
//     same height (lip rounding shrinks the aperture), diphthongs take the mean of their onset and
//     offset targets;
//   * consonants are placed by how much they constrain the jaw: sibilants need the teeth close
//     together (S Z lowest), labiodentals F V press lip to teeth, alveolar and velar closures
//     raise the jaw moderately, and HH has no oral constriction at all (the mouth is already in
//     the following vowel's posture);
//   * SIL is the rest position (lips together or barely apart); noise fillers are treated as rest.
// Every entry's reason is in the table (phone_openness_table()) and in docs/phones.md.
//
// openness_track() turns segments into a curve on a uniform time grid (e.g. one sample per video
// frame) or on real frame timestamps: each sample is the time-weighted mean openness over its
// interval (e.g. [t_i, t_i + 1/rate));
// samples less than half covered by decoded audio (missing spans, beyond the end) are NaN and
// marked invalid. The first difference (per sample) is what a rate cue is correlated with.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "syncdsp/audio/phones.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"

namespace syncdsp::audio {

/// One row of the phone -> openness table.
struct phone_openness_entry {
    const char* phone;
    float openness;   ///< 0 = lips closed ... 1 = fully open
    const char* reason;
};

/// The table for the 42 context-independent phones of pocketsphinx's en-us model.
inline const std::vector<phone_openness_entry>& phone_openness_table() {
    static const std::vector<phone_openness_entry> table = {
        // silence and fillers
        {"SIL", 0.05f, "rest position: lips together or barely apart"},
        {"+NSN+", 0.05f, "non-speech noise: no articulation expected, treated as rest"},
        {"+SPN+", 0.3f, "spoken noise (hesitation, laugh): unknown articulation, a neutral half-open mouth"},
        // bilabials and labiodentals
        {"P", 0.0f, "bilabial stop: lips pressed together"},
        {"B", 0.0f, "bilabial stop: lips pressed together"},
        {"M", 0.0f, "bilabial nasal: lips closed while air leaves through the nose"},
        {"F", 0.1f, "labiodental fricative: lower lip against the upper teeth, a slit of aperture"},
        {"V", 0.1f, "labiodental fricative: lower lip against the upper teeth, a slit of aperture"},
        {"W", 0.15f, "labial-velar approximant: lips strongly rounded and protruded, small opening"},
        // high vowels (jaw nearly closed)
        {"IY", 0.3f, "high front unrounded vowel: jaw high, lips spread, small vertical opening"},
        {"UW", 0.2f, "high back rounded vowel: jaw high and lips rounded, smallest vowel aperture"},
        {"IH", 0.4f, "near-high front lax vowel: jaw a little lower than IY"},
        {"UH", 0.3f, "near-high back rounded lax vowel: a little more open than UW, still rounded"},
        // mid vowels
        {"EY", 0.5f, "diphthong close-mid front -> high front: mean of its two targets"},
        {"OW", 0.4f, "diphthong close-mid back rounded -> high back rounded: rounding narrows it"},
        {"ER", 0.4f, "r-coloured mid central vowel: mid jaw, lips somewhat rounded in English"},
        {"EH", 0.6f, "open-mid front vowel: jaw clearly lowered"},
        {"AH", 0.6f, "open-mid central vowel (and schwa when reduced): mid-to-open jaw"},
        // low vowels (jaw open)
        {"AO", 0.7f, "open-mid back rounded vowel: open jaw, narrowed a step by rounding"},
        {"AE", 0.8f, "near-open front vowel: jaw low"},
        {"AA", 0.9f, "open back unrounded vowel: the lowest jaw position of English"},
        {"AY", 0.7f, "diphthong open -> high front: mean of AA-like onset and IY-like offset, onset dominant"},
        {"AW", 0.65f, "diphthong open -> high back rounded: open onset, rounded close offset"},
        {"OY", 0.5f, "diphthong open-mid back rounded -> high front: mean of AO and IY targets"},
        // consonants by jaw constraint
        {"S", 0.2f, "alveolar sibilant: teeth brought close together to direct the air jet"},
        {"Z", 0.2f, "alveolar sibilant: teeth brought close together to direct the air jet"},
        {"SH", 0.25f, "postalveolar sibilant: teeth close, lips protruded with a small opening"},
        {"ZH", 0.25f, "postalveolar sibilant: teeth close, lips protruded with a small opening"},
        {"CH", 0.25f, "postalveolar affricate: closure then sibilant release, teeth close"},
        {"JH", 0.25f, "postalveolar affricate: closure then sibilant release, teeth close"},
        {"T", 0.25f, "alveolar stop: tongue-tip closure needs a fairly high jaw, lips slightly apart"},
        {"D", 0.25f, "alveolar stop: tongue-tip closure needs a fairly high jaw, lips slightly apart"},
        {"N", 0.25f, "alveolar nasal: tongue-tip closure needs a fairly high jaw, lips slightly apart"},
        {"TH", 0.3f, "dental fricative: tongue tip between the teeth keeps them slightly apart"},
        {"DH", 0.3f, "dental fricative: tongue tip between the teeth keeps them slightly apart"},
        {"R", 0.3f, "approximant: jaw mid-high, lips slightly rounded in English /r/"},
        {"Y", 0.3f, "palatal approximant: the posture of IY"},
        {"L", 0.35f, "lateral approximant: tongue tip up, jaw moderately open, follows neighbouring vowels"},
        {"K", 0.35f, "velar stop: tongue-back closure leaves the jaw free, mid position"},
        {"G", 0.35f, "velar stop: tongue-back closure leaves the jaw free, mid position"},
        {"NG", 0.35f, "velar nasal: tongue-back closure leaves the jaw free, mid position"},
        {"HH", 0.5f, "glottal fricative: no oral constriction, mouth already shaped for the next vowel"},
    };
    return table;
}

/// Expected openness of one phone. Unknown phone names: invalid_argument (a model with another
/// phone set needs its own table).
inline float phone_openness(const std::string& phone) {
    for (const auto& e : phone_openness_table())
        if (phone == e.phone) return e.openness;
    detail::throw_invalid_argument("phone_openness", "no openness for phone '", phone,
                                   "' (the table covers the 42 phones of pocketsphinx's en-us model)");
}

/// A uniformly sampled openness curve and its first difference.
struct openness_track_result {
    double start_s = 0;                ///< time of sample 0 (start of its interval)
    double rate_hz = 0;                ///< samples per second
    tensor<float, 1> openness;         ///< mean expected openness per interval, NaN where invalid
    tensor<float, 1> delta;            ///< openness[i] - openness[i-1]; NaN at 0 and next to invalid
    tensor<std::uint8_t, 1> valid;     ///< 1 where openness is defined
};

namespace phone_openness_impl {

inline std::vector<float> segment_values(const std::vector<phone_segment>& segments) {
    std::vector<float> value(segments.size());
    for (std::size_t j = 0; j < segments.size(); ++j) {
        const auto& s = segments[j];
        SYNCDSP_REQUIRE(std::isfinite(s.start_s) && std::isfinite(s.end_s) && s.end_s >= s.start_s,
                        "openness_track", "segment ", j, " has bad times [", s.start_s, ", ", s.end_s, ")");
        SYNCDSP_REQUIRE(j == 0 || s.start_s >= segments[j - 1].end_s - 1e-9, "openness_track", "segment ", j,
                        " starts at ", s.start_s, " before segment ", j - 1, " ends (", segments[j - 1].end_s, ")");
        value[j] = phone_openness(s.phone);
    }
    return value;
}

/// Fills r.openness/valid/delta for intervals [edge(i), edge(i) + width(i)), in increasing order.
template <class Interval>
void fill(openness_track_result& r, const std::vector<phone_segment>& segments, std::size_t n,
          double min_coverage, Interval interval) {
    SYNCDSP_REQUIRE(min_coverage > 0 && min_coverage <= 1, "openness_track",
                    "min_coverage must be in (0, 1], got ", min_coverage);
    const std::vector<float> value = segment_values(segments);
    r.openness = tensor<float, 1>::from_shape({n});
    r.delta = tensor<float, 1>::from_shape({n});
    r.valid = tensor<std::uint8_t, 1>::from_shape({n});
    const float nan = std::nanf("");
    std::size_t j = 0;  // first segment that may overlap the current interval
    for (std::size_t i = 0; i < n; ++i) {
        double a = 0, b = 0;
        interval(i, a, b);
        while (j < segments.size() && segments[j].end_s <= a) ++j;
        double covered = 0, sum = 0;
        for (std::size_t k = j; k < segments.size() && segments[k].start_s < b; ++k) {
            const double o = std::min(b, segments[k].end_s) - std::max(a, segments[k].start_s);
            if (o > 0) {
                covered += o;
                sum += o * value[k];
            }
        }
        const bool ok = covered > 0 && covered >= min_coverage * (b - a) - 1e-12;
        r.valid(i) = ok ? 1 : 0;
        r.openness(i) = ok ? static_cast<float>(sum / covered) : nan;
    }
    for (std::size_t i = 0; i < n; ++i)
        r.delta(i) = (i > 0 && r.valid(i) && r.valid(i - 1)) ? r.openness(i) - r.openness(i - 1) : nan;
}

}  // namespace phone_openness_impl

/// Openness on the grid t_i = start_s + i / rate_hz, i < n, each sample the time-weighted mean
/// over [t_i, t_i + 1/rate_hz) of the segments' openness; valid when segments cover at least
/// `min_coverage` of the interval. Segments must be sorted and not overlapping.
inline openness_track_result openness_track(const std::vector<phone_segment>& segments, double rate_hz,
                                            double start_s, std::size_t n, double min_coverage = 0.5) {
    SYNCDSP_REQUIRE(std::isfinite(rate_hz) && rate_hz > 0 && rate_hz <= 1000, "openness_track",
                    "rate_hz must be in (0, 1000], got ", rate_hz);
    SYNCDSP_REQUIRE(std::isfinite(start_s), "openness_track", "start_s must be finite, got ", start_s);
    openness_track_result r;
    r.start_s = start_s;
    r.rate_hz = rate_hz;
    const double width = 1.0 / rate_hz;
    phone_openness_impl::fill(r, segments, n, min_coverage, [&](std::size_t i, double& a, double& b) {
        a = start_s + static_cast<double>(i) * width;
        b = a + width;
    });
    return r;
}

/// Openness per video frame with real (e.g. variable-rate) timestamps: frame i covers
/// [frame_times[i], frame_times[i + 1]), the last one [frame_times.back(), last_end_s). Times must
/// increase strictly. The result's rate_hz is the mean frame rate, start_s the first time.
inline openness_track_result openness_track(const std::vector<phone_segment>& segments,
                                            const std::vector<double>& frame_times, double last_end_s,
                                            double min_coverage = 0.5) {
    SYNCDSP_REQUIRE(!frame_times.empty(), "openness_track", "frame_times is empty");
    for (std::size_t i = 0; i < frame_times.size(); ++i) {
        const double next = i + 1 < frame_times.size() ? frame_times[i + 1] : last_end_s;
        SYNCDSP_REQUIRE(std::isfinite(frame_times[i]) && std::isfinite(next) && next > frame_times[i],
                        "openness_track", "frame times must be finite and increase: frame ", i, " at ",
                        frame_times[i], " ends at ", next);
    }
    openness_track_result r;
    r.start_s = frame_times.front();
    r.rate_hz = static_cast<double>(frame_times.size()) / (last_end_s - frame_times.front());
    phone_openness_impl::fill(r, segments, frame_times.size(), min_coverage, [&](std::size_t i, double& a, double& b) {
        a = frame_times[i];
        b = i + 1 < frame_times.size() ? frame_times[i + 1] : last_end_s;
    });
    return r;
}

/// The track over a whole recognition result: n = ceil(duration * rate_hz) samples from start_s.
inline openness_track_result openness_track(const phone_result& result, double rate_hz, double start_s = 0) {
    SYNCDSP_REQUIRE(std::isfinite(rate_hz) && rate_hz > 0 && rate_hz <= 1000, "openness_track",
                    "rate_hz must be in (0, 1000], got ", rate_hz);
    const double span = result.duration_s - start_s;
    const std::size_t n = span > 0 ? static_cast<std::size_t>(std::ceil(span * rate_hz - 1e-9)) : 0;
    return openness_track(result.segments, rate_hz, start_s, n);
}

}  // namespace syncdsp::audio
