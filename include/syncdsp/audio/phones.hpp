// syncdsp/audio/phones.hpp - time-stamped English phones: the types, options and the input
// planning around pocketsphinx's phone-loop decoder, without pocketsphinx itself.
//
// The recogniser (syncdsp/audio/pocketsphinx.hpp, CMake target syncdsp::phones) decodes audio
// into context-independent ARPAbet phones, 10 ms apart. What it needs around the decoder lives
// here, free of pocketsphinx and of any configuration macro, so every translation unit sees the
// same definitions whatever it links (docs/phones.md says why each point matters):
//
//   * digital silence (runs of >= 3 all-zero 10 ms frames, e.g. the padding that shifting a track
//     creates; the rule of digital_silence.hpp applied to the 16-bit samples the decoder is fed)
//     is cut out and reported as *missing*, not decoded as silence;
//   * long spans are split into utterances of at most `max_utterance_s`, at the quietest 10 ms
//     frame of the last `split_search_s` before the limit, so memory and latency stay bounded;
//     all cuts lie on the global 10 ms frame grid, so times need no resampling;
//   * the result types, `looks_like_speech` (the automatic on/off test) and the model paths.
//
// Times: pocketsphinx frame k is computed from samples [160 k, 160 k + 410) of the input (25.6 ms
// window, 10 ms hop, no padding). A segment over frames [sf, ef] is reported as
// [sf * 10 ms, (ef + 1) * 10 ms), the convention of pocketsphinx_continuous -time yes (which
// prints sf/100 and ef/100). The audio a frame "hears" is centred 12.8 ms after its start, i.e.
// 7.8 ms after the middle of its 10 ms slot (phone_time_offset_s).
//
// A recogniser is any callable `phone_recogniser`; audio::pocketsphinx_recogniser() makes the
// pocketsphinx one. pipeline::ClassicOptions::recognise_phones takes such a callable.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "syncdsp/audio/digital_silence.hpp"
#include "syncdsp/core/error.hpp"

namespace syncdsp::audio {

/// Sample rate the en-us acoustic model was trained at; recognise_phones only accepts this rate.
inline constexpr unsigned phone_sample_rate = 16000;
/// Decoder frame hop in samples (10 ms at 16 kHz).
inline constexpr std::size_t phone_frame_samples = 160;
/// Decoder frame hop in seconds.
inline constexpr double phone_frame_s = 0.01;
/// Where on the timeline a decoded phone frame belongs, relative to its 10 ms slot's start: the
/// recogniser's analysis window (25.6 ms at a 10 ms hop, as sphinxbase frames it) is centred
/// 12.8 ms after the slot starts, 7.8 ms after the slot's middle. Segment times are slot times;
/// adding this puts them where the sound they describe was.
inline constexpr double phone_time_offset_s = 0.0078;

/// Debian's locations of the en-us acoustic model directory and the en-us phone language model.
inline constexpr const char* default_pocketsphinx_model = "/usr/share/pocketsphinx/model/en-us/en-us";
inline constexpr const char* default_pocketsphinx_phone_lm = "/usr/share/pocketsphinx/model/en-us/en-us-phone.lm.bin";

/// Options of the phone recogniser. Empty paths mean: the environment variable
/// SYNCDSP_POCKETSPHINX_MODEL / SYNCDSP_POCKETSPHINX_PHONE_LM if set, else the Debian defaults.
struct phone_options {
    std::string model_dir;        ///< acoustic model directory (holds mdef, means, variances, ...)
    std::string phone_lm;         ///< phone n-gram language model (en-us-phone.lm.bin)
    double language_weight = 2.0; ///< -lw: weight of the phone LM against the acoustics
    double max_utterance_s = 30;  ///< longer non-silent spans are split (bounded memory); >= 2 s
    double split_search_s = 5;    ///< look for a quiet split point this far before the limit (at most half of it)
    double min_digital_silence_s = 0.03;  ///< zero runs this long (whole 10 ms frames) are missing
    double min_utterance_s = 0.1; ///< shorter non-silent spans are not decoded but reported missing
    bool quiet = true;            ///< silence pocketsphinx's log (process-wide while decoding)
};

/// One recognised phone. Times in seconds from the first input sample.
struct phone_segment {
    std::string phone;  ///< ARPAbet phone (AA ... ZH), "SIL", or filler "+NSN+" (noise) / "+SPN+"
    double start_s = 0; ///< first frame * 10 ms (see the header comment for the time convention)
    double end_s = 0;   ///< (last frame + 1) * 10 ms
    /// Mean acoustic log-likelihood per 10 ms frame, natural log, relative to the best-scoring
    /// senone of each frame (pocketsphinx normalises senone scores per frame): 0 means the phone's
    /// states were the best-matching senones; more negative means a worse acoustic match.
    double score = 0;
};

/// A half-open time interval in seconds.
struct time_span {
    double start_s = 0;
    double end_s = 0;
    double duration_s() const { return end_s - start_s; }
};

/// False for silence ("SIL") and fillers ("+NSN+", "+SPN+"), true for the ARPAbet phones.
inline bool is_speech_phone(const std::string& phone) {
    return !phone.empty() && phone != "SIL" && phone.front() != '+';
}

/// What recognise_phones heard.
struct phone_result {
    std::vector<phone_segment> segments;  ///< in time order, not overlapping
    std::vector<time_span> utterances;    ///< the spans that were decoded, one decoder call each
    std::vector<time_span> missing;       ///< digital silence and spans too short to decode
    double duration_s = 0;                ///< input length in seconds
    double decode_cpu_s = 0;              ///< CPU seconds spent in the decoder (pocketsphinx's count)

