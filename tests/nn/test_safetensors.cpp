// safetensors reader and weight store. Golden file: tests/golden/nn/st_mixed.safetensors with the
// float32 values numpy/torch convert its F32/F16/BF16/F64 tensors to (st_mixed_<x>.npy), written by
// scripts/golden/gen_nn_safetensors.py (regenerate with /usr/bin/python3 on that script).
// Conversions are exact (F16/BF16 widen exactly; F64 rounds like numpy's astype), so equality is required.
// The bad-input cases are hand-made buffers: each must give a clear error naming the tensor.
#include <cmath>
#include <cstring>

#include "nn_test_support.hpp"
#include "syncdsp/io/safetensors.hpp"
#include "syncdsp/nn/weights.hpp"

namespace test_safetensors {

using namespace syncdsp;
using syncdsp::test::golden;

namespace {
std::vector<std::uint8_t> make(const std::string& header, std::size_t data_bytes, float fill = 1.f) {
    std::vector<std::uint8_t> out(8 + header.size());
    std::uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) out[std::size_t(i)] = std::uint8_t(n >> (8 * i));
    std::memcpy(out.data() + 8, header.data(), header.size());
    for (std::size_t i = 0; i < data_bytes / 4; ++i) {
        std::uint8_t b[4];
        std::memcpy(b, &fill, 4);
        out.insert(out.end(), b, b + 4);
    }
    out.resize(8 + header.size() + data_bytes);
    return out;
}

template <class E>
void expect_error(const std::vector<std::uint8_t>& bytes, const std::string& needle) {
    INFO(needle);
    CHECK_THROWS_WITH_AS(io::safetensors_file::parse(bytes), doctest::Contains(needle.c_str()), E);
}
}  // namespace

TEST_CASE("reads F32/F16/BF16/F64 tensors as numpy/torch convert them, plus metadata") {
    const auto f = io::safetensors_file::read(golden("nn/st_mixed.safetensors"));
    REQUIRE(f.entries().size() == 5);
    CHECK(f.metadata().at("format") == "pt");
    for (const char* n : {"a", "b", "c", "d"}) {
        const std::string name = std::string(n) + (n[0] == 'a' ? ".f32" : n[0] == 'b' ? ".f16" : n[0] == 'c' ? ".bf16" : ".f64");
        const auto got = f.to_float(name);
        const auto want = io::read_npy<float>(golden(std::string("nn/st_mixed_") + n + ".npy"));
        INFO(name);
        REQUIRE(test::shapes_equal(got, want));
        for (std::size_t i = 0; i < want.size(); ++i) {
            if (std::isinf(want.data()[i])) CHECK(got.data()[i] == want.data()[i]);
            else CHECK(got.data()[i] == want.data()[i]);
        }
    }
    CHECK_THROWS_WITH_AS(f.to_float("e.num_batches_tracked"), doctest::Contains("I64"), unsupported_error);
    CHECK_THROWS_WITH_AS(f.to_float("nope"), doctest::Contains("'nope'"), invalid_argument);
}

TEST_CASE("write then read round-trips exactly") {
    std::vector<io::safetensors_tensor> t = {{"x.weight", {2, 3}, {1, 2, 3, 4, 5, 6}}, {"s", {}, {0.5f}},
                                             {"z", {0, 4}, {}}};
    const auto bytes = io::encode_safetensors(t, {{"who", "test"}});
    const auto f = io::safetensors_file::parse(bytes);
    CHECK(f.metadata().at("who") == "test");
    const auto x = f.to_float("x.weight");
    CHECK(x.shape()[1] == 3);
    CHECK(x(1, 2) == 6.f);
    CHECK(f.to_float("s")() == 0.5f);
    CHECK(f.to_float("z").size() == 0);
}

