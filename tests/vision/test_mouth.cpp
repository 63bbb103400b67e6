// Mouth geometry (MAR, mouth ROI), landmark files and lip-motion features.
// Expected values are hand-computed closed forms (given next to each check), plus one numpy
// reference for the lip-motion features (tests/golden/vision/lipfeat_mouth_box.npy).
#include <cmath>
#include <string>
#include <vector>

#include "support.hpp"
#include "syncdsp/io/file.hpp"
#include "syncdsp/io/landmarks.hpp"
#include "syncdsp/io/npy.hpp"
#include "syncdsp/vision/lip_motion.hpp"
#include "syncdsp/vision/mouth.hpp"
#include "syncdsp/vision/mouth_motion.hpp"

namespace test_mouth {

using namespace syncdsp;
using namespace syncdsp::vision;

namespace {

/// 68 points, all at (50, 50) except the mouth: outer lip corners (-1,0)/(5,0), vertical pairs
/// 50/58 (x=1, +-2), 51/57 (x=2, +-3), 52/56 (x=3, +-2); inner corners (0,0)/(4,0), pairs 61/67
/// (x=1, +-1), 62/66 (x=2, +-1.5), 63/65 (x=3, +-1); then scaled by `s` and moved by (ox, oy).
/// MAR_outer = (4 + 6 + 4) / (3 * 6) = 7/9; MAR_inner = (2 + 3 + 2) / (3 * 4) = 7/12.
std::vector<float> face(double s = 1, double ox = 0, double oy = 0, double angle = 0) {
    std::vector<double> p(136, 50.0);
    auto set = [&](int i, double x, double y) { p[2 * i] = x; p[2 * i + 1] = y; };
    set(48, -1, 0); set(54, 5, 0);
    set(49, 0, -1.5); set(53, 4, -1.5); set(55, 4, 1.5); set(59, 0, 1.5);
    set(50, 1, -2); set(58, 1, 2);
    set(51, 2, -3); set(57, 2, 3);
    set(52, 3, -2); set(56, 3, 2);
    set(60, 0, 0); set(64, 4, 0);
    set(61, 1, -1); set(67, 1, 1);
    set(62, 2, -1.5); set(66, 2, 1.5);
    set(63, 3, -1); set(65, 3, 1);
    std::vector<float> out(136);
    const double c = std::cos(angle), sn = std::sin(angle);
    for (int i = 0; i < 68; ++i) {
        double x = p[2 * i], y = p[2 * i + 1];
        if (i >= 48) {
            const double xr = c * x - sn * y, yr = sn * x + c * y;
            x = xr * s + ox;
            y = yr * s + oy;
        }
        out[std::size_t(2 * i)] = float(x);
        out[std::size_t(2 * i + 1)] = float(y);
    }
    return out;
}

std::string csv_row(long frame, const std::vector<float>& pts) {
    std::string s = std::to_string(frame);
    for (float v : pts) s += "," + std::to_string(v);
    return s + "\n";
}

}  // namespace

TEST_CASE("MAR: hand-computed inner and outer values, 68 and 20 points, rotation and scale invariant") {
    const auto f = face();
    CHECK(mouth_aspect_ratio(f.data(), 68, mar_kind::inner) == doctest::Approx(7.0 / 12.0).epsilon(1e-6));
    CHECK(mouth_aspect_ratio(f.data(), 68, mar_kind::outer) == doctest::Approx(7.0 / 9.0).epsilon(1e-6));
    const std::vector<float> mouth(f.begin() + 96, f.end());  // points 48..67
    CHECK(mouth_aspect_ratio(mouth.data(), 20, mar_kind::inner) == doctest::Approx(7.0 / 12.0).epsilon(1e-6));
    const auto g = face(3.5, 120, 90, 0.4);
    CHECK(mouth_aspect_ratio(g.data(), 68, mar_kind::inner) == doctest::Approx(7.0 / 12.0).epsilon(1e-5));
    CHECK(mouth_aspect_ratio(g.data(), 68, mar_kind::outer) == doctest::Approx(7.0 / 9.0).epsilon(1e-5));
    // Errors: wrong count, NaN, coincident corners.
    CHECK_THROWS_AS(mouth_aspect_ratio(f.data(), 30), syncdsp::invalid_argument);
    auto bad = f;
    bad[2 * 62] = std::nanf("");
    CHECK_THROWS_AS(mouth_aspect_ratio(bad.data(), 68), syncdsp::invalid_argument);
    auto closed = f;
    closed[2 * 64] = closed[2 * 60];
    CHECK_THROWS_AS(mouth_aspect_ratio(closed.data(), 68, mar_kind::inner), syncdsp::invalid_argument);
}

TEST_CASE("mouth ROI: square, margin, clamped, one size for a track, smoothed centre") {
    // Scaled by 4 and moved by (100, 80): mouth box x in [96, 120], y in [68, 92] -> centre
    // (108, 80), side 24 * (1 + 2 * 0.25) = 36 -> x = 108 - 18 = 90, y = 80 - 18 = 62.
    const auto f = face(4, 100, 80);
    MouthRoiOptions o;
    CHECK(mouth_roi(f.data(), 68, 640, 480, o) == rect{90, 62, 36, 36});
    // Clamped into a 120x100 frame: x <= 120 - 36 = 84.
    CHECK(mouth_roi(f.data(), 68, 120, 100, o) == rect{84, 62, 36, 36});
    // Larger than the frame: the side shrinks to the frame.
    CHECK(mouth_roi(f.data(), 68, 30, 40, o) == rect{0, 10, 30, 30});  // y = min(80 - 15, 40 - 30)
    // A track: one jittery frame does not change the size (median) and is smoothed.
    const std::size_t rows = 5;
    tensor<float, 3> pts = tensor<float, 3>::from_shape({rows, 68, 2});
    for (std::size_t r = 0; r < rows; ++r) {
        const auto g = r == 2 ? face(6, 110, 80) : face(4, 100, 80);
        std::copy(g.begin(), g.end(), pts.data() + r * 136);
    }
    o.smooth = 5;
    const auto rois = mouth_rois(pts, 640, 480, o);
    REQUIRE(rois.size() == rows);
    for (const auto& r : rois) {
        CHECK(r.width == 36);
        CHECK(r.height == 36);
    }
    // Centre of row 2 = mean of its 5 neighbours' centres: (4 * 108 + (110 + 6 * 2)) / 5 = 110.8
    // -> x = lround(110.8 - 18) = 93.
    CHECK(rois[2].x == 93);
    CHECK_THROWS_AS(mouth_rois(pts, 0, 480, o), syncdsp::invalid_argument);
}

TEST_CASE("landmark CSV: header optional, errors with line numbers, warnings outside the frame") {
    const auto f = face(4, 100, 80);
    std::string text = "frame";
    for (int p = 0; p < 68; ++p) text += ",x" + std::to_string(p) + ",y" + std::to_string(p);
    text += "\n" + csv_row(0, f) + csv_row(2, f);
    const auto t = io::parse_landmarks_csv(text, "a.csv");
    CHECK(t.rows() == 2);
    CHECK(t.point_count() == 68);
    CHECK(t.frame[1] == 2);
    CHECK(t.points(1, 51, 1) == doctest::Approx(f[103]));
    // No header: same result.
    const auto t2 = io::parse_landmarks_csv(csv_row(0, f) + csv_row(2, f), "b.csv");
    CHECK(t2.rows() == 2);
    // Round trip through the writer (9 significant digits keep floats exact).
    const auto t3 = io::parse_landmarks_csv(io::format_landmarks_csv(t), "c.csv");
    CHECK(std::equal(t.points.begin(), t.points.end(), t3.points.begin()));
    // Wrong count on line 3.
    std::string bad = csv_row(0, f) + csv_row(1, f);
    bad.insert(bad.size() - 1, ",1.0");
    try {
        io::parse_landmarks_csv(csv_row(5, f) + bad, "bad.csv");
        FAIL("no throw");
    } catch (const syncdsp::parse_error& e) {
        CHECK(std::string(e.what()).find("bad.csv:3") != std::string::npos);
    }
    // NaN, text, decreasing frames, wrong point count.
    auto nanf = f;
    nanf[10] = std::nanf("");
    CHECK_THROWS_AS(io::parse_landmarks_csv(csv_row(0, nanf), "n.csv"), syncdsp::parse_error);
    CHECK_THROWS_AS(io::parse_landmarks_csv("0,1,2,abc,4\n", "t.csv"), syncdsp::parse_error);
    CHECK_THROWS_AS(io::parse_landmarks_csv(csv_row(3, f) + csv_row(3, f), "d.csv"), syncdsp::parse_error);
    CHECK_THROWS_AS(io::parse_landmarks_csv("0,1,2,3,4\n", "p.csv"), syncdsp::parse_error);
    CHECK_THROWS_AS(io::parse_landmarks_csv("", "e.csv"), syncdsp::parse_error);
    io::LandmarkReadOptions any;
    any.any_point_count = true;
    CHECK(io::parse_landmarks_csv("0,1,2,3,4\n", "p.csv", any).point_count() == 2);
    // 20 mouth points are accepted.
    const std::vector<float> mouth(f.begin() + 96, f.end());
    CHECK(io::parse_landmarks_csv(csv_row(0, mouth), "m.csv").point_count() == 20);
    // Out-of-frame points are warnings, not errors (points at 50,50 are inside a 640x480 frame,
    // the mouth at x ~ 100..120 is outside a 110-wide one).
    io::LandmarkReadOptions bounds;
    bounds.frame_width = 110;
    bounds.frame_height = 480;
    const auto w = io::parse_landmarks_csv(csv_row(0, f), "w.csv", bounds);
    CHECK(!w.warnings.empty());
    CHECK(w.rows() == 1);
}

TEST_CASE("landmark JSON and OpenFace CSV") {
    const auto f = face(4, 100, 80);
    io::landmark_file t = io::parse_landmarks_csv(csv_row(0, f) + csv_row(1, f), "a.csv");
    const auto js = io::format_landmarks_json(t);
    const auto back = io::parse_landmarks_json(js, "a.json");
    CHECK(back.rows() == 2);
    CHECK(std::equal(t.points.begin(), t.points.end(), back.points.begin()));
    CHECK_THROWS_AS(io::parse_landmarks_json("{\"frames\": [{\"frame\": 0, \"landmarks\": [[1, 2], [3]]}]}", "b.json"),
                    syncdsp::parse_error);
    CHECK_THROWS_AS(io::parse_landmarks_json("{\"frames\": 3}", "c.json"), syncdsp::parse_error);
    CHECK_THROWS_AS(io::parse_landmarks_json("{not json", "d.json"), syncdsp::parse_error);

    // OpenFace: spaces after commas in the header, 1-based frames, a failed row, two faces.
    std::string of = "frame, face_id, timestamp, confidence, success";
    for (int p = 0; p < 68; ++p) of += ", x_" + std::to_string(p);
    for (int p = 0; p < 68; ++p) of += ", y_" + std::to_string(p);
    of += "\n";
    auto row = [&](int frame, int face_id, int success, double dx) {
        std::string s = std::to_string(frame) + ", " + std::to_string(face_id) + ", 0.04, 0.98, " + std::to_string(success);
        for (int p = 0; p < 68; ++p) s += ", " + std::to_string(f[std::size_t(2 * p)] + dx);
        for (int p = 0; p < 68; ++p) s += ", " + std::to_string(f[std::size_t(2 * p + 1)]);
        return s + "\n";
    };
    of += row(1, 0, 1, 0) + row(2, 0, 0, 0) + row(3, 1, 1, 7) + row(3, 0, 1, 0);
    const auto o = io::parse_landmarks_openface(of, "of.csv");
    REQUIRE(o.rows() == 2);
    CHECK(o.frame[0] == 0);
    CHECK(o.frame[1] == 2);
    CHECK(o.points(1, 48, 0) == doctest::Approx(f[96]).epsilon(1e-5));  // face 0 kept, not face 1 (+7)
    CHECK(o.warnings.size() == 1);

    // read_landmarks picks the format from the content.
    const std::string p1 = syncdsp::test::scratch("lm_openface.csv"), p2 = syncdsp::test::scratch("lm.json");
    io::write_file_atomic(p1, of.data(), of.size());
    io::write_landmarks_json(p2, t);
    CHECK(io::read_landmarks(p1).rows() == 2);
    CHECK(io::read_landmarks(p2).rows() == 2);
}

TEST_CASE("lip-motion features of a hand-made flow field") {
    // 4x4 field: top two rows dy = -1, bottom two dy = +1, dx = 0 (lips moving apart).
    image<float> flow(4, 4, 2, 0.f);
    for (std::size_t y = 0; y < 4; ++y)
        for (std::size_t x = 0; x < 4; ++x) flow.at(x, y, 1) = y < 2 ? -1.f : 1.f;
    LipMotionOptions o;
    std::vector<double> f(o.feature_count());
    flow_region_features(flow, rect{}, o, f.data());
    CHECK(f[0] == doctest::Approx(0));    // mean dy
    CHECK(f[1] == doctest::Approx(1));    // mean |dy|
    CHECK(f[2] == doctest::Approx(1));    // mean magnitude
    CHECK(f[3] == doctest::Approx(2));    // lower (+1) minus upper (-1)
    CHECK(f[4] == doctest::Approx(0));    // hist: magnitude 1 is in bin [1, 2)
    CHECK(f[5] == doctest::Approx(1));
    // A 3x3 sub-region at (1, 1) with 5 rows: odd height, the middle row belongs to neither half.
    image<float> g(3, 5, 2, 0.f);
    for (std::size_t x = 0; x < 3; ++x) {
        g.at(x, 0, 1) = -2; g.at(x, 1, 1) = -2; g.at(x, 2, 1) = 9; g.at(x, 3, 1) = 1; g.at(x, 4, 1) = 1;
        g.at(x, 2, 0) = 0;
    }
    flow_region_features(g, rect{}, o, f.data());
    CHECK(f[0] == doctest::Approx((-4 + 9 + 2) / 5.0));
    CHECK(f[3] == doctest::Approx(1 - (-2)));
    CHECK(f[7] == doctest::Approx(3.0 / 15));  // the three 9s are beyond the range: last bin
    CHECK_THROWS_AS(flow_region_features(g, rect{1, 1, 0, 2}, o, f.data()), syncdsp::invalid_argument);
    CHECK_THROWS_AS(flow_region_features(g, rect{2, 2, 3, 3}, o, f.data()), syncdsp::invalid_argument);
}

TEST_CASE("lip-motion features of a texture moving down 1 px per frame") {
    const std::size_t N = 4, H = 72, W = 72;
    tensor<std::uint8_t, 4> frames = tensor<std::uint8_t, 4>::from_shape({N, H, W, 1});
    for (std::size_t i = 0; i < N; ++i)
        for (std::size_t y = 0; y < H; ++y)
            for (std::size_t x = 0; x < W; ++x) {
                const double Y = double(y) - double(i);  // content moves down by 1 px per frame
                frames(i, y, x, 0) = std::uint8_t(128 + 50 * std::sin(0.3 * double(x)) * std::cos(0.25 * Y) +
                                                  30 * std::sin(0.11 * double(x) + 0.17 * Y));
            }
    const std::vector<rect> regions(N, rect{4, 4, 64, 64});
    LipMotionOptions o;
    const auto feats = lip_motion_features(frames, regions, o);
    REQUIRE(feats.shape()[0] == N);
    REQUIRE(feats.shape()[1] == 8);
    for (std::size_t k = 0; k < 8; ++k) CHECK(std::isnan(feats(0, k)));  // no previous frame: missing
    for (std::size_t i = 1; i < N; ++i) {
        CHECK(feats(i, 0) == doctest::Approx(1.0).epsilon(0.05));  // mean dy ~ +1 px/frame
        CHECK(std::abs(feats(i, 3)) < 0.1);                         // rigid motion: no opening
    }
    // The opening_rate column is mouth_motion.hpp's opening rate, bit for bit.
    const auto m = mouth_flow(frames, regions, o.motion);
    for (std::size_t i = 1; i < N; ++i) CHECK(feats(i, 3) == m.opening[i]);
    o.motion.threads = 2;
    const auto again = lip_motion_features(frames, regions, o);
    for (std::size_t i = 8; i < feats.size(); ++i) CHECK(again.data()[i] == feats.data()[i]);
    // Regions of different sizes are fine (each crop is resized to the box); one region serves all.
    auto mixed = regions;
    mixed[2] = rect{4, 4, 60, 64};
    CHECK(lip_motion_features(frames, mixed, o).shape()[0] == N);
    CHECK(lip_motion_features(frames, {regions[0]}, o)(2, 3) == feats(2, 3));
    // Bad regions.
    auto outside = regions;
    outside[1] = rect{20, 20, 64, 64};
    CHECK_THROWS_AS(lip_motion_features(frames, outside, o), syncdsp::invalid_argument);
    CHECK_THROWS_AS(lip_motion_features(frames, std::vector<rect>(2, regions[0]), o), syncdsp::invalid_argument);
    // Regions known at some frames only: nearest frame (earlier on ties).
    const auto r = regions_for_frames({1, 4}, {rect{1, 1, 2, 2}, rect{5, 5, 2, 2}}, 6);
    CHECK(r[0].x == 1);
    CHECK(r[2].x == 1);
    CHECK(r[3].x == 5);
    CHECK(r[5].x == 5);
}

TEST_CASE("lip-motion features agree with an independent numpy implementation on OpenCV's flow") {
    // tests/golden/vision/lipfeat_mouth_box.npy: numpy (scripts/golden/gen_vision.py, lip_features)
    // applied to OpenCV's flow of the real mouth pair; rows = whole field, region (10, 20, 60x51).
    // Both sides sum the same float flow in double: agreement to 1e-9 relative.
    const auto fl = io::read_npy<float>(syncdsp::test::golden("vision/flow_mouth_box.npy"));
    const auto ref = io::read_npy<double>(syncdsp::test::golden("vision/lipfeat_mouth_box.npy"));
    REQUIRE(ref.shape()[1] == 8);
    image<float> flow(fl.shape()[1], fl.shape()[0], 2);
    std::copy(fl.begin(), fl.end(), flow.data());
    LipMotionOptions o;
    const rect regions[2] = {rect{}, rect{10, 20, 60, 51}};
    for (std::size_t r = 0; r < 2; ++r) {
        std::vector<double> f(o.feature_count());
        flow_region_features(flow, regions[r], o, f.data());
        for (std::size_t k = 0; k < 8; ++k) {
            INFO("region " << r << " feature " << k);
            CHECK(f[k] == doctest::Approx(ref(r, k)).epsilon(1e-9));
        }
    }
}

TEST_CASE("mouth roi and lip motion options: validate and to_string") {
    MouthRoiOptions o;
    CHECK_NOTHROW(o.validate());
    CHECK(o.to_string() == "MouthRoiOptions{margin=0.25, smooth=5, min_side=16}");
    o.smooth = 0;
    CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("smooth must be >= 1"), syncdsp::invalid_argument);
    const std::vector<float> pts(136, 10.f);
    CHECK_THROWS_AS(mouth_roi(pts.data(), 68, 640, 480, o), syncdsp::invalid_argument);
    o = MouthRoiOptions{};
    o.margin = -1;
    CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("margin must be in [0, 10], got -1"), syncdsp::invalid_argument);

    LipMotionOptions l;
    CHECK_NOTHROW(l.validate());
    CHECK(l.to_string().rfind("LipMotionOptions{MouthMotionOptions{box_size=64", 0) == 0);
    CHECK(l.to_string().find("histogram_bins=4, histogram_max=4}") != std::string::npos);
    l.histogram_max = 0;
    CHECK_THROWS_WITH_AS(l.validate(), doctest::Contains("histogram_max must be > 0, got 0"), syncdsp::invalid_argument);
}

