// syncdsp/vision/mouth_motion.hpp - how fast the mouth opens or closes, from dense optical flow
// in a mouth box: the one definition of the mouth opening rate. The classic estimator's video cue
// and the opening_rate column of lip_motion.hpp's feature matrix are both this.
//
//   vision::mouth_cropper crops(boxes, width, height);        // one box, or one per frame
//   for (each gray frame) crops.add(frame);                   // only the small crops are kept
//   const auto m = vision::mouth_flow(crops);                 // m.opening[k]: pair (k-1, k)
//
// Conventions:
//  * pair (k-1, k) is cut from both frames with frame k's box, so a box that moves between frames
//    (a tracker, smoothed landmarks) never reads as lip motion, and head motion inside the box
//    moves the whole box alike, which the lower-minus-upper difference cancels;
//  * each crop is resized (area interpolation) to box_size x box_size before the flow, so the flow
//    parameters, and the values (pixels of the resized box per frame), mean the same at any video
//    resolution and mouth size;
//  * opening rate = mean vertical flow of the bottom floor(h/2) rows minus that of the top
//    floor(h/2) rows (the middle row of an odd height is in neither); > 0: the lips move apart;
//  * value 0 is NaN: with no previous frame the motion is missing data, not zero motion (a zero
//    would add a false "still mouth" sample to every correlation).
//
// lip_motion.hpp keeps the wider feature matrix (mean dy, |dy|, magnitude histogram) for export; it
// is computed from the same crops and flows, with the summaries below.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/parallel.hpp"
#include "syncdsp/core/tensor.hpp"
#include "syncdsp/vision/farneback.hpp"
#include "syncdsp/vision/frame_parts.hpp"
#include "syncdsp/vision/image.hpp"
#include "syncdsp/vision/resize.hpp"

namespace syncdsp::vision {

/// Settings of the mouth motion: box size, flow, threads.
struct MouthMotionOptions {
    std::size_t box_size = 64;  ///< each crop is resized to box_size x box_size before the flow
    FarnebackOptions flow = small_box_flow();
    unsigned threads = 0;       ///< frame pairs are spread over this many threads (0 = all cores)

    /// OpenCV's usual parameters (0.5, 3, 15, 3, 5, 1.2) with a smaller window and sigma (9, 1.1):
    /// a 64 px mouth moves a few pixels per frame.
    static FarnebackOptions small_box_flow() {
        FarnebackOptions f = FarnebackOptions::opencv();
        f.winsize = 9;
        f.poly_sigma = 1.1;
        return f;
    }
    static MouthMotionOptions defaults() { return MouthMotionOptions{}; }

