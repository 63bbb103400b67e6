// Tests of syncdsp/audio/vad.hpp: the voice activity detector.
//
// Closed-form cases (silence, stationary noise, tone bursts with known boundaries, out-of-band
// tones, level changes, digital silence), the streaming/one-shot identity, the error cases, and
// agreement with the WebRTC VAD. The WebRTC decisions in tests/golden/vad/ were made by
// scripts/vad/fvad_reference.mjs (npm @echogarden/fvad-wasm 0.2.0 = libfvad as WASM) through
//   /usr/bin/python3 scripts/vad/compare.py --build build-vad --update-golden
// which also writes the espeak-ng clip (espeak.wav, int16) and its truth (espeak_truth.json).
#include <cmath>
#include <cstdint>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support.hpp"
#include "syncdsp/audio/vad.hpp"
#include "syncdsp/io/npy.hpp"
#include "syncdsp/io/wav.hpp"

namespace test_vad {

using syncdsp::audio::detect_voice_activity;
using syncdsp::audio::vad_result;
using syncdsp::audio::vad_stream;
using syncdsp::audio::VadOptions;

namespace {

constexpr double kRate = 16000.0;
constexpr double kPi = 3.14159265358979323846;

std::vector<float> white_noise(std::size_t n, double rms, unsigned seed) {
    std::mt19937 gen(seed);
    std::normal_distribution<double> d(0.0, rms);
    std::vector<float> x(n);
    for (auto& v : x) v = static_cast<float>(d(gen));
    return x;
}

double dbfs_to_rms(double db) { return std::pow(10.0, db / 20.0); }

/// Adds a tone of amplitude `amp` at `hz` over samples [a, b), with raised-cosine ramps of `ramp`
/// samples at both ends (0: abrupt, which makes a broadband click at the edges).
void add_tone(std::vector<float>& x, std::size_t a, std::size_t b, double hz, double amp, std::size_t ramp = 0) {
    for (std::size_t i = a; i < b && i < x.size(); ++i) {
        double g = 1.0;
        const std::size_t k = std::min(i - a, b - 1 - i);
        if (k < ramp) g = 0.5 - 0.5 * std::cos(kPi * double(k) / double(ramp));
        x[i] += static_cast<float>(g * amp * std::sin(2.0 * kPi * hz * double(i) / kRate));
    }
}

std::size_t count(const syncdsp::tensor<std::uint8_t, 1>& v) {
    std::size_t c = 0;
    for (auto b : v) c += b;
    return c;
}

/// The error id of what f throws, or "" if it throws nothing.
template <class F>
std::string thrown_id(F&& f, std::string* what = nullptr) {
    try {
        f();
    } catch (const syncdsp::error& e) {
        if (what) *what = e.what();
        return e.id();
    }
    return "";
}

/// Bundled LRS3 audio rounded to int16 (what the WebRTC reference read), as float in [-1, 1).
std::vector<float> lrs3_int16() {
    const auto w = syncdsp::io::read_wav<double>(syncdsp::test::source_dir() +
                                                 "/data/lrs3_C8zY0oAdQrs_00018/audio_16k.wav");
    const auto mono = syncdsp::io::downmix(w.samples);
    std::vector<float> x(mono.size());
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = static_cast<float>(std::clamp(std::round(mono(i) * 32768.0), -32768.0, 32767.0) / 32768.0);
    return x;
}

struct agreement {
    double agree = 0, kappa = 0, ours = 0, ref = 0;
};

agreement compare(const vad_result& r, const syncdsp::array<std::uint8_t>& ref, std::size_t mode) {
    const std::size_t n = ref.shape()[1];
    REQUIRE(r.size() == n);
    double same = 0, a = 0, b = 0;
    for (std::size_t t = 0; t < n; ++t) {
        const int o = r.speech(t), w = ref(mode, t);
        same += (o == w);
        a += o;
        b += w;
    }
    agreement g;
    g.agree = same / double(n);
    g.ours = a / double(n);
    g.ref = b / double(n);
    const double pe = g.ours * g.ref + (1 - g.ours) * (1 - g.ref);
    g.kappa = (g.agree - pe) / (1 - pe);
    return g;
}

}  // namespace

TEST_CASE("vad: options have documented defaults, a readable to_string and validation") {
    const VadOptions o;
    CHECK(o.frame_ms == 10.0);
    CHECK(o.hangover_ms == 150.0);
    const std::string s = o.to_string();
    CHECK(s.find("frame_ms=10") != std::string::npos);
    CHECK(s.find("band=300-3400 Hz") != std::string::npos);
    CHECK(s.find("hangover_ms=150") != std::string::npos);

    VadOptions bad;
    bad.onset_snr_db = 3;  // below offset 6
    CHECK(thrown_id([&] { vad_stream(kRate, bad); }) == "invalid_argument.vad");
    bad = VadOptions{};
    bad.likelihood_scale_db = 0;
    CHECK(thrown_id([&] { vad_stream(kRate, bad); }) == "invalid_argument.vad");
    bad = VadOptions{};
    bad.frame_ms = std::nan("");
    CHECK(thrown_id([&] { vad_stream(kRate, bad); }) == "invalid_argument.vad");
    bad = VadOptions{};
    bad.floor_window_s = 1e9;
    CHECK(thrown_id([&] { vad_stream(kRate, bad); }) == "invalid_argument.vad");
    bad = VadOptions{};
    bad.band_low_hz = 9000;  // above Nyquist at 16 kHz
    bad.band_high_hz = 10000;
    CHECK(thrown_id([&] { vad_stream(kRate, bad); }) == "invalid_argument.vad");
    bad = VadOptions{};
    bad.hangover_ms = -1;
    CHECK(thrown_id([&] { vad_stream(kRate, bad); }) == "invalid_argument.vad");
}

TEST_CASE("vad: sample rates - any rate with a whole-sample frame, clear errors otherwise") {
    CHECK(vad_stream(16000.0).frame_length() == 160);
    CHECK(vad_stream(44100.0).frame_length() == 441);
    CHECK(vad_stream(48000.0).frame_length() == 480);
    CHECK(vad_stream(8000.0).frame_length() == 80);
    std::string what;
    // 10 ms at 22050 Hz is 220.5 samples: the frame rate would not be exact.
    CHECK(thrown_id([&] { vad_stream(22050.0); }, &what) == "invalid_argument.vad");
    CHECK(what.find("220.5") != std::string::npos);
    VadOptions twenty;
    twenty.frame_ms = 20;
    CHECK(vad_stream(22050.0, twenty).frame_length() == 441);
    CHECK(thrown_id([&] { vad_stream(4000.0); }) == "invalid_argument.vad");
    CHECK(thrown_id([&] { vad_stream(0.0); }) == "invalid_argument.vad");
    CHECK(thrown_id([&] { vad_stream(std::numeric_limits<double>::infinity()); }) == "invalid_argument.vad");
}

TEST_CASE("vad: empty, shorter than a frame, NaN/Inf are errors; exactly one frame works") {
    std::vector<float> empty;
    std::string what;
    CHECK(thrown_id([&] { detect_voice_activity(empty, kRate); }, &what) == "invalid_argument.vad");
    CHECK(what.find("empty") != std::string::npos);
    std::vector<float> short_x(159, 0.1f);
    CHECK(thrown_id([&] { detect_voice_activity(short_x, kRate); }, &what) == "invalid_argument.vad");
    CHECK(what.find("shorter than one frame") != std::string::npos);
    std::vector<float> one(160, 0.1f);
    CHECK(detect_voice_activity(one, kRate).size() == 1);
    std::vector<float> tail(161 + 158, 0.1f);  // the incomplete tail frame is dropped
    CHECK(detect_voice_activity(tail, kRate).size() == 1);

    auto x = white_noise(1600, 0.01, 1);
    x[500] = std::numeric_limits<float>::quiet_NaN();
    CHECK(thrown_id([&] { detect_voice_activity(x, kRate); }, &what) == "invalid_argument.vad");
    CHECK(what.find("sample 500") != std::string::npos);
    x[500] = 0;
    x[1599] = -std::numeric_limits<float>::infinity();
    CHECK(thrown_id([&] { detect_voice_activity(x, kRate); }, &what) == "invalid_argument.vad");
    CHECK(what.find("sample 1599") != std::string::npos);
    std::vector<double> huge(1600, 0.0);
    huge[7] = 1e200;  // finite, but its square is not
    CHECK(thrown_id([&] { detect_voice_activity(huge, kRate); }, &what) == "invalid_argument.vad");
    CHECK(what.find("sample 7") != std::string::npos);
}

TEST_CASE("vad: int16-scale input gives the same decisions as [-1, 1) input") {
    auto x = white_noise(3 * 16000, dbfs_to_rms(-50), 14);
    add_tone(x, 16000, 24000, 500.0, 0.2, 80);
    std::vector<double> big(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) big[i] = 32768.0 * double(x[i]);
    const auto a = detect_voice_activity(x, kRate), b = detect_voice_activity(big, kRate);
    REQUIRE(a.size() == b.size());
    CHECK(count(a.speech) == 50 + 15);
    for (std::size_t t = 0; t < a.size(); ++t) {
        CHECK(a.speech(t) == b.speech(t));
        CHECK(a.likelihood(t) == doctest::Approx(b.likelihood(t)).epsilon(1e-4));
    }
}

TEST_CASE("vad: digital silence is missing, not speech and not quiet non-speech") {
    const std::vector<double> zeros(16000, 0.0);
    const auto r = detect_voice_activity(zeros, kRate);
    REQUIRE(r.size() == 100);
    CHECK(count(r.missing) == 100);
    CHECK(count(r.speech) == 0);
    for (std::size_t t = 0; t < r.size(); ++t) {
        CHECK(r.likelihood(t) == 0.0f);
        CHECK(std::isfinite(r.log_energy_db(t)));
        CHECK(std::isfinite(r.noise_floor_db(t)));
        CHECK(r.snr_db(t) == 0.0f);
    }

    // Quiet non-speech: white noise at -90 dBFS (a few LSB of 16-bit audio) is present data.
    const auto quiet = white_noise(32000, dbfs_to_rms(-90), 2);
    const auto q = detect_voice_activity(quiet, kRate);
    CHECK(count(q.missing) == 0);
    CHECK(count(q.speech) == 0);
    // Its floor is clamped to min_floor_db: the band energy is below -80 dBFS.
    CHECK(q.noise_floor_db(100) == doctest::Approx(-80.0));
}

TEST_CASE("vad: stationary white noise at any level is not speech") {
    // Closed form: 10 ms Hann frames of white noise have ~40 degrees of freedom in the band, so a
    // frame 7.5 dB above the noise mean has probability < 1e-9; the floor sits at most ~2 dB under
    // the mean. No frame may reach the 9 dB onset.
    for (double db : {-60.0, -40.0, -20.0, -6.0}) {
        CAPTURE(db);
        const auto x = white_noise(5 * 16000, dbfs_to_rms(db), 3);
        const auto r = detect_voice_activity(x, kRate);
        CHECK(count(r.speech) == 0);
        CHECK(count(r.missing) == 0);
        float maxp = 0;
        double flat = 0;
        for (std::size_t t = 0; t < r.size(); ++t) {
            maxp = std::max(maxp, r.likelihood(t));
            flat += r.flatness(t);
        }
        CHECK(maxp < 0.5f);
        // Mean flatness of white noise's periodogram: exp(-gamma) = 0.5615 (Hann-correlated bins
        // and the finite band move it a little: allow 0.05).
        CHECK(flat / double(r.size()) == doctest::Approx(0.5615).epsilon(0.09));
        // The band share of white noise is the band's share of 0..8 kHz: 3100 / 8000 (bins are
        // whole, +-1 bin of 62.5 Hz at each edge).
        CHECK(r.band_ratio(200) == doctest::Approx(3100.0 / 8000.0).epsilon(0.15));
    }
}

TEST_CASE("vad: in-band tone bursts are found at their boundaries; hangover is exact") {
    // 1 kHz bursts (amplitude 0.1: band power 0.005 = -23 dBFS) over white noise at -50 dBFS
    // (band -54 dBFS): SNR ~31 dB. Bursts start on frame boundaries.
    const std::size_t n = 6 * 16000;
    auto x = white_noise(n, dbfs_to_rms(-50), 4);
    const std::size_t bursts[][2] = {{16000, 24000}, {48000, 64000}, {80000, 80000 + 4000}};
    for (auto& b : bursts) add_tone(x, b[0], b[1], 1000.0, 0.1);
    const auto r = detect_voice_activity(x, kRate);
    REQUIRE(r.size() == 600);
    const std::size_t hang = 15;  // 150 ms / 10 ms
    std::vector<int> expected(600, 0);
    for (auto& b : bursts)
        for (std::size_t t = b[0] / 160; t < b[1] / 160 + hang && t < 600; ++t) expected[t] = 1;
    std::size_t diff = 0;
    for (std::size_t t = 0; t < 600; ++t) diff += (int(r.speech(t)) != expected[t]);
    CHECK(diff == 0);
    // The band energy of a burst frame is the tone's power: A^2 / 2 = 0.005 (-23.0 dBFS), within
    // 0.2 dB (noise adds 31 dB below).
    CHECK(r.band_energy_db(20000 / 160) == doctest::Approx(10 * std::log10(0.005)).epsilon(0.01));
    // A tone frame has almost all its energy in the band and a small flatness.
    CHECK(r.band_ratio(20000 / 160) > 0.99f);
    CHECK(r.flatness(20000 / 160) < 0.1f);
    // The floor in a burst is the noise level (band ~ -54 dBFS), not the tone.
    CHECK(r.noise_floor_db(20000 / 160) < -50.0f);
    CHECK(r.likelihood(20000 / 160) > 0.99f);
    CHECK(r.likelihood(40000 / 160) < 0.1f);

    SUBCASE("no hangover: the decision ends with the burst") {
        VadOptions o;
        o.hangover_ms = 0;
        const auto r0 = detect_voice_activity(x, kRate, o);
        for (auto& b : bursts) {
            CHECK(r0.speech(b[0] / 160) == 1);
            CHECK(r0.speech(b[1] / 160 - 1) == 1);
            CHECK(r0.speech(b[1] / 160) == 0);
            if (b[0] >= 160) CHECK(r0.speech(b[0] / 160 - 1) == 0);
        }
    }
}

TEST_CASE("vad: the decision does not depend on the recording level") {
    const std::size_t n = 4 * 16000;
    auto x = white_noise(n, dbfs_to_rms(-40), 5);
    add_tone(x, 16000, 32000, 440.0, 0.3);
    add_tone(x, 40000, 48000, 2000.0, 0.05);
    std::vector<float> y(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) y[i] = 0.03f * x[i];  // -30.5 dB; noise band stays > -80 dBFS
    const auto a = detect_voice_activity(x, kRate), b = detect_voice_activity(y, kRate);
    REQUIRE(a.size() == b.size());
    CHECK(count(a.speech) == 100 + 15 + 50 + 15);  // the two tones plus 150 ms hangover each
    const double shift = 20 * std::log10(0.03);
    for (std::size_t t = 0; t < a.size(); ++t) {
        CHECK(a.speech(t) == b.speech(t));
        CHECK(a.likelihood(t) == doctest::Approx(b.likelihood(t)).epsilon(1e-4));
        CHECK(b.band_energy_db(t) - a.band_energy_db(t) == doctest::Approx(shift).epsilon(1e-3));
    }
}

TEST_CASE("vad: tones outside the speech band are not speech") {
    auto x = white_noise(3 * 16000, dbfs_to_rms(-50), 6);
    // 10 ms ramps: an abrupt start is a broadband click, which is (briefly) in band.
    add_tone(x, 8000, 24000, 6000.0, 0.3, 160);  // above 3400 Hz
    // Hum below 300 Hz, 16.5 dB over the (full-band) noise. A 10 ms Hann frame has a +-200 Hz main
    // lobe and -31 dB sidelobes, so a hum 40 dB over the noise (amplitude 0.3) does leak into the
    // band edge (docs/vad.md: high-pass such input or use 30 ms frames).
    add_tone(x, 30000, 40000, 100.0, 0.03, 160);
    const auto r = detect_voice_activity(x, kRate);
    CHECK(count(r.speech) == 0);
    // ...but the band can be moved: 4-7 kHz sees the 6 kHz tone.
    VadOptions hi;
    hi.band_low_hz = 4000;
    hi.band_high_hz = 7000;
    const auto h = detect_voice_activity(x, kRate, hi);
    CHECK(h.speech(16000 / 160) == 1);
}

TEST_CASE("vad: spectral flatness term - a tone beats white noise of the same band energy") {
    // Background white noise N; bursts adding 5 dB of band power over N's mean: tone bursts vs
    // noise bursts. Band SNR of either burst frame ~ +6.2 dB over the mean noise (+ the floor's
    // ~1 dB bias): between offset and onset. The tone's flatness (~0) earns +3.4 dB (likelihood
    // ~0.75, speech); the noise burst's flatness (~0.56) earns nothing (likelihood ~0.45). With
    // flatness_gain_db = 0 both bursts have the same likelihood.
    const std::size_t n = 8 * 16000;
    const double noise_rms = dbfs_to_rms(-40);
    auto x = white_noise(n, noise_rms, 7);
    const double band_noise = noise_rms * noise_rms * 3100.0 / 8000.0;
    const double extra = band_noise * std::pow(10.0, 0.5);  // +5 dB
    add_tone(x, 32000, 48000, 1000.0, std::sqrt(2.0 * extra));
    const auto burst = white_noise(16000, std::sqrt(extra * 8000.0 / 3100.0), 8);
    for (std::size_t i = 0; i < 16000; ++i) x[80000 + i] += burst[i];
    const auto mean = [](const vad_result& r, std::size_t a, std::size_t b) {
        double m = 0;
        for (std::size_t t = a; t < b; ++t) m += r.likelihood(t);
        return m / double(b - a);
    };
    const auto r = detect_voice_activity(x, kRate);
    std::size_t tone = 0;
    for (std::size_t t = 205; t < 295; ++t) tone += r.speech(t);
    CHECK(tone >= 81);  // >= 90 %
    const double lt = mean(r, 205, 295), ln = mean(r, 505, 595);
    MESSAGE("mean likelihood: tone " << lt << ", noise burst " << ln);
    // Expected ~0.67 vs ~0.47 (the tone+noise mix has flatness ~0.15, not 0: +2.5 dB); the floor's
    // bias moves both by up to ~1 dB (0.08 in likelihood).
    CHECK(lt > 0.58);
    CHECK(ln < 0.52);
    CHECK(lt - ln > 0.12);
    VadOptions flat0;
    flat0.flatness_gain_db = 0;
    const auto r0 = detect_voice_activity(x, kRate, flat0);
    CHECK(mean(r0, 205, 295) == doctest::Approx(mean(r0, 505, 595)).epsilon(0.1));
}

TEST_CASE("vad: digital silence inside a signal is missing and left out of the floor") {
    auto x = white_noise(4 * 16000, dbfs_to_rms(-50), 9);
    add_tone(x, 8000, 16000, 800.0, 0.2);
    add_tone(x, 40000, 48000, 800.0, 0.2);
    for (std::size_t i = 20000; i < 36000; ++i) x[i] = 0.0f;  // frames 125..224 fully zero
    const auto r = detect_voice_activity(x, kRate);
    for (std::size_t t = 0; t < r.size(); ++t) {
        CAPTURE(t);
        const bool inside = t >= 125 && t < 225;
        CHECK(r.missing(t) == (inside ? 1 : 0));
        if (inside) {
            CHECK(r.speech(t) == 0);
            CHECK(r.likelihood(t) == 0.0f);
        }
    }
    // The floor next to the gap is the noise's band level (-54 dBFS), not -80 or -120.
    CHECK(r.noise_floor_db(230) > -58.0f);
    CHECK(r.noise_floor_db(230) < -53.0f);
    // Hangover does not run into the gap (the burst 50-100 ends 25 frames before it anyway) and the
    // decision restarts cleanly after it.
    CHECK(r.speech(250) == 1);
    CHECK(r.speech(240) == 0);
}

TEST_CASE("vad: streaming with random chunk sizes equals the one-shot call, bit for bit") {
    auto x = white_noise(7 * 16000 + 77, dbfs_to_rms(-45), 10);
    add_tone(x, 10000, 30000, 700.0, 0.1);
    add_tone(x, 60000, 61000, 1500.0, 0.2);
    for (std::size_t i = 70000; i < 75000; ++i) x[i] = 0.0f;
    for (double ms : {10.0, 30.0}) {
        VadOptions o;
        o.frame_ms = ms;
        const auto whole = detect_voice_activity(x, kRate, o);
        std::mt19937 gen{static_cast<unsigned>(ms)};
        for (int trial = 0; trial < 3; ++trial) {
            vad_stream s(kRate, o);
            vad_result got;
            std::size_t pos = 0;
            std::uniform_int_distribution<std::size_t> len(0, trial == 0 ? 7 : (trial == 1 ? 400 : 20000));
            while (pos < x.size()) {
                const std::size_t k = std::min(len(gen), x.size() - pos);
                s.accept(x.data() + pos, k);
                pos += k;
                // Frames are ready latency_frames() after they are complete, not before.
                const std::size_t complete = pos / s.frame_length();
                CHECK(s.frames_seen() == complete);
                CHECK(got.size() + s.frames_ready() ==
                      (complete > s.latency_frames() ? complete - s.latency_frames() : 0));
                if (gen() % 3 == 0) got.append(s.take());
            }
            s.finish();
            got.append(s.take());
            CHECK(s.frames_ready() == 0);
            REQUIRE(got.size() == whole.size());
            CHECK(got.first_frame == 0);
            for (std::size_t t = 0; t < whole.size(); ++t) {
                CHECK(got.speech(t) == whole.speech(t));
                CHECK(got.likelihood(t) == whole.likelihood(t));
                CHECK(got.missing(t) == whole.missing(t));
                CHECK(got.noise_floor_db(t) == whole.noise_floor_db(t));
                CHECK(got.band_energy_db(t) == whole.band_energy_db(t));
                CHECK(got.flatness(t) == whole.flatness(t));
            }
        }
    }
}

TEST_CASE("vad: stream errors - NaN names the index in the whole stream; accept after finish") {
    vad_stream s(kRate);
    const auto x = white_noise(1000, 0.01, 11);
    s.accept(x.data(), x.size());
    auto y = white_noise(500, 0.01, 12);
    y[123] = std::numeric_limits<float>::quiet_NaN();
    std::string what;
    CHECK(thrown_id([&] { s.accept(y.data(), y.size()); }, &what) == "invalid_argument.vad");
    CHECK(what.find("sample 1123") != std::string::npos);
    CHECK(s.frames_seen() == 6);  // the bad chunk was not consumed
    s.finish();
    CHECK(thrown_id([&] { s.accept(x.data(), x.size()); }) == "invalid_argument.vad");
    CHECK(s.take().size() == 6);
}

TEST_CASE("vad: espeak-ng speech with known gaps - truth and agreement with WebRTC VAD") {
    const std::string wav = syncdsp::test::golden("vad/espeak.wav");
    SYNCDSP_REQUIRE_FILE_OR_SKIP(wav);
    const auto w = syncdsp::io::read_wav<float>(wav);
    const auto x = syncdsp::io::downmix(w.samples);
    nlohmann::json truth;
    std::ifstream(syncdsp::test::golden("vad/espeak_truth.json")) >> truth;
    for (int ms : {10, 30}) {
        CAPTURE(ms);
        VadOptions o;
        o.frame_ms = ms;
        const auto r = detect_voice_activity(x, double(w.sample_rate), o);
        const std::size_t L = r.frame_length;
        // Truth: frames wholly inside a sentence are speech (>= 97 %: espeak's own pauses at
        // commas may fall below the offset); frames of a noise gap after the hangover (150 ms + one
        // frame) are not (<= 3 %); the digital-silence gap is exactly the missing frames.
        std::size_t in_speech = 0, n_speech = 0, in_gap = 0, n_gap = 0, missing_expected = 0;
        const std::size_t ds = truth["digital_silence_gap"].get<std::size_t>();
        for (std::size_t t = 0; t < r.size(); ++t) {
            const std::size_t a = t * L, b = a + L;
            for (const auto& sp : truth["speech_spans"])
                if (a >= sp[0].get<std::size_t>() && b <= sp[1].get<std::size_t>()) {
                    ++n_speech;
                    in_speech += r.speech(t);
                }
            for (std::size_t g = 0; g < truth["gaps"].size(); ++g) {
                const auto& gp = truth["gaps"][g];
                const std::size_t g0 = gp[0].get<std::size_t>(), g1 = gp[1].get<std::size_t>();
                if (g == ds && a >= g0 && b <= g1) ++missing_expected;
                if (g != ds && a >= g0 + 2400 + L && b <= g1) {
                    ++n_gap;
                    in_gap += r.speech(t);
                }
            }
        }
        CHECK(count(r.missing) == missing_expected);
        CHECK(double(in_speech) >= 0.97 * double(n_speech));
        CHECK(double(in_gap) <= 0.03 * double(n_gap));

        // WebRTC agreement. Measured (scripts/vad/compare.py, docs/vad.md): 10 ms 98.7 % / kappa
        // 0.95 vs mode 0; 30 ms 97.1 % / 0.88. An all-speech answer would agree 84-87 % with kappa
        // 0, so the thresholds sit on kappa (0.8) as well as agreement (95 %): the detectors differ
        // by design (hangover length, onsets), not by chance.
        const auto ref = syncdsp::io::read_npy<std::uint8_t>(
            syncdsp::test::golden("vad/espeak_fvad_" + std::to_string(ms) + "ms.npy"));
        const auto g = compare(r, ref, 0);
        MESSAGE("espeak " << ms << " ms vs WebRTC mode 0: agreement " << g.agree << ", kappa " << g.kappa);
        CHECK(g.agree >= 0.95);
        CHECK(g.kappa >= 0.80);
    }
}

TEST_CASE("vad: LRS3 clip - agreement with WebRTC VAD") {
    const std::string ref10 = syncdsp::test::golden("vad/lrs3_fvad_10ms.npy");
    SYNCDSP_REQUIRE_FILE_OR_SKIP(ref10);
    const auto x = lrs3_int16();
    // Measured (docs/vad.md): 30 ms: 92.0 % agreement, kappa 0.55 vs mode 0; 10 ms: 87.2 %, kappa
    // 0.19 - at 10 ms syncdsp keeps calling two pauses with breath/reverberation energy 5-9 dB
    // over the floor speech, where WebRTC does not. The clip is 86-88 % speech for WebRTC mode 0,
    // so agreement alone says little; the thresholds (a few points under the measurements) guard
    // against regressions, not claim equivalence.
    VadOptions o30;
    o30.frame_ms = 30;
    const auto r30 = detect_voice_activity(x, kRate, o30);
    const auto g30 = compare(r30, syncdsp::io::read_npy<std::uint8_t>(syncdsp::test::golden("vad/lrs3_fvad_30ms.npy")), 0);
    MESSAGE("lrs3 30 ms vs WebRTC mode 0: agreement " << g30.agree << ", kappa " << g30.kappa);
    CHECK(g30.agree >= 0.88);
    CHECK(g30.kappa >= 0.40);
    const auto r10 = detect_voice_activity(x, kRate);
    const auto g10 = compare(r10, syncdsp::io::read_npy<std::uint8_t>(ref10), 0);
    MESSAGE("lrs3 10 ms vs WebRTC mode 0: agreement " << g10.agree << ", kappa " << g10.kappa);
    CHECK(g10.agree >= 0.84);
    CHECK(g10.kappa >= 0.10);
}

TEST_CASE("vad: other sample rates give the same boundaries in time") {
    // A 1 kHz burst from 1.0 s to 2.0 s over white noise at -50 dBFS, 3 s long, at several rates:
    // at 10 ms frames every rate has frames 100..199 inside the burst; the decision must cover
    // exactly 100..199 plus the 15-frame hangover (the burst starts and ends on frame boundaries).
    for (double rate : {8000.0, 32000.0, 44100.0, 48000.0}) {
        CAPTURE(rate);
        const std::size_t n = static_cast<std::size_t>(3 * rate);
        std::mt19937 gen(13);
        std::normal_distribution<double> d(0.0, dbfs_to_rms(-50));
        std::vector<double> x(n);
        for (std::size_t i = 0; i < n; ++i) {
            x[i] = d(gen);
            if (i >= std::size_t(rate) && i < std::size_t(2 * rate)) x[i] += 0.1 * std::sin(2.0 * kPi * 1000.0 * double(i) / rate);
        }
        const auto r = detect_voice_activity(x, rate);
        REQUIRE(r.size() == 300);
        CHECK(r.frame_rate() == doctest::Approx(100.0));
        std::size_t diff = 0;
        for (std::size_t t = 0; t < 300; ++t) diff += (r.speech(t) != ((t >= 100 && t < 215) ? 1 : 0));
        CHECK(diff == 0);
    }
}

TEST_CASE("vad: random signals and options - outputs stay in range, never NaN, stream == one-shot") {
    std::mt19937 gen(2026);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const double frame_choices[] = {5.0, 10.0, 20.0, 30.0};
    for (int trial = 0; trial < 12; ++trial) {
        CAPTURE(trial);
        VadOptions o;
        o.frame_ms = frame_choices[gen() % 4];
        o.band_low_hz = 50.0 + 900.0 * u(gen);
        o.band_high_hz = o.band_low_hz + 200.0 + 7000.0 * u(gen);  // may pass Nyquist: clipped
        o.hangover_ms = 300.0 * u(gen);
        o.floor_window_s = 0.2 + 4.0 * u(gen);
        o.floor_smoothing_ms = 200.0 * u(gen);
        // A patchwork of silence, digital silence, noise, tones, clipped square waves and clicks.
        std::vector<float> x(static_cast<std::size_t>(16000 * (0.5 + 2.0 * u(gen))));
        std::normal_distribution<double> nd(0.0, 1.0);
        std::size_t pos = 0;
        while (pos < x.size()) {
            const std::size_t len = std::min(x.size() - pos, std::size_t(50 + gen() % 4000));
            const int kind = int(gen() % 5);
            const double amp = std::pow(10.0, -5.0 * u(gen));
            const double hz = 50.0 + 7000.0 * u(gen);
            for (std::size_t i = pos; i < pos + len; ++i) {
                const double ph = std::sin(2.0 * kPi * hz * double(i) / kRate);
                double v = 0;
                if (kind == 1) v = amp * nd(gen);
                if (kind == 2) v = amp * ph;
                if (kind == 3) v = ph >= 0 ? 1.0 : -1.0;
                if (kind == 4) v = (i % 997 == 0) ? 1.0 : 0.0;
                x[i] = static_cast<float>(v);
            }
            pos += len;
        }
        if (x.size() < 480) continue;
        const auto r = detect_voice_activity(x, kRate, o);
        for (std::size_t t = 0; t < r.size(); ++t) {
            CHECK(r.likelihood(t) >= 0.0f);
            CHECK(r.likelihood(t) <= 1.0f);
            CHECK(r.speech(t) <= 1);
            CHECK(std::isfinite(r.snr_db(t)));
            CHECK(std::isfinite(r.noise_floor_db(t)));
            CHECK(r.noise_floor_db(t) >= o.min_floor_db);
            CHECK(r.flatness(t) >= 0.0f);
            CHECK(r.flatness(t) <= 1.0f);
            CHECK(r.band_ratio(t) >= 0.0f);
            CHECK(r.band_ratio(t) <= 1.0f);
            if (r.missing(t)) CHECK(r.speech(t) == 0);
        }
        vad_stream s(kRate, o);
        vad_result got;
        for (std::size_t p = 0; p < x.size();) {
            const std::size_t k = std::min(x.size() - p, std::size_t(gen() % 3000));
            s.accept(x.data() + p, k);
            p += k;
            got.append(s.take());
        }
        s.finish();
        got.append(s.take());
        REQUIRE(got.size() == r.size());
        for (std::size_t t = 0; t < r.size(); ++t) {
            CHECK(got.speech(t) == r.speech(t));
            CHECK(got.likelihood(t) == r.likelihood(t));
        }
    }
}

}  // namespace test_vad
