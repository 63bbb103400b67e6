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
#include "syncdsp/core/parallel.hpp"
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

/// Collects the mouth-box crops of a video frame by frame (so a long video never needs to be held
/// in memory): for the pair (k-1, k) both frames are cropped with frame k's box, so box motion
/// never reads as lip motion.
class mouth_cropper {
public:
    /// `boxes`: one box used for every frame, or one per frame (frame k's box is boxes[k]).
    mouth_cropper(std::vector<vision::rect> boxes, std::size_t frame_width, std::size_t frame_height,
                  std::size_t box_size = 64)
        : boxes_(std::move(boxes)), size_(box_size) {
        SYNCDSP_REQUIRE(!boxes_.empty(), "mouth_flow", "no mouth box");
        SYNCDSP_REQUIRE(box_size >= 16 && box_size <= 512, "mouth_flow", "box_size ", box_size, " is outside 16..512");
        for (const auto& b : boxes_)
            SYNCDSP_REQUIRE(!b.empty() && b.x >= 0 && b.y >= 0 && b.x + b.width <= long(frame_width) &&
                                b.y + b.height <= long(frame_height),
                            "mouth_flow", "mouth box (", b.x, ",", b.y, " ", b.width, "x", b.height,
                            ") is empty or outside the ", frame_width, "x", frame_height, " frame");
    }

    /// Adds the next frame (gray, 1 channel).
    void add(vision::image_view<const std::uint8_t> frame) {
        const std::size_t k = own_.size();
        own_.push_back(crop(frame, box(k)));
        // The crop with the next frame's box, when it differs, serves as the "previous" frame of pair (k, k+1).
        if (boxes_.size() > 1 && k + 1 < boxes_.size() && !(boxes_[k + 1] == boxes_[k]))
            for_next_.push_back(crop(frame, boxes_[k + 1]));
        else
            for_next_.emplace_back();
    }

    std::size_t frames() const { return own_.size(); }
    std::size_t box_size() const { return size_; }
    /// The crops of the pair (k-1, k), both with frame k's box.
    const vision::image<std::uint8_t>& prev_of(std::size_t k) const {
        return for_next_[k - 1].empty() ? own_[k - 1] : for_next_[k - 1];
    }
    const vision::image<std::uint8_t>& next_of(std::size_t k) const { return own_[k]; }

private:
    // Frames past the last box (a decoder delivering one more frame than counted) keep the last box.
    const vision::rect& box(std::size_t k) const { return boxes_[std::min(k, boxes_.size() - 1)]; }
    vision::image<std::uint8_t> crop(vision::image_view<const std::uint8_t> frame, const vision::rect& b) const {
        SYNCDSP_REQUIRE(frame.channels == 1, "mouth_flow", "frames must be gray (1 channel), got ", frame.channels);
        SYNCDSP_REQUIRE(b.x + b.width <= long(frame.width) && b.y + b.height <= long(frame.height), "mouth_flow",
                        "mouth box outside the ", frame.width, "x", frame.height, " frame");
        vision::image<std::uint8_t> out(size_, size_);
        vision::image_view<const std::uint8_t> roi(frame.row(std::size_t(b.y)) + b.x, std::size_t(b.width),
                                                   std::size_t(b.height), 1, frame.stride);
        vision::resize_into(roi, out.view(), vision::interpolation::area);
        return out;
    }
    std::vector<vision::rect> boxes_;
    std::size_t size_;
    std::vector<vision::image<std::uint8_t>> own_, for_next_;
};

/// Mouth motion from collected crops; frame pairs are spread over `threads` threads (0 = all).
inline mouth_motion mouth_flow(const mouth_cropper& crops, const MouthFlowOptions& opt = {}, unsigned threads = 0) {
    const std::size_t n = crops.frames(), size = crops.box_size();
    mouth_motion m;
    m.opening.assign(n, std::numeric_limits<double>::quiet_NaN());
    m.magnitude.assign(n, std::numeric_limits<double>::quiet_NaN());
    if (n < 2) return m;
    vision::farneback_options flow_opt = opt.flow;
    flow_opt.threads = 1;  // parallel over pairs instead
    parallel_for(n - 1, threads, [&](std::size_t b, std::size_t e) {
        vision::farneback_engine engine(flow_opt);
        vision::image<float> flow;
        const std::size_t half = size / 2;
        for (std::size_t i = b; i < e; ++i) {
            const std::size_t k = i + 1;
            engine.compute<std::uint8_t>(crops.prev_of(k).view(), crops.next_of(k).view(), flow);
            double upper = 0, lower = 0, mag = 0;
            for (std::size_t y = 0; y < size; ++y) {
                const float* row = flow.row(y);
                double vy_sum = 0;
                for (std::size_t x = 0; x < size; ++x) {
                    const double fx = row[2 * x], fy = row[2 * x + 1];
                    vy_sum += fy;
                    mag += std::sqrt(fx * fx + fy * fy);
                }
                (y < half ? upper : lower) += vy_sum;
            }
            const double per_half = double(half * size);
            m.opening[k] = lower / per_half - upper / per_half;
            m.magnitude[k] = mag / double(size * size);
        }
    });
    return m;
}

/// Mouth motion of gray frames (N, H, W, 1) inside one box (used for every frame) or one box per frame.
inline mouth_motion mouth_flow(const tensor<std::uint8_t, 4>& frames, const std::vector<vision::rect>& boxes,
                               const MouthFlowOptions& opt = {}, unsigned threads = 0) {
    const std::size_t n = frames.shape()[0];
    SYNCDSP_REQUIRE(frames.shape()[3] == 1, "mouth_flow", "frames must be gray (1 channel), got ", frames.shape()[3]);
    SYNCDSP_REQUIRE(boxes.size() == 1 || boxes.size() == n, "mouth_flow", boxes.size(), " boxes for ", n, " frames");
    mouth_cropper crops(boxes, frames.shape()[2], frames.shape()[1], opt.box_size);
    for (std::size_t k = 0; k < n; ++k) crops.add(vision::frame_view(frames, k));
    return mouth_flow(crops, opt, threads);
}

}  // namespace syncdsp::pipeline
