// syncdsp/nn/conv.hpp - 2-D and 3-D convolution over float32 NCHW / NCDHW tensors, PyTorch semantics.
//
// conv3d is the core: input (N, Cin, D, H, W), weight (Cout, Cin/groups, kD, kH, kW) - PyTorch's
// OIDHW layout - and an optional bias (Cout). conv2d is conv3d with D = kD = 1. Stride, zero padding,
// dilation and groups behave as torch.nn.functional.conv{2,3}d (cross-correlation, no kernel flip).
//
// Paths: depthwise convolutions (groups == Cin, Cout == Cin * multiplier) use a direct loop; 1x1
// stride-1 unpadded convolutions multiply the input in place; everything else lowers each image of
// each group to a column matrix (im2col, K = Cin/groups*kD*kH*kW rows by P = output positions) and
// runs one GEMM (Cout/groups x K) * (K x P) (syncdsp/nn/gemm.hpp: dispatched at run time to the
// CPU's best SIMD, or Eigen's with SYNCDSP_NN_GEMM_EIGEN). Bias and an optional activation are fused
// into the GEMM's output pass. Work is split over the batch with parallel_for (`threads`, 1 = inline).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <vector>

#include "syncdsp/core/checked.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/parallel.hpp"
#include "syncdsp/core/tensor.hpp"
#include "syncdsp/nn/activation.hpp"
#include "syncdsp/nn/gemm.hpp"

