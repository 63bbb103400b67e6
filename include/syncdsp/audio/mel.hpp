// syncdsp/audio/mel.hpp - mel scales and triangular mel filterbanks.
//
// Three constructions reproduce the references exactly:
//   hz_triangles  librosa.filters.mel / torchaudio melscale_fbanks: n_mels+2 points equally spaced
//                 in mel, mapped to Hz; triangle i rises from f_i to f_{i+1} and falls to f_{i+2},
//                 evaluated at the bin frequencies k*sr/n_fft; optional Slaney area normalisation
//                 (each triangle times 2/(f_{i+2} - f_i)).
//   integer_bins  python_speech_features get_filterbanks: the points are rounded down to FFT bins
//                 b = floor((n_fft+1) * f / sr) and the triangles are drawn between integer bins.
//   mel_triangles Kaldi (torchaudio.compliance.kaldi): triangles are linear in mel (not Hz),
//                 evaluated at mel(k*sr/n_fft) for k < n_fft/2; the Nyquist bin gets weight 0.
// Filters are triangles, so each is stored sparsely (first bin + weights): applying the bank
// costs about 2 multiply-adds per spectrum bin, not n_mels.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "syncdsp/audio/spectrum_kernels.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"

namespace syncdsp::audio {

enum class mel_scale {
    htk,     ///< 2595 log10(1 + f/700) (HTK, psf, torchaudio; Kaldi's 1127 ln(1 + f/700) is the same curve)
    slaney,  ///< linear below 1 kHz (f / (200/3)), logarithmic above (librosa's default, htk=False)
};
enum class mel_norm { none, slaney };
enum class mel_construction { hz_triangles, integer_bins, mel_triangles };

inline const char* to_string(mel_scale s) { return s == mel_scale::htk ? "htk" : "slaney"; }
inline const char* to_string(mel_norm s) { return s == mel_norm::none ? "none" : "slaney"; }
inline const char* to_string(mel_construction c) {
    switch (c) {
        case mel_construction::hz_triangles: return "hz_triangles";
        case mel_construction::integer_bins: return "integer_bins";
        case mel_construction::mel_triangles: return "mel_triangles";
    }
    return "?";
}

/// Hz -> mel.
inline double hz_to_mel(double f, mel_scale s) {
    if (s == mel_scale::htk) return 2595.0 * std::log10(1.0 + f / 700.0);
    const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
    const double logstep = std::log(6.4) / 27.0;
    return f >= min_log_hz ? min_log_mel + std::log(f / min_log_hz) / logstep : f / f_sp;
}

/// mel -> Hz.
inline double mel_to_hz(double m, mel_scale s) {
    if (s == mel_scale::htk) return 700.0 * (std::pow(10.0, m / 2595.0) - 1.0);
    const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
    const double logstep = std::log(6.4) / 27.0;
    return m >= min_log_mel ? min_log_hz * std::exp(logstep * (m - min_log_mel)) : f_sp * m;
}

/// Parameters of a mel filterbank over the n_fft/2+1 bins of a real FFT.
struct MelOptions {
    double sample_rate = 16000;
    std::size_t n_fft = 512;
    std::size_t n_mels = 40;
    double fmin = 0;
    double fmax = 0;  ///< <= 0 means sample_rate/2 + fmax (Kaldi's convention; 0 -> Nyquist)
    mel_scale scale = mel_scale::slaney;
    mel_norm norm = mel_norm::slaney;
    mel_construction construction = mel_construction::hz_triangles;

    /// The resolved upper edge in Hz.
    double upper_hz() const { return fmax > 0 ? fmax : sample_rate / 2 + fmax; }
    std::size_t bins() const { return n_fft / 2 + 1; }

    /// librosa.filters.mel defaults (Slaney scale and area norm) for sr, n_fft and n_mels.
    static MelOptions librosa(double sr = 16000, std::size_t n_fft = 2048, std::size_t n_mels = 128) {
        MelOptions o;
        o.sample_rate = sr; o.n_fft = n_fft; o.n_mels = n_mels;
        return o;
    }
    /// python_speech_features get_filterbanks defaults (26 filters, 512-point FFT, 0..sr/2).
    static MelOptions python_speech_features(double sr = 16000) {
        MelOptions o;
        o.sample_rate = sr; o.n_fft = 512; o.n_mels = 26;
        o.scale = mel_scale::htk; o.norm = mel_norm::none; o.construction = mel_construction::integer_bins;
        return o;
    }
    /// torchaudio.compliance.kaldi defaults (23 bins, 20 Hz .. Nyquist, 512-point FFT).
    static MelOptions kaldi(double sr = 16000) {
        MelOptions o;
        o.sample_rate = sr; o.n_fft = 512; o.n_mels = 23; o.fmin = 20;
        o.scale = mel_scale::htk; o.norm = mel_norm::none; o.construction = mel_construction::mel_triangles;
        return o;
    }
    /// torchaudio.transforms.MelSpectrogram defaults (HTK scale, no norm) for the given sizes.
    static MelOptions torchaudio(double sr = 16000, std::size_t n_fft = 400, std::size_t n_mels = 128) {
        MelOptions o;
        o.sample_rate = sr; o.n_fft = n_fft; o.n_mels = n_mels;
        o.scale = mel_scale::htk; o.norm = mel_norm::none;
        return o;
    }

