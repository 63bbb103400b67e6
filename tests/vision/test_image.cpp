// Image container, io, colour conversion, resize, Gaussian blur and pyrDown against OpenCV 4.6.
// Golden data: scripts/golden/gen_vision.py (Debian python3-opencv 4.6.0), in tests/golden/vision/.
// Regenerate with: /usr/bin/python3 scripts/golden/gen_vision.py
// Tolerances: gray conversion is bit-exact (same fixed-point rule); 8-bit resize/blur/pyrDown are
// computed in float and rounded, while OpenCV uses fixed point, so a pixel may differ by 1 grey
// level (the target) -- we also require that most pixels (75 %) agree exactly; float blur
// agrees to float rounding (1e-4 on a 0..255 scale).
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support.hpp"
#include "syncdsp/io/image.hpp"
#include "syncdsp/io/npy.hpp"
#include "syncdsp/vision/filter.hpp"
#include "syncdsp/vision/image.hpp"
#include "syncdsp/vision/resize.hpp"

namespace test_image {

using namespace syncdsp;
using namespace syncdsp::vision;
using syncdsp::test::golden;

namespace {

image<std::uint8_t> load_rgb() { return from_tensor(io::load_image(golden("vision/rgb_37x23.png"), 3)); }

/// Max |a - b| over all elements and the fraction of elements that differ at all.
template <class T>
std::pair<double, double> compare(const image<T>& got, const array<double>& ref) {
    REQUIRE(ref.size() == got.size());
    double worst = 0;
    std::size_t differ = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double d = std::abs(double(got.data()[i]) - ref.data()[i]);
        worst = std::max(worst, d);
        if (d > 0) ++differ;
    }
    return {worst, double(differ) / double(got.size())};
}

}  // namespace

TEST_CASE("image container, views, crop and tensor round trip") {
    image<std::uint8_t> im(5, 4, 3);
    for (std::size_t y = 0; y < 4; ++y)
        for (std::size_t x = 0; x < 5; ++x)
            for (std::size_t c = 0; c < 3; ++c) im.at(x, y, c) = std::uint8_t(100 * c + 10 * y + x);
    auto v = crop(im, rect{1, 2, 3, 2});
    CHECK(v.width == 3);
    CHECK(v.height == 2);
    CHECK(v.stride == 15);
    CHECK(v.at(0, 0, 2) == 200 + 20 + 1);
    CHECK(v.at(2, 1, 1) == 100 + 30 + 3);
    auto copy = to_image(v);
    CHECK(copy.stride() == 9);
    CHECK(copy.at(2, 1, 1) == 133);
    auto t = to_tensor(v);
    CHECK(t.shape()[0] == 2);
    CHECK(t(1, 2, 1) == 133);
    CHECK(view_of(t).at(2, 1, 1) == 133);
    CHECK_THROWS_AS(crop(im, rect{3, 0, 3, 1}), syncdsp::invalid_argument);
    CHECK_THROWS_AS(crop(im, rect{0, 0, 0, 1}), syncdsp::invalid_argument);
    CHECK_THROWS_AS(crop(im, rect{-1, 0, 2, 1}), syncdsp::invalid_argument);
    CHECK_THROWS_AS(image<float>(3, 3, 5), syncdsp::invalid_argument);
}

TEST_CASE("PNG load matches what OpenCV wrote; save/load round trip is lossless") {
    const auto t = io::load_image(golden("vision/rgb_37x23.png"));
    CHECK(t.shape()[0] == 23);
    CHECK(t.shape()[1] == 37);
    CHECK(t.shape()[2] == 3);
    const std::string path = syncdsp::test::scratch("vision_roundtrip.png");
    io::save_png(path, t);
    const auto back = io::load_image(path);
    REQUIRE(back.size() == t.size());
    CHECK(std::equal(t.data(), t.data() + t.size(), back.data()));
    // A view with a row stride (a crop) saves only its pixels.
    const auto im = from_tensor(t);
    const auto v = crop(im, rect{2, 3, 10, 7});
    io::save_png(path, v.data, v.width, v.height, v.channels, v.stride);
    const auto c = io::load_image(path);
    CHECK(c.shape()[1] == 10);
    CHECK(c(6, 9, 2) == im.at(11, 9, 2));
}

TEST_CASE("RGB to gray is bit-exact with cv2.cvtColor(COLOR_RGB2GRAY)") {
    const auto rgb = load_rgb();
    const auto ref = io::read_npy<double>(golden("vision/gray_37x23.npy"));
    const auto gray = to_gray(rgb.view());
    CHECK(compare(gray, ref).first == 0);
    // BGR order with swapped input gives the same result.
    image<std::uint8_t> bgr = rgb;
    for (std::size_t i = 0; i < bgr.size(); i += 3) std::swap(bgr.data()[i], bgr.data()[i + 2]);
    CHECK(compare(to_gray(bgr.view(), channel_order::bgr), ref).first == 0);
}

