// Tiled face detection (nn/models/face_tiles.hpp): small faces in big frames.
//  - the tile grid, by its defining properties (no models needed): tiles inside the frame, own
//    regions that partition it, neighbours overlapping by at least the reach, so any face of side
//    <= reach whose centre is in a tile's own region lies whole in that tile; which frame sizes get
//    tiles; the cap; tiles around a followed face;
//  - keeping and merging detections on hand-made boxes (no models needed);
//  - a real face (dev clip video-retalking_5, frame 10, 524x524) shrunk to ~75 px by block averaging and
//    pasted into a 1920x1080 frame: the whole-frame pass misses it, the tiled detection finds it
//    once, wherever it sits (on a tile seam, in a corner), and the box is where it was pasted
//    (truth: the detector's box on the original frame, divided by the shrink, plus the paste position;
//    tolerance IoU >= 0.45 and centre within 15 % of the box side: the detector sees the face at
//    another scale (0.67 in a 624-px tile against 0.79 in the original), so its box is not exactly
//    the scaled one; measured on the 4 positions: IoU 0.51-0.84, centre 0.9-9.6 px for a 77-px
//    face), and the mapping to frame pixels is exact (the same tile copied out as an image gives
//    the same box plus its origin, to 1e-9 px);
//  - face_tracks_builder on 60 frames of that picture: one track with landmarks in every frame,
//    the full grid on frames 0 and 50 only, one tile around the face on the other detection frames.
// The last two need the face models and the dev data (../shared/data/dev) and skip without them.
#include <algorithm>
#include <cmath>
#include <vector>

#include "nn/faces_common.hpp"
#include "nn_test_support.hpp"
#include "support.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/nn/models/face_tiles.hpp"
#include "syncdsp/nn/models/face_tracks.hpp"
#include "syncdsp/nn/models/faces.hpp"

