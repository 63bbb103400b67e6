// syncdsp/vision/mouth.hpp - mouth geometry from facial landmarks: mouth aspect ratio (MAR) and a
// stable square mouth region of interest (and the box assumed for a face crop without landmarks).
//
// Landmarks are (x, y) pixels in the 68-point iBUG / dlib order (0-based indices), or the 20 mouth
// points alone (indices 0..19 = iBUG 48..67). The mouth points in iBUG numbering:
//   outer lip: 48 left corner, 49-53 upper lip (left to right), 54 right corner, 55-59 lower lip
//              (right to left), so 50/58, 51/57 and 52/56 face each other vertically;
//   inner lip: 60 left corner, 61-63 upper, 64 right corner, 65-67 lower (right to left), so
//              61/67, 62/66 and 63/65 face each other.
// Definitions (|a - b| is the Euclidean distance between two points):
//   MAR_outer = (|p50 - p58| + |p51 - p57| + |p52 - p56|) / (3 |p48 - p54|)
//   MAR_inner = (|p61 - p67| + |p62 - p66| + |p63 - p65|) / (3 |p60 - p64|)
// i.e. the mean lip-to-lip opening divided by the mouth width. The inner ratio is ~0 for a closed
// mouth; the outer one includes the lip thickness (~0.3 closed). docs/figures/landmarks_mouth.svg
// shows the indices (made by scripts/plot_landmarks.py).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/geometry.hpp"
#include "syncdsp/core/tensor.hpp"
#include "syncdsp/vision/image.hpp"

namespace syncdsp::vision {

enum class mar_kind { inner, outer };

namespace impl {

/// Index of iBUG point `ibug` (48..67) in a set of `count` points (68 or 20).
inline std::size_t mouth_index(std::size_t ibug, std::size_t count) { return count == 68 ? ibug : ibug - 48; }

inline void require_mouth_points(std::size_t count, const char* where) {
    SYNCDSP_REQUIRE(count == 68 || count == 20, where, "expected 68 (iBUG) or 20 (mouth) landmarks, got ", count);
}

}  // namespace impl

/// MAR of one face from `count` points (68 or 20) stored as x0, y0, x1, y1, ...
inline double mouth_aspect_ratio(const float* xy, std::size_t count, mar_kind kind = mar_kind::inner) {
    impl::require_mouth_points(count, "mar");
    SYNCDSP_REQUIRE(xy != nullptr, "mar", "null landmark pointer");
    auto pt = [&](std::size_t ibug, double& x, double& y) {
        const std::size_t i = impl::mouth_index(ibug, count);
        x = xy[2 * i];
        y = xy[2 * i + 1];
        SYNCDSP_REQUIRE(std::isfinite(x) && std::isfinite(y), "mar", "landmark ", ibug, " is not finite");
    };
    auto dist = [&](std::size_t a, std::size_t b) {
        double ax, ay, bx, by;
        pt(a, ax, ay);
        pt(b, bx, by);
        return std::hypot(ax - bx, ay - by);
    };
    double open, width;
    if (kind == mar_kind::outer) {
        open = dist(50, 58) + dist(51, 57) + dist(52, 56);
        width = dist(48, 54);
    } else {
        open = dist(61, 67) + dist(62, 66) + dist(63, 65);
        width = dist(60, 64);
    }
    SYNCDSP_REQUIRE(width > 1e-6, "mar", "mouth corners coincide (width ", width, " px): MAR undefined");
    return open / (3 * width);
}

/// MAR per row of a (rows, P, 2) landmark array.
inline tensor<double, 1> mouth_aspect_ratio(const tensor<float, 3>& points, mar_kind kind = mar_kind::inner) {
    SYNCDSP_REQUIRE(points.dimension() == 3 && points.shape()[2] == 2, "mar", "landmarks must be (rows, P, 2)");
    const std::size_t rows = points.shape()[0], P = points.shape()[1];
    tensor<double, 1> out = tensor<double, 1>::from_shape({rows});
    for (std::size_t r = 0; r < rows; ++r) {
        try {
            out(r) = mouth_aspect_ratio(points.data() + r * P * 2, P, kind);
        } catch (const syncdsp::invalid_argument& e) {
            detail::throw_invalid_argument("mar", "row ", r, ": ", e.what());
        }
    }
    return out;
}

/// Options of the mouth region.
struct MouthRoiOptions {
    double margin = 0.25;        ///< added on each side, as a fraction of the mouth box's larger side
    std::size_t smooth = 5;      ///< centred moving-average length (frames) for the centre; 1 = none
    long min_side = 16;          ///< smallest side in pixels

