// Tests of the sync layer on closed-form cases: shifted copies of a random signal must peak at the
// shift with r = 1; direct and FFT algorithms must agree; parabolic refinement must find the
// vertex of a parabola exactly; missing data and constant inputs must never give NaN.
#include <cmath>
#include <random>

#include "support.hpp"
#include "syncdsp/sync.hpp"

namespace test_xcorr {

namespace sync = syncdsp::sync;

namespace {

std::vector<double> noise(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> g(0.0, 1.0);
    std::vector<double> x(n);
    for (auto& v : x) v = g(rng);
    return x;
}

// audio[t] = video[t - shift]: the audio is `shift` samples late.
std::vector<double> delayed(const std::vector<double>& v, int shift) {
    std::vector<double> a(v.size(), std::nan(""));
    for (long t = 0; t < long(v.size()); ++t) {
        const long s = t - shift;
        if (s >= 0 && s < long(v.size())) a[std::size_t(t)] = v[std::size_t(s)];
    }
    return a;
}

}  // namespace

TEST_CASE("a delayed copy peaks at its delay with r = 1, in both normalisations and algorithms") {
    const auto v = noise(400, 1);
    for (int shift : {-17, 0, 5, 23}) {
        const auto a = delayed(v, shift);
        for (auto norm : {sync::ncc_normalisation::per_overlap, sync::ncc_normalisation::global}) {
            for (auto method : {sync::ncc_method::direct, sync::ncc_method::fft}) {
                auto opt = sync::NccOptions::symmetric(30);
                opt.normalisation = norm;
                opt.method = method;
                const auto c = sync::normalized_xcorr(v.data(), v.size(), a.data(), a.size(), opt);
                const auto p = sync::find_peak(c);
                REQUIRE(p.valid);
                CHECK(p.lag == shift);
                if (norm == sync::ncc_normalisation::per_overlap) CHECK(p.score == doctest::Approx(1.0).epsilon(1e-9));
                CHECK(p.peak_to_median > 5);
                CHECK(p.peak_to_second > 0.5);
            }
        }
    }
}

TEST_CASE("direct and FFT algorithms agree to 1e-6 relative, with missing data") {
    auto v = noise(1000, 2);
    auto a = noise(900, 3);
    for (std::size_t i = 0; i < 900; ++i) a[i] += 0.5 * v[(i + 7) % 1000];
    for (std::size_t i = 100; i < 140; ++i) v[i] = std::nan("");  // a gap in the video
    for (std::size_t i = 0; i < 30; ++i) a[i] = std::nan("");      // digital silence at the start
    for (auto norm : {sync::ncc_normalisation::per_overlap, sync::ncc_normalisation::global}) {
        sync::NccOptions opt;
        opt.min_lag = -120;
        opt.max_lag = 95;
        opt.normalisation = norm;
        opt.method = sync::ncc_method::direct;
        const auto d = sync::normalized_xcorr(v.data(), v.size(), a.data(), a.size(), opt);
        opt.method = sync::ncc_method::fft;
        const auto f = sync::normalized_xcorr(v.data(), v.size(), a.data(), a.size(), opt);
        REQUIRE(d.size() == f.size());
        for (std::size_t i = 0; i < d.size(); ++i) {
            CHECK(d.overlap[i] == f.overlap[i]);
            CHECK(d.informative[i] == f.informative[i]);
            CHECK(std::fabs(d.score[i] - f.score[i]) <= 1e-6 * std::max(1.0, std::fabs(d.score[i])));
        }
        CHECK(sync::find_peak(d).lag == -7);
    }
}

TEST_CASE("per-overlap Pearson equals a by-hand computation at one lag") {
    const std::vector<double> v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    const std::vector<double> a = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
    sync::NccOptions opt;
    opt.min_lag = opt.max_lag = 2;
    opt.min_overlap = 2;
    const auto c = sync::normalized_xcorr(v.data(), v.size(), a.data(), a.size(), opt);
    // Pairs (v[t], a[t+2]) for t = 0..7: v = 1..8, a = 4,1,5,9,2,6,5,3.
    const double x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, y[8] = {4, 1, 5, 9, 2, 6, 5, 3};
    double mx = 0, my = 0;
    for (int i = 0; i < 8; ++i) { mx += x[i] / 8; my += y[i] / 8; }
    double sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < 8; ++i) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    CHECK(c.overlap[0] == 8);
    CHECK(c.score[0] == doctest::Approx(sxy / std::sqrt(sxx * syy)).epsilon(1e-12));
}

