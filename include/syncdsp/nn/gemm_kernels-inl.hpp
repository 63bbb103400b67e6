// syncdsp/nn/gemm_kernels-inl.hpp - the body of the packed GEMM, compiled once per CPU target.
//
// No #pragma once on purpose: Highway's foreach_target.h includes this file again for every
// target in HWY_TARGETS (SSSE3, SSE4, AVX2, AVX-512, scalar on x86), each time inside a namespace
// N_<TARGET> compiled with that target's instruction set; syncdsp/nn/gemm.hpp then picks one at
// run time. The toggle guard below is Highway's idiom for such files. Include gemm.hpp, not this.
//
// The algorithm is the classic blocked one (Goto & van de Geijn, "Anatomy of high-performance
// matrix multiplication", 2008): B is packed into KC x NR panels and A into MR x KC panels sized for
// the caches, and a register-blocked micro-kernel keeps an MR x NR tile of C in vector registers,
// doing one broadcast and NR/lanes FMAs per row and k. Bias and activation are applied when the
// tile is stored after the last K block, so C is written once per K block and never re-read for the
// epilogue.

#include <algorithm>
#include <cstddef>
#include <vector>

#include "syncdsp/nn/gemm_args.hpp"

#if defined(SYNCDSP_NN_GEMM_KERNELS_INL_HPP_) == defined(HWY_TARGET_TOGGLE)
#ifdef SYNCDSP_NN_GEMM_KERNELS_INL_HPP_
#undef SYNCDSP_NN_GEMM_KERNELS_INL_HPP_
#else
#define SYNCDSP_NN_GEMM_KERNELS_INL_HPP_
#endif

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace syncdsp::nn::gemm_impl {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Register tile: kRows rows of C by kVecs vectors. 12 x 2 uses 24 of AVX-512's 32 registers for
// accumulators (plus 2 for B and 1 broadcast); 6 x 2 fits the 16 registers of AVX2/SSE.
#if HWY_HAVE_SCALABLE
constexpr std::size_t kRows = 1, kVecs = 1;  // sizeless vectors cannot be held in arrays
#elif HWY_MAX_BYTES >= 64
constexpr std::size_t kRows = 12, kVecs = 2;
#elif HWY_TARGET == HWY_SCALAR
constexpr std::size_t kRows = 4, kVecs = 4;
#else
constexpr std::size_t kRows = 6, kVecs = 2;
#endif
// Cache blocks: an A block (kMc x kKc, 144 KiB) stays in L2, a B micro-panel (kKc x NR, <= 32 KiB)
// in L1, the B block (kKc x NC) in L2/L3.
constexpr std::size_t kKc = 256, kMc = 144, kNcPanels = 24;

using D = hn::ScalableTag<float>;

// C tile epilogue: add the partial sum already in C (later K blocks), then bias and activation
// (last K block). `n` lanes valid at column j0 of row i.
template <class V>
HWY_INLINE V finish_vector(D d, V x, const gemm_args& g, std::size_t i, std::size_t j, bool accumulate,
                           bool last, float* c_row) {
    if (accumulate) x = hn::Add(x, hn::LoadU(d, c_row + j));
    if (last) {
        if (g.row_bias) x = hn::Add(x, hn::Set(d, g.row_bias[i]));
        if (g.col_bias) x = hn::Add(x, hn::LoadU(d, g.col_bias + j));
        if (g.act == activation::relu) {
            x = hn::Max(x, hn::Zero(d));
        } else if (g.act == activation::leaky_relu) {
            x = hn::IfThenElse(hn::Gt(x, hn::Zero(d)), x, hn::Mul(x, hn::Set(d, g.negative_slope)));
        }
    }
    return x;
}

inline float finish_scalar(float x, const gemm_args& g, std::size_t i, std::size_t j, bool accumulate, bool last,
                           const float* c) {
    if (accumulate) x += *c;
    if (last) {
        if (g.row_bias) x += g.row_bias[i];
        if (g.col_bias) x += g.col_bias[j];
        x = apply_activation(g.act, x, g.negative_slope);
    }
    return x;
}

/// One kRows x NR tile: C[i0.., j0..] (m x n valid) from packed panels ap (kc x kRows) and bp (kc x NR).
inline void micro_tile(std::size_t kc, const float* HWY_RESTRICT ap, const float* HWY_RESTRICT bp,
                       const gemm_args& g, std::size_t i0, std::size_t j0, std::size_t m, std::size_t n,
                       bool accumulate, bool last) {
    const D d;
    const std::size_t L = hn::Lanes(d);
#if HWY_HAVE_SCALABLE
    // Scalable vectors: a plain loop (correct everywhere; not tuned, no such CPU to tune on here).
    for (std::size_t r = 0; r < m; ++r)
        for (std::size_t v = 0; v < n; ++v) {
            float s = 0.f;
            for (std::size_t k = 0; k < kc; ++k) s += ap[k * kRows + r] * bp[k * L * kVecs + v];
            float* c = g.c + (i0 + r) * g.ldc + j0 + v;
            *c = finish_scalar(s, g, i0 + r, j0 + v, accumulate, last, c);
        }
#else
    using V = hn::Vec<D>;
    V acc[kRows][kVecs];
    for (std::size_t r = 0; r < kRows; ++r)
        for (std::size_t v = 0; v < kVecs; ++v) acc[r][v] = hn::Zero(d);
    for (std::size_t k = 0; k < kc; ++k) {
        V b[kVecs];
        for (std::size_t v = 0; v < kVecs; ++v) b[v] = hn::LoadU(d, bp + v * L);
        for (std::size_t r = 0; r < kRows; ++r) {
            const V a = hn::Set(d, ap[r]);
            for (std::size_t v = 0; v < kVecs; ++v) acc[r][v] = hn::MulAdd(a, b[v], acc[r][v]);
        }
        ap += kRows;
        bp += kVecs * L;
    }
    if (m == kRows && n == kVecs * L) {  // full tile: vector epilogue straight into C
        for (std::size_t r = 0; r < kRows; ++r) {
            float* c_row = g.c + (i0 + r) * g.ldc;
            for (std::size_t v = 0; v < kVecs; ++v) {
                const std::size_t j = j0 + v * L;
                hn::StoreU(finish_vector(d, acc[r][v], g, i0 + r, j, accumulate, last, c_row), d, c_row + j);
            }
        }
        return;
    }
    // Edge tile: spill to a buffer, then finish the valid rows: whole vectors with SIMD, the last
    // partial vector of columns (if any) one value at a time.
    HWY_ALIGN float tile[kRows * kVecs * HWY_MAX_BYTES / sizeof(float)];
    for (std::size_t r = 0; r < kRows; ++r)
        for (std::size_t v = 0; v < kVecs; ++v) hn::Store(acc[r][v], d, tile + (r * kVecs + v) * L);
    for (std::size_t r = 0; r < m; ++r) {
        float* c_row = g.c + (i0 + r) * g.ldc;
        for (std::size_t v = 0; v < kVecs && v * L < n; ++v) {
            const std::size_t j = j0 + v * L, valid = std::min(L, n - v * L);
            const V x = hn::Load(d, tile + (r * kVecs + v) * L);
            if (valid == L) {
                hn::StoreU(finish_vector(d, x, g, i0 + r, j, accumulate, last, c_row), d, c_row + j);
                continue;
            }
            for (std::size_t t = 0; t < valid; ++t)
                c_row[j + t] = finish_scalar(tile[(r * kVecs + v) * L + t], g, i0 + r, j + t, accumulate, last,
                                             c_row + j + t);
        }
    }
#endif
}

/// Packs A[i0 .. i0+mc, k0 .. k0+kc] as consecutive kc x kRows panels (k-major), zero rows past M.
inline void pack_a(const gemm_args& g, std::size_t i0, std::size_t mc, std::size_t k0, std::size_t kc, float* out) {
    for (std::size_t ir = 0; ir < mc; ir += kRows) {
        const std::size_t m = std::min(kRows, mc - ir);
        const float* a = g.a + (i0 + ir) * g.lda + k0;
        for (std::size_t k = 0; k < kc; ++k, out += kRows) {
            std::size_t r = 0;
            for (; r < m; ++r) out[r] = a[r * g.lda + k];
            for (; r < kRows; ++r) out[r] = 0.f;
        }
    }
}

/// Packs B[k0 .. k0+kc, j0 .. j0+nc] as consecutive kc x nr panels (k-major), zero columns past N.
inline void pack_b(const gemm_args& g, std::size_t k0, std::size_t kc, std::size_t j0, std::size_t nc,
                   std::size_t nr, float* out) {
    for (std::size_t jr = 0; jr < nc; jr += nr) {
        const std::size_t n = std::min(nr, nc - jr);
        if (!g.b_transposed && n == nr && nr % hn::Lanes(D()) == 0) {
            // Whole panel rows with vector copies (a memcpy of 64-128 bytes compiles to `rep movs`,
            // whose start-up cost dominated this loop).
            const D d;
            const std::size_t L = hn::Lanes(d);
            const float* b = g.b + k0 * g.ldb + j0 + jr;
            for (std::size_t k = 0; k < kc; ++k, out += nr)
                for (std::size_t v = 0; v < nr; v += L) hn::StoreU(hn::LoadU(d, b + k * g.ldb + v), d, out + v);
        } else if (!g.b_transposed) {
            const float* b = g.b + k0 * g.ldb + j0 + jr;
            for (std::size_t k = 0; k < kc; ++k, out += nr) {
                std::size_t j = 0;
                for (; j < n; ++j) out[j] = b[k * g.ldb + j];
                for (; j < nr; ++j) out[j] = 0.f;
            }
        } else {
            const float* b = g.b + (j0 + jr) * g.ldb + k0;
            for (std::size_t k = 0; k < kc; ++k, out += nr) {
                std::size_t j = 0;
                for (; j < n; ++j) out[j] = b[j * g.ldb + k];
                for (; j < nr; ++j) out[j] = 0.f;
            }
        }
    }
}

inline std::size_t round_up_rows(std::size_t M) { return (M + kRows - 1) / kRows * kRows; }

/// Floats of the packed A: M rounded up to the register tile, by K.
inline std::size_t packed_a_size(std::size_t M, std::size_t K) { return round_up_rows(M) * K; }

/// All of A packed in the order gemm_run reads it: K block k0 starts at k0 * round_up(M), and in it
/// the row panel at row i (a multiple of kRows) starts at i * kc.
inline void pack_a_all(const gemm_args& g, float* out) {
    const std::size_t mp = round_up_rows(g.M);
    for (std::size_t k0 = 0; k0 < g.K; k0 += kKc) pack_a(g, 0, g.M, k0, std::min(kKc, g.K - k0), out + k0 * mp);
}

/// C = act(A . B + bias) for this target, A packed by pack_a_all or (a_packed null) packed here
/// block by block. Expects M, N, K >= 1 (gemm.hpp handles the empty cases).
inline void gemm_run(const gemm_args& g, const float* a_packed) {
    const D d;
    const std::size_t nr = kVecs * hn::Lanes(d);
    const std::size_t nc_max = kNcPanels * nr;
    const std::size_t mp = round_up_rows(g.M);
    // Per-thread packing buffers, reused across calls (the hot path does not allocate).
    thread_local std::vector<float> a_pack, b_pack;
    const std::size_t b_need = nc_max * kKc;
    if (b_pack.size() < b_need) b_pack.resize(b_need);
    if (!a_packed && a_pack.size() < kMc * kKc) a_pack.resize(kMc * kKc);
    for (std::size_t j0 = 0; j0 < g.N; j0 += nc_max) {
        const std::size_t nc = std::min(nc_max, g.N - j0);
        for (std::size_t k0 = 0; k0 < g.K; k0 += kKc) {
            const std::size_t kc = std::min(kKc, g.K - k0);
            const bool accumulate = k0 > 0, last = k0 + kc == g.K;
            pack_b(g, k0, kc, j0, nc, nr, b_pack.data());
            for (std::size_t i0 = 0; i0 < g.M; i0 += kMc) {
                const std::size_t mc = std::min(kMc, g.M - i0);
                const float* ap = a_packed ? a_packed + k0 * mp + i0 * kc : a_pack.data();
                if (!a_packed) pack_a(g, i0, mc, k0, kc, a_pack.data());
                for (std::size_t jr = 0; jr < nc; jr += nr) {
                    const float* bp = b_pack.data() + jr * kc;
                    for (std::size_t ir = 0; ir < mc; ir += kRows)
                        micro_tile(kc, ap + ir * kc, bp, g, i0 + ir, j0 + jr, std::min(kRows, mc - ir),
                                   std::min(nr, nc - jr), accumulate, last);
                }
            }
        }
    }
}

/// This target's entry points, for the dispatch table in gemm.hpp.
inline const kernel_set* kernels() {
    static const kernel_set set{hwy::TargetName(HWY_TARGET), &packed_a_size, &pack_a_all, &gemm_run};
    return &set;
}

}  // namespace HWY_NAMESPACE
}  // namespace syncdsp::nn::gemm_impl
HWY_AFTER_NAMESPACE();

#endif  // toggle guard
