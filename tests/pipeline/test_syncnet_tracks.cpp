// The parts of pipeline/syncnet_tracks.hpp, on inputs whose answer is known by construction:
// the 25 fps grid by timestamps (30 fps, VFR, a late start), a track's boxes on the grid (a bridged
// gap interpolated linearly, then scipy.signal.medfilt with zero padding), and the crop (padding
// value, where the face lands); and the crops of a real 30 fps clip against the torch statement's
// cv2 crops. The whole path (tracker, protocol) against the statement is tested end to end in
// tests/cli/test_cli_syncnet_tracks.cpp.
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "support.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/pipeline/syncnet_tracks.hpp"

namespace test_syncnet_tracks {

using namespace syncdsp;
using namespace syncdsp::pipeline;

TEST_CASE("frames_on_grid: the latest frame with pts <= k/25, for 30 fps, VFR and a late start") {
    std::vector<double> t30;
    for (int i = 0; i < 36; ++i) t30.push_back(i / 30.0);
    const auto g = frames_on_grid(t30, 0.0);
    // 36 frames of 1/30 s last 1.2 s: 30 slots. Slot k shows floor(k * 30 / 25) (k*6/5), exact
    // instants included (slot 5 at 0.2 s shows frame 6 at 0.2 s).
    REQUIRE(g.size() == 30);
    for (std::size_t k = 0; k < g.size(); ++k) CHECK(g[k] == long(k * 6 / 5));
    // Timestamps rounded to milliseconds (a Matroska time base) still hit their slot, and the
    // last frame (1.167 s) does not get a 31st slot at 1.2 s.
    std::vector<double> ms;
    for (int i = 0; i < 36; ++i) ms.push_back(std::round(i * 1000.0 / 30.0) / 1000.0);
    CHECK(frames_on_grid(ms, 0.0) == g);
    // VFR: frames at 0, 0.1, 0.5 s; slots at 0, 0.04, ... until 0.5 + 0.25 (the mean interval).
    const auto v = frames_on_grid({0.0, 0.1, 0.5}, 0.0);
    REQUIRE(v.size() == 19);
    CHECK(v[0] == 0);
    CHECK(v[2] == 0);   // 0.08
    CHECK(v[3] == 1);   // 0.12
    CHECK(v[12] == 1);  // 0.48
    CHECK(v[13] == 2);  // 0.52
    // Video starting 0.1 s after the audio: the first slots show no frame.
    const auto late = frames_on_grid({0.1, 0.14, 0.18}, 0.0);
    CHECK(late == std::vector<long>{-1, -1, -1, 0, 1, 2});  // 0.12 s shows the frame of 0.1 s
    CHECK(frames_on_grid({}, 0.0).empty());
}

TEST_CASE("track_on_grid: a bridged gap is interpolated, then centre and size are median-filtered") {
    nn::face_track t;
    t.first = 2;
    t.last = 31;
    for (std::size_t i = 0; i < 30; ++i) {
        const bool gap = i >= 10 && i < 14;
        t.has.push_back(gap ? 0 : 1);
        // Moving right 2 px per frame; the gap frames carry a stale box (as the tracker leaves them).
        t.boxes.push_back(gap ? box{999, 999, 1, 1} : box{100.0 + 2.0 * double(i), 50, 40, 60});
    }
    std::vector<long> grid;  // a 25 fps video: slot k shows frame k
    for (long k = 0; k < 40; ++k) grid.push_back(k);
    const auto g = track_on_grid(t, grid);
    REQUIRE(g.slots() == 30);
    CHECK(g.first_slot == 2);
    CHECK(g.frame.front() == 2);
    // Raw: centre x = x + 20 everywhere, gaps included (linear between frames 9 and 14 of the track).
    for (std::size_t i = 0; i < 30; ++i) {
        CHECK(g.raw[i].x == doctest::Approx(120.0 + 2.0 * double(i)));
        CHECK(g.raw[i].y == doctest::Approx(80.0));
        CHECK(g.raw[i].s == doctest::Approx(30.0));  // max(40, 60) / 2
    }
    // medfilt(13) with zero padding on a rising ramp: inside and at the start it is unchanged (the
    // zeros are below every value: 6 - i zeros + slots 0..i+6, 7th smallest = slot i); at the end
    // the zeros pull the median down to the smallest value of the window (6 zeros + slots 23..29).
    CHECK(g.crops[15].x == doctest::Approx(150.0));
    CHECK(g.crops[0].x == doctest::Approx(120.0));
    CHECK(g.crops[2].x == doctest::Approx(124.0));
    CHECK(g.crops[29].x == doctest::Approx(120.0 + 2.0 * 23));
    CHECK(g.crops[26].x == doctest::Approx(120.0 + 2.0 * 23));  // 3 zeros + slots 20..29 -> slot 23
    CHECK(g.crops[15].s == doctest::Approx(30.0));
    CHECK(g.crops[0].s == doctest::Approx(30.0));
    // A track outside the grid has no slots.
    CHECK(track_on_grid(t, std::vector<long>{-1, 0, 1}).slots() == 0);
}

TEST_CASE("syncnet_crop: padding 110 around the frame, the face in the upper middle") {
    // A 100x80 frame of value 200; a face centred at (50, 40) with half size 20.
    std::vector<std::uint8_t> frame(100 * 80 * 3, 200);
    std::vector<std::uint8_t> out(224 * 224 * 3);
    const auto o = SyncnetCropOptions::syncnet_python();
    syncnet_crop(vision::image_view<const std::uint8_t>(frame.data(), 100, 80, 3), {50, 40, 20}, o,
                 vision::image_view<std::uint8_t>(out.data(), 224, 224, 3));
    // Region: rows 40-20 .. 40+36 (all inside), columns 50-28 .. 50+28 (inside): all 200.
    for (auto v : out) REQUIRE(v == 200);
    // Near the top-left corner the padding shows: rows from y - s = -20 (20 rows of padding of 56).
    syncnet_crop(vision::image_view<const std::uint8_t>(frame.data(), 100, 80, 3), {10, 0, 20}, o,
                 vision::image_view<std::uint8_t>(out.data(), 224, 224, 3));
    CHECK(out[0] == 110);                              // top-left: padding
    CHECK(out[(223 * 224 + 223) * 3] == 200);          // bottom-right: the frame
    CHECK(out[(223 * 224 + 0) * 3] == 110);            // bottom-left: left of the frame (x - 28 < 0)
    CHECK_THROWS_AS(syncnet_crop(vision::image_view<const std::uint8_t>(frame.data(), 100, 80, 3), {50, 40, 0}, o,
                                 vision::image_view<std::uint8_t>(out.data(), 224, 224, 3)),
                    invalid_argument);
}

TEST_CASE("SyncnetTracksOptions: preset, validate, to_string") {
    const auto o = SyncnetTracksOptions::syncnet_python();
    CHECK(o.crop.crop_scale == 0.4);
    CHECK(o.crop.smooth_kernel == 13);
    CHECK(int(o.crop.pad_value) == 110);
    CHECK(o.faces.budget_bytes == 0);
    CHECK_NOTHROW(o.validate());
    CHECK(o.crop.to_string() == "SyncnetCropOptions{crop_scale=0.4, smooth_kernel=13, pad_value=110, size=224}");
    auto bad = o;
    bad.crop.smooth_kernel = 12;
    CHECK_THROWS_WITH_AS(bad.validate(), doctest::Contains("smooth_kernel must be odd"), invalid_argument);
    CHECK(median_filter_zero_padded({5, 1, 4, 2, 3}, 3) == std::vector<double>{1, 4, 2, 3, 2});
}

TEST_CASE("the crops of a real 30 fps clip equal the torch statement's cv2 crops, byte sum for byte sum") {
    // tests/golden/nn/syncnet_div8_tracks_30fps.json (scripts/golden/gen_syncnet_tracks.py) holds the
    // tracker's boxes it cropped and the sum of every 224x224x3 crop it made with np.pad + cv2.resize.
    // The same boxes go through track_on_grid + syncnet_crop here: every sum must be equal (a one-grey-
    // level difference anywhere changes it). The clip is made by the same ffmpeg command.
    const std::string src = test::source_dir() + "/data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4";
    SYNCDSP_REQUIRE_FILE_OR_SKIP(src);
    if (std::system("ffmpeg -version >/dev/null 2>&1") != 0) SYNCDSP_SKIP("ffmpeg not available");
    std::ifstream in(test::golden("nn/syncnet_div8_tracks_30fps.json"));
    REQUIRE(in.good());
    const auto want = nlohmann::json::parse(in);
    const std::string clip = test::scratch("syncnet_tracks_unit_30fps.mkv");
    const std::string cmd = "ffmpeg -nostdin -v error -y -i '" + src + "' -t " + want["clip"]["seconds"].get<std::string>() +
                            " -vf '" + want["clip"]["filter"].get<std::string>() + "' -c:v ffv1 -c:a pcm_s16le '" + clip + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    io::VideoDecodeOptions vo;
    vo.format = io::pixel_format::bgr;
    const auto v = io::decode_video(clip, vo);
    const auto& d = want["tracker_dump"];
    REQUIRE(v.count() == d["times"].size());
    const auto grid = frames_on_grid(d["times"].get<std::vector<double>>(), d["audio_start_s"].get<double>());
    CHECK(grid.size() == want["slots"].get<std::size_t>());
    std::size_t checked = 0;
    for (std::size_t ti = 0; ti < d["tracks"].size(); ++ti) {
        const auto& dt = d["tracks"][ti];
        const auto& wt = want["tracks"][ti];
        if (!wt["measured"].get<bool>()) continue;
        nn::face_track t;
        t.first = dt["first"].get<std::size_t>();
        t.last = dt["last"].get<std::size_t>();
        t.has = dt["has"].get<std::vector<std::uint8_t>>();
        for (const auto& b : dt["boxes"]) t.boxes.push_back(box{b[0].get<double>(), b[1].get<double>(), b[2].get<double>(), b[3].get<double>()});
        const auto g = track_on_grid(t, grid);
        CHECK(g.first_slot == wt["first_slot"].get<std::size_t>());
        const auto& sums = wt["crop_sums"];
        std::vector<std::uint8_t> crop(224 * 224 * 3);
        for (std::size_t k = 0; k < sums.size(); ++k) {
            const vision::image_view<const std::uint8_t> frame(v.frames.data() + g.frame[k] * 640 * 360 * 3, 640, 360, 3);
            syncnet_crop(frame, g.crops[k], SyncnetCropOptions::syncnet_python(), vision::image_view<std::uint8_t>(crop.data(), 224, 224, 3));
            std::int64_t s = 0;
            for (auto px : crop) s += px;
            INFO("slot " << k);
            CHECK(s == sums[k].get<std::int64_t>());
            ++checked;
        }
    }
    CHECK(checked > 0);
}

}  // namespace test_syncnet_tracks
