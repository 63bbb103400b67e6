// syncdsp/nn/pool.hpp - max and average pooling over NCHW / NCDHW float32 tensors, PyTorch semantics.
//
// Output size per axis (PyTorch's pooling_output_shape):
//   out = floor_or_ceil((in + 2*pad - dilation*(k-1) - 1) / stride) + 1, and in ceil_mode the last
//   window is dropped when it would start inside the right padding ((out-1)*stride >= in + pad).
// Padding must be at most half the (effective) kernel, as PyTorch requires. Max pooling pads with
// -inf (padding never wins) and propagates NaN; average pooling divides by the window clipped to
// the padded input when count_include_pad, else by the number of real input elements.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/parallel.hpp"
#include "syncdsp/core/tensor.hpp"

namespace syncdsp::nn {

/// Options of 3-D pooling; triples are (depth/time, height, width). An empty stride means stride = kernel.
struct pool3d_options {
    std::array<std::size_t, 3> kernel{1, 1, 1};
    std::array<std::size_t, 3> stride{0, 0, 0};     ///< 0 = same as kernel (PyTorch's default)
    std::array<std::size_t, 3> padding{0, 0, 0};
    std::array<std::size_t, 3> dilation{1, 1, 1};   ///< max pooling only
    bool ceil_mode = false;
    bool count_include_pad = true;                  ///< average pooling only
    unsigned threads = 1;
};

/// Options of 2-D pooling; pairs are (height, width).
struct pool2d_options {
    std::array<std::size_t, 2> kernel{1, 1};
    std::array<std::size_t, 2> stride{0, 0};
    std::array<std::size_t, 2> padding{0, 0};
    std::array<std::size_t, 2> dilation{1, 1};
    bool ceil_mode = false;
    bool count_include_pad = true;
    unsigned threads = 1;
};

/// PyTorch's pooling output length of one axis; 0 when nothing fits.
inline std::size_t pool_output_size(std::size_t in, std::size_t k, std::size_t s, std::size_t p,
                                    std::size_t d, bool ceil_mode) {
    const long num = long(in) + 2 * long(p) - long(d) * (long(k) - 1) - 1 + (ceil_mode ? long(s) - 1 : 0);
    if (num < 0) return 0;
    long out = num / long(s) + 1;
    if (ceil_mode && (out - 1) * long(s) >= long(in) + long(p)) --out;
    return out > 0 ? std::size_t(out) : 0;
}

namespace pool_impl {

struct geometry {
    std::size_t NC, D, H, W, Do, Ho, Wo;
    std::array<std::size_t, 3> k, s, p, d;
};

inline geometry make(const std::array<std::size_t, 5>& xs, pool3d_options o, bool is_max, const char* where) {
    geometry g{};
    g.NC = xs[0] * xs[1];
    g.D = xs[2]; g.H = xs[3]; g.W = xs[4];
    g.k = o.kernel; g.p = o.padding; g.d = o.dilation;
    for (int i = 0; i < 3; ++i) {
        SYNCDSP_REQUIRE(o.kernel[i] >= 1, where, "kernel must be >= 1 on every axis");
        g.s[i] = o.stride[i] == 0 ? o.kernel[i] : o.stride[i];
        SYNCDSP_REQUIRE(o.dilation[i] >= 1, where, "dilation must be >= 1 on every axis");
        SYNCDSP_REQUIRE(is_max || o.dilation[i] == 1, where, "average pooling has no dilation");
        const std::size_t eff = is_max ? (o.kernel[i] - 1) * o.dilation[i] + 1 : o.kernel[i];
        SYNCDSP_REQUIRE(2 * o.padding[i] <= eff, where, "padding ", o.padding[i],
                        " is more than half the kernel (", eff, "), which PyTorch rejects");
    }
    g.Do = pool_output_size(g.D, g.k[0], g.s[0], g.p[0], g.d[0], o.ceil_mode);
    g.Ho = pool_output_size(g.H, g.k[1], g.s[1], g.p[1], g.d[1], o.ceil_mode);
    g.Wo = pool_output_size(g.W, g.k[2], g.s[2], g.p[2], g.d[2], o.ceil_mode);
    SYNCDSP_REQUIRE(g.Do > 0 && g.Ho > 0 && g.Wo > 0, where, "input ", g.D, "x", g.H, "x", g.W,
                    " is too small for kernel ", g.k[0], "x", g.k[1], "x", g.k[2]);
    return g;
}

/// max(a, b) that keeps a NaN once one was seen (PyTorch's max pooling propagates NaN).
inline float nan_max(float acc, float v) { return (v > acc || v != v) ? v : acc; }

/// Valid kernel taps [k_lo, k_hi) of output o on an axis: 0 <= o*s - p + k*d < n.
inline void taps(std::size_t o, std::size_t s, std::size_t p, std::size_t d, std::size_t k, std::size_t n,
                 std::size_t& k_lo, std::size_t& k_hi) {
    const long base = long(o * s) - long(p);
    k_lo = 0;
    while (k_lo < k && base + long(k_lo * d) < 0) ++k_lo;
    k_hi = k;
    while (k_hi > k_lo && base + long((k_hi - 1) * d) >= long(n)) --k_hi;
}

/// Separable max pooling: along H, then W, then D (max is associative, so this equals the
/// window max; padding never wins because every window holds at least one real element).
inline void max_pool(const float* x, float* out, const geometry& g, unsigned threads) {
    const std::size_t in_plane = g.D * g.H * g.W, out_plane = g.Do * g.Ho * g.Wo;
    const float ninf = -std::numeric_limits<float>::infinity();
    parallel_for(g.NC, threads, [&](std::size_t c0, std::size_t c1) {
        std::vector<float> hy(g.D * g.Ho * g.W), hx(g.D * g.Ho * g.Wo);
        // The ox range whose taps are all inside the row, for a branch-free inner loop.
        std::size_t ox_in_lo = g.Wo, ox_in_hi = 0;
        for (std::size_t ox = 0; ox < g.Wo; ++ox) {
            std::size_t a, b;
            taps(ox, g.s[2], g.p[2], g.d[2], g.k[2], g.W, a, b);
            if (a == 0 && b == g.k[2]) {
                ox_in_lo = std::min(ox_in_lo, ox);
                ox_in_hi = ox + 1;
            }
        }
        for (std::size_t c = c0; c < c1; ++c) {
            const float* xc = x + c * in_plane;
            for (std::size_t z = 0; z < g.D; ++z)  // along H first: whole contiguous rows, vectorised
                for (std::size_t oy = 0; oy < g.Ho; ++oy) {
                    float* acc = hy.data() + (z * g.Ho + oy) * g.W;
                    std::fill(acc, acc + g.W, ninf);
                    std::size_t a, b;
                    taps(oy, g.s[1], g.p[1], g.d[1], g.k[1], g.H, a, b);
                    for (std::size_t k = a; k < b; ++k) {
                        const float* src = xc + (z * g.H + std::size_t(long(oy * g.s[1]) - long(g.p[1]) + long(k * g.d[1]))) * g.W;
                        for (std::size_t ix = 0; ix < g.W; ++ix) acc[ix] = nan_max(acc[ix], src[ix]);
                    }
                }
            for (std::size_t r = 0; r < g.D * g.Ho; ++r) {  // then along W, on the already reduced rows
                const float* row = hy.data() + r * g.W;
                float* h = hx.data() + r * g.Wo;
                for (std::size_t ox = 0; ox < g.Wo; ++ox) {
                    float m = ninf;
                    const long base = long(ox * g.s[2]) - long(g.p[2]);
                    if (ox >= ox_in_lo && ox < ox_in_hi) {
                        for (std::size_t k = 0; k < g.k[2]; ++k) m = nan_max(m, row[base + long(k * g.d[2])]);
                    } else {
                        std::size_t a, b;
                        taps(ox, g.s[2], g.p[2], g.d[2], g.k[2], g.W, a, b);
                        for (std::size_t k = a; k < b; ++k) m = nan_max(m, row[base + long(k * g.d[2])]);
                    }
                    h[ox] = m;
                }
            }
            float* o = out + c * out_plane;
            const std::size_t hw = g.Ho * g.Wo;
            for (std::size_t od = 0; od < g.Do; ++od) {  // along D
                float* acc = o + od * hw;
                std::fill(acc, acc + hw, ninf);
                std::size_t a, b;
                taps(od, g.s[0], g.p[0], g.d[0], g.k[0], g.D, a, b);
                for (std::size_t k = a; k < b; ++k) {
                    const float* src = hx.data() + std::size_t(long(od * g.s[0]) - long(g.p[0]) + long(k * g.d[0])) * hw;
                    for (std::size_t i = 0; i < hw; ++i) acc[i] = nan_max(acc[i], src[i]);
                }
            }
        }
    });
}

inline void avg_pool(const float* x, float* out, const geometry& g, bool count_include_pad, unsigned threads) {
    const std::size_t in_plane = g.D * g.H * g.W, out_plane = g.Do * g.Ho * g.Wo;
    parallel_for(g.NC, threads, [&](std::size_t c0, std::size_t c1) {
        for (std::size_t c = c0; c < c1; ++c) {
            const float* xc = x + c * in_plane;
            float* o = out + c * out_plane;
            for (std::size_t od = 0; od < g.Do; ++od) {
                long z0 = long(od * g.s[0]) - long(g.p[0]);
                long z1 = std::min(z0 + long(g.k[0]), long(g.D + g.p[0]));
                const long zpad = z1 - z0;
                z0 = std::max(z0, 0L); z1 = std::min(z1, long(g.D));
                for (std::size_t oy = 0; oy < g.Ho; ++oy) {
                    long y0 = long(oy * g.s[1]) - long(g.p[1]);
                    long y1 = std::min(y0 + long(g.k[1]), long(g.H + g.p[1]));
                    const long ypad = y1 - y0;
                    y0 = std::max(y0, 0L); y1 = std::min(y1, long(g.H));
                    for (std::size_t ox = 0; ox < g.Wo; ++ox) {
                        long x0 = long(ox * g.s[2]) - long(g.p[2]);
                        long x1 = std::min(x0 + long(g.k[2]), long(g.W + g.p[2]));
                        const long xpad = x1 - x0;
                        x0 = std::max(x0, 0L); x1 = std::min(x1, long(g.W));
                        float sum = 0.f;
                        for (long z = z0; z < z1; ++z)
                            for (long y = y0; y < y1; ++y) {
                                const float* row = xc + (std::size_t(z) * g.H + std::size_t(y)) * g.W;
                                for (long xx = x0; xx < x1; ++xx) sum += row[xx];
                            }
                        const long count = count_include_pad ? zpad * ypad * xpad
                                                             : (z1 - z0) * (y1 - y0) * (x1 - x0);
                        *o++ = count > 0 ? sum / float(count) : 0.f;
                    }
                }
            }
        }
    });
}

inline pool3d_options to3d(const pool2d_options& o) {
    pool3d_options r;
    r.kernel = {1, o.kernel[0], o.kernel[1]};
    r.stride = {1, o.stride[0] ? o.stride[0] : o.kernel[0], o.stride[1] ? o.stride[1] : o.kernel[1]};
    r.padding = {0, o.padding[0], o.padding[1]};
    r.dilation = {1, o.dilation[0], o.dilation[1]};
    r.ceil_mode = o.ceil_mode;
    r.count_include_pad = o.count_include_pad;
    r.threads = o.threads;
    return r;
}

template <std::size_t R>
std::array<std::size_t, 5> as5(const tensor<float, R>& x) {
    const auto& s = x.shape();
    if constexpr (R == 5) return {s[0], s[1], s[2], s[3], s[4]};
    else return {s[0], s[1], 1, s[2], s[3]};
}

}  // namespace pool_impl

/// torch.nn.functional.max_pool3d.
inline tensor<float, 5> max_pool3d(const tensor<float, 5>& x, const pool3d_options& o) {
    const auto g = pool_impl::make(pool_impl::as5(x), o, true, "max_pool3d");
    tensor<float, 5> out = tensor<float, 5>::from_shape({x.shape()[0], x.shape()[1], g.Do, g.Ho, g.Wo});
    if (out.size()) pool_impl::max_pool(x.data(), out.data(), g, o.threads);
    return out;
}

/// torch.nn.functional.avg_pool3d (no divisor_override).
inline tensor<float, 5> avg_pool3d(const tensor<float, 5>& x, const pool3d_options& o) {
    const auto g = pool_impl::make(pool_impl::as5(x), o, false, "avg_pool3d");
    tensor<float, 5> out = tensor<float, 5>::from_shape({x.shape()[0], x.shape()[1], g.Do, g.Ho, g.Wo});
    if (out.size()) pool_impl::avg_pool(x.data(), out.data(), g, o.count_include_pad, o.threads);
    return out;
}

/// torch.nn.functional.max_pool2d.
inline tensor<float, 4> max_pool2d(const tensor<float, 4>& x, const pool2d_options& o) {
    const auto g = pool_impl::make(pool_impl::as5(x), pool_impl::to3d(o), true, "max_pool2d");
    tensor<float, 4> out = tensor<float, 4>::from_shape({x.shape()[0], x.shape()[1], g.Ho, g.Wo});
    if (out.size()) pool_impl::max_pool(x.data(), out.data(), g, o.threads);
    return out;
}

/// torch.nn.functional.avg_pool2d (no divisor_override).
inline tensor<float, 4> avg_pool2d(const tensor<float, 4>& x, const pool2d_options& o) {
    const auto g = pool_impl::make(pool_impl::as5(x), pool_impl::to3d(o), false, "avg_pool2d");
    tensor<float, 4> out = tensor<float, 4>::from_shape({x.shape()[0], x.shape()[1], g.Ho, g.Wo});
    if (out.size()) pool_impl::avg_pool(x.data(), out.data(), g, o.count_include_pad, o.threads);
    return out;
}

}  // namespace syncdsp::nn
