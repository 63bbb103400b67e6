// syncdsp/audio/stft.hpp - short-time power/magnitude spectra (framing, pre-emphasis, window, FFT).
//
// Per frame, in this order: take win_length samples under the frame layout (framing.hpp), with
// signal pre-emphasis (psf) applied as the samples are read; remove the frame mean (Kaldi);
// per-frame pre-emphasis (Kaldi); multiply by the window; zero-pad to n_fft; real FFT;
// |X_k|^power times `scale`. Where librosa centres a shorter window inside n_fft, syncdsp puts it
// at the start of the FFT buffer instead: a circular shift, which leaves |X_k| unchanged.
#pragma once

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "syncdsp/audio/fft.hpp"
#include "syncdsp/audio/framing.hpp"
#include "syncdsp/audio/spectrum_kernels.hpp"
#include "syncdsp/audio/window.hpp"
#include "syncdsp/core/checked.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"

namespace syncdsp::audio {

enum class preemphasis_mode {
    none,
    signal,  ///< whole signal before framing, y[0] = x[0] (python_speech_features)
    frame,   ///< inside each frame after DC removal, x[-1] := x[0] (Kaldi)
};
inline const char* to_string(preemphasis_mode m) {
    switch (m) {
        case preemphasis_mode::none: return "none";
        case preemphasis_mode::signal: return "signal";
        case preemphasis_mode::frame: return "frame";
    }
    return "?";
}

/// Everything from samples to a power (or magnitude) spectrum per frame.
struct StftOptions {
    double sample_rate = 16000;
    double input_scale = 1.0;  ///< samples are multiplied by this first (32768: int16 scale from [-1,1))
    std::size_t n_fft = 2048;
    std::size_t win_length = 2048;
    std::size_t hop_length = 512;
    framing_mode framing = framing_mode::centered;
    pad_mode pad = pad_mode::constant;  ///< centred framing only
    window_type window = window_type::hann;
    bool periodic_window = true;
    bool remove_dc = false;
    preemphasis_mode preemphasis = preemphasis_mode::none;
    double preemphasis_coeff = 0.97;
    double power = 2.0;  ///< 2: |X|^2, 1: |X|
    double scale = 1.0;  ///< multiplies the spectrum (psf: 1/n_fft)

    frame_layout layout() const {
        switch (framing) {
            case framing_mode::centered: return centered_layout(n_fft, win_length, hop_length, pad);
            case framing_mode::snip_edges: return snip_edges_layout(win_length, hop_length);
            case framing_mode::zero_tail: return zero_tail_layout(win_length, hop_length);
        }
        return snip_edges_layout(win_length, hop_length);
    }
    std::size_t bins() const { return n_fft / 2 + 1; }

    void validate() const {
        const char* w = "stft";
        SYNCDSP_REQUIRE(std::isfinite(sample_rate) && sample_rate > 0, w, "sample_rate must be positive, got ", sample_rate);
        SYNCDSP_REQUIRE(n_fft >= 2 && n_fft <= max_fft_size, w, "n_fft must be in [2, ", max_fft_size, "], got ", n_fft);
        SYNCDSP_REQUIRE(win_length > 0, w, "win_length must be positive, got 0");
        SYNCDSP_REQUIRE(win_length <= n_fft, w, "win_length=", win_length, " is larger than n_fft=", n_fft);
        SYNCDSP_REQUIRE(hop_length > 0, w, "hop_length must be positive, got 0");
        SYNCDSP_REQUIRE(power == 1.0 || power == 2.0, w, "power must be 1 (magnitude) or 2 (power), got ", power);
        SYNCDSP_REQUIRE(std::isfinite(scale) && scale > 0, w, "scale must be positive, got ", scale);
        SYNCDSP_REQUIRE(std::isfinite(input_scale) && input_scale != 0, w, "input_scale must be finite and non-zero, got ", input_scale);
        SYNCDSP_REQUIRE(std::isfinite(preemphasis_coeff), w, "preemphasis_coeff must be finite, got ", preemphasis_coeff);
    }

