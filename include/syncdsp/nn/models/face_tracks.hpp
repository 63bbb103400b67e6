// syncdsp/nn/models/face_tracks.hpp - every face of a video as a track: who is where in which frame.
//
//   nn::face_tracks_builder tracks(analyzer, nn::FaceTracksOptions::standard());
//   for (each RGB frame k) for (const auto& f : tracks.push(view, k, cut_k)) ... f.id, f.landmarks
//   std::vector<nn::face_track> all = tracks.finish();
//
// How (the single-face face_tracker.hpp, generalised to many faces):
//  - the detector runs on frames whose index is a multiple of detect_every, on every frame while
//    no face is followed, and on every frame for detect_every frames after a face was lost;
//  - between detections each followed face gets its landmarks from its box, and the box moves with
//    the landmark centroid (as face_tracker does), so a one-face video gives face_tracker's
//    landmarks frame for frame;
//  - on a detection frame the detections are matched to the tracks by box overlap (IoU >= min_iou,
//    largest first); when two detections overlap a track about equally (IoU within tie_iou), the
//    one whose landmarks are nearer the track's last landmarks wins; an unmatched detection starts
//    a new track, an unmatched track misses the frame;
//  - a track that misses more than max_gap frames in a row ends (a shorter gap is bridged: the
//    track keeps its id and the frames of the gap have no landmarks); a shot cut ends every track;
//  - tracks with fewer than min_frames frames with landmarks are dropped (too short to measure);
//  - in frames much larger than the detector input (FaceTileOptions, face_tiles.hpp) the
//    detector also runs on overlapping tiles, to find faces too small for the whole-frame pass:
//    the full grid on frames that are multiples of tiles.scan_every (and the detector runs there),
//    and on the other detection frames one tile around each followed face too small for the
//    whole-frame pass (so such a face is found again at every detection). A face that a tile
//    found once and no detection confirmed since does not make the detector run on every frame
//    when it is lost (most such faces are false detections).
// Live input (pipeline/live.hpp) calls set_streaming(true): push() reports the same faces, but no
// per-frame history is kept and ended tracks are forgotten, so memory stays bounded.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/geometry.hpp"
#include "syncdsp/core/parallel.hpp"
#include "syncdsp/nn/models/face_tiles.hpp"
#include "syncdsp/nn/models/face_tracker.hpp"
#include "syncdsp/nn/models/faces.hpp"

namespace syncdsp::nn {

struct FaceTracksOptions {
    std::size_t detect_every = 5;  ///< detector cadence (landmarks run on every frame of every track)
    double min_iou = 0.3;          ///< a detection continues a track when their boxes overlap this much
    double tie_iou = 0.1;          ///< IoUs closer than this are a tie, broken by the landmarks
    std::size_t max_gap = 25;      ///< frames a track may miss in a row and keep its id
    std::size_t min_frames = 25;   ///< tracks with fewer frames with landmarks are dropped
    unsigned threads = 0;          ///< landmarks of several faces, and tiles, in parallel (0 = all cores)
    FaceTileOptions tiles = FaceTileOptions::standard();  ///< small faces in big frames

    /// What `syncdsp sync` uses: the detector every 5 frames (as face_tracker), IoU 0.3, gaps of up
    /// to 25 frames bridged (1 s at 25 fps), tracks of at least 25 frames (1 s at 25 fps), tiles
    /// in frames of 1560 px or more (FaceTileOptions::standard()).
    static FaceTracksOptions standard() { return {}; }

    void validate() const {
        SYNCDSP_REQUIRE(detect_every >= 1 && detect_every <= 100000, "face_tracks", "detect_every must be in 1..100000, got ",
                        detect_every);
        SYNCDSP_REQUIRE(min_iou > 0 && min_iou < 1, "face_tracks", "min_iou must be in (0, 1), got ", min_iou);
        SYNCDSP_REQUIRE(tie_iou >= 0 && tie_iou < 1, "face_tracks", "tie_iou must be in [0, 1), got ", tie_iou);
        SYNCDSP_REQUIRE(max_gap <= 100000, "face_tracks", "max_gap must be <= 100000, got ", max_gap);
        SYNCDSP_REQUIRE(min_frames >= 1 && min_frames <= 10000000, "face_tracks", "min_frames must be >= 1, got ",
                        min_frames);
        tiles.validate();
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "FaceTracksOptions{detect_every=" << detect_every << ", min_iou=" << min_iou << ", tie_iou=" << tie_iou
          << ", max_gap=" << max_gap << ", min_frames=" << min_frames << ", threads=" << threads << ", "
          << tiles.to_string() << "}";
        return s.str();
    }
};

/// One face followed through consecutive frames first..last (inclusive) of one shot.
struct face_track {
    std::size_t id = 0;             ///< unique in the video, in order of appearance
    std::size_t first = 0, last = 0;
    std::vector<std::uint8_t> has;  ///< per frame first..last: landmarks found (0 = bridged gap)
    std::vector<point> points;      ///< 68 per frame first..last (ignored where has is 0)
    std::vector<box> boxes;         ///< per frame first..last: the box the landmarks came from
    double max_score = 0;           ///< best detector score of the track

