// The synthetic truth: a rendered face whose mouth opening follows real speech exactly (no lead,
// no lag), encoded the ways users' files arrive, must read 0 +- 5 ms through `syncdsp sync`; a
// known shift must come back to +-5 ms. This separates the pipeline's own timing errors (edit
// lists, start times, codec priming, frame rates, cue conventions) from a speaker's lip lead.
//
// The speech is the bundled LRS3 clip's audio. The mouth's vertical opening in the frame shown at
// presentation time t is a monotone (clamped linear) function of the 1-4 kHz log energy of a
// 25 ms Hann window centred exactly at t (computed here, independently of the library's cue code;
// the same band and window length as the audio cue). The mouth sits in the face-crop mouth box
// (vision::face_crop_mouth_box), so no face network is needed.
//
// Also: regression tests on real media for an MP4 edit-list cut (must read like its Matroska
// copy) and for a variable-frame-rate phone video with a repeated timestamp (must not fail).
// Under SYNCDSP_SANITIZED=1 only a small subset of the variants runs.
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "run_command.hpp"
#include "support.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/io/wav.hpp"
#include "syncdsp/vision/mouth.hpp"

namespace test_cli_timebase_truth {

namespace {

constexpr double tolerance_ms = 5.0;  // the requirement for the time base
constexpr unsigned rate = 16000;
constexpr std::size_t side = 224;  // square face crop, like LRS3

bool ready() { return std::getenv("SYNCDSP_CLI") && std::system("ffmpeg -version >/dev/null 2>&1") == 0; }
bool sanitized() { return std::getenv("SYNCDSP_SANITIZED") != nullptr; }
std::string quote(const std::string& s) { return "'" + s + "'"; }
std::string dir() { return syncdsp::test::scratch("truth"); }
std::string at(const std::string& name) { return dir() + "/" + name; }

void ffmpeg(const std::string& args) {
    const std::string cmd = "ffmpeg -nostdin -v error -y " + args;
    INFO(cmd);
    REQUIRE(std::system(cmd.c_str()) == 0);
}

// `syncdsp sync FILE --json` without the face networks and the phone cue; the uncalibrated
// estimate (raw_offset_ms when the build has a calibrated zero, else offset_ms).
struct sync_result {
    int code = -1;
    nlohmann::json json;
    double offset_ms() const {
        return json.contains("raw_offset_ms") ? json["raw_offset_ms"].get<double>() : json["offset_ms"].get<double>();
    }
};

sync_result run_sync(const std::string& file, const std::string& extra = "", const std::string& phones = "off") {
    const std::string cmd = quote(std::getenv("SYNCDSP_CLI")) + " sync " + quote(file) + " --json --quiet --faces off --phones " +
                            phones + extra + " 2>" + quote(at("stderr.txt"));
    const auto ran = syncdsp::test::run_command(cmd);
    sync_result r;
    r.code = ran.code;
    if (r.code == 0) r.json = nlohmann::json::parse(ran.out);
    if (r.code != 0) {
        std::ifstream err(at("stderr.txt"));
        std::string line, all;
        while (std::getline(err, line)) all += line + "\n";
        MESSAGE("syncdsp sync " << file << " failed: " << all);
    }
    return r;
}

// The speech (9 s of the bundled clip from 1 s on), as a WAV and as samples.
struct speech {
    std::vector<float> x;
    double lo = 0, hi = 1;  // the envelope range mapped onto closed..open

