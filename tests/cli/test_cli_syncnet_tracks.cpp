// `syncdsp syncnet --input video` end to end: face tracks on an uncropped 30 fps video, the 25 fps
// grid by timestamps, syncnet_python's crop and the protocol per track (the CLI binary from
// $SYNCDSP_CLI, set by ctest; skipped when absent, when ffmpeg is missing or when the bundled clip
// is absent).
//
// Golden: tests/golden/nn/syncnet_div8_tracks_30fps.json, a numpy + cv2 + torch statement of
// syncnet_python's run_pipeline.py crop (interp1d, medfilt 13, pad 110, cv2.resize) and of
// SyncNetInstance.evaluate with the seeded /8 weights, on the boxes syncdsp's tracker found. Regenerate:
//   /usr/bin/python3 scripts/golden/gen_syncnet_tracks.py build/apps/syncdsp
// The clip is made here by the same ffmpeg command (lossless FFV1 video, PCM audio).
// Tolerance (the issue's): max abs error of the mean distances <= 1e-4 (observed 9.5e-7), min dist
// and confidence within 1e-4, equal offset and window count. The tracker's boxes and the frame
// timestamps must equal those the golden data was made from (else the tracker changed: regenerate).
//
// Bad cases: no face (colour bars with a tone), a face in part of the video (grey frames first),
// a track too short for the protocol (the audio ends early), a video too short for a track.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "run_command.hpp"
#include "support.hpp"

namespace test_cli_syncnet_tracks {

namespace {
syncdsp::test::cli_result run_cli(const std::string& args) {
    return syncdsp::test::run_syncdsp(args, syncdsp::test::scratch("syncnet_tracks_cli_err.txt"));
}

bool ready() {
    const char* cli = std::getenv("SYNCDSP_CLI");
    return cli && syncdsp::test::file_exists(cli) && std::system("ffmpeg -version >/dev/null 2>&1") == 0;
}

const std::string source() { return syncdsp::test::source_dir() + "/data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4"; }
const std::string weights() { return syncdsp::test::golden("nn/syncnet_div8.safetensors"); }

// ffmpeg with the bundled face crop as input; `args` follow the input.
std::string make(const std::string& name, const std::string& args) {
    const std::string out = syncdsp::test::scratch(name);
    const std::string cmd = "ffmpeg -nostdin -v error -y -i '" + source() + "' " + args + " '" + out + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    return out;
}

nlohmann::json read_json(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in.good());
    return nlohmann::json::parse(in);
}
}  // namespace

