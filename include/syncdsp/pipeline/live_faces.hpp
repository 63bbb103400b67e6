// syncdsp/pipeline/live_faces.hpp - the faces of a live picture, frame after frame: every face
// followed (nn/models/face_tracks.hpp, streaming), its mouth box from its landmarks, and its
// mouth opening rate (vision/mouth_flow_stream.hpp).
//
//   pipeline::live_faces faces(pipeline::LiveFacesOptions::standard());
//   for (each gray frame) for (const auto& f : faces.push(frame)) f.id, f.mouth, f.rate
//   faces.ended()   // ids of the tracks that ended at this frame
//
// The tracker is the offline one (detector every detect_every frames, landmarks of every followed
// face on every frame, IoU matching), fed the gray picture as RGB (the live decoder delivers gray;
// the networks find faces in it as well). The mouth box (vision::mouth_box of the landmarks) is
// held still while the mouth stays in it: the box wanted is the mean centre and the median side
// of the last `steady_frames` frames (trailing: later frames are not in yet), and the box moves to
// it only when its centre or side differ from the box held by more than `move_fraction` of the
// side. Why: a box that follows the landmarks frame by frame weakens the opening-rate cue (the
// mouth's place in the box jitters), and a box larger than `sync`'s (margin 0.6 instead of 0.35:
// it takes in the jaw) makes up for the mouth aspect ratio cue that `sync` fuses in and the live
// path does not have (measured, docs/monitor.md). Memory: per followed face, a frame, two crops
// and 3 x steady_frames numbers; ended tracks are forgotten.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/geometry.hpp"
#include "syncdsp/nn/models/face_tracks.hpp"
#include "syncdsp/nn/models/faces.hpp"
#include "syncdsp/pipeline/classic_options.hpp"
#include "syncdsp/vision/image.hpp"
#include "syncdsp/vision/mouth.hpp"
#include "syncdsp/vision/mouth_flow_stream.hpp"
#include "syncdsp/vision/mouth_motion.hpp"

namespace syncdsp::pipeline {

struct LiveFacesOptions {
    nn::FaceOptions faces = nn::FaceOptions::faceapi();
    nn::FaceTracksOptions tracks = nn::FaceTracksOptions::standard();
    vision::MouthRoiOptions mouth_roi = live_mouth_roi();
    vision::MouthMotionOptions mouth = vision::MouthMotionOptions::defaults();
    std::size_t steady_frames = 10;  ///< the box wanted: mean centre, median side of this many latest frames
    double move_fraction = 0.1;      ///< the box moves when the one wanted is off by more than this x side

    /// What `syncdsp monitor` uses: `sync`'s tracker, the mouth box of live_mouth_roi() held still
    /// unless the box of the last 10 frames is off by a tenth of its side, on one thread (a live
    /// stream leaves the other core free). Chosen on the spliced test stream and four calibration
    /// clips (docs/monitor.md).
    static LiveFacesOptions standard() {
        LiveFacesOptions o;
        o.tracks.threads = 1;
        o.mouth.threads = 1;
        return o;
    }
    /// The landmark mouth box with margin 0.6 (side = 2.2 x the mouth's larger extent; `sync` uses
    /// 0.35 with the mouth aspect ratio as a second cue).
    static vision::MouthRoiOptions live_mouth_roi() {
        vision::MouthRoiOptions o = ClassicOptions::landmark_mouth_roi();
        o.margin = 0.6;
        return o;
    }

    void validate() const {
        faces.validate();
        tracks.validate();
        mouth_roi.validate();
        mouth.validate();
        SYNCDSP_REQUIRE(steady_frames >= 1 && steady_frames <= 10000, "live", "steady_frames ", steady_frames,
                        " must be in 1..10000");
        SYNCDSP_REQUIRE(move_fraction >= 0 && move_fraction <= 1, "live", "move_fraction ", move_fraction,
                        " must be in 0..1");
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "LiveFacesOptions{" << faces.to_string() << ", " << tracks.to_string() << ", " << mouth_roi.to_string()
          << ", " << mouth.to_string() << ", steady_frames=" << steady_frames << ", move_fraction=" << move_fraction
          << "}";
        return s.str();
    }
};

/// A followed face in the current frame.
struct live_face {
    std::size_t id = 0;
    bool found = false;  ///< landmarks in this frame (false: a bridged gap; the rate is NaN)
    box where;           ///< face box (the last one found during a gap)
    rect mouth;          ///< the mouth box the rate was measured in
    double rate = std::numeric_limits<double>::quiet_NaN();  ///< mouth opening rate of (previous, this) frame
    std::size_t frames = 0;  ///< frames with landmarks so far
};

class live_faces {
public:
    /// Loads the face models (io_error when they cannot be loaded).
    explicit live_faces(const LiveFacesOptions& o = LiveFacesOptions::standard())
        : o_(validated(o)), fa_(o_.faces), tracks_(fa_, o_.tracks) {
        tracks_.set_streaming(true);
    }
    live_faces(const live_faces&) = delete;
    live_faces& operator=(const live_faces&) = delete;

