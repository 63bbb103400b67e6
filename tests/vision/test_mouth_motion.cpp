// The mouth opening rate (vision/mouth_motion.hpp): closed forms on hand-made flow fields, and
// synthetic mouths whose lips move apart by a known number of pixels per frame. Farneback flow of
// a smooth texture moving 1-2 px per frame is accurate to a few percent away from the boundary
// between the lips; the tolerances below (15 % of the expected rate, 0.1 px/frame for "no
// opening") leave room for the boundary rows only.
#include <cmath>
#include <cstdint>
#include <vector>

#include "support.hpp"
#include "syncdsp/vision/mouth.hpp"
#include "syncdsp/vision/mouth_motion.hpp"

namespace test_mouth_motion {

using namespace syncdsp;
using namespace syncdsp::vision;

namespace {

/// A smooth texture (values in ~[50, 210]).
double texture(double x, double y) {
    return 130 + 45 * std::sin(0.31 * x + 0.07 * y) * std::cos(0.23 * y) + 30 * std::sin(0.13 * x - 0.19 * y);
}

/// N frames of size S x S, gray. Inside the box (x0, y0, side), the upper half of the box moves up
/// and the lower half moves down by `px` per frame each (a mouth opening at 2 px / frame when
/// px = 1); outside the box the image is still. `scale` draws the same scene magnified.
tensor<std::uint8_t, 4> opening_mouth(std::size_t N, std::size_t S, long x0, long y0, long side, double px,
                                      double scale = 1) {
    tensor<std::uint8_t, 4> f = tensor<std::uint8_t, 4>::from_shape({N, S, S, 1});
    const double mid = double(y0) + double(side) / 2;
    for (std::size_t k = 0; k < N; ++k)
        for (std::size_t y = 0; y < S; ++y)
            for (std::size_t x = 0; x < S; ++x) {
                double Y = double(y);
                const bool inside = long(x) >= x0 && long(x) < x0 + side && long(y) >= y0 && long(y) < y0 + side;
                if (inside) Y += (Y < mid ? 1.0 : -1.0) * px * double(k);  // content at y came from y -+ k px
                f(k, y, x, 0) = std::uint8_t(std::lround(texture(double(x) / scale, Y / scale)));
            }
    return f;
}

}  // namespace

TEST_CASE("opening_rate and mean_flow_magnitude of hand-made flow fields") {
    // 4x4: top two rows dy = -1, bottom two dy = +1 (lips moving apart): 1 - (-1) = 2.
    image<float> flow(4, 4, 2, 0.f);
    for (std::size_t y = 0; y < 4; ++y)
        for (std::size_t x = 0; x < 4; ++x) flow.at(x, y, 1) = y < 2 ? -1.f : 1.f;
    CHECK(opening_rate(flow.view()) == 2.0);
    CHECK(mean_flow_magnitude(flow.view()) == 1.0);
    // Odd height: the middle row (dy = 9) is in neither half: 1 - (-2) = 3.
    image<float> g(3, 5, 2, 0.f);
    const float dy[5] = {-2, -2, 9, 1, 1};
    for (std::size_t y = 0; y < 5; ++y)
        for (std::size_t x = 0; x < 3; ++x) g.at(x, y, 1) = dy[y];
    CHECK(opening_rate(g.view()) == 3.0);
    // A 3-4-5 flow everywhere: magnitude 5, no opening (rigid motion).
    image<float> r(6, 6, 2, 0.f);
    for (std::size_t y = 0; y < 6; ++y)
        for (std::size_t x = 0; x < 6; ++x) r.at(x, y, 0) = 3.f, r.at(x, y, 1) = 4.f;
    CHECK(opening_rate(r.view()) == 0.0);
    CHECK(mean_flow_magnitude(r.view()) == 5.0);
    image<float> one_row(4, 1, 2, 0.f);
    CHECK(opening_rate(one_row.view()) == 0.0);
    image<float> gray(4, 4, 1, 0.f);
    CHECK_THROWS_AS(opening_rate(gray.view()), syncdsp::invalid_argument);
}

TEST_CASE("mouth_flow: a mouth opening by a known number of pixels per frame; row 0 is NaN") {
    // 96x96 frames, box (16, 16) 64x64 = the resized size: lips move apart 1 px each, rate 2 px/frame.
    const std::size_t N = 5;
    const auto frames = opening_mouth(N, 96, 16, 16, 64, 1.0);
    const auto m = mouth_flow(frames, {rect{16, 16, 64, 64}});
    REQUIRE(m.opening.size() == N);
    REQUIRE(m.magnitude.size() == N);
    CHECK(std::isnan(m.opening[0]));  // no previous frame: missing, not zero motion
    CHECK(std::isnan(m.magnitude[0]));
    for (std::size_t k = 1; k < N; ++k) {
        CAPTURE(k);
        CHECK(m.opening[k] == doctest::Approx(2.0).epsilon(0.15));
        CHECK(m.magnitude[k] == doctest::Approx(1.0).epsilon(0.15));
    }
    // Closing (the same frames backwards): the sign flips.
    tensor<std::uint8_t, 4> rev = frames;
    for (std::size_t k = 0; k < N; ++k)
        for (std::size_t i = 0; i < 96 * 96; ++i) rev.data()[k * 96 * 96 + i] = frames.data()[(N - 1 - k) * 96 * 96 + i];
    const auto c = mouth_flow(rev, {rect{16, 16, 64, 64}});
    for (std::size_t k = 1; k < N; ++k) CHECK(c.opening[k] == doctest::Approx(-2.0).epsilon(0.15));
}

TEST_CASE("mouth_flow: values are pixels of the resized box, whatever the video resolution") {
    // The same scene drawn twice as large (box 128 px, lips moving 2 px each) gives the same rate
    // in box pixels as the small one (box 64 px, 1 px each): 2 px/frame.
    const std::size_t N = 4;
    const auto small = opening_mouth(N, 96, 16, 16, 64, 1.0, 1.0);
    const auto large = opening_mouth(N, 192, 32, 32, 128, 2.0, 2.0);
    const auto a = mouth_flow(small, {rect{16, 16, 64, 64}});
    const auto b = mouth_flow(large, {rect{32, 32, 128, 128}});
    for (std::size_t k = 1; k < N; ++k) {
        CAPTURE(k);
        CHECK(b.opening[k] == doctest::Approx(2.0).epsilon(0.15));
        CHECK(std::abs(a.opening[k] - b.opening[k]) < 0.3);
    }
}

TEST_CASE("mouth_flow: a rigidly moving head reads as no opening; a moving box reads as no motion") {
    // The whole texture moves down 1 px per frame: opening ~0, magnitude ~1.
    const std::size_t N = 4, S = 96;
    tensor<std::uint8_t, 4> f = tensor<std::uint8_t, 4>::from_shape({N, S, S, 1});
    for (std::size_t k = 0; k < N; ++k)
        for (std::size_t y = 0; y < S; ++y)
            for (std::size_t x = 0; x < S; ++x)
                f(k, y, x, 0) = std::uint8_t(std::lround(texture(double(x), double(y) - double(k))));
    const auto m = mouth_flow(f, {rect{16, 16, 64, 64}});
    for (std::size_t k = 1; k < N; ++k) {
        CHECK(std::abs(m.opening[k]) < 0.1);
        CHECK(m.magnitude[k] == doctest::Approx(1.0).epsilon(0.1));
    }
    // A still image seen through a box that moves (3, 2) px per frame: both crops of a pair use the
    // later frame's box, so they are identical and the flow is Farneback's residual on identical
    // images (< 0.01 px here); had the box motion leaked in, it would read as 3.6 px/frame.
    tensor<std::uint8_t, 4> still = tensor<std::uint8_t, 4>::from_shape({N, S, S, 1});
    for (std::size_t k = 0; k < N; ++k)
        for (std::size_t i = 0; i < S * S; ++i) still.data()[k * S * S + i] = f.data()[i];
    std::vector<rect> boxes;
    for (std::size_t k = 0; k < N; ++k) boxes.push_back(rect{long(10 + 3 * k), long(12 + 2 * k), 64, 64});
    const auto s = mouth_flow(still, boxes);
    for (std::size_t k = 1; k < N; ++k) {
        CHECK(std::abs(s.opening[k]) < 0.05);
        CHECK(s.magnitude[k] < 0.05);
    }
}

TEST_CASE("mouth_flow: the cropper path equals the tensor path, and threads do not change a bit") {
    const std::size_t N = 6;
    const auto frames = opening_mouth(N, 96, 16, 16, 64, 1.0);
    std::vector<rect> boxes;
    for (std::size_t k = 0; k < N; ++k) boxes.push_back(rect{long(14 + k % 3), 16, 64, 60});
    MouthMotionOptions one;
    one.threads = 1;
    MouthMotionOptions two = one;
    two.threads = 2;
    const auto a = mouth_flow(frames, boxes, one);
    const auto b = mouth_flow(frames, boxes, two);
    mouth_cropper crops(boxes, 96, 96);
    for (std::size_t k = 0; k < N; ++k) crops.add(frame_view(frames, k));
    const auto c = mouth_flow(crops, one);
    for (std::size_t k = 1; k < N; ++k) {
        CHECK(a.opening[k] == b.opening[k]);
        CHECK(a.opening[k] == c.opening[k]);
        CHECK(a.magnitude[k] == b.magnitude[k]);
    }
    // Fewer than two frames: nothing to compare, all NaN.
    const auto single = mouth_flow(opening_mouth(1, 96, 16, 16, 64, 1.0), {rect{16, 16, 64, 64}});
    REQUIRE(single.opening.size() == 1);
    CHECK(std::isnan(single.opening[0]));
}

TEST_CASE("mouth motion: options, the face-crop box and errors") {
    const MouthMotionOptions d = MouthMotionOptions::defaults();
    CHECK(d.box_size == 64);
    CHECK(d.flow.winsize == 9);
    CHECK(d.flow.poly_sigma == 1.1);
    CHECK(d.to_string() ==
          "MouthMotionOptions{box_size=64, flow=farneback(pyr_scale=0.5, levels=3, winsize=9, iterations=3, "
          "poly_n=5, poly_sigma=1.1, box), threads=0}");
    // 224 x 224: side 0.43 * 224 = 96.32 -> 96, x = round(112 - 48.16) = 64, y = round(168 - 48.16) = 120.
    CHECK(face_crop_mouth_box(224, 224) == rect{64, 120, 96, 96});
    // 640 x 360: side 154.8 -> 155, x = round(320 - 77.4) = 243, y = round(270 - 77.4) = 193.
    CHECK(face_crop_mouth_box(640, 360) == rect{243, 193, 155, 155});
    CHECK_THROWS_AS(face_crop_mouth_box(4, 100), syncdsp::invalid_argument);

    const auto frames = opening_mouth(3, 96, 16, 16, 64, 1.0);
    CHECK_THROWS_AS(mouth_flow(frames, {rect{40, 40, 64, 64}}), syncdsp::invalid_argument);  // outside
    CHECK_THROWS_AS(mouth_flow(frames, {rect{0, 0, 0, 8}}), syncdsp::invalid_argument);      // empty
    CHECK_THROWS_AS(mouth_flow(frames, std::vector<rect>(2, rect{0, 0, 8, 8})), syncdsp::invalid_argument);
    MouthMotionOptions o;
    o.box_size = 8;
    CHECK_THROWS_AS(mouth_flow(frames, {rect{0, 0, 32, 32}}, o), syncdsp::invalid_argument);
    o = {};
    mouth_cropper crops({rect{0, 0, 32, 32}}, 96, 96, 32);
    CHECK_THROWS_AS(mouth_flow(crops, o), syncdsp::invalid_argument);  // crops of 32 px, options say 64
    CHECK_THROWS_AS(crops.prev_of(1), syncdsp::invalid_argument);      // no frames yet
}

}  // namespace test_mouth_motion
