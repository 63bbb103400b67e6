// syncdsp/core/geometry.hpp - the shared geometry of faces in video frames, written once below the
// layers that use it (io reads and writes landmarks, vision measures mouths, nn finds faces, the
// pipeline joins them):
//   point           a position in pixels (double x, y)
//   box             a sub-pixel rectangle (double x, y, width, height): what face detectors output
//   rect            an integer pixel rectangle (long x, y, width, height): what crops cut
//   landmark_rows   landmarks of the frames that have them, one row per frame (what files hold)
//   landmark_track  landmarks for every frame of a video (frames x P x 2, NaN where there are none)
// Pixel coordinates: x to the right, y down, (0, 0) the top-left corner of the top-left pixel.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"

namespace syncdsp {

/// A position in pixels.
struct point {
    double x = 0, y = 0;
};

/// A sub-pixel rectangle: top-left x, y, width, height (may extend past an image's borders).
struct box {
    double x = 0, y = 0, width = 0, height = 0;
    double right() const { return x + width; }
    double bottom() const { return y + height; }
    double area() const { return width * height; }
};

/// An integer pixel rectangle: top-left x, y, width, height.
struct rect {
    long x = 0, y = 0, width = 0, height = 0;
    bool empty() const { return width <= 0 || height <= 0; }
    bool operator==(const rect& o) const {
        return x == o.x && y == o.y && width == o.width && height == o.height;
    }
};

/// Intersection over union of two boxes (0 when either is empty).
inline double iou(const box& a, const box& b) {
    const double w = std::max(0.0, std::min(a.right(), b.right()) - std::max(a.x, b.x));
    const double h = std::max(0.0, std::min(a.bottom(), b.bottom()) - std::max(a.y, b.y));
    const double inter = w * h;
    const double uni = a.area() + b.area() - inter;
    return uni > 0 ? inter / uni : 0.0;
}

/// The part of a box that lies inside a width x height image, as face-api's
/// Box.clipAtImageBorders computes it: the top-left corner moves to (0, 0) at the least, and the
/// width and height are cut at the right and bottom borders (they may come out <= 0).
inline box clip_to_image(const box& b, std::size_t width, std::size_t height) {
    const double cx = std::max(b.x, 0.0), cy = std::max(b.y, 0.0);
    return box{cx, cy, std::min(b.right() - cx, double(width) - cx), std::min(b.bottom() - cy, double(height) - cy)};
}

/// The box of a pixel rectangle (exact).
inline box to_box(const rect& r) { return box{double(r.x), double(r.y), double(r.width), double(r.height)}; }

/// The pixel rectangle of a box: x, y, width and height are each rounded down (face-api's
/// Box.floor()), so a box clipped to an image gives a rectangle inside it.
inline rect to_rect(const box& b) {
    auto representable = [](double v) { return std::fabs(v) < 1e15; };  // false for NaN; far inside long
    const bool ok = representable(b.x) && representable(b.y) && representable(b.width) && representable(b.height);
    SYNCDSP_REQUIRE(ok, "geometry", "box (", b.x, ", ", b.y, ", ", b.width, "x", b.height, ") has no pixel rectangle");
    return rect{long(std::floor(b.x)), long(std::floor(b.y)), long(std::floor(b.width)), long(std::floor(b.height))};
}

/// Landmarks of the frames that have them: frame index per row and a (rows, P, 2) array of (x, y)
/// pixels. This is what landmark files hold (io/landmarks.hpp reads and writes them).
struct landmark_rows {
    std::vector<std::int64_t> frame;
    tensor<float, 3> points = tensor<float, 3>::from_shape({0, 0, 2});

    std::size_t rows() const { return points.shape()[0]; }
    std::size_t point_count() const { return points.shape()[1]; }
};

/// Landmarks for every frame of a video: points(k, p, xy), valid where has[k] != 0 (NaN elsewhere).
struct landmark_track {
    std::vector<std::uint8_t> has;
    tensor<float, 3> points = tensor<float, 3>::from_shape({0, 68, 2});
    std::string source;  ///< where the landmarks come from: "file", "detector" or "whole-frame"

    std::size_t frames() const { return has.size(); }
    std::size_t point_count() const { return points.shape()[1]; }
    /// Number of frames that have landmarks.
    std::size_t with_landmarks() const { return std::size_t(std::count(has.begin(), has.end(), std::uint8_t(1))); }
    /// The x0, y0, x1, y1, ... of frame k (NaN when it has no landmarks).
    const float* frame_points(std::size_t k) const { return points.data() + k * point_count() * 2; }

    /// Spreads rows over n_frames frames. Rows outside 0..n_frames-1, and rows with a non-finite
    /// coordinate, leave their frame without landmarks.
    static landmark_track from_rows(const landmark_rows& r, std::size_t n_frames, std::string source = "file") {
        SYNCDSP_REQUIRE(r.frame.size() == r.rows(), "landmark_track", "frame count ", r.frame.size(), " != rows ", r.rows());
        const std::size_t P = r.point_count();
        landmark_track t = empty(n_frames, P, std::move(source));
        for (std::size_t i = 0; i < r.rows(); ++i) {
            const auto k = r.frame[i];
            if (k < 0 || std::size_t(k) >= n_frames) continue;
            const float* src = r.points.data() + i * P * 2;
            if (!std::all_of(src, src + P * 2, [](float v) { return std::isfinite(v); })) continue;
            std::copy_n(src, P * 2, t.points.data() + std::size_t(k) * P * 2);
            t.has[std::size_t(k)] = 1;
        }
        return t;
    }

    /// Builds a track from P points per frame in frame order (`pts` holds has.size() * P points;
    /// those of frames without landmarks are ignored and stored as NaN).
    static landmark_track from_points(std::vector<std::uint8_t> has, const std::vector<point>& pts, std::size_t P,
                                      std::string source) {
        SYNCDSP_REQUIRE(pts.size() == has.size() * P, "landmark_track", pts.size(), " points for ", has.size(),
                        " frames of ", P, " points");
        landmark_track t = empty(has.size(), P, std::move(source));
        t.has = std::move(has);
        float* d = t.points.data();
        for (std::size_t k = 0; k < t.has.size(); ++k, d += P * 2) {
            if (!t.has[k]) continue;
            for (std::size_t p = 0; p < P; ++p) {
                d[2 * p] = float(pts[k * P + p].x);
                d[2 * p + 1] = float(pts[k * P + p].y);
            }
        }
        return t;
    }

    /// The frames that have landmarks, one row each (e.g. to write a landmark file).
    landmark_rows to_rows() const {
        const std::size_t P = point_count();
        landmark_rows r;
        for (std::size_t k = 0; k < frames(); ++k)
            if (has[k]) r.frame.push_back(std::int64_t(k));
        r.points = tensor<float, 3>::from_shape({r.frame.size(), P, 2});
        for (std::size_t i = 0; i < r.frame.size(); ++i)
            std::copy_n(frame_points(std::size_t(r.frame[i])), P * 2, r.points.data() + i * P * 2);
        return r;
    }

private:
    static landmark_track empty(std::size_t n_frames, std::size_t P, std::string source) {
        landmark_track t;
        t.source = std::move(source);
        t.has.assign(n_frames, 0);
        t.points = tensor<float, 3>::from_shape({n_frames, P, 2});
        std::fill(t.points.begin(), t.points.end(), std::numeric_limits<float>::quiet_NaN());
        return t;
    }
};

}  // namespace syncdsp
