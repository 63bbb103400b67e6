// syncdsp/vision/farneback.hpp - Gunnar Farneback's dense optical flow, reproducing OpenCV 4.6's
// calcOpticalFlowFarneback (same parameters, same numbers to ~1e-4 px), without OpenCV.
//
// Outline (docs/vision.md has the full description):
//  1. Pyramid: the number of coarser levels is the number of times the size can be multiplied by
//     pyr_scale (up to `levels` times) while both sides stay >= 32 px. A small image therefore gets
//     fewer levels (an image under 64 px per side with pyr_scale 0.5 is processed at full
//     resolution only) -- levels are clamped, never an error.
//  2. Every level is rebuilt from the full-resolution frames: Gaussian blur with
//     sigma = (1/scale - 1)/2 and size max(3, round(5 sigma) | 1) (reflect-101 border; level 0 gets
//     the 3-tap [1/4 1/2 1/4]), then bilinear resize to round(W*scale) x round(H*scale).
//  3. Polynomial expansion: each pixel's neighbourhood (2 poly_n + 1)^2 is fitted, in the weighted
//     least-squares sense with Gaussian weights of sigma poly_sigma, by a quadratic
//     c + b.(x,y) + (x,y) A (x,y)^T. Done with separable 1-D sums and the inverse of the 6x6 Gram matrix.
//  4. For the current flow d, the displacement equation A d = db at every pixel (A averaged from
//     both frames, the second frame's expansion sampled bilinearly at x + d) becomes the normal
//     equations A^T A, A^T db, tapered near the border; these five planes are averaged over the
//     window (box of size winsize, or Gaussian of sigma 0.3 * (winsize/2)) and solved per pixel with
//     a 1e-3 regulariser on the determinant. Repeated `iterations` times per level.
//  5. The flow is upsampled bilinearly (times 1/pyr_scale) to the next finer level.
//
// Flow layout: a 2-channel float image (dx, dy) such that next(x + dx, y + dy) ~ prev(x, y).
// Inputs: 8-bit or float single-channel images (float keeps the 0..255 scale; the regulariser
// is absolute, so scaling the intensities changes the result, exactly as in OpenCV).
//
// Speed: float separable passes over structure-of-arrays rows (the compiler vectorises them), no
// allocation once a farneback_engine has seen a frame size, optional row-stripe threads.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Dense>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/parallel.hpp"
#include "syncdsp/vision/filter.hpp"
#include "syncdsp/vision/image.hpp"
#include "syncdsp/vision/resize.hpp"

namespace syncdsp::vision {

/// Parameters of calcOpticalFlowFarneback, same names and meanings.
struct FarnebackOptions {
    double pyr_scale = 0.5;   ///< size ratio between pyramid levels, in (0, 1)
    int levels = 3;           ///< number of coarser levels wanted (clamped by the 32 px rule)
    int winsize = 15;         ///< averaging window side (pixels)
    int iterations = 3;       ///< solver iterations per level
    int poly_n = 5;           ///< neighbourhood radius of the polynomial expansion (5 or 7 usual; 1..10)
    double poly_sigma = 1.2;  ///< sigma of the expansion weights (0: 0.3 * poly_n)
    bool gaussian = false;    ///< OPTFLOW_FARNEBACK_GAUSSIAN: Gaussian window instead of a box
    bool use_initial_flow = false;  ///< OPTFLOW_USE_INITIAL_FLOW: start from the flow passed in
    unsigned threads = 1;     ///< worker threads (row stripes); 0 = all hardware threads

