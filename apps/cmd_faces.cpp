// apps/cmd_faces.cpp - `syncdsp faces VIDEO|IMAGE [--json] [--every N] [-o landmarks.csv|.json]`:
// faces and 68 landmarks per frame with face-api's TinyFaceDetector + FaceLandmark68Net run on
// syncdsp's own engine (registered as `faces` and, the issue's name, `landmarks`).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "syncdsp/core/parallel.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/io/file.hpp"
#include "syncdsp/io/image.hpp"
#include "syncdsp/nn/models/face_tracker.hpp"
#include "syncdsp/nn/models/face_tracks.hpp"
#include "syncdsp/nn/models/faces.hpp"
#include "syncdsp/vision/shot_cut.hpp"

namespace cmd_faces {
namespace {

const char* help = R"(usage: syncdsp faces VIDEO|IMAGE [options]      (alias: syncdsp landmarks)

Finds faces and their 68 landmarks (iBUG 300-W order; 48-67 = mouth) with the face detector and
landmark networks of the npm package @vladmandic/face-api 1.7.15 (MIT), run by syncdsp's own
inference code. The weights are not bundled: install them once with scripts/get_models.sh and
point --models or SYNCDSP_MODELS at the directory (default ~/.local/share/syncdsp/models).

Video: the detector runs every --every frames (and whenever no face is being followed); the
landmarks run on every frame from the current box of the main face (the largest detected box).
Frames without a face are gaps: they have "faces": [] in JSON and no row in the CSV.
Coordinates are pixels of the input image (x right, y down).

INPUT  a video (anything ffmpeg decodes) or an image (.png .jpg .jpeg .bmp)

options:
  --json               print {"frames":[{"index","time_s","faces":[{"box":[x,y,w,h],"score",
                       "detected","landmarks":[[x,y] x 68]}]}]} on stdout (detection frames list
                       every face above the threshold, highest score first; tracked frames the
                       main face)
  -o, --output FILE    write the main face's landmarks: .csv -> header + `frame,x0,y0,...,x67,y67`
                       per frame with a face; .json -> the --json document
  --every N            run the detector every N frames (default 1 = every frame)
  --detector-size S    detector input size, a multiple of 32 (default 416; 224 is ~3x faster but
                       misses faces smaller than about 40 px in the padded square)
  --min-score S        detection score threshold (default 0.5, face-api's)
  --tiny               the tiny 68-point landmark net (faster, less accurate)
  --whole-frame        no detector: the whole frame is the face box (for videos that are already
                       face crops, where the detector often finds nothing: e.g. the LRS3 224x224
                       crops); every frame then has a face with score 1
  --models DIR         directory of the face-api model files (default: $SYNCDSP_MODELS, then
                       ~/.local/share/syncdsp/models)
  --tracks             video: follow EVERY face as a track (the tracks of `syncdsp sync`: detector
                       every --every frames (default 5 here), landmarks on every frame of every
                       track, tracks cut at shot cuts); each face gets "track": ID in JSON, the
                       text and the CSV (`track,frame,x0,y0,...`), and JSON ends with "tracks":
                       [{"id","first","last","box"}] (median box); short tracks are dropped
  --tiles auto|on|off  images and --tracks: small faces in big frames: the detector also runs on
                       overlapping 624-px tiles (with --tracks: the full grid every 50 frames, and
                       one tile around each small face it follows), so faces down to about 80 px
                       are found. auto (default): in frames of 1560 px or more (1080p and up); on:
                       also from 780 px (e.g. 1280x720); off: the whole frame only (face-api's way)
  --max-frames N       stop after N frames (default: all)
  --threads N          worker threads over independent segments of --every frames (default 0 =
                       all cores; results do not depend on it)
  --help               this text

Without --json, one line per frame: index, time, then per face the box, score and the 68 points.
exit status: 0 = done (also when no face was found), 1 = error, 2 = usage error.
)";

bool is_image(const std::string& p) {
    const auto dot = p.find_last_of('.');
    if (dot == std::string::npos) return false;
    std::string e = p.substr(dot + 1);
    for (auto& c : e) c = char(std::tolower(static_cast<unsigned char>(c)));
    return e == "png" || e == "jpg" || e == "jpeg" || e == "bmp";
}

std::size_t positive_int(const syncdsp::cli::arguments& a, const std::string& name, double fallback, double max) {
    const double v = a.number_or(name, fallback);
    if (v != std::floor(v) || v < 1 || v > max)
        throw syncdsp::cli::usage_error(name + " must be an integer in 1.." + std::to_string(long(max)));
    return std::size_t(v);
}

struct frame_result {
    std::size_t index = 0;
    double time_s = 0;
    bool detected = false;
    std::vector<syncdsp::nn::face> faces;  // highest score first
    long main = -1;                        // the followed (largest) face, -1 = none
};

nlohmann::json to_json(const std::vector<frame_result>& frames) {
    using nlohmann::json;
    json doc;
    doc["frames"] = json::array();
    for (const auto& f : frames) {
        json jf;
        jf["index"] = f.index;
        jf["time_s"] = f.time_s;
        jf["faces"] = json::array();
        for (const auto& face : f.faces) {
            json j;
            j["box"] = {face.box.x, face.box.y, face.box.width, face.box.height};
            j["score"] = face.score;
            j["detected"] = f.detected;
            json pts = json::array();
            for (const auto& p : face.landmarks.points) pts.push_back({p.x, p.y});
            j["landmarks"] = std::move(pts);
            jf["faces"].push_back(std::move(j));
        }
        doc["frames"].push_back(std::move(jf));
    }
    return doc;
}

std::string to_csv(const std::vector<frame_result>& frames) {
    std::ostringstream o;
    o << "frame";
    for (int i = 0; i < 68; ++i) o << ",x" << i << ",y" << i;
    o << '\n';
    char buf[64];
    for (const auto& f : frames) {
        if (f.main < 0) continue;
        o << f.index;
        for (const auto& p : f.faces[std::size_t(f.main)].landmarks.points) {
            std::snprintf(buf, sizeof buf, ",%.4f,%.4f", p.x, p.y);
            o << buf;
        }
        o << '\n';
    }
    return o.str();
}

void print_text(const frame_result& f) {
    std::printf("frame %zu t=%.3f %s %zu face(s)", f.index, f.time_s, f.detected ? "detected" : "tracked", f.faces.size());
    for (std::size_t i = 0; i < f.faces.size(); ++i) {
        const auto& fc = f.faces[i];
        std::printf(" | face %zu box %.2f,%.2f,%.2f,%.2f score %.4f landmarks", i, fc.box.x, fc.box.y, fc.box.width,
                    fc.box.height, fc.score);
        for (const auto& p : fc.landmarks.points) std::printf(" %.2f,%.2f", p.x, p.y);
    }
    std::printf("\n");
}

// `faces --tracks`: every face of a video as a track (nn/models/face_tracks.hpp, cut at shot cuts).
int run_tracks(const syncdsp::nn::face_analyzer& fa, const std::string& input, std::size_t every, std::size_t max_frames,
               bool json_out, const std::string& out, const syncdsp::nn::FaceTileOptions& tiles) {
    using namespace syncdsp;
    const io::media_info info = io::probe_media(input);
    auto vo = io::VideoDecodeOptions::rgb_then_gray();
    vo.max_frames = max_frames;
    const std::size_t W = std::size_t(info.width), H = std::size_t(info.height);
    nn::FaceTracksOptions to;
    to.detect_every = every;
    to.tiles = tiles;
    nn::face_tracks_builder builder(fa, to);
    vision::shot_cut_detector cuts;
    struct row {
        std::size_t frame;
        double time_s;
        nn::tracked_face_of_frame face;
    };
    std::vector<row> rows;
    std::vector<double> times;
    std::size_t n_cuts = 0;
    io::decode_video_stream(input, info, vo, [&](const std::uint8_t* px, std::size_t k) {
        const bool cut = cuts.push(vision::image_view<const std::uint8_t>(px + W * H * 3, W, H, 1));
        n_cuts += cut ? 1 : 0;
        for (const auto& f : builder.push(nn::rgb8_view{px, W, H, 3, W * 3}, k, cut)) rows.push_back({k, 0.0, f});
        return true;
    }, &times);
    const auto tracks = builder.finish();
    auto kept = [&](std::size_t id) {
        return std::any_of(tracks.begin(), tracks.end(), [&](const nn::face_track& t) { return t.id == id; });
    };
    nlohmann::json doc;
    doc["frames"] = nlohmann::json::array();
    std::ostringstream csv;
    csv << "track,frame";
    for (int i = 0; i < 68; ++i) csv << ",x" << i << ",y" << i;
    csv << '\n';
    std::size_t r = 0;
    for (std::size_t k = 0; k < times.size(); ++k) {
        nlohmann::json jf;
        jf["index"] = k;
        jf["time_s"] = times[k];
        jf["faces"] = nlohmann::json::array();
        if (!json_out) std::printf("frame %zu t=%.3f", k, times[k]);
        for (; r < rows.size() && rows[r].frame == k; ++r) {
            const auto& f = rows[r].face;
            if (!kept(f.id)) continue;
            nlohmann::json pts = nlohmann::json::array();
            char buf[64];
            csv << f.id << ',' << k;
            for (const auto& p : f.landmarks.points) {
                pts.push_back({p.x, p.y});
                std::snprintf(buf, sizeof buf, ",%.4f,%.4f", p.x, p.y);
                csv << buf;
            }
            csv << '\n';
            jf["faces"].push_back({{"track", f.id}, {"box", {f.where.x, f.where.y, f.where.width, f.where.height}},
                                   {"landmarks", std::move(pts)}});
            if (!json_out)
                std::printf(" | track %zu box %.2f,%.2f,%.2f,%.2f", f.id, f.where.x, f.where.y, f.where.width, f.where.height);
        }
        if (!json_out) std::printf("\n");
        doc["frames"].push_back(std::move(jf));
    }
    doc["tracks"] = nlohmann::json::array();
    for (const auto& t : tracks) {
        const auto b = t.median_box();
        doc["tracks"].push_back({{"id", t.id}, {"first", t.first}, {"last", t.last}, {"box", {b.x, b.y, b.width, b.height}}});
    }
    if (json_out) std::cout << doc.dump() << "\n";
    if (!out.empty()) {
        const std::string text = out.substr(out.size() - 4) == ".csv" ? csv.str() : doc.dump() + "\n";
        io::write_file_atomic(out, text.data(), text.size());
    }
    std::fprintf(stderr, "faces: %zu frame(s), %zu track(s) (%zu too short, dropped), %zu shot cut(s), %zu tile scan(s)\n",
                 times.size(), tracks.size(), builder.dropped(), n_cuts, builder.tile_scans());
    return 0;
}

int run(const std::vector<std::string>& args) {
    using namespace syncdsp;
    cli::arguments a(args, {"-o", "--output", "--every", "--detector-size", "--min-score", "--models", "--max-frames", "--threads",
                      "--tiles"},
                     {"--json", "--tiny", "--whole-frame", "--tracks", "--help", "-h"});
    if (a.flag("--help") || a.flag("-h")) {
        std::cout << help;
        return 0;
    }
    if (a.positional().size() != 1) throw cli::usage_error("expected one VIDEO or IMAGE");
    const std::string input = a.positional()[0];
    const std::string out = a.value_or("-o", a.value_or("--output", ""));
    if (!out.empty()) {
        const bool csv = out.size() > 4 && out.substr(out.size() - 4) == ".csv";
        const bool js = out.size() > 5 && out.substr(out.size() - 5) == ".json";
        if (!csv && !js) throw cli::usage_error("-o must name a .csv or .json file, got '" + out + "'");
    }
    nn::FaceOptions fo;
    fo.detector_size = positive_int(a, "--detector-size", 416, 2048);
    if (fo.detector_size % 32 != 0) throw cli::usage_error("--detector-size must be a multiple of 32 (416 or 224)");
    fo.min_score = a.number_or("--min-score", 0.5);
    if (!(fo.min_score >= 0 && fo.min_score < 1)) throw cli::usage_error("--min-score must be in [0, 1)");
    fo.tiny_landmarks = a.flag("--tiny");
    fo.models_dir = a.value_or("--models", "");
    const std::size_t every = positive_int(a, "--every", 1, 100000);
    const std::size_t max_frames = a.value("--max-frames") ? positive_int(a, "--max-frames", 1, 1e9) : 0;
    const bool json_out = a.flag("--json");
    const double threads_d = a.number_or("--threads", 0);
    if (threads_d != std::floor(threads_d) || threads_d < 0 || threads_d > 256) throw cli::usage_error("--threads must be 0..256");
    const std::size_t threads = threads_d == 0 ? default_thread_count() : std::size_t(threads_d);
    const bool whole = a.flag("--whole-frame");
    const auto tm = cli::parse_tiles(a.value_or("--tiles", "auto"));
    const auto tiles = tm == cli::tiles_mode::on    ? nn::FaceTileOptions::always()
                       : tm == cli::tiles_mode::off ? nn::FaceTileOptions::off()
                                            : nn::FaceTileOptions::standard();

    const nn::face_analyzer fa(fo);  // throws a clear error when the models are missing
    if (a.flag("--tracks")) {
        if (is_image(input) || whole) throw cli::usage_error("--tracks needs a video (and no --whole-frame)");
        return run_tracks(fa, input, a.value("--every") ? every : 5, max_frames, json_out, out, tiles);
    }
    std::vector<frame_result> results;
    auto whole_frame = [&](const nn::rgb8_view& v, frame_result& r) {
        nn::face f;
        f.box = syncdsp::box{0, 0, double(v.width), double(v.height)};
        f.score = 1;
        f.landmarks = fa.landmarks(v, f.box);
        r.faces.push_back(f);
        r.main = 0;
    };
    auto emit = [&](frame_result r) {
        if (!json_out) print_text(r);
        results.push_back(std::move(r));
    };

    if (is_image(input)) {
        const auto img = io::load_image(input, 3);
        const nn::rgb8_view v{img.data(), img.shape()[1], img.shape()[0], 3, img.shape()[1] * 3};
        frame_result r;
        r.detected = !whole;
        if (whole) {
            whole_frame(v, r);
        } else {
            const nn::face_tiling tiling(v.width, v.height, fo.detector_size, tiles);
            r.faces = fa.detect_faces(v, tiling.grid(), unsigned(threads));
            r.main = nn::main_face(r.faces);
        }
        emit(std::move(r));
    } else {
        const io::media_info info = io::probe_media(input);
        std::vector<double> times;
        try {
            times = io::probe_frame_times(input);
        } catch (const syncdsp::error&) {
        }
        const double fps = info.fps > 0 ? info.fps : 25.0;
        io::VideoDecodeOptions vo;
        vo.format = io::pixel_format::rgb;
        vo.max_frames = max_frames;
        // Segments [k*every, (k+1)*every) are independent (face_tracker re-detects at each
        // multiple of `every`), so a batch of frames is split into segments that run on
        // `threads` threads, one tracker each; results are emitted in frame order.
        const std::size_t W = std::size_t(info.width), H = std::size_t(info.height), frame_bytes = W * H * 3;
        const std::size_t batch = every * std::max<std::size_t>(threads, 1) * 2;
        std::vector<std::uint8_t> buffer;
        std::size_t first = 0, buffered = 0;
        auto flush = [&]() {
            if (buffered == 0) return;
            std::vector<std::size_t> starts;  // segment starts (frame indices)
            for (std::size_t i = first; i < first + buffered; ++i)
                if (i == first || i % every == 0) starts.push_back(i);
            std::vector<std::vector<frame_result>> seg(starts.size());
            parallel_for(starts.size(), unsigned(threads), [&](std::size_t s0, std::size_t s1) {
                for (std::size_t s = s0; s < s1; ++s) {
                    const std::size_t end = s + 1 < starts.size() ? starts[s + 1] : first + buffered;
                    nn::face_tracker tracker(fa, every);
                    for (std::size_t i = starts[s]; i < end; ++i) {
                        const nn::rgb8_view v{buffer.data() + (i - first) * frame_bytes, W, H, 3, W * 3};
                        frame_result r;
                        r.index = i;
                        r.time_s = i < times.size() ? times[i] : info.video_start_s + double(i) / fps;
                        if (whole) {
                            whole_frame(v, r);
                        } else {
                            std::vector<nn::face> all;
                            const auto t = tracker.push(v, i, &all);
                            r.detected = t.detected;
                            if (t.detected) {
                                r.faces = std::move(all);
                            } else if (t.has_face) {
                                r.faces.push_back(t.main);
                            }
                            if (t.has_face) r.main = t.detected ? nn::main_face(r.faces) : 0;
                        }
                        seg[s].push_back(std::move(r));
                    }
                }
            });
            for (auto& sv : seg)
                for (auto& r : sv) emit(std::move(r));
            first += buffered;
            buffered = 0;
        };
        buffer.resize(batch * frame_bytes);
        io::decode_video_stream(input, info, vo, [&](const std::uint8_t* px, std::size_t) {
            std::copy(px, px + frame_bytes, buffer.data() + buffered * frame_bytes);
            if (++buffered == batch) flush();
            return true;
        });
        flush();
    }
    if (results.empty()) detail::throw_io_error("faces", "'", input, "' gave no frames");
    if (json_out) std::cout << to_json(results).dump() << "\n";
    if (!out.empty()) {
        const std::string text = out.substr(out.size() - 4) == ".csv" ? to_csv(results) : to_json(results).dump() + "\n";
        io::write_file_atomic(out, text.data(), text.size());
    }
    std::size_t with_face = 0;
    for (const auto& r : results) with_face += r.faces.empty() ? 0 : 1;
    std::fprintf(stderr, "faces: %zu frame(s), %zu with a face\n", results.size(), with_face);
    return 0;
}

}  // namespace

const syncdsp::cli::command_registration reg("faces", "faces and 68 landmarks per frame (face-api nets, own engine)", run);
const syncdsp::cli::command_registration reg_landmarks("landmarks", "same as `faces` (68 landmarks per frame to CSV/JSON)", run);

}  // namespace cmd_faces
