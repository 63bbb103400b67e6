// Tracking and bad input: zero-lag smoothing (closed forms), gaps, tiny / blank images, boxes
// outside the image.
#include <cmath>
#include <vector>

#include "faces_common.hpp"
#include "syncdsp/nn/models/face_tracker.hpp"

namespace test_face_tracker {

using namespace syncdsp;

namespace {
std::vector<nn::tracked_face> ramp(std::size_t n) {
    std::vector<nn::tracked_face> t(n);
    for (std::size_t i = 0; i < n; ++i) {
        t[i].index = i;
        t[i].has_face = true;
        for (std::size_t p = 0; p < 68; ++p) t[i].main.landmarks.points[p] = syncdsp::point{2.0 * double(i) + double(p), 0.5 * double(i)};
    }
    return t;
}
}  // namespace

TEST_CASE("smooth_centered: a linear motion comes out unchanged (no lag), noise is reduced, gaps are kept") {
    auto t = ramp(30);
    const auto s = nn::smooth_centered(t, 3);
    for (std::size_t i = 0; i < t.size(); ++i)
        for (std::size_t p = 0; p < 68; p += 7) {
            CHECK(s[i].main.landmarks.points[p].x == doctest::Approx(t[i].main.landmarks.points[p].x).epsilon(1e-12));
            CHECK(s[i].main.landmarks.points[p].y == doctest::Approx(t[i].main.landmarks.points[p].y).epsilon(1e-12));
        }
    // Alternating +-1 noise on a constant: averaged down inside the run (window of 7: 1/7).
    for (std::size_t i = 0; i < t.size(); ++i) t[i].main.landmarks.points[0] = syncdsp::point{(i % 2) ? 1.0 : -1.0, 0};
    const auto n = nn::smooth_centered(t, 3);
    CHECK(std::abs(n[15].main.landmarks.points[0].x) == doctest::Approx(1.0 / 7));
    // A gap splits the runs: frames on either side are not mixed.
    auto g = ramp(10);
    g[5].has_face = false;
    const auto gs = nn::smooth_centered(g, 2);
    CHECK_FALSE(gs[5].has_face);
    CHECK(gs[4].main.landmarks.points[0].x == doctest::Approx(8.0));  // run end: window shrinks to itself
    CHECK(gs[6].main.landmarks.points[0].x == doctest::Approx(12.0));
}

TEST_CASE("faces: tiny, blank and odd-sized images give an empty result, bad boxes a clear error") {
    SYNCDSP_REQUIRE_FACE_MODELS_OR_SKIP(models);
    nn::FaceOptions o;
    o.models_dir = models;
    const nn::face_analyzer fa(o);
    for (std::size_t side : {1, 7, 31, 33}) {
        std::vector<std::uint8_t> px(side * (side + 3) * 3, 128);
        const nn::rgb8_view v{px.data(), side, side + 3, 3, side * 3};
        CHECK(fa.detect_faces(v).empty());
    }
    std::vector<std::uint8_t> black(640 * 360 * 3, 0);
    const nn::rgb8_view bv{black.data(), 640, 360, 3, 640 * 3};
    CHECK(fa.detect_faces(bv).empty());
    nn::face_tracker tr(fa, 5);
    const auto r = tr.push(bv, 0);
    CHECK_FALSE(r.has_face);
    CHECK(r.detected);
    CHECK_THROWS_AS(fa.landmarks(bv, syncdsp::box{700, 10, 50, 50}), invalid_argument);
    CHECK_THROWS_AS(fa.landmarks(bv, syncdsp::box{10, 10, 0.5, 50}), invalid_argument);
    CHECK_THROWS_AS(fa.landmarks(bv, syncdsp::box{NAN, 10, 50, 50}), invalid_argument);
    CHECK_THROWS_AS(fa.detect_faces(nn::rgb8_view{}), invalid_argument);
    CHECK_THROWS_AS(fa.detector().forward(bv, 100), invalid_argument);
    // A box partly outside is clipped like face-api does (landmarks still come back).
    CHECK_NOTHROW(fa.landmarks(bv, syncdsp::box{-20, -20, 60, 60}));
}

TEST_CASE("faces: options preset, validate and to_string (no models needed)") {
    auto f = nn::FaceOptions::faceapi();
    CHECK_NOTHROW(f.validate());
    CHECK(f.to_string() == "FaceOptions{detector_size=416, min_score=0.5, landmarks=full, models_dir=(default)}");
    f.min_score = -0.1;
    CHECK_THROWS_WITH_AS(f.validate(), doctest::Contains("min_score must be in [0, 1), got -0.1"), syncdsp::invalid_argument);
    // The analyzer checks its options before it looks for the model files.
    f.models_dir = "/nonexistent";
    CHECK_THROWS_AS(nn::face_analyzer{f}, syncdsp::invalid_argument);
}

}  // namespace test_face_tracker
