// syncdsp/pipeline/visual_cues.hpp - the video side of the classic estimator: how fast the mouth
// opens or closes, from dense optical flow inside a mouth box.
//
// The same box is used for both frames of a pair (so head motion inside the box reads as motion of
// the whole box, which the lower-minus-upper difference cancels), cropped and resized to a fixed
// size so the flow parameters mean the same thing at any video resolution.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"
#include "syncdsp/vision/farneback.hpp"
#include "syncdsp/vision/image.hpp"
#include "syncdsp/vision/resize.hpp"

namespace syncdsp::pipeline {

/// The mouth box assumed for a tight face crop (LRS3 / VoxCeleb style, face filling the frame):
/// a square of 0.43 x the shorter side, centred horizontally at 3/4 of the height.
inline vision::rect face_crop_mouth_box(std::size_t width, std::size_t height) {
    const double side = 0.43 * double(std::min(width, height));
    const double cx = 0.5 * double(width), cy = 0.75 * double(height);
    vision::rect r;
    r.width = r.height = std::max(8L, long(std::lround(side)));
    r.x = std::clamp(long(std::lround(cx - side / 2)), 0L, long(width) - r.width);
    r.y = std::clamp(long(std::lround(cy - side / 2)), 0L, long(height) - r.height);
    return r;
}

struct MouthFlowOptions {
    std::size_t box_size = 64;  ///< the mouth box is resized to box_size x box_size before the flow
    vision::farneback_options flow = [] {
        // Smaller window and sigma than OpenCV's defaults: a 64 px mouth moves a few pixels per frame.
        vision::farneback_options f;
        f.winsize = 9;
        f.poly_sigma = 1.1;
        return f;
    }();
};

/// Per-frame mouth motion: opening[k] = mean vertical flow of the lower half of the box minus the
/// upper half, between frames k-1 and k (pixels of the resized box per frame; > 0 = opening).
/// magnitude[k] = mean flow magnitude. Index 0 is NaN (no previous frame).
struct mouth_motion {
    std::vector<double> opening;
    std::vector<double> magnitude;
};

/// Mouth motion of gray frames (N, H, W, 1) inside one fixed box per frame (`boxes` has one
/// entry, used for every frame, or one per frame).
inline mouth_motion mouth_flow(const tensor<std::uint8_t, 4>& frames, const std::vector<vision::rect>& boxes,
                               const MouthFlowOptions& opt = {}) {
    const std::size_t n = frames.shape()[0], H = frames.shape()[1], W = frames.shape()[2];
    SYNCDSP_REQUIRE(frames.shape()[3] == 1, "mouth_flow", "frames must be gray (1 channel), got ", frames.shape()[3]);
    SYNCDSP_REQUIRE(boxes.size() == 1 || boxes.size() == n, "mouth_flow", boxes.size(), " boxes for ", n, " frames");
    SYNCDSP_REQUIRE(opt.box_size >= 16 && opt.box_size <= 512, "mouth_flow", "box_size ", opt.box_size,
                    " is outside 16..512");
    for (const auto& b : boxes)
        SYNCDSP_REQUIRE(!b.empty() && b.x >= 0 && b.y >= 0 && b.x + b.width <= long(W) && b.y + b.height <= long(H),
                        "mouth_flow", "mouth box (", b.x, ",", b.y, " ", b.width, "x", b.height,
                        ") is empty or outside the ", W, "x", H, " frame");
    mouth_motion m;
    m.opening.assign(n, std::numeric_limits<double>::quiet_NaN());
    m.magnitude.assign(n, std::numeric_limits<double>::quiet_NaN());
    vision::farneback_engine engine(opt.flow);
    vision::image<std::uint8_t> a(opt.box_size, opt.box_size), b(opt.box_size, opt.box_size);
    vision::image<float> flow;
    const std::size_t half = opt.box_size / 2;
    for (std::size_t k = 1; k < n; ++k) {
        const vision::rect& box = boxes.size() == 1 ? boxes[0] : boxes[k];  // the same box for both frames
        auto crop = [&](std::size_t i, vision::image<std::uint8_t>& out) {
            const auto frame = vision::frame_view(frames, i);
            vision::image_view<const std::uint8_t> roi(frame.row(std::size_t(box.y)) + box.x, std::size_t(box.width),
                                                       std::size_t(box.height), 1, frame.stride);
            vision::resize_into(roi, out.view(), vision::interpolation::area);
        };
        crop(k - 1, a);
        crop(k, b);
        engine.compute<std::uint8_t>(a.view(), b.view(), flow);
        double upper = 0, lower = 0, mag = 0;
        for (std::size_t y = 0; y < opt.box_size; ++y) {
            const float* row = flow.row(y);
            double vy_sum = 0;
            for (std::size_t x = 0; x < opt.box_size; ++x) {
                const double fx = row[2 * x], fy = row[2 * x + 1];
                vy_sum += fy;
                mag += std::sqrt(fx * fx + fy * fy);
            }
            (y < half ? upper : lower) += vy_sum;
        }
        const double per_half = double(half * opt.box_size);
        m.opening[k] = lower / per_half - upper / per_half;
        m.magnitude[k] = mag / double(opt.box_size * opt.box_size);
    }
    return m;
}

}  // namespace syncdsp::pipeline