    std::string to_string() const {
        std::ostringstream s;
        s << "StftOptions{sr=" << sample_rate << ", input_scale=" << input_scale << ", n_fft=" << n_fft
          << ", win_length=" << win_length << ", hop=" << hop_length << ", framing=" << audio::to_string(framing);
        if (framing == framing_mode::centered) s << ", pad=" << audio::to_string(pad);
        s << ", window=" << audio::to_string(window) << (periodic_window ? "(periodic)" : "(symmetric)")
          << ", remove_dc=" << (remove_dc ? "yes" : "no") << ", preemphasis=" << audio::to_string(preemphasis);
        if (preemphasis != preemphasis_mode::none) s << "(" << preemphasis_coeff << ")";
        s << ", power=" << power << ", scale=" << scale << "}";
        return s.str();
    }
};

namespace impl {

/// Turns frames into spectra; owns its buffers (one per thread: not shareable).
template <class T>
class frame_analyzer {
public:
    explicit frame_analyzer(const StftOptions& o) : frame_analyzer(o, o.layout()) {}
    /// With another layout of win_length-sample frames than o.framing gives (e.g. hop_centred_layout).
    frame_analyzer(const StftOptions& o, const frame_layout& layout)
        : o_(o), layout_(layout), plan_(rfft_plan<T>::get(o.n_fft)), pair_plan_(cfft_plan<T>::get(o.n_fft)),
          buf_(o.n_fft), buf2_(o.n_fft), spec_(o.n_fft / 2 + 1), pair_in_(o.n_fft), pair_out_(o.n_fft),
          pair_rev_(2 * (o.n_fft / 2 + 1)),
          window_(o.win_length), scale_(static_cast<T>(o.input_scale)), c_(static_cast<T>(o.preemphasis_coeff)) {
        SYNCDSP_REQUIRE(layout.length == o.win_length, "stft", "the frame layout has ", layout.length,
                        "-sample frames but win_length=", o.win_length);
        const auto w = make_window<double>(o.window, o.win_length, o.periodic_window);
        for (std::size_t i = 0; i < o.win_length; ++i) window_[i] = static_cast<T>(w(i));
        rect_ = o.window == window_type::rectangular;
    }

    const frame_layout& layout() const { return layout_; }
    std::size_t bins() const { return spec_.size(); }

    /// Loads frame t from x[0..n) into the FFT buffer (scaled, signal pre-emphasis applied).
    template <class S>
    void load(const S* x, std::size_t n, std::size_t t) {
        load_range(x, 0, n, t);
    }

    /// Loads frame t from a window of the signal: x points at absolute index `base`, the signal has
    /// (at least, for streaming) n samples, and the frame must only need indices >= base - 1.
    template <class S>
    void load_range(const S* x, std::size_t base, std::size_t n, std::size_t t) {
        load_into(buf_.data(), x, base, n, t);
    }

    /// Loads frames t and t+1 for analyze_pair (same rules as load / load_range).
    template <class S>
    void load_pair(const S* x, std::size_t n, std::size_t t) {
        load_range_pair(x, 0, n, t);
    }
    template <class S>
    void load_range_pair(const S* x, std::size_t base, std::size_t n, std::size_t t) {
        load_into(buf_.data(), x, base, n, t);
        load_into(buf2_.data(), x, base, n, t + 1);
    }

    /// The frame last loaded (layout().length samples, scaled and pre-emphasised as read), before
    /// analyze() windows it in place.
    const T* loaded() const { return buf_.data(); }

    /// Spectrum of the loaded frame into out[0..bins); returns the sum of the spectrum (psf's
    /// energy) when want_energy, else 0.
    T analyze(T* out, bool want_energy = true) {
        prepare(buf_.data());
        return spectrum_of(buf_.data(), out, want_energy);
    }

