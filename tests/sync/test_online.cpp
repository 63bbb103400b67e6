// sync/online.hpp: the online estimator equals the offline engine on the same windows.
//
// Reference: the whole stream's cues put on the grid in one go, as pipeline/classic.hpp does
// (integrate_to_grid for the 100 Hz audio cue, interpolate_to_grid for the per-frame video cue),
// then search_window() on each estimate's stretch. The online estimator builds its cells one by
// one from chunks, so the audio cells differ from the one-go integration only by rounding in the
// cell arithmetic: offsets and scores must agree to 1e-9, confidences to 1e-9 relative, and
// p-values and reliability flags exactly, for several chunkings. The synthetic stream has a known offset
// (+200 ms, audio late), which the estimates must find, and a memory test feeds 20 minutes.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <random>
#include <vector>

#include "support.hpp"
#include "syncdsp/sync/online.hpp"
#include "syncdsp/sync/timebase.hpp"

namespace test_online {

using namespace syncdsp;

namespace {

// A smooth random "speech envelope" e(t), and a mouth that moves with it offset_s earlier (audio late).
struct synthetic_stream {
    double offset_s = 0.2, audio_start = 0.013, video_start = 0.3, fps = 25;
    double change_at = 1e9, offset_after_s = 0;  // the offset changes to offset_after_s at change_at
    std::vector<double> knots;
    explicit synthetic_stream(double seconds) {
        std::mt19937 rng(3);
        std::normal_distribution<double> g(0, 1);
        for (double t = -5; t < seconds + 5; t += 0.08) knots.push_back(g(rng));
    }
    double envelope(double t) const {  // linear interpolation of random knots every 80 ms
        const double u = (t + 5) / 0.08;
        const std::size_t i = std::size_t(std::max(0.0, std::floor(u)));
        const double w = u - double(i);
        if (i + 1 >= knots.size()) return 0;
        return (1 - w) * knots[i] + w * knots[i + 1];
    }
    std::vector<double> audio(std::size_t frames) const {  // 100 Hz level cue
        std::vector<double> a(frames);
        for (std::size_t i = 0; i < frames; ++i) a[i] = envelope(audio_start + double(i) * 0.01);
        return a;
    }
    // Per-frame rate cue: the envelope's change, offset_s earlier than in the sound.
    std::vector<double> video(std::size_t frames, std::vector<double>& times) const {
        std::vector<double> v(frames);
        times.resize(frames);
        for (std::size_t k = 0; k < frames; ++k) {
            times[k] = video_start + double(k) / fps;
            const double t = times[k] + (times[k] < change_at ? offset_s : offset_after_s);
            v[k] = envelope(t) - envelope(t - 1.0 / fps);
        }
        return v;
    }
};

sync::OnlineOptions test_options() {
    sync::OnlineOptions o = sync::OnlineOptions::monitor();
    o.calibration = sync::Calibration::none();  // the synthetic cues have no lip lead
    o.video_cue = "v";
    o.audio_cue = "a";
    return o;
}

}  // namespace

TEST_CASE("online estimator equals search_window on the offline cues, for several chunkings") {
    const synthetic_stream s(40);
    std::vector<double> times;
    const auto video = s.video(std::size_t(40 * s.fps), times);
    const auto audio = s.audio(4000 + 100);
    const auto o = test_options();
    // Offline: the grid cells of the whole stream in one go.
    const std::vector<double> grid = sync::uniform_grid(times.front(), times.back() + 1.0 / s.fps, s.fps);
    const auto vcells = sync::interpolate_to_grid(video, times, grid);
    const auto acells = sync::integrate_to_grid(audio, 100.0, s.audio_start, grid, s.fps);

    std::vector<std::vector<sync::online_estimate>> runs;
    for (std::size_t chunk : {std::size_t(1), std::size_t(13), std::size_t(250), std::size_t(5000)}) {
        CAPTURE(chunk);
        sync::online_estimator est(o, times.front(), s.audio_start);
        std::vector<sync::online_estimate> got;
        std::size_t ai = 0, vi = 0;
        // Interleave: a chunk of sound, then the frames up to the same time.
        while (ai < audio.size() || vi < video.size()) {
            const std::size_t n = std::min(chunk, audio.size() - ai);
            est.accept_audio(audio.data() + ai, n);
            ai += n;
            const double until = s.audio_start + double(ai) * 0.01;
            while (vi < video.size() && (times[vi] <= until || ai == audio.size())) {
                est.accept_video(times[vi], video[vi]);
                ++vi;
            }
            for (const auto& e : est.poll()) got.push_back(e);
        }
        REQUIRE(got.size() >= 30);
        std::size_t checked = 0, reliable = 0, near_truth = 0;
        for (const auto& e : got) {
            const std::size_t end = std::size_t(std::lround((e.end_s - times.front()) * s.fps));
            const std::size_t begin = std::size_t(std::lround((e.start_s - times.front()) * s.fps));
            const auto st = est.stretch_of(begin, end);
            REQUIRE(st.end <= grid.size());
            const std::vector<double> v(vcells.begin() + long(st.begin), vcells.begin() + long(st.end));
            const std::vector<double> a(acells.begin() + long(st.begin), acells.begin() + long(st.end));
            const auto ref = sync::search_window({{"v", v, sync::cue_kind::rate}}, {{"a", a, sync::cue_kind::level}},
                                                 {grid[st.begin], s.fps}, st.window_begin - st.begin,
                                                 st.window_end - st.begin, o.search);
            CHECK(e.search.valid == ref.valid);
            CHECK(std::fabs(e.search.offset_ms - ref.offset_ms) <= 1e-9);
            CHECK(std::fabs(e.search.peak.score - ref.peak.score) <= 1e-9);
            CAPTURE(e.search.significance.confidence);
            CAPTURE(ref.significance.confidence);
            // (peak - mean) / sd: a difference of 1e-15 in the cells is divided by a small sd, so
            // relative to the value.
            CHECK(std::fabs(e.search.significance.confidence - ref.significance.confidence) <=
                  1e-9 * std::max(1.0, std::fabs(ref.significance.confidence)));
            CHECK(e.search.significance.p_value == ref.significance.p_value);
            CHECK(e.search.reliable == ref.reliable);
            CHECK(std::fabs(e.start_s - ref.start_s) <= 1e-9);
            ++checked;
            reliable += e.search.reliable;
            near_truth += std::fabs(e.search.offset_ms - 200.0) <= 20.0;
        }
        CHECK(checked == got.size());
        CHECK(reliable == got.size());     // a clean synthetic stream: every window stands out
        CHECK(near_truth == got.size());   // and finds +200 ms (one grid cell is 40 ms; refined)
        // Windows: the first after 4 s of picture, then one a second, 5 s long from 5 s on.
        CHECK(std::fabs(got.front().end_s - got.front().start_s - 4.0) < 1e-9);
        CHECK(std::fabs(got[1].end_s - got[0].end_s - 1.0) < 1e-9);
        CHECK(std::fabs(got.back().end_s - got.back().start_s - 5.0) < 1e-9);
        CHECK(std::fabs(got.front().sound_end_s - got.front().end_s - 0.8) < 1e-9);  // +-0.8 s range
        runs.push_back(got);
    }
    // Every chunking gives the same estimates.
    for (std::size_t r = 1; r < runs.size(); ++r) {
        REQUIRE(runs[r].size() == runs[0].size());
        for (std::size_t i = 0; i < runs[r].size(); ++i)
            CHECK(std::fabs(runs[r][i].search.offset_ms - runs[0][i].search.offset_ms) <= 1e-9);
    }
}

TEST_CASE("online estimator: memory does not grow with the stream's length") {
    const double seconds = std::getenv("SYNCDSP_SANITIZED") ? 120 : 1200;  // 20 minutes (2 under sanitizers)
    const synthetic_stream s(seconds);
    std::vector<double> times;
    const auto video = s.video(std::size_t(seconds * s.fps), times);
    const auto audio = s.audio(std::size_t(seconds * 100) + 100);
    auto o = test_options();
    o.search.surrogates = 0;  // the bookkeeping is under test here, not the significance
    sync::online_estimator est(o, times.front(), s.audio_start);
    std::size_t max_held = 0, estimates = 0, vi = 0;
    for (std::size_t ai = 0; ai < audio.size(); ai += 40) {
        est.accept_audio(audio.data() + ai, std::min<std::size_t>(40, audio.size() - ai));
        while (vi < video.size() && times[vi] <= s.audio_start + double(ai) * 0.01) {
            est.accept_video(times[vi], video[vi]);
            ++vi;
        }
        estimates += est.poll().size();
        max_held = std::max(max_held, est.held_values());
    }
    CHECK(estimates >= std::size_t(seconds) - 10);
    // 30 s of surrogate history (750 cells) + 25 lag cells + a hop, for each cue, plus a few inputs.
    CHECK(max_held <= 2 * (750 + 25 + 25) + 64);
}

TEST_CASE("online estimator refuses bad input") {
    sync::online_estimator est(test_options(), 0.0, 0.0);
    est.accept_video(0.0, 1.0);
    CHECK_THROWS_AS(est.accept_video(0.0, 1.0), invalid_argument);  // not after the previous frame
    CHECK_THROWS_AS(est.accept_video(std::nan(""), 1.0), invalid_argument);
    const double inf = INFINITY;
    CHECK_THROWS_AS(est.accept_audio(&inf, 1), invalid_argument);
    auto bad = test_options();
    bad.hop_s = 10;
    CHECK_THROWS_AS(sync::online_estimator(bad, 0.0, 0.0), invalid_argument);
}

TEST_CASE("online estimator: a change of offset is reported by the recent part of the window") {
    // +200 ms until 20.5 s (between two hops), then -100 ms. Windows straddling the change have two
    // fitting lags; their last 4 s answer once they hold mostly the new offset. Checked: every
    // estimate (recent ones too) equals search_window() on its stretch, and the first reliable
    // estimate at -100 ms judges picture ending at most 4 s after the change.
    synthetic_stream s(40);
    s.change_at = 20.5;
    s.offset_after_s = -0.1;
    std::vector<double> times;
    const auto video = s.video(std::size_t(40 * s.fps), times);
    const auto audio = s.audio(4000 + 100);
    const auto o = test_options();
    const std::vector<double> grid = sync::uniform_grid(times.front(), times.back() + 1.0 / s.fps, s.fps);
    const auto vcells = sync::interpolate_to_grid(video, times, grid);
    const auto acells = sync::integrate_to_grid(audio, 100.0, s.audio_start, grid, s.fps);
    sync::online_estimator est(o, times.front(), s.audio_start);
    std::vector<sync::online_estimate> got;
    std::size_t vi = 0;
    for (std::size_t ai = 0; ai < audio.size(); ai += 7) {
        est.accept_audio(audio.data() + ai, std::min<std::size_t>(7, audio.size() - ai));
        while (vi < video.size() && times[vi] <= s.audio_start + double(ai) * 0.01) {
            est.accept_video(times[vi], video[vi]);
            ++vi;
        }
        for (const auto& e : est.poll()) got.push_back(e);
    }
    std::optional<double> reported;
    std::size_t recent = 0;
    for (const auto& e : got) {
        const std::size_t end = std::size_t(std::lround((e.end_s - times.front()) * s.fps));
        const std::size_t begin = std::size_t(std::lround((e.start_s - times.front()) * s.fps));
        const auto st = est.stretch_of(begin, end);
        const std::vector<double> v(vcells.begin() + long(st.begin), vcells.begin() + long(st.end));
        const std::vector<double> a(acells.begin() + long(st.begin), acells.begin() + long(st.end));
        const auto ref = sync::search_window({{"v", v, sync::cue_kind::rate}}, {{"a", a, sync::cue_kind::level}},
                                             {grid[st.begin], s.fps}, st.window_begin - st.begin,
                                             st.window_end - st.begin, o.search);
        CHECK(std::fabs(e.search.offset_ms - ref.offset_ms) <= 1e-9);
        CHECK(e.search.reliable == ref.reliable);
        recent += e.recent;
        const double t = e.end_s - times.front() + s.video_start;  // stream time of the synthetic truth
        if (!reported && t > s.change_at && e.search.reliable && std::fabs(e.search.offset_ms + 100) <= 20) reported = t;
        // Never wrong and reliable: a reliable answer is one of the two true offsets.
        if (e.search.reliable)
            CHECK((std::fabs(e.search.offset_ms - 200) <= 20 || std::fabs(e.search.offset_ms + 100) <= 20));
    }
    REQUIRE(reported.has_value());
    MESSAGE("change at 20.5 s reported by the window ending at " << *reported << " s; " << recent << " recent answers");
    CHECK(*reported - s.change_at <= 4.0);
}

}  // namespace test_online
