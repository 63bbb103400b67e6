// syncdsp/pipeline/face_track.hpp - the main face's landmarks for every frame of a video, from a
// landmark file or from the face-api networks, and what the estimator takes from them: a stable
// mouth box per frame and the outer mouth aspect ratio.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/io/landmarks.hpp"
#include "syncdsp/nn/models/face_tracker.hpp"
#include "syncdsp/nn/models/faces.hpp"
#include "syncdsp/vision/image.hpp"
#include "syncdsp/vision/mouth.hpp"

namespace syncdsp::pipeline {

/// Landmarks per frame: points(k, p, xy) valid where has[k] != 0.
struct face_track {
    std::vector<std::uint8_t> has;
    tensor<float, 3> points = tensor<float, 3>::from_shape({0, 68, 2});
    std::string source;  ///< "file", "detector" or "whole-frame"
    std::size_t frames() const { return has.size(); }
    std::size_t with_face() const { return std::size_t(std::count(has.begin(), has.end(), std::uint8_t(1))); }
};

/// Spreads the rows of a landmark file (frame index per row) over n_frames frames.
inline face_track track_from_file(const io::landmark_track& t, std::size_t n_frames) {
    const std::size_t P = t.point_count();
    SYNCDSP_REQUIRE(P == 68 || P == 20, "face_track", "landmark files must have 68 or 20 points, got ", P);
    face_track f;
    f.source = "file";
    f.has.assign(n_frames, 0);
    f.points = tensor<float, 3>::from_shape({n_frames, P, 2});
    std::fill(f.points.begin(), f.points.end(), std::numeric_limits<float>::quiet_NaN());
    for (std::size_t r = 0; r < t.rows(); ++r) {
        const auto k = t.frame[r];
        if (k < 0 || std::size_t(k) >= n_frames) continue;
        bool finite = true;
        for (std::size_t i = 0; i < P * 2; ++i) finite = finite && std::isfinite(t.points.data()[r * P * 2 + i]);
        if (!finite) continue;
        std::copy_n(t.points.data() + r * P * 2, P * 2, f.points.data() + std::size_t(k) * P * 2);
        f.has[std::size_t(k)] = 1;
    }
    return f;
}

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

/// Runs the face-api networks over a video: the tracker (detector every `detect_every` frames,
/// landmarks on every frame) - or, for a square-ish video in whose first frames the detector finds
/// no face (a tight face crop, where the face fills the frame), landmarks on the whole frame.
inline face_track detect_face_track(const std::string& path, const io::media_info& info,
                                    const FaceTrackOptions& opt = {}) {
    opt.validate();
    nn::FaceOptions fo;
    fo.models_dir = opt.models_dir;
    const nn::face_analyzer fa(fo);
    const std::size_t W = std::size_t(info.width), H = std::size_t(info.height);
    const double aspect = double(W) / double(H);
    const bool square = aspect >= 0.8 && aspect <= 1.25;
    io::VideoDecodeOptions vo;
    vo.format = io::pixel_format::rgb;
    face_track f;
    f.points = tensor<float, 3>::from_shape({0, 68, 2});
    std::vector<float> pts;
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
            lm = fa.landmarks(view, nn::face_box{0, 0, double(W), double(H)});
            ok = true;
        } else {
            const auto t = tracker.push(view, k);
            ok = t.has_face;
            lm = t.main.landmarks;
        }
        f.has.push_back(ok ? 1 : 0);
        for (const auto& p : lm.points) {
            pts.push_back(ok ? float(p.x) : std::numeric_limits<float>::quiet_NaN());
            pts.push_back(ok ? float(p.y) : std::numeric_limits<float>::quiet_NaN());
        }
    };
    io::decode_video_stream(path, info, vo, [&](const std::uint8_t* px, std::size_t k) {
        if (mode >= 0) {
            process(px, k);
            return true;
        }
        buffered.emplace_back(px, px + W * H * 3);
        if (buffered.size() < probe_frames) return true;
        int found = 0, tried = 0;
        for (std::size_t i = 0; i < buffered.size(); i += opt.detect_every, ++tried)
            found += fa.detect(nn::rgb8_view{buffered[i].data(), W, H, 3, W * 3}).empty() ? 0 : 1;
        mode = (2 * found < tried && square) ? 1 : 0;
        for (std::size_t i = 0; i < buffered.size(); ++i) process(buffered[i].data(), i);
        buffered.clear();
        return true;
    });
    if (mode < 0) {  // a video shorter than the probe: decide on what there is
        int found = 0, tried = 0;
        for (std::size_t i = 0; i < buffered.size(); i += opt.detect_every, ++tried)
            found += fa.detect(nn::rgb8_view{buffered[i].data(), W, H, 3, W * 3}).empty() ? 0 : 1;
        mode = (2 * found < tried && square) ? 1 : 0;
        for (std::size_t i = 0; i < buffered.size(); ++i) process(buffered[i].data(), i);
    }
    f.source = mode == 1 ? "whole-frame" : "detector";
    f.points = tensor<float, 3>::from_shape({f.has.size(), 68, 2});
    std::copy(pts.begin(), pts.end(), f.points.begin());
    return f;
}

