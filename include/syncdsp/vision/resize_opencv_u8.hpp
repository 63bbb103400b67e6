// syncdsp/vision/resize_opencv_u8.hpp - cv2.resize(img, (w, h)) with the default INTER_LINEAR on
// 8-bit interleaved images, bit for bit: OpenCV's fixed-point path, not a float bilinear.
//
// vision/resize.hpp computes in float and is within one grey level of OpenCV; tools that feed a
// network with cv2.resize output (syncnet_python's face crops) need the same integers. OpenCV 4
// (imgproc/src/resize.cpp, x86 with its SSE2 baseline) does, for INTER_LINEAR on CV_8U:
//  - coefficients: f = float((d + 0.5) * scale - 0.5), scale = 1 / (dst / src) in double; s = floor(f);
//    weights round((1 - f) * 2048) and round(f * 2048) as int16. Columns left of 0 or right of the
//    last are clamped with f = 0; rows keep their fraction and only the row index is clamped;
//  - a horizontal pass in int32: S[s] * w0 + S[s + 1] * w1 (S[s] * 2048 past the right edge);
//  - a vertical pass in 16-bit SIMD arithmetic:
//    u8(sat16(hi16(sat16(R0 >> 4) * b0) + hi16(sat16(R1 >> 4) * b1)) + 2 >> 2), for every output byte
//    (OpenCV's scalar form (R0 * b0 + R1 * b1 + 2^21) >> 22 rounds differently; measured against
//    Debian 12's cv2 4.6, even widths that are not a multiple of 16 get the SIMD form);
//  - an exact 2x reduction in both directions is INTER_AREA's fast path: (a + b + c + d + 2) >> 2;
//    the same size is a copy.
// Checked against cv2 4.6 byte for byte: tests/vision/test_resize_opencv_u8.cpp (goldens from
// scripts/golden/gen_syncnet_tracks.py --resize-only) and resize_opencv_u8_checksums.json (60 seeded sizes).
#pragma once

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/vision/image.hpp"

