// syncdsp/audio/phones.hpp - time-stamped English phones from pocketsphinx's phone-loop decoder.
//
// pocketsphinx (CMU, BSD-2; Debian libpocketsphinx-dev + pocketsphinx-en-us) decodes audio into
// context-independent ARPAbet phones ("allphone" search with the en-us phone n-gram), 10 ms apart.
// This header wraps its C API in RAII and adds what syncdsp needs around it (docs/phones.md says
// why each point matters, with measurements):
//
//   * decoder settings: -allphone <phone LM> -allphone_ci yes -lw 2.0 -remove_silence no, each
//     utterance decoded in one call (full_utt);
//   * one cepstral mean for the whole input: the model's feat.params forces "-cmn batch", which
//     normalises every decoder call by its own mean and so moves boundaries when a long input is
//     cut; the decoder is given a copy of feat.params with "-cmn none", the cepstra come from
//     pocketsphinx's own front end, and recognise_phones subtracts one mean (sphinxbase's rule:
//     frames with c0 >= 0) over all decoded frames;
//   * a fresh front end per contiguous non-silent span (its noise-removal state otherwise
//     carries over between decodes), so repeated decodes are identical;
//   * digital silence (runs of >= 3 all-zero 10 ms frames, e.g. the padding that shifting a track
//     creates; the rule of digital_silence.hpp applied to the 16-bit samples the decoder is fed)
//     is cut out and reported as *missing*, not decoded as silence;
//   * long spans are split into utterances of at most `max_utterance_s`, at the quietest 10 ms
//     frame of the last `split_search_s` before the limit, so memory and latency stay bounded;
//     all cuts lie on the global 10 ms frame grid, so times need no resampling;
//   * quiet logging: pocketsphinx's log goes nowhere (its last error is kept for our messages).
//
// Times: pocketsphinx frame k is computed from samples [160 k, 160 k + 410) of the input (25.6 ms
// window, 10 ms hop, no padding). A segment over frames [sf, ef] is reported as
// [sf * 10 ms, (ef + 1) * 10 ms), the convention of pocketsphinx_continuous -time yes (which
// prints sf/100 and ef/100). The audio a frame "hears" is centred 12.8 ms after its start, i.e.
// 7.8 ms after the middle of its 10 ms slot.
//
// Without pocketsphinx (SYNCDSP_HAVE_POCKETSPHINX undefined: link syncdsp::phones to get it) the
// helpers below still work, phone_recogniser_available() is false, and constructing a
// phone_decoder or calling recognise_phones throws syncdsp::unsupported_error saying how to
// install it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "syncdsp/audio/digital_silence.hpp"
#include "syncdsp/core/error.hpp"

#if defined(SYNCDSP_HAVE_POCKETSPHINX)
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <sphinxbase/logmath.h>
#include <unistd.h>
#endif

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

/// True when this build has pocketsphinx and the model files are where the options point.
inline bool phone_recogniser_available(const phone_options& opt = {}) {
#if defined(SYNCDSP_HAVE_POCKETSPHINX)
    return phones_impl::missing_model_files(resolve_phone_model(opt)).empty();
#else
    (void)opt;
    return false;
#endif
}

/// Why the phone recogniser is unavailable (empty when it is available).
inline std::string phone_recogniser_status(const phone_options& opt = {}) {
#if defined(SYNCDSP_HAVE_POCKETSPHINX)
    const auto paths = resolve_phone_model(opt);
    const auto missing = phones_impl::missing_model_files(paths);
    if (missing.empty()) return {};
    std::string s = "pocketsphinx model files missing:";
    for (const auto& m : missing) s += " " + m;
    return s + " (model dir from " + paths.model_source + ", phone LM from " + paths.phone_lm_source + "); " +
           phones_impl::install_hint();
#else
    (void)opt;
    return "syncdsp was built without pocketsphinx: install it with `apt-get install libpocketsphinx-dev "
           "libsphinxbase-dev pocketsphinx-en-us` (or run scripts/setup.sh), then reconfigure and rebuild "
           "(the target syncdsp::phones appears when CMake finds it)";
#endif
}

#if defined(SYNCDSP_HAVE_POCKETSPHINX)

