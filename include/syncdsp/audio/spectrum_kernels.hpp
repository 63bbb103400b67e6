// syncdsp/audio/spectrum_kernels.hpp - the per-frame float kernels of the STFT / mel / MFCC path,
// compiled for several x86 instruction sets and chosen at run time (AVX-512, AVX2, SSE2 baseline),
// so a default (portable) build runs them as fast as a -march=native one.
//
// Why not Highway's foreach_target, as syncdsp/nn/gemm.hpp does: hwy/foreach_target.h has an
// include guard, so it runs once per translation unit, and only the HWY_TARGET_INCLUDE file named
// the first time is compiled for every target. A unit that includes both nn/gemm.hpp and these
// kernels (any pipeline or app unit) would get one of the two kernel sets for the static target
// only (the build fails). Here each kernel body is a plain loop, force-inlined into one wrapper per
// instruction set marked with __attribute__((target(...))) (which adds that set to the build's own
// flags), and the compiler's vectoriser does the rest; __builtin_cpu_supports picks the wrappers
// once. No FMA contraction (fp-contract=off): a wrapper rounds exactly as the scalar expression it
// replaces; no trapping-math (FP exception flags are not observed here), so selects vectorise.
//
// Every kernel gives each element a result that depends only on that element's inputs and the
// chosen instruction set, never on its position (the log works in fixed blocks of 16, the tail on
// a padded copy), so a frame's values are the same whether it is computed alone (streaming) or in
// a block (one-shot).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "syncdsp/audio/spectrum_kernel_set.hpp"

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define SYNCDSP_AUDIO_MULTI_ISA 1
#if defined(__clang__)
#define SYNCDSP_AUDIO_FORCE_INLINE inline __attribute__((always_inline))
#define SYNCDSP_AUDIO_ISA(isa) __attribute__((target(isa)))
#define SYNCDSP_AUDIO_BASELINE
#else
// The bodies carry the wrappers' flags too: GCC lowers a select of the (inlined) body to a branch
// under its own trapping-math setting, which stops the vectoriser.
#define SYNCDSP_AUDIO_FORCE_INLINE inline __attribute__((always_inline, optimize("fp-contract=off", "no-trapping-math")))
#define SYNCDSP_AUDIO_ISA(isa) __attribute__((target(isa), optimize("fp-contract=off", "no-trapping-math")))
#define SYNCDSP_AUDIO_BASELINE __attribute__((optimize("fp-contract=off", "no-trapping-math")))
#endif
#else
#define SYNCDSP_AUDIO_MULTI_ISA 0
#define SYNCDSP_AUDIO_FORCE_INLINE inline
#endif

