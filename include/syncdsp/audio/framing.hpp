// syncdsp/audio/framing.hpp - cutting a signal into (possibly padded) frames, and pre-emphasis.
//
// Three framing conventions cover the references:
//   centered   librosa/torchaudio: the signal is padded by pad_left = n_fft/2 samples on both sides
//              (constant zeros, reflect or edge), frame t starts at padded index t*hop;
//              count = 1 + (N + 2*(n_fft/2) - n_fft) / hop.
//   snip_edges Kaldi: no padding, frame t = samples [t*hop, t*hop + L), only complete frames;
//              count = 1 + (N - L) / hop (a signal shorter than one frame is an error).
//   zero_tail  python_speech_features: no left padding; the tail is zero-padded to complete the
//              last frame; count = 1 if N <= L else 1 + ceil((N - L) / hop).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "syncdsp/core/checked.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"

namespace syncdsp::audio {

enum class framing_mode { centered, snip_edges, zero_tail };
enum class pad_mode {
    constant,  ///< zeros (numpy.pad 'constant'; librosa >= 0.10 stft default)
    reflect,   ///< mirror without repeating the edge sample (numpy 'reflect'; torch 'reflect')
    edge,      ///< repeat the edge sample (numpy 'edge'; librosa zero_crossing_rate)
};

inline const char* to_string(framing_mode m) {
    switch (m) {
        case framing_mode::centered: return "centered";
        case framing_mode::snip_edges: return "snip_edges";
        case framing_mode::zero_tail: return "zero_tail";
    }
    return "?";
}
inline const char* to_string(pad_mode m) {
    switch (m) {
        case pad_mode::constant: return "constant";
        case pad_mode::reflect: return "reflect";
        case pad_mode::edge: return "edge";
    }
    return "?";
}

/// Where frames lie in a signal: frame t holds `length` samples starting at original index
/// t*hop + offset (offset may be negative: those samples come from the padding).
struct frame_layout {
    std::size_t length = 400;          ///< samples per frame
    std::size_t hop = 160;             ///< samples between frame starts
    std::ptrdiff_t offset = 0;         ///< original index of frame 0's first sample
    framing_mode mode = framing_mode::snip_edges;
    pad_mode pad = pad_mode::constant; ///< for samples outside [0, N) (centered mode)
    std::size_t center_pad = 0;        ///< centered: padding on each side (n_fft/2)
    std::size_t center_span = 0;       ///< centered: frame span that must fit in the padded signal (n_fft)

    /// Number of frames for a signal of n samples (0 when no frame fits in snip_edges mode).
    std::size_t count(std::size_t n) const {
        switch (mode) {
            case framing_mode::snip_edges: return n < length ? 0 : 1 + (n - length) / hop;
            case framing_mode::zero_tail: return n <= length ? 1 : 1 + (n - length + hop - 1) / hop;
            case framing_mode::centered: {
                const std::size_t padded = n + 2 * center_pad;
                return padded < center_span ? 0 : 1 + (padded - center_span) / hop;
            }
        }
        return 0;
    }

