// io::tfjs - TF.js weight manifests: dequantisation exactly as tfjs-core's decodeWeight
// (q * scale + min in double, stored as float32), float16/float32/int32/bool storage, and clear
// errors for every kind of malformed manifest or shard. Expected values are closed forms.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "nn/faces_common.hpp"
#include "syncdsp/io/tfjs.hpp"
#include "syncdsp/nn/models/face_landmark68.hpp"
#include "syncdsp/nn/models/tiny_face_detector.hpp"

namespace test_tfjs {

using namespace syncdsp;

namespace {
void write(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}
}  // namespace

TEST_CASE("tfjs: uint8 / uint16 dequantisation is q*scale+min in double, rounded to float32") {
    const std::string m = R"([{"paths":["w.bin"],"weights":[
        {"name":"a","shape":[2,2],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.009007044399485869,"min":-1.2069439495311063}},
        {"name":"b","shape":[3],"dtype":"float32","quantization":{"dtype":"uint16","scale":0.001,"min":-2.5}},
        {"name":"c","shape":[],"dtype":"int32","quantization":{"dtype":"uint8","scale":0.5,"min":0.25}}]}])";
    const auto groups = io::parse_tfjs_manifest(m);
    REQUIRE(groups.size() == 1);
    REQUIRE(groups[0].total_bytes == 4 + 6 + 1);
    const std::uint8_t data[] = {0, 1, 134, 255, 0x00, 0x00, 0x34, 0x12, 0xff, 0xff, 3};
    const auto t = io::decode_tfjs_group(groups[0], data, sizeof data);
    REQUIRE(t.size() == 3);
    const double s = 0.009007044399485869, mn = -1.2069439495311063;
    CHECK(t[0].values[0] == static_cast<float>(0 * s + mn));
    CHECK(t[0].values[2] == static_cast<float>(134 * s + mn));
    CHECK(t[0].values[3] == static_cast<float>(255 * s + mn));
    CHECK(t[1].values[1] == static_cast<float>(0x1234 * 0.001 - 2.5));
    CHECK(t[1].values[2] == static_cast<float>(65535 * 0.001 - 2.5));
    CHECK(t[2].values[0] == 2.f);  // Math.round(3 * 0.5 + 0.25) = Math.round(1.75)
    CHECK(t[2].shape.empty());
}

TEST_CASE("tfjs: float16, float32, int32, bool storage and model.json wrapping") {
    const std::string m = R"({"weightsManifest":[{"paths":["x"],"weights":[
        {"name":"h","shape":[3],"dtype":"float32","quantization":{"dtype":"float16"}},
        {"name":"f","shape":[1],"dtype":"float32"},
        {"name":"i","shape":[1],"dtype":"int32"},
        {"name":"z","shape":[2],"dtype":"bool"}]}]})";
    const auto g = io::parse_tfjs_manifest(m);
    std::vector<std::uint8_t> d = {0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00};  // 1, -2, smallest subnormal
    const float f = 3.25f;
    std::uint8_t fb[4];
    std::memcpy(fb, &f, 4);
    d.insert(d.end(), fb, fb + 4);
    d.insert(d.end(), {0xfe, 0xff, 0xff, 0xff, 0, 7});  // int32 -2, bools 0 / 1
    const auto t = io::decode_tfjs_group(g[0], d.data(), d.size());
    CHECK(t[0].values[0] == 1.f);
    CHECK(t[0].values[1] == -2.f);
    CHECK(t[0].values[2] == std::ldexp(1.f, -24));
    CHECK(t[1].values[0] == 3.25f);
    CHECK(t[2].values[0] == -2.f);
    CHECK(t[3].values[0] == 0.f);
    CHECK(t[3].values[1] == 1.f);
}

TEST_CASE("tfjs: malformed manifests and shards give clear errors") {
    auto parse = [](const std::string& s) { return io::parse_tfjs_manifest(s, "m.json"); };
    CHECK_THROWS_AS(parse("{not json"), parse_error);
    CHECK_THROWS_AS(parse("{}"), parse_error);
    CHECK_THROWS_AS(parse(R"([{"weights":[]}])"), parse_error);
    CHECK_THROWS_AS(parse(R"([{"paths":["../etc/passwd"],"weights":[]}])"), parse_error);
    CHECK_THROWS_AS(parse(R"([{"paths":["a"],"weights":[{"name":"x","shape":[-1],"dtype":"float32"}]}])"), parse_error);
    CHECK_THROWS_AS(parse(R"([{"paths":["a"],"weights":[{"name":"x","shape":[1],"dtype":"string"}]}])"), unsupported_error);
    CHECK_THROWS_AS(parse(R"([{"paths":["a"],"weights":[{"name":"x","shape":[1],"dtype":"float32","quantization":{"dtype":"int4"}}]}])"),
                    unsupported_error);
    CHECK_THROWS_AS(parse(R"([{"paths":["a"],"weights":[{"name":"x","shape":[1],"dtype":"float32","quantization":{"dtype":"uint8","scale":1}}]}])"),
                    parse_error);
    CHECK_THROWS_AS(parse(R"([{"paths":["a"],"weights":[{"name":"x","shape":[1],"dtype":"float32"},{"name":"x","shape":[1],"dtype":"float32"}]}])"),
                    parse_error);
    CHECK_THROWS_AS(parse(R"([{"paths":["a"],"weights":[{"name":"x","shape":[1099511627776,1099511627776],"dtype":"float32"}]}])"),
                    syncdsp::error);
    const auto g = parse(R"([{"paths":["a"],"weights":[{"name":"x","shape":[4],"dtype":"float32"}]}])");
    const std::uint8_t d[20] = {};
    CHECK_THROWS_WITH_AS(io::decode_tfjs_group(g[0], d, 15, "a"), doctest::Contains("truncated"), parse_error);
    CHECK_THROWS_WITH_AS(io::decode_tfjs_group(g[0], d, 20, "a"), doctest::Contains("trailing"), parse_error);
    CHECK_NOTHROW(io::decode_tfjs_group(g[0], d, 16, "a"));
}

