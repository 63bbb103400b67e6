// syncdsp/vision/resize.hpp - bilinear and area resampling with OpenCV's conventions.
//
// Bilinear (OpenCV INTER_LINEAR): pixel centres are aligned (source x = (dx + 0.5) * W/w - 0.5),
// source coordinates outside the image are clamped to the edge pixel. An exact 2x reduction in both
// directions is the mean of each 2x2 block (OpenCV switches to its fast area path there).
// Area (OpenCV INTER_AREA): when shrinking, each output pixel is the mean of the source pixels it
// covers, partial pixels weighted by the covered fraction; when enlarging, OpenCV's area-mode
// bilinear weights are used (source x = floor(dx * W/w), fraction from the cell overlap).
// 8-bit results are computed in float and rounded (within 1 grey level of OpenCV's fixed point).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/vision/filter.hpp"
#include "syncdsp/vision/image.hpp"

namespace syncdsp::vision {

enum class interpolation { linear, area };

namespace impl {

/// Two-tap bilinear coefficients for one axis: index of the left tap and its two weights.
struct linear_axis {
    std::vector<long> ofs;
    std::vector<float> w0, w1;
};

inline linear_axis linear_coefficients(long src, long dst, bool area_mode) {
    linear_axis a;
    a.ofs.resize(std::size_t(dst));
    a.w0.resize(std::size_t(dst));
    a.w1.resize(std::size_t(dst));
    const double scale = double(src) / double(dst), inv = double(dst) / double(src);
    for (long d = 0; d < dst; ++d) {
        long s;
        float f;
        if (!area_mode) {
            f = static_cast<float>((d + 0.5) * scale - 0.5);
            s = static_cast<long>(std::floor(f));
            f -= static_cast<float>(s);
        } else {
            s = static_cast<long>(std::floor(d * scale));
            f = static_cast<float>((d + 1) - (s + 1) * inv);
            f = f <= 0 ? 0.f : f - std::floor(f);
        }
        if (s < 0) { s = 0; f = 0; }
        if (s >= src - 1) { s = src - 1; f = 0; }
        a.ofs[std::size_t(d)] = s;
        a.w0[std::size_t(d)] = 1.f - f;
        a.w1[std::size_t(d)] = f;
    }
    return a;
}

/// Area weights for one axis (shrinking): for each output, a list of (source index, weight).
struct area_axis {
    std::vector<std::size_t> start;  // into idx/w, size dst+1
    std::vector<long> idx;
    std::vector<float> w;
};

inline area_axis area_coefficients(long src, long dst) {
    area_axis a;
    const double scale = double(src) / double(dst);
    a.start.push_back(0);
    for (long d = 0; d < dst; ++d) {
        const double f1 = d * scale, f2 = f1 + scale;
        const double cell = std::min(scale, double(src) - f1);
        long s1 = static_cast<long>(std::ceil(f1)), s2 = static_cast<long>(std::floor(f2));
        s2 = std::min(s2, src - 1);
        s1 = std::min(s1, s2);
        if (s1 - f1 > 1e-3) {
            a.idx.push_back(s1 - 1);
            a.w.push_back(static_cast<float>((s1 - f1) / cell));
        }
        for (long s = s1; s < s2; ++s) {
            a.idx.push_back(s);
            a.w.push_back(static_cast<float>(1.0 / cell));
        }
        if (f2 - s2 > 1e-3) {
            a.idx.push_back(s2);
            a.w.push_back(static_cast<float>(std::min(std::min(f2 - s2, 1.0), cell) / cell));
        }
        a.start.push_back(a.idx.size());
    }
    return a;
}

}  // namespace impl

/// Resizes `in` into `out` (already shaped: out.width/height chosen by the caller, same channels).
template <class T, class U>
void resize_into(image_view<T> in, image_view<U> out, interpolation mode = interpolation::linear) {
    require_image(in, "resize");
    require_image(out, "resize");
    SYNCDSP_REQUIRE(in.channels == out.channels, "resize", "channel counts differ: ", in.channels, " vs ",
                    out.channels);
    const long W = long(in.width), H = long(in.height), w = long(out.width), h = long(out.height);
    const long C = long(in.channels);
    if (W == w && H == h) {
        for (long y = 0; y < H; ++y)
            for (long i = 0; i < W * C; ++i) out.row(std::size_t(y))[i] = static_cast<U>(in.row(std::size_t(y))[i]);
        return;
    }
    const bool shrink = W >= w && H >= h;
    if (mode == interpolation::linear && W == 2 * w && H == 2 * h) {
        // OpenCV's fast 2x2 mean.
        for (long y = 0; y < h; ++y) {
            const T* a = in.row(std::size_t(2 * y));
            const T* b = in.row(std::size_t(2 * y + 1));
            U* d = out.row(std::size_t(y));
            for (long x = 0; x < w; ++x)
                for (long c = 0; c < C; ++c) {
                    const long i0 = 2 * x * C + c, i1 = i0 + C;
                    if constexpr (std::is_same_v<U, std::uint8_t>)
                        d[x * C + c] = static_cast<U>((unsigned(a[i0]) + a[i1] + b[i0] + b[i1] + 2u) >> 2);
                    else
                        d[x * C + c] = static_cast<U>((float(a[i0]) + float(a[i1]) + float(b[i0]) + float(b[i1])) * 0.25f);
                }
        }
        return;
    }
    if (mode == interpolation::area && shrink) {
        const auto ax = impl::area_coefficients(W, w), ay = impl::area_coefficients(H, h);
        std::vector<float> acc(std::size_t(w * C)), hrow(std::size_t(w * C));
        for (long y = 0; y < h; ++y) {
            std::fill(acc.begin(), acc.end(), 0.f);
            for (std::size_t j = ay.start[std::size_t(y)]; j < ay.start[std::size_t(y) + 1]; ++j) {
                const T* s = in.row(std::size_t(ay.idx[j]));
                for (long x = 0; x < w; ++x)
                    for (long c = 0; c < C; ++c) {
                        float v = 0;
                        for (std::size_t k = ax.start[std::size_t(x)]; k < ax.start[std::size_t(x) + 1]; ++k)
                            v += float(s[ax.idx[k] * C + c]) * ax.w[k];
                        hrow[std::size_t(x * C + c)] = v;
                    }
                const float wy = ay.w[j];
                for (std::size_t i = 0; i < acc.size(); ++i) acc[i] += hrow[i] * wy;
            }
            U* d = out.row(std::size_t(y));
            for (std::size_t i = 0; i < acc.size(); ++i) impl::from_f(acc[i], d[i]);
        }
        return;
    }
    const bool area_mode = mode == interpolation::area;
    const auto ax = impl::linear_coefficients(W, w, area_mode), ay = impl::linear_coefficients(H, h, area_mode);
    std::vector<float> r0(std::size_t(w * C)), r1(std::size_t(w * C));
    auto hpass = [&](long sy, std::vector<float>& r) {
        const T* s = in.row(std::size_t(sy));
        for (long x = 0; x < w; ++x) {
            const long sx = ax.ofs[std::size_t(x)];
            const long sx1 = std::min(sx + 1, W - 1);
            const float a0 = ax.w0[std::size_t(x)], a1 = ax.w1[std::size_t(x)];
            for (long c = 0; c < C; ++c)
                r[std::size_t(x * C + c)] = float(s[sx * C + c]) * a0 + float(s[sx1 * C + c]) * a1;
        }
    };
    long have0 = -1, have1 = -1;
    for (long y = 0; y < h; ++y) {
        const long sy = ay.ofs[std::size_t(y)], sy1 = std::min(sy + 1, H - 1);
        if (have0 != sy) {
            if (have1 == sy) { std::swap(r0, r1); have0 = sy; have1 = -1; }
            else { hpass(sy, r0); have0 = sy; }
        }
        if (have1 != sy1) { hpass(sy1, r1); have1 = sy1; }
        const float b0 = ay.w0[std::size_t(y)], b1 = ay.w1[std::size_t(y)];
        U* d = out.row(std::size_t(y));
        for (std::size_t i = 0; i < r0.size(); ++i) impl::from_f(r0[i] * b0 + r1[i] * b1, d[i]);
    }
}

/// Resizes to width x height (both >= 1).
template <class T>
image<std::remove_const_t<T>> resize(image_view<T> in, std::size_t width, std::size_t height,
                                     interpolation mode = interpolation::linear) {
    require_image(in, "resize");
    SYNCDSP_REQUIRE(width >= 1 && height >= 1 && width <= max_image_side && height <= max_image_side, "resize",
                    "target size ", width, "x", height, " is empty or too large");
    image<std::remove_const_t<T>> out(width, height, in.channels);
    resize_into(in, out.view(), mode);
    return out;
}
template <class T>
image<T> resize(const image<T>& in, std::size_t width, std::size_t height, interpolation mode = interpolation::linear) {
    return resize(in.view(), width, height, mode);
}

}  // namespace syncdsp::vision