    /// The parameters most projects (and the CS6540 seed) pass to OpenCV: (0.5, 3, 15, 3, 5, 1.2, 0).
    static FarnebackOptions opencv() { return {}; }
    /// poly_n 7, poly_sigma 1.5, as OpenCV's documentation recommends for larger neighbourhoods.
    static FarnebackOptions opencv_poly7() {
        FarnebackOptions o;
        o.poly_n = 7;
        o.poly_sigma = 1.5;
        return o;
    }
    void validate() const {
        SYNCDSP_REQUIRE(std::isfinite(pyr_scale) && pyr_scale > 0 && pyr_scale < 1, "farneback",
                        "pyr_scale must be in (0, 1), got ", pyr_scale);
        SYNCDSP_REQUIRE(levels >= 0 && levels <= 64, "farneback", "levels must be in 0..64, got ", levels);
        SYNCDSP_REQUIRE(winsize >= 1 && winsize <= 255, "farneback", "winsize must be in 1..255, got ", winsize);
        SYNCDSP_REQUIRE(iterations >= 1 && iterations <= 1000, "farneback", "iterations must be in 1..1000, got ",
                        iterations);
        SYNCDSP_REQUIRE(poly_n >= 1 && poly_n <= 10, "farneback", "poly_n must be in 1..10 (5 or 7 usual), got ", poly_n);
        SYNCDSP_REQUIRE(std::isfinite(poly_sigma) && poly_sigma >= 0 && poly_sigma <= 100, "farneback",
                        "poly_sigma must be in [0, 100], got ", poly_sigma);
        SYNCDSP_REQUIRE(threads <= 256, "farneback", "threads must be <= 256, got ", threads);
    }
    /// The flow parameters alone (what changes the numbers; threads do not), e.g. for a caller's
    /// own to_string.
    std::string parameters() const {
        std::ostringstream s;
        s << "pyr_scale=" << pyr_scale << ", levels=" << levels << ", winsize=" << winsize
          << ", iterations=" << iterations << ", poly_n=" << poly_n << ", poly_sigma=" << poly_sigma
          << (gaussian ? ", gaussian" : ", box") << (use_initial_flow ? ", initial flow" : "");
        return s.str();
    }
    std::string to_string() const { return "FarnebackOptions{" + parameters() + ", threads=" + std::to_string(threads) + "}"; }
};

/// Number of coarser pyramid levels OpenCV actually uses for a width x height input.
inline int farneback_levels_used(std::size_t width, std::size_t height, const FarnebackOptions& o) {
    constexpr double min_size = 32;
    double scale = 1;
    int k = 0;
    for (; k < o.levels; ++k) {
        scale *= o.pyr_scale;
        if (double(width) * scale < min_size || double(height) * scale < min_size) break;
    }
    return k;
}

namespace impl {

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

/// Polynomial expansion of rows [y0, y1) of I (w x h) into R (5 interleaved channels:
/// ry, rx, ryy, rxx, rxy).
inline void poly_expand_rows(const float* I, float* R, long w, long h, long y0, long y1, const poly_basis& b,
                             farneback_scratch& s) {
    const long n = b.n;
    const std::size_t padded = std::size_t(w + 2 * n);
    s.ensure(std::max(padded, std::size_t(4 * w)), 0);
    float* b0 = s.f[0].data() + n;
    float* b1 = s.f[1].data() + n;
    float* b2 = s.f[2].data() + n;
    float* m1 = s.f[3].data();  // moment of 1
    float* mx = m1 + w;         // of x
    float* my = m1 + 2 * w;     // of y
    float* mxy = m1 + 3 * w;    // of xy
    float* mxx = s.f[4].data(); // of x^2
    float* myy = s.f[5].data(); // of y^2
    const float* g = b.g.data();
    const float* xg = b.xg.data();
    const float* xxg = b.xxg.data();
    const float ig11 = float(b.ig11), ig03 = float(b.ig03), ig33 = float(b.ig33), ig55 = float(b.ig55);
    for (long y = y0; y < y1; ++y) {
        const float* c = I + y * w;
        const float g0 = g[0];
        for (long x = 0; x < w; ++x) {
            b0[x] = c[x] * g0;
            b1[x] = 0.f;
            b2[x] = 0.f;
        }
        long k = 1;
        for (; k + 1 <= n; k += 2) {
            const float* up = I + std::max(y - k, 0L) * w;
            const float* dn = I + std::min(y + k, h - 1) * w;
            const float* up2 = I + std::max(y - k - 1, 0L) * w;
            const float* dn2 = I + std::min(y + k + 1, h - 1) * w;
            const float gk = g[k], xgk = xg[k], xxgk = xxg[k];
            const float gk2 = g[k + 1], xgk2 = xg[k + 1], xxgk2 = xxg[k + 1];
            for (long x = 0; x < w; ++x) {
                const float p = dn[x] + up[x], q = dn[x] - up[x];
                const float p2 = dn2[x] + up2[x], q2 = dn2[x] - up2[x];
                float s0 = b0[x], s1 = b1[x], s2 = b2[x];
                s0 += gk * p;
                s1 += xgk * q;
                s2 += xxgk * p;
                s0 += gk2 * p2;
                s1 += xgk2 * q2;
                s2 += xxgk2 * p2;
                b0[x] = s0;
                b1[x] = s1;
                b2[x] = s2;
            }
        }
        for (; k <= n; ++k) {
            const float* up = I + std::max(y - k, 0L) * w;
            const float* dn = I + std::min(y + k, h - 1) * w;
            const float gk = g[k], xgk = xg[k], xxgk = xxg[k];
            for (long x = 0; x < w; ++x) {
                const float p = dn[x] + up[x], q = dn[x] - up[x];
                b0[x] += gk * p;
                b1[x] += xgk * q;
                b2[x] += xxgk * p;
            }
        }
        for (long k = 1; k <= n; ++k) {
            b0[-k] = b0[0]; b1[-k] = b1[0]; b2[-k] = b2[0];
            b0[w - 1 + k] = b0[w - 1]; b1[w - 1 + k] = b1[w - 1]; b2[w - 1 + k] = b2[w - 1];
        }
        float* out = R + y * w * 5;
        for (long x = 0; x < w; ++x) {
            m1[x] = b0[x] * g0;
            mx[x] = 0.f;
            my[x] = b1[x] * g0;
            mxx[x] = 0.f;
            myy[x] = b2[x] * g0;
            mxy[x] = 0.f;
        }
        long kk = 1;
        for (; kk + 1 <= n; kk += 2) {
            const long k = kk, k2 = kk + 1;
            const float gk = g[k], xgk = xg[k], xxgk = xxg[k];
            const float gk2 = g[k2], xgk2 = xg[k2], xxgk2 = xxg[k2];
            for (long x = 0; x < w; ++x) {
                float a1 = m1[x], ax = mx[x], ay = my[x], axx = mxx[x], ayy = myy[x], axy = mxy[x];
                {
                    const float t0 = b0[x + k] + b0[x - k], t1 = b0[x + k] - b0[x - k];
                    a1 += gk * t0;
                    axx += xxgk * t0;
                    ax += xgk * t1;
                    ay += gk * (b1[x + k] + b1[x - k]);
                    axy += xgk * (b1[x + k] - b1[x - k]);
                    ayy += gk * (b2[x + k] + b2[x - k]);
                }
                {
                    const float t0 = b0[x + k2] + b0[x - k2], t1 = b0[x + k2] - b0[x - k2];
                    a1 += gk2 * t0;
                    axx += xxgk2 * t0;
                    ax += xgk2 * t1;
                    ay += gk2 * (b1[x + k2] + b1[x - k2]);
                    axy += xgk2 * (b1[x + k2] - b1[x - k2]);
                    ayy += gk2 * (b2[x + k2] + b2[x - k2]);
                }
                m1[x] = a1; mx[x] = ax; my[x] = ay; mxx[x] = axx; myy[x] = ayy; mxy[x] = axy;
            }
        }
        for (; kk <= n; ++kk) {
            const long k = kk;
            const float gk = g[k], xgk = xg[k], xxgk = xxg[k];
            for (long x = 0; x < w; ++x) {
                const float t0 = b0[x + k] + b0[x - k];
                const float t1 = b0[x + k] - b0[x - k];
                m1[x] += gk * t0;
                mxx[x] += xxgk * t0;
                mx[x] += xgk * t1;
                my[x] += gk * (b1[x + k] + b1[x - k]);
                mxy[x] += xgk * (b1[x + k] - b1[x - k]);
                myy[x] += gk * (b2[x + k] + b2[x - k]);
            }
        }
        for (long x = 0; x < w; ++x) {
            out[5 * x + 0] = my[x] * ig11;
            out[5 * x + 1] = mx[x] * ig11;
            out[5 * x + 2] = m1[x] * ig03 + myy[x] * ig33;
            out[5 * x + 3] = m1[x] * ig03 + mxx[x] * ig33;
            out[5 * x + 4] = mxy[x] * ig55;
        }
    }
}

/// The normal-equation planes (G11, G12, G22, h1, h2) of rows [y0, y1) from the expansions R0,
/// R1 and the flow (interleaved dx, dy). M holds 5 planes of w*h floats.
inline void update_matrices_rows(const float* R0, const float* R1, const float* flow, float* M, long w, long h,
                                 long y0, long y1) {
    static const float taper[5] = {0.14f, 0.14f, 0.4472f, 0.4472f, 0.4472f};
    const std::size_t plane = std::size_t(w * h);
    const long step = w * 5;
    for (long y = y0; y < y1; ++y) {
        const float* fl = flow + y * w * 2;
        const float* r0 = R0 + y * w * 5;
        float* G11 = M + y * w;
        float* G12 = G11 + plane;
        float* G22 = G12 + plane;
        float* H1 = G22 + plane;
        float* H2 = H1 + plane;
        const float wy = (y < 5 ? taper[y] : 1.f) * (y >= h - 5 ? taper[h - 1 - y] : 1.f);
        for (long x = 0; x < w; ++x) {
            const float dx = fl[2 * x], dy = fl[2 * x + 1];
            float fx = float(x) + dx, fy = float(y) + dy;
            float r2, r3, r4, r5, r6;
            const float* p0 = r0 + 5 * x;
            // Inside test on the float values first, so huge or NaN flow never overflows an int;
            // inside, the coordinates are >= 0, so truncation is floor.
            if (fx >= 0.f && fy >= 0.f && fx < float(w - 1) && fy < float(h - 1)) {
                const long x1 = long(fx), y1i = long(fy);
                fx -= float(x1);
                fy -= float(y1i);
                const float* p = R1 + y1i * step + x1 * 5;
                const float a00 = (1.f - fx) * (1.f - fy), a01 = fx * (1.f - fy), a10 = (1.f - fx) * fy, a11 = fx * fy;
#if defined(__SSE2__)
                // Channels 0..3 of the four corners as vectors (same operation order as the scalar
                // code, so the results are identical); channel 4 scalar.
                __m128 v = _mm_mul_ps(_mm_set1_ps(a00), _mm_loadu_ps(p));
                v = _mm_add_ps(v, _mm_mul_ps(_mm_set1_ps(a01), _mm_loadu_ps(p + 5)));
                v = _mm_add_ps(v, _mm_mul_ps(_mm_set1_ps(a10), _mm_loadu_ps(p + step)));
                v = _mm_add_ps(v, _mm_mul_ps(_mm_set1_ps(a11), _mm_loadu_ps(p + step + 5)));
                alignas(16) float q[4];
                _mm_store_ps(q, v);
                r2 = q[0]; r3 = q[1]; r4 = q[2]; r5 = q[3];
#else
                r2 = a00 * p[0] + a01 * p[5] + a10 * p[step] + a11 * p[step + 5];
                r3 = a00 * p[1] + a01 * p[6] + a10 * p[step + 1] + a11 * p[step + 6];
                r4 = a00 * p[2] + a01 * p[7] + a10 * p[step + 2] + a11 * p[step + 7];
                r5 = a00 * p[3] + a01 * p[8] + a10 * p[step + 3] + a11 * p[step + 8];
#endif
                r6 = a00 * p[4] + a01 * p[9] + a10 * p[step + 4] + a11 * p[step + 9];
                r4 = (p0[2] + r4) * 0.5f;
                r5 = (p0[3] + r5) * 0.5f;
                r6 = (p0[4] + r6) * 0.25f;
            } else {
                r2 = r3 = 0.f;
                r4 = p0[2];
                r5 = p0[3];
                r6 = p0[4] * 0.5f;
            }
            r2 = (p0[0] - r2) * 0.5f;
            r3 = (p0[1] - r3) * 0.5f;
            r2 += r4 * dy + r6 * dx;
            r3 += r6 * dy + r5 * dx;
            if (x < 5 || x >= w - 5 || y < 5 || y >= h - 5) {
                const float sc = wy * (x < 5 ? taper[x] : 1.f) * (x >= w - 5 ? taper[w - 1 - x] : 1.f);
                r2 *= sc; r3 *= sc; r4 *= sc; r5 *= sc; r6 *= sc;
            }
            G11[x] = r4 * r4 + r6 * r6;
            G12[x] = (r4 + r5) * r6;
            G22[x] = r5 * r5 + r6 * r6;
            H1[x] = r4 * r2 + r6 * r3;
            H2[x] = r6 * r2 + r5 * r3;
        }
    }
}

inline void solve_pixel(double g11, double g12, double g22, double h1, double h2, float* out) {
    const double idet = 1. / (g11 * g22 - g12 * g12 + 1e-3);
    out[0] = static_cast<float>((g11 * h2 - g12 * h1) * idet);
    out[1] = static_cast<float>((g22 * h1 - g12 * h2) * idet);
}

/// Box-window average of the M planes over (2m+1)^2 (replicated borders, double running sums),
/// then solve, for rows [y0, y1).
inline void box_solve_rows(const float* M, float* flow, long w, long h, long winsize, long y0, long y1,
                           farneback_scratch& s) {
    const long m = winsize / 2;
    const double scale = 1. / double(winsize * winsize);
    const std::size_t plane = std::size_t(w * h);
    const std::size_t padded = std::size_t(w + 2 * m + 2);
    s.ensure(0, padded);
    double* vs[5];
    for (int c = 0; c < 5; ++c) vs[c] = s.d[c].data() + m + 1;
    for (int c = 0; c < 5; ++c) {
        const float* P = M + c * plane;
        double* v = vs[c];
        for (long x = 0; x < w; ++x) v[x] = 0;
        for (long t = -m; t <= m; ++t) {
            const float* r = P + std::clamp(y0 + t, 0L, h - 1) * w;
            for (long x = 0; x < w; ++x) v[x] += double(r[x]);
        }
    }
    for (long y = y0; y < y1; ++y) {
        if (y > y0) {
            const long ya = std::min(y + m, h - 1), ys = std::max(y - m - 1, 0L);
            for (int c = 0; c < 5; ++c) {
                const float* ra = M + c * plane + ya * w;
                const float* rs = M + c * plane + ys * w;
                double* v = vs[c];
                for (long x = 0; x < w; ++x) v[x] += double(ra[x]) - double(rs[x]);
            }
        }
        double acc[5];
        for (int c = 0; c < 5; ++c) {
            double* v = vs[c];
            for (long k = 1; k <= m + 1; ++k) {
                v[-k] = v[0];
                v[w - 1 + k] = v[w - 1];
            }
            double a = 0;
            for (long x = -m; x <= m; ++x) a += v[x];
            acc[c] = a;
        }
        float* fr = flow + y * w * 2;
        for (long x = 0; x < w; ++x) {
            if (x > 0)
                for (int c = 0; c < 5; ++c) acc[c] += vs[c][x + m] - vs[c][x - m - 1];
            solve_pixel(acc[0] * scale, acc[1] * scale, acc[2] * scale, acc[3] * scale, acc[4] * scale, fr + 2 * x);
        }
    }
}

/// Gaussian-window average (sigma 0.3*m, radius m, float, replicated borders), then solve.
inline void gauss_solve_rows(const float* M, float* flow, long w, long h, const std::vector<float>& k, long y0,
                             long y1, farneback_scratch& s) {
    const long m = long(k.size()) - 1;
    const std::size_t plane = std::size_t(w * h);
    s.ensure(std::size_t(w + 2 * m), 0);
    // f[0..4]: vertically blurred rows with m padding, f[5]: unused.
    float* v[5];
    for (int c = 0; c < 5; ++c) v[c] = s.f[c].data() + m;
    std::vector<float>& hs = s.f[5];
    if (hs.size() < std::size_t(5 * w)) hs.resize(std::size_t(5 * w));
    for (long y = y0; y < y1; ++y) {
        for (int c = 0; c < 5; ++c) {
            const float* P = M + c * plane;
            const float* r0 = P + y * w;
            float* vv = v[c];
            for (long x = 0; x < w; ++x) vv[x] = r0[x] * k[0];
            long i = 1;
            for (; i + 2 <= m; i += 3) {
                const float* ra = P + std::min(y + i, h - 1) * w;
                const float* rb = P + std::max(y - i, 0L) * w;
                const float* rc = P + std::min(y + i + 1, h - 1) * w;
                const float* rd = P + std::max(y - i - 1, 0L) * w;
                const float* re = P + std::min(y + i + 2, h - 1) * w;
                const float* rf = P + std::max(y - i - 2, 0L) * w;
                const float k1 = k[std::size_t(i)], k2 = k[std::size_t(i + 1)], k3 = k[std::size_t(i + 2)];
                for (long x = 0; x < w; ++x) {
                    float a = vv[x];
                    a += (ra[x] + rb[x]) * k1;
                    a += (rc[x] + rd[x]) * k2;
                    a += (re[x] + rf[x]) * k3;
                    vv[x] = a;
                }
            }
            for (; i <= m; ++i) {
                const float* ra = P + std::min(y + i, h - 1) * w;
                const float* rb = P + std::max(y - i, 0L) * w;
                const float ki = k[std::size_t(i)];
                for (long x = 0; x < w; ++x) vv[x] += (ra[x] + rb[x]) * ki;
            }
            for (long i = 1; i <= m; ++i) {
                vv[-i] = vv[0];
                vv[w - 1 + i] = vv[w - 1];
            }
            float* hh = hs.data() + c * w;
            for (long x = 0; x < w; ++x) hh[x] = vv[x] * k[0];
            long j = 1;
            for (; j + 2 <= m; j += 3) {
                const float k1 = k[std::size_t(j)], k2 = k[std::size_t(j + 1)], k3 = k[std::size_t(j + 2)];
                for (long x = 0; x < w; ++x) {
                    float a = hh[x];
                    a += (vv[x + j] + vv[x - j]) * k1;
                    a += (vv[x + j + 1] + vv[x - j - 1]) * k2;
                    a += (vv[x + j + 2] + vv[x - j - 2]) * k3;
                    hh[x] = a;
                }
            }
            for (; j <= m; ++j) {
                const float ki = k[std::size_t(j)];
                for (long x = 0; x < w; ++x) hh[x] += (vv[x + j] + vv[x - j]) * ki;
            }
        }
        float* fr = flow + y * w * 2;
        const float* c11 = hs.data();
        const float* c12 = c11 + w;
        const float* c22 = c12 + w;
        const float* ch1 = c22 + w;
        const float* ch2 = ch1 + w;
        for (long x = 0; x < w; ++x) {
            const double g11 = c11[x], g12 = c12[x], g22 = c22[x], h1 = ch1[x], h2 = ch2[x];
            const double idet = 1. / (g11 * g22 - g12 * g12 + 1e-3);
            fr[2 * x] = static_cast<float>((g11 * h2 - g12 * h1) * idet);
            fr[2 * x + 1] = static_cast<float>((g22 * h1 - g12 * h2) * idet);
        }
    }
}

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

}  // namespace impl

/// A reusable Farneback solver: keeps its buffers between calls, so a video is processed without
/// allocation after the first pair. Not thread-safe itself (use one engine per thread), but each
/// call can use several threads (options.threads).
class farneback_engine {
public:
    explicit farneback_engine(FarnebackOptions o = FarnebackOptions::opencv()) : opt_(o) { opt_.validate(); }
    const FarnebackOptions& options() const { return opt_; }

