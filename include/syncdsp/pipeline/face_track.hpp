// syncdsp/pipeline/face_track.hpp - the main face's landmarks for every frame of a video, from the
// face-api networks, as a landmark_track (core/geometry.hpp; a landmark file becomes one with
// landmark_track::from_rows). vision/mouth.hpp turns a track into mouth boxes and aspect ratios.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/geometry.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/nn/models/face_tracker.hpp"
#include "syncdsp/nn/models/faces.hpp"

namespace syncdsp::pipeline {

struct FaceTrackOptions {
    std::size_t detect_every = 5;  ///< detector cadence (landmarks run on every frame)
    std::string models_dir;        ///< "" = $SYNCDSP_MODELS and the default locations

    /// What `syncdsp sync` uses: the detector every 5 frames, landmarks on every frame.
    static FaceTrackOptions standard() { return {}; }

    void validate() const {
        SYNCDSP_REQUIRE(detect_every >= 1 && detect_every <= 100000, "face_track", "detect_every must be in 1..100000, got ",
                        detect_every);
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "FaceTrackOptions{detect_every=" << detect_every << ", models_dir="
          << (models_dir.empty() ? "(default)" : models_dir) << "}";
        return s.str();
    }
};

/// What the face pass hands on for every decoded frame, in order, so that other cues need no
/// second decode: the frame's gray pixels (width*height bytes, from the same decode as the RGB the
/// networks saw) and, when the main face was found, its 68 landmarks as x, y pairs (else nullptr).
using gray_frame_sink = std::function<void(const std::uint8_t* gray, const float* landmarks)>;

/// Runs the face-api networks over a video: the tracker (detector every `detect_every` frames,
/// landmarks on every frame) - or, for a square-ish video in whose first frames the detector finds
/// no face (a tight face crop, where the face fills the frame), landmarks on the whole frame.
/// With `gray`, every frame is also handed on in gray (one decode gives both, byte for byte what a
/// gray decode gives); with `times_s`, the decoder's timestamp of every frame (as
/// io::decode_video_stream).
inline landmark_track detect_face_track(const std::string& path, const io::media_info& info,
                                        const FaceTrackOptions& opt = {}, const gray_frame_sink& gray = {},
                                        std::vector<double>* times_s = nullptr) {
    opt.validate();
    nn::FaceOptions fo;
    fo.models_dir = opt.models_dir;
    const nn::face_analyzer fa(fo);
    const std::size_t W = std::size_t(info.width), H = std::size_t(info.height);
    const double aspect = double(W) / double(H);
    const bool square = aspect >= 0.8 && aspect <= 1.25;
    const auto vo = gray ? io::VideoDecodeOptions::rgb_then_gray() : io::VideoDecodeOptions::rgb();
    const std::size_t frame_bytes = W * H * io::channels_of(vo.format);
    std::vector<float> xy(68 * 2);
    std::vector<std::uint8_t> has;  // per frame: the main face was found
    std::vector<point> pts;         // 68 per frame (ignored where has is 0)
    nn::face_tracker tracker(fa, opt.detect_every);
    // Mode decision from the first frames: detector on frames 0, every, 2*every (buffered).
    const std::size_t probe_frames = 2 * opt.detect_every + 1;
    std::vector<std::vector<std::uint8_t>> buffered;
    int mode = -1;  // -1 undecided, 0 tracker, 1 whole frame
    auto process = [&](const std::uint8_t* px, std::size_t k) {
        const nn::rgb8_view view{px, W, H, 3, W * 3};
        nn::landmarks68 lm;
        bool ok = false;
        if (mode == 1) {
            lm = fa.landmarks(view, syncdsp::box{0, 0, double(W), double(H)});
            ok = true;
        } else {
            const auto t = tracker.push(view, k);
            ok = t.has_face;
            lm = t.main.landmarks;
        }
        has.push_back(ok ? 1 : 0);
        pts.insert(pts.end(), lm.points.begin(), lm.points.end());
        if (gray) {
            for (std::size_t i = 0; i < 68; ++i) xy[2 * i] = float(lm.points[i].x), xy[2 * i + 1] = float(lm.points[i].y);
            gray(px + W * H * 3, ok ? xy.data() : nullptr);
        }
    };
    io::decode_video_stream(path, info, vo, [&](const std::uint8_t* px, std::size_t k) {
        if (mode >= 0) {
            process(px, k);
            return true;
        }
        buffered.emplace_back(px, px + frame_bytes);
        if (buffered.size() < probe_frames) return true;
        int found = 0, tried = 0;
        for (std::size_t i = 0; i < buffered.size(); i += opt.detect_every, ++tried)
            found += fa.detect(nn::rgb8_view{buffered[i].data(), W, H, 3, W * 3}).empty() ? 0 : 1;
        mode = (2 * found < tried && square) ? 1 : 0;
        for (std::size_t i = 0; i < buffered.size(); ++i) process(buffered[i].data(), i);
        buffered.clear();
        return true;
    }, times_s);
    if (mode < 0) {  // a video shorter than the probe: decide on what there is
        int found = 0, tried = 0;
        for (std::size_t i = 0; i < buffered.size(); i += opt.detect_every, ++tried)
            found += fa.detect(nn::rgb8_view{buffered[i].data(), W, H, 3, W * 3}).empty() ? 0 : 1;
        mode = (2 * found < tried && square) ? 1 : 0;
        for (std::size_t i = 0; i < buffered.size(); ++i) process(buffered[i].data(), i);
    }
    return landmark_track::from_points(std::move(has), pts, 68, mode == 1 ? "whole-frame" : "detector");
}

}  // namespace syncdsp::pipeline
