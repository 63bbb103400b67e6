// vision/resize_opencv_u8.hpp against cv2.resize (INTER_LINEAR, 8-bit, 3 channels), bit for bit.
// Golden: tests/golden/vision/resize_opencv_u8_*.npy (5 chosen sizes: upscale, downscale, the
// exact-2x area path, thin shapes) and resize_opencv_u8_checksums.json (60 seeded sizes up to 399,
// 1 and 3 channels, as sum((index + 1) * byte)), written by
//   /usr/bin/python3 scripts/golden/gen_syncnet_tracks.py --resize-only   (cv2 4.6.0, Debian 12)
// from the closed-form pattern below. Tolerance: none (every byte equal).
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support.hpp"
#include "syncdsp/io/npy.hpp"
#include "syncdsp/vision/resize_opencv_u8.hpp"

namespace test_resize_opencv_u8 {

using namespace syncdsp;

namespace {
// gen_syncnet_tracks.py resize_pattern: (3x^2 + 5y^2 + 7xy + 101c + floor(xy/3)) mod 256.
std::vector<std::uint8_t> pattern(std::size_t w, std::size_t h, std::size_t cn = 3) {
    std::vector<std::uint8_t> p(w * h * cn);
    for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x)
            for (std::size_t c = 0; c < cn; ++c)
                p[(y * w + x) * cn + c] = std::uint8_t((3 * x * x + 5 * y * y + 7 * x * y + 101 * c + (x * y) / 3) % 256);
    return p;
}
}  // namespace

TEST_CASE("resize_linear_opencv_u8 equals cv2.resize byte for byte") {
    const std::size_t cases[][4] = {{37, 23, 61, 45}, {300, 200, 50, 37}, {64, 64, 32, 32}, {90, 70, 124, 96}, {17, 250, 31, 9}};
    for (const auto& c : cases) {
        const std::string name = "vision/resize_opencv_u8_" + std::to_string(c[0]) + "x" + std::to_string(c[1]) + "_to_" +
                                 std::to_string(c[2]) + "x" + std::to_string(c[3]) + ".npy";
        INFO(name);
        const auto want = io::read_npy<std::uint8_t>(test::golden(name));
        REQUIRE(want.size() == c[2] * c[3] * 3);
        const auto src = pattern(c[0], c[1]);
        std::vector<std::uint8_t> got(c[2] * c[3] * 3);
        vision::resize_linear_opencv_u8(vision::image_view<const std::uint8_t>(src.data(), c[0], c[1], 3),
                                        vision::image_view<std::uint8_t>(got.data(), c[2], c[3], 3));
        std::size_t differ = 0;
        for (std::size_t i = 0; i < got.size(); ++i) differ += got[i] != want.data()[i];
        CHECK(differ == 0);
    }
}

TEST_CASE("resize_linear_opencv_u8 equals cv2.resize on 60 seeded sizes (checksums)") {
    std::ifstream in(test::golden("vision/resize_opencv_u8_checksums.json"));
    REQUIRE(in.good());
    const auto want = nlohmann::json::parse(in);
    REQUIRE(want["cases"].size() == 60);
    for (const auto& c : want["cases"]) {
        const std::size_t sw = c["src"][0], sh = c["src"][1], dw = c["dst"][0], dh = c["dst"][1], cn = c["channels"];
        INFO(sw << "x" << sh << " to " << dw << "x" << dh << " x" << cn);
        const auto src = pattern(sw, sh, cn);
        std::vector<std::uint8_t> got(dw * dh * cn);
        vision::resize_linear_opencv_u8(vision::image_view<const std::uint8_t>(src.data(), sw, sh, cn),
                                        vision::image_view<std::uint8_t>(got.data(), dw, dh, cn));
        std::int64_t sum = 0;
        for (std::size_t i = 0; i < got.size(); ++i) sum += std::int64_t(i + 1) * got[i];
        CHECK(sum == c["checksum"].get<std::int64_t>());
    }
}

TEST_CASE("resize_linear_opencv_u8: same size copies, bad shapes are refused") {
    const auto src = pattern(5, 4);
    std::vector<std::uint8_t> out(5 * 4 * 3);
    vision::resize_linear_opencv_u8(vision::image_view<const std::uint8_t>(src.data(), 5, 4, 3),
                                    vision::image_view<std::uint8_t>(out.data(), 5, 4, 3));
    CHECK(out == src);
    std::vector<std::uint8_t> one(2 * 2);
    CHECK_THROWS_AS(vision::resize_linear_opencv_u8(vision::image_view<const std::uint8_t>(src.data(), 5, 4, 3),
                                                    vision::image_view<std::uint8_t>(one.data(), 2, 2, 1)),
                    invalid_argument);
    CHECK_THROWS_AS(vision::resize_linear_opencv_u8(vision::image_view<const std::uint8_t>(src.data(), 0, 4, 3),
                                                    vision::image_view<std::uint8_t>(out.data(), 5, 4, 3)),
                    invalid_argument);
}

}  // namespace test_resize_opencv_u8
