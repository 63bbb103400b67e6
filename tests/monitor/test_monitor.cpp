// `syncdsp monitor` on real-time input (apps/cmd_monitor.cpp, pipeline/live.hpp).
//
// The stream: the bundled LRS3 face crop (data/, in sync) spliced at test time into three 10 s
// segments whose audio offset is 0, then +300 ms (audio late), then -200 ms (audio early), played
// at its own speed (ffmpeg -re, or the monitor's --realtime) into a pipe, a UDP socket, a TCP
// socket on 127.0.0.1, or read from the file. Truth: the segment offsets, changing at stream times
// 10.4 s and 20.8 s (exact: the splice is cut at frame boundaries).
// Pass rules (the issue's):
//  - each change is reported within 4 s: a reliable estimate within 100 ms of the new offset whose
//    t_s (the end of the picture it judges) is at most 4 s after the change (the estimate comes
//    out once the sound up to t_s + 0.8 s has arrived: benchmarks/README.md has that latency);
//  - wrong-and-reliable at most once per change: a reliable estimate more than 100 ms from the
//    offset of the majority of its picture window (a window within 1 s of half-and-half may report
//    either side);
//  - away from the changes (windows wholly inside a segment) every reliable estimate is within
//    100 ms of the truth, and most (>= 60 %) are reliable.
// With the face networks (a picture that is not a face crop): the same spliced stream drawn into a
// 1280x720 frame, through a pipe in real time, under the same rules (monitor_wide); two faces side
// by side, the sound of one (monitor_two_faces); colour bars with speech (monitor_no_face).
// These run in real time (about 33 s each), one ctest entry per input kind so they run in parallel
// (tests/CMakeLists.txt: monitor_pipe, monitor_udp, monitor_tcp, monitor_file, monitor_stall,
// monitor_alert, monitor_wide ...); they skip under sanitizers, without ffmpeg, or without the
// bundled clip (and the face-network ones without the face models).
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nn/faces_common.hpp"
#include "run_command.hpp"
#include "support.hpp"

