// syncdsp/audio/spectrum_kernels-inl.hpp - the per-frame float kernels of the STFT / mel / MFCC path
// that the compiler cannot vectorise well at the SSE2 baseline, compiled once per CPU target.
//
// No #pragma once on purpose: Highway's foreach_target.h includes this file again for every target
// (SSSE3, SSE4, AVX2, AVX-512, scalar on x86), each inside a namespace N_<TARGET> compiled for that
// instruction set; syncdsp/audio/spectrum_kernels.hpp picks one at run time, as syncdsp/nn/gemm.hpp
// does (docs/architecture.md, "Run-time SIMD dispatch"). Include spectrum_kernels.hpp, not this.
//
// Every kernel gives each element a result that depends only on that element's inputs and the
// chosen target, never on its position in the array (tails go through the same vector code on a
// padded copy), so a frame's values are the same whether it is computed alone (streaming) or in a
// block (one-shot).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "syncdsp/audio/spectrum_kernel_set.hpp"

#if defined(SYNCDSP_AUDIO_SPECTRUM_KERNELS_INL_HPP_) == defined(HWY_TARGET_TOGGLE)
#ifdef SYNCDSP_AUDIO_SPECTRUM_KERNELS_INL_HPP_
#undef SYNCDSP_AUDIO_SPECTRUM_KERNELS_INL_HPP_
#else
#define SYNCDSP_AUDIO_SPECTRUM_KERNELS_INL_HPP_
#endif

#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace syncdsp::audio::impl {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

/// Power spectra of the two real frames a, b packed as z = a + i b into one complex FFT Z of size
/// nfft (interleaved re, im): out_a[k] = |Z_k + conj Z_{n-k}|^2 sc, out_b[k] = |Z_k - conj Z_{n-k}|^2 sc
/// for k < nb = nfft/2 + 1 (sc includes the 1/4). Returns nothing; energies are summed by the caller.
inline void pair_power(const float* z, std::size_t nfft, std::size_t nb, float sc, float* out_a, float* out_b) {
    auto bin = [&](std::size_t k, std::size_t m) {
        const float zr = z[2 * k], zi = z[2 * k + 1], wr = z[2 * m], wi = z[2 * m + 1];
        out_a[k] = ((zr + wr) * (zr + wr) + (zi - wi) * (zi - wi)) * sc;
        out_b[k] = ((zr - wr) * (zr - wr) + (zi + wi) * (zi + wi)) * sc;
    };
    bin(0, 0);
    std::size_t k = 1;
#if HWY_TARGET != HWY_SCALAR
    const hn::ScalableTag<float> d;
    const std::size_t N = hn::Lanes(d);
    const auto vsc = hn::Set(d, sc);
    // Lanes k..k+N-1 pair with m = nfft-k .. nfft-k-N+1: load that run forwards and reverse it.
    for (; k + N <= nb; k += N) {
        decltype(hn::Zero(d)) zr, zi, wr, wi;
        hn::LoadInterleaved2(d, z + 2 * k, zr, zi);
        hn::LoadInterleaved2(d, z + 2 * (nfft - k - N + 1), wr, wi);
        wr = hn::Reverse(d, wr);
        wi = hn::Reverse(d, wi);
        const auto sr = hn::Add(zr, wr), si = hn::Sub(zi, wi), dr = hn::Sub(zr, wr), di = hn::Add(zi, wi);
        hn::StoreU(hn::Mul(hn::MulAdd(sr, sr, hn::Mul(si, si)), vsc), d, out_a + k);
        hn::StoreU(hn::Mul(hn::MulAdd(dr, dr, hn::Mul(di, di)), vsc), d, out_b + k);
    }
#endif
    for (; k < nb; ++k) bin(k, nfft - k);
}

/// x[i] := mul * ln(floored x[i]) in place: floor rule "clamp" (x < floor -> floor) or "zeros only"
/// (x == 0 -> floor). NaN and +inf pass through unchanged (the caller's finiteness check sees them).
inline void log_floor(float* x, std::size_t n, float floor, bool zero_only, float mul) {
    const hn::ScalableTag<float> d;
    const std::size_t N = hn::Lanes(d);
    const auto vfloor = hn::Set(d, floor), vmul = hn::Set(d, mul), vinf = hn::Set(d, HUGE_VALF);
    const auto zero = hn::Zero(d);
    auto one = [&](decltype(hn::Zero(d)) v) {
        v = zero_only ? hn::IfThenElse(hn::Eq(v, zero), vfloor, v) : hn::IfThenElse(hn::Lt(v, vfloor), vfloor, v);
        const auto finite = hn::Lt(v, vinf);  // false for NaN and +inf
        const auto safe = hn::IfThenElse(finite, v, vfloor);  // Log is only defined on (0, FLT_MAX]
        return hn::IfThenElse(finite, hn::Mul(hn::Log(d, safe), vmul), v);
    };
    std::size_t i = 0;
    for (; i + N <= n; i += N) hn::StoreU(one(hn::LoadU(d, x + i)), d, x + i);
    if (i < n) {
        HWY_ALIGN float tail[HWY_MAX_BYTES / sizeof(float)] = {};
        std::memcpy(tail, x + i, (n - i) * sizeof(float));
        for (std::size_t j = n - i; j < N; ++j) tail[j] = 1.0f;
        hn::Store(one(hn::Load(d, tail)), d, tail);
        std::memcpy(x + i, tail, (n - i) * sizeof(float));
    }
}

