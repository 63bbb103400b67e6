// `syncdsp sync` and `syncdsp faces` on faces too small for the detector's whole-frame pass (tiled
// detection, nn/models/face_tiles.hpp), as a user runs them (binary from $SYNCDSP_CLI):
//  - a small face in a wide frame, truth by construction: the bundled LRS3 clip on a gray canvas,
//    shrunk so the face is about 90 px, placed at the stage-right spot of a 1920x1080 frame. With
//    --tiles off no face is found (the error of issue 12's wide debate clip); by default one track
//    is found and the offset equals the clip's own (within one frame, 40 ms, the tolerance of the
//    other speaker tests: the detector's landmarks differ from the whole-frame ones of the crop);
//  - `faces --tracks` on the same video, and `faces IMAGE` on one of its frames: the face is found
//    only with tiles;
//  - calib/multi/...trump_biden_debate.mp4 (1920x1080, faces 70-90 px), when present: both debaters
//    are found (a track on each side); the speaker choice is printed for reading (no truth there).
// Needs ffmpeg and the face models; skipped with a message without them and under sanitizers.
#include <cmath>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "nn/faces_common.hpp"
#include "run_command.hpp"
#include "support.hpp"

namespace test_cli_tiles {

namespace {

syncdsp::test::cli_result cli(const std::string& args) {
    return syncdsp::test::run_syncdsp(args, syncdsp::test::scratch("tiles_stderr.txt"));
}

std::string clip() { return syncdsp::test::source_dir() + "/data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4"; }

// The clip's face (on a 384x384 gray canvas, as the speaker tests do) shrunk to 144x144 and put at
// (1560, 240) of a 1920x1080 gray frame: the face box is about 90 px (4.6 % of the frame width).
std::string small_face_video() {
    const std::string path = syncdsp::test::scratch("small_face_1080p.mp4");
    const std::string cmd = "ffmpeg -nostdin -v error -y -i '" + clip() +
                            "' -filter_complex '[0:v]fps=25,pad=384:384:80:80:gray,scale=144:144,pad=1920:1080:1560:240:gray,"
                            "setsar=1[v]' -map '[v]' -map 0:a -c:v libx264 -preset veryfast -crf 18 -c:a copy '" +
                            path + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    return path;
}

}  // namespace

TEST_CASE("a small face in a 1920x1080 frame: no face without tiles; with them one track and the clip's own offset") {
    SYNCDSP_FACE_CLI_TEST_READY(clip());
    const auto single = cli("sync '" + clip() + "' --json --phones off --quiet");
    REQUIRE(single.code == 0);
    const auto one = nlohmann::json::parse(single.out);
    REQUIRE(one["valid"].get<bool>());
    const auto video = small_face_video();

    const auto off = cli("sync '" + video + "' --json --phones off --quiet --tiles off");
    CHECK(off.code == 1);
    CHECK(off.err.find("no face was found") != std::string::npos);

    const auto on = cli("sync '" + video + "' --json --phones off --quiet");
    INFO(on.err);
    REQUIRE(on.code <= 1);
    const auto j = nlohmann::json::parse(on.out);
    REQUIRE(j["tracks"].size() == 1);
    const auto& b = j["tracks"][0]["box"];
    MESSAGE("track box " << b.dump() << ", offset " << j["offset_ms"] << " ms (the clip alone: " << one["offset_ms"] << " ms)");
    CHECK(b[0].get<double>() >= 1560);
    CHECK(b[0].get<double>() + b[2].get<double>() <= 1560 + 144);
    CHECK(b[2].get<double>() <= 100);  // a small face indeed (measured: 89 px wide)
    REQUIRE(j["valid"].get<bool>());
    CHECK(j["reliable"].get<bool>());
    CHECK(std::fabs(j["offset_ms"].get<double>() - one["offset_ms"].get<double>()) <= 40.0);

    // `faces --tracks` finds it too (and says how many tile scans ran), not with --tiles off.
    const auto f = cli("faces '" + video + "' --tracks --json --max-frames 60");
    REQUIRE(f.code == 0);
    CHECK(nlohmann::json::parse(f.out)["tracks"].size() == 1);
    CHECK(f.err.find("1 track(s)") != std::string::npos);
    CHECK(f.err.find("2 tile scan(s)") != std::string::npos);  // frames 0 and 50
    const auto g = cli("faces '" + video + "' --tracks --json --max-frames 60 --tiles off");
    REQUIRE(g.code == 0);
    CHECK(nlohmann::json::parse(g.out)["tracks"].empty());
    // `faces IMAGE`: a frame of it.
    const std::string png = syncdsp::test::scratch("small_face_1080p.png");
    REQUIRE(std::system(("ffmpeg -nostdin -v error -y -ss 1 -i '" + video + "' -frames:v 1 '" + png + "'").c_str()) == 0);
    const auto img = cli("faces '" + png + "' --json");
    REQUIRE(img.code == 0);
    CHECK(nlohmann::json::parse(img.out)["frames"][0]["faces"].size() == 1);
    const auto img_off = cli("faces '" + png + "' --json --tiles off");
    REQUIRE(img_off.code == 0);
    CHECK(nlohmann::json::parse(img_off.out)["frames"][0]["faces"].empty());
    CHECK(cli("faces '" + video + "' --tiles sometimes").code == 2);
    CHECK(cli("sync '" + video + "' --tiles 1").code == 2);
}

TEST_CASE("the wide debate stage (calib/multi, 1920x1080, faces 70-90 px): both debaters are found") {
    SYNCDSP_FACE_CLI_TEST_READY(clip());
    const std::string debate = syncdsp::test::shared_data_dir() + "/calib/multi/afourast+avobjects__media_trump_biden_debate.mp4";
    SYNCDSP_REQUIRE_FILE_OR_SKIP(debate);
    const auto r = cli("sync '" + debate + "' --json --track 5s --quiet");
    INFO(r.err);
    REQUIRE(r.code <= 1);
    const auto j = nlohmann::json::parse(r.out);
    bool left = false, right = false;
    std::string speakers;
    for (const auto& t : j["tracks"]) {
        const double cx = t["box"][0].get<double>() + t["box"][2].get<double>() / 2;
        left = left || cx < 960;
        right = right || cx >= 960;
        if (t["speaker"].get<bool>()) speakers += " " + std::to_string(t["id"].get<int>());
    }
    MESSAGE("debate: " << j["tracks"].size() << " track(s), faces together " << j["faces_together"] << ", speaker track(s):"
                       << (speakers.empty() ? " none" : speakers) << ", offset " << (j["valid"].get<bool>() ? j["offset_ms"].dump() : "none")
                       << std::string(j["reliable"].get<bool>() ? " reliable" : " unreliable"));
    CHECK(j["tracks"].size() >= 2);
    CHECK(left);
    CHECK(right);
    CHECK(j["faces_together"].get<int>() >= 2);
    CHECK(j["face_choice"] == "speaker");
}

}  // namespace test_cli_tiles
