// Kept parts of frames (vision/frame_parts.hpp) and the mouth crops cut from them: a part holds
// exactly the frame's pixels inside its rectangle, clipped to the frame; the budget is a hard
// limit; and the mouth opening cut from parts equals, bit for bit, the one cut from whole frames.
#include <cstdint>
#include <vector>

#include "support.hpp"
#include "syncdsp/vision/frame_parts.hpp"
#include "syncdsp/vision/mouth.hpp"
#include "syncdsp/vision/mouth_motion.hpp"

namespace test_frame_parts {

using namespace syncdsp;
using namespace syncdsp::vision;

namespace {

// A W x H gray frame whose pixel (x, y) is (x + 3 y + 7 k) mod 251: every pixel says where it is.
image<std::uint8_t> frame(std::size_t W, std::size_t H, std::size_t k) {
    image<std::uint8_t> f(W, H);
    for (std::size_t y = 0; y < H; ++y)
        for (std::size_t x = 0; x < W; ++x) f.view().at(x, y) = std::uint8_t((x + 3 * y + 7 * k) % 251);
    return f;
}

}  // namespace

TEST_CASE("a kept part holds the frame's pixels inside its rectangle, clipped to the frame") {
    const auto f = frame(40, 30, 0);
    frame_part_store store(1 << 20);
    store.add(f.view(), rect{30, 20, 20, 20});  // runs past the right and bottom edges
    store.add(f.view(), rect{-5, -5, 10, 10});  // past the top-left corner
    store.add(f.view(), rect{50, 50, 5, 5});    // outside: nothing kept
    REQUIRE(store.complete());
    CHECK(store.frames() == 3);
    CHECK(store.part(0).where == rect{30, 20, 10, 10});
    CHECK(store.part(1).where == rect{0, 0, 5, 5});
    CHECK(store.part(2).where.empty());
    CHECK(store.bytes() == 100 + 25);
    const auto v = store.part(0).view_of(rect{32, 21, 3, 2});
    CHECK(v.at(0, 0) == f.view().at(32, 21));
    CHECK(v.at(2, 1) == f.view().at(34, 22));
    CHECK(store.holds(0, rect{30, 20, 10, 10}));
    CHECK_FALSE(store.holds(0, rect{29, 20, 10, 10}));
    CHECK_FALSE(store.holds(2, rect{0, 0, 1, 1}));
    CHECK_FALSE(store.holds(3, rect{30, 20, 1, 1}));
    CHECK_THROWS_AS(store.part(0).view_of(rect{29, 20, 2, 2}), syncdsp::invalid_argument);
    CHECK_THROWS_AS(store.part(3), syncdsp::invalid_argument);
}

TEST_CASE("past the budget the store keeps nothing and says so") {
    const auto f = frame(40, 30, 0);
    frame_part_store store(250);
    store.add(f.view(), rect{0, 0, 10, 10});
    store.add(f.view(), rect{0, 0, 10, 10});
    CHECK(store.complete());
    store.add(f.view(), rect{0, 0, 10, 10});  // 300 > 250
    store.add(f.view(), rect{0, 0, 1, 1});
    CHECK_FALSE(store.complete());
    CHECK(store.frames() == 4);
    CHECK(store.bytes() == 0);
    CHECK_FALSE(store.holds(0, rect{0, 0, 1, 1}));
    CHECK_THROWS_AS(store.part(0), syncdsp::invalid_argument);
}

TEST_CASE("mouth crops cut from kept parts equal those cut from whole frames, with moving boxes") {
    const std::size_t W = 120, H = 90, N = 12;
    std::vector<rect> boxes;
    for (std::size_t k = 0; k < N; ++k) boxes.push_back(rect{30 + long(k), 40 - long(k / 2), 36, 36});
    mouth_cropper whole(boxes, W, H), parts(boxes, W, H);
    frame_part_store store(1 << 20);
    std::vector<image<std::uint8_t>> frames;
    for (std::size_t k = 0; k < N; ++k) {
        frames.push_back(frame(W, H, k));
        whole.add(frames.back().view());
        // A neighbourhood around this frame's box: holds it and the next one.
        store.add(frames.back().view(), rect{boxes[k].x - 8, boxes[k].y - 8, 52, 52});
    }
    for (std::size_t k = 0; k < N; ++k) {
        REQUIRE(parts.can_add(k, store.part(k)));
        parts.add(store.part(k));
    }
    const auto a = mouth_flow(whole), b = mouth_flow(parts);
    REQUIRE(a.opening.size() == N);
    for (std::size_t k = 1; k < N; ++k) CHECK(a.opening[k] == b.opening[k]);
    // A part that misses the next frame's box cannot feed frame k.
    frame_part tight;
    tight.where = boxes[3];
    CHECK_FALSE(parts.can_add(3, tight));
}

TEST_CASE("a mouth neighbourhood holds the frame's ROI and is clipped to the frame") {
    // Mouth corners and lips of a 68-point face (points 48..67), others far away but unused.
    std::vector<float> xy(136, 0.f);
    for (std::size_t i = 48; i < 68; ++i) {
        const double a = double(i - 48) / 20.0 * 6.283185307179586;
        xy[2 * i] = float(100 + 20 * std::cos(a));
        xy[2 * i + 1] = float(150 + 8 * std::sin(a));
    }
    MouthRoiOptions o;
    o.margin = 0.35;
    const rect roi = mouth_roi(xy.data(), 68, 640, 480, o);
    const rect n = mouth_neighbourhood(xy.data(), 68, 640, 480, o);
    CHECK(n.x <= roi.x);
    CHECK(n.y <= roi.y);
    CHECK(n.x + n.width >= roi.x + roi.width);
    CHECK(n.y + n.height >= roi.y + roi.height);
    CHECK(n.width >= 2 * roi.width);
    const rect edge = mouth_neighbourhood(xy.data(), 68, 120, 160, o);  // the frame ends near the mouth
    CHECK(edge.x + edge.width == 120);
    CHECK(edge.y + edge.height == 160);
}

}  // namespace test_frame_parts