TEST_CASE("syncnet on an uncropped 30 fps video equals the torch statement of crop + resample + protocol") {
    if (!ready()) SYNCDSP_SKIP("syncdsp CLI ($SYNCDSP_CLI) or ffmpeg not available");
    SYNCDSP_REQUIRE_FILE_OR_SKIP(source());
    const auto want = read_json(syncdsp::test::golden("nn/syncnet_div8_tracks_30fps.json"));
    const auto& c = want["clip"];
    const std::string clip = make("syncnet_face_30fps_640x360.mkv", "-t " + c["seconds"].get<std::string>() + " -vf '" +
                                                                         c["filter"].get<std::string>() +
                                                                         "' -c:v ffv1 -c:a pcm_s16le");
    const std::string dump = syncdsp::test::scratch("syncnet_tracks_boxes.json");
    const auto r = run_cli("syncnet --weights '" + weights() + "' '" + clip + "' --json --batch 7 --dump-boxes '" + dump + "'");
    INFO(r.err);
    REQUIRE(r.code == 0);
    const auto got = nlohmann::json::parse(r.out);
    CHECK(got["input"] == "video");  // auto: not a 25 fps 224x224 crop

    // The statement cropped the boxes syncdsp's tracker found; they must be the same boxes.
    const auto boxes = read_json(dump);
    const auto& wd = want["tracker_dump"];
    CHECK(boxes["audio_start_s"] == wd["audio_start_s"]);
    REQUIRE(boxes["times"].size() == wd["times"].size());
    for (std::size_t i = 0; i < wd["times"].size(); ++i)
        CHECK(std::abs(boxes["times"][i].get<double>() - wd["times"][i].get<double>()) <= 1e-9);
    REQUIRE(boxes["tracks"].size() == wd["tracks"].size());
    for (std::size_t t = 0; t < wd["tracks"].size(); ++t) {
        const auto &gb = boxes["tracks"][t], &wb = wd["tracks"][t];
        CHECK(gb["first"] == wb["first"]);
        CHECK(gb["has"] == wb["has"]);
        REQUIRE(gb["boxes"].size() == wb["boxes"].size());
        double worst = 0;
        for (std::size_t i = 0; i < wb["boxes"].size(); ++i)
            for (std::size_t k = 0; k < 4; ++k)
                worst = std::max(worst, std::abs(gb["boxes"][i][k].get<double>() - wb["boxes"][i][k].get<double>()));
        INFO("the face tracker's boxes changed: regenerate the golden data (see the top of this file)");
        REQUIRE(worst <= 1e-9);
    }

    REQUIRE(got["tracks"].size() == want["tracks"].size());
    REQUIRE(!want["tracks"].empty());
    for (std::size_t t = 0; t < want["tracks"].size(); ++t) {
        const auto &g = got["tracks"][t], &w = want["tracks"][t];
        CHECK(g["id"] == w["id"]);
        CHECK(g["frames"] == w["frames"]);
        CHECK(g["measured"] == w["measured"]);
        if (!w["measured"].get<bool>()) continue;
        CHECK(g["windows"] == w["windows"]);
        CHECK(g["av_offset_frames"] == w["av_offset_frames"]);
        CHECK(std::abs(g["start_s"].get<double>() - (want["audio_start_s"].get<double>() + w["first_slot"].get<double>() / 25)) <= 1e-9);
        const auto &gd = g["dists"], &wdist = w["mean_dists"];
        REQUIRE(gd.size() == wdist.size());
        double worst = 0;
        for (std::size_t j = 0; j < wdist.size(); ++j)
            worst = std::max(worst, std::abs(gd[j].get<double>() - wdist[j].get<double>()));
        CHECK(worst <= 1e-4);
        CHECK(std::abs(g["min_dist"].get<double>() - w["min_dist"].get<double>()) <= 1e-4);
        CHECK(std::abs(g["confidence"].get<double>() - w["confidence"].get<double>()) <= 1e-4);
        CHECK(g["lse_d"] == g["min_dist"]);
        REQUIRE(g["box"].size() == 4);
    }
}

TEST_CASE("syncnet on a video without a face: a clear message, exit 1, no offset") {
    if (!ready()) SYNCDSP_SKIP("syncdsp CLI ($SYNCDSP_CLI) or ffmpeg not available");
    const std::string bars = syncdsp::test::scratch("syncnet_bars_tone.mkv");
    const std::string cmd = "ffmpeg -nostdin -v error -y -f lavfi -i smptebars=s=640x360:r=30:d=3 -f lavfi -i "
                            "sine=f=220:d=3:sample_rate=16000 -c:v ffv1 -c:a pcm_s16le -shortest '" + bars + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    auto r = run_cli("syncnet --weights '" + weights() + "' '" + bars + "'");
    CHECK(r.code == 1);
    CHECK(r.err.find("[syncdsp.invalid_argument.syncnet] no face was found") != std::string::npos);
    CHECK(r.out.find("offset") == std::string::npos);
    r = run_cli("syncnet --weights '" + weights() + "' '" + bars + "' --json");
    CHECK(r.code == 1);
    CHECK(r.out.empty());
}

TEST_CASE("syncnet with a face in part of the video measures that part and says when it is") {
    if (!ready()) SYNCDSP_SKIP("syncdsp CLI ($SYNCDSP_CLI) or ffmpeg not available");
    SYNCDSP_REQUIRE_FILE_OR_SKIP(source());
    // 1.5 s of grey frames, then 1.5 s of the face; the audio delayed alike, so it stays in sync.
    const std::string clip = make("syncnet_face_late.mkv",
                                  "-t 3 -vf 'fps=30,scale=180:180,pad=640:360:300:70:color=gray,"
                                  "tpad=start_duration=1.5:start_mode=add:color=gray' -af adelay=1500:all=1 "
                                  "-c:v ffv1 -c:a pcm_s16le");
    const auto r = run_cli("syncnet --weights '" + weights() + "' '" + clip + "' --json");
    INFO(r.err);
    REQUIRE(r.code == 0);
    const auto got = nlohmann::json::parse(r.out);
    REQUIRE(got["tracks"].size() == 1);
    const auto& t = got["tracks"][0];
    CHECK(t["measured"] == true);
    // The track starts with the face (frame 45 at 1.5 s: the first 25 fps instant showing it is
    // 1.52 s) and ends with the video (3 s).
    CHECK(t["start_s"].get<double>() == doctest::Approx(1.52).epsilon(0.01));
    CHECK(t["end_s"].get<double>() == doctest::Approx(3.0).epsilon(0.01));
    CHECK(t["first_frame"].get<int>() >= 45);
    CHECK(t["windows"].get<int>() > 25);
    const auto text = run_cli("syncnet --weights '" + weights() + "' '" + clip + "'");
    CHECK(text.out.find("track 0: 1.52 - ") != std::string::npos);
}

