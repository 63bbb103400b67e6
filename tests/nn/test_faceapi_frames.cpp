// End to end against face-api on real frames: the LRS3 stage face (uncropped 454x256), the LRS3
// face crop (224x224; face-api finds no face there at 0.5, so the whole frame is the landmark box),
// and dev-set crops of 160-524 px.
//
// Golden data: tests/golden/faces/faceapi_frames.json, written by
//   cd scripts/faceapi && npm ci
//   node faceapi_golden.js MODELS_DIR ../../../shared/data ../../tests/golden/faces/faceapi_frames.json cpu
// i.e. @vladmandic/face-api 1.7.15 on TF.js 4.22's pure-JS cpu backend. Frames are decoded here
// with io::decode_video (the script uses the same ffmpeg command line); the JSON stores an FNV-1a
// hash of each frame and the test skips a frame whose pixels differ (another ffmpeg build).
// The media are read in place from ../shared/data (skipped when absent); models must be installed.
// Tolerances (the issue's targets): raw network outputs within 1e-4 absolute (float32 vs the cpu
// backend's double accumulation); box IoU >= 0.99, score within 1e-4; landmarks within 0.25 px
// mean and 1 px max, both through the golden box (network + crop + mapping) and fully end to end
// (our own detector box).
#include <cmath>
#include <cstdint>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "faces_common.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/io/file.hpp"
#include "syncdsp/nn/models/faces.hpp"