namespace test_face_tiles {

using namespace syncdsp;

namespace {

bool inside(const rect& r, std::size_t w, std::size_t h) {
    return r.x >= 0 && r.y >= 0 && r.width > 0 && r.height > 0 && std::size_t(r.x + r.width) <= w &&
           std::size_t(r.y + r.height) <= h;
}

// The grid's defining properties for a W x H frame.
void check_grid(const nn::face_tiling& t, std::size_t W, std::size_t H) {
    std::size_t levels = 0;
    for (const auto& tl : t.grid()) levels = std::max(levels, tl.level + 1);
    for (std::size_t l = 0; l < levels; ++l) {
        CAPTURE(l);
        std::vector<nn::face_tile> g;
        for (const auto& tl : t.grid())
            if (tl.level == l) g.push_back(tl);
        if (g.empty()) continue;  // given up by the cap
        double own_area = 0;
        for (std::size_t i = 0; i < g.size(); ++i) {
            const auto& a = g[i];
            CHECK(inside(a.where, W, H));
            own_area += a.own.area();
            // The own region lies in the tile, at least reach/2 from every edge that is not the
            // frame's: a face of side <= reach centred in it is whole in the tile.
            const double m = a.reach / 2 - 1.0;  // integer tile positions: a pixel of rounding
            CHECK(a.own.x >= (a.where.x == 0 ? 0.0 : double(a.where.x) + m));
            CHECK(a.own.y >= (a.where.y == 0 ? 0.0 : double(a.where.y) + m));
            CHECK(a.own.right() <= (std::size_t(a.where.x + a.where.width) == W ? double(W) : double(a.where.x + a.where.width) - m));
            CHECK(a.own.bottom() <= (std::size_t(a.where.y + a.where.height) == H ? double(H) : double(a.where.y + a.where.height) - m));
            for (std::size_t j = i + 1; j < g.size(); ++j) CHECK(syncdsp::iou(a.own, g[j].own) == 0.0);
        }
        CHECK(own_area == doctest::Approx(double(W) * double(H)).epsilon(1e-9));  // they partition the frame
    }
}

}  // namespace

TEST_CASE("face_tiles: the grid covers big frames with overlapping tiles; small frames get none") {
    // 1920x1080 at input 416: 624-px tiles (4 x 2, reach 0.13 x 1248 = 162 px) and 1248x1080 tiles
    // (2, reach 0.13 x 1920 = 250 px); the whole frame finds faces from 250 px on.
    const nn::face_tiling hd(1920, 1080, 416);
    REQUIRE(hd.active());
    REQUIRE(hd.grid().size() == 10);
    CHECK(std::count_if(hd.grid().begin(), hd.grid().end(), [](const nn::face_tile& t) { return t.where.width == 624 && t.where.height == 624; }) == 8);
    CHECK(std::count_if(hd.grid().begin(), hd.grid().end(), [](const nn::face_tile& t) { return t.where.width == 1248 && t.where.height == 1080; }) == 2);
    CHECK(hd.grid().front().reach == doctest::Approx(0.13 * 1248));
    CHECK(hd.grid().back().reach == doctest::Approx(0.13 * 1920));
    CHECK(hd.whole_min_face() == doctest::Approx(0.13 * 1920));
    check_grid(hd, 1920, 1080);
    // Neighbouring 624-px tiles overlap by at least their reach.
    CHECK(hd.grid()[0].where.x + 624 - hd.grid()[1].where.x >= 162);
    CHECK(hd.grid()[0].where.y + 624 - hd.grid()[4].where.y >= 162);

    for (auto [w, h] : {std::pair<std::size_t, std::size_t>{1080, 1920}, {2160, 1080}, {3840, 2160}, {1560, 300}}) {
        CAPTURE(w);
        CAPTURE(h);
        const nn::face_tiling t(w, h, 416);
        REQUIRE(t.active());
        check_grid(t, w, h);
    }
    // 3840x2160: 624-px tiles would be 40 more; the cap (32) gives up that finest level.
    CHECK(nn::face_tiling(3840, 2160, 416).grid().size() == 10);
    CHECK(nn::face_tiling(3840, 2160, 416).grid().front().where.width == 1248);
    // Frames shorter than 2.5 x 624 = 1560 px on their longer side: the whole-frame pass only.
    for (auto [w, h] : {std::pair<std::size_t, std::size_t>{720, 360}, {1024, 512}, {1280, 720}, {1559, 1559}, {454, 256}}) {
        CAPTURE(w);
        CHECK_FALSE(nn::face_tiling(w, h, 416).active());
    }
    // FaceTileOptions::always(): from 1.25 tiles (780 px); 1280x720 gets 3 x 2 tiles of 624 px.
    const nn::face_tiling hd720(1280, 720, 416, nn::FaceTileOptions::always());
    CHECK(hd720.grid().size() == 6);
    check_grid(hd720, 1280, 720);
    CHECK_FALSE(nn::face_tiling(720, 360, 416, nn::FaceTileOptions::always()).active());
    CHECK_FALSE(nn::face_tiling(1920, 1080, 416, nn::FaceTileOptions::off()).active());
    // The cap: with at most 2 tiles only the coarse level is left.
    auto two = nn::FaceTileOptions::standard();
    two.max_tiles = 2;
    const nn::face_tiling capped(1920, 1080, 416, two);
    REQUIRE(capped.grid().size() == 2);
    CHECK(capped.grid()[0].where.width == 1248);
    // At detector input 224 the finest tiles would be 336 px (32 of them, 42 with the coarser
    // levels of 672 and 1344 px): over the cap of 32, so that level is given up.
    CHECK(nn::face_tiling(1920, 1080, 224).grid().size() == 10);
    CHECK(nn::face_tiling(1920, 1080, 224).grid().front().where.width == 672);
}

TEST_CASE("face_tiles: a tile around a followed small face; none for a face the whole frame sees") {
    const nn::face_tiling hd(1920, 1080, 416);
    const auto t = hd.around(box{1600, 250, 90, 80});
    REQUIRE(t.size() == 1);
    CHECK(t[0].where.width == 624);
    CHECK(inside(t[0].where, 1920, 1080));
    CHECK(t[0].where.x == 1920 - 624);  // shifted to lie inside the frame
    CHECK(t[0].own.x <= 1600);
    CHECK(t[0].own.right() >= 1690);
    const auto mid = hd.around(box{900, 500, 120, 120});  // centred: the tile is centred on it
    REQUIRE(mid.size() == 1);
    CHECK(mid[0].where.x == 648);
    CHECK(mid[0].where.y == 248);
    CHECK(mid[0].own.x == doctest::Approx(648 + 0.13 * 1248 / 2));
    CHECK(hd.around(box{900, 500, 200, 200}).at(0).where.width == 1248);  // the coarser level's
    CHECK(hd.around(box{900, 500, 300, 300}).empty());                    // the whole-frame pass's
    CHECK(hd.around(box{std::nan(""), 0, 10, 10}).empty());
    CHECK(nn::face_tiling(720, 360, 416).around(box{10, 10, 20, 20}).empty());
}

TEST_CASE("face_tiles: tile detections are mapped, kept by their own region and reach, merged without duplicates") {
    nn::face_tile t;
    t.where = rect{432, 0, 624, 624};
    t.own = box{528, 0, 432, 540};
    t.reach = 162;
    auto det = [](double x, double y, double w, double h, double s) {
        nn::face_detection d;
        d.box = box{x, y, w, h};
        d.score = s;
        return d;
    };
    // Tile pixels: (200, 100) 80x80 -> frame (632, 100), centre in the own region: kept.
    // (10, 100): centre x 482 < 528 (the neighbour's) -> dropped; a 300-px box -> beyond reach.
    const auto kept = nn::keep_tile_detections(t, {det(200, 100, 80, 80, 0.9), det(10, 100, 80, 80, 0.8), det(100, 100, 300, 300, 0.7)});
    REQUIRE(kept.size() == 1);
    CHECK(kept[0].box.x == 632);
    CHECK(kept[0].box.y == 100);
    CHECK(kept[0].score == 0.9);
    CHECK(kept[0].from_tile);

    // Merge: whole-frame boxes are kept as they are; a tile box of the same face (IoU > 0.4, or
    // more than half of the smaller box inside a kept one) goes; a new face is added by score.
    const std::vector<nn::face_detection> whole = {det(1000, 300, 300, 300, 0.7)};
    const std::vector<nn::face_detection> tiles = {det(1010, 310, 280, 280, 0.95),  // same face
                                                   det(1100, 400, 60, 60, 0.9),     // inside it
                                                   det(100, 200, 80, 80, 0.8),      // new
                                                   det(110, 205, 80, 80, 0.6)};     // same as the new one
    const auto m = nn::merge_tile_detections(whole, tiles, 0.4);
    REQUIRE(m.size() == 2);
    CHECK(m[0].score == 0.8);
    CHECK(m[0].box.x == 100);
    CHECK(m[1].score == 0.7);
    CHECK(m[1].box.x == 1000);
    CHECK(nn::merge_tile_detections(whole, {}, 0.4).size() == 1);
}

TEST_CASE("face_tiles: options preset, validate and to_string (no models needed)") {
    const auto o = nn::FaceTileOptions::standard();
    CHECK_NOTHROW(o.validate());
    CHECK(o.to_string() ==
          "FaceTileOptions{enabled=true, tile_scale=1.5, min_face_fraction=0.13, min_frame_ratio=2.5, max_tiles=32, scan_every=50}");
    CHECK_FALSE(nn::FaceTileOptions::off().enabled);
    auto bad = o;
    bad.tile_scale = 0.5;
    CHECK_THROWS_AS(bad.validate(), syncdsp::invalid_argument);
    bad = o;
    bad.min_face_fraction = 0;
    CHECK_THROWS_AS(bad.validate(), syncdsp::invalid_argument);
    bad = o;
    bad.scan_every = 0;
    CHECK_THROWS_AS(bad.validate(), syncdsp::invalid_argument);
    CHECK_THROWS_AS(nn::face_tiling(0, 10, 416), syncdsp::invalid_argument);
    CHECK_THROWS_AS(nn::face_tiling(100, 100, 400), syncdsp::invalid_argument);
    auto to = nn::FaceTracksOptions::standard();
    to.tiles.max_tiles = 0;
    CHECK_THROWS_AS(to.validate(), syncdsp::invalid_argument);
}

namespace {

// A real face shrunk by `k` (block means) and pasted at (px, py) into a W x H frame of smooth
// gray-blue gradient; returns the frame and, in `truth`, the detector's box on the original
// frame mapped the same way.
struct pasted {
    std::vector<std::uint8_t> px;
    std::size_t W = 0, H = 0;
    box truth;
    nn::rgb8_view view() const { return nn::rgb8_view{px.data(), W, H, 3, W * 3}; }
};

pasted paste(const std::vector<std::uint8_t>& src, std::size_t sw, std::size_t sh, const box& src_box, std::size_t k,
             std::size_t W, std::size_t H, std::size_t px0, std::size_t py0) {
    pasted p;
    p.W = W;
    p.H = H;
    p.px.resize(W * H * 3);
    for (std::size_t y = 0; y < H; ++y)
        for (std::size_t x = 0; x < W; ++x) {
            std::uint8_t* o = &p.px[(y * W + x) * 3];
            o[0] = std::uint8_t(60 + 40 * x / W);
            o[1] = std::uint8_t(60 + 40 * y / H);
            o[2] = 110;
        }
    const std::size_t dw = sw / k, dh = sh / k;
    for (std::size_t y = 0; y < dh && py0 + y < H; ++y)
        for (std::size_t x = 0; x < dw && px0 + x < W; ++x)
            for (std::size_t c = 0; c < 3; ++c) {
                unsigned s = 0;
                for (std::size_t v = 0; v < k; ++v)
                    for (std::size_t u = 0; u < k; ++u) s += src[((y * k + v) * sw + x * k + u) * 3 + c];
                p.px[((py0 + y) * W + px0 + x) * 3 + c] = std::uint8_t((s + unsigned(k * k) / 2) / unsigned(k * k));
            }
    p.truth = box{double(px0) + src_box.x / double(k), double(py0) + src_box.y / double(k), src_box.width / double(k),
                  src_box.height / double(k)};
    return p;
}

double centre_error(const box& a, const box& b) {
    return std::hypot(a.x + a.width / 2 - b.x - b.width / 2, a.y + a.height / 2 - b.y - b.height / 2);
}

// The dev frame and its face (the detector's box on the original), shrunk so the face is ~75 px.
struct face_source {
    std::vector<std::uint8_t> px;
    std::size_t w = 0, h = 0, k = 1;
    box face;
    nn::landmarks68 landmarks;
};

face_source load_source(const nn::face_analyzer& fa, const std::string& video) {
    io::VideoDecodeOptions vo;
    vo.format = io::pixel_format::rgb;
    vo.max_frames = 11;
    const auto v = io::decode_video(video, vo);
    REQUIRE(v.count() == 11);
    face_source s;
    s.w = v.width();
    s.h = v.height();
    s.px.assign(v.frames.data() + 10 * s.w * s.h * 3, v.frames.data() + 11 * s.w * s.h * 3);
    const nn::rgb8_view view{s.px.data(), s.w, s.h, 3, s.w * 3};
    const auto orig = fa.detect(view);
    REQUIRE(orig.size() == 1);
    s.face = orig[0].box;
    s.landmarks = fa.landmarks(view, s.face);
    s.k = std::size_t(std::max(1L, std::lround(std::max(s.face.width, s.face.height) / 75)));
    return s;
}

#define TILES_TEST_READY(fa, src)                                                   \
    SYNCDSP_REQUIRE_FACE_MODELS_OR_SKIP(models);                                    \
    const std::string video = test::shared_data_dir() + "/dev/video-retalking_5.mp4"; \
    SYNCDSP_REQUIRE_FILE_OR_SKIP(video);                                            \
    nn::FaceOptions fo;                                                             \
    fo.models_dir = models;                                                         \
    const nn::face_analyzer fa(fo);                                                 \
    const face_source src = load_source(fa, video)

}  // namespace

TEST_CASE("face_tiles: a real face pasted small into a 1920x1080 frame is found by the tiles, once, where it was put") {
    TILES_TEST_READY(fa, src);
    MESSAGE("original face box " << src.face.width << "x" << src.face.height << " px; pasted at 1/" << src.k);
    const nn::face_tiling tiling(1920, 1080, 416);
    const std::size_t dw = src.w / src.k, dh = src.h / src.k;
    // Positions: the stage-left podium of the debate clip, across both seams of the 624-px tiles'
    // own regions (x = 528, y = 540), the bottom-right corner, the centre.
    const std::size_t xs[] = {150, 528 - dw / 2, 1920 - dw, 960 - dw / 2};
    const std::size_t ys[] = {250, 540 - dh / 2, 1080 - dh, 540 - dh / 2 - 100};
    for (int i = 0; i < 4; ++i) {
        CAPTURE(i);
        const auto p = paste(src.px, src.w, src.h, src.face, src.k, 1920, 1080, xs[i], ys[i]);
        for (const auto& d : fa.detect(p.view())) CHECK(syncdsp::iou(d.box, p.truth) < 0.3);  // the whole-frame pass misses it
        const auto faces = fa.detect_faces(p.view(), tiling.grid(), 2);
        REQUIRE(faces.size() == 1);
        const auto& b = faces[0].box;
        const double side = std::max(p.truth.width, p.truth.height);
        MESSAGE("pasted at " << xs[i] << "," << ys[i] << ": IoU " << syncdsp::iou(b, p.truth) << ", centre error "
                             << centre_error(b, p.truth) << " px (side " << side << "), score " << faces[0].score);
        CHECK(faces[0].from_tile);
        CHECK(syncdsp::iou(b, p.truth) >= 0.45);
        CHECK(centre_error(b, p.truth) <= 0.15 * side);
        // The mapping is exact: the same tile, copied out as an image of its own, gives the same
        // box once its origin is added (to 1e-9 px).
        double best = 1e30;
        for (const auto& t : tiling.grid()) {
            const double cx = b.x + b.width / 2, cy = b.y + b.height / 2;
            if (cx < t.own.x || cx >= t.own.right() || cy < t.own.y || cy >= t.own.bottom()) continue;
            std::vector<std::uint8_t> tile(std::size_t(t.where.width * t.where.height * 3));
            for (long y = 0; y < t.where.height; ++y)
                std::copy_n(p.px.data() + (std::size_t(t.where.y + y) * 1920 + std::size_t(t.where.x)) * 3, std::size_t(t.where.width) * 3,
                            tile.data() + std::size_t(y * t.where.width) * 3);
            for (const auto& d : fa.detect(nn::rgb8_view{tile.data(), std::size_t(t.where.width), std::size_t(t.where.height), 3,
                                                         std::size_t(t.where.width) * 3}))
                best = std::min(best, std::max({std::abs(d.box.x + double(t.where.x) - b.x), std::abs(d.box.y + double(t.where.y) - b.y),
                                                std::abs(d.box.width - b.width), std::abs(d.box.height - b.height)}));
        }
        CHECK(best <= 1e-9);
        // The mouth landmarks come out on the pasted mouth: the original's, mapped, within 10 % of the side.
        double err = 0;
        for (std::size_t j = 48; j < 68; ++j)
            err = std::max(err, std::hypot(faces[0].landmarks.points[j].x - (double(xs[i]) + src.landmarks.points[j].x / double(src.k)),
                                           faces[0].landmarks.points[j].y - (double(ys[i]) + src.landmarks.points[j].y / double(src.k))));
        MESSAGE("  mouth landmarks: max error " << err << " px");
        CHECK(err <= 0.1 * side);
    }
}

TEST_CASE("face_tiles: face_tracks_builder follows a small face: full grid on frames 0 and 50, one tile on the other detection frames") {
    TILES_TEST_READY(fa, src);
    const nn::face_tiling tiling(1920, 1080, 416);
    const auto p = paste(src.px, src.w, src.h, src.face, src.k, 1920, 1080, 1600, 260);
    auto o = nn::FaceTracksOptions::standard();
    o.threads = 2;
    nn::face_tracks_builder b(fa, o);
    for (std::size_t f = 0; f < 60; ++f) CHECK(b.push(p.view(), f).size() == 1);
    const auto tracks = b.finish();
    REQUIRE(tracks.size() == 1);
    CHECK(tracks[0].with_landmarks() == 60);
    CHECK(syncdsp::iou(tracks[0].median_box(), p.truth) >= 0.6);
    CHECK(b.tile_scans() == 2);
    CHECK(b.tiles_run() == 2 * tiling.grid().size() + 10);  // detection frames 5..45 and 55: one tile each
    // Without tiles the face is never found.
    o.tiles = nn::FaceTileOptions::off();
    nn::face_tracks_builder none(fa, o);
    for (std::size_t f = 0; f < 30; ++f) CHECK(none.push(p.view(), f).empty());
    CHECK(none.finish().empty());
    CHECK(none.tiles_run() == 0);
}

#undef TILES_TEST_READY  // the test programs are unity builds: no macro leaks into the next file

}  // namespace test_face_tiles
