// syncdsp/audio/mfcc.hpp - mel spectrogram, log-mel and MFCC with presets that reproduce librosa,
// python_speech_features (SyncNet's front end) and Kaldi (torchaudio.compliance.kaldi).
//
//   auto feats = syncdsp::audio::mfcc(samples, syncdsp::audio::MfccOptions::python_speech_features());
//   // feats: tensor<T,2> of shape (frames, 13)
//
// Inputs are samples in [-1, 1) as io::read_wav returns them. Presets whose reference works on
// int16-scaled values (psf, Kaldi) set StftOptions::input_scale = 32768, so the numbers equal the
// reference's on the same file. Outputs are (frames, coefficients), row-major.
#pragma once

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "syncdsp/audio/mel.hpp"
#include "syncdsp/audio/stft.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/parallel.hpp"
#include "syncdsp/core/tensor.hpp"

namespace syncdsp::audio {

enum class log_type {
    none,  ///< keep the mel power
    db,    ///< 10 log10(max(x, floor)) - 10 log10(max(ref, floor)), then top_db clamp (librosa power_to_db)
    ln,    ///< natural log with a floor (Kaldi, psf)
};
enum class floor_mode {
    clamp,      ///< max(x, floor) (librosa amin, Kaldi epsilon)
    zero_only,  ///< only exact zeros become `floor` (python_speech_features: numpy.where(x == 0, eps, x))
};
enum class dct_norm { ortho, none };
enum class lifter_style {
    htk,      ///< 1 + (L/2) sin(pi n / L), n = 0..n_mfcc-1 (HTK, psf, Kaldi)
    librosa,  ///< 1 + (L/2) sin(pi (n+1) / L): librosa's index is shifted by one
};

inline const char* to_string(log_type t) {
    switch (t) {
        case log_type::none: return "none";
        case log_type::db: return "dB";
        case log_type::ln: return "ln";
    }
    return "?";
}

/// How mel powers become logarithms.
struct LogOptions {
    log_type type = log_type::db;
    double floor = 1e-10;  ///< amin (dB) or epsilon (ln)
    floor_mode floor_rule = floor_mode::clamp;
    double ref = 1.0;      ///< dB only
    double top_db = 80.0;  ///< dB only; <= 0 disables. The maximum is over the whole output (all frames).

    bool global() const { return type == log_type::db && top_db > 0; }

    void validate() const {
        SYNCDSP_REQUIRE(std::isfinite(floor) && floor > 0, "log", "floor must be positive, got ", floor);
        SYNCDSP_REQUIRE(std::isfinite(ref) && ref > 0, "log", "ref must be positive, got ", ref);
        SYNCDSP_REQUIRE(std::isfinite(top_db), "log", "top_db must be finite (<= 0 disables it), got ", top_db);
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "LogOptions{" << audio::to_string(type);
        if (type != log_type::none)
            s << ", floor=" << floor << (floor_rule == floor_mode::clamp ? " (clamp)" : " (zeros only)");
        if (type == log_type::db) s << ", ref=" << ref << ", top_db=" << (top_db > 0 ? std::to_string(top_db) : "off");
        s << "}";
        return s.str();
    }
};

/// Spectrum, mel filterbank and log: the log-mel pipeline (also the first half of MFCC).
struct LogMelOptions {
    StftOptions stft;
    MelOptions mel;
    LogOptions log;

