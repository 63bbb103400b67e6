// syncdsp/pipeline/video_tracks.hpp - every face of a video, from ONE decode: the face tracks
// (nn/models/face_tracks.hpp, cut at shot cuts from vision/shot_cut.hpp), and for each track the
// gray neighbourhood of its mouth in every frame of its span (vision/frame_parts.hpp), so that the
// mouth flow of every track needs no second decode. The same decode also keeps the single-face view
// that pipeline/face_track.hpp gives (the largest face of each frame), for videos with one face at a
// time.
//
//   auto v = pipeline::find_video_tracks("panel.mp4", io::probe_media("panel.mp4"));
//   for (const auto& t : v.tracks) t.face.id, t.face.first, t.face.last, t.parts->part(k)
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/geometry.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/nn/models/face_tracks.hpp"
#include "syncdsp/nn/models/faces.hpp"
#include "syncdsp/pipeline/face_track.hpp"
#include "syncdsp/vision/frame_parts.hpp"
#include "syncdsp/vision/mouth.hpp"
#include "syncdsp/vision/shot_cut.hpp"

namespace syncdsp::pipeline {

struct VideoTracksOptions {
    nn::FaceTracksOptions tracks = nn::FaceTracksOptions::standard();
    vision::ShotCutOptions cuts = vision::ShotCutOptions::standard();
    vision::MouthRoiOptions mouth_roi;  ///< the neighbourhoods kept are around these mouth boxes
    std::string models_dir;             ///< "" = $SYNCDSP_MODELS and the default locations
    /// Bytes of gray neighbourhoods kept over all tracks, and again for the single-face view; past
    /// it the parts are dropped (the caller decodes again).
    std::size_t budget_bytes = std::size_t(512) << 20;

    /// What `syncdsp sync` uses (nn::FaceTracksOptions::standard(), vision::ShotCutOptions::standard()).
    static VideoTracksOptions standard() { return {}; }

    void validate() const {
        tracks.validate();
        cuts.validate();
        mouth_roi.validate();
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "VideoTracksOptions{" << tracks.to_string() << ", " << cuts.to_string() << ", " << mouth_roi.to_string()
          << ", models_dir=" << (models_dir.empty() ? "(default)" : models_dir) << ", budget_bytes=" << budget_bytes << "}";
        return s.str();
    }
};

/// A face track and the gray neighbourhoods of its mouth (parts->part(i) is frame face.first + i).
struct video_face_track {
    nn::face_track face;
    std::optional<vision::frame_part_store> parts;  ///< reset when the budget was exceeded
};

struct video_tracks {
    std::vector<video_face_track> tracks;  ///< long enough to measure, in order of id
    /// Per frame, the largest face found (what the single-face path follows), and the gray
    /// neighbourhood of its mouth (before the first face: the whole frame; without a face: where
    /// the mouth last was) - the view of pipeline/face_track.hpp and classic.hpp, from this decode.
    landmark_track main;
    std::optional<vision::frame_part_store> main_parts;
    std::vector<double> times;             ///< decoder timestamp of every frame
    std::vector<std::size_t> cuts;         ///< frames that start a new shot
    std::size_t frames = 0;
    std::size_t dropped = 0;               ///< tracks too short to measure
    std::size_t max_together = 0;          ///< most faces found in one frame
    std::string mode = "detector";         ///< "whole-frame": a tight face crop, landmarks on the whole frame