    void validate() const {
        flow.validate();
        SYNCDSP_REQUIRE(box_size >= 16 && box_size <= 512, "mouth_motion", "box_size ", box_size,
                        " is outside 16..512");
        SYNCDSP_REQUIRE(threads <= 256, "mouth_motion", "threads must be <= 256, got ", threads);
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "MouthMotionOptions{box_size=" << box_size << ", flow=farneback(" << flow.parameters()
          << "), threads=" << threads << "}";
        return s.str();
    }
};

/// Opening rate of one flow field (W x H x 2, dx dy per pixel): mean dy of the bottom floor(H/2)
/// rows minus mean dy of the top floor(H/2) rows, in pixels per frame; 0 when H < 2.
inline double opening_rate(image_view<const float> flow) {
    require_image(flow, "mouth_motion", 2);
    const std::size_t half = flow.height / 2;
    if (half == 0) return 0.0;
    double upper = 0, lower = 0;
    for (std::size_t y = 0; y < flow.height; ++y) {
        if (y >= half && y < flow.height - half) continue;  // the middle row of an odd height
        const float* row = flow.row(y);
        double dy = 0;
        for (std::size_t x = 0; x < flow.width; ++x) dy += row[2 * x + 1];
        (y < half ? upper : lower) += dy;
    }
    const double per_half = double(half * flow.width);
    return lower / per_half - upper / per_half;
}

/// Mean flow magnitude sqrt(dx^2 + dy^2) of a flow field (W x H x 2), in pixels per frame.
inline double mean_flow_magnitude(image_view<const float> flow) {
    require_image(flow, "mouth_motion", 2);
    double sum = 0;
    for (std::size_t y = 0; y < flow.height; ++y) {
        const float* row = flow.row(y);
        double s = 0;
        for (std::size_t x = 0; x < flow.width; ++x) {
            const double dx = row[2 * x], dy = row[2 * x + 1];
            s += std::sqrt(dx * dx + dy * dy);
        }
        sum += s;
    }
    return sum / double(flow.width * flow.height);
}

/// Collects the mouth crops of a video frame by frame (so a long video never needs to be held in
/// memory): both frames of pair (k-1, k) are cut with frame k's box and resized to box_size.
class mouth_cropper {
public:
    /// `boxes`: one box for every frame, or one per frame (frame k's box is boxes[k]; frames past
    /// the last box, e.g. a decoder delivering one frame more than counted, keep the last box).
    mouth_cropper(std::vector<rect> boxes, std::size_t frame_width, std::size_t frame_height,
                  std::size_t box_size = MouthMotionOptions{}.box_size)
        : boxes_(std::move(boxes)), size_(box_size) {
        SYNCDSP_REQUIRE(!boxes_.empty(), "mouth_motion", "no mouth box");
        SYNCDSP_REQUIRE(box_size >= 16 && box_size <= 512, "mouth_motion", "box_size ", box_size,
                        " is outside 16..512");
        for (std::size_t k = 0; k < boxes_.size(); ++k) {
            const rect& b = boxes_[k];
            SYNCDSP_REQUIRE(!b.empty() && b.x >= 0 && b.y >= 0 && b.x + b.width <= long(frame_width) &&
                                b.y + b.height <= long(frame_height),
                            "mouth_motion", "mouth box ", k, " (x=", b.x, ", y=", b.y, ", w=", b.width, ", h=",
                            b.height, ") is empty or outside the ", frame_width, "x", frame_height, " frame");
        }
    }

    /// Adds the next frame (gray, 1 channel).
    void add(image_view<const std::uint8_t> frame) {
        SYNCDSP_REQUIRE(frame.channels == 1, "mouth_motion", "frames must be gray (1 channel), got ", frame.channels);
        add_cut([&](const rect& b) { return crop(frame, b); });
    }
    /// Adds the next frame from a kept part of it (frame_parts.hpp); the part must hold this
    /// frame's box and the next frame's (can_add).
    void add(const frame_part& part) {
        add_cut([&](const rect& b) { return part.view_of(b); });
    }
    /// Whether `part` holds what frame k needs: its own box and, when that differs, the next one.
    bool can_add(std::size_t k, const frame_part& part) const {
        return part.holds(box(k)) && (k + 1 >= boxes_.size() || part.holds(boxes_[k + 1]));
    }