namespace test_monitor {

using syncdsp::test::run_command;

namespace {

std::string cli() { return std::getenv("SYNCDSP_CLI") ? std::getenv("SYNCDSP_CLI") : ""; }
std::string clip() { return syncdsp::test::source_dir() + "/data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4"; }

// Why this test cannot run here, or "" when it can.
std::string missing() {
    if (std::getenv("SYNCDSP_SANITIZED")) return "real-time tests are skipped under sanitizers";
    if (cli().empty()) return "SYNCDSP_CLI unset";
    if (std::system("ffmpeg -version >/dev/null 2>&1") != 0) return "ffmpeg missing";
    if (!syncdsp::test::file_exists(clip())) return "missing " + clip();
    return "";
}

// The spliced stream (mpegts, H.264 + AAC), made once per test process in the build tree.
std::string spliced() {
    const std::string out = syncdsp::test::scratch("monitor_spliced_" + std::to_string(getpid()) + ".ts");
    if (syncdsp::test::file_exists(out)) return out;
    // Cut at frame boundaries (25 fps). The changes fall between two estimates (10.4 s, 20.8 s:
    // not on the 1 s hop grid), so the time to report them includes the wait for the next hop.
    // The clip's own lip-speech correlation is weak in its first seconds and its last two (even
    // `syncdsp sync --track 3s` finds no reliable window there), so the segments after a change
    // start at 3 s and 5 s into the clip: the test measures the monitor, not a stretch of
    // material that no window can read.
    const std::string graph =
        "[0:v]trim=0:10.4,setpts=PTS-STARTPTS[v1];[0:v]trim=3:13.4,setpts=PTS-STARTPTS[v2];"
        "[0:v]trim=5:15,setpts=PTS-STARTPTS[v3];[v1][v2][v3]concat=n=3:v=1:a=0[v];"
        "[0:a]atrim=0:10.4,asetpts=PTS-STARTPTS[a1];"        // offset 0
        "[0:a]atrim=2.7:13.1,asetpts=PTS-STARTPTS[a2];"      // sound of 0.3 s earlier: audio late 300 ms
        "[0:a]atrim=5.2:15.2,asetpts=PTS-STARTPTS[a3];"      // sound of 0.2 s later: audio early 200 ms
        "[a1][a2][a3]concat=n=3:v=0:a=1[a]";
    const std::string cmd = "ffmpeg -nostdin -v error -y -i '" + clip() + "' -filter_complex '" + graph +
                            "' -map '[v]' -map '[a]' -c:v libx264 -preset veryfast -g 25 -c:a aac -b:a 96k -f mpegts '" +
                            out + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    static const std::string made = out;  // removed when the test process ends
    std::atexit([] { std::remove(made.c_str()); });
    return out;
}

struct line {
    nlohmann::json j;
    bool estimate() const { return j.contains("offset_ms"); }
};

std::vector<line> parse(const std::string& out) {
    std::vector<line> lines;
    std::istringstream in(out);
    std::string s;
    while (std::getline(in, s))
        if (!s.empty()) lines.push_back({nlohmann::json::parse(s)});
    return lines;
}

const double change_1 = 10.4, change_2 = 20.8, stream_end = 30.8;
double truth_at(double t) { return t < change_1 ? 0.0 : t < change_2 ? 300.0 : -200.0; }

// The checks of the file comment on one run's output.
void check_spliced(const std::vector<line>& lines) {
    std::size_t estimates = 0, inside = 0, inside_reliable = 0, inside_wrong = 0;
    for (const auto& l : lines)
        if (l.estimate()) {
            ++estimates;
            MESSAGE(l.j.dump());
        } else {
            MESSAGE("event: " << l.j.dump());
        }
    REQUIRE(estimates >= 20);
    const double changes[2] = {change_1, change_2};
    for (int c = 0; c < 2; ++c) {
        const double at = changes[c], after = truth_at(at + 0.1);
        std::optional<double> reported;
        std::size_t wrong = 0;
        for (const auto& l : lines) {
            if (!l.estimate()) continue;
            const double a = l.j["window_s"][0], b = l.j["window_s"][1], t = l.j["t_s"];
            const double off = l.j["offset_ms"];
            const bool reliable = l.j["reliable"];
            if (!reported && t > at && reliable && std::fabs(off - after) <= 100) reported = t;
            if (b <= at || a >= at || !reliable) continue;  // the windows that straddle this change
            const double new_part = b - at, old_part = at - a;
            if (std::fabs(new_part - old_part) <= 1.0) continue;  // half-and-half: either side is right
            const double majority = new_part > old_part ? after : truth_at(at - 0.1);
            if (std::fabs(off - majority) > 100) ++wrong;
        }
        CAPTURE(at);
        REQUIRE(reported.has_value());
        MESSAGE("change at " << at << " s reported at t_s " << *reported << " s (" << *reported - at << " s later)");
        CHECK(*reported - at <= 4.0);
        CHECK(wrong <= 1);
    }
    for (const auto& l : lines) {
        if (!l.estimate()) continue;
        const double a = l.j["window_s"][0], b = l.j["window_s"][1];
        const bool straddles = (a < change_1 && b > change_1) || (a < change_2 && b > change_2);
        if (straddles || b > stream_end) continue;
        ++inside;
        if (!l.j["reliable"]) continue;
        ++inside_reliable;
        if (std::fabs(double(l.j["offset_ms"]) - truth_at(a)) > 100) ++inside_wrong;
    }
    CHECK(inside >= 8);
    CHECK(inside_wrong == 0);
    CHECK(double(inside_reliable) >= 0.6 * double(inside));
}

std::string port() { return std::to_string(20000 + (getpid() % 20000)); }

}  // namespace

TEST_CASE("monitor: a pipe fed in real time (ffmpeg -re | syncdsp monitor -)") {
    if (const auto why = missing(); !why.empty()) SYNCDSP_SKIP(why);
    const std::string ts = spliced();
    const auto r = run_command("ffmpeg -nostdin -v error -re -i '" + ts + "' -c copy -f mpegts pipe:1 | '" + cli() +
                               "' monitor - --jsonl 2>/dev/null");
    CHECK(r.code == 0);
    check_spliced(parse(r.out));
}

TEST_CASE("monitor: a UDP stream on 127.0.0.1") {
    if (const auto why = missing(); !why.empty()) SYNCDSP_SKIP(why);
    const std::string ts = spliced(), url = "udp://127.0.0.1:" + port();
    // The monitor listens first; it stops at 30.4 s of stream time (UDP has no end of stream); if
    // packets were lost it would wait for more, so it is ended 5 s after the feeder is done.
    const auto r = run_command("sh -c '\"" + cli() + "\" monitor " + url +
                               " --jsonl --duration 30.4 2>/dev/null & m=$!; sleep 1; ffmpeg -nostdin -v error -re -i \"" +
                               ts + "\" -c copy -f mpegts \"" + url + "?pkt_size=1316\"; sleep 5; kill $m 2>/dev/null; wait $m'");
    check_spliced(parse(r.out));
}

TEST_CASE("monitor: a TCP stream on 127.0.0.1 (the monitor reconnects until the sender listens)") {
    if (const auto why = missing(); !why.empty()) SYNCDSP_SKIP(why);
    const std::string ts = spliced(), url = "tcp://127.0.0.1:" + port();
    const auto r = run_command("sh -c '\"" + cli() + "\" monitor " + url +
                               " --jsonl --duration 30.4 2>/dev/null & m=$!; sleep 1.5; ffmpeg -nostdin -v error -re -i \"" +
                               ts + "\" -c copy -f mpegts \"" + url + "?listen=1\"; sleep 5; kill $m 2>/dev/null; wait $m'");
    const auto lines = parse(r.out);
    bool reconnected = false;
    for (const auto& l : lines) reconnected |= !l.estimate() && l.j["event"] == "reconnect";
    CHECK(reconnected);  // it started before the sender listened
    check_spliced(lines);
}

TEST_CASE("monitor: a file played at its own speed (--realtime)") {
    if (const auto why = missing(); !why.empty()) SYNCDSP_SKIP(why);
    const std::string ts = spliced();
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = run_command("'" + cli() + "' monitor '" + ts + "' --realtime --jsonl 2>/dev/null");
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(r.code == 0);
    CHECK(wall >= 30.0);  // it really waited for the media (30.8 s of stream)
    check_spliced(parse(r.out));
}

TEST_CASE("monitor: a stalled input is reported, and estimates resume") {
    if (const auto why = missing(); !why.empty()) SYNCDSP_SKIP(why);
    // The sender is paused (SIGSTOP) from 8 s to 13 s of wall time, then continues (SIGCONT).
    const std::string pidfile = syncdsp::test::scratch("monitor_stall_" + std::to_string(getpid()) + ".pid");
    const auto r = run_command("sh -c '(ffmpeg -nostdin -v error -re -i \"" + clip() +
                               "\" -c copy -f mpegts pipe:1 & echo $! > \"" + pidfile + "\"; wait) | \"" + cli() +
                               "\" monitor - --jsonl --stall 2s 2>/dev/null & m=$!; sleep 8; kill -STOP $(cat \"" + pidfile +
                               "\"); sleep 5; kill -CONT $(cat \"" + pidfile + "\"); wait $m'");
    std::remove(pidfile.c_str());
    const auto lines = parse(r.out);
    std::size_t stall = 0, resumed = 0, before = 0, after = 0;
    for (const auto& l : lines) {
        MESSAGE(l.j.dump());
        if (!l.estimate()) {
            stall += l.j["event"] == "stall";
            resumed += l.j["event"] == "resumed" && stall > 0;
        } else {
            (resumed ? after : before) += 1;
        }
    }
    CHECK(stall == 1);
    CHECK(resumed == 1);
    CHECK(before >= 2);
    CHECK(after >= 2);
}

TEST_CASE("monitor: the alert command runs once leaving tolerance and once coming back") {
    if (const auto why = missing(); !why.empty()) SYNCDSP_SKIP(why);
    // The spliced stream read as fast as it decodes (no -re: the alert logic does not depend on
    // speed): in sync, then +300 ms (out of tolerance: ITU allows 125 ms late), then -200 ms (out:
    // 45 ms early allowed). With an EBU-like custom tolerance of 250 ms late / 250 ms early, only
    // the +300 ms segment is out: one "out" and one "back".
    const std::string ts = spliced();
    const std::string log = syncdsp::test::scratch("monitor_alert_" + std::to_string(getpid()) + ".log");
    std::remove(log.c_str());
    const auto r = run_command("'" + cli() + "' monitor '" + ts + "' --jsonl --tolerance 250,250 --alert-after 2 --alert 'echo \"$SYNCDSP_ALERT $SYNCDSP_OFFSET_MS $SYNCDSP_VERDICT\" >> \"" +
                               log + "\"' 2>/dev/null");
    CHECK(r.code == 0);
    std::ifstream in(log);
    std::vector<std::string> fired;
    for (std::string s; std::getline(in, s);) fired.push_back(s);
    for (const auto& f : fired) MESSAGE("alert: " << f);
    std::remove(log.c_str());
    REQUIRE(fired.size() == 2);
    CHECK(fired[0].rfind("out ", 0) == 0);
    CHECK(fired[0].find("audio_late") != std::string::npos);
    CHECK(fired[1].rfind("back ", 0) == 0);
}

TEST_CASE("monitor: soak - memory stays flat over a long stream") {
    if (const auto why = missing(); !why.empty()) SYNCDSP_SKIP(why);
    // 5 minutes of stream (the clip looped 19 times), read as fast as it decodes (about 40 s of
    // CPU, not wall-clock bound); the monitor's resident memory is sampled every 0.5 s. Flat: the
    // largest sample of the last quarter is within 2 MB of the largest of the second quarter (the
    // first quarter holds start-up: FFT plans, buffers filling to their bounded size). The
    // 30-minute real-time figure is in benchmarks/README.md.
    const std::string ts = syncdsp::test::scratch("monitor_soak_" + std::to_string(getpid()) + ".ts");
    REQUIRE(std::system(("ffmpeg -nostdin -v error -y -stream_loop 19 -i '" + clip() + "' -c copy -t 300 -f mpegts '" + ts +
                         "'").c_str()) == 0);
    const std::string samples = ts + ".rss";
    const auto r = run_command("sh -c '\"" + cli() + "\" monitor \"" + ts + "\" --jsonl > \"" + ts +
                               ".jsonl\" 2>/dev/null & m=$!; while kill -0 $m 2>/dev/null; do grep VmRSS /proc/$m/status "
                               ">> \"" + samples + "\" 2>/dev/null; sleep 0.5; done; wait $m'");
    CHECK(r.code == 0);
    std::ifstream in(samples);
    std::vector<double> kb;
    for (std::string name, unit; in >> name;) {
        double v = 0;
        in >> v >> unit;
        kb.push_back(v);
    }
    std::ifstream lines_in(ts + ".jsonl");
    std::size_t estimates = 0;
    for (std::string s; std::getline(lines_in, s);) estimates += s.find("offset_ms") != std::string::npos;
    CHECK(estimates >= 280);  // one a second over 300 s, less the first 4
    REQUIRE(kb.size() >= 8);
    const std::size_t q = kb.size() / 4;
    const double second = *std::max_element(kb.begin() + long(q), kb.begin() + long(2 * q));
    const double last = *std::max_element(kb.begin() + long(3 * q), kb.end());
    MESSAGE("RSS samples: " << kb.size() << ", second quarter max " << second << " kB, last quarter max " << last << " kB");
    CHECK(last <= second + 2048);
    std::remove(ts.c_str());
    std::remove(samples.c_str());
    std::remove((ts + ".jsonl").c_str());
}

TEST_CASE("monitor: a timestamp discontinuity starts the estimate over") {
    if (const auto why = missing(); !why.empty()) SYNCDSP_SKIP(why);
    // Two copies of the clip's first 8 s as MPEG-TS, one after the other in a pipe: the second
    // copy's timestamps go back to the start (as when an encoder restarts). Read as fast as it
    // decodes.
    const std::string ts = syncdsp::test::scratch("monitor_jump_" + std::to_string(getpid()) + ".ts");
    REQUIRE(std::system(("ffmpeg -nostdin -v error -y -i '" + clip() + "' -c copy -t 8 -f mpegts '" + ts + "'").c_str()) == 0);
    const auto r = run_command("cat '" + ts + "' '" + ts + "' | '" + cli() + "' monitor - --jsonl 2>/dev/null");
    CHECK(r.code == 0);
    std::size_t before = 0, after = 0, jumps = 0, wrong = 0;
    for (const auto& l : parse(r.out)) {
        MESSAGE(l.j.dump());
        if (!l.estimate()) {
            jumps += l.j["event"] == "discontinuity";
            continue;
        }
        (jumps ? after : before) += 1;
        wrong += l.j["reliable"] && std::fabs(double(l.j["offset_ms"])) > 100;  // the clip is in sync
    }
    CHECK(jumps >= 1);
    CHECK(before >= 3);
    CHECK(after >= 3);  // a new grid from the new timestamps: 4 s of picture, then one a second
    CHECK(wrong == 0);
    std::remove(ts.c_str());
}

namespace {

// The face networks' tests need the models too ("" when they can run).
std::string missing_faces() {
    if (auto why = missing(); !why.empty()) return why;
    if (syncdsp::test::faces_models_dir().empty())
        return "face models not installed: run scripts/get_models.sh and/or set SYNCDSP_MODELS";
    return "";
}
std::string models_option() { return " --models '" + syncdsp::test::faces_models_dir() + "'"; }

}  // namespace

TEST_CASE("monitor: a 1280x720 stream with one face, through the face networks, in real time") {
    if (const auto why = missing_faces(); !why.empty()) SYNCDSP_SKIP(why);
    // The spliced stream (0 -> +300 -> -200 ms) with its face drawn at 448x448 into a 1280x720
    // gray frame (as benchmarks/run_monitor.sh 720p does): not a face crop, so the monitor follows
    // the face with the networks (no --roi). Same timing, same pass rules as the crop.
    const std::string wide = syncdsp::test::scratch("monitor_wide_" + std::to_string(getpid()) + ".ts");
    REQUIRE(std::system(("ffmpeg -nostdin -v error -y -i '" + spliced() +
                         "' -vf 'scale=448:448,pad=1280:720:416:136:color=gray' -c:v libx264 -preset veryfast -g 25 "
                         "-c:a copy -f mpegts '" + wide + "'").c_str()) == 0);
    const auto r = run_command("ffmpeg -nostdin -v error -re -i '" + wide + "' -c copy -f mpegts pipe:1 | '" + cli() +
                               "' monitor - --jsonl" + models_option() + " 2>/dev/null");
    std::remove(wide.c_str());
    CHECK(r.code == 0);
    const auto lines = parse(r.out);
    bool networks = false;
    std::size_t tracked = 0, estimates = 0;
    for (const auto& l : lines) {
        if (!l.estimate()) {
            networks |= l.j["event"] == "started" && l.j["message"].get<std::string>().find("face networks") != std::string::npos;
            continue;
        }
        ++estimates;
        tracked += l.j.contains("track") && l.j["faces"] == 1;
    }
    CHECK(networks);
    CHECK(tracked == estimates);  // every estimate names the one face it measured
    check_spliced(lines);
}

TEST_CASE("monitor: two faces side by side, the sound of one: the speaker is measured") {
    if (const auto why = missing_faces(); !why.empty()) SYNCDSP_SKIP(why);
    const std::string other = syncdsp::test::shared_data_dir() + "/calib/yerfor+MimicTalk__data_raw_examples_German_20s.mp4";
    SYNCDSP_REQUIRE_FILE_OR_SKIP(other);
    // Left: the bundled clip (in sync), whose sound is the stream's; right: another person
    // speaking (calib, German news), silent. Each 400x400 in a 640x720 half of a 1280x720 frame.
    // Read as fast as it decodes (the choice does not depend on speed).
    const std::string two = syncdsp::test::scratch("monitor_two_" + std::to_string(getpid()) + ".ts");
    REQUIRE(std::system(("ffmpeg -nostdin -v error -y -i '" + clip() + "' -i '" + other +
                         "' -filter_complex '[0:v]scale=400:400,pad=640:720:120:160:color=gray[l];"
                         "[1:v]scale=400:400,pad=640:720:120:160:color=gray,trim=0:15.72,setpts=PTS-STARTPTS[r];"
                         "[l][r]hstack=shortest=1[v]' -map '[v]' -map 0:a -c:v libx264 -preset veryfast -g 25 -c:a aac "
                         "-f mpegts '" + two + "'").c_str()) == 0);
    const auto r = run_command("'" + cli() + "' monitor '" + two + "' --jsonl" + models_option() + " 2>/dev/null");
    // --face ID and --face largest (as in `sync`): every estimate is of that face (ids in order of
    // appearance: both appear in frame 0, the larger box - the left face's - first).
    const auto by_id = run_command("'" + cli() + "' monitor '" + two + "' --jsonl --face 1" + models_option() + " 2>/dev/null");
    const auto largest = run_command("'" + cli() + "' monitor '" + two + "' --jsonl --face largest" + models_option() + " 2>/dev/null");
    std::remove(two.c_str());
    CHECK(r.code == 0);
    for (const auto& [out, want] : {std::pair<std::string, std::size_t>{by_id.out, 1}, {largest.out, 0}}) {
        std::size_t n = 0;
        for (const auto& l : parse(out))
            if (l.estimate()) {
                ++n;
                CHECK(l.j["track"] == want);
            }
        CHECK(n >= 6);
    }
    std::size_t estimates = 0, left = 0, left_reliable = 0, wrong = 0, appeared = 0, two_faces = 0, silent_reliable = 0;
    for (const auto& l : parse(r.out)) {
        MESSAGE(l.j.dump());
        if (!l.estimate()) {
            appeared += l.j["event"] == "face appeared";
            continue;
        }
        ++estimates;
        two_faces += l.j["faces"] == 2;
        const auto& b = l.j["track_box"];
        const bool is_left = double(b[0]) + double(b[2]) / 2 < 640;
        left += is_left;
        if (is_left && l.j["reliable"]) {
            ++left_reliable;
            wrong += std::fabs(double(l.j["offset_ms"])) > 100;  // the bundled clip is in sync
        }
        silent_reliable += !is_left && l.j["reliable"];
    }
    CHECK(appeared == 2);
    CHECK(estimates >= 6);
    CHECK(two_faces == estimates);
    CHECK(double(left) >= 0.7 * double(estimates));
    CHECK(left_reliable >= 5);
    CHECK(wrong == 0);
    // The silent face at most once (measured: once, the window [0, 5] s, where the speaker's own
    // evidence is weak - the bundled clip's first seconds - and the other face's mouth motion fits
    // the sound at -440 ms by chance; `sync` on a single window would say the same).
    CHECK(silent_reliable <= 1);
}

TEST_CASE("monitor: a picture without a face gives \"no face\" events, not numbers") {
    if (const auto why = missing_faces(); !why.empty()) SYNCDSP_SKIP(why);
    // 1280x720 colour bars with the bundled clip's speech, read as fast as it decodes.
    const std::string bars = syncdsp::test::scratch("monitor_bars_" + std::to_string(getpid()) + ".ts");
    REQUIRE(std::system(("ffmpeg -nostdin -v error -y -f lavfi -i smptehdbars=size=1280x720:rate=25 -i '" + clip() +
                         "' -map 0:v -map 1:a -t 12 -c:v libx264 -preset veryfast -g 25 -c:a aac -f mpegts '" + bars +
                         "'").c_str()) == 0);
    const auto r = run_command("'" + cli() + "' monitor '" + bars + "' --jsonl" + models_option() + " 2>/dev/null");
    std::remove(bars.c_str());
    CHECK(r.code == 0);
    std::size_t no_face = 0, estimates = 0;
    for (const auto& l : parse(r.out)) {
        MESSAGE(l.j.dump());
        if (l.estimate()) ++estimates;
        else no_face += l.j["event"] == "no face";
    }
    CHECK(estimates == 0);
    CHECK(no_face >= 7);  // one a second from 4 s to 11 s
}

TEST_CASE("monitor: a face that appears mid-stream is measured within 5 s of its appearance") {
    if (const auto why = missing_faces(); !why.empty()) SYNCDSP_SKIP(why);
    // 6 s of an empty gray 1280x720 picture (with the clip's speech), then the bundled clip's face
    // drawn at 448x448 (as in the 1280x720 test). Read as fast as it decodes; the budget is
    // checked in stream time: an estimate judging picture up to t_s comes out once the sound up
    // to t_s + 0.8 s is in (benchmarks/README.md: then within about 0.3 s at 720p), so the first
    // estimate after the face appears at 6 s must have t_s + 0.8 <= 6 + 4.5.
    const std::string in = syncdsp::test::scratch("monitor_appear_" + std::to_string(getpid()) + ".ts");
    REQUIRE(std::system(("ffmpeg -nostdin -v error -y -i '" + clip() +
                         "' -filter_complex '[0:v]scale=448:448,pad=1280:720:416:136:color=gray,"
                         "drawbox=x=0:y=0:w=1280:h=720:color=gray:t=fill:enable=lt(t\\,6)[v]' -map '[v]' -map 0:a "
                         "-c:v libx264 -preset veryfast -g 25 -c:a aac -f mpegts '" + in + "'").c_str()) == 0);
    const auto r = run_command("'" + cli() + "' monitor '" + in + "' --jsonl" + models_option() + " 2>/dev/null");
    std::remove(in.c_str());
    CHECK(r.code == 0);
    std::optional<double> first, appeared;
    std::size_t no_face_before = 0;
    for (const auto& l : parse(r.out)) {
        MESSAGE(l.j.dump());
        if (!l.estimate()) {
            if (l.j["event"] == "face appeared" && !appeared) appeared = double(l.j["t_s"]);
            if (l.j["event"] == "no face" && double(l.j["t_s"]) <= 6) ++no_face_before;
            continue;
        }
        if (!first) first = double(l.j["t_s"]);
    }
    REQUIRE(first.has_value());
    REQUIRE(appeared.has_value());
    CHECK(no_face_before >= 2);              // windows ending at 4, 5 and 6 s have no face
    CHECK(*appeared >= 6.0);                 // said once followed for 25 frames
    CHECK(*appeared <= 6.0 + 1.5);
    CHECK(*first + 0.8 <= 6.0 + 4.5);        // the first estimate (half a window of face, 2.5 s, is enough)
}

}  // namespace test_monitor
