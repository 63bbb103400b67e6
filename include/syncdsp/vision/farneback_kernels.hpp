// syncdsp/vision/farneback_kernels.hpp - what Farneback's per-row kernels share: the polynomial
// expansion basis, the per-thread scratch rows, the Gaussian averaging window, and the table of one
// CPU target's kernels (filled by farneback_kernels-inl.hpp, chosen at run time by farneback.hpp).
// Internal to syncdsp/vision/farneback.hpp; include that.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include <Eigen/Dense>

namespace syncdsp::vision::impl {

/// Separable polynomial-expansion weights and the four entries of the inverse Gram matrix needed.
struct poly_basis {
    int n = 0;
    std::vector<float> g, xg, xxg;  // index 0..n (symmetric)
    double ig11 = 0, ig03 = 0, ig33 = 0, ig55 = 0;
};

inline poly_basis make_poly_basis(int n, double sigma) {
    poly_basis b;
    b.n = n;
    if (sigma < std::numeric_limits<float>::epsilon()) sigma = n * 0.3;
    std::vector<float> full(std::size_t(2 * n + 1));
    double s = 0;
    for (int x = -n; x <= n; ++x) {
        full[std::size_t(x + n)] = static_cast<float>(std::exp(-x * x / (2 * sigma * sigma)));
        s += full[std::size_t(x + n)];
    }
    s = 1. / s;
    for (auto& v : full) v = static_cast<float>(v * s);
    b.g.resize(std::size_t(n + 1));
    b.xg.resize(std::size_t(n + 1));
    b.xxg.resize(std::size_t(n + 1));
    for (int k = 0; k <= n; ++k) {
        b.g[std::size_t(k)] = full[std::size_t(k + n)];
        b.xg[std::size_t(k)] = static_cast<float>(k * b.g[std::size_t(k)]);
        b.xxg[std::size_t(k)] = static_cast<float>(k * k * b.g[std::size_t(k)]);
    }
    Eigen::Matrix<double, 6, 6> G = Eigen::Matrix<double, 6, 6>::Zero();
    for (int y = -n; y <= n; ++y)
        for (int x = -n; x <= n; ++x) {
            const double gg = double(full[std::size_t(y + n)] * full[std::size_t(x + n)]);
            G(0, 0) += gg;
            G(1, 1) += gg * x * x;
            G(3, 3) += gg * x * x * x * x;
            G(5, 5) += gg * x * x * y * y;
        }
    G(2, 2) = G(0, 3) = G(0, 4) = G(3, 0) = G(4, 0) = G(1, 1);
    G(4, 4) = G(3, 3);
    G(3, 4) = G(4, 3) = G(5, 5);
    const Eigen::Matrix<double, 6, 6> inv = G.inverse();
    b.ig11 = inv(1, 1);
    b.ig03 = inv(0, 3);
    b.ig33 = inv(3, 3);
    b.ig55 = inv(5, 5);
    return b;
}

/// Per-thread scratch rows.
struct farneback_scratch {
    std::vector<float> f[6];
    std::vector<double> d[5];
    void ensure(std::size_t nf, std::size_t nd) {
        for (auto& v : f)
            if (v.size() < nf) v.resize(nf);
        for (auto& v : d)
            if (v.size() < nd) v.resize(nd);
    }
};

inline std::vector<float> window_gaussian(long m) {
    std::vector<float> k(std::size_t(m + 1));
    const double sigma = m * 0.3;
    double s = 1;
    k[0] = 1.f;
    for (long i = 1; i <= m; ++i) {
        const float t = static_cast<float>(std::exp(-double(i * i) / (2 * sigma * sigma)));
        k[std::size_t(i)] = t;
        s += double(t) * 2;
    }
    s = 1. / s;
    for (auto& v : k) v = static_cast<float>(v * s);
    return k;
}


/// One CPU target's Farneback kernels (syncdsp/vision/farneback_kernels-inl.hpp has their
/// contracts). Every target computes the same operations in the same order per pixel (SIMD runs
/// across pixels, never across a sum), so targets differ only where the compiler may fuse a
/// multiply and an add (FMA targets), far below the OpenCV tolerances.
struct farneback_kernel_set {
    const char* target;  ///< e.g. "AVX3"
    void (*poly_expand_rows)(const float* I, float* R, long w, long h, long y0, long y1, const poly_basis& b,
                             farneback_scratch& s);
    void (*update_matrices_rows)(const float* R0, const float* R1, const float* flow, float* M, long w, long h,
                                 long y0, long y1);
    void (*box_solve_rows)(const float* M, float* flow, long w, long h, long winsize, long y0, long y1,
                           farneback_scratch& s);
    void (*gauss_solve_rows)(const float* M, float* flow, long w, long h, const std::vector<float>& k, long y0,
                             long y1, farneback_scratch& s);
    /// out[x] = sum over t of taps[t][x] * k[t], for x < n, summed in order t = 0, 1, ... (the
    /// separable blur of the pyramid levels: taps are shifted pointers into one row, or rows).
    void (*weighted_sum)(float* out, long n, const float* const* taps, const float* k, long ntaps);
};

}  // namespace syncdsp::vision::impl