    std::size_t span() const { return has.size(); }
    std::size_t with_landmarks() const { return std::size_t(std::count(has.begin(), has.end(), std::uint8_t(1))); }
    /// The median x, y, width and height of the boxes of frames with landmarks (each taken alone).
    box median_box() const {
        std::vector<double> v[4];
        for (std::size_t i = 0; i < has.size(); ++i)
            if (has[i]) {
                v[0].push_back(boxes[i].x);
                v[1].push_back(boxes[i].y);
                v[2].push_back(boxes[i].width);
                v[3].push_back(boxes[i].height);
            }
        box b;
        double* out[4] = {&b.x, &b.y, &b.width, &b.height};
        for (int c = 0; c < 4; ++c) {
            if (v[c].empty()) continue;
            std::nth_element(v[c].begin(), v[c].begin() + long(v[c].size() / 2), v[c].end());
            *out[c] = v[c][v[c].size() / 2];
        }
        return b;
    }
    /// The track's own frames first..last as landmarks (row 0 = frame `first`).
    landmark_track span_landmarks(std::string source = "detector") const {
        return landmark_track::from_points(has, points, 68, std::move(source));
    }
    /// The track as landmarks over `frames` frames of the video (none outside first..last).
    landmark_track to_landmark_track(std::size_t frames, std::string source = "detector") const {
        std::vector<std::uint8_t> h(frames, 0);
        std::vector<point> p(frames * 68);
        for (std::size_t i = 0; i < has.size() && first + i < frames; ++i) {
            h[first + i] = has[i];
            if (has[i]) std::copy_n(points.begin() + long(i * 68), 68, p.begin() + long((first + i) * 68));
        }
        return landmark_track::from_points(std::move(h), p, 68, std::move(source));
    }
};

/// A face of the current frame, as push() reports it.
struct tracked_face_of_frame {
    std::size_t id = 0;
    box where;
    landmarks68 landmarks;
};

class face_tracks_builder {
public:
    face_tracks_builder(const face_analyzer& analyzer, const FaceTracksOptions& opt = FaceTracksOptions::standard())
        : fa_(analyzer), opt_(opt) {
        opt_.validate();
    }