    /// Spectra of the two frames loaded by load_pair into out_a and out_b (bins() values each), and
    /// their sums into *energy_a / *energy_b when those are not null. One complex FFT of
    /// a + i b gives both: A_k = (Z_k + conj Z_{n-k}) / 2, B_k = (Z_k - conj Z_{n-k}) / 2i. Its
    /// rounding error scales with the louder frame, so a pair whose (windowed) powers differ by
    /// more than pair_power_ratio, or of which one frame is exactly silent, is transformed frame
    /// by frame instead: a quiet frame never inherits noise from a loud neighbour, and digital
    /// silence stays exactly zero.
    void analyze_pair(T* out_a, T* out_b, T* energy_a, T* energy_b) {
        T* a = buf_.data();
        T* b = buf2_.data();
        prepare(a);
        prepare(b);
        const std::size_t L = layout_.length;
        T pa, pb;
        std::complex<T>* z = pair_in_.data();
        if constexpr (std::is_same_v<T, float>) {
            best_spectrum_kernels()->pack_pair(a, b, L, reinterpret_cast<float*>(z), &pa, &pb);  // [L, n_fft) stays 0
        } else {
            pa = sum_of_squares(a, L);
            pb = sum_of_squares(b, L);
            for (std::size_t i = 0; i < L; ++i) z[i] = std::complex<T>(a[i], b[i]);  // [L, n_fft) stays 0
        }
        const T hi = std::max(pa, pb), lo = std::min(pa, pb);
        const bool want = energy_a || energy_b;
        if (!(hi <= lo * static_cast<T>(pair_power_ratio)) || (lo == T(0) && hi != T(0))) {
            const T ea = spectrum_of(a, out_a, want), eb = spectrum_of(b, out_b, want);
            if (energy_a) *energy_a = ea;
            if (energy_b) *energy_b = eb;
            return;
        }
        pair_plan_->execute(z, pair_out_.data());
        const T* c = reinterpret_cast<const T*>(pair_out_.data());
        const std::size_t nfft = o_.n_fft, nb = spec_.size();
        if constexpr (std::is_same_v<T, float>) {
            if (o_.power == 2.0) {
                best_spectrum_kernels()->pair_power(c, nfft, nb, static_cast<float>(o_.scale * 0.25), out_a, out_b,
                                                    pair_rev_.data());
                if (energy_a) *energy_a = sum4(out_a, nb);
                if (energy_b) *energy_b = sum4(out_b, nb);
                return;
            }
        }
        if (o_.power == 2.0) {
            const T sc = static_cast<T>(o_.scale * 0.25);
            auto bin = [&](std::size_t k, std::size_t m) {
                const T zr = c[2 * k], zi = c[2 * k + 1], wr = c[2 * m], wi = c[2 * m + 1];
                out_a[k] = ((zr + wr) * (zr + wr) + (zi - wi) * (zi - wi)) * sc;
                out_b[k] = ((zr - wr) * (zr - wr) + (zi + wi) * (zi + wi)) * sc;
            };
            bin(0, 0);
            for (std::size_t k = 1; k < nb; ++k) bin(k, nfft - k);
        } else {
            const T sc = static_cast<T>(o_.scale * 0.5);
            auto bin = [&](std::size_t k, std::size_t m) {
                const T zr = c[2 * k], zi = c[2 * k + 1], wr = c[2 * m], wi = c[2 * m + 1];
                out_a[k] = std::sqrt((zr + wr) * (zr + wr) + (zi - wi) * (zi - wi)) * sc;
                out_b[k] = std::sqrt((zr - wr) * (zr - wr) + (zi + wi) * (zi + wi)) * sc;
            };
            bin(0, 0);
            for (std::size_t k = 1; k < nb; ++k) bin(k, nfft - k);
        }
        if (energy_a) *energy_a = sum4(out_a, nb);
        if (energy_b) *energy_b = sum4(out_b, nb);
    }

    /// Largest ratio of two frames' powers that analyze_pair transforms together.
    static constexpr double pair_power_ratio = 16.0;

private:
    /// Frame t into out[0..length): scaled, with signal pre-emphasis (see load_range).
    template <class S>
    void load_into(T* out, const S* x, std::size_t base, std::size_t n, std::size_t t) const {
        const std::ptrdiff_t start = static_cast<std::ptrdiff_t>(t * layout_.hop) + layout_.offset;
        const auto L = static_cast<std::ptrdiff_t>(layout_.length);
        const auto N = static_cast<std::ptrdiff_t>(n), B = static_cast<std::ptrdiff_t>(base);
        const bool sig = o_.preemphasis == preemphasis_mode::signal;
        const bool inside = start >= B && start + L <= N && (!sig || start == 0 || start - 1 >= B);
        if (inside && start >= 0) {
            const S* p = x + (start - B);
            if (!sig) {
                for (std::ptrdiff_t i = 0; i < L; ++i) out[i] = scale_ * static_cast<T>(p[i]);
            } else {
                // (x[i] - c x[i-1]) * scale: the same value as scale*x[i] - c*(scale*x[i-1]) when
                // scale is a power of two (the presets' 32768), written so that it vectorises.
                const std::ptrdiff_t i0 = start == 0 ? 1 : 0;
                if (start == 0) out[0] = scale_ * static_cast<T>(p[0]);
                if constexpr (std::is_same_v<T, float> && std::is_same_v<S, std::int16_t>) {
                    best_spectrum_kernels()->preemphasize_pcm16(p + i0, std::size_t(L - i0), c_, scale_, out + i0);
                } else {
                    for (std::ptrdiff_t i = i0; i < L; ++i)
                        out[i] = (static_cast<T>(p[i]) - c_ * static_cast<T>(p[i - 1])) * scale_;
                }
            }
        } else {
            const pad_mode pad = layout_.mode == framing_mode::centered ? layout_.pad : pad_mode::constant;
            for (std::ptrdiff_t i = 0; i < L; ++i) {
                const std::ptrdiff_t j = padded_index(start + i, n, pad);
                if (j < 0) {
                    out[i] = T(0);
                    continue;
                }
                out[i] = (sig && j > 0) ? (static_cast<T>(x[j - B]) - c_ * static_cast<T>(x[j - 1 - B])) * scale_
                                        : scale_ * static_cast<T>(x[j - B]);
            }
        }
    }

