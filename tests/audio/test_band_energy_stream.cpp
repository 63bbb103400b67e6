// audio/band_energy_stream.hpp against the one-shot band_log_energy() (audio/band_energy.hpp) on
// the same signal: the streaming form runs the same analyser on the same samples, so the frames must
// be bit for bit equal whatever the chunking (tolerance 0). The signal has digital silence in the
// middle (NaN frames) and is not a whole number of hops long (the last frames are padded).
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "support.hpp"
#include "syncdsp/audio/band_energy.hpp"
#include "syncdsp/audio/band_energy_stream.hpp"

namespace test_band_energy_stream {

using namespace syncdsp;

namespace {

std::vector<float> test_signal(std::size_t n) {
    std::mt19937 rng(7);
    std::normal_distribution<float> noise(0.f, 0.1f);
    std::vector<float> x(n);
    for (std::size_t i = 0; i < n; ++i)
        x[i] = 0.3f * float(std::sin(0.2 * double(i))) * float(0.5 + 0.5 * std::sin(double(i) / 900.0)) + noise(rng);
    for (std::size_t i = n / 3; i < n / 3 + 2000; ++i) x[i] = 0.f;  // digital silence: NaN frames
    return x;
}

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

}  // namespace

TEST_CASE("band_energy_stream equals band_log_energy for any chunking") {
    const auto x = test_signal(16000 * 3 + 77);
    const auto whole = audio::band_log_energy(x.data(), x.size(), 16000.0);
    REQUIRE(whole.size() == 1 + (x.size() - 1) / 160);
    std::size_t nan_frames = 0;
    for (double v : whole) nan_frames += std::isnan(v);
    REQUIRE(nan_frames > 5);  // the silent stretch is there
    for (std::size_t chunk : {std::size_t(1), std::size_t(7), std::size_t(160), std::size_t(801), std::size_t(100000)}) {
        CAPTURE(chunk);
        audio::band_energy_stream<float> s(16000.0);
        std::vector<double> got;
        for (std::size_t i = 0; i < x.size(); i += chunk) {
            s.accept(x.data() + i, std::min(chunk, x.size() - i));
            for (double v : s.pop()) got.push_back(v);
        }
        const std::size_t before_finish = got.size();
        s.finish();
        for (double v : s.pop()) got.push_back(v);
        CHECK(before_finish < whole.size());  // the padded tail waits for finish()
        REQUIRE(got.size() == whole.size());
        std::size_t differ = 0;
        for (std::size_t i = 0; i < got.size(); ++i) differ += !same(got[i], whole[i]);
        CHECK(differ == 0);
    }
}

TEST_CASE("band_energy_stream: frames come out as soon as their samples are in, and bad input throws") {
    audio::band_energy_stream<float> s(16000.0);
    std::vector<float> x(400 + 200, 0.1f);  // window 400 samples, centred frames: frame 1 needs samples up to 360
    s.accept(x.data(), x.size());
    CHECK(s.pop().size() == 3);             // frames 0, 1, 2 (frame 2 ends at sample 520 <= 600)
    float bad = std::nanf("");
    CHECK_THROWS_AS(s.accept(&bad, 1), invalid_argument);
    s.finish();
    CHECK_THROWS_AS(s.accept(x.data(), 1), invalid_argument);
}

}  // namespace test_band_energy_stream