    /// librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr)) defaults: n_fft 2048, hop 512,
    /// periodic Hann, centred with zero padding, power 2, 128 Slaney mels with area norm, dB with
    /// ref 1, amin 1e-10, top_db 80 (over the whole signal).
    static LogMelOptions librosa(double sr = 16000, std::size_t n_fft = 2048, std::size_t hop_length = 512,
                                 std::size_t n_mels = 128, std::size_t win_length = 0) {
        LogMelOptions o;
        o.stft.sample_rate = sr;
        o.stft.n_fft = n_fft;
        o.stft.win_length = win_length ? win_length : n_fft;
        o.stft.hop_length = hop_length;
        o.mel = MelOptions::librosa(sr, n_fft, n_mels);
        return o;
    }
    /// python_speech_features.logfbank(sig, sr) defaults on int16-scale samples: 25 ms rectangular
    /// frames every 10 ms, tail zero-padded, pre-emphasis 0.97 on the whole signal, 512-point FFT,
    /// power / 512, 26 HTK filters on integer bins, ln with exact zeros -> DBL_EPSILON.
    static LogMelOptions python_speech_features(double sr = 16000) {
        LogMelOptions o;
        o.stft.sample_rate = sr;
        o.stft.input_scale = 32768.0;
        // psf: round_half_up(0.025 sr), round_half_up(0.01 sr), nfft = next power of two >= 0.025 sr
        o.stft.win_length = static_cast<std::size_t>(std::floor(0.025 * sr + 0.5));
        o.stft.hop_length = static_cast<std::size_t>(std::floor(0.01 * sr + 0.5));
        std::size_t nfft = 1;
        while (double(nfft) < 0.025 * sr) nfft *= 2;
        o.stft.n_fft = nfft;
        o.stft.framing = framing_mode::zero_tail;
        o.stft.window = window_type::rectangular;
        o.stft.preemphasis = preemphasis_mode::signal;
        o.stft.preemphasis_coeff = 0.97;
        o.stft.scale = 1.0 / double(nfft);
        o.mel = MelOptions::python_speech_features(sr);
        o.mel.n_fft = nfft;
        o.log.type = log_type::ln;
        o.log.floor = DBL_EPSILON;
        o.log.floor_rule = floor_mode::zero_only;
        return o;
    }
    /// torchaudio.compliance.kaldi.fbank defaults (dither 0) on int16-scale samples: 25 ms / 10 ms
    /// snip-edges frames, DC removal, per-frame pre-emphasis 0.97, Povey window, 512-point FFT,
    /// power, 23 mel bins 20 Hz..Nyquist (mel-domain triangles), ln(max(x, FLT_EPSILON)).
    static LogMelOptions kaldi(double sr = 16000) {
        LogMelOptions o;
        o.stft.sample_rate = sr;
        o.stft.input_scale = 32768.0;
        o.stft.win_length = static_cast<std::size_t>(sr * 0.025);
        o.stft.hop_length = static_cast<std::size_t>(sr * 0.010);
        std::size_t nfft = 1;
        while (nfft < o.stft.win_length) nfft *= 2;
        o.stft.n_fft = nfft;
        o.stft.framing = framing_mode::snip_edges;
        o.stft.window = window_type::povey;
        o.stft.periodic_window = false;
        o.stft.remove_dc = true;
        o.stft.preemphasis = preemphasis_mode::frame;
        o.stft.preemphasis_coeff = 0.97;
        o.mel = MelOptions::kaldi(sr);
        o.mel.n_fft = nfft;
        o.log.type = log_type::ln;
        o.log.floor = double(FLT_EPSILON);
        o.log.floor_rule = floor_mode::clamp;
        return o;
    }

    void validate() const {
        stft.validate();
        mel.validate();
        log.validate();
        SYNCDSP_REQUIRE(mel.n_fft == stft.n_fft, "logmel", "mel.n_fft=", mel.n_fft, " differs from stft.n_fft=", stft.n_fft);
        SYNCDSP_REQUIRE(mel.sample_rate == stft.sample_rate, "logmel", "mel.sample_rate=", mel.sample_rate,
                        " differs from stft.sample_rate=", stft.sample_rate);
    }
    std::string to_string() const {
        return "LogMelOptions{" + stft.to_string() + ", " + mel.to_string() + ", " + log.to_string() + "}";
    }
};

/// MFCC = DCT-II of log-mel, first n_mfcc, optional lifter, optional c0 := ln(frame energy).
struct MfccOptions {
    LogMelOptions logmel;
    std::size_t n_mfcc = 20;
    dct_norm dct = dct_norm::ortho;
    std::size_t lifter = 0;  ///< 0: off
    lifter_style lifter_form = lifter_style::htk;
    bool energy_c0 = false;  ///< replace c0 by ln(sum of the frame's spectrum) (psf appendEnergy)

    /// librosa.feature.mfcc(y=y, sr=sr) defaults: 20 coefficients of the librosa log-mel defaults,
    /// ortho DCT-II, no lifter. n_fft/hop/n_mels/win_length can be changed (e.g. 512/160/40/400).
    static MfccOptions librosa(double sr = 16000, std::size_t n_mfcc = 20, std::size_t n_fft = 2048,
                               std::size_t hop_length = 512, std::size_t n_mels = 128, std::size_t win_length = 0) {
        MfccOptions o;
        o.logmel = LogMelOptions::librosa(sr, n_fft, hop_length, n_mels, win_length);
        o.n_mfcc = n_mfcc;
        o.lifter_form = lifter_style::librosa;
        return o;
    }
    /// python_speech_features.mfcc(sig, sr) defaults (what SyncNet uses): 13 coefficients, lifter 22
    /// (HTK form), c0 replaced by ln of the frame's total (pre-emphasised, /n_fft) power.
    static MfccOptions python_speech_features(double sr = 16000) {
        MfccOptions o;
        o.logmel = LogMelOptions::python_speech_features(sr);
        o.n_mfcc = 13;
        o.lifter = 22;
        o.energy_c0 = true;
        return o;
    }
    /// torchaudio.compliance.kaldi.mfcc defaults (dither 0): 13 coefficients, lifter 22, plain c0.
    static MfccOptions kaldi(double sr = 16000) {
        MfccOptions o;
        o.logmel = LogMelOptions::kaldi(sr);
        o.n_mfcc = 13;
        o.lifter = 22;
        return o;
    }

