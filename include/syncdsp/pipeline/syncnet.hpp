// syncdsp/pipeline/syncnet.hpp - SyncNet on a video file: decode the way syncnet_python's evaluation
// does, build the windows, run the protocol (AV offset, min dist = LSE-D, confidence = LSE-C).
//
//   const auto net = syncdsp::nn::syncnet::load("syncnet_v2.safetensors");
//   const auto r = syncdsp::pipeline::syncnet_on_video(net, "crop.mp4");
//   r.protocol.min_dist, r.protocol.confidence   // LSE-D, LSE-C
//
// The video must be a 25 fps 224x224 face crop (what syncnet_python's run_pipeline.py writes);
// frames are used as they are, decoded losslessly as BGR (the reference goes through JPEG files:
// the one deviation). The audio is ffmpeg's 16 kHz mono 16-bit PCM, like the reference, and its
// MFCCs are python_speech_features' of the int16 values (13 x 100 per second).
#pragma once

#include <cmath>
#include <sstream>
#include <string>

#include "syncdsp/audio/mfcc.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/nn/models/syncnet.hpp"
#include "syncdsp/nn/models/syncnet_protocol.hpp"

namespace syncdsp::pipeline {

struct SyncnetVideoOptions {
    std::size_t vshift = 15;       ///< offsets searched: -vshift..vshift frames
    std::size_t batch = 20;        ///< windows per forward pass (20 windows of video use 60 MB)
    unsigned threads = 1;          ///< 0 = all cores
    std::size_t max_frames = 0;    ///< use only the first N frames (0 = all)

    /// syncnet_python's evaluation settings (vshift 15).
    static SyncnetVideoOptions syncnet_python() { return {}; }

    /// The protocol's options at 25 fps (the only rate the protocol accepts).
    nn::SyncnetProtocolOptions protocol() const {
        nn::SyncnetProtocolOptions p = nn::SyncnetProtocolOptions::syncnet_python();
        p.vshift = vshift;
        p.batch = batch;
        p.threads = threads;
        p.fps = 25.0;
        return p;
    }

    void validate() const { protocol().validate(); }
    std::string to_string() const {
        std::ostringstream s;
        s << "SyncnetVideoOptions{vshift=" << vshift << ", batch=" << batch << ", threads=" << threads
          << ", max_frames=" << max_frames << "}";
        return s.str();
    }
};

struct syncnet_video_result {
    nn::syncnet_result protocol;  ///< offset, min dist, confidence, per-lag distances, per-window values
    std::size_t frames = 0;
    double fps = 25.0;
};

/// Runs SyncNet's evaluation protocol on a 25 fps 224x224 face-crop video. Throws unsupported_error
/// for other frame rates or sizes, invalid_argument for a clip too short for one 5-frame window.
inline syncnet_video_result syncnet_on_video(const nn::syncnet& net, const std::string& path,
                                             const SyncnetVideoOptions& opt = SyncnetVideoOptions::syncnet_python()) {
    opt.validate();
    const auto info = io::probe_media(path);
    if (!info.has_video || !info.has_audio)
        detail::throw_invalid_argument("syncnet", "'", path, "' needs both a video and an audio stream");
    if (std::abs(info.fps - 25.0) > 0.01)
        detail::throw_unsupported("syncnet", "'", path, "' is ", info.fps,
                                  " fps; SyncNet's protocol needs 25 fps (re-encode: ffmpeg -i IN -r 25 OUT)");
    if (info.width != 224 || info.height != 224)
        detail::throw_unsupported("syncnet", "'", path, "' is ", info.width, "x", info.height,
                                  "; SyncNet needs 224x224 face crops (crop the face first)");
    io::VideoDecodeOptions vo;
    vo.format = io::pixel_format::bgr;
    vo.max_frames = opt.max_frames;
    const auto frames = io::decode_video(path, vo);
    const auto pcm = io::decode_audio_pcm16(path, 16000);
    tensor<double, 1> s16 = tensor<double, 1>::from_shape({pcm.size()});
    for (std::size_t i = 0; i < s16.size(); ++i) s16(i) = double(pcm(i));
    nn::syncnet_window_count(frames.count(), s16.size());  // a clear error when too short
    auto mo = audio::MfccOptions::python_speech_features(16000);
    mo.logmel.stft.input_scale = 1.0;  // the samples already are int16 values
    const auto feats = audio::mfcc(s16, mo);
    tensor<float, 2> mfcc = tensor<float, 2>::from_shape({feats.shape()[0], feats.shape()[1]});
    std::copy(feats.begin(), feats.end(), mfcc.begin());
    syncnet_video_result r;
    r.protocol = nn::syncnet_evaluate(net, frames.frames, nn::frame_order::bgr, mfcc, s16.size(), opt.protocol());
    r.frames = frames.count();
    return r;
}

}  // namespace syncdsp::pipeline
