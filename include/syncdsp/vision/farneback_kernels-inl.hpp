// syncdsp/vision/farneback_kernels-inl.hpp - the hot loops of Farneback's flow (polynomial
// expansion, update of the normal-equation planes, box / Gaussian averaging and solve, the pyramid
// blur), compiled once per CPU target. Include syncdsp/vision/farneback.hpp, not this.
//
// No #pragma once on purpose: farneback.hpp includes this file once per target, each time with
// SYNCDSP_FARNEBACK_TARGET naming the namespace (baseline, avx2, avx3) and, for avx2/avx3, inside
// a HWY_PUSH_ATTRIBUTES region (#pragma GCC target) with that target's instruction sets, so the
// compiler vectorises these loops with them; farneback.hpp picks one at run time from
// hwy::SupportedTargets(). Why not hwy/foreach_target.h as nn/gemm.hpp does: that header has an
// include guard (Highway 1.0), so only one header per translation unit can use it, and the GEMM
// does; and Highway's per-target ops can be opened only once per unit, by that pass.
// Without SYNCDSP_FARNEBACK_TARGET (this file included on its own) it only includes what it needs.
//
// The loops are plain C++ over rows of floats, vectorised across pixels; the per-pixel arithmetic
// and the order of every sum are the same for every target (the SIMD width changes how many
// pixels are done at once, never how one pixel's sums associate). Targets with FMA may fuse a
// multiply and an add (as a -march=native build does), which moves results by float rounding only;
// tests/vision/test_farneback.cpp runs every target against OpenCV with the same tolerances.

#include <algorithm>
#include <cstddef>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "syncdsp/vision/farneback_kernels.hpp"

#ifdef SYNCDSP_FARNEBACK_TARGET
namespace syncdsp::vision::impl::SYNCDSP_FARNEBACK_TARGET {

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

inline void weighted_sum(float* out, long n, const float* const* taps, const float* k, long ntaps) {
    const float* t0 = taps[0];
    const float k0 = k[0];
    for (long x = 0; x < n; ++x) out[x] = t0[x] * k0;
    for (long t = 1; t < ntaps; ++t) {
        const float* q = taps[t];
        const float kt = k[t];
        for (long x = 0; x < n; ++x) out[x] += q[x] * kt;
    }
}

/// This target's entry points, for the dispatch in farneback.hpp.
inline const farneback_kernel_set* kernels() {
    static const farneback_kernel_set set{SYNCDSP_FARNEBACK_TARGET_NAME, &poly_expand_rows, &update_matrices_rows,
                                          &box_solve_rows, &gauss_solve_rows, &weighted_sum};
    return &set;
}

}  // namespace syncdsp::vision::impl::SYNCDSP_FARNEBACK_TARGET
#endif  // SYNCDSP_FARNEBACK_TARGET
