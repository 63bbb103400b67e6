// WAV tests. Golden files were written by scipy.io.wavfile.write (scripts/golden/gen_io.py,
// scipy 1.10.1) from an integer ramp, so every decoded sample is known exactly (bit-exact check).
// 24-bit and WAVE_FORMAT_EXTENSIBLE files are built byte by byte here from the RIFF specification.
#include <cmath>
#include <cstring>

#include "support.hpp"
#include "syncdsp/io/wav.hpp"

namespace test_wav {

using syncdsp::test::golden;
namespace io = syncdsp::io;

namespace {

std::int16_t ramp16(std::size_t i) { return std::int16_t(int((i * 1021) % 65536) - 32768); }

// A minimal RIFF file around a fmt chunk body and data bytes, with optional extra chunks before data.
std::vector<std::uint8_t> riff(const std::vector<std::uint8_t>& fmt, const std::vector<std::uint8_t>& data,
                               const std::vector<std::uint8_t>& extra = {}) {
    std::vector<std::uint8_t> b = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'A', 'V', 'E', 'f', 'm', 't', ' '};
    syncdsp::detail::store_u32le(b, std::uint32_t(fmt.size()));
    b.insert(b.end(), fmt.begin(), fmt.end());
    b.insert(b.end(), extra.begin(), extra.end());
    b.insert(b.end(), {'d', 'a', 't', 'a'});
    syncdsp::detail::store_u32le(b, std::uint32_t(data.size()));
    b.insert(b.end(), data.begin(), data.end());
    const std::uint32_t riff_size = std::uint32_t(b.size() - 8);
    std::memcpy(b.data() + 4, &riff_size, 4);
    return b;
}

std::vector<std::uint8_t> fmt_body(unsigned tag, unsigned channels, unsigned rate, unsigned bits) {
    std::vector<std::uint8_t> f;
    syncdsp::detail::store_u16le(f, std::uint16_t(tag));
    syncdsp::detail::store_u16le(f, std::uint16_t(channels));
    syncdsp::detail::store_u32le(f, rate);
    syncdsp::detail::store_u32le(f, rate * channels * bits / 8);
    syncdsp::detail::store_u16le(f, std::uint16_t(channels * bits / 8));
    syncdsp::detail::store_u16le(f, std::uint16_t(bits));
    return f;
}

std::vector<std::uint8_t> extensible(unsigned sub_tag, unsigned channels, unsigned rate, unsigned bits) {
    auto f = fmt_body(0xFFFE, channels, rate, bits);
    syncdsp::detail::store_u16le(f, 22);                    // cbSize
    syncdsp::detail::store_u16le(f, std::uint16_t(bits));  // valid bits
    syncdsp::detail::store_u32le(f, 0);                     // channel mask
    syncdsp::detail::store_u16le(f, std::uint16_t(sub_tag));
    const std::uint8_t tail[14] = {0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71};
    f.insert(f.end(), tail, tail + 14);
    return f;
}

io::wav_audio<double> decode(const std::vector<std::uint8_t>& b) { return io::decode_wav<double>(b.data(), b.size()); }

}  // namespace

TEST_CASE("decodes scipy-written PCM and float files bit-exactly") {
    auto s16 = io::read_wav<double>(golden("io/ramp_s16_stereo.wav"));
    CHECK(s16.sample_rate == 16000);
    CHECK(s16.format == io::wav_format::pcm_s16);
    REQUIRE(s16.frames() == 64);
    REQUIRE(s16.channels() == 2);
    for (std::size_t i = 0; i < 64; ++i) {
        CHECK(s16.samples(i, 0) == ramp16(i) / 32768.0);
        CHECK(s16.samples(i, 1) == (-ramp16(i) - 1) / 32768.0);
    }
    auto u8 = io::read_wav<double>(golden("io/ramp_u8_mono.wav"));
    CHECK(u8.sample_rate == 8000);
    for (std::size_t i = 0; i < 64; ++i) CHECK(u8.samples(i, 0) == (int(i * 4 % 256) - 128) / 128.0);
    auto s32 = io::read_wav<double>(golden("io/ramp_s32_mono.wav"));
    CHECK(s32.format == io::wav_format::pcm_s32);
    for (std::size_t i = 0; i < 64; ++i) CHECK(s32.samples(i, 0) == ramp16(i) / 32768.0);
    auto f32 = io::read_wav<double>(golden("io/ramp_f32_3ch.wav"));  // fmt of 18 bytes + a 'fact' chunk
    CHECK(f32.format == io::wav_format::float32);
    REQUIRE(f32.channels() == 3);
    for (std::size_t i = 0; i < 64; ++i) {
        CHECK(f32.samples(i, 0) == double(float(ramp16(i) / 32768.0)));
        CHECK(f32.samples(i, 1) == double(float(ramp16(i) / 65536.0)));
    }
    auto f64 = io::read_wav<double>(golden("io/ramp_f64_mono.wav"));
    for (std::size_t i = 0; i < 64; ++i) CHECK(f64.samples(i, 0) == ramp16(i) / 32768.0);
}