namespace test_faceapi_frames {

using namespace syncdsp;
using nlohmann::json;

namespace {

std::string fnv1a64(const std::uint8_t* p, std::size_t n) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (std::size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

double max_abs_diff(const float* a, const json& b, std::size_t n) {
    REQUIRE(b.size() == n);
    double m = 0;
    for (std::size_t i = 0; i < n; ++i) m = std::max(m, std::abs(double(a[i]) - b[i].get<double>()));
    return m;
}

syncdsp::box box_of(const json& b) { return {b[0].get<double>(), b[1].get<double>(), b[2].get<double>(), b[3].get<double>()}; }

struct point_err {
    double mean = 0, max = 0;
};
point_err compare_points(const nn::landmarks68& lm, const json& pts) {
    REQUIRE(pts.size() == 68);
    point_err e;
    for (std::size_t i = 0; i < 68; ++i) {
        const double d = std::hypot(lm.points[i].x - pts[i][0].get<double>(), lm.points[i].y - pts[i][1].get<double>());
        e.mean += d / 68;
        e.max = std::max(e.max, d);
    }
    return e;
}

}  // namespace

TEST_CASE("faces: detector, landmarks and the whole pipeline match face-api on real frames") {
    SYNCDSP_REQUIRE_FACE_MODELS_OR_SKIP(models);
    const std::string golden_path = test::golden("faces/faceapi_frames.json");
    SYNCDSP_REQUIRE_FILE_OR_SKIP(golden_path);
    const auto bytes = io::read_file(golden_path);
    const json g = json::parse(bytes.begin(), bytes.end());
    REQUIRE(g["backend"] == "cpu");

    const nn::tiny_face_detector det = nn::tiny_face_detector::load(models);
    const nn::face_landmark68 full = nn::face_landmark68::load(false, models);
    const nn::face_landmark68 tiny = nn::face_landmark68::load(true, models);

    double raw_det = 0, raw_lm = 0, min_iou = 1, max_score = 0, lm_mean = 0, lm_max = 0, e2e_mean = 0, e2e_max = 0;
    std::size_t frames = 0, faces_checked = 0;
    for (const auto& fr : g["frames"]) {
        const std::string path = test::shared_data_dir() + "/" + fr["file"].get<std::string>();
        if (!test::file_exists(path)) {
            MESSAGE("SKIPPED frame: missing " << path);
            continue;
        }
        const std::size_t index = fr["index"].get<std::size_t>();
        io::VideoDecodeOptions vo;
        vo.format = io::pixel_format::rgb;
        vo.max_frames = index + 1;
        const auto video = io::decode_video(path, vo);
        REQUIRE(video.count() == index + 1);
        const std::size_t W = video.width(), H = video.height();
        const std::uint8_t* px = video.frames.data() + index * W * H * 3;
        if (fnv1a64(px, W * H * 3) != fr["fnv1a64"].get<std::string>()) {
            MESSAGE("SKIPPED frame " << path << "#" << index << ": decoded pixels differ from the golden run's (ffmpeg build?)");
            continue;
        }
        ++frames;
        const nn::rgb8_view img{px, W, H, 3, W * 3};
        INFO(fr["file"].get<std::string>() << "#" << index);

        for (const char* size : {"416", "224"}) {
            const auto& gd = fr["detector"][size];
            nn::TinyFaceDetectorOptions o;
            o.input_size = std::size_t(std::stoi(size));
            const auto raw = det.forward(img, o.input_size);
            REQUIRE(raw.size() == gd["raw"].size());
            raw_det = std::max(raw_det, max_abs_diff(raw.v.data(), gd["raw"], raw.size()));
            const auto faces = nn::tiny_face_detector::decode(raw, W, H, o);
            CHECK(faces.size() == gd["faces"].size());
            for (std::size_t i = 0; i < std::min(faces.size(), gd["faces"].size()); ++i) {
                min_iou = std::min(min_iou, syncdsp::iou(faces[i].box, box_of(gd["faces"][i]["box"])));
                max_score = std::max(max_score, std::abs(faces[i].score - gd["faces"][i]["score"].get<double>()));
            }
        }

        for (const char* kind : {"full", "tiny"}) {
            const nn::face_landmark68& net = std::string(kind) == "full" ? full : tiny;
            for (const auto& gf : fr["landmarks"][kind]) {
                const auto lm = net.detect(img, box_of(gf["box"]));
                raw_lm = std::max(raw_lm, max_abs_diff(lm.raw.data(), gf["raw136"], 136));
                const auto e = compare_points(lm, gf["points"]);
                lm_mean = std::max(lm_mean, e.mean);
                lm_max = std::max(lm_max, e.max);
                ++faces_checked;
            }
            const std::string wk = std::string(kind) + "_whole_frame";
            if (fr["landmarks"].contains(wk)) {
                const auto& whole = fr["landmarks"][wk];
                const auto lm = net.detect(img, syncdsp::box{0, 0, double(W), double(H)});
                raw_lm = std::max(raw_lm, max_abs_diff(lm.raw.data(), whole["raw136"], 136));
                const auto e = compare_points(lm, whole["points"]);
                lm_mean = std::max(lm_mean, e.mean);
                lm_max = std::max(lm_max, e.max);
                ++faces_checked;
            }
        }

        // Fully end to end with our own detector box at 416 / 0.5 (full landmark net).
        const auto ours = det.detect(img, {});
        const auto& gfull = fr["landmarks"]["full"];
        CHECK(ours.size() == gfull.size());
        for (std::size_t i = 0; i < std::min(ours.size(), gfull.size()); ++i) {
            const auto e = compare_points(full.detect(img, ours[i].box), gfull[i]["points"]);
            e2e_mean = std::max(e2e_mean, e.mean);
            e2e_max = std::max(e2e_max, e.max);
        }
    }
    if (frames == 0) SYNCDSP_SKIP("no golden frame could be checked (shared data absent?)");
    MESSAGE(frames << " frames, " << faces_checked << " landmark sets: detector raw max err " << raw_det
                   << ", min box IoU " << min_iou << ", max score err " << max_score << "; landmark raw max err "
                   << raw_lm << ", worst per-face mean/max point err " << lm_mean << " / " << lm_max
                   << " px; end-to-end " << e2e_mean << " / " << e2e_max << " px");
    CHECK(raw_det <= 1e-4);
    CHECK(min_iou >= 0.99);
    CHECK(max_score <= 1e-4);
    CHECK(raw_lm <= 1e-4);
    CHECK(lm_mean <= 0.25);
    CHECK(lm_max <= 1.0);
    CHECK(e2e_mean <= 0.25);
    CHECK(e2e_max <= 1.0);
}

}  // namespace test_faceapi_frames