    /// Mean per-frame score over all non-silence phone frames (NaN if there are none).
    double mean_speech_score() const {
        double sum = 0, frames = 0;
        for (const auto& s : segments) {
            if (!is_speech_phone(s.phone)) continue;
            const double f = std::round((s.end_s - s.start_s) / phone_frame_s);
            sum += s.score * f;
            frames += f;
        }
        return frames > 0 ? sum / frames : std::nan("");
    }
    /// Non-silence phones per second of decoded (non-missing) audio; 0 if nothing was decoded.
    double phone_rate_hz() const {
        double decoded = 0;
        for (const auto& u : utterances) decoded += u.duration_s();
        std::size_t n = 0;
        for (const auto& s : segments)
            if (is_speech_phone(s.phone)) ++n;
        return decoded > 0 ? static_cast<double>(n) / decoded : 0.0;
    }
};

/// A first "is this speech?" test for turning the phone cue on automatically: at least
/// `min_phone_rate_hz` non-silence phones per second of decoded audio. Measured (docs/phones.md):
/// 7.6-10.5 phones/s on 11 real English clips and 9.3-9.8 on espeak-ng speech in six voices;
/// 0-0.3 on white/pink noise, a sine tone and a plucked chord. 3 lies in that gap; it is not
/// calibrated on music or crowd noise.
inline bool looks_like_speech(const phone_result& r, double min_phone_rate_hz = 3.0) {
    return !r.utterances.empty() && r.phone_rate_hz() >= min_phone_rate_hz;
}

/// A phone recogniser: 16 kHz mono samples in [-1, 1) in, phone segments out. Must be safe to call
/// from several threads at once. audio::pocketsphinx_recogniser() (syncdsp/audio/pocketsphinx.hpp)
/// makes one; tests and embedders may supply their own.
using phone_recogniser = std::function<phone_result(const float* samples, std::size_t n, unsigned sample_rate)>;


/// Model paths after applying options, environment and defaults; `source` says which applied.
struct phone_model_paths {
    std::string model_dir, phone_lm;
    std::string model_source, phone_lm_source;  ///< "option", "environment" or "default"
};

inline phone_model_paths resolve_phone_model(const phone_options& opt = {}) {
    phone_model_paths p;
    auto pick = [](const std::string& given, const char* env_name, const char* fallback, std::string& out,
                   std::string& source) {
        const char* env = std::getenv(env_name);
        if (!given.empty()) {
            out = given;
            source = "option";
        } else if (env && *env) {
            out = env;
            source = std::string("environment ") + env_name;
        } else {
            out = fallback;
            source = "default";
        }
    };
    pick(opt.model_dir, "SYNCDSP_POCKETSPHINX_MODEL", default_pocketsphinx_model, p.model_dir, p.model_source);
    pick(opt.phone_lm, "SYNCDSP_POCKETSPHINX_PHONE_LM", default_pocketsphinx_phone_lm, p.phone_lm,
         p.phone_lm_source);
    return p;
}

namespace phones_impl {

inline bool readable(const std::string& path) { return std::ifstream(path, std::ios::binary).good(); }

/// The files pocketsphinx needs in an acoustic model directory (mixture weights come either as
/// sendump or as mixture_weights).
inline std::vector<std::string> missing_model_files(const phone_model_paths& p) {
    std::vector<std::string> missing;
    for (const char* f : {"mdef", "means", "variances", "transition_matrices", "feat.params"})
        if (!readable(p.model_dir + "/" + f)) missing.push_back(p.model_dir + "/" + f);
    if (!readable(p.model_dir + "/sendump") && !readable(p.model_dir + "/mixture_weights"))
        missing.push_back(p.model_dir + "/sendump (or mixture_weights)");
    if (!readable(p.phone_lm)) missing.push_back(p.phone_lm);
    return missing;
}

inline const char* install_hint() {
    return "install the model with `apt-get install pocketsphinx-en-us`, or point SYNCDSP_POCKETSPHINX_MODEL / "
           "SYNCDSP_POCKETSPHINX_PHONE_LM (or phone_options / --model, --phone-lm) at one";
}

inline void validate_options(const phone_options& o) {
    SYNCDSP_REQUIRE(std::isfinite(o.language_weight) && o.language_weight > 0, "phones",
                    "language_weight must be finite and > 0, got ", o.language_weight);
    SYNCDSP_REQUIRE(std::isfinite(o.max_utterance_s) && o.max_utterance_s >= 2, "phones",
                    "max_utterance_s must be >= 2 s, got ", o.max_utterance_s);
    SYNCDSP_REQUIRE(std::isfinite(o.split_search_s) && o.split_search_s >= o.min_utterance_s, "phones",
                    "split_search_s must be >= min_utterance_s, got ", o.split_search_s);
    SYNCDSP_REQUIRE(std::isfinite(o.min_digital_silence_s) && o.min_digital_silence_s >= phone_frame_s,
                    "phones", "min_digital_silence_s must be >= 0.01 s, got ", o.min_digital_silence_s);
    SYNCDSP_REQUIRE(std::isfinite(o.min_utterance_s) && o.min_utterance_s >= 0.1 && o.min_utterance_s <= 1,
                    "phones", "min_utterance_s must be in [0.1, 1] s, got ", o.min_utterance_s);
}

inline std::int16_t to_pcm16(float x) {
    const double v = std::nearbyint(static_cast<double>(x) * 32768.0);
    return static_cast<std::int16_t>(std::clamp(v, -32768.0, 32767.0));
}

}  // namespace phones_impl

/// A span of whole 10 ms frames [first, last) of the input (frame k = samples [160 k, 160 k + 160)).
struct frame_span {
    std::size_t first = 0, last = 0;
    std::size_t size() const { return last - first; }
};

/// Runs of at least `min_frames` consecutive 10 ms frames of digital silence (digital_silence.hpp)
/// as the decoder sees them: every sample is 0 in 16-bit PCM (|x| < 0.5 / 32768). A trailing
/// partial frame counts as a frame if all its samples are zero.
inline std::vector<frame_span> digital_silence_frames(const float* samples, std::size_t n, std::size_t min_frames) {
    SYNCDSP_REQUIRE(samples != nullptr || n == 0, "phones", "samples is null but n = ", n);
    SYNCDSP_REQUIRE(min_frames >= 1, "phones", "min_frames must be >= 1");
    std::vector<frame_span> runs;
    const std::size_t frames = (n + phone_frame_samples - 1) / phone_frame_samples;
    std::int16_t pcm[phone_frame_samples];
    std::size_t run_start = 0;
    bool in_run = false;
    for (std::size_t k = 0; k <= frames; ++k) {
        bool zero = false;
        if (k < frames) {
            const std::size_t begin = k * phone_frame_samples, end = std::min(n, begin + phone_frame_samples);
            for (std::size_t i = begin; i < end; ++i) pcm[i - begin] = phones_impl::to_pcm16(samples[i]);
            zero = is_digital_silence(pcm, end - begin);
        }
        if (zero && !in_run) {
            run_start = k;
            in_run = true;
        } else if (!zero && in_run) {
            if (k - run_start >= min_frames) runs.push_back({run_start, k});
            in_run = false;
        }
    }
    return runs;
}

/// Splits frames [span.first, span.last) into pieces of at most `max_frames`: while the rest is
/// too long, the cut goes at the quietest frame (lowest energy summed over +-5 frames, earliest
/// on ties) among the last `search_frames` frames before the limit, leaving at least `min_piece`
/// frames after it. Deterministic.
inline std::vector<frame_span> split_at_silences(const float* samples, std::size_t n, frame_span span,
                                                 std::size_t max_frames, std::size_t search_frames,
                                                 std::size_t min_piece = 1) {
    SYNCDSP_REQUIRE(min_piece >= 1 && search_frames >= min_piece && search_frames < max_frames, "phones",
                    "need 1 <= min_piece <= search_frames < max_frames, got ", min_piece, ", ", search_frames,
                    " and ", max_frames);
    SYNCDSP_REQUIRE(span.first <= span.last && span.last * phone_frame_samples <= n + phone_frame_samples - 1,
                    "phones", "frame span [", span.first, ", ", span.last, ") exceeds the ", n, " samples");
    std::vector<frame_span> out;
    auto frame_energy = [&](std::size_t k) {
        double e = 0;
        const std::size_t end = std::min(n, (k + 1) * phone_frame_samples);
        for (std::size_t i = k * phone_frame_samples; i < end; ++i) e += double(samples[i]) * samples[i];
        return e;
    };
    std::size_t start = span.first;
    while (span.last - start > max_frames) {
        const std::size_t lo = start + max_frames - search_frames, hi = start + max_frames;  // cut in (lo, hi]
        std::vector<double> e(hi - lo + 11);
        for (std::size_t j = 0; j < e.size(); ++j) {
            const std::size_t k = lo + j;  // frames lo - 5 ... hi + 5, clamped to the span
            const std::size_t kk = k < 5 + span.first ? span.first : (k - 5 >= span.last ? span.last - 1 : k - 5);
            e[j] = frame_energy(kk);
        }
        std::size_t best = hi;
        double best_e = INFINITY;
        const std::size_t last_cut = std::min(hi, span.last - min_piece);  // leave >= min_piece frames
        for (std::size_t c = lo + 1; c <= last_cut; ++c) {  // cut before frame c; centre window on c
            double s = 0;
            for (std::size_t j = c - lo; j < c - lo + 11; ++j) s += e[j];
            if (s < best_e) {
                best_e = s;
                best = c;
            }
        }
        out.push_back({start, best});
        start = best;
    }
    out.push_back({start, span.last});
    return out;
}

/// Plans the utterances and missing spans of an input of n samples (frames, not seconds).
struct utterance_plan {
    std::vector<frame_span> utterances;
    std::vector<frame_span> missing;
};

inline utterance_plan plan_utterances(const float* samples, std::size_t n, const phone_options& opt) {
    phones_impl::validate_options(opt);
    utterance_plan plan;
    const std::size_t frames = (n + phone_frame_samples - 1) / phone_frame_samples;
    const auto to_frames = [](double s) { return static_cast<std::size_t>(std::ceil(s / phone_frame_s - 1e-9)); };
    const auto zero_runs = digital_silence_frames(samples, n, to_frames(opt.min_digital_silence_s));
    const std::size_t min_utt = to_frames(opt.min_utterance_s);
    const std::size_t max_utt = static_cast<std::size_t>(std::floor(opt.max_utterance_s / phone_frame_s + 1e-9));
    const std::size_t search = std::max(min_utt, to_frames(std::min(opt.split_search_s, opt.max_utterance_s / 2)));
    std::size_t pos = 0;
    auto add_missing = [&](frame_span s) {
        if (s.size() == 0) return;
        if (!plan.missing.empty() && plan.missing.back().last == s.first)
            plan.missing.back().last = s.last;
        else
            plan.missing.push_back(s);
    };
    auto add_speech = [&](frame_span s) {
        if (s.size() == 0) return;
        if (s.size() < min_utt) {
            add_missing(s);
            return;
        }
        for (const auto& piece : split_at_silences(samples, n, s, max_utt, search, min_utt)) plan.utterances.push_back(piece);
    };
    for (const auto& z : zero_runs) {
        add_speech({pos, z.first});
        add_missing(z);
        pos = z.last;
    }
    add_speech({pos, frames});
    return plan;
}

/// Why the model files the options point at cannot be used (empty when they are all readable).
/// Says which files are missing, where the paths came from and how to install the model.
inline std::string phone_model_status(const phone_options& opt = {}) {
    const auto paths = resolve_phone_model(opt);
    const auto missing = phones_impl::missing_model_files(paths);
    if (missing.empty()) return {};
    std::string s = "pocketsphinx model files missing:";
    for (const auto& m : missing) s += " " + m;
    return s + " (model dir from " + paths.model_source + ", phone LM from " + paths.phone_lm_source + "); " +
           phones_impl::install_hint();
}

/// What to tell a user whose program was built without the syncdsp::phones target.
inline constexpr const char* pocketsphinx_missing_message =
    "syncdsp was built without pocketsphinx: install it with `apt-get install libpocketsphinx-dev "
    "libsphinxbase-dev pocketsphinx-en-us` (or run scripts/setup.sh), then reconfigure and rebuild "
    "(the target syncdsp::phones appears when CMake finds it)";

}  // namespace syncdsp::audio
