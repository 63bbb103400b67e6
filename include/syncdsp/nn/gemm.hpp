// syncdsp/nn/gemm.hpp - single-precision GEMM with a fused bias + activation epilogue, dispatched at
// run time to the best instruction set of the CPU it runs on (AVX-512, AVX2+FMA, SSE4, SSSE3,
// scalar), so a default (portable, no -march) build runs as fast as a native one.
//
//   gemm(args): C (M x N) = act(A (M x K) . B (K x N) + row_bias + col_bias)   (see gemm_args.hpp)
//
// The kernels are written once with Google Highway and compiled for every target by
// hwy/foreach_target.h (gemm_kernels-inl.hpp). Why Highway, and why our own dispatch table instead of
// HWY_EXPORT: docs/architecture.md ("Run-time SIMD dispatch"). In short, HWY_EXPORT defines a
// `static` table, which an inline function of a header may not use without breaking the one
// definition rule; the table here is a function-local static of an inline function, which has one
// definition program-wide.
//
// Define SYNCDSP_NN_GEMM_EIGEN to use Eigen's GEMM instead (SIMD fixed at compile time by -m flags;
// kept for comparison and as a fallback).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/nn/activation.hpp"
#include "syncdsp/nn/gemm_args.hpp"

#ifdef SYNCDSP_NN_GEMM_EIGEN
#include <Eigen/Core>
#else
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "syncdsp/nn/gemm_kernels-inl.hpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include <hwy/targets.h>

#include "syncdsp/nn/gemm_kernels-inl.hpp"
#undef HWY_TARGET_INCLUDE  // leave no trace for the includer's own foreach_target use
#endif

