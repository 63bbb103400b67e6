// Shot cuts (vision/shot_cut.hpp) on synthetic frames whose truth is known by construction: a hard
// cut between two different pictures is found at its frame and nowhere else; a slow cross-fade
// between the same two pictures, a bright object moving across a still picture, and sensor-like
// noise give no cut. (A real cut between two concatenated clips is tested in
// tests/pipeline/test_video_tracks.cpp.)
#include <cstdint>
#include <random>
#include <vector>

#include "support.hpp"
#include "syncdsp/vision/shot_cut.hpp"

namespace test_shot_cut {

using namespace syncdsp;
using namespace syncdsp::vision;

namespace {

constexpr std::size_t W = 96, H = 64;

// Picture A: a horizontal gradient (mid grays); picture B: dark with a bright band (different
// gray levels, so the histograms differ). `noise` adds +-noise to every pixel (seeded).
image<std::uint8_t> picture(char which, int noise, std::mt19937& rng) {
    image<std::uint8_t> f(W, H);
    std::uniform_int_distribution<int> n(-noise, noise);
    for (std::size_t y = 0; y < H; ++y)
        for (std::size_t x = 0; x < W; ++x) {
            int v = which == 'A' ? 80 + int(x) : (y > 20 && y < 34 ? 230 : 20);
            if (noise) v += n(rng);
            f.view().at(x, y) = std::uint8_t(std::clamp(v, 0, 255));
        }
    return f;
}

image<std::uint8_t> blend(const image<std::uint8_t>& a, const image<std::uint8_t>& b, double t) {
    image<std::uint8_t> f(W, H);
    for (std::size_t i = 0; i < f.size(); ++i) f.data()[i] = std::uint8_t(std::lround((1 - t) * a.data()[i] + t * b.data()[i]));
    return f;
}

std::vector<std::size_t> cuts_of(const std::vector<image<std::uint8_t>>& frames, const ShotCutOptions& o = {}) {
    shot_cut_detector d(o);
    std::vector<std::size_t> cuts;
    for (std::size_t k = 0; k < frames.size(); ++k)
        if (d.push(frames[k].view())) cuts.push_back(k);
    return cuts;
}

}  // namespace

TEST_CASE("a hard cut between two pictures is found at its frame, and only there") {
    std::mt19937 rng(1);
    std::vector<image<std::uint8_t>> frames;
    for (int k = 0; k < 30; ++k) frames.push_back(picture('A', 3, rng));
    for (int k = 0; k < 30; ++k) frames.push_back(picture('B', 3, rng));
    for (int k = 0; k < 30; ++k) frames.push_back(picture('A', 3, rng));
    CHECK(cuts_of(frames) == std::vector<std::size_t>{30, 60});
}

TEST_CASE("a slow cross-fade between the same pictures is not a cut") {
    std::mt19937 rng(2);
    const auto a = picture('A', 0, rng), b = picture('B', 0, rng);
    std::vector<image<std::uint8_t>> frames;
    for (int k = 0; k < 20; ++k) frames.push_back(a);
    for (int k = 1; k <= 40; ++k) frames.push_back(blend(a, b, k / 40.0));
    for (int k = 0; k < 20; ++k) frames.push_back(b);
    CHECK(cuts_of(frames).empty());
    // The same two pictures without the fade: one cut (the test can fail).
    std::vector<image<std::uint8_t>> hard(frames.begin(), frames.begin() + 20);
    for (int k = 0; k < 20; ++k) hard.push_back(b);
    CHECK(cuts_of(hard) == std::vector<std::size_t>{20});
}

TEST_CASE("a bright object moving across a still picture is not a cut") {
    std::mt19937 rng(3);
    const auto a = picture('A', 2, rng);
    std::vector<image<std::uint8_t>> frames;
    for (int k = 0; k < 60; ++k) {
        auto f = a;
        for (std::size_t y = 20; y < 44; ++y)
            for (std::size_t x = 0; x < 24; ++x) f.view().at((x + std::size_t(k)) % W, y) = 255;
        frames.push_back(f);
    }
    CHECK(cuts_of(frames).empty());
}

TEST_CASE("cuts closer than min_shot_frames count once; bad frames and options throw") {
    std::mt19937 rng(4);
    std::vector<image<std::uint8_t>> frames;
    for (int k = 0; k < 20; ++k) frames.push_back(picture('A', 2, rng));
    frames.push_back(picture('B', 2, rng));  // a one-frame flash
    for (int k = 0; k < 20; ++k) frames.push_back(picture('A', 2, rng));
    CHECK(cuts_of(frames) == std::vector<std::size_t>{20});
    ShotCutOptions o;
    o.min_shot_frames = 1;
    CHECK(cuts_of(frames, o) == std::vector<std::size_t>{20, 21});

    shot_cut_detector d;
    image<std::uint8_t> rgb(8, 8, 3), small(8, 8), other(9, 8);
    CHECK_THROWS_AS(d.push(rgb.view()), syncdsp::invalid_argument);
    CHECK_FALSE(d.push(small.view()));
    CHECK_THROWS_AS(d.push(other.view()), syncdsp::invalid_argument);
    o.bins = 1;
    CHECK_THROWS_AS(o.validate(), syncdsp::invalid_argument);
    CHECK(ShotCutOptions::standard().to_string().find("bins=32") != std::string::npos);
}

}  // namespace test_shot_cut