namespace phones_impl {

/// Log sink while quiet: drops info, keeps the last warning/error line for exception messages.
inline std::string& last_log_line() {
    static thread_local std::string line;
    return line;
}
inline void log_capture(void*, err_lvl_t level, const char* fmt, ...) {
    if (level < ERR_WARN) return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    std::string s(buf);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    if (!s.empty()) last_log_line() = s;
}
/// The model's feat.params with its -cmn line replaced by "-cmn none".
inline std::string feat_params_without_cmn(const std::string& model_dir) {
    std::ifstream in(model_dir + "/feat.params");
    if (!in) detail::throw_io_error("phones", "cannot read ", model_dir, "/feat.params");
    std::string line, out;
    bool replaced = false;
    while (std::getline(in, line)) {
        if (line.rfind("-cmn ", 0) == 0 || line.rfind("-cmn\t", 0) == 0) {
            line = "-cmn none";
            replaced = true;
        }
        out += line + "\n";
    }
    if (!replaced) out += "-cmn none\n";
    return out;
}

/// A file in the temporary directory holding `text`, removed when this goes out of scope.
struct temporary_file {
    std::string path;
    explicit temporary_file(const std::string& text) {
        const char* dir = std::getenv("TMPDIR");
        std::string templ = std::string(dir && *dir ? dir : "/tmp") + "/syncdsp-featparams-XXXXXX";
        std::vector<char> buf(templ.begin(), templ.end());
        buf.push_back('\0');
        const int fd = ::mkstemp(buf.data());
        if (fd < 0) detail::throw_io_error("phones", "cannot create a temporary file like ", templ);
        path = buf.data();
        const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
        ::close(fd);
        if (!ok) {
            std::remove(path.c_str());
            detail::throw_io_error("phones", "cannot write the temporary file ", path);
        }
    }
    ~temporary_file() { std::remove(path.c_str()); }
    temporary_file(const temporary_file&) = delete;
    temporary_file& operator=(const temporary_file&) = delete;
};

inline void set_quiet(bool quiet) {
    if (quiet) {
        err_set_logfp(nullptr);  // the configuration dump is written to this stream directly
        err_set_callback(&log_capture, nullptr);
    } else {
        err_set_logfp(stderr);
        err_set_callback(&err_logfp_cb, nullptr);
    }
}

}  // namespace phones_impl

/// RAII owner of one pocketsphinx decoder configured for phone decoding. Loading the model takes
/// about 0.02 s of CPU (the model is memory-mapped); reuse one decoder for many inputs (decodes are
/// independent: no normalisation or front-end state carries over).
/// Not thread-safe: use one decoder per thread.
class phone_decoder {
public:
    explicit phone_decoder(const phone_options& opt = {}) : opt_(opt), paths_(resolve_phone_model(opt)) {
        phones_impl::validate_options(opt);
        const auto missing = phones_impl::missing_model_files(paths_);
        if (!missing.empty()) detail::throw_io_error("phones", phone_recogniser_status(opt));
        phones_impl::set_quiet(opt.quiet);
        phones_impl::last_log_line().clear();
        const std::string lw = std::to_string(opt.language_weight);
        // The model's feat.params says "-cmn batch" and overrides the command line, so it is passed
        // as a copy that says "-cmn none": recognise_phones normalises the cepstra itself.
        const phones_impl::temporary_file featparams(phones_impl::feat_params_without_cmn(paths_.model_dir));
        config_ = cmd_ln_init(nullptr, ps_args(), 1, "-hmm", paths_.model_dir.c_str(), "-featparams",
                              featparams.path.c_str(), "-allphone", paths_.phone_lm.c_str(), "-allphone_ci", "yes",
                              "-lw", lw.c_str(), "-cmn", "none", "-remove_silence", "no", "-dither", "no",
                              "-samprate", "16000", static_cast<const char*>(nullptr));
        if (!config_) detail::throw_io_error("phones", "pocketsphinx rejected the configuration: ", last_error());
        ps_ = ps_init(config_);
        if (!ps_) {
            cmd_ln_free_r(config_);
            config_ = nullptr;
            detail::throw_io_error("phones", "pocketsphinx could not load the model (", paths_.model_dir, ", ",
                                   paths_.phone_lm, "): ", last_error(), "; the files may be corrupt: reinstall ",
                                   "pocketsphinx-en-us or check SYNCDSP_POCKETSPHINX_MODEL / _PHONE_LM");
        }
    }
    ~phone_decoder() { release(); }
    phone_decoder(const phone_decoder&) = delete;
    phone_decoder& operator=(const phone_decoder&) = delete;
    phone_decoder(phone_decoder&& o) noexcept
        : opt_(std::move(o.opt_)), paths_(std::move(o.paths_)), ps_(o.ps_), config_(o.config_) {
        o.ps_ = nullptr;
        o.config_ = nullptr;
    }
    phone_decoder& operator=(phone_decoder&& o) noexcept {
        if (this != &o) {
            release();
            opt_ = std::move(o.opt_);
            paths_ = std::move(o.paths_);
            ps_ = o.ps_;
            config_ = o.config_;
            o.ps_ = nullptr;
            o.config_ = nullptr;
        }
        return *this;
    }