namespace syncdsp::vision {

namespace opencv_u8_impl {

inline std::int16_t round_to_s16(float v) {
    const long r = std::lrint(v);  // cvRound: to nearest, ties to even
    return std::int16_t(std::clamp(r, -32768L, 32767L));
}
inline std::int16_t sat16(std::int32_t v) { return std::int16_t(std::clamp(v, -32768, 32767)); }
inline std::uint8_t satu8(int v) { return std::uint8_t(std::clamp(v, 0, 255)); }
inline std::int16_t mul_hi(std::int16_t a, std::int16_t b) { return std::int16_t((std::int32_t(a) * b) >> 16); }

}  // namespace opencv_u8_impl

/// cv2.resize(src, (dst.width, dst.height)) with INTER_LINEAR for 8-bit images with 1..4 channels;
/// dst must be allocated with src's channel count.
inline void resize_linear_opencv_u8(const image_view<const std::uint8_t>& src, const image_view<std::uint8_t>& dst) {
    using namespace opencv_u8_impl;
    SYNCDSP_REQUIRE(!src.empty() && !dst.empty(), "resize", "empty image (", src.width, "x", src.height, " to ",
                    dst.width, "x", dst.height, ")");
    SYNCDSP_REQUIRE(src.channels == dst.channels && src.channels >= 1 && src.channels <= 4, "resize",
                    "channels must match and be 1..4, got ", src.channels, " and ", dst.channels);
    const long sw = long(src.width), sh = long(src.height), dw = long(dst.width), dh = long(dst.height);
    const long cn = long(src.channels);
    if (sw == dw && sh == dh) {
        for (long y = 0; y < sh; ++y) std::memcpy(dst.row(std::size_t(y)), src.row(std::size_t(y)), std::size_t(sw * cn));
        return;
    }
    const double scale_x = 1.0 / (double(dw) / double(sw)), scale_y = 1.0 / (double(dh) / double(sh));
    const int iscale_x = int(std::lrint(scale_x)), iscale_y = int(std::lrint(scale_y));
    const bool area_fast = std::abs(scale_x - iscale_x) < DBL_EPSILON && std::abs(scale_y - iscale_y) < DBL_EPSILON;
    if (area_fast && iscale_x == 2 && iscale_y == 2) {
        for (long y = 0; y < dh; ++y) {
            const std::uint8_t* r0 = src.row(std::size_t(2 * y));
            const std::uint8_t* r1 = src.row(std::size_t(2 * y + 1));
            std::uint8_t* d = dst.row(std::size_t(y));
            for (long x = 0; x < dw; ++x)
                for (long c = 0; c < cn; ++c) {
                    const long a = 2 * x * cn + c;
                    d[x * cn + c] = std::uint8_t((r0[a] + r0[a + cn] + r1[a] + r1[a + cn] + 2) >> 2);
                }
        }
        return;
    }
    // Column taps.
    std::vector<long> xofs(static_cast<std::size_t>(dw));
    std::vector<std::int16_t> alpha(static_cast<std::size_t>(2 * dw));
    long xmax = dw;
    for (long dx = 0; dx < dw; ++dx) {
        float fx = float((dx + 0.5) * scale_x - 0.5);
        long sx = long(std::floor(fx));
        fx -= float(sx);
        if (sx < 0) fx = 0, sx = 0;
        if (sx + 1 >= sw) {
            xmax = std::min(xmax, dx);
            if (sx >= sw - 1) fx = 0, sx = sw - 1;
        }
        xofs[std::size_t(dx)] = sx;
        alpha[std::size_t(2 * dx)] = round_to_s16((1.f - fx) * 2048.f);
        alpha[std::size_t(2 * dx + 1)] = round_to_s16(fx * 2048.f);
    }
    auto hresize = [&](long sy, std::vector<std::int32_t>& out) {
        const std::uint8_t* s = src.row(std::size_t(sy));
        for (long dx = 0; dx < dw; ++dx) {
            const long o = xofs[std::size_t(dx)] * cn;
            for (long c = 0; c < cn; ++c) {
                std::int32_t v;
                if (dx < xmax)
                    v = std::int32_t(s[o + c]) * alpha[std::size_t(2 * dx)] + std::int32_t(s[o + c + cn]) * alpha[std::size_t(2 * dx + 1)];
                else
                    v = std::int32_t(s[o + c]) * 2048;
                out[std::size_t(dx * cn + c)] = v;
            }
        }
    };
    const long width = dw * cn;
    std::vector<std::int32_t> row0(static_cast<std::size_t>(width)), row1(static_cast<std::size_t>(width));
    long have0 = -1, have1 = -1;  // source rows held by row0/row1
    for (long dy = 0; dy < dh; ++dy) {
        float fy = float((dy + 0.5) * scale_y - 0.5);
        const long sy = long(std::floor(fy));
        fy -= float(sy);
        const std::int16_t b0 = round_to_s16((1.f - fy) * 2048.f), b1 = round_to_s16(fy * 2048.f);
        const long y0 = std::clamp(sy, 0L, sh - 1), y1 = std::clamp(sy + 1, 0L, sh - 1);
        if (have0 != y0) {
            if (have1 == y0) std::swap(row0, row1), std::swap(have0, have1);
            else hresize(y0, row0), have0 = y0;
        }
        if (have1 != y1) hresize(y1, row1), have1 = y1;
        std::uint8_t* d = dst.row(std::size_t(dy));
        auto simd = [&](long x) {
            const std::int16_t a = mul_hi(sat16(row0[std::size_t(x)] >> 4), b0);
            const std::int16_t b = mul_hi(sat16(row1[std::size_t(x)] >> 4), b1);
            const std::int16_t sum = sat16(std::int32_t(a) + b);
            return satu8(sat16(std::int32_t(sum) + 2) >> 2);
        };
        for (long x = 0; x < width; ++x) d[x] = simd(x);
    }
}

}  // namespace syncdsp::vision
