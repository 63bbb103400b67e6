// syncdsp/vision/mouth_flow_stream.hpp - the mouth opening rate (mouth_motion.hpp) of frames
// arriving one at a time, e.g. from a live stream.
//
//   vision::mouth_flow_stream s;
//   for (each gray frame, its mouth box) { double rate = s.add(frame, box); }  // NaN for the first
//
// The same conventions and arithmetic as mouth_flow(): pair (k-1, k) is cut from both frames with
// frame k's box, resized (area) to box_size, and its Farneback flow (MouthMotionOptions::flow, one
// thread, no initial flow) gives opening_rate(); the first frame, and a frame after reset(), is
// NaN. So the values equal mouth_flow() on the same frames and boxes
// (tests/vision/test_mouth_flow_stream.cpp). When the box stays the same, the previous frame's crop
// is reused and the Farneback engine reuses its expansions; when it moves, the previous frame
// (kept whole) is cut again. Memory: one frame and two crops.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/geometry.hpp"
#include "syncdsp/vision/farneback.hpp"
#include "syncdsp/vision/image.hpp"
#include "syncdsp/vision/mouth_motion.hpp"
#include "syncdsp/vision/resize.hpp"

namespace syncdsp::vision {

class mouth_flow_stream {
public:
    explicit mouth_flow_stream(const MouthMotionOptions& o = MouthMotionOptions{}) : o_(o), engine_(flow_options(o)) {
        o_.validate();
    }

    /// Adds the next gray frame with its mouth box; returns the opening rate of the pair (previous
    /// frame, this one), NaN for the first frame. Throws invalid_argument for a box outside the
    /// frame or a frame of another size than the previous one.
    double add(image_view<const std::uint8_t> frame, const rect& box) {
        require_image(frame, "mouth_motion", 1);
        SYNCDSP_REQUIRE(!box.empty() && box.x >= 0 && box.y >= 0 && box.x + box.width <= long(frame.width) &&
                            box.y + box.height <= long(frame.height),
                        "mouth_motion", "mouth box (x=", box.x, ", y=", box.y, ", w=", box.width, ", h=", box.height,
                        ") is empty or outside the ", frame.width, "x", frame.height, " frame");
        const bool have_prev = prev_frame_.width() == frame.width && prev_frame_.height() == frame.height && started_;
        image<std::uint8_t> current = resized(crop(frame, box));
        double rate = std::numeric_limits<double>::quiet_NaN();
        if (have_prev) {
            if (!(prev_box_ == box)) prev_crop_ = resized(crop(prev_frame_.view(), box));
            engine_.compute<std::uint8_t>(prev_crop_.view(), current.view(), flow_);
            rate = opening_rate(flow_.view());
            last_magnitude_ = mean_flow_magnitude(flow_.view());
        }
        // Keep this frame whole (the next box may differ) and its crop with its own box.
        prev_frame_.resize(frame.width, frame.height, 1);
        for (std::size_t y = 0; y < frame.height; ++y)
            std::copy(frame.row(y), frame.row(y) + frame.width, prev_frame_.view().row(y));
        prev_crop_ = std::move(current);
        prev_box_ = box;
        started_ = true;
        return rate;
    }

    /// Forgets the previous frame (after a gap or a cut): the next frame's rate is NaN.
    void reset() { started_ = false; }
    /// Mean flow magnitude of the last pair (pixels of the box per frame).
    double last_magnitude() const { return last_magnitude_; }

private:
    static FarnebackOptions flow_options(const MouthMotionOptions& o) {
        FarnebackOptions f = o.flow;
        f.threads = 1;
        f.use_initial_flow = false;
        return f;
    }
    image<std::uint8_t> resized(image_view<const std::uint8_t> pixels) const {
        image<std::uint8_t> out(o_.box_size, o_.box_size);
        resize_into(pixels, out.view(), interpolation::area);
        return out;
    }

    MouthMotionOptions o_;
    farneback_engine engine_;
    image<std::uint8_t> prev_frame_, prev_crop_;
    rect prev_box_{};
    image<float> flow_;
    bool started_ = false;
    double last_magnitude_ = std::numeric_limits<double>::quiet_NaN();
};

}  // namespace syncdsp::vision