TEST_CASE("24-bit PCM and WAVE_FORMAT_EXTENSIBLE, with odd-sized unknown chunks skipped") {
    // Two 24-bit samples: 0x7FFFFF (max) and 0x800000 (min), little-endian.
    const std::vector<std::uint8_t> data = {0xff, 0xff, 0x7f, 0x00, 0x00, 0x80};
    const std::vector<std::uint8_t> odd_chunk = {'j', 'u', 'n', 'k', 3, 0, 0, 0, 1, 2, 3, 0 /* pad */};
    auto plain = decode(riff(fmt_body(1, 1, 48000, 24), data, odd_chunk));
    REQUIRE(plain.frames() == 2);
    CHECK(plain.samples(0, 0) == 8388607 / 8388608.0);
    CHECK(plain.samples(1, 0) == -1.0);
    auto ext = decode(riff(extensible(1, 2, 48000, 24), data));
    CHECK(ext.format == io::wav_format::pcm_s24);
    CHECK(ext.frames() == 1);
    CHECK(ext.channels() == 2);
    CHECK(ext.samples(0, 1) == -1.0);
    const float one = 0.5f;
    std::vector<std::uint8_t> fdata(4);
    std::memcpy(fdata.data(), &one, 4);
    CHECK(decode(riff(extensible(3, 1, 16000, 32), fdata)).samples(0, 0) == 0.5);
}

TEST_CASE("write/read round trip in every format, and downmix") {
    syncdsp::tensor<double, 2> s = syncdsp::tensor<double, 2>::from_shape({100, 2});
    for (std::size_t i = 0; i < 100; ++i) {
        s(i, 0) = std::sin(0.3 * double(i)) * 0.9;
        s(i, 1) = -s(i, 0);
    }
    struct { io::wav_format f; double tol; } cases[] = {
        {io::wav_format::pcm_u8, 1.0 / 128}, {io::wav_format::pcm_s16, 1.0 / 32768},
        {io::wav_format::pcm_s24, 1.0 / 8388608}, {io::wav_format::pcm_s32, 1e-9},
        {io::wav_format::float32, 1e-7}, {io::wav_format::float64, 0.0}};
    for (auto c : cases) {
        const std::string path = syncdsp::test::scratch("rt.wav");
        io::write_wav(path, s, 44100, c.f);
        auto back = io::read_wav<double>(path);
        CHECK(back.format == c.f);
        CHECK(back.sample_rate == 44100);
        REQUIRE(back.frames() == 100);
        double worst = 0;
        for (std::size_t i = 0; i < s.size(); ++i)
            worst = std::max(worst, std::fabs(back.samples.data()[i] - s.data()[i]));
        CHECK(worst <= c.tol);  // half a quantisation step, rounded to nearest
    }
    auto mono = io::downmix(s);
    for (std::size_t i = 0; i < 100; ++i) CHECK(mono(i) == doctest::Approx(0.0).epsilon(1e-12));
    CHECK_THROWS_AS(io::encode_wav(syncdsp::tensor<double, 2>::from_shape({1, 0}), 16000), syncdsp::invalid_argument);
    syncdsp::tensor<double, 2> nan = {{std::nan("")}};
    CHECK_THROWS_AS(io::encode_wav(nan, 16000), syncdsp::invalid_argument);
}

TEST_CASE("truncated or lying headers are parse errors naming the byte") {
    const std::vector<std::uint8_t> data(8, 0);
    const auto good = riff(fmt_body(1, 1, 16000, 16), data);
    CHECK_NOTHROW(decode(good));

    for (std::size_t cut = 0; cut < good.size(); ++cut) {  // every truncation is an error, none a crash
        std::vector<std::uint8_t> t(good.begin(), good.begin() + long(cut));
        CHECK_THROWS_AS(decode(t), syncdsp::parse_error);
    }
    auto lying_data = good;
    lying_data[40] = 200;  // data chunk claims 200 bytes, file has 8
    lying_data[4] = 0xff;  // RIFF size: streaming "unknown", so only the data chunk is checked
    lying_data[5] = lying_data[6] = lying_data[7] = 0xff;
    CHECK_THROWS_WITH_AS(decode(lying_data), doctest::Contains("truncated 'data' chunk at byte 36"), syncdsp::parse_error);
    auto lying_riff = good;
    lying_riff[4] = 0xf0;
    CHECK_THROWS_WITH_AS(decode(lying_riff), doctest::Contains("claims"), syncdsp::parse_error);
    auto bad_align = riff(fmt_body(1, 1, 16000, 16), std::vector<std::uint8_t>(7, 0));
    CHECK_THROWS_WITH_AS(decode(bad_align), doctest::Contains("whole number"), syncdsp::parse_error);
    CHECK_THROWS_AS(decode(riff(fmt_body(1, 0, 16000, 16), data)), syncdsp::parse_error);
    CHECK_THROWS_AS(decode(riff(fmt_body(1, 1, 0, 16), data)), syncdsp::parse_error);
    CHECK_THROWS_AS(decode(riff(fmt_body(1, 2000, 16000, 16), data)), syncdsp::parse_error);
    CHECK_THROWS_AS(decode(riff(fmt_body(1, 1, 16000, 12), data)), syncdsp::unsupported_error);
    CHECK_THROWS_AS(decode(riff(fmt_body(0x55, 1, 16000, 16), data)), syncdsp::unsupported_error);
    auto ext = extensible(1, 1, 16000, 16);
    ext[30] = 0x99;  // corrupt GUID
    CHECK_THROWS_AS(decode(riff(ext, data)), syncdsp::unsupported_error);
    // A streaming writer's 0xFFFFFFFF data size means "to the end of the file".
    auto streaming = good;
    streaming[40] = streaming[41] = streaming[42] = streaming[43] = 0xff;
    streaming[4] = streaming[5] = streaming[6] = streaming[7] = 0xff;
    CHECK(decode(streaming).frames() == 4);
    CHECK_THROWS_AS(io::read_wav<float>(syncdsp::test::scratch("no-such.wav")), syncdsp::io_error);
}

}  // namespace test_wav
