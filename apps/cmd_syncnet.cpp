// apps/cmd_syncnet.cpp - `syncdsp syncnet --weights W.safetensors VIDEO`: the SyncNet protocol
// (syncnet_python's evaluation) on a 224x224 face-crop video: AV offset, min dist, confidence.
#include <cmath>
#include <cstdint>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "syncdsp/audio/mfcc.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/io/subprocess.hpp"
#include "syncdsp/nn/models/syncnet.hpp"
#include "syncdsp/nn/models/syncnet_protocol.hpp"

namespace {

const char* help = R"(usage: syncdsp syncnet --weights W.safetensors VIDEO [--json] [--vshift 15] [--batch 20]
                       [--threads 1] [--max-frames N]

Runs SyncNet v2 on VIDEO exactly as syncnet_python's evaluation does and prints the AV offset, the
minimum distance (LSE-D) and the confidence (LSE-C).

VIDEO must be a 25 fps, 224x224 face-crop video (as syncnet_python's run_pipeline.py writes):
frames are used as they are. For other videos, crop the face first (the face-landmark pipeline will
do this automatically). Frames are decoded losslessly by ffmpeg as raw BGR (the reference goes
through JPEG files: this is the one deviation); audio as 16 kHz mono 16-bit PCM like the reference,
then python_speech_features MFCCs of the int16 values (13 x 100 per second).

options:
  --weights FILE   SyncNet v2 weights as safetensors, original state-dict names (required);
                   convert syncnet_v2.model with scripts/export_syncnet.py. Width is read from it.
  --json           print a JSON report: av_offset_frames, offset_ms, min_dist, confidence, lse_d,
                   lse_c, dists (the 2*vshift+1 mean distances), window_confidence (per window,
                   median-filtered as the reference prints it), window_confidence_raw, windows
  --vshift N       search offsets -N..N frames (default 15)
  --batch N        windows per forward pass (default 20; 20 windows of video use 60 MB)
  --threads N      threads (default 1; 0 = all cores)
  --max-frames N   use only the first N frames (0 = all)
  --help           this text

Offsets: av_offset_frames is the reference's own value (vshift - argmin; negative when the audio
lags); offset_ms follows syncdsp's convention (> 0 = audio late) = -av_offset_frames * 1000 / fps.
exit status: 0 = measured, 1 = error (bad weights, video too short for one 5-frame window, ...),
2 = usage error.
)";

/// The clip's audio as syncnet_python extracts it (ffmpeg's 16-bit PCM), as doubles.
syncdsp::tensor<double, 1> decode_audio_s16(const std::string& path) {
    const auto pcm = syncdsp::io::decode_audio_pcm16(path, 16000);
    syncdsp::tensor<double, 1> s = syncdsp::tensor<double, 1>::from_shape({pcm.size()});
    for (std::size_t i = 0; i < s.size(); ++i) s(i) = double(pcm(i));
    return s;
}

std::size_t to_count(const std::string& name, double v, double lo) {
    if (!(v >= lo) || v != std::floor(v) || v > 1e9)
        throw syncdsp::cli::usage_error("option " + name + " expects a whole number >= " +
                                        std::to_string(int(lo)));
    return std::size_t(v);
}

int run(const std::vector<std::string>& args) {
    using namespace syncdsp;
    cli::arguments a(args, {"--weights", "--vshift", "--batch", "--threads", "--max-frames"},
                     {"--json", "--help", "-h"});
    if (a.flag("--help") || a.flag("-h")) {
        std::cout << help;
        return 0;
    }
    if (a.positional().size() != 1) throw cli::usage_error("expected one VIDEO");
    const auto weights = a.value("--weights");
    if (!weights) throw cli::usage_error("missing --weights W.safetensors");
    nn::syncnet_protocol_options po;
    po.vshift = to_count("--vshift", a.number_or("--vshift", 15), 0);
    po.batch = to_count("--batch", a.number_or("--batch", 20), 1);
    po.threads = unsigned(to_count("--threads", a.number_or("--threads", 1), 0));
    const std::size_t max_frames = to_count("--max-frames", a.number_or("--max-frames", 0), 0);
    const std::string video = a.positional()[0];

    const auto net = nn::syncnet::load(*weights);
    const auto info = io::probe_media(video);
    if (!info.has_video || !info.has_audio)
        detail::throw_invalid_argument("syncnet", "'", video, "' needs both a video and an audio stream");
    if (std::abs(info.fps - 25.0) > 0.01)
        detail::throw_unsupported("syncnet", "'", video, "' is ", info.fps,
                                  " fps; SyncNet's protocol needs 25 fps (re-encode: ffmpeg -i IN -r 25 OUT)");
    if (info.width != 224 || info.height != 224)
        detail::throw_unsupported("syncnet", "'", video, "' is ", info.width, "x", info.height,
                                  "; SyncNet needs 224x224 face crops (crop the face first)");
    io::video_decode_options vo;
    vo.format = io::pixel_format::bgr;
    vo.max_frames = max_frames;
    const auto frames = io::decode_video(video, vo);
    const auto s16 = decode_audio_s16(video);
    const std::size_t windows = nn::syncnet_window_count(frames.count(), s16.size());  // clear error if too short
    (void)windows;
    auto mo = audio::MfccOptions::python_speech_features(16000);
    mo.logmel.stft.input_scale = 1.0;  // the samples already are int16 values
    const auto feats = audio::mfcc(s16, mo);
    tensor<float, 2> mfcc = tensor<float, 2>::from_shape({feats.shape()[0], feats.shape()[1]});
    std::copy(feats.begin(), feats.end(), mfcc.begin());
    po.fps = 25.0;
    const auto r = nn::syncnet_evaluate(net, frames.frames, nn::frame_order::bgr, mfcc, s16.size(), po);

    if (a.flag("--json")) {
        nlohmann::json j;
        j["file"] = video;
        j["weights"] = *weights;
        j["method"] = "syncnet";
        j["av_offset_frames"] = r.av_offset_frames;
        j["offset_ms"] = r.offset_ms;
        j["min_dist"] = r.min_dist;
        j["confidence"] = r.confidence;
        j["lse_d"] = r.min_dist;
        j["lse_c"] = r.confidence;
        j["vshift"] = r.vshift;
        j["fps"] = 25.0;
        j["frames"] = frames.count();
        j["windows"] = r.windows();
        j["dists"] = r.mean_dists;
        j["window_confidence"] = r.window_confidence;
        j["window_confidence_raw"] = r.window_confidence_raw;
        std::cout << j.dump(1) << "\n";
    } else {
        std::cout << "AV offset:  " << r.av_offset_frames << " frames (syncnet_python sign); offset "
                  << (r.offset_ms > 0 ? "+" : "") << r.offset_ms << " ms"
                  << (r.offset_ms > 0 ? " (audio lags video)" : r.offset_ms < 0 ? " (audio leads video)" : "") << "\n"
                  << "Min dist:   " << r.min_dist << "  (LSE-D)\n"
                  << "Confidence: " << r.confidence << "  (LSE-C)\n"
                  << "Windows:    " << r.windows() << " of 5 frames, offsets searched: +-" << r.vshift << " frames\n";
    }
    return 0;
}

const syncdsp::cli::command_registration reg("syncnet",
                                              "SyncNet v2 AV offset, min dist, confidence (LSE-D/C) of a face-crop video",
                                              run);

}  // namespace