    void validate() const {
        logmel.validate();
        SYNCDSP_REQUIRE(logmel.log.type != log_type::none, "mfcc", "MFCC needs a log (log.type is none)");
        SYNCDSP_REQUIRE(n_mfcc > 0, "mfcc", "n_mfcc must be positive, got 0");
        SYNCDSP_REQUIRE(n_mfcc <= logmel.mel.n_mels, "mfcc", "n_mfcc=", n_mfcc, " exceeds n_mels=", logmel.mel.n_mels);
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "MfccOptions{" << logmel.to_string() << ", n_mfcc=" << n_mfcc << ", dct=" << (dct == dct_norm::ortho ? "ortho" : "none")
          << ", lifter=" << lifter;
        if (lifter) s << (lifter_form == lifter_style::htk ? " (htk)" : " (librosa)");
        s << ", c0=" << (energy_c0 ? "ln(frame energy)" : "dct") << "}";
        return s.str();
    }
};

namespace impl {

template <class T>
T log_value(T x, const LogOptions& o) {
    const T fl = static_cast<T>(o.floor);
    const T v = o.floor_rule == floor_mode::clamp ? std::max(x, fl) : (x == T(0) ? fl : x);
    if (o.type == log_type::ln) return std::log(v);
    // 10 log10(v) as (10 / ln 10) ln(v): ln is the faster libm call; the two differ by an ulp or so
    return static_cast<T>(4.3429448190325182765) * std::log(v);
}

/// Applies the log to rows x cols values in place, including the global top_db clamp.
/// In float, the log runs in the SIMD kernel of the CPU (spectrum_kernels.hpp; within 4 ulp of
/// std::log), value by value, so any block of values gets the same results.
template <class T>
void apply_log(T* data, std::size_t count, const LogOptions& o) {
    if (o.type == log_type::none) return;
    constexpr bool simd = std::is_same_v<T, float>;
    if constexpr (simd)
        best_spectrum_kernels()->log_floor(data, count, static_cast<float>(o.floor), o.floor_rule == floor_mode::zero_only,
                                           o.type == log_type::ln ? 1.0f : 4.3429448190325182765f);
    if (o.type == log_type::ln) {
        if constexpr (!simd)
            for (std::size_t i = 0; i < count; ++i) data[i] = log_value(data[i], o);
        return;
    }
    const T offset = static_cast<T>(10.0 * std::log10(std::max(o.ref, o.floor)));
    T mx = -std::numeric_limits<T>::infinity();
    for (std::size_t i = 0; i < count; ++i) {
        data[i] = (simd ? data[i] : log_value(data[i], o)) - offset;
        mx = std::max(mx, data[i]);
    }
    if (o.top_db > 0) {
        const T lo = mx - static_cast<T>(o.top_db);
        for (std::size_t i = 0; i < count; ++i) data[i] = std::max(data[i], lo);
    }
}

/// The cepstral stage: DCT matrix (n_mfcc x n_mels), lifter, c0 rule.
template <class T>
struct cepstrum {
    std::size_t n_mfcc = 0, n_mels = 0;
    std::vector<T> dct;     // row-major n_mfcc x n_mels
    std::vector<T> dct_t;   // its transpose, n_mels x n_mfcc
    std::vector<T> lifter;  // n_mfcc
    std::size_t stride = 0;      // row length of dct_padded
    std::vector<T> dct_padded;   // dct_t with rows padded to whole SIMD vectors (the float kernel)
    bool energy_c0 = false;
    LogOptions log;