    // ln of the 1-4 kHz power of a 400-sample (25 ms) periodic Hann window centred on sample c
    // (zeros outside the signal), from a direct 512-point DFT of the band's bins.
    double log_energy(long c) const {
        constexpr std::size_t win = 400, nfft = 512, k0 = 32, k1 = 128;  // 1000 and 4000 Hz
        static const std::vector<double> table = [] {
            std::vector<double> t(2 * (k1 - k0 + 1) * win);
            for (std::size_t k = k0; k <= k1; ++k)
                for (std::size_t i = 0; i < win; ++i) {
                    const double w = 0.5 - 0.5 * std::cos(2 * M_PI * double(i) / double(win));
                    const double ph = 2 * M_PI * double(k * i % nfft) / double(nfft);
                    t[2 * ((k - k0) * win + i)] = w * std::cos(ph);
                    t[2 * ((k - k0) * win + i) + 1] = w * std::sin(ph);
                }
            return t;
        }();
        double power = 0;
        for (std::size_t k = k0; k <= k1; ++k) {
            double re = 0, im = 0;
            for (std::size_t i = 0; i < win; ++i) {
                const long n = c - long(win / 2) + long(i);
                if (n < 0 || n >= long(x.size())) continue;
                re += x[std::size_t(n)] * table[2 * ((k - k0) * win + i)];
                im -= x[std::size_t(n)] * table[2 * ((k - k0) * win + i) + 1];
            }
            power += re * re + im * im;
        }
        return std::log(std::max(power, 1e-10));
    }
};

const speech& the_speech() {
    static const speech s = [] {
        speech sp;
        const std::string clip = syncdsp::test::source_dir() + "/data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4";
        const auto all = syncdsp::io::decode_audio(clip, rate);
        REQUIRE(all.size() > 11 * rate);
        sp.x.assign(all.begin() + rate, all.begin() + 10 * rate);
        syncdsp::tensor<float, 1> mono = syncdsp::tensor<float, 1>::from_shape({sp.x.size()});
        std::copy(sp.x.begin(), sp.x.end(), mono.begin());
        syncdsp::io::write_wav(at("speech.wav"), mono, rate);
        std::vector<double> finite;  // the envelope every 10 ms, for its range
        for (long c = 0; c < long(sp.x.size()); c += rate / 100) finite.push_back(sp.log_energy(c));
        std::sort(finite.begin(), finite.end());
        sp.lo = finite[finite.size() / 10];
        sp.hi = finite[finite.size() * 95 / 100];
        return sp;
    }();
    return s;
}

// One gray frame shown at time t: a face-coloured disc with a static texture, and a dark mouth
// ellipse (anti-aliased) centred in the face-crop mouth box whose height follows the envelope at t.
void render(double t, std::vector<std::uint8_t>& px) {
    const speech& sp = the_speech();
    const double u = std::clamp((sp.log_energy(std::lround(t * rate)) - sp.lo) / (sp.hi - sp.lo), 0.0, 1.0);
    const auto box = syncdsp::vision::face_crop_mouth_box(side, side);
    const double mx = double(box.x) + box.width / 2.0, my = double(box.y) + box.height / 2.0;
    const double a = 0.25 * box.width, b = 1.5 + 0.18 * box.height * u;  // half-width, half-height
    px.resize(side * side);
    for (std::size_t y = 0; y < side; ++y)
        for (std::size_t x = 0; x < side; ++x) {
            const double px_x = double(x) + 0.5, px_y = double(y) + 0.5;
            const double fr = std::hypot(px_x - side / 2.0, px_y - side / 2.0);
            double v = fr < 0.47 * side ? 165 + 8 * std::sin(0.35 * px_x) * std::sin(0.29 * px_y) : 45;
            const double dx = px_x - mx, dy = px_y - my;
            const double f = dx * dx / (a * a) + dy * dy / (b * b) - 1;
            const double g = 2 * std::sqrt(dx * dx / (a * a * a * a) + dy * dy / (b * b * b * b)) + 1e-9;
            const double cover = std::clamp(0.5 - f / g, 0.0, 1.0);  // signed distance to the edge, in pixels
            v = (1 - cover) * v + cover * 35;
            px[y * side + x] = std::uint8_t(std::lround(std::clamp(v, 0.0, 255.0)));
        }
}

// Renders frames at k * den / num seconds for the whole speech into a raw gray file; returns the
// ffmpeg input arguments for it.
std::string raw_video(long num, long den) {
    const std::string name = at("frames_" + std::to_string(num) + "_" + std::to_string(den) + ".gray");
    static std::vector<std::string> rendered;  // once per run (never a stale render from an older build)
    if (std::find(rendered.begin(), rendered.end(), name) == rendered.end()) {
        const double duration = double(the_speech().x.size()) / rate;
        std::ofstream out(name, std::ios::binary | std::ios::trunc);
        std::vector<std::uint8_t> px;
        for (long k = 0; double(k) * den / num < duration; ++k) {
            render(double(k) * double(den) / double(num), px);
            out.write(reinterpret_cast<const char*>(px.data()), std::streamsize(px.size()));
        }
        REQUIRE(out.good());
        rendered.push_back(name);
    }
    return "-f rawvideo -pix_fmt gray -s " + std::to_string(side) + "x" + std::to_string(side) + " -framerate " +
           std::to_string(num) + "/" + std::to_string(den) + " -i " + quote(name);
}

std::string wav() { return "-i " + quote(at("speech.wav")); }
// Users' H.264: libx264 defaults (B-frames, closed GOP), 4:2:0; frames keep their own timestamps.
const std::string h264 = " -map 0:v -map 1:a -c:v libx264 -pix_fmt yuv420p -fps_mode passthrough ";

struct variant {
    std::string name;      // file name under the scratch dir
    std::string what;      // what it exercises
    double expect_ms;      // the true offset
    bool in_sanitized;     // part of the small subset
};

// Makes every variant file (each from the renders, the speech or another variant).
std::vector<variant> make_variants() {
    std::vector<variant> v;
    const bool all = !sanitized();
    ffmpeg(raw_video(25, 1) + " " + wav() + h264 + "-c:a aac " + quote(at("cfr25_aac.mp4")));
    v.push_back({"cfr25_aac.mp4", "25 fps, H.264 B-frames, AAC, MP4", 0, true});
    ffmpeg("-ss 1.3 -i " + quote(at("cfr25_aac.mp4")) + " -c copy " + quote(at("cut25_editlist.mp4")));
    v.push_back({"cut25_editlist.mp4", "cut -ss 1.3 -c copy (edit list discards packets)", 0, true});
    ffmpeg("-i " + quote(at("cfr25_aac.mp4")) + " -itsoffset 0.2 -i " + quote(at("cfr25_aac.mp4")) +
           " -map 0:v -map 1:a -c copy " + quote(at("late200_25.mp4")));
    v.push_back({"late200_25.mp4", "audio shifted +200 ms (-itsoffset on the audio)", 200, true});
    if (!all) return v;

    ffmpeg("-i " + quote(at("cfr25_aac.mp4")) + " -c copy " + quote(at("cfr25_aac.mkv")));
    v.push_back({"cfr25_aac.mkv", "25 fps, Matroska (1 ms time base)", 0, false});
    ffmpeg("-i " + quote(at("cfr25_aac.mp4")) + " -c copy " + quote(at("cfr25_aac.ts")));
    v.push_back({"cfr25_aac.ts", "MPEG-TS (start_time 1.4 s)", 0, false});
    ffmpeg(raw_video(30000, 1001) + " " + wav() + h264 + "-c:a aac -ar 48000 " + quote(at("cfr2997_aac48k.mp4")));
    v.push_back({"cfr2997_aac48k.mp4", "29.97 fps, AAC 48 kHz", 0, false});
    ffmpeg("-ss 2.02 -i " + quote(at("cfr2997_aac48k.mp4")) + " -c copy " + quote(at("cut2997_editlist.mp4")));
    v.push_back({"cut2997_editlist.mp4", "29.97 fps cut -ss 2.02 -c copy (edit list)", 0, false});
    ffmpeg("-itsoffset 0.3 -i " + quote(at("cfr2997_aac48k.mp4")) + " -i " + quote(at("cfr2997_aac48k.mp4")) +
           " -map 0:v -map 1:a -c copy " + quote(at("early300_2997.mp4")));
    v.push_back({"early300_2997.mp4", "audio shifted -300 ms (-itsoffset on the video)", -300, false});
    ffmpeg(raw_video(30, 1) + " " + wav() + h264 + "-c:a libmp3lame -ar 44100 " + quote(at("cfr30_mp3.mp4")));
    v.push_back({"cfr30_mp3.mp4", "30 fps, MP3 44.1 kHz in MP4", 0, false});
    ffmpeg(raw_video(30, 1) + " " + wav() + h264 + "-x264-params open_gop=1:keyint=30 -bf 3 -c:a aac " +
           quote(at("opengop30.mp4")));
    ffmpeg("-ss 1.5 -i " + quote(at("opengop30.mp4")) + " -c copy " + quote(at("opengop30_cut.mp4")));
    v.push_back({"opengop30_cut.mp4", "30 fps open GOP, 3 B-frames, cut -ss 1.5 -c copy", 0, false});
    ffmpeg(raw_video(50, 1) + " " + wav() + h264 + "-c:a libopus " + quote(at("cfr50_opus.mkv")));
    v.push_back({"cfr50_opus.mkv", "50 fps, Opus, Matroska", 0, false});
    ffmpeg(raw_video(50, 1) + " " + wav() + h264 + "-c:a libopus " + quote(at("cfr50_opus.mp4")));
    v.push_back({"cfr50_opus.mp4", "50 fps, Opus in MP4", 0, false});
    ffmpeg(raw_video(60, 1) + " " + wav() + h264 + "-c:a pcm_s16le " + quote(at("cfr60_pcm.mov")));
    v.push_back({"cfr60_pcm.mov", "60 fps, PCM, QuickTime", 0, false});
    // Variable frame rate: 60 fps renders with frames dropped in an irregular pattern; the kept
    // frames keep their real times (gaps of 1/60 to 3/60 s).
    ffmpeg(raw_video(60, 1) + " " + wav() +
           " -filter:v select='not(eq(mod(n\\,5)\\,2))*not(eq(mod(n\\,7)\\,4))*not(eq(mod(n\\,11)\\,5))'" + h264 +
           "-c:a aac " + quote(at("vfr_aac.mp4")));
    v.push_back({"vfr_aac.mp4", "VFR (60 fps with irregular drops), AAC", 0, false});
    ffmpeg("-i " + quote(at("vfr_aac.mp4")) + " -itsoffset 0.2 -i " + quote(at("vfr_aac.mp4")) +
           " -map 0:v -map 1:a -c copy " + quote(at("late200_vfr.mp4")));
    v.push_back({"late200_vfr.mp4", "VFR, audio shifted +200 ms", 200, false});
    // A repeated timestamp (as in spliced phone video): every 20th frame carries its predecessor's
    // time; a player drops it as late, and so must the estimator (not fail, not shift).
    ffmpeg(raw_video(30, 1) + " " + wav() + h264 + "-bf 0 -bsf:v \"setts=ts='if(eq(mod(N,20),10),PREV_INPTS,TS)'\" " +
           "-c:a aac " + quote(at("repeated_ts.mkv")));
    v.push_back({"repeated_ts.mkv", "30 fps, every 20th frame repeats the previous timestamp", 0, false});
    // Streams that start late, in sync: video from 0.52 s, audio from 0.3 s (start_time, empty edits).
    ffmpeg(raw_video(25, 1) + " " + wav() + " -filter:v trim=start=0.52 -filter:a atrim=start=0.3" + h264 +
           "-c:a aac " + quote(at("late_starts.mp4")));
    v.push_back({"late_starts.mp4", "video starts at 0.52 s, audio at 0.3 s (in sync)", 0, false});
    return v;
}

}  // namespace

TEST_CASE("synthetic truth: every encoding reads 0 +- 5 ms and injected shifts come back +- 5 ms") {
    if (!ready()) SYNCDSP_SKIP("SYNCDSP_CLI unset or ffmpeg missing");
    std::system(("mkdir -p " + quote(dir())).c_str());
    const auto variants = make_variants();
    std::fprintf(stderr, "%-22s %9s %9s %9s  %s\n", "variant", "expect", "offset", "error", "what");
    for (const auto& v : variants) {
        CAPTURE(v.name);
        const auto r = run_sync(at(v.name));
        REQUIRE(r.code == 0);
        const double got = r.offset_ms();
        std::fprintf(stderr, "%-22s %+9.1f %+9.1f %+9.1f  %s\n", v.name.c_str(), v.expect_ms, got, got - v.expect_ms,
                     v.what.c_str());
        CHECK(r.json["reliable"].get<bool>());
        CHECK(std::fabs(got - v.expect_ms) <= tolerance_ms);
    }
    // The phone cue (when the recogniser is built in and installed) must keep the same zero: its
    // segments are placed on the same timeline as the energy (the 7.8 ms frame-centre shift).
    if (!sanitized()) {
        const auto r = run_sync(at("cfr25_aac.mp4"), "", "auto");
        REQUIRE(r.code == 0);
        std::fprintf(stderr, "cfr25_aac.mp4 with the phone cue (%s): %+.1f ms\n",
                     r.json.value("phones", false) ? "used" : "not available", r.offset_ms());
        CHECK(std::fabs(r.offset_ms()) <= tolerance_ms);
    }
}

TEST_CASE("an MP4 edit-list cut of a real clip reads like its Matroska copy (+- 5 ms)") {
    if (!ready()) SYNCDSP_SKIP("SYNCDSP_CLI unset or ffmpeg missing");
    std::system(("mkdir -p " + quote(dir())).c_str());
    const std::string clip = syncdsp::test::source_dir() + "/data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4";
    // Re-encoded so that 1 s is not on a keyframe: the cut keeps the GOP and discards its head.
    ffmpeg("-i " + quote(clip) + " -c:v libx264 -c:a aac " + quote(at("real_reencoded.mp4")));
    ffmpeg("-ss 1 -i " + quote(at("real_reencoded.mp4")) + " -c copy " + quote(at("real_cut.mp4")));
    ffmpeg("-i " + quote(at("real_cut.mp4")) + " -c copy " + quote(at("real_cut.mkv")));
    const auto mp4 = run_sync(at("real_cut.mp4"));
    const auto mkv = run_sync(at("real_cut.mkv"));
    REQUIRE(mp4.code == 0);
    REQUIRE(mkv.code == 0);
    std::fprintf(stderr, "real cut: mp4 %+.1f ms, mkv %+.1f ms\n", mp4.offset_ms(), mkv.offset_ms());
    CHECK(std::fabs(mp4.offset_ms() - mkv.offset_ms()) <= tolerance_ms);
}

TEST_CASE("a variable-frame-rate phone video with a repeated timestamp is measured, not refused") {
    if (!ready()) SYNCDSP_SKIP("SYNCDSP_CLI unset or ffmpeg missing");
    const std::string clip = syncdsp::test::shared_data_dir() + "/calib/SOBANEJAZ+Mass_Deepfaker_API__input_vid.mp4";
    SYNCDSP_REQUIRE_FILE_OR_SKIP(clip);
    std::system(("mkdir -p " + quote(dir())).c_str());
    // 640x360, not a face crop: a fixed box around the speaker's mouth (the time base is under test).
    const auto r = run_sync(clip, " --roi 250,150,140,140");
    REQUIRE(r.code == 0);
    CHECK(r.json.contains("offset_ms"));
    std::fprintf(stderr, "VFR calib clip: %+.1f ms\n", r.offset_ms());
}

}  // namespace test_cli_timebase_truth
