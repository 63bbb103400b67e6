// Tests of the ffmpeg subprocess decoding. Media are made at test time by ffmpeg's own generators
// (lavfi testsrc/sine), so expected sizes, rates and frame counts are known by construction.
// Skips with a message when ffmpeg is not installed.
#include <cmath>
#include <cstdlib>

#include "support.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/io/file.hpp"

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

    io::video_decode_options rgb;
    rgb.format = io::pixel_format::rgb;
    rgb.width = 32;
    rgb.height = 24;
    rgb.max_frames = 5;
    const auto small = io::decode_video(path, rgb);
    CHECK(small.count() == 5);
    CHECK(small.channels() == 3);
    CHECK(small.width() == 32);
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