    explicit cepstrum(const MfccOptions& o) : n_mfcc(o.n_mfcc), n_mels(o.logmel.mel.n_mels), energy_c0(o.energy_c0), log(o.logmel.log) {
        const double pi = 3.14159265358979323846, N = double(n_mels);
        dct.resize(n_mfcc * n_mels);
        for (std::size_t k = 0; k < n_mfcc; ++k) {
            const double g = o.dct == dct_norm::ortho ? (k == 0 ? std::sqrt(1.0 / N) : std::sqrt(2.0 / N)) : 2.0;
            for (std::size_t n = 0; n < n_mels; ++n)
                dct[k * n_mels + n] = static_cast<T>(g * std::cos(pi * double(k) * (2.0 * double(n) + 1.0) / (2.0 * N)));
        }
        dct_t.resize(n_mfcc * n_mels);
        for (std::size_t k = 0; k < n_mfcc; ++k)
            for (std::size_t n = 0; n < n_mels; ++n) dct_t[n * n_mfcc + k] = dct[k * n_mels + n];
        stride = (n_mfcc + 15) / 16 * 16;  // whole vectors of up to 16 floats (AVX-512)
        dct_padded.assign(n_mels * stride, T(0));
        for (std::size_t n = 0; n < n_mels; ++n)
            for (std::size_t k = 0; k < n_mfcc; ++k) dct_padded[n * stride + k] = dct[k * n_mels + n];
        lifter.assign(n_mfcc, T(1));
        if (o.lifter > 0) {
            const double L = double(o.lifter);
            for (std::size_t k = 0; k < n_mfcc; ++k) {
                const double idx = o.lifter_form == lifter_style::htk ? double(k) : double(k + 1);
                lifter[k] = static_cast<T>(1.0 + L / 2.0 * std::sin(pi * idx / L));
            }
        }
    }