/// out = in . mat: for each group of lanes of the output, sum over the input in order (one FMA per
/// input value), so a row's result does not depend on which other rows are computed.
inline void row_times_matrix(const float* in, std::size_t n_in, const float* mat, std::size_t stride, std::size_t n_out,
                             float* out) {
    const hn::ScalableTag<float> d;
    const std::size_t N = hn::Lanes(d);
    for (std::size_t j = 0; j < n_out; j += N) {
        auto acc = hn::Zero(d);
        for (std::size_t i = 0; i < n_in; ++i) acc = hn::MulAdd(hn::Set(d, in[i]), hn::LoadU(d, mat + i * stride + j), acc);
        if (j + N <= n_out) {
            hn::StoreU(acc, d, out + j);
        } else {
            HWY_ALIGN float tail[HWY_MAX_BYTES / sizeof(float)];
            hn::Store(acc, d, tail);
            std::memcpy(out + j, tail, (n_out - j) * sizeof(float));
        }
    }
}

/// out[i] = (x[i] - c x[i-1]) * scale, exactly as the scalar expression rounds it (no FMA).
inline void preemphasize_pcm16(const std::int16_t* x, std::size_t n, float c, float scale, float* out) {
    std::size_t i = 0;
#if HWY_TARGET != HWY_SCALAR
    const hn::ScalableTag<float> d;
    const hn::Rebind<std::int32_t, decltype(d)> di;
    const hn::Rebind<std::int16_t, decltype(d)> d16;
    const std::size_t N = hn::Lanes(d);
    const auto vc = hn::Set(d, c), vs = hn::Set(d, scale);
    for (; i + N <= n; i += N) {
        const auto cur = hn::ConvertTo(d, hn::PromoteTo(di, hn::LoadU(d16, x + i)));
        const auto prev = hn::ConvertTo(d, hn::PromoteTo(di, hn::LoadU(d16, x + i - 1)));
        hn::StoreU(hn::Mul(hn::Sub(cur, hn::Mul(vc, prev)), vs), d, out + i);
    }
#endif
    for (; i < n; ++i) out[i] = (static_cast<float>(x[i]) - c * static_cast<float>(x[i - 1])) * scale;
}

/// z[2i] = a[i], z[2i+1] = b[i]; *power_a = sum a^2, *power_b = sum b^2 (lane-wise partial sums).
inline void pack_pair(const float* a, const float* b, std::size_t n, float* z, float* power_a, float* power_b) {
    std::size_t i = 0;
    float pa = 0, pb = 0;
#if HWY_TARGET != HWY_SCALAR
    const hn::ScalableTag<float> d;
    const std::size_t N = hn::Lanes(d);
    auto sa = hn::Zero(d), sb = hn::Zero(d);
    for (; i + N <= n; i += N) {
        const auto va = hn::LoadU(d, a + i), vb = hn::LoadU(d, b + i);
        hn::StoreInterleaved2(va, vb, d, z + 2 * i);
        sa = hn::MulAdd(va, va, sa);
        sb = hn::MulAdd(vb, vb, sb);
    }
    pa = hn::GetLane(hn::SumOfLanes(d, sa));
    pb = hn::GetLane(hn::SumOfLanes(d, sb));
#endif
    for (; i < n; ++i) {
        z[2 * i] = a[i];
        z[2 * i + 1] = b[i];
        pa += a[i] * a[i];
        pb += b[i] * b[i];
    }
    *power_a = pa;
    *power_b = pb;
}

/// Sparse filterbank: one vector dot product per filter over its zero-padded weights.
inline void filterbank(const float* spec, std::size_t n_filters, const std::size_t* first, const std::size_t* off,
                       const std::size_t* len, const float* w, float* out) {
    const hn::ScalableTag<float> d;
    const std::size_t N = hn::Lanes(d);
    for (std::size_t m = 0; m < n_filters; ++m) {
        const float* s = spec + first[m];
        const float* wm = w + off[m];
        auto acc = hn::Zero(d);
        for (std::size_t j = 0; j < len[m]; j += N) acc = hn::MulAdd(hn::LoadU(d, wm + j), hn::LoadU(d, s + j), acc);
        out[m] = hn::GetLane(hn::SumOfLanes(d, acc));
    }
}

/// This target's entry points, for the dispatch table in spectrum_kernels.hpp.
inline const spectrum_kernel_set* spectrum_kernels() {
    static const spectrum_kernel_set set{hwy::TargetName(HWY_TARGET), &pair_power, &log_floor, &row_times_matrix,
                                         &preemphasize_pcm16, &pack_pair, &filterbank};
    return &set;
}

}  // namespace HWY_NAMESPACE
}  // namespace syncdsp::audio::impl
HWY_AFTER_NAMESPACE();

#endif  // toggle guard
