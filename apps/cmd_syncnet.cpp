// apps/cmd_syncnet.cpp - `syncdsp syncnet --weights W.safetensors VIDEO`: the SyncNet protocol
// (syncnet_python's evaluation) on a 224x224 face-crop video, or per face track on any video:
// AV offset, min dist, confidence.
#include <cmath>
#include <cstdint>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "syncdsp/io/file.hpp"
#include "syncdsp/pipeline/syncnet.hpp"
#include "syncdsp/pipeline/syncnet_tracks.hpp"

namespace cmd_syncnet {
namespace {

const char* help = R"(usage: syncdsp syncnet --weights W.safetensors VIDEO [--json] [--input auto|crop|video]
                       [--vshift 15] [--batch 20] [--threads 1] [--max-frames N]
                       [--dump-boxes FILE]

Runs SyncNet v2 on VIDEO as syncnet_python does and prints the AV offset, the minimum distance
(LSE-D) and the confidence (LSE-C): for a face-crop video once, for any other video per face track.

Which input (--input, default auto: crop when VIDEO is 25 fps and 224x224, else video):
  crop   VIDEO is a 25 fps, 224x224 face-crop video (as syncnet_python's run_pipeline.py writes):
         frames are used as they are, as syncnet_python's evaluation uses them.
  video  any video (any size, frame rate, VFR): every face is tracked (the face networks of
         `syncdsp faces`, tracks cut at shot cuts), each track is put on a 25 fps grid by
         timestamps (the frame a player shows at each 40 ms instant, counted from the first audio
         sample; the audio is not touched, so it stays aligned), cropped as run_pipeline.py crops
         (box centre and size median-filtered over 13 frames, enlarged by 0.4, padding 110,
         cv2.resize to 224x224), and measured with the track's own audio. Tracks too short for
         one 5-frame window (fewer than 7 frames at 25 fps with audio) are listed as not measured.
Frames are decoded losslessly by ffmpeg as raw BGR (the reference goes through JPEG files, and
re-encodes the video at 25 fps and the crops as XVID: docs/syncnet.md); audio as 16 kHz mono
16-bit PCM like the reference, then python_speech_features MFCCs of the int16 values.

options:
  --weights FILE   SyncNet v2 weights as safetensors, original state-dict names (required);
                   convert syncnet_v2.model with scripts/export_syncnet.py. Width is read from it.
  --json           print a JSON report: av_offset_frames, offset_ms, min_dist, confidence, lse_d,
                   lse_c, dists (the 2*vshift+1 mean distances), window_confidence (per window,
                   median-filtered as the reference prints it), window_confidence_raw, windows.
                   For --input video these are per track, in a `tracks` list: id, start_s, end_s,
                   first_frame, last_frame (video frames), frames (25 fps), box (median [x, y, w, h]
                   in frame pixels), measured, note (why not measured), and the values above
  --input MODE     auto (default), crop or video (see above)
  --dump-boxes F   (--input video) write the tracker's per-frame boxes, the frame timestamps and
                   the grid start to F as JSON (scripts/golden/gen_syncnet_tracks.py reads it)
  --vshift N       search offsets -N..N frames (default 15)
  --batch N        windows per forward pass (default 20; 20 windows of video use 60 MB)
  --threads N      threads of the network (default 1; 0 = all cores; the face pass uses all)
  --max-frames N   (--input crop) use only the first N frames (0 = all)
  --help           this text

Offsets: av_offset_frames is the reference's own value (vshift - argmin; negative when the audio
lags); offset_ms follows syncdsp's convention (> 0 = audio late) = -av_offset_frames * 1000 / fps.
exit status: 0 = measured (for --input video: at least one track), 1 = error (bad weights, video
too short for one 5-frame window, no face found, no track long enough, ...), 2 = usage error.
)";

std::size_t to_count(const std::string& name, double v, double lo) {
    if (!(v >= lo) || v != std::floor(v) || v > 1e9)
        throw syncdsp::cli::usage_error("option " + name + " expects a whole number >= " +
                                        std::to_string(int(lo)));
    return std::size_t(v);
}

nlohmann::json protocol_json(const syncdsp::nn::syncnet_result& r) {
    nlohmann::json j;
    j["av_offset_frames"] = r.av_offset_frames;
    j["offset_ms"] = r.offset_ms;
    j["min_dist"] = r.min_dist;
    j["confidence"] = r.confidence;
    j["lse_d"] = r.min_dist;
    j["lse_c"] = r.confidence;
    j["vshift"] = r.vshift;
    j["windows"] = r.windows();
    j["dists"] = r.mean_dists;
    j["window_confidence"] = r.window_confidence;
    j["window_confidence_raw"] = r.window_confidence_raw;
    return j;
}

std::string offset_text(const syncdsp::nn::syncnet_result& r) {
    std::ostringstream s;
    s << r.av_offset_frames << " frames (syncnet_python sign); offset " << (r.offset_ms > 0 ? "+" : "") << r.offset_ms << " ms"
      << (r.offset_ms > 0 ? " (audio lags video)" : r.offset_ms < 0 ? " (audio leads video)" : "");
    return s.str();
}

// The tracker's boxes, the frame times and the grid start: what the torch statement
// (scripts/golden/gen_syncnet_tracks.py) needs to crop the same tracks.
void dump_boxes(const std::string& path, const std::string& video, const syncdsp::pipeline::syncnet_tracks_result& r,
                const syncdsp::pipeline::SyncnetTracksOptions& o) {
    nlohmann::json j;
    j["file"] = video;
    j["audio_start_s"] = r.audio_start_s;
    j["times"] = r.times;
    j["crop_scale"] = o.crop.crop_scale;
    j["smooth_kernel"] = o.crop.smooth_kernel;
    j["pad_value"] = int(o.crop.pad_value);
    j["tracks"] = nlohmann::json::array();
    for (const auto& t : r.tracks) {
        nlohmann::json b = nlohmann::json::array();
        for (const auto& x : t.face.boxes) b.push_back({x.x, x.y, x.width, x.height});
        j["tracks"].push_back({{"id", t.face.id}, {"first", t.face.first}, {"last", t.face.last}, {"has", t.face.has}, {"boxes", b}});
    }
    const std::string text = j.dump() + "\n";
    syncdsp::io::write_file_atomic(path, text.data(), text.size());  // never a half-written file
}

int run_tracks(const syncdsp::nn::syncnet& net, const std::string& video, const std::string& weights,
               const syncdsp::pipeline::SyncnetVideoOptions& po, bool json, const std::optional<std::string>& dump) {
    using namespace syncdsp;
    pipeline::SyncnetTracksOptions o = pipeline::SyncnetTracksOptions::syncnet_python();
    o.protocol = po;
    const auto r = pipeline::syncnet_on_tracks(net, video, o);
    if (dump) dump_boxes(*dump, video, r, o);
    if (r.tracks.empty())
        detail::throw_invalid_argument("syncnet", "no face was found in '", video, "'",
                                       r.dropped ? " (" + std::to_string(r.dropped) + " face tracks were shorter than 25 frames)" : "",
                                       "; SyncNet needs a visible face");
    if (json) {
        nlohmann::json j;
        j["file"] = video;
        j["weights"] = weights;
        j["method"] = "syncnet";
        j["input"] = "video";
        j["fps"] = 25.0;
        j["video_frames"] = r.frames;
        j["frames"] = r.slots;
        j["audio_start_s"] = r.audio_start_s;
        j["face_mode"] = r.face_mode;
        j["dropped_tracks"] = r.dropped;
        j["measured_tracks"] = r.measured();
        j["tracks"] = nlohmann::json::array();
        for (const auto& t : r.tracks) {
            const box b = t.face.median_box();
            nlohmann::json tj = {{"id", t.face.id},        {"start_s", t.start_s},         {"end_s", t.end_s},
                                 {"first_frame", t.face.first}, {"last_frame", t.face.last}, {"frames", t.grid.slots()},
                                 {"box", {b.x, b.y, b.width, b.height}}, {"measured", t.measured}};
            if (t.measured) tj.update(protocol_json(t.protocol));
            else tj["note"] = t.note;
            j["tracks"].push_back(tj);
        }
        std::cout << j.dump(1) << "\n";
    } else {
        std::cout << r.tracks.size() << " face track" << (r.tracks.size() == 1 ? "" : "s") << " (" << r.measured()
                  << " measured), 25 fps grid by timestamps from " << r.audio_start_s << " s\n";
        for (const auto& t : r.tracks) {
            const box b = t.face.median_box();
            std::cout << "track " << t.face.id << ": " << t.start_s << " - " << t.end_s << " s (video frames "
                      << t.face.first << "-" << t.face.last << ", " << t.grid.slots() << " at 25 fps), box ["
                      << std::lround(b.x) << ", " << std::lround(b.y) << ", " << std::lround(b.width) << ", "
                      << std::lround(b.height) << "]\n";
            if (!t.measured) {
                std::cout << "  not measured: " << t.note << "\n";
                continue;
            }
            const auto& p = t.protocol;
            std::cout << "  AV offset:  " << offset_text(p) << "\n"
                      << "  Min dist:   " << p.min_dist << "  (LSE-D)\n"
                      << "  Confidence: " << p.confidence << "  (LSE-C)\n"
                      << "  Windows:    " << p.windows() << " of 5 frames, offsets searched: +-" << p.vshift << " frames\n";
        }
    }
    if (r.measured() == 0)
        detail::throw_invalid_argument("syncnet", "no face track of '", video,
                                       "' is long enough for SyncNet (one 5-frame window needs 7 frames at 25 fps with audio)");
    return 0;
}

int run(const std::vector<std::string>& args) {
    using namespace syncdsp;
    cli::arguments a(args, {"--weights", "--vshift", "--batch", "--threads", "--max-frames", "--input", "--dump-boxes"},
                     {"--json", "--help", "-h"});
    if (a.flag("--help") || a.flag("-h")) {
        std::cout << help;
        return 0;
    }
    if (a.positional().size() != 1) throw cli::usage_error("expected one VIDEO");
    const auto weights = a.value("--weights");
    if (!weights) throw cli::usage_error("missing --weights W.safetensors");
    const std::string input = a.value("--input").value_or("auto");
    if (input != "auto" && input != "crop" && input != "video")
        throw cli::usage_error("--input expects auto, crop or video, got '" + input + "'");
    pipeline::SyncnetVideoOptions po;
    po.vshift = to_count("--vshift", a.number_or("--vshift", 15), 0);
    po.batch = to_count("--batch", a.number_or("--batch", 20), 1);
    po.threads = unsigned(to_count("--threads", a.number_or("--threads", 1), 0));
    po.max_frames = to_count("--max-frames", a.number_or("--max-frames", 0), 0);
    const std::string video = a.positional()[0];
    bool crop = input == "crop";
    if (input == "auto") {
        const auto info = io::probe_media(video);
        crop = info.has_video && std::abs(info.fps - 25.0) <= 0.01 && info.width == 224 && info.height == 224;
    }
    if (!crop && po.max_frames) throw cli::usage_error("--max-frames applies to --input crop only");
    if (crop && a.value("--dump-boxes")) throw cli::usage_error("--dump-boxes applies to --input video only");
    if (auto v = a.value("--dump-boxes")) io::check_output_path("--dump-boxes", *v);  // before the long work
    const auto net = nn::syncnet::load(*weights);
    if (!crop) return run_tracks(net, video, *weights, po, a.flag("--json"), a.value("--dump-boxes"));
    const auto result = pipeline::syncnet_on_video(net, video, po);
    const auto& r = result.protocol;

    if (a.flag("--json")) {
        nlohmann::json j;
        j["file"] = video;
        j["weights"] = *weights;
        j["method"] = "syncnet";
        j["input"] = "crop";
        j.update(protocol_json(r));
        j["fps"] = 25.0;
        j["frames"] = result.frames;
        std::cout << j.dump(1) << "\n";
    } else {
        std::cout << "AV offset:  " << offset_text(r) << "\n"
                  << "Min dist:   " << r.min_dist << "  (LSE-D)\n"
                  << "Confidence: " << r.confidence << "  (LSE-C)\n"
                  << "Windows:    " << r.windows() << " of 5 frames, offsets searched: +-" << r.vshift << " frames\n";
    }
    return 0;
}

const syncdsp::cli::command_registration reg("syncnet",
                                              "SyncNet v2 AV offset, min dist, confidence (LSE-D/C) of a face crop, or per face track",
                                              run);

}  // namespace
}  // namespace cmd_syncnet