TEST_CASE("syncnet: a track too short for the protocol is reported as such, and a face too brief for a track") {
    if (!ready()) SYNCDSP_SKIP("syncdsp CLI ($SYNCDSP_CLI) or ffmpeg not available");
    SYNCDSP_REQUIRE_FILE_OR_SKIP(source());
    // 2 s of face but only 0.15 s of audio: 3 usable frames, fewer than one window needs.
    const std::string clip = make("syncnet_short_audio.mkv", "-t 2 -vf 'fps=30,scale=180:180,pad=640:360:300:70:color=gray' "
                                                             "-af atrim=end=0.15 -c:v ffv1 -c:a pcm_s16le");
    auto r = run_cli("syncnet --weights '" + weights() + "' '" + clip + "' --json");
    CHECK(r.code == 1);
    CHECK(r.err.find("no face track of") != std::string::npos);
    const auto got = nlohmann::json::parse(r.out);
    REQUIRE(got["tracks"].size() == 1);
    CHECK(got["tracks"][0]["measured"] == false);
    CHECK(got["tracks"][0]["note"].get<std::string>().find("too short for SyncNet") != std::string::npos);
    CHECK(!got["tracks"][0].contains("offset_ms"));
    r = run_cli("syncnet --weights '" + weights() + "' '" + clip + "'");
    CHECK(r.out.find("not measured: too short for SyncNet") != std::string::npos);
    // 0.5 s of face (15 frames at 30 fps): the tracker drops it (tracks need 25 frames).
    const std::string brief = make("syncnet_brief.mkv", "-t 0.5 -vf 'fps=30,scale=180:180,pad=640:360:300:70:color=gray' "
                                                        "-c:v ffv1 -c:a pcm_s16le");
    r = run_cli("syncnet --weights '" + weights() + "' '" + brief + "'");
    CHECK(r.code == 1);
    CHECK(r.err.find("no face was found") != std::string::npos);
    CHECK(r.err.find("shorter than 25 frames") != std::string::npos);
}

TEST_CASE("syncnet --input: the face crop still takes the crop path; usage errors; no audio; no file") {
    if (!ready()) SYNCDSP_SKIP("syncdsp CLI ($SYNCDSP_CLI) or ffmpeg not available");
    SYNCDSP_REQUIRE_FILE_OR_SKIP(source());
    auto r = run_cli("syncnet --weights '" + weights() + "' '" + source() + "' --max-frames 40 --json");
    REQUIRE(r.code == 0);
    CHECK(nlohmann::json::parse(r.out)["input"] == "crop");
    r = run_cli("syncnet --weights '" + weights() + "' '" + source() + "' --input sideways");
    CHECK(r.code == 2);
    r = run_cli("syncnet --weights '" + weights() + "' '" + source() + "' --input video --max-frames 40");
    CHECK(r.code == 2);
    r = run_cli("syncnet --weights '" + weights() + "' '" + source() + "' --dump-boxes x.json");
    CHECK(r.code == 2);
    // A video without audio: a clear error, no tracking.
    const std::string mute = make("syncnet_mute.mkv", "-t 1 -vf 'fps=30,pad=640:360:200:60:color=gray' -an -c:v ffv1");
    r = run_cli("syncnet --weights '" + weights() + "' '" + mute + "'");
    CHECK(r.code == 1);
    CHECK(r.err.find("needs both a video and an audio stream") != std::string::npos);
    r = run_cli("syncnet --weights '" + weights() + "' '" + syncdsp::test::scratch("no_such_video.mp4") + "'");
    CHECK(r.code == 1);
    CHECK(r.err.find("[syncdsp.io_error.ffmpeg]") != std::string::npos);
}

}  // namespace test_cli_syncnet_tracks