    /// Flow from prev to next (same size, 1 channel, u8 or float) into `flow` (resized to W x H x 2).
    /// With options().use_initial_flow, `flow` must already hold a W x H x 2 initial flow.
    template <class T>
    void compute(image_view<const T> prev, image_view<const T> next, image<float>& flow) {
        static_assert(std::is_same_v<T, std::uint8_t> || std::is_same_v<T, float>,
                      "farneback: input must be 8-bit or float");
        require_image(prev, "farneback", 1);
        require_image(next, "farneback", 1);
        SYNCDSP_REQUIRE(prev.width == next.width && prev.height == next.height, "farneback",
                        "frames differ in size: ", prev.width, "x", prev.height, " vs ", next.width, "x", next.height);
        const long W = long(prev.width), H = long(prev.height);
        if (opt_.use_initial_flow) {
            SYNCDSP_REQUIRE(flow.width() == prev.width && flow.height() == prev.height && flow.channels() == 2,
                            "farneback", "initial flow must be ", W, "x", H, "x2, got ", flow.width(), "x",
                            flow.height(), "x", flow.channels());
            require_finite(flow.data(), flow.size(), "farneback", "initial flow");
            initial_ = flow;
        }
        if constexpr (std::is_same_v<T, float>) {
            for (std::size_t y = 0; y < prev.height; ++y) {
                require_finite(prev.row(y), prev.width, "farneback", "prev frame");
                require_finite(next.row(y), next.width, "farneback", "next frame");
            }
        }
        to_float(prev, full_[0]);
        to_float(next, full_[1]);
        const int L = farneback_levels_used(prev.width, prev.height, opt_);
        // Streaming: when this call's first frame is the previous call's second frame (same pixels,
        // same expansion parameters), its polynomial expansions are already known at every level.
        const bool reuse = cache_valid_ && cache_L_ == L && cache_n_ == opt_.poly_n &&
                           cache_sigma_ == opt_.poly_sigma && cache_scale_ == opt_.pyr_scale &&
                           last_next_.width() == prev.width && last_next_.height() == prev.height &&
                           std::equal(full_[0].data(), full_[0].data() + full_[0].size(), last_next_.data());
        cache_valid_ = false;  // until this call completes
        if (Rlev_[0].size() < std::size_t(L + 1)) Rlev_[0].resize(std::size_t(L + 1));
        if (Rlev_[1].size() < std::size_t(L + 1)) Rlev_[1].resize(std::size_t(L + 1));
        if (reuse) std::swap(Rlev_[0], Rlev_[1]);
        if (basis_.n != opt_.poly_n || basis_sigma_ != opt_.poly_sigma) {
            basis_ = impl::make_poly_basis(opt_.poly_n, opt_.poly_sigma);
            basis_sigma_ = opt_.poly_sigma;
        }
        const long m = opt_.winsize / 2;
        if (opt_.gaussian) gwin_ = impl::window_gaussian(m);
        const unsigned threads = opt_.threads == 0 ? default_thread_count() : opt_.threads;
        if (scratch_.size() < threads) scratch_.resize(threads);

        bool have_prev_level = false;
        for (int k = L; k >= 0; --k) {
            double scale = 1;
            for (int i = 0; i < k; ++i) scale *= opt_.pyr_scale;
            const double sigma = (1. / scale - 1) * 0.5;
            const int ksize = std::max(3, int(round_half_even(sigma * 5)) | 1);
            const long w = round_half_even(double(W) * scale), h = round_half_even(double(H) * scale);
            image<float>& cur = k > 0 ? level_flow_[k & 1] : flow;
            cur.reshape(std::size_t(w), std::size_t(h), 2);
            if (!have_prev_level) {
                if (opt_.use_initial_flow) {
                    resize_into(initial_.view(), cur.view(), interpolation::area);
                    for (std::size_t i = 0; i < cur.size(); ++i) cur.data()[i] = static_cast<float>(cur.data()[i] * scale);
                } else {
                    std::fill(cur.data(), cur.data() + cur.size(), 0.f);
                }
            } else {
                const image<float>& prevf = level_flow_[(k + 1) & 1];
                resize_into(prevf.view(), cur.view(), interpolation::linear);
                const double up = 1. / opt_.pyr_scale;
                for (std::size_t i = 0; i < cur.size(); ++i) cur.data()[i] = static_cast<float>(cur.data()[i] * up);
            }
            const std::vector<float> gk = gaussian_kernel(ksize, sigma);
            std::vector<float>* R[2] = {&Rlev_[0][std::size_t(k)], &Rlev_[1][std::size_t(k)]};
            for (int f = reuse ? 1 : 0; f < 2; ++f) {
                level_image(full_[f], gk, w, h, level_[f]);
                if (R[f]->size() < std::size_t(w * h * 5)) R[f]->resize(std::size_t(w * h * 5));
                float* dst = R[f]->data();
                stripes(h, threads, [&](unsigned t, long y0, long y1) {
                    impl::poly_expand_rows(level_[f].data(), dst, w, h, y0, y1, basis_, scratch_[t]);
                });
            }
            const float* R0 = R[0]->data();
            const float* R1 = R[1]->data();
            if (M_.size() < std::size_t(5 * w * h)) M_.resize(std::size_t(5 * w * h));
            auto update = [&]() {
                stripes(h, threads, [&](unsigned, long y0, long y1) {
                    impl::update_matrices_rows(R0, R1, cur.data(), M_.data(), w, h, y0, y1);
                });
            };
            update();
            for (int it = 0; it < opt_.iterations; ++it) {
                stripes(h, threads, [&](unsigned t, long y0, long y1) {
                    if (opt_.gaussian)
                        impl::gauss_solve_rows(M_.data(), cur.data(), w, h, gwin_, y0, y1, scratch_[t]);
                    else
                        impl::box_solve_rows(M_.data(), cur.data(), w, h, opt_.winsize, y0, y1, scratch_[t]);
                });
                if (it < opt_.iterations - 1) update();
            }
            if (k > 0) have_prev_level = true;
        }
        std::swap(last_next_, full_[1]);
        cache_valid_ = true;
        cache_L_ = L;
        cache_n_ = opt_.poly_n;
        cache_sigma_ = opt_.poly_sigma;
        cache_scale_ = opt_.pyr_scale;
    }

