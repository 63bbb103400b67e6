// syncdsp/nn/gemm_args.hpp - the operands of one single-precision GEMM with a fused epilogue:
//   C (M x N) = act(A (M x K) . B (K x N) + row_bias + col_bias)
// Plain pointers and leading dimensions (row-major), so a conv can pass its weights and column
// matrix and a linear layer its input and (transposed) weight without copies. Shared by the
// portable kernel (syncdsp/nn/gemm.hpp) and its per-CPU-target bodies (gemm_kernels-inl.hpp).
#pragma once

#include <cstddef>

#include "syncdsp/nn/activation.hpp"

namespace syncdsp::nn {

struct gemm_args {
    std::size_t M = 0, N = 0, K = 0;
    const float* a = nullptr;   ///< A(i, k) = a[i * lda + k]
    std::size_t lda = 0;
    const float* b = nullptr;   ///< B(k, j) = b[k * ldb + j], or b[j * ldb + k] when b_transposed
    std::size_t ldb = 0;
    bool b_transposed = false;  ///< B given as N x K (a linear layer's [out, in] weight)
    float* c = nullptr;         ///< C(i, j) = c[i * ldc + j]; overwritten, never read
    std::size_t ldc = 0;
    const float* row_bias = nullptr;  ///< M values added to each row (a conv's per-channel bias), or null
    const float* col_bias = nullptr;  ///< N values added to each column (a linear layer's bias), or null
    activation act = activation::none;
    float negative_slope = 0.01f;     ///< for activation::leaky_relu
};

namespace gemm_impl {

/// What each CPU target provides (syncdsp/nn/gemm_kernels-inl.hpp). A packed by one target's
/// pack_a must be multiplied by the same target's run: the panel shape differs between targets.
struct kernel_set {
    const char* target;                                          ///< e.g. "AVX3"
    std::size_t (*packed_a_size)(std::size_t M, std::size_t K);  ///< floats pack_a writes
    void (*pack_a)(const gemm_args& g, float* out);              ///< all of A (g.M x g.K)
    void (*run)(const gemm_args& g, const float* a_packed);      ///< a_packed: from pack_a, or null
};

}  // namespace gemm_impl
}  // namespace syncdsp::nn