TEST_CASE("bad safetensors input gives clear errors") {
    const std::string ok = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    CHECK_NOTHROW(io::safetensors_file::parse(make(ok, 8)));
    expect_error<parse_error>({1, 2, 3}, "shorter than the 8-byte header");
    auto trunc_header = make(ok, 8);
    trunc_header.resize(20);
    expect_error<parse_error>(trunc_header, "runs past the end");
    expect_error<parse_error>(make(ok, 4), "run past the 4-byte data section");           // truncated data
    expect_error<parse_error>(make(ok, 12), "trailing bytes");
    expect_error<parse_error>(make("[1,2]   ", 0), "does not start with '{'");
    expect_error<parse_error>(make(R"({"w":{"dtype":"F32",)", 0), "malformed");
    expect_error<parse_error>(make(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8), "need 12 bytes");
    expect_error<unsupported_error>(make(R"({"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}})", 8),
                                    "unknown dtype 'Q4'");
    expect_error<parse_error>(make(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8), "non-negative");
    expect_error<parse_error>(make(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8), "< begin");
    expect_error<parse_error>(
        make(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12),
        "overlaps");
    expect_error<parse_error>(
        make(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})", 12),
        "hole");
    expect_error<parse_error>(
        make(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}})", 6),
        "not aligned");
    expect_error<parse_error>(
        make(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 8),
        "appears twice");
    expect_error<parse_error>(make(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}})", 8), "exactly");
    expect_error<parse_error>(make(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,8]}})", 8),
                              "overflows");
}

TEST_CASE("weight store: lookup by name, shape checks, NaN rejected, missing/extra reported by name") {
    using nn::weight_store;
    const auto bytes = io::encode_safetensors({{"a.weight", {2, 2}, {1, 2, 3, 4}}, {"a.bias", {2}, {0, 1}},
                                               {"junk", {1}, {9}}});
    auto w = weight_store::from_safetensors(io::safetensors_file::parse(bytes));
    const auto a = w.get<2>("a.weight", {2, 2});
    CHECK(a(1, 0) == 3.f);
    CHECK_THROWS_WITH_AS(w.get<2>("a.weight", {4, 1}), doctest::Contains("'a.weight' has shape [2x2], expected [4x1]"),
                         invalid_argument);
    CHECK_THROWS_WITH_AS(w.at("b.weight"), doctest::Contains("missing tensor 'b.weight'"), invalid_argument);
    const std::vector<nn::weight_spec> spec = {{"a.weight", {2, 3}}, {"a.bias", {2}}, {"b.weight", {1}}};
    try {
        w.check(spec);
        FAIL("check() should throw");
    } catch (const invalid_argument& e) {
        const std::string m = e.what();
        CHECK(m.find("missing (1): b.weight") != std::string::npos);
        CHECK(m.find("a.weight [2x2] (expected [2x3])") != std::string::npos);
        CHECK(m.find("unexpected (1): junk") != std::string::npos);
    }
    CHECK_NOTHROW(w.check({{"a.weight", {2, 2}}, {"a.bias", {2}}}, [](const std::string& n) { return n == "junk"; }));

    const float nan = std::nanf("");
    const auto bad = io::encode_safetensors({{"net.3.weight", {3}, {1, nan, 2}}});
    CHECK_THROWS_WITH_AS(weight_store::from_safetensors(io::safetensors_file::parse(bad)),
                         doctest::Contains("'net.3.weight' has a non-finite value"), parse_error);

    // The golden file's F16 tensor holds +-inf on purpose: the store must refuse it by name.
    CHECK_THROWS_WITH_AS(weight_store::load(golden("nn/st_mixed.safetensors")),
                         doctest::Contains("'b.f16' has a non-finite value (inf)"), parse_error);

    // Integer tensors are listed but not usable as floats.
    auto m = weight_store::load(test::source_dir() + "/tests/fuzz/corpus/safetensors/scalar_and_zero.safetensors");
    CHECK(m.non_float().count("i") == 1);
    CHECK_THROWS_AS(m.at("i"), unsupported_error);
    CHECK(m.at("s")() == 1.5f);
}

}  // namespace test_safetensors