TEST_CASE("constant, empty, too-short or non-finite inputs: defined results or clear errors, never NaN") {
    const std::vector<double> flat(200, 3.0);
    const auto v = noise(200, 4);
    const auto c = sync::normalized_xcorr(v.data(), v.size(), flat.data(), flat.size(), sync::NccOptions::symmetric(10));
    CHECK_FALSE(c.any_informative());
    for (double s : c.score) CHECK(s == 0.0);
    CHECK_FALSE(sync::find_peak(c).valid);

    const std::vector<double> all_nan(50, std::nan(""));
    const auto m = sync::normalized_xcorr(v.data(), v.size(), all_nan.data(), all_nan.size(), sync::NccOptions::symmetric(5));
    CHECK_FALSE(m.any_informative());

    // Lags beyond the data have no overlap: uninformative, not an error.
    const auto far = sync::normalized_xcorr(v.data(), 20, v.data(), 20, sync::NccOptions::symmetric(40));
    CHECK(far.informative.front() == 0);
    CHECK(far.informative[40] == 1);

    CHECK_THROWS_AS(sync::normalized_xcorr(v.data(), 0, v.data(), 10), syncdsp::invalid_argument);
    std::vector<double> inf = v;
    inf[3] = INFINITY;
    CHECK_THROWS_WITH_AS(sync::normalized_xcorr(inf.data(), inf.size(), v.data(), v.size()),
                         doctest::Contains("index 3"), syncdsp::invalid_argument);
    sync::NccOptions bad;
    bad.min_lag = 3;
    bad.max_lag = 2;
    CHECK_THROWS_AS(sync::normalized_xcorr(v.data(), v.size(), v.data(), v.size(), bad), syncdsp::invalid_argument);
}

TEST_CASE("parabolic refinement finds a parabola's vertex; a sub-sample delay is recovered") {
    // y = -(x - 0.3)^2 sampled at -1, 0, 1 has its vertex at 0.3.
    auto y = [](double x) { return -(x - 0.3) * (x - 0.3); };
    CHECK(sync::parabolic_offset(y(-1), y(0), y(1)) == doctest::Approx(0.3).epsilon(1e-12));
    CHECK(sync::parabolic_offset(1, 1, 1) == 0.0);  // flat: no refinement

    // A smooth signal delayed by 3.4 samples (evaluated in closed form): refined lag within 0.15.
    std::vector<double> v(600), a(600);
    for (std::size_t t = 0; t < 600; ++t) {
        auto s = [](double u) { return std::sin(0.11 * u) + 0.6 * std::sin(0.037 * u + 1.0) + 0.3 * std::cos(0.23 * u); };
        v[t] = s(double(t));
        a[t] = s(double(t) - 3.4);
    }
    const auto c = sync::normalized_xcorr(v.data(), v.size(), a.data(), a.size(), sync::NccOptions::symmetric(20));
    const auto p = sync::find_peak(c);
    CHECK(p.lag == 3);
    CHECK(p.lag_refined == doctest::Approx(3.4).epsilon(0.15 / 3.4));
}

TEST_CASE("multi-dimensional features average the per-dimension curves") {
    const auto v0 = noise(300, 5), v1 = noise(300, 6);
    syncdsp::tensor<double, 2> V = syncdsp::tensor<double, 2>::from_shape({300, 2});
    syncdsp::tensor<double, 2> A = syncdsp::tensor<double, 2>::from_shape({300, 2});
    const auto a0 = delayed(v0, 4), a1 = delayed(v1, 4);
    for (std::size_t t = 0; t < 300; ++t) {
        V(t, 0) = v0[t];
        V(t, 1) = v1[t];
        A(t, 0) = a0[t];
        A(t, 1) = a1[t];
    }
    const auto c = sync::normalized_xcorr(V, A, sync::NccOptions::symmetric(10));
    CHECK(sync::find_peak(c).lag == 4);
    CHECK(sync::find_peak(c).score == doctest::Approx(1.0));
    CHECK_THROWS_AS(sync::normalized_xcorr(V, syncdsp::tensor<double, 2>::from_shape({300, 3})), syncdsp::invalid_argument);
}

TEST_CASE("fusion: Stouffer over Fisher z of two noisy pairs with the same delay gives a clearer peak") {
    const auto s = noise(500, 7);
    std::vector<sync::correlation_curve> curves;
    for (unsigned k = 0; k < 2; ++k) {
        auto v = s, a = delayed(s, 6);
        const auto n1 = noise(500, 10 + k), n2 = noise(500, 20 + k);
        for (std::size_t t = 0; t < 500; ++t) {
            v[t] += 2.0 * n1[t];
            if (!std::isnan(a[t])) a[t] += 2.0 * n2[t];
        }
        curves.push_back(sync::normalized_xcorr(v.data(), v.size(), a.data(), a.size(), sync::NccOptions::symmetric(25)));
    }
    const auto fused = sync::fuse_fisher_z(curves);
    const auto p = sync::find_peak(fused);
    CHECK(p.lag == 6);
    // Stouffer: the fused peak is the sum of the two z values over sqrt(2).
    const auto z0 = sync::fisher_z(curves[0]), z1 = sync::fisher_z(curves[1]);
    CHECK(p.score == doctest::Approx((z0.score[p.index] + z1.score[p.index]) / std::sqrt(2.0)));
    CHECK(p.score > std::max(z0.score[p.index], z1.score[p.index]));
    CHECK_THROWS_AS(sync::fuse_fisher_z({}), syncdsp::invalid_argument);
}