    /// Throws invalid_argument naming the first bad field.
    void validate() const {
        const char* w = "mel";
        SYNCDSP_REQUIRE(std::isfinite(sample_rate) && sample_rate > 0, w, "sample_rate must be positive, got ", sample_rate);
        SYNCDSP_REQUIRE(n_fft >= 2, w, "n_fft must be at least 2, got ", n_fft);
        SYNCDSP_REQUIRE(n_mels > 0, w, "n_mels must be positive, got 0");
        SYNCDSP_REQUIRE(n_mels <= bins(), w, "n_mels=", n_mels, " exceeds the ", bins(),
                        " spectrum bins of n_fft=", n_fft);
        SYNCDSP_REQUIRE(std::isfinite(fmin) && fmin >= 0, w, "fmin must be >= 0, got ", fmin);
        SYNCDSP_REQUIRE(std::isfinite(fmax), w, "fmax must be finite, got ", fmax);
        SYNCDSP_REQUIRE(upper_hz() <= sample_rate / 2 * (1 + 1e-12), w, "fmax=", upper_hz(),
                        " Hz is above the Nyquist frequency ", sample_rate / 2, " Hz");
        SYNCDSP_REQUIRE(upper_hz() > fmin, w, "fmax=", upper_hz(), " Hz must be above fmin=", fmin, " Hz");
    }

    std::string to_string() const {
        std::ostringstream s;
        s << "MelOptions{sr=" << sample_rate << ", n_fft=" << n_fft << ", n_mels=" << n_mels << ", fmin=" << fmin
          << ", fmax=" << upper_hz() << ", scale=" << audio::to_string(scale) << ", norm=" << audio::to_string(norm)
          << ", construction=" << audio::to_string(construction) << "}";
        return s.str();
    }
};

/// A bank of triangular filters stored sparsely: filter m has weights w[offset[m] .. offset[m+1])
/// for bins first[m], first[m]+1, ...
template <class T>
struct mel_filterbank {
    std::size_t n_bins = 0;
    std::vector<std::size_t> first;
    std::vector<std::size_t> offset;  ///< size n_mels + 1
    std::vector<T> weights;

    std::size_t n_mels() const { return first.size(); }

    /// For the float SIMD kernel (apply_padded): each filter's weights zero-padded to whole
    /// 16-float vectors; filled by make_mel_filterbank.
    std::vector<float> padded_weights;
    std::vector<std::size_t> padded_offset, padded_length;

    /// apply() for a float spectrum followed by at least impl::spectrum_padding finite values
    /// (zeros), through the CPU's SIMD kernel; other element types use apply().
    template <class S>
    void apply_padded(const S* spectrum, T* out) const {
        if constexpr (std::is_same_v<T, float> && std::is_same_v<S, float>) {
            impl::best_spectrum_kernels()->filterbank(spectrum, first.size(), first.data(), padded_offset.data(),
                                                      padded_length.data(), padded_weights.data(), out);
        } else {
            apply(spectrum, out);
        }
    }

    /// out[m] = sum_k w_mk spectrum[k] for a spectrum of n_bins values.
    template <class S>
    void apply(const S* spectrum, T* out) const {
        const std::size_t nm = first.size();
        for (std::size_t m = 0; m < nm; ++m) {
            const T* w = weights.data() + offset[m];
            const S* s = spectrum + first[m];
            const std::size_t len = offset[m + 1] - offset[m];
            // four partial sums (a fixed order, so every caller gets the same bits)
            T a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            std::size_t k = 0;
            for (; k + 4 <= len; k += 4) {
                a0 += w[k] * static_cast<T>(s[k]);
                a1 += w[k + 1] * static_cast<T>(s[k + 1]);
                a2 += w[k + 2] * static_cast<T>(s[k + 2]);
                a3 += w[k + 3] * static_cast<T>(s[k + 3]);
            }
            for (; k < len; ++k) a0 += w[k] * static_cast<T>(s[k]);
            out[m] = (a0 + a1) + (a2 + a3);
        }
    }