    /// Convenience overloads for owning images.
    template <class T>
    image<float> compute(const image<T>& prev, const image<T>& next) {
        image<float> flow;
        compute<T>(prev.view(), next.view(), flow);
        return flow;
    }

private:
    template <class T>
    static void to_float(image_view<const T> in, image<float>& out) {
        out.reshape(in.width, in.height, 1);
        for (std::size_t y = 0; y < in.height; ++y) {
            const T* s = in.row(y);
            float* d = out.row(y);
            for (std::size_t x = 0; x < in.width; ++x) d[x] = static_cast<float>(s[x]);
        }
    }

    /// Blur (reflect-101, kernel gk both ways) the full-resolution frame and resize it to w x h
    /// bilinearly. When the resize reads only some rows and columns (any ratio except 1 and exactly 2),
    /// the blur is evaluated only there -- same arithmetic per value, so the same numbers as blurring
    /// everything, at a fraction of the cost for the coarse levels.
    void level_image(const image<float>& src, const std::vector<float>& gk, long w, long h, image<float>& out) {
        const long W = long(src.width()), H = long(src.height());
        const long r = long(gk.size() / 2);
        out.reshape(std::size_t(w), std::size_t(h), 1);
        const bool same = W == w && H == h, half = W == 2 * w && H == 2 * h;
        // Columns and rows the resize needs (all of them for the identity and the 2x2 mean).
        cols_.clear();
        rows_.clear();
        col_of_.assign(std::size_t(W), -1);
        row_of_.assign(std::size_t(H), -1);
        impl::linear_axis ax, ay;
        if (same || half) {
            for (long x = 0; x < W; ++x) col_of_[std::size_t(x)] = x, cols_.push_back(x);
            for (long y = 0; y < H; ++y) row_of_[std::size_t(y)] = y, rows_.push_back(y);
        } else {
            ax = impl::linear_coefficients(W, w, false);
            ay = impl::linear_coefficients(H, h, false);
            for (long x = 0; x < w; ++x)
                for (long c : {ax.ofs[std::size_t(x)], std::min(ax.ofs[std::size_t(x)] + 1, W - 1)}) col_of_[std::size_t(c)] = 0;
            for (long y = 0; y < h; ++y)
                for (long c : {ay.ofs[std::size_t(y)], std::min(ay.ofs[std::size_t(y)] + 1, H - 1)}) row_of_[std::size_t(c)] = 0;
            for (long x = 0; x < W; ++x)
                if (col_of_[std::size_t(x)] == 0) col_of_[std::size_t(x)] = long(cols_.size()), cols_.push_back(x);
            for (long y = 0; y < H; ++y)
                if (row_of_[std::size_t(y)] == 0) row_of_[std::size_t(y)] = long(rows_.size()), rows_.push_back(y);
        }
        const long nc = long(cols_.size()), nr = long(rows_.size());
        // Source rows the vertical pass touches.
        need_.assign(std::size_t(H), 0);
        for (long y : rows_)
            for (long t = -r; t <= r; ++t) need_[std::size_t(reflect101(y + t, H))] = 1;
        tmp_.resize(std::size_t(H * nc));
        pad_.resize(std::size_t(W + 2 * r));
        const bool dense = nc == W;
        for (long y = 0; y < H; ++y) {
            if (!need_[std::size_t(y)]) continue;
            const float* s = src.row(std::size_t(y));
            float* p = pad_.data() + r;
            std::copy(s, s + W, p);
            for (long x = 1; x <= r; ++x) {
                p[-x] = s[reflect101(-x, W)];
                p[W - 1 + x] = s[reflect101(W - 1 + x, W)];
            }
            float* d = tmp_.data() + y * nc;
            const float* q0 = pad_.data();
            if (dense) {
                for (long x = 0; x < W; ++x) d[x] = q0[x] * gk[0];
                for (long t = 1; t <= 2 * r; ++t) {
                    const float kt = gk[std::size_t(t)];
                    const float* q = q0 + t;
                    for (long x = 0; x < W; ++x) d[x] += q[x] * kt;
                }
            } else {
                for (long j = 0; j < nc; ++j) {
                    const float* q = q0 + cols_[std::size_t(j)];
                    float a = q[0] * gk[0];
                    for (long t = 1; t <= 2 * r; ++t) a += q[t] * gk[std::size_t(t)];
                    d[j] = a;
                }
            }
        }
        float* blurred = same ? out.data() : (blurred_.reshape(std::size_t(nc), std::size_t(nr), 1), blurred_.data());
        for (long i = 0; i < nr; ++i) {
            const long y = rows_[std::size_t(i)];
            float* d = blurred + i * nc;
            const float* r0 = tmp_.data() + reflect101(y - r, H) * nc;
            for (long x = 0; x < nc; ++x) d[x] = r0[x] * gk[0];
            for (long t = 1; t <= 2 * r; ++t) {
                const float* rt = tmp_.data() + reflect101(y - r + t, H) * nc;
                const float kt = gk[std::size_t(t)];
                for (long x = 0; x < nc; ++x) d[x] += rt[x] * kt;
            }
        }
        if (same) return;
        if (half) {
            resize_into(image_view<const float>(blurred_.view()), out.view(), interpolation::linear);
            return;
        }
        // Bilinear from the compact rows/columns (same arithmetic as resize_into).
        hrow_[0].resize(std::size_t(w));
        hrow_[1].resize(std::size_t(w));
        for (long y = 0; y < h; ++y) {
            const long sy = ay.ofs[std::size_t(y)], sy1 = std::min(sy + 1, H - 1);
            for (int k = 0; k < 2; ++k) {
                const float* srow = blurred_.data() + row_of_[std::size_t(k == 0 ? sy : sy1)] * nc;
                float* hr = hrow_[k].data();
                for (long x = 0; x < w; ++x) {
                    const long sx = ax.ofs[std::size_t(x)], sx1 = std::min(sx + 1, W - 1);
                    hr[x] = srow[col_of_[std::size_t(sx)]] * ax.w0[std::size_t(x)] +
                            srow[col_of_[std::size_t(sx1)]] * ax.w1[std::size_t(x)];
                }
            }
            const float b0 = ay.w0[std::size_t(y)], b1 = ay.w1[std::size_t(y)];
            float* d = out.row(std::size_t(y));
            for (long x = 0; x < w; ++x) d[x] = hrow_[0][std::size_t(x)] * b0 + hrow_[1][std::size_t(x)] * b1;
        }
    }