namespace syncdsp::audio::impl {

namespace kernel_body {

SYNCDSP_AUDIO_FORCE_INLINE float bits_to_float(std::uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
SYNCDSP_AUDIO_FORCE_INLINE std::uint32_t float_to_bits(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

/// 16 floats as one value (GCC/Clang vector extension): one AVX-512 register, two AVX2 or four
/// SSE2 ones; accumulators of this type stay in registers, which the vectoriser does not manage
/// for an array of partial sums.
typedef float float16v __attribute__((vector_size(64)));

// Vectors go by reference, never by value: a 64-byte vector argument or return value would have a
// different ABI in the baseline and AVX-512 wrappers (-Wpsabi).
SYNCDSP_AUDIO_FORCE_INLINE void load16(float16v& v, const float* p) { std::memcpy(&v, p, sizeof v); }

/// Sum of the 16 lanes as a fixed tree (the same order everywhere).
SYNCDSP_AUDIO_FORCE_INLINE float tree_sum16(const float16v& v) {
    float a[16];
    std::memcpy(a, &v, sizeof a);
    for (int l = 0; l < 8; ++l) a[l] += a[l + 8];
    for (int l = 0; l < 4; ++l) a[l] += a[l + 4];
    return (a[0] + a[2]) + (a[1] + a[3]);
}

/// ln(x) for finite x > 0 (subnormals included), branch-free so that it vectorises: the classic
/// fdlibm/musl single-precision reduction x = 2^k (1 + f), (1 + f) in [sqrt(2)/2, sqrt(2)),
/// s = f / (2 + f), ln(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)) with a degree-4 minimax R; error
/// below 1 ulp.
SYNCDSP_AUDIO_FORCE_INLINE float ln_positive(float x) {
    const bool sub = x < 1.17549435e-38f;
    const float xs = sub ? x * 33554432.0f : x;  // 2^25
    std::uint32_t ix = float_to_bits(xs) + (0x3f800000u - 0x3f3504f3u);
    const int k = static_cast<int>(ix >> 23) - 0x7f - (sub ? 25 : 0);
    ix = (ix & 0x007fffffu) + 0x3f3504f3u;
    const float f = bits_to_float(ix) - 1.0f;
    const float s = f / (2.0f + f);
    const float z = s * s, w = z * z;
    const float t1 = w * (0.40000972152f + w * 0.24279078841f);
    const float t2 = z * (0.66666662693f + w * 0.28498786688f);
    const float R = t2 + t1, hfsq = 0.5f * f * f, dk = static_cast<float>(k);
    return s * (hfsq + R) + dk * 9.0580006145e-06f - hfsq + f + dk * 0.69313812256f;
}

/// 16 values of mul * ln(floored x); NaN and +inf pass through, negative values give NaN.
template <bool ZeroOnly>
SYNCDSP_AUDIO_FORCE_INLINE void log16(float* x, float floor, float mul) {
    for (int j = 0; j < 16; ++j) {
        float v = x[j];
        v = ZeroOnly ? (v == 0.0f ? floor : v) : (v < floor ? floor : v);
        const bool finite_pos = (v > 0.0f) & (v < HUGE_VALF);  // & not &&: no branch, so it vectorises
        const float l = ln_positive(finite_pos ? v : 1.0f) * mul;
        x[j] = finite_pos ? l : (v < 0.0f ? bits_to_float(0x7fc00000u) : v);  // quiet NaN
    }
}

template <bool ZeroOnly>
SYNCDSP_AUDIO_FORCE_INLINE void log_floor(float* x, std::size_t n, float floor, float mul) {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) log16<ZeroOnly>(x + i, floor, mul);
    if (i < n) {
        float tail[16];
        for (std::size_t j = 0; j < 16; ++j) tail[j] = i + j < n ? x[i + j] : 1.0f;
        log16<ZeroOnly>(tail, floor, mul);
        for (std::size_t j = 0; i + j < n; ++j) x[i + j] = tail[j];
    }
}

SYNCDSP_AUDIO_FORCE_INLINE void log_floor_any(float* x, std::size_t n, float floor, bool zero_only, float mul) {
    if (zero_only)
        log_floor<true>(x, n, floor, mul);
    else
        log_floor<false>(x, n, floor, mul);
}

/// Power spectra of two real frames a, b from Z = FFT(a + i b) (nfft complex values, interleaved):
/// out_a[k] = |Z_k + conj Z_{n-k}|^2 sc, out_b[k] = |Z_k - conj Z_{n-k}|^2 sc, k < nb (sc includes
/// the 1/4). `rev` (2 nb floats of scratch) receives Z_{n-k} in forward order first, so that both
/// loops are unit-stride and vectorise.
SYNCDSP_AUDIO_FORCE_INLINE void pair_power(const float* z, std::size_t nfft, std::size_t nb, float sc, float* out_a,
                                           float* out_b, float* rev) {
    rev[0] = z[0];
    rev[1] = z[1];
    for (std::size_t k = 1; k < nb; ++k) {
        std::uint64_t u;
        std::memcpy(&u, z + 2 * (nfft - k), 8);
        std::memcpy(rev + 2 * k, &u, 8);
    }
    for (std::size_t k = 0; k < nb; ++k) {
        const float zr = z[2 * k], zi = z[2 * k + 1], wr = rev[2 * k], wi = rev[2 * k + 1];
        out_a[k] = ((zr + wr) * (zr + wr) + (zi - wi) * (zi - wi)) * sc;
        out_b[k] = ((zr - wr) * (zr - wr) + (zi + wi) * (zi + wi)) * sc;
    }
}

/// out = in . mat (n_in rows of `stride` floats); each output summed over the input in order.
SYNCDSP_AUDIO_FORCE_INLINE void row_times_matrix(const float* in, std::size_t n_in, const float* mat, std::size_t stride,
                                                 std::size_t n_out, float* out) {
    float acc[64];
    for (std::size_t j0 = 0; j0 < n_out; j0 += 64) {
        const std::size_t m = n_out - j0 < 64 ? n_out - j0 : 64;
        for (std::size_t j = 0; j < 64; ++j) acc[j] = 0.0f;
        for (std::size_t i = 0; i < n_in; ++i) {
            const float v = in[i];
            const float* row = mat + i * stride + j0;
            for (std::size_t j = 0; j < 16; ++j) acc[j] += v * row[j];  // the common case: n_mfcc <= 16
            if (m > 16)
                for (std::size_t j = 16; j < m; ++j) acc[j] += v * row[j];
        }
        for (std::size_t j = 0; j < m; ++j) out[j0 + j] = acc[j];
    }
}

/// out[i] = (x[i] - c x[i-1]) * scale from 16-bit samples (x[-1] must exist).
SYNCDSP_AUDIO_FORCE_INLINE void preemphasize_pcm16(const std::int16_t* x, std::size_t n, float c, float scale, float* out) {
    for (std::size_t i = 0; i < n; ++i) out[i] = (static_cast<float>(x[i]) - c * static_cast<float>(x[i - 1])) * scale;
}

/// z = interleaved (a, b); *power_a, *power_b = sums of squares (16 lanes, then a tree).
SYNCDSP_AUDIO_FORCE_INLINE void pack_pair(const float* a, const float* b, std::size_t n, float* z, float* power_a,
                                          float* power_b) {
    for (std::size_t i = 0; i < n; ++i) {
        z[2 * i] = a[i];
        z[2 * i + 1] = b[i];
    }
    float16v sa = {}, sb = {};
    std::size_t i = 0;
    float16v va, vb;
    for (; i + 16 <= n; i += 16) {
        load16(va, a + i);
        load16(vb, b + i);
        sa += va * va;
        sb += vb * vb;
    }
    if (i < n) {  // the tail, zero-padded
        float ta[16] = {}, tb[16] = {};
        for (std::size_t j = 0; i + j < n; ++j) {
            ta[j] = a[i + j];
            tb[j] = b[i + j];
        }
        load16(va, ta);
        load16(vb, tb);
        sa += va * va;
        sb += vb * vb;
    }
    *power_a = tree_sum16(sa);
    *power_b = tree_sum16(sb);
}

/// Sparse filterbank over zero-padded weights (len[m] a multiple of 16): 16 lanes per filter, then a tree.
SYNCDSP_AUDIO_FORCE_INLINE void filterbank(const float* spec, std::size_t n_filters, const std::size_t* first,
                                           const std::size_t* off, const std::size_t* len, const float* w, float* out) {
    for (std::size_t m = 0; m < n_filters; ++m) {
        const float* s = spec + first[m];
        const float* wm = w + off[m];
        float16v acc = {}, vw, vs;
        for (std::size_t j = 0; j < len[m]; j += 16) {
            load16(vw, wm + j);
            load16(vs, s + j);
            acc += vw * vs;
        }
        out[m] = tree_sum16(acc);
    }
}

}  // namespace kernel_body

// One set of entry points per instruction set: the same bodies, compiled for it.
#define SYNCDSP_AUDIO_KERNEL_SET(ns, name, attr)                                                                   \
    namespace ns {                                                                                                 \
    attr inline void pair_power(const float* z, std::size_t nfft, std::size_t nb, float sc, float* a, float* b,    \
                                float* rev) {                                                                      \
        kernel_body::pair_power(z, nfft, nb, sc, a, b, rev);                                                       \
    }                                                                                                              \
    attr inline void log_floor(float* x, std::size_t n, float floor, bool zero_only, float mul) {                 \
        kernel_body::log_floor_any(x, n, floor, zero_only, mul);                                                   \
    }                                                                                                              \
    attr inline void row_times_matrix(const float* in, std::size_t n_in, const float* mat, std::size_t stride,     \
                                      std::size_t n_out, float* out) {                                             \
        kernel_body::row_times_matrix(in, n_in, mat, stride, n_out, out);                                          \
    }                                                                                                              \
    attr inline void preemphasize_pcm16(const std::int16_t* x, std::size_t n, float c, float scale, float* out) {  \
        kernel_body::preemphasize_pcm16(x, n, c, scale, out);                                                      \
    }                                                                                                              \
    attr inline void pack_pair(const float* a, const float* b, std::size_t n, float* z, float* pa, float* pb) {    \
        kernel_body::pack_pair(a, b, n, z, pa, pb);                                                                \
    }                                                                                                              \
    attr inline void filterbank(const float* spec, std::size_t nf, const std::size_t* first, const std::size_t* off, \
                                const std::size_t* len, const float* w, float* out) {                             \
        kernel_body::filterbank(spec, nf, first, off, len, w, out);                                                \
    }                                                                                                              \
    inline const spectrum_kernel_set* kernels() {                                                                  \
        static const spectrum_kernel_set set{name,       &pair_power, &log_floor, &row_times_matrix,               \
                                             &preemphasize_pcm16, &pack_pair, &filterbank};                       \
        return &set;                                                                                               \
    }                                                                                                              \
    }

#if SYNCDSP_AUDIO_MULTI_ISA
SYNCDSP_AUDIO_KERNEL_SET(isa_avx512, "AVX-512", SYNCDSP_AUDIO_ISA("avx512f,avx512bw,avx512dq,avx512vl"))
SYNCDSP_AUDIO_KERNEL_SET(isa_avx2, "AVX2", SYNCDSP_AUDIO_ISA("avx2"))
// The build's own flags (SSE2 by default; whatever -march says otherwise).
SYNCDSP_AUDIO_KERNEL_SET(isa_baseline, "baseline", SYNCDSP_AUDIO_BASELINE)
#else
SYNCDSP_AUDIO_KERNEL_SET(isa_baseline, "baseline", )
#endif
#undef SYNCDSP_AUDIO_KERNEL_SET

/// Every kernel set this CPU can run, best first (the tests check each against scalar code).
inline std::vector<const spectrum_kernel_set*> supported_spectrum_kernels() {
    std::vector<const spectrum_kernel_set*> v;
#if SYNCDSP_AUDIO_MULTI_ISA
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl"))
        v.push_back(isa_avx512::kernels());
    if (__builtin_cpu_supports("avx2")) v.push_back(isa_avx2::kernels());
#endif
    v.push_back(isa_baseline::kernels());
    return v;
}

/// The kernels for this CPU, chosen once.
inline const spectrum_kernel_set* best_spectrum_kernels() {
    static const spectrum_kernel_set* const k = supported_spectrum_kernels().front();
    return k;
}

}  // namespace syncdsp::audio::impl
