// syncdsp/vision/filter.hpp - Gaussian kernels, separable filtering with OpenCV's default border
// (reflect-101), Gaussian blur and a 2x pyramid step.
//
// gaussian_kernel follows OpenCV 4.6's getGaussianKernel: for sigma <= 0 and an odd size up to 9 it
// returns the fixed binomial-like tables; otherwise taps exp(-d^2 / (2 sigma^2)) normalised to sum 1
// (computed in double), with sigma = 0.3 * ((size - 1) * 0.5 - 1) + 0.8 when sigma <= 0. When a blur is
// asked for with size 0, the size is derived from sigma the way GaussianBlur does (odd,
// round(sigma * 6 + 1) for 8-bit images, round(sigma * 8 + 1) for float images).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/vision/image.hpp"

namespace syncdsp::vision {

/// Index into [0, n) with reflect-101 borders (gfedcb|abcdefgh|gfedcba), OpenCV's default.
inline long reflect101(long i, long n) {
    if (n <= 1) return 0;
    while (i < 0 || i >= n) {
        if (i < 0) i = -i;
        if (i >= n) i = 2 * n - 2 - i;
    }
    return i;
}

/// Index into [0, n) with replicated borders (aaa|abcdefgh|hhh).
inline long replicate(long i, long n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }

/// Rounds half to even, like OpenCV's cvRound.
inline long round_half_even(double v) { return static_cast<long>(std::nearbyint(v)); }

/// OpenCV's getGaussianKernel(size, sigma), as float taps.
inline std::vector<float> gaussian_kernel(int size, double sigma) {
    SYNCDSP_REQUIRE(size >= 1 && size % 2 == 1 && size <= 1001, "gaussian_kernel", "size must be odd and in 1..1001, got ",
                    size);
    SYNCDSP_REQUIRE(std::isfinite(sigma), "gaussian_kernel", "sigma is not finite");
    static const double fixed[5][9] = {
        {1.0},
        {0.25, 0.5, 0.25},
        {0.0625, 0.25, 0.375, 0.25, 0.0625},
        {0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125},
        {4 / 256., 13 / 256., 30 / 256., 51 / 256., 60 / 256., 51 / 256., 30 / 256., 13 / 256., 4 / 256.}};
    std::vector<float> k(static_cast<std::size_t>(size));
    if (sigma <= 0 && size <= 9) {
        for (int i = 0; i < size; ++i) k[std::size_t(i)] = static_cast<float>(fixed[size / 2][i]);
        return k;
    }
    const double s = sigma > 0 ? sigma : ((size - 1) * 0.5 - 1) * 0.3 + 0.8;
    const double scale2 = -0.5 / (s * s);
    std::vector<double> t(static_cast<std::size_t>(size));
    double sum = 0;
    for (int i = 0; i < size; ++i) {
        const double x = i - (size - 1) * 0.5;
        t[std::size_t(i)] = std::exp(scale2 * x * x);
        sum += t[std::size_t(i)];
    }
    for (int i = 0; i < size; ++i) k[std::size_t(i)] = static_cast<float>(t[std::size_t(i)] / sum);
    return k;
}

/// The kernel size GaussianBlur picks for a given sigma when the size is 0.
template <class T>
int gaussian_size_for_sigma(double sigma) {
    const double per_side = std::is_same_v<std::remove_const_t<T>, std::uint8_t> ? 3.0 : 4.0;
    return static_cast<int>(round_half_even(sigma * per_side * 2 + 1)) | 1;
}

namespace impl {
template <class T>
float to_f(T v) { return static_cast<float>(v); }
template <class T>
void from_f(float v, T& out) {
    if constexpr (std::is_same_v<T, std::uint8_t>) out = saturate_u8(v);
    else out = static_cast<T>(v);
}
}  // namespace impl

/// Separable filter: horizontal taps kx then vertical taps ky (both odd length, centred), float
/// accumulation, reflect-101 border, any channel count. Output has the input's type and size.
template <class T>
image<std::remove_const_t<T>> sep_filter(image_view<T> in, const std::vector<float>& kx, const std::vector<float>& ky) {
    using U = std::remove_const_t<T>;
    require_image(in, "sep_filter");
    SYNCDSP_REQUIRE(kx.size() % 2 == 1 && ky.size() % 2 == 1, "sep_filter", "kernel sizes must be odd, got ",
                    kx.size(), " and ", ky.size());
    const long W = long(in.width), H = long(in.height), C = long(in.channels);
    const long rx = long(kx.size() / 2), ry = long(ky.size() / 2);
    const std::size_t rowlen = std::size_t(W * C);
    std::vector<float> tmp(std::size_t(H) * rowlen);
    std::vector<float> pad(std::size_t((W + 2 * rx) * C));
    for (long y = 0; y < H; ++y) {
        const T* s = in.row(std::size_t(y));
        for (long x = -rx; x < W + rx; ++x) {
            const long sx = reflect101(x, W);
            for (long c = 0; c < C; ++c) pad[std::size_t((x + rx) * C + c)] = impl::to_f(s[sx * C + c]);
        }
        float* d = tmp.data() + std::size_t(y) * rowlen;
        const float* p = pad.data();
        for (std::size_t i = 0; i < rowlen; ++i) d[i] = p[i] * kx[0];
        for (std::size_t t = 1; t < kx.size(); ++t) {
            const float k = kx[t];
            const float* q = p + t * std::size_t(C);
            for (std::size_t i = 0; i < rowlen; ++i) d[i] += q[i] * k;
        }
    }
    image<U> out(in.width, in.height, in.channels);
    std::vector<float> acc(rowlen);
    for (long y = 0; y < H; ++y) {
        const float* r0 = tmp.data() + std::size_t(reflect101(y - ry, H)) * rowlen;
        for (std::size_t i = 0; i < rowlen; ++i) acc[i] = r0[i] * ky[0];
        for (long t = 1; t < long(ky.size()); ++t) {
            const float* r = tmp.data() + std::size_t(reflect101(y - ry + t, H)) * rowlen;
            const float k = ky[std::size_t(t)];
            for (std::size_t i = 0; i < rowlen; ++i) acc[i] += r[i] * k;
        }
        U* d = out.row(std::size_t(y));
        for (std::size_t i = 0; i < rowlen; ++i) impl::from_f(acc[i], d[i]);
    }
    return out;
}

/// OpenCV's GaussianBlur(src, dst, Size(size_x, size_y), sigma_x, sigma_y) with the default
/// reflect-101 border. size 0 derives the size from sigma; sigma_y 0 means sigma_x; size_y 0 means
/// size_x.
template <class T>
image<std::remove_const_t<T>> gaussian_blur(image_view<T> in, int size_x, double sigma_x, int size_y = 0,
                                            double sigma_y = 0) {
    SYNCDSP_REQUIRE(size_x >= 0 && size_y >= 0, "gaussian_blur", "negative kernel size");
    SYNCDSP_REQUIRE(size_x > 0 || sigma_x > 0, "gaussian_blur", "need a kernel size or a positive sigma");
    if (sigma_y <= 0) sigma_y = sigma_x;
    if (size_x == 0) size_x = gaussian_size_for_sigma<T>(sigma_x);
    if (size_y == 0) size_y = size_x == 0 ? gaussian_size_for_sigma<T>(sigma_y) : size_x;
    return sep_filter(in, gaussian_kernel(size_x, sigma_x), gaussian_kernel(size_y, sigma_y));
}
template <class T>
image<T> gaussian_blur(const image<T>& in, int size_x, double sigma_x, int size_y = 0, double sigma_y = 0) {
    return gaussian_blur(in.view(), size_x, sigma_x, size_y, sigma_y);
}

/// One pyramid step like OpenCV's pyrDown: 5x5 kernel [1 4 6 4 1]/16 in each direction,
/// reflect-101 border, then every second pixel; output size ((W+1)/2, (H+1)/2).
template <class T>
image<std::remove_const_t<T>> pyr_down(image_view<T> in) {
    using U = std::remove_const_t<T>;
    require_image(in, "pyr_down");
    const std::vector<float> k = {1.f / 16, 4.f / 16, 6.f / 16, 4.f / 16, 1.f / 16};
    const long W = long(in.width), H = long(in.height), C = long(in.channels);
    const long W2 = (W + 1) / 2, H2 = (H + 1) / 2;
    image<U> out(static_cast<std::size_t>(W2), static_cast<std::size_t>(H2), static_cast<std::size_t>(C));
    std::vector<float> rows(std::size_t(5 * W2 * C));
    for (long y = 0; y < H2; ++y) {
        for (long t = 0; t < 5; ++t) {
            const T* s = in.row(std::size_t(reflect101(2 * y + t - 2, H)));
            float* r = rows.data() + std::size_t(t * W2 * C);
            for (long x = 0; x < W2; ++x)
                for (long c = 0; c < C; ++c) {
                    float a = 0;
                    for (long u = 0; u < 5; ++u) a += k[std::size_t(u)] * impl::to_f(s[reflect101(2 * x + u - 2, W) * C + c]);
                    r[x * C + c] = a;
                }
        }
        U* d = out.row(std::size_t(y));
        for (long i = 0; i < W2 * C; ++i) {
            float a = 0;
            for (long t = 0; t < 5; ++t) a += k[std::size_t(t)] * rows[std::size_t(t * W2 * C + i)];
            impl::from_f(a, d[i]);
        }
    }
    return out;
}

}  // namespace syncdsp::vision
