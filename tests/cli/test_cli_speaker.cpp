// `syncdsp sync` with several faces and the bad cases of issue 12, as a user runs it (binary from
// $SYNCDSP_CLI). Videos are made by ffmpeg at test time from the bundled LRS3 clip (and, when
// present, calib clips of ../shared/data); truth is by construction:
//  - composite: the clip (on a gray canvas) beside a mirrored, time-REVERSED copy of itself (a face whose mouth moves
//    but not with this sound), the sound of the clip: the left face is the speaker, and the offset
//    equals the clip's own (within one frame, 40 ms);
//  - the same with the sides swapped: the speaker follows the sound;
//  - no face (a plain gray picture with speech): an error naming the fix, no offset;
//  - a face in part of the video (3 s of gray, then the clip): only that part is measured and said;
//  - a still picture of the face with speech, and a face-like pattern (colour bars, which the
//    whole-frame path reads as a face crop): "no mouth motion", no offset, exit 1;
//  - one face: the default (--face speaker) gives exactly the answer of --face largest (the
//    single-face path), so the accuracy figures of issue 11 do not move.
// Needs ffmpeg and the face models; skipped with a message without them and under sanitizers.
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "nn/faces_common.hpp"
#include "run_command.hpp"
#include "support.hpp"

namespace test_cli_speaker {

namespace {

syncdsp::test::cli_result sync_cli(const std::string& args) {
    return syncdsp::test::run_syncdsp("sync " + args + " --quiet", syncdsp::test::scratch("speaker_stderr.txt"));
}

nlohmann::json sync_json(const std::string& video, const std::string& more = "") {
    const auto r = sync_cli("'" + video + "' --json --phones off" + more);
    INFO(r.err);
    REQUIRE(r.code <= 1);
    return nlohmann::json::parse(r.out);
}

std::string clip() { return syncdsp::test::source_dir() + "/data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4"; }

std::string make(const std::string& name, const std::string& args) {
    const std::string path = syncdsp::test::scratch(name);
    const std::string cmd = "ffmpeg -nostdin -v error -y " + args + " '" + path + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    return path;
}

// The track whose median box centre lies left (or right) of x = split.
const nlohmann::json* track_on(const nlohmann::json& j, bool left, double split) {
    for (const auto& t : j["tracks"]) {
        const double cx = t["box"][0].get<double>() + t["box"][2].get<double>() / 2;
        if ((cx < split) == left) return &t;
    }
    return nullptr;
}

}  // namespace

TEST_CASE("two faces: the one whose mouth matches the sound is the speaker, on either side") {
    SYNCDSP_FACE_CLI_TEST_READY(clip());
    const auto single = sync_json(clip());
    REQUIRE(single["valid"].get<bool>());
    for (bool speaker_left : {true, false}) {
        CAPTURE(speaker_left);
        // Each face on a 384x384 gray canvas (a face filling the frame is a face crop, which the
        // detector is not made for).
        const std::string talk = "[0:v]fps=25,pad=384:384:80:80:gray[t]";
        const std::string other = "[0:v]fps=25,pad=384:384:80:80:gray,hflip,reverse[o]";
        const std::string stack = speaker_left ? "[t][o]hstack=inputs=2[v]" : "[o][t]hstack=inputs=2[v]";
        const auto video = make(speaker_left ? "two_faces_left.mp4" : "two_faces_right.mp4",
                                "-i '" + clip() + "' -filter_complex '" + talk + ";" + other + ";" + stack +
                                    "' -map '[v]' -map 0:a -c:v libx264 -preset veryfast -crf 18 -c:a copy");
        const auto j = sync_json(video);
        // Two faces; the reversed one may be lost by the detector for a while and come back as
        // another track on the same side (measured: 2-4 tracks).
        REQUIRE(j["tracks"].size() >= 2);
        CHECK(j["faces_together"].get<int>() == 2);
        const auto* speaker = track_on(j, speaker_left, 384);
        REQUIRE(speaker);
        CHECK((*speaker)["speaker"].get<bool>());
        CHECK((*speaker)["reliable"].get<bool>());
        const nlohmann::json* other_face = nullptr;
        for (const auto& t : j["tracks"]) {
            const double cx = t["box"][0].get<double>() + t["box"][2].get<double>() / 2;
            if ((cx < 384) == speaker_left) continue;
            other_face = &t;
            CHECK_FALSE(t["speaker"].get<bool>());
            CHECK(t["score"].get<double>() < (*speaker)["score"].get<double>());
        }
        REQUIRE(other_face);
        REQUIRE(j["valid"].get<bool>());
        CHECK(std::fabs(j["offset_ms"].get<double>() - single["offset_ms"].get<double>()) <= 40.0);
        // --face with the other id measures that face (its answer is not reliable) and says so.
        const auto forced = sync_json(video, " --face " + std::to_string((*other_face)["id"].get<int>()));
        CHECK_FALSE(forced["reliable"].get<bool>());
        // The text names the faces and the one used.
        const auto text = sync_cli("'" + video + "' --phones off");
        CHECK(text.out.find("on screen together; used face " + std::to_string((*speaker)["id"].get<int>())) !=
              std::string::npos);
        CHECK(text.out.find("<- used") != std::string::npos);
    }
}

TEST_CASE("--face: an id that is not there is a clear error; a bad value is a usage error") {
    SYNCDSP_FACE_CLI_TEST_READY(clip());
    auto r = sync_cli("'" + clip() + "' --face 7 --phones off");
    CHECK(r.code == 1);
    CHECK(r.err.find("no face track 7") != std::string::npos);
    r = sync_cli("'" + clip() + "' --face left");
    CHECK(r.code == 2);
    CHECK(r.err.find("--face takes speaker, largest or a face id") != std::string::npos);
}

TEST_CASE("bad case: no face at all gives a clear message and no offset") {
    SYNCDSP_FACE_CLI_TEST_READY(clip());
    const auto video = make("no_face.mp4", "-f lavfi -i color=c=gray:s=640x360:r=25 -i '" + clip() +
                                               "' -map 0:v -map 1:a -t 5 -c:v libx264 -preset veryfast -c:a copy");
    const auto r = sync_cli("'" + video + "' --phones off");
    CHECK(r.code == 1);
    CHECK(r.out.empty());
    CHECK(r.err.find("no face was found") != std::string::npos);
    CHECK(r.err.find("--roi") != std::string::npos);
}

TEST_CASE("bad case: a face in part of the video - that part is used and reported") {
    SYNCDSP_FACE_CLI_TEST_READY(clip());
    // 3 s of gray, then the clip on a gray 640x384 canvas (a face filling the frame is a face crop,
    // which the detector is not made for); its sound starts with it.
    const auto video = make(
        "face_in_part.mp4",
        "-f lavfi -i color=c=gray:s=640x384:r=25:d=3 -f lavfi -i anullsrc=r=16000:cl=mono:d=3 -i '" + clip() +
            "' -filter_complex '[2:v]fps=25,pad=640:384:208:80:gray,setsar=1[c];[0:v]setsar=1[g];[g][c]concat=n=2:v=1:a=0[v];"
            "[2:a]aresample=16000,aformat=channel_layouts=mono[ca];[1:a][ca]concat=n=2:v=0:a=1[a]' -map '[v]' -map '[a]' "
            "-c:v libx264 -preset veryfast -crf 18 -c:a aac");
    const auto j = sync_json(video);
    REQUIRE(j["tracks"].size() == 1);
    // The face appears at 3.0 s; the detector may take a few frames to find it (measured: 3.2 s).
    CHECK(j["tracks"][0]["start_s"].get<double>() >= 3.0);
    CHECK(j["tracks"][0]["start_s"].get<double>() <= 3.5);
    CHECK(j["tracks"][0]["speaker"].get<bool>());
    bool said = false;
    for (const auto& n : j["notes"]) said = said || n.get<std::string>().find("is on screen 3.") != std::string::npos;
    CHECK(said);
    REQUIRE(j["valid"].get<bool>());
    const auto single = sync_json(clip());
    CHECK(std::fabs(j["offset_ms"].get<double>() - single["offset_ms"].get<double>()) <= 40.0);
}

TEST_CASE("bad cases: a still picture with speech, and colour bars, say there is no mouth motion") {
    SYNCDSP_FACE_CLI_TEST_READY(clip());
    const auto png = make("still_face.png", "-ss 1 -i '" + clip() + "' -frames:v 1");
    const auto still = make("still_face.mp4", "-loop 1 -framerate 25 -i '" + png + "' -i '" + clip() +
                                                  "' -map 0:v -map 1:a -t 6 -pix_fmt yuv420p -c:v libx264 -preset veryfast -c:a copy");
    const auto bars = make("bars_speech.mp4", "-f lavfi -i smptebars=s=224x224:r=25 -i '" + clip() +
                                                  "' -map 0:v -map 1:a -t 6 -c:v libx264 -preset veryfast -c:a copy");
    for (const auto& video : {still, bars}) {
        CAPTURE(video);
        const auto r = sync_cli("'" + video + "' --phones off");
        CHECK(r.code == 1);
        CHECK(r.out.find("can't tell: no mouth motion") != std::string::npos);
        CHECK(r.out.find("best guess") == std::string::npos);
        const auto j = sync_json(video);
        CHECK_FALSE(j["valid"].get<bool>());
        CHECK_FALSE(j["reliable"].get<bool>());
        CHECK_FALSE(j["mouth_moves"].get<bool>());
    }
    // The talking clip itself moves (the threshold is far below real speech).
    const auto j = sync_json(clip());
    CHECK(j["mouth_moves"].get<bool>());
    CHECK(j["mouth_motion"].get<double>() > 10 * 0.02);
}

TEST_CASE("one face: the default gives the same answer as --face largest (the single-face path)") {
    SYNCDSP_FACE_CLI_TEST_READY(clip());
    std::vector<std::string> videos{clip()};
    const std::string calib = syncdsp::test::shared_data_dir() + "/calib/";
    for (const char* name : {"yerfor+Real3DPortrait__data_raw_examples_May_5s.mp4",
                             "filby89+spectre__samples_MEAD_W015_level_1_neutral_030.mp4"})
        if (syncdsp::test::file_exists(calib + name)) videos.push_back(calib + name);
        else MESSAGE("SKIPPED (missing): " << calib + name);
    for (const auto& v : videos) {
        CAPTURE(v);
        const auto a = sync_json(v), b = sync_json(v, " --face largest");
        REQUIRE(a["valid"].get<bool>() == b["valid"].get<bool>());
        CHECK(a["offset_ms"].get<double>() == b["offset_ms"].get<double>());
        CHECK(a["confidence"].get<double>() == b["confidence"].get<double>());
        CHECK(a["reliable"].get<bool>() == b["reliable"].get<bool>());
        CHECK(a["face_choice"] == "speaker");
        CHECK(b["face_choice"] == "largest");
    }
}

}  // namespace test_cli_speaker