namespace syncdsp::nn {

namespace gemm_impl {

inline void check(const gemm_args& g) {
    SYNCDSP_REQUIRE(g.M == 0 || g.N == 0 || g.c, "gemm", "C is null for a ", g.M, "x", g.N, " product");
    SYNCDSP_REQUIRE(g.ldc >= g.N, "gemm", "ldc (", g.ldc, ") < N (", g.N, ")");
    if (g.M == 0 || g.N == 0 || g.K == 0) return;
    SYNCDSP_REQUIRE(g.a && g.b, "gemm", "A or B is null for a ", g.M, "x", g.K, " by ", g.K, "x", g.N, " product");
    SYNCDSP_REQUIRE(g.lda >= g.K, "gemm", "lda (", g.lda, ") < K (", g.K, ")");
    SYNCDSP_REQUIRE(g.ldb >= (g.b_transposed ? g.K : g.N), "gemm", "ldb (", g.ldb, ") < ",
                    g.b_transposed ? "K (" : "N (", g.b_transposed ? g.K : g.N, ")");
}

/// K = 0: the product is zero, C is the epilogue of zero.
inline void epilogue_only(const gemm_args& g) {
    for (std::size_t i = 0; i < g.M; ++i)
        for (std::size_t j = 0; j < g.N; ++j) {
            const float v = (g.row_bias ? g.row_bias[i] : 0.f) + (g.col_bias ? g.col_bias[j] : 0.f);
            g.c[i * g.ldc + j] = apply_activation(g.act, v, g.negative_slope);
        }
}

#ifdef SYNCDSP_NN_GEMM_EIGEN
inline void eigen_gemm(const gemm_args& g) {
    using mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using stride = Eigen::OuterStride<>;
    const auto M = Eigen::Index(g.M), N = Eigen::Index(g.N), K = Eigen::Index(g.K);
    Eigen::Map<const mat, 0, stride> A(g.a, M, K, stride(Eigen::Index(g.lda)));
    Eigen::Map<mat, 0, stride> C(g.c, M, N, stride(Eigen::Index(g.ldc)));
    if (g.b_transposed) {
        Eigen::Map<const mat, 0, stride> Bt(g.b, N, K, stride(Eigen::Index(g.ldb)));
        C.noalias() = A * Bt.transpose();
    } else {
        Eigen::Map<const mat, 0, stride> B(g.b, K, N, stride(Eigen::Index(g.ldb)));
        C.noalias() = A * B;
    }
    if (!g.row_bias && !g.col_bias && g.act == activation::none) return;
    for (std::size_t i = 0; i < g.M; ++i) {
        float* c = g.c + i * g.ldc;
        const float rb = g.row_bias ? g.row_bias[i] : 0.f;
        for (std::size_t j = 0; j < g.N; ++j)
            c[j] = apply_activation(g.act, c[j] + rb + (g.col_bias ? g.col_bias[j] : 0.f), g.negative_slope);
    }
}
#else
using kernel_set_fn = const kernel_set* (*)();

/// The kernels compiled for the best target in `targets` (a HWY_* bit mask, e.g. one target for
/// tests, or hwy::SupportedTargets()). The table's layout is Highway's own dispatch table:
/// [init slot, HWY_CHOOSE_TARGET_LIST, fallback], indexed by hwy::ChosenTarget.
inline const kernel_set* kernels_for(std::int64_t targets) {
#if (HWY_TARGETS & (HWY_TARGETS - 1)) == 0  // one target compiled (e.g. HWY_COMPILE_ONLY_STATIC)
    (void)targets;
    return HWY_STATIC_DISPATCH(kernels)();
#else
    static const kernel_set_fn table[HWY_MAX_DYNAMIC_TARGETS + 2] = {
        nullptr, HWY_CHOOSE_TARGET_LIST(kernels), HWY_CHOOSE_FALLBACK(kernels)};
    hwy::ChosenTarget chosen;
    chosen.Update(targets);
    const kernel_set_fn k = table[chosen.GetIndex()];
    return k ? k() : HWY_STATIC_DISPATCH(kernels)();
#endif
}

/// The kernels for this CPU, chosen once.
inline const kernel_set* best_kernels() {
    static const kernel_set* const k = kernels_for(hwy::SupportedTargets());
    return k;
}
#endif

}  // namespace gemm_impl

/// A matrix A packed once into the GEMM's panel layout, for many products A . B_i with the same A
/// (a convolution's weights times each chunk of its column matrix): packing then costs once
/// instead of once per product. Holds a pointer to the A it was made from (used by the Eigen
/// path), so that A must outlive it.
class gemm_packed_a {
public:
    gemm_packed_a() = default;
    std::size_t rows() const { return M_; }
    std::size_t cols() const { return K_; }

private:
    friend gemm_packed_a gemm_pack_a(std::size_t, std::size_t, const float*, std::size_t);
#ifndef SYNCDSP_NN_GEMM_EIGEN
    friend gemm_packed_a gemm_pack_a_with(const gemm_impl::kernel_set*, std::size_t, std::size_t, const float*,
                                          std::size_t);
    friend void gemm(const gemm_args&, const gemm_packed_a&);
    const gemm_impl::kernel_set* kernels_ = nullptr;
    std::vector<float> data_;
#else
    friend void gemm(const gemm_args&, const gemm_packed_a&);
#endif
    const float* a_ = nullptr;
    std::size_t lda_ = 0, M_ = 0, K_ = 0;
};

/// C = act(A . B + bias); see gemm_args. Throws syncdsp::invalid_argument on null pointers or
/// leading dimensions smaller than the rows they describe. Empty products are no-ops.
inline void gemm(const gemm_args& g) {
    gemm_impl::check(g);
    if (g.M == 0 || g.N == 0) return;
    if (g.K == 0) return gemm_impl::epilogue_only(g);
#ifdef SYNCDSP_NN_GEMM_EIGEN
    gemm_impl::eigen_gemm(g);
#else
    gemm_impl::best_kernels()->run(g, nullptr);
#endif
}

#ifndef SYNCDSP_NN_GEMM_EIGEN
/// gemm_pack_a with the kernels of a given target (tests run every target through this).
inline gemm_packed_a gemm_pack_a_with(const gemm_impl::kernel_set* kernels, std::size_t M, std::size_t K,
                                      const float* a, std::size_t lda) {
    gemm_args g;
    g.M = M;
    g.K = K;
    g.a = a;
    g.lda = lda;
    SYNCDSP_REQUIRE(M == 0 || K == 0 || a, "gemm", "A is null for a ", M, "x", K, " matrix");
    SYNCDSP_REQUIRE(lda >= K, "gemm", "lda (", lda, ") < K (", K, ")");
    gemm_packed_a p;
    p.kernels_ = kernels;
    p.a_ = a;
    p.lda_ = lda;
    p.M_ = M;
    p.K_ = K;
    if (M && K) {
        p.data_.resize(kernels->packed_a_size(M, K));
        kernels->pack_a(g, p.data_.data());
    }
    return p;
}
#endif

/// Packs A (M x K, row-major, leading dimension lda) for gemm(args, packed).
inline gemm_packed_a gemm_pack_a(std::size_t M, std::size_t K, const float* a, std::size_t lda) {
#ifdef SYNCDSP_NN_GEMM_EIGEN
    SYNCDSP_REQUIRE(M == 0 || K == 0 || a, "gemm", "A is null for a ", M, "x", K, " matrix");
    SYNCDSP_REQUIRE(lda >= K, "gemm", "lda (", lda, ") < K (", K, ")");
    gemm_packed_a p;
    p.a_ = a;
    p.lda_ = lda;
    p.M_ = M;
    p.K_ = K;
    return p;
#else
    return gemm_pack_a_with(gemm_impl::best_kernels(), M, K, a, lda);
#endif
}

/// gemm with A already packed: args.a and args.lda are ignored, args.M and args.K must be the
/// packed matrix's size.
inline void gemm(const gemm_args& args, const gemm_packed_a& packed) {
    SYNCDSP_REQUIRE(args.M == packed.M_ && args.K == packed.K_, "gemm", "the packed A is ", packed.M_, "x",
                    packed.K_, " but the product needs ", args.M, "x", args.K);
    gemm_args g = args;
    g.a = packed.a_;
    g.lda = packed.lda_;
    gemm_impl::check(g);
    if (g.M == 0 || g.N == 0) return;
    if (g.K == 0) return gemm_impl::epilogue_only(g);
#ifdef SYNCDSP_NN_GEMM_EIGEN
    gemm_impl::eigen_gemm(g);
#else
    packed.kernels_->run(g, packed.data_.data());
#endif
}

/// Which GEMM this build and CPU use, e.g. "highway:AVX3" or "eigen" (for logs and benchmarks).
inline std::string gemm_backend() {
#ifdef SYNCDSP_NN_GEMM_EIGEN
    return "eigen";
#else
    const std::int64_t t = hwy::SupportedTargets() & HWY_TARGETS;
    return std::string("highway:") + hwy::TargetName(t & -t);
#endif
}

}  // namespace syncdsp::nn