    const phone_options& options() const { return opt_; }
    const phone_model_paths& paths() const { return paths_; }

    /// Cepstra (frames x 13, row-major) of a whole 16 kHz input, computed by a fresh instance of
    /// pocketsphinx's own front end (so no state carries over between calls) with the model's feat.params (25.6 ms window, 10 ms hop, no padding at the start,
    /// the last partial frame zero-padded). Frame k covers samples [160 k, 160 k + 410).
    std::vector<float> cepstra(const float* samples, std::size_t n, std::size_t* n_frames) {
        SYNCDSP_REQUIRE(ps_ != nullptr, "phones", "cepstra on a moved-from phone_decoder");
        SYNCDSP_REQUIRE(samples != nullptr || n == 0, "phones", "samples is null but n = ", n);
        phones_impl::set_quiet(opt_.quiet);
        // A fresh front end per call: the decoder's own keeps noise-removal statistics from one
        // utterance to the next, which made a repeated decode score differently.
        struct fe_owner {
            fe_t* p;
            ~fe_owner() {
                if (p) fe_free(p);
            }
        } owner{fe_init_auto_r(config_)};
        fe_t* fe = owner.p;
        if (!fe) detail::throw_io_error("phones", "cannot create the pocketsphinx front end: ", last_error());
        const std::size_t dim = static_cast<std::size_t>(fe_get_output_size(fe));
        std::vector<float> out;
        out.reserve((n / phone_frame_samples + 2) * dim);
        if (fe_start_utt(fe) < 0) detail::throw_io_error("phones", "fe_start_utt failed: ", last_error());
        constexpr std::size_t chunk = 16000;  // convert and analyse 1 s at a time
        std::vector<std::int16_t> pcm(chunk);
        std::vector<mfcc_t> block((chunk / phone_frame_samples + 4) * dim);
        std::vector<mfcc_t*> rows(chunk / phone_frame_samples + 4);
        for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = block.data() + i * dim;
        for (std::size_t at = 0; at < n; at += chunk) {
            const std::size_t m = std::min(chunk, n - at);
            for (std::size_t i = 0; i < m; ++i) pcm[i] = phones_impl::to_pcm16(samples[at + i]);
            const std::int16_t* p = pcm.data();
            std::size_t left = m;
            while (left > 0) {
                std::int32_t nf = static_cast<std::int32_t>(rows.size());
                if (fe_process_frames(fe, &p, &left, rows.data(), &nf, nullptr) < 0)
                    detail::throw_io_error("phones", "fe_process_frames failed: ", last_error());
                out.insert(out.end(), block.data(), block.data() + static_cast<std::size_t>(nf) * dim);
                if (nf == 0 && left > 0) break;  // samples kept inside the front end for the next call
            }
        }
        std::int32_t nf = 0;
        if (fe_end_utt(fe, block.data(), &nf) < 0) detail::throw_io_error("phones", "fe_end_utt failed: ", last_error());
        out.insert(out.end(), block.data(), block.data() + static_cast<std::size_t>(nf) * dim);
        *n_frames = out.size() / dim;
        return out;
    }

    /// Number of cepstral coefficients per frame (13 for en-us).
    std::size_t cepstrum_size() const { return static_cast<std::size_t>(fe_get_output_size(ps_get_fe(ps_))); }