    /// Processes frame `index` (indices increase by one per call); `cut`: it starts a new shot.
    /// Returns the faces found in this frame (valid until the next call).
    const std::vector<tracked_face_of_frame>& push(const rgb8_view& frame, std::size_t index, bool cut = false) {
        SYNCDSP_REQUIRE(frames_ == 0 || index == last_index_ + 1, "face_tracks", "frame ", index, " follows frame ",
                        last_index_, "; frames must come one by one");
        last_index_ = index;
        ++frames_;
        current_.clear();
        if (cut) end_all();
        // Tracks lost for longer than the bridge end.
        for (std::size_t i = 0; i < live_.size();)
            if (live_[i].missed > opt_.max_gap) end(i);
            else ++i;
        // The detector runs at its cadence, on every frame while no face is followed (as
        // face_tracker does), and on every frame for detect_every frames after a face was lost
        // (detector flicker: found again at once); after that a lost face waits for the cadence,
        // as a detection per frame would cost more than all the landmarks.
        bool detect = index % opt_.detect_every == 0, followed = false;
        for (auto& t : live_) {
            if (t.missed == 0 && !face_analyzer::box_has_pixels(t.box, frame.width, frame.height)) t.missed = 1;  // left the image
            followed = followed || t.missed == 0;
            // (Not for a face a tile scan found once and never again: most are false detections,
            // and a detection per frame would change the other faces' boxes for nothing.)
            if (t.missed > 0 && t.missed <= opt_.detect_every && t.confirmed) detect = true;
        }
        if (!followed) detect = true;
        if (!tiling_ || tiling_size_[0] != frame.width || tiling_size_[1] != frame.height) {
            tiling_.emplace(frame.width, frame.height, fa_.options().detector_size, opt_.tiles);
            tiling_size_[0] = frame.width;
            tiling_size_[1] = frame.height;
        }
        const bool scan = tiling_->active() && index % opt_.tiles.scan_every == 0;
        if (scan) detect = true;
        std::vector<char> found(live_.size(), 0);
        if (detect) {
            // Tiles: the full grid on scan frames; else one around each face the whole-frame pass
            // may miss (followed, or lost a few frames ago), so it is found again.
            std::vector<face_tile> tiles;
            if (scan) tiles = tiling_->grid();
            else
                for (const auto& t : live_)
                    for (const auto& tl : tiling_->around(t.box)) tiles.push_back(tl);
            auto faces = tiles.empty() ? fa_.detect_faces(frame) : fa_.detect_faces(frame, tiles, opt_.threads);
            if (scan) ++scans_;
            tiles_run_ += tiles.size();
            match(faces, found, index);
        } else {
            // The followed faces' landmarks, in parallel (one face per thread; same result as serial).
            std::vector<std::size_t> followed;
            for (std::size_t i = 0; i < live_.size(); ++i)
                if (live_[i].missed == 0) followed.push_back(i);
            std::vector<landmarks68> lms(followed.size());
            parallel_for(followed.size(), opt_.threads, [&](std::size_t b, std::size_t e) {
                for (std::size_t j = b; j < e; ++j) lms[j] = fa_.landmarks(frame, live_[followed[j]].box);
            });
            for (std::size_t j = 0; j < followed.size(); ++j) {
                const std::size_t i = followed[j];
                auto& t = live_[i];
                const landmarks68& lm = lms[j];
                record(t, index, t.box, lm);
                found[i] = 1;
                const point c = face_tracker::centroid(lm);
                t.box.x = c.x + t.offset.x - t.box.width / 2;
                t.box.y = c.y + t.offset.y - t.box.height / 2;
            }
        }
        for (std::size_t i = 0; i < live_.size(); ++i)
            if (!found[i]) {
                ++live_[i].missed;
                live_[i].missed_at.push_back(index);
            }
        return current_;
    }

    /// Ends every track and returns those long enough to measure, in order of id.
    std::vector<face_track> finish() {
        end_all();
        std::vector<face_track> out = std::move(done_);
        done_.clear();
        std::sort(out.begin(), out.end(), [](const face_track& a, const face_track& b) { return a.id < b.id; });
        return out;
    }

    /// Ids of the tracks still followed (found in this frame, or missing for at most max_gap frames).
    std::vector<std::size_t> live_ids() const {
        std::vector<std::size_t> ids;
        for (const auto& t : live_) ids.push_back(t.t.id);
        return ids;
    }
    /// Tracks dropped as too short so far.
    std::size_t dropped() const { return dropped_; }
    /// Full tile scans and detector runs on tiles so far (0 when the frames are too small for tiles).
    std::size_t tile_scans() const { return scans_; }
    std::size_t tiles_run() const { return tiles_run_; }
    /// Streaming (live input): push() reports the same faces, but the tracks keep no per-frame
    /// history (face_track::has/points/boxes stay empty; first and last are kept) and ended tracks
    /// are forgotten (finish() returns none), so memory does not grow with the stream. Set it
    /// before the first push().
    void set_streaming(bool on) {
        SYNCDSP_REQUIRE(frames_ == 0, "face_tracks", "set_streaming() must come before the first frame");
        streaming_ = on;
    }
    const FaceTracksOptions& options() const { return opt_; }

private:
    struct live_track {
        face_track t;
        syncdsp::box box;
        point offset;  // box centre minus landmark centroid, measured on the last detection
        std::size_t missed = 0;
        std::vector<std::size_t> missed_at;  // frames missed since the last found one
        landmarks68 last;
        std::size_t found = 0;  // frames with landmarks (kept when streaming only)
        bool confirmed = true;  // false: started by a tile detection and not detected again yet
    };

    static double landmark_distance(const landmarks68& a, const landmarks68& b) {
        double s = 0;
        for (std::size_t i = 0; i < 68; ++i) s += std::hypot(a.points[i].x - b.points[i].x, a.points[i].y - b.points[i].y);
        return s / 68;
    }