TEST_CASE("tfjs: files on disk - shard size checked, missing shard named") {
    const std::string dir = test::scratch("");
    write(dir + "t_ok-weights_manifest.json", R"([{"paths":["t_ok.bin"],"weights":[{"name":"x","shape":[2],"dtype":"float32","quantization":{"dtype":"uint8","scale":2,"min":-1}}]}])");
    write(dir + "t_ok.bin", std::string("\x01\x02", 2));
    const auto t = io::read_tfjs_weights(dir + "t_ok-weights_manifest.json");
    REQUIRE(t.size() == 1);
    CHECK(t[0].values[0] == 1.f);
    CHECK(t[0].values[1] == 3.f);
    write(dir + "t_short.bin", std::string("\x01", 1));
    write(dir + "t_short-weights_manifest.json", R"([{"paths":["t_short.bin"],"weights":[{"name":"x","shape":[2],"dtype":"float32","quantization":{"dtype":"uint8","scale":2,"min":-1}}]}])");
    CHECK_THROWS_WITH_AS(io::read_tfjs_weights(dir + "t_short-weights_manifest.json"), doctest::Contains("t_short.bin"), parse_error);
    write(dir + "t_missing-weights_manifest.json", R"([{"paths":["nope.bin"],"weights":[]}])");
    CHECK_THROWS_WITH_AS(io::read_tfjs_weights(dir + "t_missing-weights_manifest.json"), doctest::Contains("nope.bin"), io_error);
}

TEST_CASE("faces: missing models give an error that says how to install them") {
    CHECK_THROWS_WITH_AS(nn::tiny_face_detector::load("/nonexistent/models"), doctest::Contains("scripts/get_models.sh"), io_error);
    CHECK_THROWS_WITH_AS(nn::face_landmark68::load(false, "/nonexistent/models"), doctest::Contains("face_landmark_68_model"), io_error);
}

TEST_CASE("faces: a model whose tensors do not match the network is rejected by name") {
    nn::weight_store w;
    w.insert("conv0/filters", array<float>::from_shape({3, 3, 3, 8}));
    CHECK_THROWS_WITH_AS(nn::tiny_face_detector{w}, doctest::Contains("conv0/filters"), invalid_argument);
    // A truncated copy of the real model (when installed) fails with a parse_error naming the shard.
    const std::string models = test::faces_models_dir();
    if (models.empty()) return;
    const std::string dir = test::scratch("truncated_models");
    std::filesystem::create_directories(dir);
    std::ifstream mf(models + "/tiny_face_detector_model-weights_manifest.json", std::ios::binary);
    std::string manifest((std::istreambuf_iterator<char>(mf)), std::istreambuf_iterator<char>());
    std::ifstream bf(models + "/tiny_face_detector_model.bin", std::ios::binary);
    std::string bin((std::istreambuf_iterator<char>(bf)), std::istreambuf_iterator<char>());
    write(dir + "/tiny_face_detector_model-weights_manifest.json", manifest);
    write(dir + "/tiny_face_detector_model.bin", bin.substr(0, bin.size() - 100));
    CHECK_THROWS_WITH_AS(nn::tiny_face_detector::load(dir), doctest::Contains("sha256"), parse_error);
    CHECK_THROWS_WITH_AS(nn::load_faceapi_weights("tiny_face_detector_model", dir, false), doctest::Contains("truncated"),
                         parse_error);
    // One flipped byte: same size, only the checksum can tell.
    bin[1000] = char(bin[1000] ^ 0x40);
    write(dir + "/tiny_face_detector_model.bin", bin);
    CHECK_THROWS_WITH_AS(nn::tiny_face_detector::load(dir), doctest::Contains("get_models.sh"), parse_error);
}

TEST_CASE("faces: sha256 implementation (FIPS 180-4 test vectors)") {
    auto h = [](const std::string& s) {
        return nn::faceapi_impl::sha256_hex(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
    };
    CHECK(h("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(h("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(h("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

}  // namespace test_tfjs
