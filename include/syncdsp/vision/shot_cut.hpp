// syncdsp/vision/shot_cut.hpp - finding shot cuts in a stream of gray frames, one frame at a time.
//
//   vision::shot_cut_detector cuts(vision::ShotCutOptions::standard());
//   for (each gray frame k) if (cuts.push(frame)) ... frame k starts a new shot
//
// Why: a face track must not run across a cut (the face after the cut is another shot, often
// another person at the same place), and the offset may change at an edit.
//
// How: each frame is reduced to a sub-sampled grid of pixels and their coarse gray histogram. Two
// measures compare consecutive frames: the histogram distance (half the L1 distance: 0 = same,
// 1 = disjoint) and the mean absolute difference of the grid pixels (0..1 of full scale). A cut
// needs all three: a large histogram distance (min_distance), one large against the running level
// of change (ratio x the median of the last `history` distances), and a large pixel difference
// (min_difference). A cross-fade moves every pixel a little per frame (small pixel difference)
// even when its histogram jumps; a moving object changes few pixels (small on both). Two cuts
// closer than min_shot_frames (also counted from the first frame) are one: flashes.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/vision/image.hpp"

namespace syncdsp::vision {

struct ShotCutOptions {
    std::size_t bins = 32;             ///< gray histogram bins (2..256)
    std::size_t step = 4;              ///< every step-th pixel in x and y is counted (>= 1)
    double min_distance = 0.35;        ///< half-L1 histogram distance a cut must reach (0..1]
    double ratio = 4.0;                ///< ... and ratio x the median of the recent distances
    double min_difference = 0.08;      ///< mean absolute pixel difference a cut must reach (0..1)
    std::size_t history = 12;          ///< recent distances the median is taken over
    std::size_t min_shot_frames = 6;   ///< a cut within this many frames of the last one is ignored

    /// What the face tracks use: 32 bins, every 4th pixel, a cut at histogram distance >= 0.35 that
    /// is 4 x the median of the last 12 frames' distances, with a mean pixel change >= 8 % of full
    /// scale (20 gray levels), shots of at least 6 frames.
    static ShotCutOptions standard() { return {}; }

    void validate() const {
        SYNCDSP_REQUIRE(bins >= 2 && bins <= 256, "shot_cut", "bins must be in 2..256, got ", bins);
        SYNCDSP_REQUIRE(step >= 1 && step <= 64, "shot_cut", "step must be in 1..64, got ", step);
        SYNCDSP_REQUIRE(min_distance > 0 && min_distance <= 1, "shot_cut", "min_distance must be in (0, 1], got ",
                        min_distance);
        SYNCDSP_REQUIRE(min_difference > 0 && min_difference <= 1, "shot_cut",
                        "min_difference must be in (0, 1], got ", min_difference);
        SYNCDSP_REQUIRE(ratio >= 1 && ratio <= 1000, "shot_cut", "ratio must be in 1..1000, got ", ratio);
        SYNCDSP_REQUIRE(history >= 1 && history <= 1000, "shot_cut", "history must be in 1..1000, got ", history);
        SYNCDSP_REQUIRE(min_shot_frames >= 1 && min_shot_frames <= 100000, "shot_cut",
                        "min_shot_frames must be in 1..100000, got ", min_shot_frames);
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "ShotCutOptions{bins=" << bins << ", step=" << step << ", min_distance=" << min_distance
          << ", ratio=" << ratio << ", min_difference=" << min_difference << ", history=" << history << ", min_shot_frames=" << min_shot_frames << "}";
        return s.str();
    }
};

/// Streaming shot-cut detector over gray (one channel) frames of one size.
class shot_cut_detector {
public:
    explicit shot_cut_detector(const ShotCutOptions& opt = ShotCutOptions::standard()) : opt_(opt) { opt_.validate(); }

    /// Adds the next frame; true when it starts a new shot (never for the first frame).
    bool push(image_view<const std::uint8_t> frame) {
        SYNCDSP_REQUIRE(frame.channels == 1, "shot_cut", "frames must be gray (1 channel), got ", frame.channels);
        SYNCDSP_REQUIRE(frame.width > 0 && frame.height > 0, "shot_cut", "empty frame");
        if (frames_ > 0)
            SYNCDSP_REQUIRE(frame.width == width_ && frame.height == height_, "shot_cut", "frame ", frames_, " is ",
                            frame.width, "x", frame.height, ", the first was ", width_, "x", height_);
        width_ = frame.width;
        height_ = frame.height;
        std::vector<std::uint8_t> g = grid(frame);
        std::vector<double> h = histogram(g);
        bool cut = false;
        if (frames_ > 0) {
            last_distance_ = distance(h, hist_);
            last_difference_ = mean_difference(g, grid_);
            const double level = recent_median();
            cut = last_distance_ >= opt_.min_distance && last_distance_ >= opt_.ratio * level &&
                  last_difference_ >= opt_.min_difference && frames_ - last_cut_ >= opt_.min_shot_frames;
            // A cut's distance stays out of the running level: the next shot starts afresh.
            if (cut) {
                last_cut_ = frames_;
                recent_.clear();
            } else {
                recent_.push_back(last_distance_);
                if (recent_.size() > opt_.history) recent_.pop_front();
            }
        }
        hist_ = std::move(h);
        grid_ = std::move(g);
        ++frames_;
        return cut;
    }

    /// Histogram distance and mean pixel difference between the last two frames (0 before the second).
    double last_distance() const { return last_distance_; }
    double last_difference() const { return last_difference_; }
    std::size_t frames() const { return frames_; }
    const ShotCutOptions& options() const { return opt_; }

private:
    // Every step-th pixel in x and y (a frame smaller than the step: its top-left pixel).
    std::vector<std::uint8_t> grid(image_view<const std::uint8_t> f) const {
        std::vector<std::uint8_t> g;
        for (std::size_t y = opt_.step / 2; y < f.height; y += opt_.step)
            for (std::size_t x = opt_.step / 2; x < f.width; x += opt_.step) g.push_back(f.row(y)[x]);
        if (g.empty()) g.push_back(f.row(0)[0]);
        return g;
    }
    std::vector<double> histogram(const std::vector<std::uint8_t>& g) const {
        std::vector<double> h(opt_.bins, 0.0);
        for (auto v : g) h[std::size_t(v) * opt_.bins / 256] += 1;
        for (auto& v : h) v /= double(g.size());
        return h;
    }
    static double mean_difference(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
        double s = 0;
        for (std::size_t i = 0; i < a.size(); ++i) s += std::abs(int(a[i]) - int(b[i]));
        return s / (255.0 * double(a.size()));
    }
    static double distance(const std::vector<double>& a, const std::vector<double>& b) {
        double s = 0;
        for (std::size_t i = 0; i < a.size(); ++i) s += std::abs(a[i] - b[i]);
        return 0.5 * s;
    }
    double recent_median() const {
        if (recent_.empty()) return 0.0;
        std::vector<double> v(recent_.begin(), recent_.end());
        std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
        return v[v.size() / 2];
    }

    ShotCutOptions opt_;
    std::size_t width_ = 0, height_ = 0, frames_ = 0, last_cut_ = 0;
    double last_distance_ = 0, last_difference_ = 0;
    std::vector<double> hist_;
    std::vector<std::uint8_t> grid_;
    std::deque<double> recent_;
};

}  // namespace syncdsp::vision
