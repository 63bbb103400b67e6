// Tests of the ffmpeg subprocess decoding. Media are made at test time by ffmpeg's own generators
// (lavfi testsrc/sine), so expected sizes, rates and frame counts are known by construction.
// Skips with a message when ffmpeg is not installed.
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "support.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/io/file.hpp"

namespace test_ffmpeg {

namespace io = syncdsp::io;

namespace {

bool have_ffmpeg() { return std::system("ffmpeg -version >/dev/null 2>&1") == 0; }

// Runs ffmpeg to make a test file; returns its path.
std::string make_media(const std::string& name, const std::string& args) {
    const std::string path = syncdsp::test::scratch(name);
    const std::string cmd = "ffmpeg -nostdin -v error -y " + args + " '" + path + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    return path;
}

}  // namespace

TEST_CASE("decodes audio and video made by ffmpeg's generators") {
    if (!have_ffmpeg()) SYNCDSP_SKIP("ffmpeg not installed");
    // 2 s, 10 fps, 64x48 video + a 440 Hz tone at 44.1 kHz stereo.
    const std::string path = make_media("av.mkv",
        "-f lavfi -i testsrc=size=64x48:rate=10:duration=2 -f lavfi -i sine=frequency=440:sample_rate=44100:duration=2 "
        "-ac 2 -c:v ffv1 -c:a pcm_s16le");
    const auto info = io::probe_media(path);
    CHECK(info.has_video);
    CHECK(info.has_audio);
    CHECK(info.width == 64);
    CHECK(info.height == 48);
    CHECK(info.fps == doctest::Approx(10.0));
    CHECK(info.audio_sample_rate == 44100);

    const auto audio = io::decode_audio(path, 16000);
    CHECK(audio.size() == doctest::Approx(32000).epsilon(0.01));
    double energy = 0;
    for (float v : audio) energy += double(v) * v;
    // ffmpeg's sine source has amplitude 1/8: RMS = 0.125 / sqrt(2).
    CHECK(std::sqrt(energy / double(audio.size())) == doctest::Approx(0.125 / std::sqrt(2.0)).epsilon(0.02));

    const auto gray = io::decode_video(path);
    CHECK(gray.count() == 20);
    CHECK(gray.width() == 64);
    CHECK(gray.height() == 48);
    CHECK(gray.channels() == 1);
    REQUIRE(gray.timestamps_s.size() == 20);
    CHECK(gray.timestamps_s[1] - gray.timestamps_s[0] == doctest::Approx(0.1));

    io::VideoDecodeOptions rgb;
    rgb.format = io::pixel_format::rgb;
    rgb.width = 32;
    rgb.height = 24;
    rgb.max_frames = 5;
    const auto small = io::decode_video(path, rgb);
    CHECK(small.count() == 5);
    CHECK(small.timestamps_s.size() == 5);
    CHECK(small.channels() == 3);
    CHECK(small.width() == 32);
}

TEST_CASE("rgb_then_gray: one decode gives, byte for byte, the rgb and the gray decodes and their times") {
    if (!have_ffmpeg()) SYNCDSP_SKIP("ffmpeg not installed");
    // H.264 4:2:0 with B-frames (the common case, where gray and RGB come from different planes)
    // at an odd size, 3 s of 25 fps test pattern with motion; then full-range JPEG, 10-bit 4:4:4
    // and a source with its own alpha (gray travels as alpha, so that one must be replaced).
    struct variant {
        const char* file;
        const char* encode;
    };
    for (const variant v : {variant{"both.mp4", "-c:v libx264 -bf 2 -pix_fmt yuv420p"},
                            variant{"both_mjpeg.mkv", "-c:v mjpeg -pix_fmt yuvj420p"},
                            variant{"both_444p10.mkv", "-c:v libx264 -pix_fmt yuv444p10le"},
                            variant{"both_alpha.mkv", "-c:v png -pix_fmt rgba"}}) {
        CAPTURE(v.file);
        const std::string path = make_media(v.file,
            std::string("-f lavfi -i testsrc2=size=99x71:rate=25:duration=3 ") + v.encode);
        const auto info = io::probe_media(path);
        const auto rgb = io::decode_video(path, io::VideoDecodeOptions::rgb());
        const auto gray = io::decode_video(path, io::VideoDecodeOptions::gray());
        const std::size_t px = std::size_t(info.width) * std::size_t(info.height);  // libx264 makes it 98x70
        std::vector<double> times;
        std::size_t mismatched_rgb = 0, mismatched_gray = 0;
        const std::size_t n = io::decode_video_stream(path, info, io::VideoDecodeOptions::rgb_then_gray(),
            [&](const std::uint8_t* p, std::size_t k) {
                mismatched_rgb += !std::equal(p, p + 3 * px, rgb.frames.data() + k * 3 * px);
                mismatched_gray += !std::equal(p + 3 * px, p + 4 * px, gray.frames.data() + k * px);
                return true;
            }, &times);
        CHECK(n == 75);
        CHECK(rgb.count() == 75);
        CHECK(mismatched_rgb == 0);
        CHECK(mismatched_gray == 0);
        CHECK(times == gray.timestamps_s);
        CHECK_THROWS_AS(io::decode_video(path, io::VideoDecodeOptions::rgb_then_gray()), syncdsp::invalid_argument);
    }
}

TEST_CASE("read_ahead: frames read on a reader thread are the serial read's, in order; stop and throw end it cleanly") {
    if (!have_ffmpeg()) SYNCDSP_SKIP("ffmpeg not installed");
    const std::string path = make_media("ahead.mp4",
        "-f lavfi -i testsrc2=size=99x71:rate=25:duration=3 -c:v libx264 -bf 2 -pix_fmt yuv420p");
    const auto info = io::probe_media(path);
    auto serial = io::VideoDecodeOptions::rgb_then_gray();
    serial.read_ahead = 0;
    const std::size_t bytes = std::size_t(info.width) * std::size_t(info.height) * 4;
    std::vector<std::uint8_t> want;
    std::vector<double> want_times;
    CHECK(io::decode_video_stream(path, info, serial, [&](const std::uint8_t* p, std::size_t) {
        want.insert(want.end(), p, p + bytes);
        return true;
    }, &want_times) == 75);
    for (std::size_t ahead : {1, 3, 8}) {
        CAPTURE(ahead);
        auto o = io::VideoDecodeOptions::rgb_then_gray();
        o.read_ahead = ahead;
        std::vector<std::uint8_t> got;
        std::vector<double> times;
        std::size_t expected_index = 0, out_of_order = 0;
        CHECK(io::decode_video_stream(path, info, o, [&](const std::uint8_t* p, std::size_t k) {
            out_of_order += k != expected_index++;
            got.insert(got.end(), p, p + bytes);
            return true;
        }, &times) == 75);
        CHECK(out_of_order == 0);
        CHECK(got == want);
        CHECK(times == want_times);
        // The consumer stops after 5 frames: the reader (blocked on a full ring) ends too.
        std::size_t seen = 0;
        CHECK(io::decode_video_stream(path, info, o, [&](const std::uint8_t*, std::size_t) { return ++seen < 5; }) == 5);
        CHECK(seen == 5);
        // An exception in the consumer reaches the caller; nothing hangs.
        CHECK_THROWS_WITH_AS(io::decode_video_stream(path, info, o, [&](const std::uint8_t*, std::size_t k) -> bool {
            if (k == 2) throw syncdsp::invalid_argument("test", "consumer failed at frame 2");
            return true;
        }), doctest::Contains("consumer failed"), syncdsp::invalid_argument);
    }
    // A ring capped by bytes below 2 frames still gets 2 slots (and the same frames).
    auto tight = io::VideoDecodeOptions::rgb_then_gray();
    tight.read_ahead_bytes = 1;
    std::vector<std::uint8_t> got;
    CHECK(io::decode_video_stream(path, info, tight, [&](const std::uint8_t* p, std::size_t) {
        got.insert(got.end(), p, p + bytes);
        return true;
    }) == 75);
    CHECK(got == want);
    auto bad = io::VideoDecodeOptions::rgb_then_gray();
    bad.read_ahead = 65;
    CHECK_THROWS_AS(bad.validate(), syncdsp::invalid_argument);
}

TEST_CASE("clear errors: missing streams, not media, missing program") {
    if (!have_ffmpeg()) SYNCDSP_SKIP("ffmpeg not installed");
    const std::string video_only = make_media("video_only.mkv",
        "-f lavfi -i testsrc=size=32x32:rate=5:duration=1 -c:v ffv1");
    CHECK_THROWS_WITH_AS(io::decode_audio(video_only), doctest::Contains("no audio stream"), syncdsp::io_error);
    const std::string audio_only = make_media("audio_only.wav", "-f lavfi -i sine=duration=0.5");
    CHECK_THROWS_WITH_AS(io::decode_video(audio_only), doctest::Contains("no video stream"), syncdsp::io_error);

    const std::string junk = syncdsp::test::scratch("junk.mp4");
    io::write_file_atomic(junk, "this is not a video", 19);
    CHECK_THROWS_AS(io::probe_media(junk), syncdsp::io_error);
    CHECK_THROWS_AS(io::decode_audio(junk), syncdsp::io_error);
    CHECK_THROWS_AS(io::probe_media(syncdsp::test::scratch("no-such-file.mp4")), syncdsp::io_error);

    setenv("SYNCDSP_FFMPEG", "/nonexistent/ffmpeg-xyz", 1);
    CHECK_THROWS_WITH_AS(io::decode_audio(audio_only), doctest::Contains("not found"), syncdsp::io_error);
    unsetenv("SYNCDSP_FFMPEG");
}

TEST_CASE("an MP4 edit list's discarded frames are neither delivered nor timed: frames and times pair one to one") {
    if (!have_ffmpeg()) SYNCDSP_SKIP("ffmpeg not installed");
    // H.264 with B-frames, cut at 1.1 s without re-encoding: the cut keeps the GOP from the keyframe
    // at 0 and its edit list discards the packets before 1.1 s (they are decoded, not shown).
    const std::string full = make_media("editlist_full.mp4",
        "-f lavfi -i testsrc=size=64x48:rate=25:duration=3 -c:v libx264 -g 50 -pix_fmt yuv420p");
    const std::string cut_args = "-ss 1.1 -i '" + full + "' -c copy";
    const std::string cut = make_media("editlist_cut.mp4", cut_args);
    const auto a = io::decode_video(full), b = io::decode_video(cut);
    REQUIRE(a.timestamps_s.size() == a.count());
    REQUIRE(b.timestamps_s.size() == b.count());
    REQUIRE(b.count() >= 40);
    CHECK(b.count() < a.count() - 20);  // the head was discarded, not shown
    for (std::size_t i = 1; i < b.count(); ++i) REQUIRE(b.timestamps_s[i] > b.timestamps_s[i - 1]);
    // The cut's frame 0 is one of the original's (the same packets decode to the same pixels)...
    const std::size_t bytes = 64 * 48;
    std::size_t j0 = a.count();
    for (std::size_t j = 0; j < a.count() && j0 == a.count(); ++j)
        if (std::equal(b.frames.data(), b.frames.data() + bytes, a.frames.data() + j * bytes)) j0 = j;
    REQUIRE(j0 < a.count());
    CHECK(j0 == 28);  // the first frame at or after 1.1 s (1.12 s)...
    // ... shown at its edit-list time: 1.12 - 1.1 s (ffmpeg's demuxer alone would say 0).
    CHECK(std::fabs(b.timestamps_s[0] - 0.02) <= 1e-6);
    // ... and every later frame is the next original frame, at the same time from the start (+- 1 us).
    for (std::size_t i = 0; i < b.count() && j0 + i < a.count(); ++i) {
        CAPTURE(i);
        REQUIRE(std::equal(b.frames.data() + i * bytes, b.frames.data() + (i + 1) * bytes,
                           a.frames.data() + (j0 + i) * bytes));
        CHECK(std::fabs((b.timestamps_s[i] - b.timestamps_s[0]) - (a.timestamps_s[j0 + i] - a.timestamps_s[j0])) <= 1e-6);
    }
    // The demux-only probe leaves the discarded packets out and agrees with the decoder.
    const auto probed = io::probe_frame_times(cut);
    REQUIRE(probed.size() == b.count());
    for (std::size_t i = 0; i < probed.size(); ++i) CHECK(std::fabs(probed[i] - b.timestamps_s[i]) <= 1e-6);
}

TEST_CASE("decode_audio_timed puts a click at its presentation time whatever the codec's priming (+- 1 ms)") {
    if (!have_ffmpeg()) SYNCDSP_SKIP("ffmpeg not installed");
    // A 2 kHz burst of 5 ms at exactly 0.700 s, in a 2 s file with a 25 fps video track. The audio
    // stream starts at 0 or, with -itsoffset, at 0.25 s (the burst then at 0.950 s).
    const std::string burst = "-f lavfi -i \"aevalsrc='if(between(t,0.7,0.705),0.8*sin(2*PI*2000*t),0)':s=48000:d=2\" "
                              "-f lavfi -i testsrc=size=32x32:rate=25:duration=2";
    struct codec_case { const char* file; const char* args; double at_s; };
    const codec_case cases[] = {
        {"click_aac.mp4", "-map 1:v -map 0:a -c:v libx264 -c:a aac", 0.7},
        {"click_mp3.mp4", "-map 1:v -map 0:a -c:v libx264 -c:a libmp3lame", 0.7},
        {"click_opus.mkv", "-map 1:v -map 0:a -c:v libx264 -c:a libopus", 0.7},
        {"click_opus.mp4", "-map 1:v -map 0:a -c:v libx264 -c:a libopus", 0.7},
        {"click_pcm.mov", "-map 1:v -map 0:a -c:v libx264 -c:a pcm_s16le", 0.7},
    };
    for (const auto& c : cases) {
        const std::string file = c.file;
        CAPTURE(file);
        const std::string path = make_media(c.file, burst + " " + c.args);
        const auto info = io::probe_media(path);
        const auto a = io::decode_audio_timed(path, info, 16000);
        REQUIRE(a.samples.size() > 16000);
        // The burst's centre: the energy-weighted mean time of the samples around the loudest one.
        std::size_t peak = 0;
        for (std::size_t i = 0; i < a.samples.size(); ++i)
            if (std::fabs(a.samples(i)) > std::fabs(a.samples(peak))) peak = i;
        double sum = 0, weighted = 0;
        for (std::size_t i = peak > 400 ? peak - 400 : 0; i < std::min(a.samples.size(), peak + 400); ++i) {
            const double e = double(a.samples(i)) * a.samples(i);
            sum += e;
            weighted += e * double(i);
        }
        const double centre_s = a.start_s + weighted / sum / 16000.0;
        MESSAGE(file << ": burst centre at " << centre_s << " s");
        CHECK(std::fabs(centre_s - (c.at_s + 0.0025)) <= 0.001);
    }
    // A stream that starts late: sample 0 is at its start time.
    const std::string late = make_media("click_late.mkv", "-f lavfi -i testsrc=size=32x32:rate=25:duration=2 "
        "-itsoffset 0.25 -f lavfi -i \"aevalsrc='if(between(t,0.7,0.705),0.8*sin(2*PI*2000*t),0)':s=16000:d=2\" "
        "-c:v libx264 -c:a pcm_s16le");
    const auto info = io::probe_media(late);
    CHECK(std::fabs(info.audio_start_s - 0.25) <= 0.002);
    const auto a = io::decode_audio_timed(late, info, 16000);
    CHECK(std::fabs(a.start_s - info.audio_start_s) <= 1.0 / 16000);
    std::size_t peak = 0;
    for (std::size_t i = 0; i < a.samples.size(); ++i)
        if (std::fabs(a.samples(i)) > std::fabs(a.samples(peak))) peak = i;
    CHECK(std::fabs(a.start_s + double(peak) / 16000.0 - (0.95 + 0.0025)) <= 0.003);
}

TEST_CASE("a frame that repeats its predecessor's timestamp is dropped, and the others keep their pixels and times") {
    if (!have_ffmpeg()) SYNCDSP_SKIP("ffmpeg not installed");
    // 50 frames at 25 fps; packet 10 carries packet 9's time (0.36 s), as a spliced stream does.
    const std::string clean = make_media("repeat_clean.mkv",
        "-f lavfi -i testsrc=size=64x48:rate=25:duration=2 -c:v libx264 -bf 0");
    const std::string dup = make_media("repeat_dup.mkv", "-i '" + clean + "' -c copy -bsf:v "
        "\"setts=ts='if(eq(N,10),PREV_INPTS,TS)'\"");
    const auto a = io::decode_video(clean), b = io::decode_video(dup);
    REQUIRE(a.count() == 50);
    REQUIRE(b.count() == 49);  // the late frame is not shown
    REQUIRE(b.timestamps_s.size() == 49);
    const std::size_t bytes = 64 * 48;
    for (std::size_t i = 0; i < b.count(); ++i) {
        CAPTURE(i);
        const std::size_t j = i < 10 ? i : i + 1;  // the same frame of the clean file
        CHECK(std::fabs(b.timestamps_s[i] - a.timestamps_s[j]) <= 1e-6);
        CHECK(std::equal(b.frames.data() + i * bytes, b.frames.data() + (i + 1) * bytes, a.frames.data() + j * bytes));
    }
    const auto probed = io::probe_frame_times(dup);  // the demux-only view agrees
    REQUIRE(probed.size() == 49);
    for (std::size_t i = 0; i < probed.size(); ++i) CHECK(std::fabs(probed[i] - b.timestamps_s[i]) <= 1e-6);
}

TEST_CASE("times are on the file's own timeline when it does not start at 0 (MPEG-TS)") {
    if (!have_ffmpeg()) SYNCDSP_SKIP("ffmpeg not installed");
    // The MPEG-TS muxer starts the timeline at 1.4 s; ffmpeg subtracts that while decoding.
    const std::string ts = make_media("timeline.ts", "-f lavfi -i testsrc=size=64x48:rate=25:duration=2 "
        "-f lavfi -i sine=frequency=440:sample_rate=48000:duration=2 -c:v libx264 -c:a aac");
    const auto info = io::probe_media(ts);
    REQUIRE(info.video_start_s > 1.0);
    const auto v = io::decode_video(ts);
    const auto probed = io::probe_frame_times(ts);
    REQUIRE(probed.size() == v.count());
    for (std::size_t i = 0; i < probed.size(); ++i) CHECK(std::fabs(probed[i] - v.timestamps_s[i]) <= 1e-4);
    const auto a = io::decode_audio_timed(ts, info, 16000);
    CHECK(std::fabs(a.start_s - info.audio_start_s) <= 1.0 / 16000);
}

TEST_CASE("ffmpeg: video decode options, validate and to_string") {
    const auto g = io::VideoDecodeOptions::gray();
    CHECK(g.format == io::pixel_format::gray);
    CHECK_NOTHROW(g.validate());
    CHECK(g.to_string() == "VideoDecodeOptions{format=gray, size=native, max_frames=all, max_bytes=8589934592, read_ahead=0, read_ahead_bytes=67108864}");
    auto r = io::VideoDecodeOptions::rgb();
    r.width = 320;
    r.height = 240;
    r.max_frames = 10;
    CHECK(r.to_string() == "VideoDecodeOptions{format=rgb, size=320x240, max_frames=10, max_bytes=8589934592, read_ahead=0, read_ahead_bytes=67108864}");
    r.height = 0;
    CHECK_THROWS_WITH_AS(r.validate(), doctest::Contains("give both width and height"), syncdsp::invalid_argument);
    // Checked before ffprobe runs, so the file need not exist.
    CHECK_THROWS_AS(io::decode_video("/nonexistent.mp4", r), syncdsp::invalid_argument);
}

}  // namespace test_ffmpeg