    /// out[0..n_mfcc) from one log-mel row and the frame's spectral energy.
    void apply(const T* logmel, T energy, T* out) const {
        if constexpr (std::is_same_v<T, float>) {
            best_spectrum_kernels()->row_times_matrix(logmel, n_mels, dct_padded.data(), stride, n_mfcc, out);
        } else {
            // Loop over mels outside, coefficients inside: independent accumulators per coefficient
            // (each summed in mel order), so the inner loop vectorises without reassociation.
            for (std::size_t k = 0; k < n_mfcc; ++k) out[k] = 0;
            for (std::size_t n = 0; n < n_mels; ++n) {
                const T v = logmel[n];
                const T* d = dct_t.data() + n * n_mfcc;
                for (std::size_t k = 0; k < n_mfcc; ++k) out[k] += d[k] * v;
            }
        }
        for (std::size_t k = 0; k < n_mfcc; ++k) out[k] *= lifter[k];
        if (energy_c0) {
            LogOptions l = log;
            l.type = log_type::ln;
            out[0] = log_value(energy, l);
        }
    }
};

/// Frames per block of the one-shot analysis: even (frames are transformed in pairs 2k, 2k+1, see
/// frame_analyzer::analyze_pair, and a block never splits a pair) and small enough that a block's
/// mel rows stay in L1 between the filterbank, the log and the DCT.
inline constexpr std::size_t mel_block_frames = 32;

/// STFT + mel filterbank over all nf frames of x[0..n), block by block, on up to `threads` threads
/// (0 = all cores). Calls block(t0, t1, mel, energy) for frames [t0, t1): mel holds (t1 - t0) rows
/// of n_mels powers and energy the frames' spectrum sums (when want_energy). Blocks reach `block`
/// from several threads at once, each with its own buffers; frames are paired the same way whatever
/// the thread count, so the results are bit-identical for every thread count.
template <class T, class S, class Block>
void for_each_mel_block(const S* x, std::size_t n, const LogMelOptions& o, std::size_t nf, unsigned threads,
                        bool want_energy, Block&& block) {
    const auto fb = make_mel_filterbank<T>(o.mel);
    const std::size_t nm = o.mel.n_mels, pairs = (nf + 1) / 2;
    // Enough pairs per thread that starting a thread (~50 us) is noise: 2000 frames = 20 s of audio.
    const unsigned usable = static_cast<unsigned>(std::max<std::size_t>(1, std::min<std::size_t>(
        threads == 0 ? default_thread_count() : threads, pairs / 1000)));
    parallel_for(pairs, usable, [&](std::size_t p0, std::size_t p1) {
        frame_analyzer<T> a(o.stft);
        const std::size_t nb = a.bins(), B = mel_block_frames;
        aligned_buffer<T> spec_a(nb + spectrum_padding), spec_b(nb + spectrum_padding);  // zeros after the bins
        std::vector<T> mel(B * nm), energy(B);
        const std::size_t f0 = 2 * p0, f1 = std::min(nf, 2 * p1);
        for (std::size_t t0 = f0; t0 < f1; t0 += B) {
            const std::size_t t1 = std::min(f1, t0 + B);
            for (std::size_t t = t0; t < t1; t += 2) {
                T* ma = mel.data() + (t - t0) * nm;
                if (t + 1 < t1) {
                    a.load_pair(x, n, t);
                    a.analyze_pair(spec_a.data(), spec_b.data(), want_energy ? &energy[t - t0] : nullptr,
                                   want_energy ? &energy[t - t0 + 1] : nullptr);
                    fb.apply_padded(spec_a.data(), ma);
                    fb.apply_padded(spec_b.data(), ma + nm);
                } else {  // the last frame of an odd count
                    a.load(x, n, t);
                    energy[t - t0] = a.analyze(spec_a.data(), want_energy);
                    fb.apply_padded(spec_a.data(), ma);
                }
            }
            block(t0, t1, mel.data(), energy.data());
        }
    });
}

/// After the analysis: a non-finite result means a non-finite (or overflowing) sample inside some
/// frame - a NaN/Inf sample makes its whole frame non-finite, so checking the (much smaller) output
/// replaces a pass over the input - and the samples no frame reads are checked on their own.
template <class S>
void check_finite_result(const S* x, std::size_t n, const StftOptions& so, std::size_t nf, bool finite, const char* where) {
    if (!finite) {
        require_finite(x, n, where, "the signal");
        detail::throw_invalid_argument(where, "the spectrum overflowed (samples too large for this precision?)");
    }
    const frame_layout L = so.layout();
    auto check_range = [&](std::ptrdiff_t a0, std::ptrdiff_t b0) {
        const std::ptrdiff_t lo = std::max<std::ptrdiff_t>(a0, 0), hi = std::min<std::ptrdiff_t>(b0, std::ptrdiff_t(n));
        if (hi > lo && !all_finite(x + lo, std::size_t(hi - lo))) require_finite(x, n, where, "the signal");
    };
    const auto start = [&](std::size_t t) { return std::ptrdiff_t(t * L.hop) + L.offset; };
    const auto len = std::ptrdiff_t(L.length);
    check_range(0, start(0));
    if (L.hop > L.length)
        for (std::size_t t = 0; t + 1 < nf; ++t) check_range(start(t) + len, start(t + 1));
    check_range(start(nf - 1) + len, std::ptrdiff_t(n));
}

/// log_mel / mel_spectrogram of x[0..n) into a (frames, n_mels) tensor.
template <class T, class S>
tensor<T, 2> log_mel_of(const S* x, std::size_t n, const LogMelOptions& o, unsigned threads, const char* where) {
    const std::size_t nf = frames_for(o.stft.layout(), n, where), nm = o.mel.n_mels;
    tensor<T, 2> out = tensor<T, 2>::from_shape({nf, nm});
    const bool global = o.log.global();
    for_each_mel_block<T>(x, n, o, nf, threads, false, [&](std::size_t t0, std::size_t t1, T* mel, const T*) {
        T* dst = out.data() + t0 * nm;
        std::copy(mel, mel + (t1 - t0) * nm, dst);
        if (!global) apply_log(dst, (t1 - t0) * nm, o.log);
    });
    if (global) apply_log(out.data(), out.size(), o.log);
    check_finite_result(x, n, o.stft, nf, all_finite(out.data(), out.size()), where);
    return out;
}

/// mfcc of x[0..n): mel, log and DCT fused per block of frames (the mel rows never leave L1),
/// except under a global top_db clamp (librosa), which needs every log-mel value first.
template <class T, class S>
tensor<T, 2> mfcc_of(const S* x, std::size_t n, const MfccOptions& o, unsigned threads, const char* where) {
    const LogMelOptions& lo = o.logmel;
    const std::size_t nf = frames_for(lo.stft.layout(), n, where), nm = lo.mel.n_mels, nc = o.n_mfcc;
    const cepstrum<T> c(o);
    tensor<T, 2> out = tensor<T, 2>::from_shape({nf, nc});
    if (!lo.log.global()) {
        for_each_mel_block<T>(x, n, lo, nf, threads, o.energy_c0, [&](std::size_t t0, std::size_t t1, T* mel, const T* energy) {
            apply_log(mel, (t1 - t0) * nm, lo.log);
            for (std::size_t t = t0; t < t1; ++t) c.apply(mel + (t - t0) * nm, energy[t - t0], out.data() + t * nc);
        });
    } else {
        std::vector<T> mel(nf * nm), energy(nf);
        for_each_mel_block<T>(x, n, lo, nf, threads, o.energy_c0, [&](std::size_t t0, std::size_t t1, T* m, const T* e) {
            std::copy(m, m + (t1 - t0) * nm, mel.data() + t0 * nm);
            std::copy(e, e + (t1 - t0), energy.data() + t0);
        });
        apply_log(mel.data(), mel.size(), lo.log);
        for (std::size_t t = 0; t < nf; ++t) c.apply(mel.data() + t * nm, energy[t], out.data() + t * nc);
    }
    check_finite_result(x, n, lo.stft, nf, all_finite(out.data(), out.size()), where);
    return out;
}

/// A public function's cheap input checks (finiteness is checked on the way, see mel_frames).
inline void require_samples(std::size_t n, const char* where) {
    SYNCDSP_REQUIRE(n > 0, where, "the signal is empty (0 samples)");
}

}  // namespace impl

/// Mel power spectrogram (frames, n_mels) of x[0..n) (librosa.feature.melspectrogram, transposed).
/// `threads`: how many threads may share the work (0 = all cores); the result is the same bits for
/// every count.
template <class T>
tensor<T, 2> mel_spectrogram(const T* x, std::size_t n, const LogMelOptions& o, unsigned threads = 1) {
    LogMelOptions p = o;
    p.log.type = log_type::none;
    p.validate();
    impl::require_samples(n, "mel_spectrogram");
    return impl::log_mel_of<T>(x, n, p, threads, "mel_spectrogram");
}

/// Log-mel spectrogram (frames, n_mels) of x[0..n).
template <class T>
tensor<T, 2> log_mel(const T* x, std::size_t n, const LogMelOptions& o, unsigned threads = 1) {
    o.validate();
    impl::require_samples(n, "log_mel");
    return impl::log_mel_of<T>(x, n, o, threads, "log_mel");
}

/// MFCC (frames, n_mfcc) of x[0..n) (e.g. straight from io::read_wav's mono samples, no copy).
template <class T>
tensor<T, 2> mfcc(const T* x, std::size_t n, const MfccOptions& o, unsigned threads = 1) {
    o.validate();
    impl::require_samples(n, "mfcc");
    return impl::mfcc_of<T>(x, n, o, threads, "mfcc");
}

/// Options for 16-bit PCM samples taken as they are stored (x / 32768 is what io::read_wav returns):
/// the input scale absorbs the 1/32768, a power of two, so the results are bit for bit those of
/// the same call on read_wav's samples.
template <class O>
O for_pcm16(O o) {
    auto& s = [&]() -> StftOptions& {
        if constexpr (std::is_same_v<O, MfccOptions>) return o.logmel.stft;
        else return o.stft;
    }();
    s.input_scale /= 32768.0;
    return o;
}

/// MFCC of 16-bit PCM samples as stored in a WAV file (io::map_wav gives them without a copy).
template <class T = float>
tensor<T, 2> mfcc_pcm16(const std::int16_t* x, std::size_t n, const MfccOptions& o, unsigned threads = 1) {
    const MfccOptions p = for_pcm16(o);
    p.validate();
    impl::require_samples(n, "mfcc");
    return impl::mfcc_of<T>(x, n, p, threads, "mfcc");
}

/// Log-mel spectrogram of 16-bit PCM samples as stored (see mfcc_pcm16).
template <class T = float>
tensor<T, 2> log_mel_pcm16(const std::int16_t* x, std::size_t n, const LogMelOptions& o, unsigned threads = 1) {
    const LogMelOptions p = for_pcm16(o);
    p.validate();
    impl::require_samples(n, "log_mel");
    return impl::log_mel_of<T>(x, n, p, threads, "log_mel");
}

template <class T>
tensor<T, 2> mel_spectrogram(const tensor<T, 1>& x, const LogMelOptions& o, unsigned threads = 1) {
    return mel_spectrogram(x.data(), x.size(), o, threads);
}
template <class T>
tensor<T, 2> log_mel(const tensor<T, 1>& x, const LogMelOptions& o, unsigned threads = 1) { return log_mel(x.data(), x.size(), o, threads); }
template <class T>
tensor<T, 2> mfcc(const tensor<T, 1>& x, const MfccOptions& o, unsigned threads = 1) { return mfcc(x.data(), x.size(), o, threads); }

}  // namespace syncdsp::audio
