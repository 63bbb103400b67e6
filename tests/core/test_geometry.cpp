// Tests of core/geometry.hpp: boxes, pixel rectangles, and the landmark track with its rows.
#include <cmath>
#include <limits>
#include <vector>

#include "support.hpp"
#include "syncdsp/core/geometry.hpp"

namespace test_geometry {

using namespace syncdsp;

TEST_CASE("geometry: box and rect, iou, clipping and the floor rule") {
    const box b{10.5, -2.25, 20, 30.75};
    CHECK(b.right() == 30.5);
    CHECK(b.bottom() == 28.5);
    CHECK(b.area() == 20 * 30.75);
    CHECK(iou(b, b) == 1.0);
    CHECK(iou(box{0, 0, 10, 10}, box{5, 0, 10, 10}) == doctest::Approx(50.0 / 150.0));
    CHECK(iou(box{0, 0, 10, 10}, box{20, 20, 5, 5}) == 0.0);
    CHECK(iou(box{}, box{}) == 0.0);

    // face-api's Box.clipAtImageBorders then Box.floor: (10.5, 0) 20 x 28.5 -> (10, 0) 20 x 28.
    const box c = clip_to_image(b, 640, 480);
    CHECK(c.x == 10.5);
    CHECK(c.y == 0);
    CHECK(c.width == 20);
    CHECK(c.height == 28.5);
    CHECK(to_rect(c) == rect{10, 0, 20, 28});
    CHECK(to_rect(box{-0.5, 1.999, 3.5, 4}) == rect{-1, 1, 3, 4});  // floor, not truncation
    CHECK(clip_to_image(box{630, 470, 40, 40}, 640, 480).width == 10);
    CHECK(to_rect(clip_to_image(box{700, 10, 50, 50}, 640, 480)).empty());  // nothing inside

    const rect r{3, 4, 5, 6};
    CHECK(to_rect(to_box(r)) == r);
    CHECK_FALSE(r.empty());
    CHECK(rect{1, 1, 0, 5}.empty());
    CHECK_THROWS_WITH_AS(to_rect(box{std::nan(""), 0, 1, 1}), doctest::Contains("[syncdsp.invalid_argument.geometry]"),
                         syncdsp::invalid_argument);
    CHECK_THROWS_AS(to_rect(box{1e300, 0, 1, 1}), syncdsp::invalid_argument);
}

namespace {

landmark_rows two_rows() {
    landmark_rows r;
    r.frame = {1, 3};
    r.points = tensor<float, 3>::from_shape({2, 2, 2});
    const float v[] = {1, 2, 3, 4, 5, 6, 7, 8};
    std::copy(v, v + 8, r.points.begin());
    return r;
}

}  // namespace

TEST_CASE("geometry: a landmark track from rows and back") {
    const auto t = landmark_track::from_rows(two_rows(), 5);
    CHECK(t.source == "file");
    CHECK(t.frames() == 5);
    CHECK(t.point_count() == 2);
    CHECK(t.with_landmarks() == 2);
    CHECK(t.has == std::vector<std::uint8_t>{0, 1, 0, 1, 0});
    CHECK(t.frame_points(3)[0] == 5);
    CHECK(t.points(1, 1, 1) == 4);
    CHECK(std::isnan(t.points(0, 0, 0)));
    CHECK(std::isnan(t.points(4, 1, 1)));

    const landmark_rows back = t.to_rows();
    CHECK(back.frame == std::vector<std::int64_t>{1, 3});
    CHECK(back.points == two_rows().points);

    // Rows outside the frames, and rows with a non-finite coordinate, leave their frame empty.
    const auto short_track = landmark_track::from_rows(two_rows(), 3, "detector");
    CHECK(short_track.source == "detector");
    CHECK(short_track.has == std::vector<std::uint8_t>{0, 1, 0});
    auto bad = two_rows();
    bad.points(0, 1, 0) = std::numeric_limits<float>::infinity();
    CHECK(landmark_track::from_rows(bad, 5).has == std::vector<std::uint8_t>{0, 0, 0, 1, 0});
    bad.frame = {1};
    CHECK_THROWS_AS(landmark_track::from_rows(bad, 5), syncdsp::invalid_argument);

    const auto empty = landmark_track::from_rows(landmark_rows{}, 0);
    CHECK(empty.frames() == 0);
    CHECK(empty.to_rows().rows() == 0);
}

TEST_CASE("geometry: a landmark track from per-frame points") {
    const std::vector<point> pts = {{1, 2}, {3, 4}, {-1, -1}, {-1, -1}, {5.5, 6.25}, {7, 8}};
    const auto t = landmark_track::from_points({1, 0, 1}, pts, 2, "detector");
    CHECK(t.frames() == 3);
    CHECK(t.with_landmarks() == 2);
    CHECK(t.points(0, 1, 0) == 3);
    CHECK(t.points(2, 0, 1) == 6.25f);
    CHECK(std::isnan(t.points(1, 0, 0)));  // the points of a frame without landmarks are not kept
    CHECK_THROWS_AS(landmark_track::from_points({1, 0}, pts, 2, "detector"), syncdsp::invalid_argument);
}

}  // namespace test_geometry
