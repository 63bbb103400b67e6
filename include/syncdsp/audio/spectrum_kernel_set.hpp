// syncdsp/audio/spectrum_kernel_set.hpp - the entry points of one CPU target's STFT/MFCC kernels
// (spectrum_kernels.hpp compiles them per instruction set and chooses one at run time).
#pragma once

#include <cstddef>
#include <cstdint>

namespace syncdsp::audio::impl {

struct spectrum_kernel_set {
    const char* target;  ///< the instruction set: "AVX-512", "AVX2" or "baseline"
    /// Power spectra of two real frames from their packed complex FFT (see pair_power; `rev` is
    /// scratch for 2 nb floats).
    void (*pair_power)(const float* z, std::size_t nfft, std::size_t nb, float sc, float* out_a, float* out_b, float* rev);
    /// x := mul * ln(floored x), in place (see log_floor).
    void (*log_floor)(float* x, std::size_t n, float floor, bool zero_only, float mul);
    /// out[0..n_out) = in[0..n_in) . mat (n_in rows of `stride` floats, stride a multiple of 16).
    void (*row_times_matrix)(const float* in, std::size_t n_in, const float* mat, std::size_t stride, std::size_t n_out,
                             float* out);
    /// out[i] = (x[i] - c x[i-1]) scale for i in [0, n) from 16-bit samples (x[-1] must exist).
    void (*preemphasize_pcm16)(const std::int16_t* x, std::size_t n, float c, float scale, float* out);
    /// Interleaves a, b into z (n complex values) and returns their sums of squares.
    void (*pack_pair)(const float* a, const float* b, std::size_t n, float* z, float* power_a, float* power_b);
    /// out[m] = sum_j w[off[m] + j] spec[first[m] + j], j < len[m] (len a multiple of 16, weights
    /// zero-padded, spec readable and finite that far).
    void (*filterbank)(const float* spec, std::size_t n_filters, const std::size_t* first, const std::size_t* off,
                       const std::size_t* len, const float* w, float* out);
};

/// Zero floats after a spectrum's bins that the filterbank kernel may read.
inline constexpr std::size_t spectrum_padding = 16;

}  // namespace syncdsp::audio::impl