    void validate() const {
        SYNCDSP_REQUIRE(std::isfinite(margin) && margin >= 0 && margin <= 10, "mouth_roi", "margin must be in [0, 10], got ",
                        margin);
        SYNCDSP_REQUIRE(smooth >= 1, "mouth_roi", "smooth must be >= 1 frame (1 = none), got ", smooth);
        SYNCDSP_REQUIRE(min_side >= 1, "mouth_roi", "min_side must be >= 1 pixel, got ", min_side);
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "MouthRoiOptions{margin=" << margin << ", smooth=" << smooth << ", min_side=" << min_side << "}";
        return s.str();
    }
};

/// Square mouth box of one face: centre of the mouth points' bounding box, side = larger box side
/// x (1 + 2 margin). Not clamped (see clamp_square).
inline void mouth_box(const float* xy, std::size_t count, double margin, double& cx, double& cy, double& side) {
    impl::require_mouth_points(count, "mouth_roi");
    double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
    for (std::size_t ib = 48; ib < 68; ++ib) {
        const std::size_t i = impl::mouth_index(ib, count);
        const double x = xy[2 * i], y = xy[2 * i + 1];
        SYNCDSP_REQUIRE(std::isfinite(x) && std::isfinite(y), "mouth_roi", "landmark ", ib, " is not finite");
        x0 = std::min(x0, x); x1 = std::max(x1, x);
        y0 = std::min(y0, y); y1 = std::max(y1, y);
    }
    cx = 0.5 * (x0 + x1);
    cy = 0.5 * (y0 + y1);
    side = std::max(x1 - x0, y1 - y0) * (1 + 2 * margin);
}

/// A side x side square centred near (cx, cy), moved (not shrunk) to lie inside a width x height
/// frame; the side is reduced only when it exceeds the frame.
inline rect clamp_square(double cx, double cy, long side, long width, long height) {
    SYNCDSP_REQUIRE(width > 0 && height > 0, "mouth_roi", "empty frame ", width, "x", height);
    side = std::max(1L, std::min({side, width, height}));
    long x = std::lround(cx - 0.5 * double(side)), y = std::lround(cy - 0.5 * double(side));
    x = std::clamp(x, 0L, width - side);
    y = std::clamp(y, 0L, height - side);
    return rect{x, y, side, side};
}

/// Mouth ROI of a single face (68 or 20 points), clamped to the frame.
inline rect mouth_roi(const float* xy, std::size_t count, long frame_width, long frame_height,
                      const MouthRoiOptions& o = {}) {
    o.validate();
    double cx, cy, side;
    mouth_box(xy, count, o.margin, cx, cy, side);
    return clamp_square(cx, cy, std::max(o.min_side, long(std::lround(side))), frame_width, frame_height);
}

/// The part of a frame to keep (vision/frame_parts.hpp) so that the track's mouth ROI of this frame
/// and of the next can be cut from it once the whole track is known: a square of twice this
/// frame's ROI side plus `slack` pixels on each side, centred on the mouth, clipped to the frame.
/// mouth_rois moves a centre by the average over o.smooth frames and sets the side to the track's
/// median, both far less than the half side of slack this leaves; a box outside it is detected by
/// the caller (frame_part::holds), never cut wrongly.
inline rect mouth_neighbourhood(const float* xy, std::size_t count, long frame_width, long frame_height,
                                const MouthRoiOptions& o = {}, long slack = 16) {
    o.validate();
    double cx, cy, side;
    mouth_box(xy, count, o.margin, cx, cy, side);
    const double half = std::max(double(o.min_side), side) + double(slack);
    const long x0 = std::max(0L, long(std::floor(cx - half))), y0 = std::max(0L, long(std::floor(cy - half)));
    const long x1 = std::min(frame_width, long(std::ceil(cx + half))), y1 = std::min(frame_height, long(std::ceil(cy + half)));
    return x1 > x0 && y1 > y0 ? rect{x0, y0, x1 - x0, y1 - y0} : rect{};
}

/// Mouth ROIs for a whole track, stable across frames: one side for all rows (the median of the
/// per-frame sides, so a bad frame cannot change it), centres smoothed by a centred moving
/// average of o.smooth rows, then clamped into the frame. Same-size boxes are what optical flow
/// between consecutive crops needs.
inline std::vector<rect> mouth_rois(const tensor<float, 3>& points, long frame_width, long frame_height,
                                    const MouthRoiOptions& o = {}) {
    SYNCDSP_REQUIRE(points.dimension() == 3 && points.shape()[2] == 2, "mouth_roi", "landmarks must be (rows, P, 2)");
    o.validate();
    const std::size_t rows = points.shape()[0], P = points.shape()[1];
    std::vector<rect> out;
    if (rows == 0) return out;
    std::vector<double> cx(rows), cy(rows), sides(rows);
    for (std::size_t r = 0; r < rows; ++r) mouth_box(points.data() + r * P * 2, P, o.margin, cx[r], cy[r], sides[r]);
    std::vector<double> sorted = sides;
    std::nth_element(sorted.begin(), sorted.begin() + long(rows / 2), sorted.end());
    const long side = std::max(o.min_side, long(std::lround(sorted[rows / 2])));
    const long half = long(o.smooth / 2);
    for (std::size_t r = 0; r < rows; ++r) {
        double sx = 0, sy = 0;
        long n = 0;
        for (long k = long(r) - half; k <= long(r) + half; ++k)
            if (k >= 0 && k < long(rows)) sx += cx[std::size_t(k)], sy += cy[std::size_t(k)], ++n;
        out.push_back(clamp_square(sx / double(n), sy / double(n), side, frame_width, frame_height));
    }
    return out;
}

/// One region per video frame from regions known at some frames only: frame i gets the region of
/// the nearest listed frame (the earlier one on ties). `frames` must be increasing.
inline std::vector<rect> regions_for_frames(const std::vector<std::int64_t>& frames, const std::vector<rect>& regions,
                                            std::size_t n_frames) {
    SYNCDSP_REQUIRE(!frames.empty() && frames.size() == regions.size(), "lip_motion",
                    "need one region per listed frame (", frames.size(), " frames, ", regions.size(), " regions)");
    std::vector<rect> out(n_frames);
    std::size_t j = 0;
    for (std::size_t i = 0; i < n_frames; ++i) {
        while (j + 1 < frames.size() && frames[j + 1] <= std::int64_t(i)) ++j;
        std::size_t best = j;
        if (j + 1 < frames.size() && frames[j] < std::int64_t(i) &&
            frames[j + 1] - std::int64_t(i) < std::int64_t(i) - frames[j])
            best = j + 1;
        out[i] = regions[best];
    }
    return out;
}

/// Mouth ROIs for every frame of a track: the stable ROIs of mouth_rois over the frames that have
/// landmarks, and for a frame without them the ROI of the nearest frame that has them (the earlier
/// on ties). Throws invalid_argument when no frame has landmarks.
inline std::vector<rect> mouth_rois(const landmark_track& t, long frame_width, long frame_height,
                                    const MouthRoiOptions& o = {}) {
    const landmark_rows rows = t.to_rows();
    if (rows.frame.empty())
        detail::throw_invalid_argument("mouth_roi", "none of the ", t.frames(), " frames has landmarks");
    return regions_for_frames(rows.frame, mouth_rois(rows.points, frame_width, frame_height, o), t.frames());
}

/// MAR of every frame of a track (NaN for frames without landmarks).
inline std::vector<double> mouth_aspect_ratio(const landmark_track& t, mar_kind kind) {
    std::vector<double> m(t.frames(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t k = 0; k < t.frames(); ++k)
        if (t.has[k]) m[k] = mouth_aspect_ratio(t.frame_points(k), t.point_count(), kind);
    return m;
}

/// The mouth box assumed for a tight face crop without landmarks (LRS3 / VoxCeleb style, the face
/// filling the frame): a square of 0.43 x the shorter side (at least 8 px), centred horizontally
/// and at 3/4 of the height, moved inside the frame.
inline rect face_crop_mouth_box(std::size_t width, std::size_t height) {
    SYNCDSP_REQUIRE(width >= 8 && height >= 8, "mouth_roi", "a ", width, "x", height,
                    " frame is too small for a mouth box (>= 8x8)");
    const double side = 0.43 * double(std::min(width, height));
    const double cx = 0.5 * double(width), cy = 0.75 * double(height);
    rect r;
    r.width = r.height = std::max(8L, long(std::lround(side)));
    r.x = std::clamp(long(std::lround(cx - side / 2)), 0L, long(width) - r.width);
    r.y = std::clamp(long(std::lround(cy - side / 2)), 0L, long(height) - r.height);
    return r;
}

}  // namespace syncdsp::vision
