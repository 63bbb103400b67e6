// io/live_decode.hpp: the parsing of ffmpeg's stderr lines the live decoder depends on, on lines
// copied from ffmpeg 5.1's output (the pairing of frames with timestamps, and the picture size,
// come from these), and its options' checks. The decoder itself runs in tests/monitor.
#include <cmath>
#include <string>

#include "support.hpp"
#include "syncdsp/io/live_decode.hpp"

namespace test_live_decode {

using namespace syncdsp;

TEST_CASE("live decoder: picture size and frame rate from ffmpeg's output stream line") {
    std::size_t w = 0, h = 0;
    double fps = 0;
    // The codec tag "0x30303859" comes first and must not be read as a size.
    CHECK(io::live_impl::parse_video_output(
        "  Stream #0:0(und): Video: rawvideo (Y800 / 0x30303859), gray(pc, progressive), 224x224, q=2-31, "
        "10035 kb/s, 25 fps, 25 tbn (default)",
        w, h, fps));
    CHECK(w == 224);
    CHECK(h == 224);
    CHECK(fps == 25.0);
    CHECK(io::live_impl::parse_video_output(
        "  Stream #0:0: Video: rawvideo (Y800 / 0x30303859), gray, 1280x720 [SAR 1:1 DAR 16:9], q=2-31, 29.97 fps", w, h,
        fps));
    CHECK(w == 1280);
    CHECK(h == 720);
    CHECK(fps == doctest::Approx(29.97));
    CHECK_FALSE(io::live_impl::parse_video_output("  Stream #1:0(und): Audio: pcm_f32le, 16000 Hz, mono, flt", w, h, fps));
}

TEST_CASE("live decoder: timestamps from the metadata filters' lines") {
    CHECK(io::live_impl::pts_time_of("[Parsed_metadata_2 @ 0x557a865b4a00] frame:12   pts:12288   pts_time:0.48") == 0.48);
    CHECK(io::live_impl::pts_time_of("[Parsed_ametadata_4 @ 0x55c008b52600] frame:1    pts:800     pts_time:1.05") == 1.05);
    CHECK(std::isnan(io::live_impl::pts_time_of("[Parsed_metadata_2 @ 0x5] frame:0 pts:NOPTS pts_time:NOPTS")));
    CHECK(std::isnan(io::live_impl::pts_time_of("[Parsed_metadata_2 @ 0x5] syncdsp=1")));
}

TEST_CASE("live decoder: options are checked, URLs recognised, and the command has no shell") {
    auto o = io::LiveDecodeOptions::defaults();
    o.stall_s = 0;
    CHECK_THROWS_AS(o.validate(), invalid_argument);
    o = io::LiveDecodeOptions::defaults();
    o.chunk_samples = 3;
    CHECK_THROWS_AS(o.validate(), invalid_argument);
    CHECK(io::is_url("udp://127.0.0.1:5000"));
    CHECK_FALSE(io::is_url("talk.mp4"));
    auto r = io::LiveDecodeOptions::defaults();
    r.realtime = true;
    const auto cmd = io::live_decoder("a file; rm -rf x", r).command();
    bool re = false, whole = false;
    for (const auto& a : cmd) {
        re |= a == "-re";
        whole |= a == "a file; rm -rf x";  // one argument, as given: no shell splits it
    }
    CHECK(re);
    CHECK(whole);
}

}  // namespace test_live_decode