    /// DC removal, per-frame pre-emphasis and the window, in place on a loaded frame.
    void prepare(T* f) const {
        const std::size_t L = layout_.length;
        if (o_.remove_dc) {
            T m4[4] = {0, 0, 0, 0};  // four partial sums: not one long dependency chain
            std::size_t i = 0;
            for (; i + 4 <= L; i += 4)
                for (std::size_t j = 0; j < 4; ++j) m4[j] += f[i + j];
            for (; i < L; ++i) m4[0] += f[i];
            const T mean = ((m4[0] + m4[1]) + (m4[2] + m4[3])) / static_cast<T>(L);
            for (std::size_t k = 0; k < L; ++k) f[k] -= mean;
        }
        if (o_.preemphasis == preemphasis_mode::frame) preemphasize_frame(f, L, c_);
        if (!rect_)
            for (std::size_t i = 0; i < L; ++i) f[i] *= window_[i];
    }

    /// Power (or magnitude) spectrum of a prepared frame f (an n_fft buffer, zero-padded here).
    T spectrum_of(T* f, T* out, bool want_energy) {
        const std::size_t L = layout_.length, nfft = o_.n_fft;
        std::fill(f + L, f + nfft, T(0));
        plan_->execute(f, spec_.data());
        const std::size_t nb = spec_.size();
        const T sc = static_cast<T>(o_.scale);
        const T* c = reinterpret_cast<const T*>(spec_.data());
        if (o_.power == 2.0) {
            for (std::size_t k = 0; k < nb; ++k) out[k] = (c[2 * k] * c[2 * k] + c[2 * k + 1] * c[2 * k + 1]) * sc;
        } else {
            for (std::size_t k = 0; k < nb; ++k) out[k] = std::abs(spec_[k]) * sc;
        }
        return want_energy ? sum4(out, nb) : T(0);
    }

    /// Sum with four partial sums (not one long dependency chain), in a fixed order.
    static T sum4(const T* v, std::size_t n) {
        T t[4] = {0, 0, 0, 0};
        std::size_t k = 0;
        for (; k + 4 <= n; k += 4)
            for (std::size_t j = 0; j < 4; ++j) t[j] += v[k + j];
        for (; k < n; ++k) t[0] += v[k];
        return (t[0] + t[1]) + (t[2] + t[3]);
    }
    static T sum_of_squares(const T* v, std::size_t n) {
        T t[4] = {0, 0, 0, 0};
        std::size_t k = 0;
        for (; k + 4 <= n; k += 4)
            for (std::size_t j = 0; j < 4; ++j) t[j] += v[k + j] * v[k + j];
        for (; k < n; ++k) t[0] += v[k] * v[k];
        return (t[0] + t[1]) + (t[2] + t[3]);
    }

    StftOptions o_;
    frame_layout layout_;
    std::shared_ptr<const rfft_plan<T>> plan_;
    std::shared_ptr<const cfft_plan<T>> pair_plan_;
    aligned_buffer<T> buf_, buf2_;
    aligned_buffer<std::complex<T>> spec_, pair_in_, pair_out_;
    aligned_buffer<T> pair_rev_;  // scratch of the float pair_power kernel
    aligned_buffer<T> window_;
    T scale_, c_;
    bool rect_ = false;
};

/// Frame count for n samples; throws when a snip-edges signal is shorter than one frame.
inline std::size_t frames_for(const frame_layout& layout, std::size_t n, const char* where) {
    const std::size_t nf = layout.count(n);
    SYNCDSP_REQUIRE(nf > 0, where, "the signal has ", n, " samples, fewer than one frame (", layout.length,
                    " samples) with snip-edges framing");
    return nf;
}

}  // namespace impl

/// Power (or magnitude, power=1) spectrogram, shape (frames, n_fft/2+1).
template <class T>
tensor<T, 2> spectrogram(const tensor<T, 1>& x, const StftOptions& o) {
    o.validate();
    require_signal(x.data(), x.size(), "stft");
    impl::frame_analyzer<T> a(o);
    const std::size_t nf = impl::frames_for(a.layout(), x.size(), "stft"), nb = o.bins();
    tensor<T, 2> out = tensor<T, 2>::from_shape({nf, nb});
    for (std::size_t t = 0; t < nf; ++t) {
        a.load(x.data(), x.size(), t);
        a.analyze(out.data() + t * nb);
    }
    return out;
}

}  // namespace syncdsp::audio