    template <class Body>
    void stripes(long h, unsigned threads, Body&& body) {
        const unsigned n = unsigned(std::min<long>(threads, std::max(1L, h / 8)));
        if (n <= 1) {
            body(0u, 0L, h);
            return;
        }
        parallel_for(n, n, [&](std::size_t b, std::size_t e) {
            for (std::size_t t = b; t < e; ++t) {
                const long y0 = long(t) * h / long(n), y1 = long(t + 1) * h / long(n);
                body(unsigned(t), y0, y1);
            }
        });
    }

    FarnebackOptions opt_;
    impl::poly_basis basis_;
    double basis_sigma_ = -1;
    std::vector<float> gwin_;
    image<float> full_[2], level_[2], blurred_, initial_, level_flow_[2];
    std::vector<float> M_, tmp_, pad_, hrow_[2];
    std::vector<std::vector<float>> Rlev_[2];  // expansions per level of prev [0] and next [1]
    image<float> last_next_;                  // previous call's second frame (for reuse)
    bool cache_valid_ = false;
    int cache_L_ = -1, cache_n_ = -1;
    double cache_sigma_ = -1, cache_scale_ = -1;
    std::vector<long> cols_, rows_, col_of_, row_of_;
    std::vector<char> need_;
    std::vector<impl::farneback_scratch> scratch_;
};

/// One-shot Farneback flow from prev to next (OpenCV's calcOpticalFlowFarneback). `initial` is
/// used only with options.use_initial_flow (then required, W x H x 2).
template <class T>
image<float> farneback_flow(image_view<const T> prev, image_view<const T> next,
                            const FarnebackOptions& options = FarnebackOptions::opencv(),
                            const image<float>* initial = nullptr) {
    farneback_engine engine(options);
    image<float> flow;
    if (options.use_initial_flow) {
        SYNCDSP_REQUIRE(initial != nullptr, "farneback", "use_initial_flow is set but no initial flow was given");
        flow = *initial;
    }
    engine.compute<T>(prev, next, flow);
    return flow;
}
template <class T>
image<float> farneback_flow(const image<T>& prev, const image<T>& next,
                            const FarnebackOptions& options = FarnebackOptions::opencv(),
                            const image<float>* initial = nullptr) {
    return farneback_flow<T>(prev.view(), next.view(), options, initial);
}

}  // namespace syncdsp::vision
