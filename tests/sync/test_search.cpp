// Tests of the offset engine (sync/search.hpp, surrogate.hpp, segments.hpp, verdict.hpp,
// calibration.hpp) on synthetic signals with known answers: band-limited random signals sampled at
// exact (fractional) delays, so the true lag is known to the sample's fraction, independent noise
// for the null distribution, NaN gaps, and an offset that jumps half-way.
#include <cmath>
#include <random>

#include "support.hpp"
#include "syncdsp/sync.hpp"

namespace test_search {

namespace sync = syncdsp::sync;

namespace {

// A smooth random signal s(t) = sum_k a_k sin(2 pi f_k t + phi_k), f_k in [0.3, 4] Hz, sampled
// at rate_hz at times t0 + i / rate_hz - delay_s: the same signal, delay_s later.
struct smooth_signal {
    std::vector<double> a, f, phi;
    explicit smooth_signal(unsigned seed, int parts = 24) {
        std::mt19937 g(seed);
        std::uniform_real_distribution<double> uf(0.3, 4.0), up(0, 2 * M_PI), ua(0.5, 1.0);
        for (int k = 0; k < parts; ++k) {
            a.push_back(ua(g));
            f.push_back(uf(g));
            phi.push_back(up(g));
        }
    }
    std::vector<double> sample(std::size_t n, double rate_hz, double delay_s) const {
        std::vector<double> x(n);
        for (std::size_t i = 0; i < n; ++i) {
            const double t = double(i) / rate_hz - delay_s;
            for (std::size_t k = 0; k < a.size(); ++k) x[i] += a[k] * std::sin(2 * M_PI * f[k] * t + phi[k]);
        }
        return x;
    }
};

std::vector<double> white(std::size_t n, unsigned seed) {
    std::mt19937 g(seed);
    std::normal_distribution<double> d;
    std::vector<double> x(n);
    for (auto& v : x) v = d(g);
    return x;
}

sync::cue rate_cue(const char* name, std::vector<double> v) { return {name, std::move(v), sync::cue_kind::rate}; }

}  // namespace

TEST_CASE("search: a known fractional delay comes back to a fraction of a frame") {
    const double rate = 25.0;
    const std::size_t n = 25 * 30;
    for (double delay_ms : {0.0, 136.0, -252.0, 611.0}) {
        const smooth_signal s(11);
        const auto video = s.sample(n, rate, 0.0);
        const auto audio = s.sample(n, rate, delay_ms / 1000.0);  // the same, delay_ms later = audio late
        auto opt = sync::SearchOptions::classic();
        opt.surrogates = 19;
        opt.reliable_p = 0.05;
        const auto r = sync::search({rate_cue("v", video)}, {rate_cue("a", audio)}, {0.0, rate}, opt);
        REQUIRE(r.whole.valid);
        // Tolerance: a fifth of a frame (8 ms at 25 fps): the parabolic peak of a smooth curve.
        CHECK(std::fabs(r.whole.offset_ms - delay_ms) <= 8.0);
        CHECK(r.whole.raw_offset_ms == r.whole.offset_ms);
        CHECK(r.whole.reliable);
        CHECK(r.whole.significance.count == 19);
        CHECK(r.pairs == std::vector<std::string>{"v x a"});
        CHECK(r.fused.min_lag == -50);
    }
}

TEST_CASE("search: level cues are differenced, rate cues are not, and both sides alike") {
    // A level cue and its own backward difference given as a rate must give the same answer.
    const smooth_signal s(3);
    const std::size_t n = 600;
    const auto v_level = s.sample(n, 25.0, 0.0);
    const auto a_level = s.sample(n, 25.0, 0.2);
    auto opt = sync::SearchOptions::classic();
    opt.surrogates = 0;
    const auto from_levels = sync::search({{"v", v_level, sync::cue_kind::level}}, {{"a", a_level, sync::cue_kind::level}},
                                          {0.0, 25.0}, opt);
    const auto from_rates = sync::search({rate_cue("v", sync::backward_difference(v_level))},
                                         {rate_cue("a", sync::backward_difference(a_level))}, {0.0, 25.0}, opt);
    CHECK(from_levels.whole.offset_ms == from_rates.whole.offset_ms);
    CHECK(std::fabs(from_levels.whole.offset_ms - 200.0) <= 8.0);
    CHECK_FALSE(from_levels.whole.reliable);  // no surrogates: never reliable
    CHECK(from_levels.whole.significance.p_value == 1.0);
}

TEST_CASE("surrogates: on unrelated signals the p-value is about uniform and rarely reliable") {
    // 80 pairs of independent smooth signals: under "no alignment" a valid Monte-Carlo p-value is
    // uniform on {1/20, ..., 1}. Bounds: binomial(80, p) within about 3 sd.
    int at_or_below_02 = 0, reliable = 0;
    double mean_p = 0;
    const int trials = 80;
    for (int t = 0; t < trials; ++t) {
        const smooth_signal sv(100 + unsigned(t)), sa(500 + unsigned(t));
        auto opt = sync::SearchOptions::classic();
        opt.surrogates = 19;
        opt.reliable_p = 0.05;
        opt.threads = 1;
        const auto r = sync::search({rate_cue("v", sv.sample(500, 25.0, 0))}, {rate_cue("a", sa.sample(500, 25.0, 0))},
                                    {0.0, 25.0}, opt);
        REQUIRE(r.whole.valid);
        mean_p += r.whole.significance.p_value / trials;
        at_or_below_02 += r.whole.significance.p_value <= 0.2 + 1e-9;
        reliable += r.whole.reliable;
    }
    CHECK(mean_p == doctest::Approx(0.525).epsilon(0.2));  // E[p] = (1/20 + 1) / 2
    CHECK(at_or_below_02 >= 5);    // expected 16
    CHECK(at_or_below_02 <= 30);
    CHECK(reliable <= 12);         // expected 4 (p = 0.05)
}

TEST_CASE("surrogates: reversed rotation and the Monte-Carlo p-value") {
    const std::vector<double> x = {0, 1, 2, 3, 4};
    CHECK(sync::reversed_rotation(x, 0, 0, 5) == std::vector<double>{4, 3, 2, 1, 0});
    CHECK(sync::reversed_rotation(x, 2, 0, 5) == std::vector<double>{1, 0, 4, 3, 2});
    CHECK(sync::reversed_rotation(x, 2, 1, 3) == std::vector<double>{0, 4});
    CHECK(sync::surrogate_rotation(100, 3, 10) == 30);
    const auto t = sync::compare_with_surrogates(5.0, {1, 2, 3, 6});
    CHECK(t.beaten == 1);
    CHECK(t.p_value == doctest::Approx(2.0 / 5.0));
    CHECK(t.mean == doctest::Approx(3.0));
    CHECK(t.confidence == doctest::Approx(2.0 / std::sqrt(3.5)));
    CHECK(sync::compare_with_surrogates(1.0, {}).p_value == 1.0);
}

TEST_CASE("search: NaN gaps are left out, not counted as signal") {
    const smooth_signal s(21);
    const std::size_t n = 750;
    auto video = s.sample(n, 25.0, 0.0);
    auto audio = s.sample(n, 25.0, 0.32);
    for (std::size_t i = 200; i < 320; ++i) audio[i] = std::nan("");  // digital silence
    for (std::size_t i = 500; i < 540; ++i) video[i] = std::nan("");  // no face
    auto opt = sync::SearchOptions::classic();
    opt.surrogates = 19;
    opt.reliable_p = 0.05;
    const auto r = sync::search({rate_cue("v", video)}, {rate_cue("a", audio)}, {0.0, 25.0}, opt);
    REQUIRE(r.whole.valid);
    CHECK(std::fabs(r.whole.offset_ms - 320.0) <= 8.0);
    CHECK(r.whole.reliable);
    // All missing: no answer, never NaN.
    std::vector<double> none(n, std::nan(""));
    const auto empty = sync::search({rate_cue("v", none)}, {rate_cue("a", audio)}, {0.0, 25.0}, opt);
    CHECK_FALSE(empty.whole.valid);
    CHECK_FALSE(empty.whole.reliable);
    CHECK(std::isfinite(empty.whole.offset_ms));
}

TEST_CASE("search: windows cover the clip from end to end, with the grid's times") {
    const smooth_signal s(31);
    const std::size_t n = 25 * 21;  // 21 s
    auto opt = sync::SearchOptions::classic();
    opt.surrogates = 99;
    opt.window_s = 5;
    opt.max_offset_ms = 1000;
    const auto r = sync::search({rate_cue("v", s.sample(n, 25.0, 0))}, {rate_cue("a", s.sample(n, 25.0, -0.2))},
                                {10.0, 25.0}, opt);
    // 125-sample windows every round(62.5) = 63 samples over 525: starts 0, 63, ..., 378 -> 7.
    REQUIRE(r.windows.size() == 7);
    CHECK(r.windows.front().start_s == doctest::Approx(10.0));
    CHECK(r.windows.front().end_s == doctest::Approx(15.0));
    CHECK(r.windows.back().end_s == doctest::Approx(10.0 + (378 + 125) / 25.0));
    for (const auto& w : r.windows) {
        REQUIRE(w.valid);
        CHECK(std::fabs(w.offset_ms + 200.0) <= 8.0);  // the first window needs audio before its start
        CHECK(w.significance.count == 99);              // the same test as the whole clip
        CHECK(w.reliable);
    }
    CHECK(sync::agreeing_segments(r.windows, 170.0).size() == 1);
}

TEST_CASE("search: a jump half-way shows in the windows and makes two segments") {
    const std::size_t n = 25 * 40;
    const smooth_signal s(41);
    const auto video = s.sample(n, 25.0, 0);
    const auto a0 = s.sample(n, 25.0, 0.0), a1 = s.sample(n, 25.0, 0.4);
    std::vector<double> audio(n);
    for (std::size_t i = 0; i < n; ++i) audio[i] = i < n / 2 ? a0[i] : a1[i];  // an edit: 400 ms later from 20 s
    auto opt = sync::SearchOptions::classic();
    opt.window_s = 5;
    const auto r = sync::search({rate_cue("v", video)}, {rate_cue("a", audio)}, {0.0, 25.0}, opt);
    const auto segs = sync::agreeing_segments(r.windows, 45.0 + 125.0);
    REQUIRE(segs.size() == 2);
    CHECK(std::fabs(segs[0].offset_ms) <= 8.0);
    CHECK(std::fabs(segs[1].offset_ms - 400.0) <= 8.0);
    CHECK(segs[0].end_s <= segs[1].start_s + 5.0);
    const auto v = sync::judge(r.whole.offset_ms, r.whole.offset_ms - 80, r.whole.offset_ms + 80, true, true, segs,
                               sync::ToleranceProfile::itu());
    CHECK(v.kind == sync::verdict_kind::cant_tell);
    CHECK(v.reason.find("changes") != std::string::npos);
    // A difference the tolerance absorbs is one segment.
    CHECK(sync::agreeing_segments(r.windows, 1000.0).size() == 1);
}

TEST_CASE("search: a pair's lead is removed before fusion; the raw estimate keeps it") {
    const smooth_signal s(51);
    const std::size_t n = 750;
    auto opt = sync::SearchOptions::classic();
    opt.surrogates = 19;
    opt.reliable_p = 0.05;
    opt.leads = {{"v", "a", 80.0}};
    const auto r = sync::search({rate_cue("v", s.sample(n, 25.0, 0))}, {rate_cue("a", s.sample(n, 25.0, 0.08))},
                                {0.0, 25.0}, opt);
    CHECK(std::fabs(r.whole.raw_offset_ms - 80.0) <= 8.0);
    CHECK(std::fabs(r.whole.offset_ms) <= 8.0);
    CHECK(r.whole.reliable);
    CHECK(opt.lead_ms("v", "a") == 80.0);
    CHECK(opt.lead_ms("v", "other") == 0.0);
}

TEST_CASE("search: bad options and mismatched cues are errors with the search id") {
    const auto x = white(100, 1);
    auto opt = sync::SearchOptions::classic();
    opt.surrogates = 49;  // cannot reach p <= 0.01
    CHECK_THROWS_WITH_AS(opt.validate(), doctest::Contains("at least 99"), syncdsp::invalid_argument);
    opt = sync::SearchOptions::classic();
    opt.max_offset_ms = -1;
    CHECK_THROWS_AS(opt.validate(), syncdsp::invalid_argument);
    CHECK_THROWS_WITH_AS(sync::search({rate_cue("v", x)}, {rate_cue("a", white(99, 2))}, {0.0, 25.0}),
                         doctest::Contains("[syncdsp.invalid_argument.search]"), syncdsp::invalid_argument);
    CHECK_THROWS_AS(sync::search({}, {rate_cue("a", x)}, {0.0, 25.0}), syncdsp::invalid_argument);
    CHECK_THROWS_AS(sync::search({rate_cue("v", x)}, {rate_cue("a", x)}, {0.0, 0.0}), syncdsp::invalid_argument);
    CHECK(sync::SearchOptions::classic().to_string().find("surrogates=99") != std::string::npos);
}

TEST_CASE("verdict: tolerance profiles and the four answers") {
    const auto itu = sync::ToleranceProfile::itu();
    CHECK(itu.early_ms == 45);
    CHECK(itu.late_ms == 125);
    CHECK(sync::ToleranceProfile::parse("ebu").late_ms == 60);
    CHECK(sync::ToleranceProfile::parse("atsc").early_ms == 15);
    const auto custom = sync::ToleranceProfile::parse("20,30");
    CHECK(custom.early_ms == 20);
    CHECK(custom.late_ms == 30);
    CHECK_THROWS_AS(sync::ToleranceProfile::parse("20"), syncdsp::invalid_argument);
    CHECK_THROWS_AS(sync::ToleranceProfile::parse("-5,30"), syncdsp::invalid_argument);
    CHECK_THROWS_AS(sync::ToleranceProfile::parse("a,b"), syncdsp::invalid_argument);
    using K = sync::verdict_kind;
    CHECK(sync::judge(20, -40, 80, true, true, {}, itu).kind == K::in_sync);
    CHECK(sync::judge(20, -40, 80, true, true, {}, itu).certain);
    CHECK_FALSE(sync::judge(100, 20, 180, true, true, {}, itu).certain);
    CHECK(sync::judge(240, 160, 320, true, true, {}, itu).kind == K::audio_late);
    CHECK(sync::judge(240, 160, 320, true, true, {}, itu).certain);
    CHECK(sync::judge(-100, -180, -20, true, true, {}, itu).kind == K::audio_early);
    CHECK_FALSE(sync::judge(-100, -180, -20, true, true, {}, itu).certain);
    CHECK(sync::judge(240, 160, 320, true, false, {}, itu).kind == K::cant_tell);
    CHECK(sync::judge(240, 160, 320, false, false, {}, itu).kind == K::cant_tell);
}

TEST_CASE("calibration: presets validate and print") {
    const auto none = sync::Calibration::none();
    CHECK(none.leads.empty());
    none.validate();
    const auto fitted = sync::Calibration::speech_lead();
    fitted.validate();
    CHECK(fitted.name == "speech-lead");
    CHECK(fitted.to_string().find("interval") != std::string::npos);
    auto bad = none;
    bad.interval_ms = -1;
    CHECK_THROWS_AS(bad.validate(), syncdsp::invalid_argument);
}

TEST_CASE("rival: a second hill within the margin is a rival; a broad peak's shoulder is not") {
    // Hand-made curves, lags -10..10.
    auto curve = [](std::vector<double> y) {
        sync::correlation_curve c;
        c.min_lag = -10;
        c.score = std::move(y);
        c.informative.assign(c.score.size(), 1);
        c.overlap.assign(c.score.size(), 100);
        return c;
    };
    std::vector<double> two(21, 0.0);
    two[5] = 0.50, two[4] = two[6] = 0.3;    // lag -5
    two[15] = 0.47, two[14] = two[16] = 0.3;  // lag +5, 0.03 lower
    const auto c2 = curve(two);
    const auto p2 = sync::find_peak(c2);
    REQUIRE(p2.lag == -5);
    const auto r = sync::find_rival(c2, p2, 0.05);
    REQUIRE(r.has_value());
    CHECK(c2.lag(*r) == 5);
    CHECK_FALSE(sync::find_rival(c2, p2, 0.02).has_value());  // 0.03 lower: beyond a 0.02 margin
    // A broad peak: values fall slowly on both sides, with a small bump on the shoulder at lag +4
    // (the valley between it and the peak is only 0.01 deep).
    std::vector<double> broad(21);
    for (int i = 0; i < 21; ++i) broad[std::size_t(i)] = 0.5 - 0.01 * std::abs(i - 10);
    broad[14] = 0.47, broad[13] = 0.46;
    const auto cb = curve(broad);
    const auto pb = sync::find_peak(cb);
    REQUIRE(pb.lag == 0);
    CHECK_FALSE(sync::find_rival(cb, pb, 0.05).has_value());
}

TEST_CASE("search: sound that fits two lags equally has a rival, and the answer is not reliable") {
    // The audio cue is the video cue 600 ms late plus the video cue 600 ms early: both lags fit
    // equally (same overlap, same correlation), so neither can be the answer.
    const double rate = 25.0;
    const std::size_t n = 25 * 30;
    const smooth_signal s(5);
    const auto video = s.sample(n, rate, 0.0), late = s.sample(n, rate, 0.6), early = s.sample(n, rate, -0.6);
    std::vector<double> audio(n);
    for (std::size_t i = 0; i < n; ++i) audio[i] = late[i] + early[i];
    auto opt = sync::SearchOptions::classic();
    opt.surrogates = 19;
    opt.reliable_p = 0.05;
    const auto r = sync::search({rate_cue("v", video)}, {rate_cue("a", audio)}, {0.0, rate}, opt);
    REQUIRE(r.whole.valid);
    CHECK(std::fabs(std::fabs(r.whole.offset_ms) - 600.0) <= 8.0);
    REQUIRE(r.whole.rival_offset_ms.has_value());
    CHECK(std::fabs(*r.whole.rival_offset_ms + r.whole.offset_ms) <= 45.0);  // the other one
    CHECK(r.whole.significance.p_value <= 0.05);  // significant, and still not reliable
    CHECK_FALSE(r.whole.reliable);
    // Only the late copy: one answer, reliable, no rival.
    const auto one = sync::search({rate_cue("v", video)}, {rate_cue("a", late)}, {0.0, rate}, opt);
    CHECK_FALSE(one.whole.rival_offset_ms.has_value());
    CHECK(one.whole.reliable);
}

TEST_CASE("calibration: a clip's interval widens with the scatter of its reliable windows") {
    auto window = [](double offset_ms, bool reliable) {
        sync::offset_estimate w;
        w.valid = true;
        w.reliable = reliable;
        w.offset_ms = offset_ms;
        return w;
    };
    // Agreeing windows: the calibration's width, to a fraction of a ms.
    std::vector<sync::offset_estimate> agree;
    for (int i = 0; i < 12; ++i) agree.push_back(window(40.0 + (i % 2), true));
    CHECK(sync::clip_interval_ms(120.0, agree, 2.0) == doctest::Approx(120.0).epsilon(0.001));
    // Fewer than 3 reliable windows add nothing, whatever the unreliable ones say.
    CHECK(sync::clip_interval_ms(120.0, {window(0, true), window(900, true), window(-900, false)}, 2.0) == 120.0);
    // Scattered windows: offsets -100, 0, +100 ms repeated, 12 windows over 6 stretches. Robust sd =
    // 1.4826 * MAD = 148.26 ms, standard error 148.26 / sqrt(6), x 1.645, in quadrature with 120.
    std::vector<sync::offset_estimate> scatter;
    for (int i = 0; i < 12; ++i) scatter.push_back(window(100.0 * (i % 3 - 1), true));
    const double own = 1.645 * 148.26 / std::sqrt(6.0);
    CHECK(sync::clip_interval_ms(120.0, scatter, 2.0) == doctest::Approx(std::sqrt(120.0 * 120.0 + own * own)));
}

TEST_CASE("calibration: an answer that is not reliable has the whole searched range as its interval") {
    const auto sure = sync::answer_interval(240.0, 126.0, true, 2000.0);
    CHECK(sure.lo_ms == doctest::Approx(114.0));
    CHECK(sure.hi_ms == doctest::Approx(366.0));
    // Not reliable: nothing locates the truth within the lags searched, whatever the guess was.
    const auto unsure = sync::answer_interval(240.0, 126.0, false, 2000.0);
    CHECK(unsure.lo_ms == -2000.0);
    CHECK(unsure.hi_ms == 2000.0);
}

}  // namespace test_search