TEST_CASE("resize INTER_LINEAR and INTER_AREA match OpenCV within 1 grey level") {
    const auto rgb = load_rgb();
    const std::vector<std::pair<int, int>> lin = {{20, 11}, {60, 41}, {18, 11}, {37, 23}, {74, 46}, {13, 30}};
    for (auto [w, h] : lin) {
        const auto ref = io::read_npy<double>(golden("vision/linear_" + std::to_string(w) + "x" + std::to_string(h) + ".npy"));
        const auto got = resize(rgb, std::size_t(w), std::size_t(h), interpolation::linear);
        const auto [worst, frac] = compare(got, ref);
        INFO("linear " << w << "x" << h << " max diff " << worst << " differing fraction " << frac);
        CHECK(worst <= 1);
        CHECK(frac < 0.25);
    }
    const std::vector<std::pair<int, int>> area = {{15, 9}, {18, 11}, {12, 23}, {50, 31}, {7, 5}};
    for (auto [w, h] : area) {
        const auto ref = io::read_npy<double>(golden("vision/area_" + std::to_string(w) + "x" + std::to_string(h) + ".npy"));
        const auto got = resize(rgb, std::size_t(w), std::size_t(h), interpolation::area);
        const auto [worst, frac] = compare(got, ref);
        INFO("area " << w << "x" << h << " max diff " << worst << " differing fraction " << frac);
        CHECK(worst <= 1);
        CHECK(frac < 0.25);
    }
    CHECK_THROWS_AS(resize(rgb, 0, 3), syncdsp::invalid_argument);
}

TEST_CASE("getGaussianKernel rule") {
    std::ifstream in(golden("vision/kernels.json"));
    REQUIRE(in.good());
    const auto js = nlohmann::json::parse(in);
    for (const auto& k : js) {
        const auto taps = gaussian_kernel(k["size"].get<int>(), k["sigma"].get<double>());
        const auto ref = k["taps"].get<std::vector<double>>();
        REQUIRE(taps.size() == ref.size());
        for (std::size_t i = 0; i < taps.size(); ++i) CHECK(taps[i] == doctest::Approx(ref[i]).epsilon(1e-6));
    }
    CHECK_THROWS_AS(gaussian_kernel(4, 1.0), syncdsp::invalid_argument);
}

TEST_CASE("GaussianBlur (reflect-101) and pyrDown match OpenCV") {
    const auto rgb = load_rgb();
    {
        const auto ref = io::read_npy<double>(golden("vision/blur_u8_5_1.1.npy"));
        const auto [worst, frac] = compare(gaussian_blur(rgb, 5, 1.1), ref);
        INFO("u8 blur max diff " << worst << " fraction " << frac);
        CHECK(worst <= 1);
        CHECK(frac < 0.25);
    }
    const auto gray = convert<float>(to_gray(rgb.view()).view());
    {
        const auto ref = io::read_npy<double>(golden("vision/blur_f32_9_1.5.npy"));
        CHECK(compare(gaussian_blur(gray, 9, 1.5), ref).first < 1e-4);
    }
    {
        const auto ref = io::read_npy<double>(golden("vision/blur_f32_0_2.0.npy"));
        CHECK(compare(gaussian_blur(gray, 0, 2.0), ref).first < 1e-4);
    }
    {
        const auto ref = io::read_npy<double>(golden("vision/pyrdown_u8.npy"));
        const auto p = pyr_down(rgb.view());
        CHECK(p.width() == 19);
        CHECK(p.height() == 12);
        const auto [worst, frac] = compare(p, ref);
        INFO("pyrDown max diff " << worst << " fraction " << frac);
        CHECK(worst <= 1);
        CHECK(frac < 0.25);
    }
    CHECK_THROWS_AS(gaussian_blur(gray, 0, 0.0), syncdsp::invalid_argument);
}

TEST_CASE("bad image files give parse errors, never a crash") {
    const auto good = io::read_file(golden("vision/rgb_37x23.png"));
    // Truncated at several points.
    for (std::size_t cut : {std::size_t(0), std::size_t(8), std::size_t(30), good.size() / 2, good.size() - 5}) {
        INFO("cut at " << cut);
        CHECK_THROWS_AS(io::decode_image(good.data(), cut, 0, "cut.png"), syncdsp::error);
    }
    // Garbage.
    std::vector<std::uint8_t> junk(100, 0x5a);
    CHECK_THROWS_AS(io::decode_image(junk.data(), junk.size()), syncdsp::parse_error);
    // A BMP header declaring a huge image is refused before allocation.
    std::vector<std::uint8_t> bmp(54, 0);
    bmp[0] = 'B'; bmp[1] = 'M';
    bmp[10] = 54; bmp[14] = 40;
    bmp[18] = 0x00; bmp[19] = 0x00; bmp[20] = 0x01;  // width 65536
    bmp[22] = 1;                                      // height 1
    bmp[26] = 1; bmp[28] = 24;
    CHECK_THROWS_AS(io::decode_image(bmp.data(), bmp.size()), syncdsp::error);
    CHECK_THROWS_AS(io::load_image(syncdsp::test::scratch("does_not_exist.png")), syncdsp::io_error);
    try {
        io::decode_image(good.data(), 30, 0, "frame.png");
        FAIL("no throw");
    } catch (const syncdsp::error& e) {
        CHECK(std::string(e.what()).find("frame.png") != std::string::npos);
    }
}

}  // namespace test_image