TEST_CASE("landmark read options: validate and to_string") {
    io::LandmarkReadOptions o;
    CHECK_NOTHROW(o.validate());
    CHECK(o.to_string() == "LandmarkReadOptions{points=68 or 20, frame=unchecked, max_warnings=20}");
    const auto f = io::LandmarkReadOptions::for_frame(640, 480);
    CHECK(f.to_string() == "LandmarkReadOptions{points=68 or 20, frame=640x480, max_warnings=20}");
    o.frame_width = 640;  // the height is missing
    CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("frame_width and frame_height"), syncdsp::invalid_argument);
    CHECK_THROWS_AS(io::parse_landmarks_csv("0,1,2", "<t>", o), syncdsp::invalid_argument);
}

TEST_CASE("mouth geometry of a landmark track: per-frame boxes held across gaps, MAR NaN in gaps") {
    // Frames 1, 2 and 5 of 7 have landmarks; the boxes are mouth_rois of those three rows, frame 0
    // takes frame 1's, frames 3 (nearer 2) and 4 (nearer 5) the nearest, frame 6 frame 5's.
    landmark_rows rows;
    rows.frame = {1, 2, 5};
    rows.points = tensor<float, 3>::from_shape({3, 68, 2});
    for (std::size_t r = 0; r < 3; ++r) {
        const auto g = face(4, 100 + 10 * double(r), 80);
        std::copy(g.begin(), g.end(), rows.points.data() + r * 136);
    }
    const auto t = landmark_track::from_rows(rows, 7);
    MouthRoiOptions o;
    o.smooth = 1;
    const auto sparse = mouth_rois(rows.points, 640, 480, o);
    const auto boxes = mouth_rois(t, 640, 480, o);
    REQUIRE(boxes.size() == 7);
    CHECK(boxes == std::vector<rect>{sparse[0], sparse[0], sparse[1], sparse[1], sparse[2], sparse[2], sparse[2]});
    CHECK(boxes == regions_for_frames(rows.frame, sparse, 7));

    const auto mar = mouth_aspect_ratio(t, mar_kind::outer);
    REQUIRE(mar.size() == 7);
    CHECK(std::isnan(mar[0]));
    CHECK(mar[1] == doctest::Approx(7.0 / 9.0));
    CHECK(std::isnan(mar[4]));
    CHECK(mar[5] == doctest::Approx(7.0 / 9.0));

    CHECK_THROWS_WITH_AS(mouth_rois(landmark_track::from_rows(rows, 1), 640, 480, o),
                         doctest::Contains("none of the 1 frames has landmarks"), syncdsp::invalid_argument);
}

}  // namespace test_mouth