/// A mouth box for every frame: the stable ROIs of vision::mouth_rois over the frames that have
/// landmarks (margin 0.35: side = 1.7 x the mouth's larger extent), held from the nearest frame with
/// landmarks across gaps. Throws when no frame has a face.
inline std::vector<vision::rect> mouth_boxes(const face_track& f, std::size_t width, std::size_t height) {
    const std::size_t n = f.frames(), P = f.points.shape()[1];
    std::vector<std::size_t> valid;
    for (std::size_t k = 0; k < n; ++k)
        if (f.has[k]) valid.push_back(k);
    if (valid.empty()) detail::throw_invalid_argument("face_track", "no face was found in any of the ", n, " frames");
    tensor<float, 3> pts = tensor<float, 3>::from_shape({valid.size(), P, 2});
    for (std::size_t i = 0; i < valid.size(); ++i)
        std::copy_n(f.points.data() + valid[i] * P * 2, P * 2, pts.data() + i * P * 2);
    vision::MouthRoiOptions ro;
    ro.margin = 0.35;
    const auto rois = vision::mouth_rois(pts, long(width), long(height), ro);
    std::vector<vision::rect> out(n);
    std::size_t j = 0;
    for (std::size_t k = 0; k < n; ++k) {
        while (j + 1 < valid.size() && valid[j + 1] <= k) ++j;
        // nearest valid frame: valid[j] <= k < valid[j+1] (or before the first)
        std::size_t best = j;
        if (valid[j] < k && j + 1 < valid.size() && valid[j + 1] - k < k - valid[j]) best = j + 1;
        out[k] = rois[best];
    }
    return out;
}

/// Writes the frames of a track that have landmarks as a landmark CSV (frame index per row), for
/// re-use with ClassicOptions::landmarks_path.
inline void write_track_csv(const std::string& path, const face_track& track) {
    io::landmark_track out;
    const std::size_t P = track.points.shape()[1];
    std::vector<std::size_t> rows;
    for (std::size_t k = 0; k < track.frames(); ++k)
        if (track.has[k]) rows.push_back(k);
    out.points = tensor<float, 3>::from_shape({rows.size(), P, 2});
    for (std::size_t i = 0; i < rows.size(); ++i) {
        out.frame.push_back(std::int64_t(rows[i]));
        std::copy_n(track.points.data() + rows[i] * P * 2, P * 2, out.points.data() + i * P * 2);
    }
    io::write_landmarks_csv(path, out);
}

/// Outer mouth aspect ratio per frame (NaN where there is no face).
inline std::vector<double> outer_mar(const face_track& f) {
    const std::size_t n = f.frames(), P = f.points.shape()[1];
    std::vector<double> m(n, std::numeric_limits<double>::quiet_NaN());
    for (std::size_t k = 0; k < n; ++k)
        if (f.has[k]) m[k] = vision::mouth_aspect_ratio(f.points.data() + k * P * 2, P, vision::mar_kind::outer);
    return m;
}

}  // namespace syncdsp::pipeline