    /// The dense (n_mels, n_bins) matrix, as librosa.filters.mel returns it.
    tensor<T, 2> dense() const {
        tensor<T, 2> d = xt::zeros<T>({n_mels(), n_bins});
        for (std::size_t m = 0; m < n_mels(); ++m)
            for (std::size_t k = offset[m]; k < offset[m + 1]; ++k) d(m, first[m] + k - offset[m]) = weights[k];
        return d;
    }
};

namespace impl {

/// Builds the dense bank in double, row by row (n_mels x n_bins is small).
inline std::vector<std::vector<double>> mel_dense(const MelOptions& o) {
    const std::size_t nb = o.bins(), nm = o.n_mels;
    std::vector<std::vector<double>> w(nm, std::vector<double>(nb, 0.0));
    const double lo = o.fmin, hi = o.upper_hz(), sr = o.sample_rate;
    if (o.construction == mel_construction::mel_triangles) {
        // Kaldi: Kaldi's scale 1127 ln(1+f/700); triangles linear in mel; last (Nyquist) bin 0.
        auto mel = [](double f) { return 1127.0 * std::log(1.0 + f / 700.0); };
        const double ml = mel(lo), mh = mel(hi), d = (mh - ml) / double(nm + 1);
        const double bw = sr / double(o.n_fft);
        for (std::size_t m = 0; m < nm; ++m) {
            const double left = ml + double(m) * d, center = ml + double(m + 1) * d, right = ml + double(m + 2) * d;
            for (std::size_t k = 0; k < o.n_fft / 2; ++k) {
                const double x = mel(bw * double(k));
                const double up = (x - left) / (center - left), down = (right - x) / (right - center);
                w[m][k] = std::max(0.0, std::min(up, down));
            }
        }
        return w;
    }
    std::vector<double> pts(nm + 2);
    const double ml = hz_to_mel(lo, o.scale), mh = hz_to_mel(hi, o.scale);
    for (std::size_t i = 0; i < nm + 2; ++i) {
        // numpy.linspace: start + i*step, with the last point exactly `stop`.
        const double m = i + 1 == nm + 2 ? mh : ml + double(i) * ((mh - ml) / double(nm + 1));
        pts[i] = mel_to_hz(m, o.scale);
    }
    if (o.construction == mel_construction::integer_bins) {
        std::vector<double> b(nm + 2);
        for (std::size_t i = 0; i < nm + 2; ++i) b[i] = std::floor((double(o.n_fft) + 1.0) * pts[i] / sr);
        for (std::size_t j = 0; j < nm; ++j) {
            for (auto i = static_cast<std::ptrdiff_t>(b[j]); i < static_cast<std::ptrdiff_t>(b[j + 1]); ++i)
                if (i >= 0 && std::size_t(i) < nb) w[j][std::size_t(i)] = (double(i) - b[j]) / (b[j + 1] - b[j]);
            for (auto i = static_cast<std::ptrdiff_t>(b[j + 1]); i < static_cast<std::ptrdiff_t>(b[j + 2]); ++i)
                if (i >= 0 && std::size_t(i) < nb) w[j][std::size_t(i)] = (b[j + 2] - double(i)) / (b[j + 2] - b[j + 1]);
        }
        return w;
    }
    // hz_triangles (librosa, torchaudio)
    for (std::size_t m = 0; m < nm; ++m) {
        const double f0 = pts[m], f1 = pts[m + 1], f2 = pts[m + 2];
        const double enorm = o.norm == mel_norm::slaney ? 2.0 / (f2 - f0) : 1.0;
        for (std::size_t k = 0; k < nb; ++k) {
            const double f = double(k) * sr / double(o.n_fft);
            const double lower = (f - f0) / (f1 - f0), upper = (f2 - f) / (f2 - f1);
            w[m][k] = std::max(0.0, std::min(lower, upper)) * enorm;
        }
    }
    return w;
}

}  // namespace impl

/// The filterbank for `o` (validated), stored sparsely.
template <class T = double>
mel_filterbank<T> make_mel_filterbank(const MelOptions& o) {
    o.validate();
    const auto w = impl::mel_dense(o);
    mel_filterbank<T> fb;
    fb.n_bins = o.bins();
    fb.offset.push_back(0);
    for (const auto& row : w) {
        std::size_t a = 0, b = row.size();
        while (a < b && row[a] == 0.0) ++a;
        while (b > a && row[b - 1] == 0.0) --b;
        fb.first.push_back(a);
        for (std::size_t k = a; k < b; ++k) fb.weights.push_back(static_cast<T>(row[k]));
        fb.offset.push_back(fb.weights.size());
        fb.padded_offset.push_back(fb.padded_weights.size());
        const std::size_t len = (b - a + impl::spectrum_padding - 1) / impl::spectrum_padding * impl::spectrum_padding;
        fb.padded_length.push_back(len);
        for (std::size_t k = 0; k < len; ++k) fb.padded_weights.push_back(a + k < b ? static_cast<float>(row[a + k]) : 0.f);
    }
    return fb;
}

/// The dense (n_mels, n_fft/2+1) filterbank matrix.
template <class T = double>
tensor<T, 2> mel_filters(const MelOptions& o) {
    return make_mel_filterbank<T>(o).dense();
}

}  // namespace syncdsp::audio
