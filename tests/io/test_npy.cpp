// NPY tests. Golden files were written by numpy.save (scripts/golden/gen_io.py, numpy 1.24.2):
// values are closed-form ramps, so the comparison is exact.
#include <cstring>

#include "support.hpp"
#include "syncdsp/io/npy.hpp"

namespace test_npy {

using syncdsp::test::golden;

namespace {
double ramp(std::size_t i) { return double(i) * 0.25 - 3.0; }
}  // namespace

TEST_CASE("reads numpy-written files of several dtypes and ranks exactly") {
    auto a = syncdsp::io::read_npy<float>(golden("io/ramp_f4_2x3x4.npy"));
    REQUIRE(a.dimension() == 3);
    CHECK(a.shape()[0] == 2);
    CHECK(a.shape()[1] == 3);
    CHECK(a.shape()[2] == 4);
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a.data()[i] == float(ramp(i)));

    auto b = syncdsp::io::read_npy<double>(golden("io/ramp_f8_5.npy"));
    REQUIRE(b.dimension() == 1);
    for (std::size_t i = 0; i < 5; ++i) CHECK(b(i) == ramp(i));

    auto be = syncdsp::io::read_npy<double>(golden("io/ramp_f8_big_endian_3x2.npy"));
    for (std::size_t i = 0; i < 6; ++i) CHECK(be.data()[i] == ramp(i));

    auto i2 = syncdsp::io::read_npy<float>(golden("io/ramp_i2_4x2.npy"));
    for (std::size_t i = 0; i < 8; ++i) CHECK(i2.data()[i] == float(std::int16_t(ramp(i) * 4)));

    auto u1 = syncdsp::io::read_npy<int>(golden("io/ramp_u1_6.npy"));
    for (std::size_t i = 0; i < 6; ++i) CHECK(u1(i) == int(i * 40));

    auto s = syncdsp::io::read_npy<double>(golden("io/scalar_f8.npy"));
    CHECK(s.dimension() == 0);
    CHECK(s() == 2.5);

    auto e = syncdsp::io::read_npy<float>(golden("io/empty_f4_0x3.npy"));
    CHECK(e.size() == 0);
    CHECK(e.shape()[1] == 3);
}

TEST_CASE("write then read round-trips shape and values, and matches numpy's header layout") {
    syncdsp::tensor<float, 2> t = syncdsp::tensor<float, 2>::from_shape({3, 5});
    for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = float(i) - 7.5f;
    const std::string path = syncdsp::test::scratch("roundtrip.npy");
    syncdsp::io::write_npy(path, t);
    auto back = syncdsp::io::read_npy<float>(path);
    REQUIRE(back.dimension() == 2);
    CHECK(back.shape()[0] == 3);
    CHECK(back.shape()[1] == 5);
    CHECK(std::memcmp(back.data(), t.data(), t.size() * sizeof(float)) == 0);
    const auto bytes = syncdsp::io::read_file(path);
    CHECK((bytes.size() - t.size() * 4) % 64 == 0);  // data 64-byte aligned, as numpy writes
    const std::string header(bytes.begin() + 10, bytes.begin() + 74);
    CHECK(header.find("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), }") == 0);

    // 1-d shapes are written as numpy does, "(n,)".
    const double v[2] = {1, 2};
    const auto one = syncdsp::io::encode_npy(v, {2});
    CHECK(std::string(one.begin() + 10, one.end()).find("'shape': (2,), }") != std::string::npos);
}

TEST_CASE("malformed headers are parse errors that say what is wrong") {
    const auto good = syncdsp::io::read_file(golden("io/ramp_f8_5.npy"));
    auto decode = [](const std::vector<std::uint8_t>& b) { return syncdsp::io::decode_npy<double>(b.data(), b.size()); };

    auto truncated = good;
    truncated.resize(good.size() - 3);
    CHECK_THROWS_WITH_AS(decode(truncated), doctest::Contains("truncated"), syncdsp::parse_error);

    auto trailing = good;
    trailing.push_back(0);
    CHECK_THROWS_WITH_AS(decode(trailing), doctest::Contains("trailing"), syncdsp::parse_error);

    auto bad_magic = good;
    bad_magic[1] = 'X';
    CHECK_THROWS_AS(decode(bad_magic), syncdsp::parse_error);

    auto lying_len = good;
    lying_len[8] = 0xff;
    lying_len[9] = 0xff;
    CHECK_THROWS_WITH_AS(decode(lying_len), doctest::Contains("runs past the end"), syncdsp::parse_error);

    // Hand-made files: a v1.0 preamble around the given dictionary and `payload` data bytes.
    auto make = [](const std::string& dict, std::size_t payload) {
        std::string b = "\x93NUMPY";
        b += char(1);
        b += char(0);
        b += char(dict.size() & 0xff);
        b += char(dict.size() >> 8);
        b += dict;
        b.append(payload, '\0');
        return std::vector<std::uint8_t>(b.begin(), b.end());
    };
    CHECK_NOTHROW(decode(make("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16)));
    CHECK_THROWS_AS(decode(make("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 16)),
                    syncdsp::unsupported_error);
    CHECK_THROWS_AS(decode(make("{'descr': '<f8', 'fortran_order': True, 'shape': (2,), }", 16)),
                    syncdsp::unsupported_error);
    CHECK_THROWS_AS(decode(make("{'descr': '<f8', 'fortran_order': False, 'shape': (x2,), }", 16)),
                    syncdsp::parse_error);
    CHECK_THROWS_AS(decode(make("{'descr': '<f8', 'fortran_order': False}", 16)), syncdsp::parse_error);
    CHECK_THROWS_AS(decode(make("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}", 16)),
                    syncdsp::parse_error);
    // A shape whose element count overflows size_t must not allocate.
    CHECK_THROWS_AS(
        decode(make("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999, 99999999999), }", 16)),
        syncdsp::error);
    CHECK_THROWS_AS(decode(make("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), ", 16)),
                    syncdsp::parse_error);

    CHECK_THROWS_AS(syncdsp::io::read_npy<float>(syncdsp::test::scratch("does-not-exist.npy")),
                    syncdsp::io_error);
    const std::uint8_t empty = 0;
    CHECK_THROWS_AS(syncdsp::io::decode_npy<float>(&empty, 0), syncdsp::parse_error);
}

}  // namespace test_npy
