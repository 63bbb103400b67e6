// Band log energy (audio/band_energy.hpp), hop-centred framing and band_bins, against closed forms:
// an impulse (its spectrum is flat, |X_k|^2 = w[j]^2 at every bin, so the band sum is the bin
// count times the window value at the impulse), pure tones inside and outside the band (Parseval),
// and frames of exact zeros.
#include <cmath>
#include <limits>
#include <vector>

#include "support.hpp"
#include "syncdsp/audio/band_energy.hpp"

namespace test_band_energy {

using namespace syncdsp;
using namespace syncdsp::audio;

namespace {
constexpr double sr = 16000, pi = 3.14159265358979323846;

std::vector<float> tone(double hz, double amp, std::size_t n) {
    std::vector<float> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = float(amp * std::cos(2 * pi * hz * double(i) / sr));
    return x;
}
}  // namespace

TEST_CASE("band_bins: bins whose centre frequency lies in the band, high edge clipped to Nyquist") {
    // 16 kHz, 512-point FFT: 31.25 Hz per bin; 1000 Hz = bin 32, 4000 Hz = bin 128 (edges included).
    auto b = band_bins(1000, 4000, sr, 512);
    CHECK(b.first == 32);
    CHECK(b.last == 128);
    CHECK(b.size() == 97);
    b = band_bins(1010, 4020, sr, 512);  // 32.32 -> 33, 128.64 -> 128
    CHECK(b.first == 33);
    CHECK(b.last == 128);
    b = band_bins(300, 20000, sr, 512);  // 9.6 -> 10; clipped to Nyquist = bin 256
    CHECK(b.first == 10);
    CHECK(b.last == 256);
    CHECK(band_bins(1001, 1020, sr, 512).empty());  // 32.03 .. 32.64: no bin centre inside
    CHECK(band_bins(1001, 1020, sr, 512).size() == 0);
}

TEST_CASE("hop_centred_layout: frame t starts at t*hop - floor(L/2), one frame per centre inside the signal") {
    const frame_layout l = hop_centred_layout(400, 160);
    CHECK(l.offset == -200);
    CHECK(l.count(0) == 0);
    CHECK(l.count(1) == 1);
    CHECK(l.count(160) == 1);  // centres 0 only; 160 is past the last sample 159
    CHECK(l.count(161) == 2);
    CHECK(l.count(16000) == 100);
    CHECK(hop_centred_layout(401, 160).offset == -200);
}

TEST_CASE("band_log_energy: an impulse shows where each frame lies (centred on i*hop) and its exact value") {
    // x = delta at sample s = 1000; frame i covers [160 i - 200, 160 i + 200): frames 6 and 7 only.
    // Frame i sees the impulse at window index j = s - (160 i - 200); |X_k|^2 = w[j]^2 for every k,
    // so the band sum is 97 w[j]^2 (bins 32..128) with w[j] = 0.5 - 0.5 cos(2 pi j / 400).
    std::vector<float> x(3200, 0.f);
    x[1000] = 1.f;
    const auto e = band_log_energy(x.data(), x.size(), sr);
    REQUIRE(e.size() == 1 + (3200 - 1) / 160);
    for (std::size_t i = 0; i < e.size(); ++i) {
        CAPTURE(i);
        if (i == 6 || i == 7) {
            const double j = 1000.0 - (160.0 * double(i) - 200.0);
            const double w = 0.5 - 0.5 * std::cos(2 * pi * j / 400.0);
            // float spectra: 1e-5 relative on the power is 1e-5 absolute on its log
            CHECK(std::abs(e[i] - std::log(97 * w * w)) < 1e-5);
        } else {
            CHECK(std::isnan(e[i]));  // every sample of the frame is exactly 0: missing
        }
    }
    // An impulse on a frame centre meets the window's peak w[200] = 1: ln(97).
    std::vector<float> y(3200, 0.f);
    y[160 * 10] = 1.f;
    const auto f = band_log_energy(y.data(), y.size(), sr);
    CHECK(std::abs(f[10] - std::log(97.0)) < 1e-5);
}

TEST_CASE("band_log_energy: a tone inside the band carries its Parseval energy, one outside does not") {
    // A cosine of amplitude A at a bin centre (2000 Hz = bin 64) under a periodic Hann of L = 400:
    // the positive-frequency half of sum |X_k|^2 = N sum (x w)^2 is N A^2 sum(w^2) / 4, with
    // sum(w^2) = 3L/8 = 150 and N = 512: ln(512 * 0.25 * 150 / 4) = ln(4800). The cos^2 ripple and
    // the leakage outside bins 32..128 are below 1e-3 of that: tolerance 2e-3 on the log.
    const auto in = band_log_energy(tone(2000, 0.5, 16000), sr);
    REQUIRE(in.size() == 100);
    for (std::size_t i = 2; i + 2 < in.size(); ++i) CHECK(std::abs(in[i] - std::log(4800.0)) < 2e-3);
    // 300 Hz and 6 kHz lie 700 Hz / 2 kHz outside the band: only Hann sidelobes reach it, at least
    // 60 dB (6.9 nats) down.
    for (double hz : {300.0, 6000.0}) {
        CAPTURE(hz);
        const auto out = band_log_energy(tone(hz, 0.5, 16000), sr);
        for (std::size_t i = 2; i + 2 < out.size(); ++i) CHECK(out[i] < std::log(4800.0) - 6.9);
    }
}

TEST_CASE("band_log_energy: frames of exact zeros are NaN, a frame with one non-zero sample is not") {
    // Zeros in [0, 8000), a tone after: frame i (samples 160 i - 200 .. 160 i + 199) is all zero
    // exactly when 160 i + 199 < 8000, i.e. i <= 48.
    auto x = tone(2000, 0.5, 16000);
    std::fill(x.begin(), x.begin() + 8000, 0.f);
    const auto e = band_log_energy(x, sr);
    for (std::size_t i = 0; i < e.size(); ++i) {
        CAPTURE(i);
        CHECK(std::isnan(e[i]) == (i <= 48));
    }
    // True zeros in a non-silent frame are data: the floor applies, never -inf.
    std::vector<float> y(1600, 0.f);
    y[800] = 1e-30f;  // a denormal-scale sample: not digital silence
    const auto f = band_log_energy(y, sr);
    CHECK(f[5] == doctest::Approx(std::log(1e-10)).epsilon(1e-12));
    CHECK(std::isnan(f[0]));
}

TEST_CASE("band_log_energy: counts, options and errors") {
    std::vector<float> x(161, 0.25f);
    CHECK(band_log_energy(x.data(), 0, sr).empty());
    CHECK(band_log_energy(x.data(), 160, sr).size() == 1);
    CHECK(band_log_energy(x.data(), 161, sr).size() == 2);
    // Double input runs in double.
    std::vector<double> xd(x.begin(), x.end());
    const auto ed = band_log_energy(xd, sr), ef = band_log_energy(x, sr);
    CHECK(ed[0] == doctest::Approx(ef[0]).epsilon(1e-5));

    const BandEnergyOptions d = BandEnergyOptions::defaults();
    CHECK(d.window_length(sr) == 400);
    CHECK(d.hop_length(sr) == 160);
    CHECK(d.stft(sr).n_fft == 512);
    CHECK(d.stft(44100).win_length == 1103);  // 1102.5 rounds half away from zero
    CHECK(d.stft(44100).n_fft == 2048);
    CHECK(d.to_string() == "BandEnergyOptions{band=1000-4000 Hz, frame_ms=25 (hann), hop_ms=10, floor=1e-10}");

    x[50] = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_AS(band_log_energy(x, sr), syncdsp::invalid_argument);
    x[50] = 0;
    BandEnergyOptions o;
    o.high_hz = 9000;  // above Nyquist at 16 kHz
    CHECK_THROWS_AS(band_log_energy(x, sr, o), syncdsp::invalid_argument);
    o = {};
    o.low_hz = 4000;
    CHECK_THROWS_AS(o.validate(), syncdsp::invalid_argument);
    o = {};
    o.floor = 0;
    CHECK_THROWS_AS(o.validate(), syncdsp::invalid_argument);
    o = {};
    o.hop_ms = 0;
    CHECK_THROWS_AS(o.validate(), syncdsp::invalid_argument);
    CHECK_THROWS_AS(band_log_energy(x, 500.0), syncdsp::invalid_argument);  // too low a rate
    o = {};
    o.low_hz = 1001;
    o.high_hz = 1020;  // no bin centre inside at 16 kHz / 512
    CHECK_THROWS_AS(band_log_energy(x, sr, o), syncdsp::invalid_argument);
}

}  // namespace test_band_energy