    /// Decodes frames [first, first + count) of `cep` (frames x cepstrum_size(), already mean-
    /// normalised: the decoder runs with -cmn none) as one utterance in a single call. Segment
    /// times are absolute: frame index x 10 ms. Needs count >= 5.
    std::vector<phone_segment> decode_frames(const float* cep, std::size_t first, std::size_t count,
                                             double* cpu_s = nullptr) {
        SYNCDSP_REQUIRE(ps_ != nullptr, "phones", "decode on a moved-from phone_decoder");
        SYNCDSP_REQUIRE(cep != nullptr && count >= 5, "phones", "an utterance needs at least 5 frames, got ", count);
        phones_impl::set_quiet(opt_.quiet);
        phones_impl::last_log_line().clear();
        const std::size_t dim = cepstrum_size();
        std::vector<mfcc_t*> rows(count);
        std::vector<mfcc_t> copy(cep + first * dim, cep + (first + count) * dim);  // the decoder may modify them
        for (std::size_t i = 0; i < count; ++i) rows[i] = copy.data() + i * dim;
        if (ps_start_utt(ps_) < 0) detail::throw_io_error("phones", "ps_start_utt failed: ", last_error());
        if (ps_process_cep(ps_, rows.data(), static_cast<int>(count), 0, 1) < 0) {
            ps_end_utt(ps_);
            detail::throw_io_error("phones", "ps_process_cep failed: ", last_error());
        }
        if (ps_end_utt(ps_) < 0) detail::throw_io_error("phones", "ps_end_utt failed: ", last_error());
        if (cpu_s) {
            double speech = 0, cpu = 0, wall = 0;
            ps_get_utt_time(ps_, &speech, &cpu, &wall);
            *cpu_s += cpu;
        }
        std::vector<phone_segment> out;
        logmath_t* lmath = ps_get_logmath(ps_);
        for (ps_seg_t* seg = ps_seg_iter(ps_); seg; seg = ps_seg_next(seg)) {
            int sf = 0, ef = 0;
            ps_seg_frames(seg, &sf, &ef);
            std::int32_t ascr = 0, lscr = 0, lback = 0;
            ps_seg_prob(seg, &ascr, &lscr, &lback);
            const char* word = ps_seg_word(seg);
            if (!word || ef < sf) continue;
            phone_segment s;
            s.phone = word;
            s.start_s = static_cast<double>(first + static_cast<std::size_t>(sf)) * phone_frame_s;
            s.end_s = static_cast<double>(first + static_cast<std::size_t>(ef) + 1) * phone_frame_s;
            // Path scores are in senone-score units: log base-1.0001 values shifted right by 10 bits.
            s.score = logmath_log_to_ln(lmath, ascr) * 1024.0 / (ef - sf + 1);
            out.push_back(std::move(s));
        }
        return out;
    }

private:
    static std::string last_error() {
        const std::string& s = phones_impl::last_log_line();
        return s.empty() ? std::string("no message from pocketsphinx") : s;
    }
    void release() noexcept {
        if (ps_) {
            // pocketsphinx 5prealpha's allphone search frees the segment list of the last decode
            // only when the next utterance finishes, not in ps_free: finish an empty one first.
            if (ps_start_utt(ps_) >= 0) ps_end_utt(ps_);
            ps_free(ps_);
        }
        if (config_) cmd_ln_free_r(config_);
        ps_ = nullptr;
        config_ = nullptr;
    }

    phone_options opt_;
    phone_model_paths paths_;
    ps_decoder_t* ps_ = nullptr;
    cmd_ln_t* config_ = nullptr;
};

#else  // no pocketsphinx in this build

/// Stand-in when syncdsp is built without pocketsphinx: constructing it throws unsupported_error.
class phone_decoder {
public:
    explicit phone_decoder(const phone_options& opt = {}) {
        phones_impl::validate_options(opt);
        detail::throw_unsupported("phones", phone_recogniser_status(opt));
    }
    const phone_options& options() const { return opt_; }
    const phone_model_paths& paths() const { return paths_; }
    std::vector<float> cepstra(const float*, std::size_t, std::size_t* n_frames) {
        *n_frames = 0;
        return {};
    }
    std::size_t cepstrum_size() const { return 13; }
    std::vector<phone_segment> decode_frames(const float*, std::size_t, std::size_t, double* = nullptr) { return {}; }

private:
    phone_options opt_;
    phone_model_paths paths_;
};

#endif