    /// The next gray frame (all frames of a stream have one size; `cut`: a new shot or a
    /// discontinuity, every track ends). Returns the followed faces (valid until the next call).
    const std::vector<live_face>& push(vision::image_view<const std::uint8_t> gray, bool cut = false) {
        vision::require_image(gray, "live", 1);
        const std::size_t W = gray.width, H = gray.height;
        rgb_.resize(W * H * 3);
        for (std::size_t y = 0; y < H; ++y) {
            const std::uint8_t* s = gray.row(y);
            std::uint8_t* d = rgb_.data() + y * W * 3;
            for (std::size_t x = 0; x < W; ++x, d += 3) d[0] = d[1] = d[2] = s[x];
        }
        const auto& found = tracks_.push(nn::rgb8_view{rgb_.data(), W, H, 3, W * 3}, index_++, cut);
        // Tracks that ended are forgotten.
        const std::vector<std::size_t> live = tracks_.live_ids();
        ended_.clear();
        for (auto it = state_.begin(); it != state_.end();)
            if (std::find(live.begin(), live.end(), it->first) == live.end()) {
                ended_.push_back(it->first);
                it = state_.erase(it);
            } else {
                ++it;
            }
        out_.clear();
        for (std::size_t id : live) {
            const auto here = std::find_if(found.begin(), found.end(), [&](const auto& f) { return f.id == id; });
            auto st = state_.find(id);
            if (st == state_.end()) {
                if (here == found.end()) continue;
                st = state_.emplace(id, track_state(o_.mouth)).first;
            }
            track_state& t = st->second;
            live_face f;
            f.id = id;
            f.found = here != found.end();
            if (f.found) {
                t.where = here->where;
                add_mouth(t, here->landmarks, long(W), long(H));
                ++t.frames;
            }
            f.where = t.where;
            f.mouth = t.mouth;
            f.frames = t.frames;
            const double rate = t.flow.add(gray, t.mouth);
            f.rate = f.found ? rate : std::numeric_limits<double>::quiet_NaN();
            out_.push_back(f);
        }
        return out_;
    }

    /// Ids of the tracks that ended at the last push().
    const std::vector<std::size_t>& ended() const { return ended_; }
    const LiveFacesOptions& options() const { return o_; }

private:
    struct track_state {
        explicit track_state(const vision::MouthMotionOptions& m) : flow(m) {}
        vision::mouth_flow_stream flow;
        std::deque<double> cx, cy, sides;
        rect mouth{};
        box where;
        std::size_t frames = 0;
    };
    static const LiveFacesOptions& validated(const LiveFacesOptions& o) {
        o.validate();
        return o;
    }

    // This frame's mouth box: held still unless the wanted one (trailing mean centre, median side)
    // is off by more than move_fraction of the side (see the file comment).
    void add_mouth(track_state& t, const nn::landmarks68& lm, long W, long H) const {
        float xy[136];
        for (std::size_t i = 0; i < 68; ++i) xy[2 * i] = float(lm.points[i].x), xy[2 * i + 1] = float(lm.points[i].y);
        double cx, cy, side;
        vision::mouth_box(xy, 68, o_.mouth_roi.margin, cx, cy, side);
        t.cx.push_back(cx);
        t.cy.push_back(cy);
        t.sides.push_back(side);
        while (t.cx.size() > o_.steady_frames) t.cx.pop_front(), t.cy.pop_front(), t.sides.pop_front();
        double sx = 0, sy = 0;
        for (std::size_t i = 0; i < t.cx.size(); ++i) sx += t.cx[i], sy += t.cy[i];
        std::vector<double> s(t.sides.begin(), t.sides.end());
        std::nth_element(s.begin(), s.begin() + long(s.size() / 2), s.end());
        const long median = std::max(o_.mouth_roi.min_side, long(std::lround(s[s.size() / 2])));
        const rect want = vision::clamp_square(sx / double(t.cx.size()), sy / double(t.cy.size()), median, W, H);
        const double limit = o_.move_fraction * double(t.mouth.width);
        const bool off = t.mouth.empty() || std::fabs(double(want.width - t.mouth.width)) > limit ||
                         std::fabs(double(want.x + want.width / 2) - double(t.mouth.x + t.mouth.width / 2)) > limit ||
                         std::fabs(double(want.y + want.height / 2) - double(t.mouth.y + t.mouth.height / 2)) > limit;
        if (off) t.mouth = want;
    }

    LiveFacesOptions o_;
    nn::face_analyzer fa_;
    nn::face_tracks_builder tracks_;
    std::map<std::size_t, track_state> state_;
    std::vector<std::uint8_t> rgb_;
    std::vector<live_face> out_;
    std::vector<std::size_t> ended_;
    std::size_t index_ = 0;
};

}  // namespace syncdsp::pipeline
