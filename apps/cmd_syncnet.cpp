// apps/cmd_syncnet.cpp - `syncdsp syncnet --weights W.safetensors VIDEO`: the SyncNet protocol
// (syncnet_python's evaluation) on a 224x224 face-crop video: AV offset, min dist, confidence.
#include <cmath>
#include <cstdint>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "syncdsp/pipeline/syncnet.hpp"

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
    pipeline::SyncnetVideoOptions po;
    po.vshift = to_count("--vshift", a.number_or("--vshift", 15), 0);
    po.batch = to_count("--batch", a.number_or("--batch", 20), 1);
    po.threads = unsigned(to_count("--threads", a.number_or("--threads", 1), 0));
    po.max_frames = to_count("--max-frames", a.number_or("--max-frames", 0), 0);
    const std::string video = a.positional()[0];
    const auto net = nn::syncnet::load(*weights);
    const auto result = pipeline::syncnet_on_video(net, video, po);
    const auto& r = result.protocol;

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
        j["frames"] = result.frames;
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