    /// Checks the layout itself; `where` names the caller in the error.
    void validate(const char* where) const {
        SYNCDSP_REQUIRE(length > 0, where, "frame length must be positive, got 0");
        SYNCDSP_REQUIRE(hop > 0, where, "hop length must be positive, got 0");
        SYNCDSP_REQUIRE(length <= (std::size_t(1) << 28), where, "frame length ", length, " is too large");
    }
};

namespace impl {

/// Index into [0, n) for a position outside it, following numpy.pad's modes ('reflect' repeats
/// its reflection as often as needed). Returns -1 for constant padding (a zero).
inline std::ptrdiff_t padded_index(std::ptrdiff_t i, std::size_t n, pad_mode pad) {
    const auto N = static_cast<std::ptrdiff_t>(n);
    if (i >= 0 && i < N) return i;
    switch (pad) {
        case pad_mode::constant: return -1;
        case pad_mode::edge: return i < 0 ? 0 : N - 1;
        case pad_mode::reflect: {
            if (N == 1) return 0;
            const std::ptrdiff_t period = 2 * (N - 1);
            std::ptrdiff_t m = i % period;
            if (m < 0) m += period;
            return m < N ? m : period - m;
        }
    }
    return -1;
}

/// Copies frame t of x[0..n) under `layout` to out[0..layout.length).
template <class T, class S>
void copy_frame(const S* x, std::size_t n, const frame_layout& layout, std::size_t t, T* out) {
    const std::ptrdiff_t start = static_cast<std::ptrdiff_t>(t * layout.hop) + layout.offset;
    const auto L = static_cast<std::ptrdiff_t>(layout.length);
    const auto N = static_cast<std::ptrdiff_t>(n);
    if (start >= 0 && start + L <= N) {
        for (std::ptrdiff_t i = 0; i < L; ++i) out[i] = static_cast<T>(x[start + i]);
        return;
    }
    const pad_mode pad = layout.mode == framing_mode::centered ? layout.pad : pad_mode::constant;
    for (std::ptrdiff_t i = 0; i < L; ++i) {
        const std::ptrdiff_t j = padded_index(start + i, n, pad);
        out[i] = j < 0 ? T(0) : static_cast<T>(x[j]);
    }
}

}  // namespace impl

/// Centred (librosa) layout: window of win_length placed in the middle of n_fft, signal padded
/// by n_fft/2 on both sides with `pad`.
inline frame_layout centered_layout(std::size_t n_fft, std::size_t win_length, std::size_t hop, pad_mode pad) {
    SYNCDSP_REQUIRE(n_fft > 0 && win_length > 0 && win_length <= n_fft, "framing",
                    "need 0 < win_length <= n_fft, got win_length=", win_length, " n_fft=", n_fft);
    frame_layout f;
    f.length = win_length;
    f.hop = hop;
    f.mode = framing_mode::centered;
    f.pad = pad;
    f.center_pad = n_fft / 2;
    f.center_span = n_fft;
    f.offset = static_cast<std::ptrdiff_t>((n_fft - win_length) / 2) - static_cast<std::ptrdiff_t>(n_fft / 2);
    return f;
}

/// Frames centred on the hop grid: frame t's `length` samples start at t*hop - floor(length/2)
/// (zeros outside the signal), and there is one frame per t whose centre sample t*hop lies inside
/// the signal: count = 1 + (N - 1) / hop, 0 for an empty signal. Unlike centered_layout (librosa),
/// the offset does not depend on an FFT size and no frame is centred past the last sample.
inline frame_layout hop_centred_layout(std::size_t length, std::size_t hop) {
    frame_layout f;
    f.length = length;
    f.hop = hop;
    f.mode = framing_mode::centered;
    f.pad = pad_mode::constant;
    f.center_pad = length / 2;
    f.center_span = 2 * (length / 2) + 1;  // the padding on both sides plus the centre sample itself
    f.offset = -static_cast<std::ptrdiff_t>(length / 2);
    return f;
}

/// Kaldi's snip-edges layout: complete frames only.
inline frame_layout snip_edges_layout(std::size_t length, std::size_t hop) {
    frame_layout f;
    f.length = length;
    f.hop = hop;
    f.mode = framing_mode::snip_edges;
    return f;
}

/// python_speech_features' layout: the last frame is completed with zeros.
inline frame_layout zero_tail_layout(std::size_t length, std::size_t hop) {
    frame_layout f = snip_edges_layout(length, hop);
    f.mode = framing_mode::zero_tail;
    return f;
}

/// Frames of a signal as a (frames, length) tensor (no window applied).
template <class T>
tensor<T, 2> frame_signal(const tensor<T, 1>& x, const frame_layout& layout) {
    layout.validate("framing");
    const std::size_t n = x.size(), nf = layout.count(n);
    tensor<T, 2> out = tensor<T, 2>::from_shape({nf, layout.length});
    for (std::size_t t = 0; t < nf; ++t) impl::copy_frame(x.data(), n, layout, t, out.data() + t * layout.length);
    return out;
}

/// Whole-signal pre-emphasis (python_speech_features): y[0] = x[0], y[n] = x[n] - c x[n-1].
template <class T>
tensor<T, 1> preemphasis(const tensor<T, 1>& x, double coeff) {
    tensor<T, 1> y = tensor<T, 1>::from_shape({x.size()});
    if (x.size() == 0) return y;
    y(0) = x(0);
    const T c = static_cast<T>(coeff);
    for (std::size_t i = 1; i < x.size(); ++i) y(i) = x(i) - c * x(i - 1);
    return y;
}

/// Per-frame pre-emphasis (Kaldi), in place: f[i] -= c f[i-1] for i >= 1, f[0] -= c f[0].
template <class T>
void preemphasize_frame(T* f, std::size_t n, T coeff) {
    if (n == 0) return;
    for (std::size_t i = n - 1; i > 0; --i) f[i] -= coeff * f[i - 1];
    f[0] -= coeff * f[0];
}

namespace impl {
/// True when no value is NaN or infinite: an exponent-bits test that vectorises (a plain
/// std::isfinite loop with an early exit costs as much as the FFTs of a psf MFCC).
template <class T>
bool all_finite(const T* x, std::size_t n) {
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
        using U = std::conditional_t<std::is_same_v<T, float>, std::uint32_t, std::uint64_t>;
        constexpr U mask = std::is_same_v<T, float> ? U(0x7f800000u) : U(0x7ff0000000000000ull);
        U bad = 0;
        for (std::size_t i = 0; i < n; ++i) {
            U u;
            std::memcpy(&u, x + i, sizeof(U));
            bad |= static_cast<U>((u & mask) == mask);
        }
        return bad == 0;
    } else {
        return first_non_finite(x, n) == n;
    }
}
}  // namespace impl

/// Checks a signal at a public boundary: non-empty and finite.
template <class T>
void require_signal(const T* x, std::size_t n, const char* where) {
    SYNCDSP_REQUIRE(n > 0, where, "the signal is empty (0 samples)");
    if (!impl::all_finite(x, n)) require_finite(x, n, where, "the signal");
}

}  // namespace syncdsp::audio
