// syncdsp/vision/lip_motion.hpp - a per-frame lip-motion feature matrix (for export and study),
// built on mouth_motion.hpp: the same crops (cut with frame i's box from frames i-1 and i, resized
// to box_size x box_size), the same Farneback flow per pair, and the same opening rate and mean
// magnitude, plus a few more statistics of the flow field:
//   0 mean_dy        mean vertical flow (px of the resized box per frame, + = downwards)
//   1 mean_abs_dy    mean |vertical flow|
//   2 mean_mag       mean flow magnitude sqrt(dx^2 + dy^2) (mean_flow_magnitude)
//   3 opening_rate   mean dy of the bottom floor(h/2) rows minus that of the top floor(h/2) rows
//                    (opening_rate: + = the lips move apart, - = closing)
//   4.. hist_k       fraction of pixels whose magnitude falls in bin k of `histogram_bins` equal
//                    bins over [0, histogram_max); the last bin also takes everything above.
// Row 0 (no previous frame) is all NaN, missing data as in mouth_motion.hpp, so the matrix has one
// row per video frame, at the video frame rate (row i belongs to timestamp i).
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
#include "syncdsp/core/tensor.hpp"
#include "syncdsp/vision/image.hpp"
#include "syncdsp/vision/mouth_motion.hpp"

namespace syncdsp::vision {

struct LipMotionOptions {
    MouthMotionOptions motion;   ///< crops, flow and threads: those of the opening rate
    std::size_t histogram_bins = 4;
    double histogram_max = 4.0;  ///< px/frame of the resized box; upper edge of the histogram range

    std::size_t feature_count() const { return 4 + histogram_bins; }
    void validate() const {
        motion.validate();
        SYNCDSP_REQUIRE(histogram_bins <= 64, "lip_motion", "histogram_bins must be <= 64, got ", histogram_bins);
        SYNCDSP_REQUIRE(std::isfinite(histogram_max) && histogram_max > 0, "lip_motion",
                        "histogram_max must be > 0, got ", histogram_max);
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "LipMotionOptions{" << motion.to_string() << ", histogram_bins=" << histogram_bins
          << ", histogram_max=" << histogram_max << "}";
        return s.str();
    }
};

/// Names of the feature columns, in order.
inline std::vector<std::string> lip_motion_feature_names(const LipMotionOptions& o = {}) {
    std::vector<std::string> n = {"mean_dy", "mean_abs_dy", "mean_mag", "opening_rate"};
    for (std::size_t k = 0; k < o.histogram_bins; ++k) n.push_back("hist_" + std::to_string(k));
    return n;
}

/// The features of one flow field (W x H x 2) inside `region` (the whole field when empty).
inline void flow_region_features(const image<float>& flow, rect region, const LipMotionOptions& o, double* out) {
    SYNCDSP_REQUIRE(flow.channels() == 2 && !flow.empty(), "lip_motion", "flow must be a non-empty W x H x 2 image");
    if (region.empty() && region.width == 0 && region.height == 0 && region.x == 0 && region.y == 0)
        region = rect{0, 0, long(flow.width()), long(flow.height())};
    const auto v = crop(flow.view(), region);  // throws for an empty or outside region
    const std::size_t F = o.feature_count();
    for (std::size_t k = 0; k < F; ++k) out[k] = 0;
    const double bin_w = o.histogram_max / double(std::max<std::size_t>(o.histogram_bins, 1));
    for (std::size_t y = 0; y < v.height; ++y) {
        const float* r = v.row(y);
        double sdy = 0, sady = 0;
        for (std::size_t x = 0; x < v.width; ++x) {
            const double dx = r[2 * x], dy = r[2 * x + 1];
            sdy += dy;
            sady += std::abs(dy);
            if (o.histogram_bins) {
                const double mag = std::sqrt(dx * dx + dy * dy);
                std::size_t b = std::isfinite(mag) ? std::size_t(std::min(mag / bin_w, double(o.histogram_bins - 1))) : o.histogram_bins - 1;
                out[4 + b] += 1;
            }
        }
        out[0] += sdy;
        out[1] += sady;
    }
    const double n = double(v.width * v.height);
    out[0] /= n;
    out[1] /= n;
    out[2] = mean_flow_magnitude(v);
    out[3] = opening_rate(v);
    for (std::size_t k = 0; k < o.histogram_bins; ++k) out[4 + k] /= n;
}

/// Lip-motion features of a gray video (N, H, W, 1) with one region for every frame or one per
/// frame (regions may differ in size: each crop is resized to o.motion.box_size). Returns
/// (N, feature_count()); row 0 is NaN.
inline tensor<double, 2> lip_motion_features(const tensor<std::uint8_t, 4>& frames, const std::vector<rect>& regions,
                                             const LipMotionOptions& o = {}) {
    o.validate();
    SYNCDSP_REQUIRE(frames.dimension() == 4 && frames.shape()[3] == 1, "lip_motion",
                    "frames must be gray (N, H, W, 1)");
    const std::size_t N = frames.shape()[0], H = frames.shape()[1], W = frames.shape()[2];
    SYNCDSP_REQUIRE(regions.size() == 1 || regions.size() == N, "lip_motion", "need one region, or one per frame: ",
                    regions.size(), " regions for ", N, " frames");
    mouth_cropper crops(regions, W, H, o.motion.box_size);  // checks every region lies inside the frame
    for (std::size_t i = 0; i < N; ++i) crops.add(frame_view(frames, i));
    const std::size_t F = o.feature_count();
    tensor<double, 2> out = tensor<double, 2>::from_shape({N, F});
    std::fill(out.data(), out.data() + out.size(), std::numeric_limits<double>::quiet_NaN());
    for_each_mouth_flow(crops, o.motion, [&](std::size_t i, const image<float>& flow) {
        flow_region_features(flow, rect{}, o, out.data() + i * F);
    });
    return out;
}

}  // namespace syncdsp::vision