    void record(live_track& lt, std::size_t index, const box& b, const landmarks68& lm) {
        face_track& t = lt.t;
        if (streaming_) {  // no history: only where the track starts and ends
            if (lt.found++ == 0) t.first = index;
            lt.missed_at.clear();
            lt.missed = 0;
            t.last = index;
            lt.last = lm;
            current_.push_back({t.id, b, lm});
            return;
        }
        // Frames missed since the last found one become a bridged gap.
        for (std::size_t k : lt.missed_at) {
            (void)k;
            t.has.push_back(0);
            t.points.insert(t.points.end(), 68, point{});
            t.boxes.push_back(lt.box);
        }
        lt.missed_at.clear();
        lt.missed = 0;
        if (t.has.empty()) t.first = index;
        t.last = index;
        t.has.push_back(1);
        t.points.insert(t.points.end(), lm.points.begin(), lm.points.end());
        t.boxes.push_back(b);
        lt.last = lm;
        current_.push_back({t.id, b, lm});
    }

    void start(const face& f, std::size_t index) {
        live_track lt;
        lt.t.id = next_id_++;
        lt.box = f.box;
        lt.t.max_score = f.score;
        lt.confirmed = !f.from_tile;
        const point c = face_tracker::centroid(f.landmarks);
        lt.offset = point{f.box.x + f.box.width / 2 - c.x, f.box.y + f.box.height / 2 - c.y};
        record(lt, index, f.box, f.landmarks);
        live_.push_back(std::move(lt));
    }

    // Matches detections to live tracks (found[i] = 1 for the tracks that got one); the rest start tracks.
    void match(std::vector<face>& faces, std::vector<char>& found, std::size_t index) {
        struct pair_iou {
            std::size_t t, d;
            double iou;
        };
        std::vector<pair_iou> pairs;
        for (std::size_t i = 0; i < live_.size(); ++i)
            for (std::size_t d = 0; d < faces.size(); ++d) {
                const double v = iou(live_[i].box, faces[d].box);
                if (v >= opt_.min_iou) pairs.push_back({i, d, v});
            }
        std::stable_sort(pairs.begin(), pairs.end(), [](const pair_iou& a, const pair_iou& b) { return a.iou > b.iou; });
        std::vector<char> used(faces.size(), 0);
        for (const auto& p : pairs) {
            if (found[p.t] || used[p.d]) continue;
            // A tie: among the free detections overlapping this track about as much, the nearest landmarks win.
            std::size_t best = p.d;
            double best_dist = landmark_distance(live_[p.t].last, faces[p.d].landmarks);
            for (const auto& q : pairs)
                if (q.t == p.t && q.d != p.d && !used[q.d] && q.iou >= p.iou - opt_.tie_iou) {
                    const double dist = landmark_distance(live_[p.t].last, faces[q.d].landmarks);
                    if (dist < best_dist) best = q.d, best_dist = dist;
                }
            used[best] = 1;
            found[p.t] = 1;
            auto& lt = live_[p.t];
            const face& f = faces[best];
            lt.box = f.box;
            lt.t.max_score = std::max(lt.t.max_score, f.score);
            lt.confirmed = true;
            const point c = face_tracker::centroid(f.landmarks);
            lt.offset = point{f.box.x + f.box.width / 2 - c.x, f.box.y + f.box.height / 2 - c.y};
            record(lt, index, f.box, f.landmarks);
        }
        // New faces, largest first (so a one-face video's track is the main face's).
        std::vector<std::size_t> fresh;
        for (std::size_t d = 0; d < faces.size(); ++d)
            if (!used[d]) fresh.push_back(d);
        std::stable_sort(fresh.begin(), fresh.end(),
                         [&](std::size_t a, std::size_t b) { return faces[a].box.area() > faces[b].box.area(); });
        for (std::size_t d : fresh) {
            start(faces[d], index);
            found.push_back(1);
        }
    }

    void end(std::size_t i) {
        face_track t = std::move(live_[i].t);
        const std::size_t found = live_[i].found;
        live_.erase(live_.begin() + long(i));
        if (streaming_) {
            if (found < opt_.min_frames) ++dropped_;
            return;
        }
        if (t.with_landmarks() >= opt_.min_frames) done_.push_back(std::move(t));
        else ++dropped_;
    }
    void end_all() {
        while (!live_.empty()) end(live_.size() - 1);
    }

    const face_analyzer& fa_;
    FaceTracksOptions opt_;
    std::vector<live_track> live_;
    std::vector<face_track> done_;
    std::vector<tracked_face_of_frame> current_;
    std::size_t next_id_ = 0, frames_ = 0, last_index_ = 0, dropped_ = 0, scans_ = 0, tiles_run_ = 0;
    bool streaming_ = false;
    std::optional<face_tiling> tiling_;  // for the frame size seen
    std::size_t tiling_size_[2] = {0, 0};
};

}  // namespace syncdsp::nn