/// Recognises the phones of 16 kHz mono audio (float samples in [-1, 1)) with an existing decoder.
/// Digital silence is reported in `missing`; empty input gives an empty result; an all-zero input
/// gives no segments and one missing span. Other sample rates: invalid_argument (resample first,
/// e.g. io::decode_audio(path, 16000)).
inline phone_result recognise_phones(phone_decoder& decoder, const float* samples, std::size_t n,
                                     unsigned sample_rate) {
    SYNCDSP_REQUIRE(sample_rate == phone_sample_rate, "phones", "the en-us phone model needs 16000 Hz audio, got ",
                    sample_rate, " Hz (resample first, e.g. io::decode_audio(path, 16000))");
    SYNCDSP_REQUIRE(samples != nullptr || n == 0, "phones", "samples is null but n = ", n);
    for (std::size_t i = 0; i < n; ++i)
        SYNCDSP_REQUIRE(std::isfinite(samples[i]), "phones", "sample ", i, " is not finite (", samples[i], ")");
    phone_result r;
    r.duration_s = static_cast<double>(n) / phone_sample_rate;
    const auto plan = plan_utterances(samples, n, decoder.options());
    auto seconds = [&](std::size_t frame) {
        return std::min(r.duration_s, static_cast<double>(frame) * phone_frame_s);
    };
    for (const auto& m : plan.missing) r.missing.push_back({seconds(m.first), seconds(m.last)});
    if (plan.utterances.empty()) return r;
    // Cepstra per contiguous non-missing span (the front end restarts after each stretch of
    // digital silence, so its noise estimate never sees the zeros), on the global frame grid.
    const std::size_t dim = decoder.cepstrum_size();
    const std::size_t grid_frames = plan.utterances.back().last;
    std::vector<float> cep(grid_frames * dim, 0.0f);
    std::vector<std::size_t> usable_end(plan.utterances.size());
    for (std::size_t i = 0; i < plan.utterances.size();) {
        std::size_t j = i;
        while (j + 1 < plan.utterances.size() && plan.utterances[j + 1].first == plan.utterances[j].last) ++j;
        const std::size_t first = plan.utterances[i].first, last = plan.utterances[j].last;
        const std::size_t a = first * phone_frame_samples, b = std::min(n, last * phone_frame_samples);
        std::size_t got = 0;
        const auto c = decoder.cepstra(samples + a, b - a, &got);
        got = std::min(got, last - first);
        std::copy(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(got * dim), cep.begin() + static_cast<std::ptrdiff_t>(first * dim));
        for (std::size_t k = i; k <= j; ++k) usable_end[k] = first + got;
        i = j + 1;
    }
    // One cepstral mean for the whole input (all decoded frames), so that the utterances a long
    // input is cut into are normalised alike and the cut does not move phone boundaries.
    // Like sphinxbase's batch CMN, the mean skips frames with c0 < 0 (near-zero energy); if every
    // frame is like that, all frames are used.
    std::vector<double> mean(dim, 0.0), mean_all(dim, 0.0);
    std::size_t used = 0, all = 0;
    for (std::size_t i = 0; i < plan.utterances.size(); ++i)
        for (std::size_t k = plan.utterances[i].first; k < std::min(plan.utterances[i].last, usable_end[i]); ++k) {
            const bool positive = cep[k * dim] >= 0;
            for (std::size_t d = 0; d < dim; ++d) {
                mean_all[d] += cep[k * dim + d];
                if (positive) mean[d] += cep[k * dim + d];
            }
            used += positive ? 1 : 0;
            ++all;
        }
    if (used == 0) {
        mean = mean_all;
        used = all;
    }
    for (auto& m : mean) m /= static_cast<double>(std::max<std::size_t>(used, 1));
    for (std::size_t k = 0; k < grid_frames; ++k)
        for (std::size_t d = 0; d < dim; ++d) cep[k * dim + d] = static_cast<float>(cep[k * dim + d] - mean[d]);
    for (std::size_t i = 0; i < plan.utterances.size(); ++i) {
        const auto& u = plan.utterances[i];
        const std::size_t last = std::min(u.last, usable_end[i]);
        if (last < u.first + 5) {  // too few analysis frames (end of input): nothing to decode
            r.missing.push_back({seconds(u.first), seconds(u.last)});
            continue;
        }
        r.utterances.push_back({seconds(u.first), seconds(last)});
        for (auto& s : decoder.decode_frames(cep.data(), u.first, last - u.first, &r.decode_cpu_s))
            r.segments.push_back(std::move(s));
    }
    std::sort(r.missing.begin(), r.missing.end(),
              [](const time_span& x, const time_span& y) { return x.start_s < y.start_s; });
    return r;
}

/// Same, with a decoder made (and freed) for this call.
inline phone_result recognise_phones(const float* samples, std::size_t n, unsigned sample_rate,
                                     const phone_options& opt = {}) {
    SYNCDSP_REQUIRE(sample_rate == phone_sample_rate, "phones", "the en-us phone model needs 16000 Hz audio, got ",
                    sample_rate, " Hz (resample first, e.g. io::decode_audio(path, 16000))");
    phone_decoder decoder(opt);
    return recognise_phones(decoder, samples, n, sample_rate);
}

}  // namespace syncdsp::audio
