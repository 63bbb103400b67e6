// syncdsp/vision/frame_parts.hpp - a rectangle of every frame of a video, kept for later within a
// memory budget.
//
//   vision::frame_part_store parts(256 << 20);      // at most 256 MiB of pixels
//   for (each gray frame k) parts.add(frame, region_k);
//   ... later, once the boxes are known:
//   if (parts.complete() && parts.holds(k, box)) crop from parts.part(k)
//
// Why: the mouth boxes of a face track are known only when the whole track is (vision/mouth.hpp
// `mouth_rois` smooths the centre over neighbouring frames and takes the median side), but the
// frames go past once, during the decode that feeds the face networks. Keeping a neighbourhood of
// the mouth from each frame lets the flow run on that one decode; a box that falls outside its part,
// or a video too large for the budget, is the caller's cue to decode again.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/geometry.hpp"
#include "syncdsp/vision/image.hpp"

namespace syncdsp::vision {

/// Pixels of a rectangle of a frame, and where that rectangle was in the frame.
struct frame_part {
    rect where;
    image<std::uint8_t> pixels;

    bool holds(const rect& r) const {
        return !r.empty() && r.x >= where.x && r.y >= where.y && r.x + r.width <= where.x + where.width &&
               r.y + r.height <= where.y + where.height;
    }
    /// The pixels of `r` (frame coordinates; must lie inside `where`).
    image_view<const std::uint8_t> view_of(const rect& r) const {
        SYNCDSP_REQUIRE(holds(r), "frame_parts", "rectangle (x=", r.x, ", y=", r.y, ", w=", r.width, ", h=", r.height,
                        ") is not inside the kept part (x=", where.x, ", y=", where.y, ", w=", where.width,
                        ", h=", where.height, ")");
        return crop(pixels, rect{r.x - where.x, r.y - where.y, r.width, r.height});
    }
};

/// One part per frame, in frame order, within a byte budget. Once a part would exceed the budget
/// the store stops keeping pixels (it still counts frames) and complete() is false for good.
class frame_part_store {
public:
    explicit frame_part_store(std::size_t budget_bytes) : budget_(budget_bytes) {}

    /// Keeps the part of `frame` (one channel) inside `where`, clipped to the frame (an empty
    /// rectangle keeps nothing for this frame: no box can be cut from it later).
    void add(image_view<const std::uint8_t> frame, rect where) {
        SYNCDSP_REQUIRE(frame.channels == 1, "frame_parts", "frames must have one channel, got ", frame.channels);
        ++frames_;
        if (overflowed_) return;
        const long x0 = std::max(0L, where.x), y0 = std::max(0L, where.y);
        const long x1 = std::min(long(frame.width), where.x + where.width);
        const long y1 = std::min(long(frame.height), where.y + where.height);
        frame_part p;
        if (x1 > x0 && y1 > y0) {
            p.where = rect{x0, y0, x1 - x0, y1 - y0};
            if (bytes_ + std::size_t(p.where.width * p.where.height) > budget_) {
                overflowed_ = true;
                parts_.clear();
                parts_.shrink_to_fit();
                bytes_ = 0;
                return;
            }
            const auto src = crop(frame, p.where);
            p.pixels = image<std::uint8_t>(std::size_t(p.where.width), std::size_t(p.where.height));
            for (std::size_t y = 0; y < src.height; ++y)
                std::copy_n(src.row(y), src.width, p.pixels.view().row(y));
            bytes_ += p.pixels.size();
        }
        parts_.push_back(std::move(p));
    }

    /// Every frame added so far has its part (the budget was never exceeded).
    bool complete() const { return !overflowed_; }
    std::size_t frames() const { return frames_; }
    std::size_t bytes() const { return bytes_; }
    const frame_part& part(std::size_t k) const {
        SYNCDSP_REQUIRE(!overflowed_ && k < parts_.size(), "frame_parts", "no part kept for frame ", k, " of ",
                        frames_, overflowed_ ? " (the budget was exceeded)" : "");
        return parts_[k];
    }
    /// Whether frame k's part holds `r`.
    bool holds(std::size_t k, const rect& r) const { return !overflowed_ && k < parts_.size() && parts_[k].holds(r); }

private:
    std::size_t budget_;
    std::size_t bytes_ = 0, frames_ = 0;
    bool overflowed_ = false;
    std::vector<frame_part> parts_;
};

}  // namespace syncdsp::vision
