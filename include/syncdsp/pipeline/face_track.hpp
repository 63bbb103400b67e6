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
#include "syncdsp/core/parallel.hpp"
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

/// The frames of a tight face-crop video (whole-frame mode), batched so that their landmarks run
/// in parallel: with the whole frame as the box, one frame's landmarks do not depend on another's.
/// Frames come out of push()/flush() in order, each with its landmarks, exactly as one by one.
class whole_frame_batch {
public:
    whole_frame_batch(const nn::face_analyzer& fa, std::size_t width, std::size_t height, unsigned threads)
        : fa_(fa), w_(width), h_(height), threads_(threads) {}

    /// Copies a frame (RGB then, if present, gray: `bytes` in all); emit(pixels, index, landmarks)
    /// runs for every frame of a full batch.
    template <class Emit>
    void push(const std::uint8_t* px, std::size_t bytes, Emit&& emit) {
        frames_.emplace_back(px, px + bytes);
        if (frames_.size() == batch_frames) flush(emit);
    }
    template <class Emit>
    void flush(Emit&& emit) {
        std::vector<nn::landmarks68> lms(frames_.size());
        parallel_for(frames_.size(), threads_, [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i)
                lms[i] = fa_.landmarks(nn::rgb8_view{frames_[i].data(), w_, h_, 3, w_ * 3}, box{0, 0, double(w_), double(h_)});
        });
        for (std::size_t i = 0; i < frames_.size(); ++i) emit(frames_[i].data(), first_ + i, lms[i]);
        first_ += frames_.size();
        frames_.clear();
    }

private:
    static constexpr std::size_t batch_frames = 8;
    const nn::face_analyzer& fa_;
    std::size_t w_, h_;
    unsigned threads_;
    std::vector<std::vector<std::uint8_t>> frames_;
    std::size_t first_ = 0;
};

/// The face pass's decode: every frame of the video (io::decode_video_stream with `vo`, RGB first)
/// goes to process(pixels, index, whole_frame) in order. The detector on frames 0, every and
/// 2*every decides the mode: a square-ish video where it finds a face in fewer than half of them is
/// a tight face crop, whose frames come with their whole-frame landmarks (`whole_frame`, computed
/// in parallel batches); otherwise whole_frame is nullptr and the caller tracks faces itself.
/// Returns whether the video was taken as a face crop.
template <class Process>
bool decode_face_pass(const std::string& path, const io::media_info& info, const io::VideoDecodeOptions& vo,
                      const nn::face_analyzer& fa, std::size_t detect_every, unsigned threads, Process&& process,
                      std::vector<double>* times_s) {
    const std::size_t W = std::size_t(info.width), H = std::size_t(info.height);
    const double aspect = double(W) / double(H);
    const bool square = aspect >= 0.8 && aspect <= 1.25;
    const std::size_t frame_bytes = W * H * io::channels_of(vo.format);
    const std::size_t probe_frames = 2 * detect_every + 1;
    std::vector<std::vector<std::uint8_t>> buffered;
    int mode = -1;  // -1 undecided, 0 tracks, 1 whole frame
    whole_frame_batch batch(fa, W, H, threads);
    auto emit = [&](const std::uint8_t* px, std::size_t k, const nn::landmarks68& lm) { process(px, k, &lm); };
    auto take = [&](const std::uint8_t* px, std::size_t k) {
        if (mode == 0) return process(px, k, static_cast<const nn::landmarks68*>(nullptr));
        batch.push(px, frame_bytes, emit);
    };
    auto decide = [&] {
        int found = 0, tried = 0;
        for (std::size_t i = 0; i < buffered.size(); i += detect_every, ++tried)
            found += fa.detect(nn::rgb8_view{buffered[i].data(), W, H, 3, W * 3}).empty() ? 0 : 1;
        mode = (2 * found < tried && square) ? 1 : 0;
        for (std::size_t i = 0; i < buffered.size(); ++i) take(buffered[i].data(), i);
        buffered.clear();
    };
    io::decode_video_stream(path, info, vo, [&](const std::uint8_t* px, std::size_t k) {
        if (mode >= 0) {
            take(px, k);
            return true;
        }
        buffered.emplace_back(px, px + frame_bytes);
        if (buffered.size() >= probe_frames) decide();
        return true;
    }, times_s);
    if (mode < 0) decide();  // a video shorter than the probe: decide on what there is
    batch.flush(emit);
    return mode == 1;
}

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
    const auto vo = gray ? io::VideoDecodeOptions::rgb_then_gray() : io::VideoDecodeOptions::rgb();
    std::vector<float> xy(68 * 2);
    std::vector<std::uint8_t> has;  // per frame: the main face was found
    std::vector<point> pts;         // 68 per frame (ignored where has is 0)
    nn::face_tracker tracker(fa, opt.detect_every);
    const bool whole = decode_face_pass(path, info, vo, fa, opt.detect_every, 0,
        [&](const std::uint8_t* px, std::size_t k, const nn::landmarks68* whole_frame) {
            nn::landmarks68 lm;
            bool ok = false;
            if (whole_frame) {
                lm = *whole_frame;
                ok = true;
            } else {
                const auto t = tracker.push(nn::rgb8_view{px, W, H, 3, W * 3}, k);
                ok = t.has_face;
                lm = t.main.landmarks;
            }
            has.push_back(ok ? 1 : 0);
            pts.insert(pts.end(), lm.points.begin(), lm.points.end());
            if (gray) {
                for (std::size_t i = 0; i < 68; ++i) xy[2 * i] = float(lm.points[i].x), xy[2 * i + 1] = float(lm.points[i].y);
                gray(px + W * H * 3, ok ? xy.data() : nullptr);
            }
        }, times_s);
    return landmark_track::from_points(std::move(has), pts, 68, whole ? "whole-frame" : "detector");
}

}  // namespace syncdsp::pipeline
