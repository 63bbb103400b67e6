// syncdsp/nn/models/face_tracker.hpp - following the main face through a video: the detector
// runs on frames whose index is a multiple of N (and on every frame while no face is followed or
// when the box left the image), landmarks run
// on every frame from the current box, and frames without a face are reported as gaps.
//
// Main face: the largest detector box of a detection frame (documented choice; talking-head and
// stage videos have one dominant speaker). Between detections the box moves with the landmarks:
// it keeps the offset between its centre and the landmark centroid measured on the detection frame
// (the landmark net is run on that box, so the box follows head motion).
//
// Smoothing: smooth_centered() is a symmetric (zero-phase) moving average over the frames of a
// track. A symmetric window adds no delay (a linear motion comes out unchanged, tested), unlike a
// causal filter, which would shift the lip signal in time and bias the measured audio offset.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/nn/models/faces.hpp"

namespace syncdsp::nn {

/// One frame of a track.
struct tracked_face {
    std::size_t index = 0;  ///< frame index as given to push()
    bool has_face = false;  ///< false = gap (no face found / tracking not possible)
    bool detected = false;  ///< the detector ran on this frame
    face main;              ///< the followed face (box, score of the last detection, landmarks)
};

class face_tracker {
public:
    /// `every` >= 1: run the detector on every `every`-th frame (1 = every frame).
    face_tracker(const face_analyzer& analyzer, std::size_t every) : fa_(analyzer), every_(every) {
        SYNCDSP_REQUIRE(every >= 1 && every <= 100000, "face_tracker", "every must be >= 1, got ", every);
    }

    /// Processes the next frame. `all` (optional) receives every face of a detection frame.
    tracked_face push(const rgb8_view& frame, std::size_t index, std::vector<face>* all = nullptr) {
        tracked_face r;
        r.index = index;
        if (all) all->clear();
        // Detection frames are the multiples of `every` (plus any frame while no face is
        // followed), so segments [k*every, (k+1)*every) are independent: callers may run them on
        // different threads with one tracker each and get the same result.
        const bool tracked_ok = box_ && index % every_ != 0 &&
                                face_analyzer::box_has_pixels(*box_, frame.width, frame.height);
        if (tracked_ok) {
            r.main.landmarks = fa_.landmarks(frame, *box_);
            r.main.box = *box_;
            r.main.score = score_;
            r.has_face = true;
            move_box(r.main.landmarks);
            return r;
        }
        r.detected = true;
        auto faces = fa_.detect_faces(frame);
        const long m = main_face(faces);
        if (m < 0) {
            box_.reset();
            if (all) *all = std::move(faces);
            return r;
        }
        r.main = faces[std::size_t(m)];
        r.has_face = true;
        box_ = r.main.box;
        score_ = r.main.score;
        const point c = centroid(r.main.landmarks);
        offset_ = point{box_->x + box_->width / 2 - c.x, box_->y + box_->height / 2 - c.y};
        if (all) *all = std::move(faces);
        return r;
    }

    static point centroid(const landmarks68& lm) {
        point c;
        for (const auto& p : lm.points) {
            c.x += p.x / 68;
            c.y += p.y / 68;
        }
        return c;
    }

private:
    void move_box(const landmarks68& lm) {
        const point c = centroid(lm);
        box_->x = c.x + offset_.x - box_->width / 2;
        box_->y = c.y + offset_.y - box_->height / 2;
    }

    const face_analyzer& fa_;
    std::size_t every_;
    std::optional<box> box_;
    double score_ = 0;
    point offset_;
};

/// Zero-phase smoothing of a landmark track: each point of frame i becomes the mean of the same
/// point over frames i - radius .. i + radius that have a face, within the same run of
/// consecutive face frames (gaps are not bridged). Near a run's ends the window shrinks
/// symmetrically (i - k .. i + k with k = distance to the nearer end), so no frame is shifted.
inline std::vector<tracked_face> smooth_centered(const std::vector<tracked_face>& track, std::size_t radius) {
    std::vector<tracked_face> out = track;
    if (radius == 0) return out;
    std::size_t i = 0;
    while (i < track.size()) {
        if (!track[i].has_face) {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < track.size() && track[end].has_face && (end == i || track[end].index == track[end - 1].index + 1)) ++end;
        for (std::size_t t = i; t < end; ++t) {
            const std::size_t k = std::min({radius, t - i, end - 1 - t});
            for (std::size_t p = 0; p < 68; ++p) {
                double sx = 0, sy = 0;
                for (std::size_t u = t - k; u <= t + k; ++u) {
                    sx += track[u].main.landmarks.points[p].x;
                    sy += track[u].main.landmarks.points[p].y;
                }
                out[t].main.landmarks.points[p] = point{sx / double(2 * k + 1), sy / double(2 * k + 1)};
            }
        }
        i = end;
    }
    return out;
}

}  // namespace syncdsp::nn
