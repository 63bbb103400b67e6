// Windows, framing and the STFT against closed forms (no golden file needed):
// window values from their formulas, numpy.pad-style padding indices, frame counts of each
// convention (RESULTS.md / docs/audio.md table), and the DFT of an on-bin cosine.
#include "audio_support.hpp"

namespace test_stft_basics {

using namespace syncdsp;
using namespace syncdsp::audio;

TEST_CASE("windows follow their formulas (periodic vs symmetric)") {
    const auto hp = make_window<double>(window_type::hann, 8, true);
    const auto hs = make_window<double>(window_type::hann, 9, false);
    for (std::size_t n = 0; n < 8; ++n) {
        CHECK(hp(n) == doctest::Approx(0.5 - 0.5 * std::cos(2 * M_PI * double(n) / 8)).epsilon(1e-15));
        CHECK(hs(n) == doctest::Approx(hp(n)).epsilon(1e-15));  // symmetric L=9 starts like periodic L=8
    }
    CHECK(hs(8) == doctest::Approx(0.0));
    const auto hm = make_window<double>(window_type::hamming, 5, false);
    CHECK(hm(0) == doctest::Approx(0.08));
    CHECK(hm(2) == doctest::Approx(1.0));
    const auto pv = make_window<double>(window_type::povey, 5, false);
    CHECK(pv(1) == doctest::Approx(std::pow(0.5 - 0.5 * std::cos(2 * M_PI / 4), 0.85)));
    CHECK(make_window<double>(window_type::hann, 1, false)(0) == 1.0);
}

TEST_CASE("frame counts and padding of the three framing conventions") {
    // N = 960000 (60 s) and 250880 (LRS3): psf 5999 / 1567, Kaldi 5998 / 1566, librosa hop 160
    // 6001 / 1569 and hop 512 1876 / 491 (the anchors' table).
    CHECK(zero_tail_layout(400, 160).count(960000) == 5999);
    CHECK(zero_tail_layout(400, 160).count(250880) == 1567);
    CHECK(zero_tail_layout(400, 160).count(10) == 1);
    CHECK(snip_edges_layout(400, 160).count(960000) == 5998);
    CHECK(snip_edges_layout(400, 160).count(250880) == 1566);
    CHECK(snip_edges_layout(400, 160).count(399) == 0);
    CHECK(centered_layout(512, 400, 160, pad_mode::constant).count(960000) == 6001);
    CHECK(centered_layout(512, 400, 160, pad_mode::constant).count(250880) == 1569);
    CHECK(centered_layout(2048, 2048, 512, pad_mode::constant).count(250880) == 491);
    // numpy.pad semantics on [0 1 2 3]: reflect -> 3 2 1 | 0 1 2 3 | 2 1 0 ; edge -> 0 0 | ... | 3 3
    tensor<double, 1> x = {0, 1, 2, 3};
    frame_layout f = centered_layout(6, 6, 1, pad_mode::reflect);  // pad 3 each side
    const auto fr = frame_signal(x, f);
    REQUIRE(fr.shape()[0] == 1 + (4 + 6 - 6) / 1);
    const double want0[6] = {3, 2, 1, 0, 1, 2};
    for (std::size_t i = 0; i < 6; ++i) CHECK(fr(0, i) == want0[i]);
    const double want_last[6] = {1, 2, 3, 2, 1, 0};
    for (std::size_t i = 0; i < 6; ++i) CHECK(fr(4, i) == want_last[i]);
    f.pad = pad_mode::edge;
    const auto fe = frame_signal(x, f);
    CHECK(fe(0, 0) == 0);
    CHECK(fe(4, 5) == 3);
    const auto ft = frame_signal(x, zero_tail_layout(3, 2));  // [0 1 2] [2 3 0]
    REQUIRE(ft.shape()[0] == 2);
    CHECK(ft(1, 0) == 2);
    CHECK(ft(1, 2) == 0);
}

TEST_CASE("spectrogram of an on-bin cosine: |X_k| = A N / 2 at bin k, ~0 elsewhere") {
    const std::size_t N = 256, k0 = 10;
    tensor<double, 1> x = tensor<double, 1>::from_shape({4 * N});
    for (std::size_t i = 0; i < x.size(); ++i) x(i) = 0.5 * std::cos(2 * M_PI * double(k0 * i) / double(N));
    StftOptions o;
    o.n_fft = o.win_length = N;
    o.hop_length = N;
    o.framing = framing_mode::snip_edges;
    o.window = window_type::rectangular;
    o.power = 1;
    const auto s = spectrogram(x, o);
    REQUIRE(s.shape()[0] == 4);
    REQUIRE(s.shape()[1] == N / 2 + 1);
    for (std::size_t t = 0; t < 4; ++t)
        for (std::size_t k = 0; k <= N / 2; ++k) CHECK(s(t, k) == doctest::Approx(k == k0 ? 0.5 * N / 2 : 0.0).epsilon(1e-9).scale(1));
    o.power = 2;
    o.scale = 1.0 / double(N);
    CHECK(spectrogram(x, o)(0, k0) == doctest::Approx(64.0 * 64.0 / 256.0));
}

TEST_CASE("pre-emphasis: whole signal and per frame") {
    tensor<double, 1> x = {1, 2, 4};
    const auto y = preemphasis(x, 0.5);
    CHECK(y(0) == 1);
    CHECK(y(1) == 1.5);
    CHECK(y(2) == 3);
    double f[3] = {1, 2, 4};
    preemphasize_frame(f, 3, 0.5);
    CHECK(f[0] == 0.5);  // x[-1] := x[0]
    CHECK(f[1] == 1.5);
    CHECK(f[2] == 3);
}

}  // namespace test_stft_basics
