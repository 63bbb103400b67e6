// syncdsp/nn/nhwc.hpp - channels-last (NHWC, batch 1) float ops with TensorFlow semantics, for the
// TF.js models (face detector, landmarks): TF 'same'/'valid' padding (the odd pad pixel goes to the
// bottom/right), HWIO filters, depthwise [kh,kw,C,1] filters, legacy bilinear resize.
//
// Why a second layout next to nn/conv.hpp (NCHW, PyTorch padding): TF 'same' padding with stride 2
// is asymmetric, which conv.hpp's symmetric padding cannot express, and in NHWC a depthwise 3x3
// conv is nine vectorisable multiply-adds over contiguous channels per pixel and a pointwise (1x1)
// conv is one GEMM (pixels x Cin) * (Cin x Cout) on the TF weight layout as stored - no
// transposes, no im2col for the separable convs that make up these networks.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"
#include "syncdsp/nn/gemm.hpp"

namespace syncdsp::nn {

/// A channels-last feature map: element (y, x, c) at v[(y * w + x) * c_count + c].
struct nhwc_map {
    std::size_t h = 0, w = 0, c = 0;
    std::vector<float> v;
    nhwc_map() = default;
    nhwc_map(std::size_t h_, std::size_t w_, std::size_t c_, float fill = 0.f) : h(h_), w(w_), c(c_), v(h_ * w_ * c_, fill) {}
    void reset(std::size_t h_, std::size_t w_, std::size_t c_) {
        h = h_;
        w = w_;
        c = c_;
        v.resize(h_ * w_ * c_);
    }
    float* px(std::size_t y, std::size_t x) { return v.data() + (y * w + x) * c; }
    const float* px(std::size_t y, std::size_t x) const { return v.data() + (y * w + x) * c; }
    std::size_t size() const { return v.size(); }
};

/// TF padding of one axis: output size and the pad before (the remainder goes after).
struct tf_pad {
    std::size_t out = 0, before = 0;
};
inline tf_pad tf_same(std::size_t in, std::size_t k, std::size_t stride) {
    const std::size_t out = (in + stride - 1) / stride;
    const long total = std::max<long>(long((out - 1) * stride + k) - long(in), 0);
    return {out, std::size_t(total / 2)};
}
inline tf_pad tf_valid(std::size_t in, std::size_t k, std::size_t stride) {
    if (in < k) return {0, 0};
    return {(in - k) / stride + 1, 0};
}

/// Depthwise 3x3 (multiplier 1) with explicit geometry. w: [3][3][C] (TF [3,3,C,1]). No bias.
/// Zero padding: taps outside the input are skipped.
inline void depthwise3x3(const nhwc_map& in, const float* w, std::size_t stride, tf_pad py, tf_pad px,
                         nhwc_map& out) {
    const std::size_t C = in.c;
    out.reset(py.out, px.out, C);
    const std::size_t row = in.w * C;
    for (std::size_t oy = 0; oy < py.out; ++oy) {
        const long iy0 = long(oy * stride) - long(py.before);
        const bool rows_inside = iy0 >= 0 && iy0 + 3 <= long(in.h);
        for (std::size_t ox = 0; ox < px.out; ++ox) {
            float* o = out.px(oy, ox);
            const long ix0 = long(ox * stride) - long(px.before);
            if (rows_inside && ix0 >= 0 && ix0 + 3 <= long(in.w)) {
                // Interior: all nine taps exist; same summation order as the general path.
                const float* r0 = in.px(std::size_t(iy0), std::size_t(ix0));
                const float* r1 = r0 + row;
                const float* r2 = r1 + row;
                const float *k0 = w, *k1 = w + C, *k2 = w + 2 * C, *k3 = w + 3 * C, *k4 = w + 4 * C, *k5 = w + 5 * C,
                            *k6 = w + 6 * C, *k7 = w + 7 * C, *k8 = w + 8 * C;
                for (std::size_t c = 0; c < C; ++c) {
                    float a = 0.f;
                    a += r0[c] * k0[c];
                    a += r0[C + c] * k1[c];
                    a += r0[2 * C + c] * k2[c];
                    a += r1[c] * k3[c];
                    a += r1[C + c] * k4[c];
                    a += r1[2 * C + c] * k5[c];
                    a += r2[c] * k6[c];
                    a += r2[C + c] * k7[c];
                    a += r2[2 * C + c] * k8[c];
                    o[c] = a;
                }
                continue;
            }
            std::fill(o, o + C, 0.f);
            for (std::size_t ky = 0; ky < 3; ++ky) {
                const long iy = long(oy * stride + ky) - long(py.before);
                if (iy < 0 || iy >= long(in.h)) continue;
                for (std::size_t kx = 0; kx < 3; ++kx) {
                    const long ix = long(ox * stride + kx) - long(px.before);
                    if (ix < 0 || ix >= long(in.w)) continue;
                    const float* s = in.px(std::size_t(iy), std::size_t(ix));
                    const float* k = w + (ky * 3 + kx) * C;
                    for (std::size_t c = 0; c < C; ++c) o[c] += s[c] * k[c];
                }
            }
        }
    }
}

/// Pointwise (1x1) conv + bias: out(P x Cout) = in(P x Cin) * w(Cin x Cout) + b. w in TF [1,1,Cin,Cout].
inline void pointwise(const nhwc_map& in, const float* w, const float* bias, std::size_t cout, nhwc_map& out) {
    out.reset(in.h, in.w, cout);
    gemm_args g;
    g.M = in.h * in.w;
    g.N = cout;
    g.K = in.c;
    g.a = in.v.data();
    g.lda = in.c;
    g.b = w;
    g.ldb = cout;
    g.c = out.v.data();
    g.ldc = cout;
    g.col_bias = bias;
    gemm(g);
}

/// Regular 3x3 conv + bias (TF HWIO filters [3,3,Cin,Cout]) with explicit geometry, lowered to
/// GEMMs (rows x 9Cin) * (9Cin x Cout) over blocks of output rows (about 8k pixels per block, so
/// the column buffer stays in cache and each GEMM is large enough to run at full speed).
inline void conv3x3(const nhwc_map& in, const float* w, const float* bias, std::size_t cout, std::size_t stride,
                    tf_pad py, tf_pad px, nhwc_map& out) {
    const std::size_t C = in.c, K = 9 * C;
    out.reset(py.out, px.out, cout);
    if (py.out == 0 || px.out == 0) return;
    const std::size_t rows_per_block = std::min(py.out, std::max<std::size_t>(1, 8192 / px.out));
    // Every element is written before the GEMM reads it, so the buffer is left uninitialised.
    const std::unique_ptr<float[]> col_buffer(new float[rows_per_block * px.out * K]);
    float* const col = col_buffer.get();
    for (std::size_t y0 = 0; y0 < py.out; y0 += rows_per_block) {
        const std::size_t nrows = std::min(rows_per_block, py.out - y0);
        const std::size_t P = nrows * px.out;
        for (std::size_t r = 0; r < nrows; ++r) {
            const std::size_t oy = y0 + r;
            for (std::size_t ox = 0; ox < px.out; ++ox) {
                float* dst = col + (r * px.out + ox) * K;
                const long iy0 = long(oy * stride) - long(py.before), ix0 = long(ox * stride) - long(px.before);
                if (iy0 >= 0 && ix0 >= 0 && iy0 + 3 <= long(in.h) && ix0 + 3 <= long(in.w)) {  // interior: 3 row runs
                    for (std::size_t ky = 0; ky < 3; ++ky) {
                        const float* s = in.px(std::size_t(iy0) + ky, std::size_t(ix0));
                        std::copy(s, s + 3 * C, dst + ky * 3 * C);
                    }
                    continue;
                }
                for (std::size_t ky = 0; ky < 3; ++ky) {
                    const long iy = long(oy * stride + ky) - long(py.before);
                    for (std::size_t kx = 0; kx < 3; ++kx) {
                        const long ix = long(ox * stride + kx) - long(px.before);
                        float* d = dst + (ky * 3 + kx) * C;
                        if (iy < 0 || iy >= long(in.h) || ix < 0 || ix >= long(in.w)) {
                            std::fill(d, d + C, 0.f);
                        } else {
                            const float* s = in.px(std::size_t(iy), std::size_t(ix));
                            std::copy(s, s + C, d);
                        }
                    }
                }
            }
        }
        gemm_args g;  // (P x 9Cin) * (9Cin x Cout) + bias
        g.M = P;
        g.N = cout;
        g.K = K;
        g.a = col;
        g.lda = K;
        g.b = w;
        g.ldb = cout;
        g.c = out.px(y0, 0);
        g.ldc = cout;
        g.col_bias = bias;
        gemm(g);
    }
}

/// Max pool k x k (TF padding given; padded cells never win).
inline void max_pool(const nhwc_map& in, std::size_t k, std::size_t stride, tf_pad py, tf_pad px, nhwc_map& out) {
    const std::size_t C = in.c;
    out.reset(py.out, px.out, C);
    for (std::size_t oy = 0; oy < py.out; ++oy)
        for (std::size_t ox = 0; ox < px.out; ++ox) {
            float* o = out.px(oy, ox);
            bool first = true;
            for (std::size_t ky = 0; ky < k; ++ky) {
                const long iy = long(oy * stride + ky) - long(py.before);
                if (iy < 0 || iy >= long(in.h)) continue;
                for (std::size_t kx = 0; kx < k; ++kx) {
                    const long ix = long(ox * stride + kx) - long(px.before);
                    if (ix < 0 || ix >= long(in.w)) continue;
                    const float* s = in.px(std::size_t(iy), std::size_t(ix));
                    if (first) {
                        std::copy(s, s + C, o);
                        first = false;
                    } else {
                        for (std::size_t c = 0; c < C; ++c) o[c] = std::max(o[c], s[c]);
                    }
                }
            }
            if (first) std::fill(o, o + C, 0.f);
        }
}

/// Average pool k x k, 'valid' padding; sums in double (as TF.js's cpu backend does).
inline void avg_pool_valid(const nhwc_map& in, std::size_t k, std::size_t stride, nhwc_map& out) {
    const tf_pad py = tf_valid(in.h, k, stride), px = tf_valid(in.w, k, stride);
    SYNCDSP_REQUIRE(py.out > 0 && px.out > 0, "nhwc", "avg pool ", k, "x", k, " does not fit a ", in.h, "x", in.w, " map");
    const std::size_t C = in.c;
    out.reset(py.out, px.out, C);
    std::vector<double> acc(C);
    for (std::size_t oy = 0; oy < py.out; ++oy)
        for (std::size_t ox = 0; ox < px.out; ++ox) {
            std::fill(acc.begin(), acc.end(), 0.0);
            for (std::size_t ky = 0; ky < k; ++ky)
                for (std::size_t kx = 0; kx < k; ++kx) {
                    const float* s = in.px(oy * stride + ky, ox * stride + kx);
                    for (std::size_t c = 0; c < C; ++c) acc[c] += s[c];
                }
            float* o = out.px(oy, ox);
            for (std::size_t c = 0; c < C; ++c) o[c] = static_cast<float>(acc[c] / double(k * k));
        }
}

/// TF.js leaky ReLU as face-api writes it: m = 0.1f * x; relu(x - m) + m (float arithmetic).
inline void leaky_tf(nhwc_map& m) {
    for (auto& x : m.v) {
        const float mn = x * 0.100000001490116119384765625f;
        x = std::max(x - mn, 0.f) + mn;
    }
}

inline void relu_inplace(nhwc_map& m) {
    for (auto& x : m.v) x = std::max(x, 0.f);
}

/// Where legacy TF bilinear resizing (alignCorners = false, halfPixelCenters = false) samples along
/// one axis: output index i reads src = i * scale between floor(src) and ceil(src) (clamped to
/// `src_size` - 1) with weight frac = src - floor(src).
struct tf_bilinear_axis {
    std::vector<std::size_t> lo, hi;
    std::vector<double> frac;
    tf_bilinear_axis(std::size_t out_size, double scale, std::size_t src_size) : lo(out_size), hi(out_size), frac(out_size) {
        for (std::size_t i = 0; i < out_size; ++i) {
            const double s = scale * double(i);
            const double f = std::max(0.0, std::floor(s));
            lo[i] = std::size_t(f);
            frac[i] = s - f;
            hi[i] = std::min(src_size - 1, std::size_t(std::ceil(s)));
        }
    }
};

/// tf.image.resizeBilinear with alignCorners = false, halfPixelCenters = false (legacy TF):
/// src = dst * in/out, neighbours floor/ceil clamped, interpolation in double, stored as float.
/// `src` is an HWC float image; the result is out_h x out_w x C.
inline nhwc_map resize_bilinear_tf(const float* src, std::size_t h, std::size_t w, std::size_t C, std::size_t out_h,
                                   std::size_t out_w) {
    SYNCDSP_REQUIRE(h > 0 && w > 0 && out_h > 0 && out_w > 0 && C > 0, "nhwc", "resize of an empty image (", w, "x", h,
                    " -> ", out_w, "x", out_h, ")");
    nhwc_map out(out_h, out_w, C);
    const tf_bilinear_axis xs(out_w, double(w) / double(out_w), w), ys(out_h, double(h) / double(out_h), h);
    const auto& x0 = xs.lo;
    const auto& x1 = xs.hi;
    const auto& fx = xs.frac;
    float* o = out.v.data();
    for (std::size_t r = 0; r < out_h; ++r) {
        const std::size_t y0 = ys.lo[r], y1 = ys.hi[r];
        const double fy = ys.frac[r];
        const float* top = src + y0 * w * C;
        const float* bot = src + y1 * w * C;
        for (std::size_t c = 0; c < out_w; ++c) {
            for (std::size_t d = 0; d < C; ++d) {
                const double tl = top[x0[c] * C + d], tr = top[x1[c] * C + d];
                const double bl = bot[x0[c] * C + d], br = bot[x1[c] * C + d];
                const double t = tl + (tr - tl) * fx[c];
                const double b = bl + (br - bl) * fx[c];
                *o++ = static_cast<float>(t + (b - t) * fy);
            }
        }
    }
    return out;
}

}  // namespace syncdsp::nn
