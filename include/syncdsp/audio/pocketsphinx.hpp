// syncdsp/audio/pocketsphinx.hpp - the phone recogniser: pocketsphinx's phone-loop decoder behind
// RAII, and audio::pocketsphinx_recogniser(), the callable pipeline::ClassicOptions takes.
//
// Needs pocketsphinx (CMU, BSD-2; Debian libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us):
// link the CMake target syncdsp::phones, which adds its include paths and libraries. Without it
// this header stops with #error; everything that does not decode (types, options, utterance
// planning, digital silence, looks_like_speech) is in syncdsp/audio/phones.hpp and needs nothing.
// No definition here depends on a macro, so translation units built with and without the target
// can be linked together.
//
// What the wrapper adds to the decoder (docs/phones.md has the measurements):
//   * decoder settings: -allphone <phone LM> -allphone_ci yes -lw 2.0 -remove_silence no, each
//     utterance decoded in one call (full_utt);
//   * one cepstral mean for the whole input: the model's feat.params forces "-cmn batch", which
//     normalises every decoder call by its own mean and so moves boundaries when a long input is
//     cut; the decoder is given a copy of feat.params with "-cmn none", the cepstra come from
//     pocketsphinx's own front end, and recognise_phones subtracts one mean (sphinxbase's rule:
//     frames with c0 >= 0) over all decoded frames;
//   * a fresh front end per contiguous non-silent span (its noise-removal state otherwise
//     carries over between decodes), so repeated decodes are identical;
//   * digital silence and long spans are planned by audio::plan_utterances (phones.hpp);
//   * quiet logging: pocketsphinx's log goes nowhere (its last error is kept for our messages).
#pragma once

#if !__has_include(<pocketsphinx.h>)
#error "syncdsp/audio/pocketsphinx.hpp needs pocketsphinx: link the CMake target syncdsp::phones (apt-get install libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us, then reconfigure). Without it, use syncdsp/audio/phones.hpp and no recogniser."
#endif

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

#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <sphinxbase/logmath.h>
#include <unistd.h>

#include "syncdsp/audio/phones.hpp"
#include "syncdsp/core/error.hpp"

namespace syncdsp::audio {

/// True when the model files are where the options point (this header means pocketsphinx is built in).
inline bool phone_recogniser_available(const phone_options& opt = {}) { return phone_model_status(opt).empty(); }

/// Why the phone recogniser is unavailable (empty when it is available).
inline std::string phone_recogniser_status(const phone_options& opt = {}) { return phone_model_status(opt); }


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

/// The pocketsphinx recogniser as a callable, for pipeline::ClassicOptions::recognise_phones and
/// anything else that takes an audio::phone_recogniser. The options are checked now; each call
/// makes (and frees) its own decoder (about 0.02 s of CPU), so the callable is safe to use from
/// several threads at once. Model files are looked for at call time: when they are missing the
/// call throws io_error saying how to install them (`--phones auto` turns that into a note).
inline phone_recogniser pocketsphinx_recogniser(const phone_options& opt = {}) {
    phones_impl::validate_options(opt);
    return [opt](const float* samples, std::size_t n, unsigned sample_rate) {
        return recognise_phones(samples, n, sample_rate, opt);
    };
}

}  // namespace syncdsp::audio
