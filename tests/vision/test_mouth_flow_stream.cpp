// vision/mouth_flow_stream.hpp against the one-shot mouth_flow() (vision/mouth_motion.hpp) on the
// same frames and boxes: the same crops, resizes and Farneback flow per pair, so the opening rates
// must be equal (tolerance 0; the engine's reuse of a frame's expansions gives the same numbers as
// computing them again). One fixed box, and a box that moves every few frames (a tracker).
#include <cmath>
#include <cstdint>
#include <vector>

#include "support.hpp"
#include "syncdsp/vision/mouth_flow_stream.hpp"
#include "syncdsp/vision/mouth_motion.hpp"

namespace test_mouth_flow_stream {

using namespace syncdsp;
using namespace syncdsp::vision;

namespace {

// Frames of a textured mouth whose lips open and close (sinusoidally), S x S gray.
tensor<std::uint8_t, 4> talking(std::size_t N, std::size_t S) {
    tensor<std::uint8_t, 4> f = tensor<std::uint8_t, 4>::from_shape({N, S, S, 1});
    for (std::size_t k = 0; k < N; ++k) {
        const double open = 3.0 * std::sin(0.7 * double(k));
        for (std::size_t y = 0; y < S; ++y)
            for (std::size_t x = 0; x < S; ++x) {
                double Y = double(y) + (double(y) < double(S) * 0.6 ? open : -open);
                f(k, y, x, 0) = std::uint8_t(std::lround(130 + 45 * std::sin(0.31 * double(x) + 0.07 * Y) *
                                                                   std::cos(0.23 * Y) +
                                                         30 * std::sin(0.13 * double(x) - 0.19 * Y)));
            }
    }
    return f;
}

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

}  // namespace

TEST_CASE("mouth_flow_stream equals mouth_flow, with a fixed box and with a moving box") {
    const std::size_t N = 12, S = 96;
    const auto frames = talking(N, S);
    std::vector<rect> moving;
    for (std::size_t k = 0; k < N; ++k) moving.push_back(rect{long(10 + (k / 3) * 4), 30, 50, 50});
    for (const auto& boxes : {std::vector<rect>{rect{20, 30, 50, 50}}, moving}) {
        CAPTURE(boxes.size());
        const auto offline = mouth_flow(frames, boxes).opening;
        mouth_flow_stream s;
        std::size_t differ = 0, finite = 0;
        for (std::size_t k = 0; k < N; ++k) {
            const double v = s.add(frame_view(frames, k), boxes[std::min(k, boxes.size() - 1)]);
            differ += !same(v, offline[k]);
            finite += std::isfinite(v);
        }
        CHECK(differ == 0);
        CHECK(finite == N - 1);  // the first frame has no pair
    }
}

TEST_CASE("mouth_flow_stream: reset starts a new pair, and a box outside the frame throws") {
    const auto frames = talking(3, 64);
    mouth_flow_stream s;
    CHECK(std::isnan(s.add(frame_view(frames, 0), rect{8, 8, 40, 40})));
    CHECK(std::isfinite(s.add(frame_view(frames, 1), rect{8, 8, 40, 40})));
    s.reset();
    CHECK(std::isnan(s.add(frame_view(frames, 2), rect{8, 8, 40, 40})));
    CHECK_THROWS_AS(s.add(frame_view(frames, 2), rect{40, 40, 40, 40}), invalid_argument);
}

}  // namespace test_mouth_flow_stream