    std::size_t frames() const { return own_.size(); }
    std::size_t box_size() const { return size_; }
    /// The crops of pair (k-1, k), k >= 1, both cut with frame k's box.
    const image<std::uint8_t>& prev_of(std::size_t k) const {
        SYNCDSP_REQUIRE(k >= 1 && k < own_.size(), "mouth_motion", "pair ", k, " of ", own_.size(), " frames");
        return for_next_[k - 1].empty() ? own_[k - 1] : for_next_[k - 1];
    }
    const image<std::uint8_t>& next_of(std::size_t k) const {
        SYNCDSP_REQUIRE(k >= 1 && k < own_.size(), "mouth_motion", "pair ", k, " of ", own_.size(), " frames");
        return own_[k];
    }

private:
    const rect& box(std::size_t k) const { return boxes_[std::min(k, boxes_.size() - 1)]; }
    // cut(box) gives the pixels of a box of frame k.
    template <class Cut>
    void add_cut(const Cut& cut) {
        const std::size_t k = own_.size();
        own_.push_back(resized(cut(box(k))));
        // When the next frame's box differs, this frame cut with that box is the "previous" crop of
        // pair (k, k+1).
        if (boxes_.size() > 1 && k + 1 < boxes_.size() && !(boxes_[k + 1] == boxes_[k]))
            for_next_.push_back(resized(cut(boxes_[k + 1])));
        else
            for_next_.emplace_back();
    }
    image<std::uint8_t> resized(image_view<const std::uint8_t> pixels) const {
        image<std::uint8_t> out(size_, size_);
        resize_into(pixels, out.view(), interpolation::area);
        return out;
    }
    std::vector<rect> boxes_;
    std::size_t size_;
    std::vector<image<std::uint8_t>> own_, for_next_;
};

/// Calls visit(k, flow) with the Farneback flow (box_size x box_size x 2) of every pair (k-1, k),
/// k = 1 .. frames-1. Pairs are spread over o.threads threads: visit is called concurrently for
/// different k and must only write what belongs to k.
template <class Visit>
void for_each_mouth_flow(const mouth_cropper& crops, const MouthMotionOptions& o, Visit&& visit) {
    o.validate();
    SYNCDSP_REQUIRE(crops.box_size() == o.box_size, "mouth_motion", "the crops are ", crops.box_size(),
                    " px but the options say box_size ", o.box_size);
    const std::size_t n = crops.frames();
    if (n < 2) return;
    FarnebackOptions flow_opt = o.flow;
    flow_opt.threads = 1;               // parallel over pairs instead
    flow_opt.use_initial_flow = false;  // each pair on its own: the result cannot depend on the split
    parallel_for(n - 1, o.threads, [&](std::size_t b, std::size_t e) {
        farneback_engine engine(flow_opt);
        image<float> flow;
        for (std::size_t i = b; i < e; ++i) {
            const std::size_t k = i + 1;
            engine.compute<std::uint8_t>(crops.prev_of(k).view(), crops.next_of(k).view(), flow);
            visit(k, static_cast<const image<float>&>(flow));
        }
    });
}

/// Per-frame mouth motion: opening[k] = opening_rate of the flow of pair (k-1, k) (pixels of the
/// resized box per frame, > 0 = opening), magnitude[k] = its mean_flow_magnitude. Index 0 is NaN.
struct mouth_motion {
    std::vector<double> opening;
    std::vector<double> magnitude;
};

/// Mouth motion from collected crops.
inline mouth_motion mouth_flow(const mouth_cropper& crops, const MouthMotionOptions& o = MouthMotionOptions{}) {
    const std::size_t n = crops.frames();
    mouth_motion m;
    m.opening.assign(n, std::numeric_limits<double>::quiet_NaN());
    m.magnitude.assign(n, std::numeric_limits<double>::quiet_NaN());
    for_each_mouth_flow(crops, o, [&](std::size_t k, const image<float>& flow) {
        m.opening[k] = opening_rate(flow.view());
        m.magnitude[k] = mean_flow_magnitude(flow.view());
    });
    return m;
}

/// Mouth motion of gray frames (N, H, W, 1) inside one box (used for every frame) or one box per frame.
inline mouth_motion mouth_flow(const tensor<std::uint8_t, 4>& frames, const std::vector<rect>& boxes,
                               const MouthMotionOptions& o = MouthMotionOptions{}) {
    o.validate();
    SYNCDSP_REQUIRE(frames.dimension() == 4 && frames.shape()[3] == 1, "mouth_motion",
                    "frames must be gray (N, H, W, 1)");
    const std::size_t n = frames.shape()[0];
    SYNCDSP_REQUIRE(boxes.size() == 1 || boxes.size() == n, "mouth_motion", boxes.size(), " boxes for ", n,
                    " frames (give one box, or one per frame)");
    mouth_cropper crops(boxes, frames.shape()[2], frames.shape()[1], o.box_size);
    for (std::size_t k = 0; k < n; ++k) crops.add(frame_view(frames, k));
    return mouth_flow(crops, o);
}

}  // namespace syncdsp::vision