    /// Whether at most one kept track is on screen at any time (then the tracks are one face's).
    bool one_face_at_a_time() const {
        for (std::size_t i = 0; i < tracks.size(); ++i)
            for (std::size_t j = i + 1; j < tracks.size(); ++j)
                if (tracks[i].face.first <= tracks[j].face.last && tracks[j].face.first <= tracks[i].face.last)
                    return false;
        return true;
    }
};

namespace video_tracks_impl {

// A frame's mouth neighbourhood from 68 landmarks.
inline rect neighbourhood(const nn::landmarks68& lm, long W, long H, const vision::MouthRoiOptions& o) {
    float xy[136];
    for (std::size_t i = 0; i < 68; ++i) xy[2 * i] = float(lm.points[i].x), xy[2 * i + 1] = float(lm.points[i].y);
    return vision::mouth_neighbourhood(xy, 68, W, H, o);
}

}  // namespace video_tracks_impl

/// Decodes the video once (RGB for the networks and gray for the flow) and returns its face tracks
/// with their mouth neighbourhoods. A square-ish video in whose first frames the detector finds no
/// face (a tight face crop) gets one whole-frame track, as pipeline/face_track.hpp does. Throws
/// io_error when the face models cannot be loaded.
inline video_tracks find_video_tracks(const std::string& path, const io::media_info& info,
                                      const VideoTracksOptions& opt = VideoTracksOptions::standard()) {
    opt.validate();
    nn::FaceOptions fo;
    fo.models_dir = opt.models_dir;
    const nn::face_analyzer fa(fo);
    const std::size_t W = std::size_t(info.width), H = std::size_t(info.height);
    const long LW = long(W), LH = long(H);
    const auto vo = io::VideoDecodeOptions::rgb_then_gray();

    video_tracks out;
    nn::face_tracks_builder builder(fa, opt.tracks);
    vision::shot_cut_detector shots(opt.cuts);
    struct kept {
        vision::frame_part_store parts;
        rect last;
    };
    std::map<std::size_t, kept> stores;  // per track id
    bool over_budget = false;
    out.main_parts.emplace(opt.budget_bytes);
    std::optional<rect> main_last;
    std::vector<std::uint8_t> main_has;
    std::vector<point> main_pts;

    auto budget_used = [&] {
        std::size_t b = 0;  // the single-face view has its own budget (it keeps whole frames before a face)
        for (const auto& [id, k] : stores) b += k.parts.bytes();
        return b;
    };
    // whole_frame: the frame's landmarks on the whole frame (a face-crop video), else nullptr.
    auto process = [&](const std::uint8_t* px, std::size_t k, const nn::landmarks68* whole_frame) {
        const nn::rgb8_view view{px, W, H, 3, W * 3};
        const vision::image_view<const std::uint8_t> gray(px + W * H * 3, W, H, 1);
        const bool cut = shots.push(gray);
        if (cut) out.cuts.push_back(k);
        std::vector<nn::tracked_face_of_frame> faces;
        if (whole_frame) {
            nn::tracked_face_of_frame f;
            f.where = box{0, 0, double(W), double(H)};
            f.landmarks = *whole_frame;
            faces.push_back(f);
        } else {
            faces = builder.push(view, k, cut);
        }
        out.max_together = std::max(out.max_together, faces.size());
        // The single-face view: the largest face of the frame.
        const nn::tracked_face_of_frame* main = nullptr;
        for (const auto& f : faces)
            if (!main || f.where.area() > main->where.area()) main = &f;
        main_has.push_back(main ? 1 : 0);
        if (main) main_pts.insert(main_pts.end(), main->landmarks.points.begin(), main->landmarks.points.end());
        else main_pts.insert(main_pts.end(), 68, point{});
        const rect main_where = main ? video_tracks_impl::neighbourhood(main->landmarks, LW, LH, opt.mouth_roi)
                                : main_last ? *main_last
                                            : rect{0, 0, LW, LH};
        if (main) main_last = main_where;
        if (out.main_parts) out.main_parts->add(gray, main_where);
        // Each live track's neighbourhood (where its mouth last was while it is missing).
        if (whole_frame) return;
        for (std::size_t id : builder.live_ids()) {
            const auto here = std::find_if(faces.begin(), faces.end(), [&](const auto& f) { return f.id == id; });
            auto it = stores.find(id);
            if (it == stores.end()) {
                if (here == faces.end()) continue;
                it = stores.emplace(id, kept{vision::frame_part_store(opt.budget_bytes), rect{}}).first;
            }
            if (here != faces.end()) it->second.last = video_tracks_impl::neighbourhood(here->landmarks, LW, LH, opt.mouth_roi);
            if (!over_budget) it->second.parts.add(gray, it->second.last);
        }
        if (!over_budget && budget_used() > opt.budget_bytes) over_budget = true;
    };
    const bool whole = decode_face_pass(path, info, vo, fa, opt.tracks.detect_every, opt.tracks.threads, process, &out.times);
    out.frames = main_has.size();
    out.main = landmark_track::from_points(std::move(main_has), main_pts, 68, whole ? "whole-frame" : "detector");
    if (whole) {
        out.mode = "whole-frame";
        // One track: the whole video (the face fills the frame).
        video_face_track t;
        t.face.id = 0;
        t.face.first = 0;
        t.face.last = out.frames ? out.frames - 1 : 0;
        t.face.has = out.main.has;
        for (std::size_t k = 0; k < out.frames; ++k) {
            const float* p = out.main.frame_points(k);
            for (std::size_t i = 0; i < 68; ++i) t.face.points.push_back(point{p[2 * i], p[2 * i + 1]});
            t.face.boxes.push_back(box{0, 0, double(W), double(H)});
        }
        t.face.max_score = 0;
        if (out.frames > 0) out.tracks.push_back(std::move(t));
        out.max_together = out.frames > 0 ? 1 : 0;
        return out;
    }
    auto faces = builder.finish();
    out.dropped = builder.dropped();
    for (auto& f : faces) {
        video_face_track t;
        auto it = stores.find(f.id);
        if (!over_budget && it != stores.end() && it->second.parts.complete() && it->second.parts.frames() >= f.span())
            t.parts.emplace(std::move(it->second.parts));
        t.face = std::move(f);
        out.tracks.push_back(std::move(t));
    }
    return out;
}

}  // namespace syncdsp::pipeline