TEST_CASE("fusion: shift_lags moves a curve along its lags with linear interpolation") {
    sync::correlation_curve c;
    c.min_lag = -3;
    c.score = {0, 0.1, 0.2, 0.9, 0.2, 0.1, 0};
    c.overlap = {10, 11, 12, 13, 12, 11, 10};
    c.informative = {1, 1, 1, 1, 1, 1, 1};
    const auto same = sync::shift_lags(c, 0.0);
    CHECK(same.score == c.score);
    // out(L) = c(L + 1): the peak moves from lag 0 to lag -1; the last lag has no source.
    const auto one = sync::shift_lags(c, 1.0);
    CHECK(one.score[2] == doctest::Approx(0.9));
    CHECK(one.informative[6] == 0);
    // Half a lag: the mean of two neighbours, the smaller overlap.
    const auto half = sync::shift_lags(c, 0.5);
    CHECK(half.score[3] == doctest::Approx(0.55));
    CHECK(half.overlap[3] == 12);
    CHECK(half.informative[6] == 0);
    CHECK(sync::shift_lags(c, -0.5).informative[0] == 0);
    CHECK_THROWS_AS(sync::shift_lags(c, std::nan("")), syncdsp::invalid_argument);
}

TEST_CASE("time base: integration of 100 Hz features and interpolation at frame timestamps") {
    // 100 Hz ramp value = time in seconds; integrating into 25 Hz cells gives each cell's centre time.
    std::vector<double> audio(400);
    for (std::size_t i = 0; i < audio.size(); ++i) audio[i] = 0.005 + double(i) / 100.0;  // frame centres
    const auto grid = sync::uniform_grid(0.02, 4.0, 25.0);
    const auto g = sync::integrate_to_grid(audio, 100.0, 0.005, grid, 25.0);
    for (std::size_t k = 1; k + 1 < grid.size(); ++k) CHECK(g[k] == doctest::Approx(grid[k]).epsilon(1e-9));
    // The pipeline's case: 10 ms frames centred on the edges of 40 ms cells (audio from t = 0, cells
    // centred on the frame times). Each cell's mean must still be its centre time (+- 1 us); taking
    // whole edge frames from one side only would put it 5 ms early.
    std::vector<double> edge(400);
    for (std::size_t i = 0; i < edge.size(); ++i) edge[i] = double(i) / 100.0;
    const auto on_grid = sync::uniform_grid(0.0, 4.0, 25.0);
    const auto ge = sync::integrate_to_grid(edge, 100.0, 0.0, on_grid, 25.0);
    for (std::size_t k = 1; k + 1 < on_grid.size(); ++k) CHECK(std::fabs(ge[k] - on_grid[k]) <= 1e-6);
    // Video at irregular timestamps with value = 2 * time: interpolation is exact for a line.
    const std::vector<double> times = {0.0, 0.03, 0.09, 0.1, 0.21};
    std::vector<double> vals;
    for (double t : times) vals.push_back(2 * t);
    const auto vg = sync::interpolate_to_grid(vals, times, {0.0, 0.05, 0.1, 0.2, 0.3});
    CHECK(vg[0] == doctest::Approx(0.0));
    CHECK(vg[1] == doctest::Approx(0.1));
    CHECK(vg[3] == doctest::Approx(0.4));
    CHECK(std::isnan(vg[4]));
    CHECK_THROWS_AS(sync::interpolate_to_grid({1, 2}, {0.1, 0.1}, {0.1}), syncdsp::invalid_argument);
    const auto d = sync::backward_difference({1, 3, 6});
    CHECK(std::isnan(d[0]));
    CHECK(d[2] == 3);
}

TEST_CASE("NCC and peak options: validate and to_string") {
    const auto n = sync::NccOptions::symmetric(10);
    CHECK_NOTHROW(n.validate());
    CHECK(n.to_string() == "NccOptions{lags=[-10, 10], normalisation=per_overlap, method=automatic, min_overlap=8}");
    sync::NccOptions bad;
    bad.min_lag = 5;
    bad.max_lag = 4;
    CHECK_THROWS_WITH_AS(bad.validate(), doctest::Contains("min_lag 5 > max_lag 4"), syncdsp::invalid_argument);
    sync::PeakOptions p;
    CHECK_NOTHROW(p.validate());
    CHECK(p.to_string() == "PeakOptions{guard_lags=2}");
    p.guard_lags = -1;
    CHECK_THROWS_WITH_AS(p.validate(), doctest::Contains("guard_lags -1 must be >= 0"), syncdsp::invalid_argument);
    sync::SearchOptions s;
    s.peak.guard_lags = -1;
    CHECK_THROWS_AS(s.validate(), syncdsp::invalid_argument);
}

}  // namespace test_xcorr