namespace syncdsp::nn {

/// Options of conv3d; every triple is (depth/time, height, width).
struct conv3d_options {
    std::array<std::size_t, 3> stride{1, 1, 1};
    std::array<std::size_t, 3> padding{0, 0, 0};   ///< zeros added on both sides
    std::array<std::size_t, 3> dilation{1, 1, 1};
    std::size_t groups = 1;
    activation act = activation::none;
    float negative_slope = 0.01f;                  ///< for activation::leaky_relu
    unsigned threads = 1;                          ///< 0 = hardware concurrency
};

/// Options of conv2d; every pair is (height, width).
struct conv2d_options {
    std::array<std::size_t, 2> stride{1, 1};
    std::array<std::size_t, 2> padding{0, 0};
    std::array<std::size_t, 2> dilation{1, 1};
    std::size_t groups = 1;
    activation act = activation::none;
    float negative_slope = 0.01f;
    unsigned threads = 1;
};

/// Output length of one convolution / pooling axis (floor mode), or 0 when the kernel does not fit.
inline std::size_t conv_output_size(std::size_t in, std::size_t kernel, std::size_t stride,
                                    std::size_t pad, std::size_t dilation) {
    const std::size_t span = dilation * (kernel - 1) + 1;
    const std::size_t padded = in + 2 * pad;
    if (padded < span) return 0;
    return (padded - span) / stride + 1;
}

namespace conv_impl {

struct geometry {
    std::size_t N, Cin, D, H, W;          // input
    std::size_t Cout, kD, kH, kW;         // weight
    std::size_t Do, Ho, Wo;               // output
    std::size_t groups;
    std::array<std::size_t, 3> s, p, d;
    std::size_t cin_g() const { return Cin / groups; }
    std::size_t cout_g() const { return Cout / groups; }
    std::size_t in_plane() const { return D * H * W; }
    std::size_t out_plane() const { return Do * Ho * Wo; }
    std::size_t k_size() const { return cin_g() * kD * kH * kW; }
};

/// im2col over a range of "global columns" q = image * P + output position, for one group:
/// rows (ci, kd, ky, kx), columns q in [q0, q1). `x` points at the group's first channel of image 0
/// of the range; images are `image_stride` floats apart.
inline void im2col_range(const float* x, std::size_t image_stride, const geometry& g, std::size_t q0,
                         std::size_t q1, float* col) {
    const std::size_t P = g.out_plane(), HW = g.Ho * g.Wo, ncol = q1 - q0;
    std::size_t row = 0;
    for (std::size_t ci = 0; ci < g.cin_g(); ++ci)
        for (std::size_t kd = 0; kd < g.kD; ++kd)
            for (std::size_t ky = 0; ky < g.kH; ++ky)
                for (std::size_t kx = 0; kx < g.kW; ++kx, ++row) {
                    float* dst = col + row * ncol;
                    const long off_x = long(kx * g.d[2]) - long(g.p[2]);
                    std::size_t ox_lo = 0, ox_hi = g.Wo;  // outputs whose input column is inside
                    while (ox_lo < g.Wo && long(ox_lo * g.s[2]) + off_x < 0) ++ox_lo;
                    while (ox_hi > ox_lo && long((ox_hi - 1) * g.s[2]) + off_x >= long(g.W)) --ox_hi;
                    // Output coordinates of column q, advanced row by row (no divisions per segment:
                    // rows are short, 9-20 values in SyncNet's audio layers).
                    std::size_t q = q0;
                    std::size_t n = q0 / P, od = (q0 % P) / HW, oy = (q0 % HW) / g.Wo, ox = q0 % g.Wo;
                    for (; q < q1; ox = 0) {
                        const std::size_t seg = std::min(g.Wo - ox, q1 - q);
                        const long iz = long(od * g.s[0]) - long(g.p[0]) + long(kd * g.d[0]);
                        const long iy = long(oy * g.s[1]) - long(g.p[1]) + long(ky * g.d[1]);
                        if (iz < 0 || iz >= long(g.D) || iy < 0 || iy >= long(g.H)) {
                            std::fill(dst, dst + seg, 0.f);
                        } else {
                            const float* src = x + n * image_stride + ci * g.in_plane() +
                                               (std::size_t(iz) * g.H + std::size_t(iy)) * g.W;
                            const std::size_t a = std::max(ox, std::min(ox_lo, ox + seg));
                            const std::size_t b = std::max(a, std::min(ox_hi, ox + seg));
                            std::fill(dst, dst + (a - ox), 0.f);
                            if (g.s[2] == 1) {
                                if (b > a) std::memcpy(dst + (a - ox), src + long(a) + off_x, (b - a) * sizeof(float));
                            } else if (g.s[2] == 2) {  // a fixed stride lets the compiler vectorise
                                const float* s2 = src + long(2 * a) + off_x;
                                float* d2 = dst + (a - ox);
                                for (std::size_t o = 0; o < b - a; ++o) d2[o] = s2[2 * o];
                            } else {
                                for (std::size_t o = a; o < b; ++o) dst[o - ox] = src[long(o * g.s[2]) + off_x];
                            }
                            std::fill(dst + (b - ox), dst + seg, 0.f);
                        }
                        dst += seg;
                        q += seg;
                        if (++oy == g.Ho) {
                            oy = 0;
                            if (++od == g.Do) {
                                od = 0;
                                ++n;
                            }
                        }
                    }
                }
}

/// Columns per im2col chunk: wide enough that the GEMM runs whole N blocks (it re-packs the columns
/// into cache-sized panels itself), small enough to bound the buffer (4 MB).
inline std::size_t chunk_columns(std::size_t K, std::size_t total) {
    const std::size_t budget = std::size_t(4) << 20;  // bytes
    std::size_t c = budget / (K * sizeof(float));
    c = std::max<std::size_t>(c, 256);
    c = c / 64 * 64;  // whole register tiles (32 columns on AVX-512)
    return std::min(c, total);
}

/// Direct depthwise kernel: each output channel co reads input channel co / multiplier.
inline void depthwise(const float* x, const float* w, const float* bias, float* out, const geometry& g,
                      std::size_t n, activation act, float slope) {
    const std::size_t mult = g.Cout / g.Cin;
    const std::size_t ksz = g.kD * g.kH * g.kW;
    for (std::size_t co = 0; co < g.Cout; ++co) {
        const float* xc = x + (n * g.Cin + co / mult) * g.in_plane();
        const float* wc = w + co * ksz;
        float* o = out + (n * g.Cout + co) * g.out_plane();
        const float b = bias ? bias[co] : 0.f;
        for (std::size_t od = 0; od < g.Do; ++od)
            for (std::size_t oy = 0; oy < g.Ho; ++oy)
                for (std::size_t ox = 0; ox < g.Wo; ++ox) {
                    float acc = 0.f;
                    for (std::size_t kd = 0; kd < g.kD; ++kd) {
                        const long iz = long(od * g.s[0]) - long(g.p[0]) + long(kd * g.d[0]);
                        if (iz < 0 || iz >= long(g.D)) continue;
                        for (std::size_t ky = 0; ky < g.kH; ++ky) {
                            const long iy = long(oy * g.s[1]) - long(g.p[1]) + long(ky * g.d[1]);
                            if (iy < 0 || iy >= long(g.H)) continue;
                            const float* row = xc + (std::size_t(iz) * g.H + std::size_t(iy)) * g.W;
                            const float* wr = wc + (kd * g.kH + ky) * g.kW;
                            for (std::size_t kx = 0; kx < g.kW; ++kx) {
                                const long ix = long(ox * g.s[2]) - long(g.p[2]) + long(kx * g.d[2]);
                                if (ix < 0 || ix >= long(g.W)) continue;
                                acc += row[ix] * wr[kx];
                            }
                        }
                    }
                    *o++ = apply_activation(act, acc + b, slope);
                }
    }
}

inline void run(const float* x, const float* w, const float* bias, float* out, const geometry& g,
                activation act, float slope, unsigned threads) {
    const bool is_depthwise = g.groups == g.Cin && g.groups > 1 && g.cin_g() == 1;
    const bool pointwise = g.kD == 1 && g.kH == 1 && g.kW == 1 && g.s == std::array<std::size_t, 3>{1, 1, 1} &&
                           g.p == std::array<std::size_t, 3>{0, 0, 0};
    const std::size_t P = g.out_plane();
    const std::size_t K = g.k_size();
    // One GEMM: weights of a group (cout_g x K, packed once per group) times a column matrix, bias
    // and activation fused.
    const auto product = [&](const gemm_packed_a& wg, const float* cols, std::size_t ncols, std::size_t ld_cols,
                             float* dst, std::size_t ld_dst, const float* bg) {
        gemm_args a;
        a.M = g.cout_g();
        a.N = ncols;
        a.K = K;
        a.b = cols;
        a.ldb = ld_cols;
        a.c = dst;
        a.ldc = ld_dst;
        a.row_bias = bg;
        a.act = act;
        a.negative_slope = slope;
        gemm(a, wg);
    };
    const auto pack_weights = [&](std::size_t grp) {
        return gemm_pack_a(g.cout_g(), K, w + grp * g.cout_g() * K, K);
    };
    parallel_for(g.N, threads, [&](std::size_t n0, std::size_t n1) {
        if (is_depthwise) {
            for (std::size_t n = n0; n < n1; ++n) depthwise(x, w, bias, out, g, n, act, slope);
            return;
        }
        if (pointwise) {  // the input already is the column matrix of each image
            for (std::size_t grp = 0; grp < g.groups; ++grp) {
                const gemm_packed_a wg = pack_weights(grp);
                for (std::size_t n = n0; n < n1; ++n) {
                    const float* xg = x + (n * g.Cin + grp * g.cin_g()) * g.in_plane();
                    float* og = out + (n * g.Cout + grp * g.cout_g()) * P;
                    product(wg, xg, P, P, og, P, bias ? bias + grp * g.cout_g() : nullptr);
                }
            }
            return;
        }
        // Columns of all images of this range, in L2-sized chunks: small outputs (late layers) get
        // one wide GEMM over several images, big ones (first layer) never build a huge matrix.
        const std::size_t Q = (n1 - n0) * P;
        const std::size_t chunk = chunk_columns(K, Q);
        std::vector<float> col(checked_mul(K, chunk, "conv"));
        std::vector<float> tmp;
        for (std::size_t grp = 0; grp < g.groups; ++grp) {
            const float* xg = x + (n0 * g.Cin + grp * g.cin_g()) * g.in_plane();
            const gemm_packed_a wg = pack_weights(grp);
            const float* bg = bias ? bias + grp * g.cout_g() : nullptr;
            for (std::size_t q0 = 0; q0 < Q; q0 += chunk) {
                const std::size_t q1 = std::min(Q, q0 + chunk), nq = q1 - q0;
                im2col_range(xg, g.Cin * g.in_plane(), g, q0, q1, col.data());
                const std::size_t n_first = n0 + q0 / P, p_first = q0 % P;
                if (p_first + nq <= P) {  // the chunk lies in one image: write its output in place
                    float* dst = out + (n_first * g.Cout + grp * g.cout_g()) * P + p_first;
                    product(wg, col.data(), nq, nq, dst, P, bg);
                    continue;
                }
                // Otherwise finish in a buffer, then copy each image's columns to it.
                tmp.resize(checked_mul(g.cout_g(), chunk, "conv"));
                product(wg, col.data(), nq, nq, tmp.data(), nq, bg);
                for (std::size_t q = q0; q < q1;) {
                    const std::size_t n = n0 + q / P, p = q % P;
                    const std::size_t seg = std::min(P - p, q1 - q);
                    for (std::size_t c = 0; c < g.cout_g(); ++c)
                        std::memcpy(out + (n * g.Cout + grp * g.cout_g() + c) * P + p, tmp.data() + c * nq + (q - q0),
                                    seg * sizeof(float));
                    q += seg;
                }
            }
        }
    });
}

inline geometry make_geometry(const std::array<std::size_t, 5>& xs, const std::array<std::size_t, 5>& ws,
                              std::size_t bias_size, const conv3d_options& o, const char* where) {
    geometry g{};
    g.N = xs[0]; g.Cin = xs[1]; g.D = xs[2]; g.H = xs[3]; g.W = xs[4];
    g.Cout = ws[0]; g.kD = ws[2]; g.kH = ws[3]; g.kW = ws[4];
    g.groups = o.groups;
    g.s = o.stride; g.p = o.padding; g.d = o.dilation;
    SYNCDSP_REQUIRE(o.groups >= 1, where, "groups must be >= 1");
    for (int i = 0; i < 3; ++i) {
        SYNCDSP_REQUIRE(o.stride[i] >= 1, where, "stride must be >= 1 on every axis");
        SYNCDSP_REQUIRE(o.dilation[i] >= 1, where, "dilation must be >= 1 on every axis");
    }
    SYNCDSP_REQUIRE(g.Cin >= 1 && g.Cout >= 1, where, "input has ", g.Cin, " channels and weight ", g.Cout,
                    " output channels; both must be >= 1");
    SYNCDSP_REQUIRE(g.Cin % g.groups == 0, where, "input channels (", g.Cin, ") not divisible by groups (",
                    g.groups, ")");
    SYNCDSP_REQUIRE(g.Cout % g.groups == 0, where, "weight output channels (", g.Cout,
                    ") not divisible by groups (", g.groups, ")");
    SYNCDSP_REQUIRE(ws[1] == g.Cin / g.groups, where, "weight expects ", ws[1] * g.groups,
                    " input channels (shape[1]=", ws[1], " x groups=", g.groups, ") but the input has ", g.Cin);
    SYNCDSP_REQUIRE(g.kD >= 1 && g.kH >= 1 && g.kW >= 1, where, "kernel sizes must be >= 1");
    SYNCDSP_REQUIRE(bias_size == 0 || bias_size == g.Cout, where, "bias has ", bias_size,
                    " entries but the weight has ", g.Cout, " output channels");
    g.Do = conv_output_size(g.D, g.kD, g.s[0], g.p[0], g.d[0]);
    g.Ho = conv_output_size(g.H, g.kH, g.s[1], g.p[1], g.d[1]);
    g.Wo = conv_output_size(g.W, g.kW, g.s[2], g.p[2], g.d[2]);
    SYNCDSP_REQUIRE(g.Do > 0 && g.Ho > 0 && g.Wo > 0, where, "kernel (", g.kD, "x", g.kH, "x", g.kW,
                    ", dilated) is larger than the padded input (", g.D, "x", g.H, "x", g.W, ")");
    return g;
}

}  // namespace conv_impl

/// 3-D convolution, torch.nn.functional.conv3d semantics. `bias` may be empty (no bias).
inline tensor<float, 5> conv3d(const tensor<float, 5>& x, const tensor<float, 5>& weight,
                               const tensor<float, 1>& bias, const conv3d_options& o = {}) {
    std::array<std::size_t, 5> xs, ws;
    std::copy(x.shape().begin(), x.shape().end(), xs.begin());
    std::copy(weight.shape().begin(), weight.shape().end(), ws.begin());
    const auto g = conv_impl::make_geometry(xs, ws, bias.size(), o, "conv3d");
    tensor<float, 5> out = tensor<float, 5>::from_shape({g.N, g.Cout, g.Do, g.Ho, g.Wo});
    if (out.size() == 0) return out;
    conv_impl::run(x.data(), weight.data(), bias.size() ? bias.data() : nullptr, out.data(), g, o.act,
                   o.negative_slope, o.threads);
    return out;
}

/// 2-D convolution, torch.nn.functional.conv2d semantics. `bias` may be empty (no bias).
inline tensor<float, 4> conv2d(const tensor<float, 4>& x, const tensor<float, 4>& weight,
                               const tensor<float, 1>& bias, const conv2d_options& o = {}) {
    const auto& s = x.shape();
    const auto& w = weight.shape();
    const std::array<std::size_t, 5> xs{s[0], s[1], 1, s[2], s[3]};
    const std::array<std::size_t, 5> ws{w[0], w[1], 1, w[2], w[3]};
    conv3d_options o3;
    o3.stride = {1, o.stride[0], o.stride[1]};
    o3.padding = {0, o.padding[0], o.padding[1]};
    o3.dilation = {1, o.dilation[0], o.dilation[1]};
    o3.groups = o.groups;
    o3.act = o.act;
    o3.negative_slope = o.negative_slope;
    o3.threads = o.threads;
    const auto g = conv_impl::make_geometry(xs, ws, bias.size(), o3, "conv2d");
    tensor<float, 4> out = tensor<float, 4>::from_shape({g.N, g.Cout, g.Ho, g.Wo});
    if (out.size() == 0) return out;
    conv_impl::run(x.data(), weight.data(), bias.size() ? bias.data() : nullptr, out.data(), g, o3.act,
                   o3.negative_slope, o3.threads);
    return out;
}

/// Depthwise 2-D convolution (groups = input channels): weight (C*multiplier, 1, kH, kW).
inline tensor<float, 4> depthwise_conv2d(const tensor<float, 4>& x, const tensor<float, 4>& weight,
                                         const tensor<float, 1>& bias, conv2d_options o = {}) {
    o.groups = x.shape()[1];
    SYNCDSP_REQUIRE(weight.shape()[1] == 1, "depthwise_conv2d", "weight shape[1] must be 1, got ",
                    weight.shape()[1]);
    return conv2d(x, weight, bias, o);
}

/// Batch-norm parameters of one layer (inference mode): y = (x - mean) / sqrt(var + eps) * gamma + beta.
struct batch_norm_params {
    tensor<float, 1> gamma, beta, mean, var;
    float eps = 1e-5f;
};

namespace conv_impl {
inline void check_bn(const batch_norm_params& bn, std::size_t channels, const char* where) {
    const auto c = bn.gamma.size();
    SYNCDSP_REQUIRE(c == channels && bn.beta.size() == c && bn.mean.size() == c && bn.var.size() == c, where,
                    "batch-norm has gamma/beta/mean/var sizes ", bn.gamma.size(), "/", bn.beta.size(), "/",
                    bn.mean.size(), "/", bn.var.size(), " but the layer has ", channels, " channels");
    for (std::size_t i = 0; i < c; ++i)
        SYNCDSP_REQUIRE(bn.var[i] + bn.eps > 0.f, where, "batch-norm running_var[", i, "] + eps = ",
                        bn.var[i] + bn.eps, " is not positive");
}
}  // namespace conv_impl

/// Batch norm in inference mode over axis 1 of any rank >= 2 tensor (N, C, ...), like eval-mode BatchNorm.
template <std::size_t R>
tensor<float, R> batch_norm(const tensor<float, R>& x, const batch_norm_params& bn) {
    static_assert(R >= 2, "batch_norm needs (N, C, ...)");
    const std::size_t C = x.shape()[1];
    conv_impl::check_bn(bn, C, "batch_norm");
    tensor<float, R> out = x;
    const std::size_t inner = C ? x.size() / (x.shape()[0] * C) : 0;
    float* p = out.data();
    for (std::size_t n = 0; n < x.shape()[0]; ++n)
        for (std::size_t c = 0; c < C; ++c) {
            const float scale = bn.gamma[c] / std::sqrt(bn.var[c] + bn.eps);
            const float shift = bn.beta[c] - bn.mean[c] * scale;
            for (std::size_t i = 0; i < inner; ++i, ++p) *p = *p * scale + shift;
        }
    return out;
}

/// Folds an inference-mode batch norm that follows a conv or linear layer into its weight
/// (out-channel axis 0, any rank) and bias: w' = w*s, b' = (b - mean)*s + beta with s = gamma/sqrt(var+eps).
/// An empty bias is treated as zeros and becomes a real bias.
template <std::size_t R>
void fold_batch_norm(tensor<float, R>& weight, tensor<float, 1>& bias, const batch_norm_params& bn) {
    const std::size_t C = weight.shape()[0];
    conv_impl::check_bn(bn, C, "fold_batch_norm");
    SYNCDSP_REQUIRE(bias.size() == 0 || bias.size() == C, "fold_batch_norm", "bias has ", bias.size(),
                    " entries, weight has ", C, " output channels");
    if (bias.size() == 0) bias = xt::zeros<float>({C});
    const std::size_t inner = C ? weight.size() / C : 0;
    for (std::size_t c = 0; c < C; ++c) {
        // Computed in double, then rounded once, to stay close to PyTorch's unfolded float path.
        const double s = double(bn.gamma[c]) / std::sqrt(double(bn.var[c]) + double(bn.eps));
        float* w = weight.data() + c * inner;
        for (std::size_t i = 0; i < inner; ++i) w[i] = float(double(w[i]) * s);
        bias[c] = float((double(bias[c]) - double(bn.mean[c])) * s + double(bn.beta[c]));
    }
}

}  // namespace syncdsp::nn
