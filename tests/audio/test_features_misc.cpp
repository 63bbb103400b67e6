// ZCR, RMS and deltas against librosa 0.11.0 / python_speech_features (golden files from
// scripts/golden/gen_audio.py), and the resampler against closed-form tones.
#include <random>

#include "audio_support.hpp"
#include "syncdsp/audio/deltas.hpp"
#include "syncdsp/audio/resample.hpp"
#include "syncdsp/audio/zcr.hpp"

namespace test_features_misc {

using namespace syncdsp;
using namespace syncdsp::audio;
using syncdsp::test::audio_input;
using syncdsp::test::golden2;
using syncdsp::test::max_abs_diff;

TEST_CASE("zero_crossing_rate and rms reproduce librosa (defaults and 400/160 framing)") {
    // ZCR is a count / frame_length: exact (1e-12). RMS: librosa squares in float32 (its dtype
    // default), so the reference carries float32 rounding: 1e-7 on values up to ~0.3.
    for (const char* sig : {"speech", "synth"}) {
        CAPTURE(sig);
        const std::string s = sig;
        const auto x = audio_input<double>(sig);
        CHECK(max_abs_diff(zero_crossing_rate(x), golden2(s + "_librosa_zcr")) < 1e-12);
        CHECK(max_abs_diff(zero_crossing_rate(x, FrameFeatureOptions::librosa_zcr(400, 160)), golden2(s + "_librosa_zcr_speech")) < 1e-12);
        CHECK(max_abs_diff(rms(x), golden2(s + "_librosa_rms")) < 1e-7);
        CHECK(max_abs_diff(rms(x, FrameFeatureOptions::librosa_rms(400, 160)), golden2(s + "_librosa_rms_speech")) < 1e-7);
    }
}

TEST_CASE("zcr closed form: an alternating sign signal crosses at every sample") {
    tensor<double, 1> x = tensor<double, 1>::from_shape({1000});
    for (std::size_t i = 0; i < x.size(); ++i) x(i) = (i % 2) ? -1.0 : 1.0;
    const auto z = zero_crossing_rate(x, FrameFeatureOptions::kaldi());  // 400-sample frames, no padding
    REQUIRE(z.shape()[0] == 1 + (1000 - 400) / 160);
    for (std::size_t t = 0; t < z.shape()[0]; ++t) CHECK(z(t, 0) == doctest::Approx(399.0 / 400.0).epsilon(1e-15));
}

TEST_CASE("deltas reproduce librosa.feature.delta (Savitzky-Golay, interp edges) and psf.delta") {
    // Small least-squares weights built in double: 1e-9 on values up to ~100.
    const auto feat = golden2("speech_psf_mfcc");
    CHECK(max_abs_diff(deltas(feat, DeltaOptions::librosa(1)), golden2("speech_psf_mfcc_delta_librosa1")) < 1e-9);
    CHECK(max_abs_diff(deltas(feat, DeltaOptions::librosa(2)), golden2("speech_psf_mfcc_delta_librosa2")) < 1e-9);
    CHECK(max_abs_diff(deltas(feat, DeltaOptions::htk(2)), golden2("speech_psf_mfcc_delta_psf")) < 1e-12);
    tensor<double, 2> few = xt::zeros<double>({5, 3});
    CHECK_THROWS_AS(deltas(few, DeltaOptions::librosa()), invalid_argument);
}

namespace {
// Interior RMS (a quarter of the length away from each edge) of y - expected.
template <class F>
double interior_rms_error(const tensor<double, 1>& y, F&& expected) {
    const std::size_t a = y.size() / 4, b = y.size() - y.size() / 4;
    double acc = 0;
    for (std::size_t i = a; i < b; ++i) acc += std::pow(y(i) - expected(i), 2);
    return std::sqrt(acc / double(b - a));
}
tensor<double, 1> tone(double f, double sr, std::size_t n) {
    tensor<double, 1> x = tensor<double, 1>::from_shape({n});
    for (std::size_t i = 0; i < n; ++i) x(i) = std::sin(2 * M_PI * f * double(i) / sr);
    return x;
}
}  // namespace

TEST_CASE("resampler: pass-band tones survive exactly, stop-band tones are attenuated >= 80 dB") {
    // Closed form: resampling sin(2 pi f t) must give sin(2 pi f n / 16000) for f in the pass band
    // (error bound 1e-4 = the Kaiser pass-band ripple with margin) and (almost) nothing for f above
    // the new Nyquist: RMS <= 1e-4 of the tone's RMS (-80 dB).
    for (unsigned in : {44100u, 48000u, 8000u, 22050u}) {
        CAPTURE(in);
        const std::size_t n = in / 2;  // 0.5 s
        const polyphase_resampler<double> r(in, 16000);
        CHECK(r.output_length(n) == (n * 16000 + in - 1) / in);
        for (double f : {100.0, 1000.0, 3000.0}) {
            CAPTURE(f);
            const auto y = r.process(tone(f, in, n));
            REQUIRE(y.size() == r.output_length(n));
            CHECK(interior_rms_error(y, [f](std::size_t i) { return std::sin(2 * M_PI * f * double(i) / 16000.0); }) < 1e-4);
        }
        if (in > 16000) {
            for (double f : {8000.0, 8500.0, 12000.0, 0.45 * in}) {
                CAPTURE(f);
                const auto y = r.process(tone(f, in, n));
                CHECK(interior_rms_error(y, [](std::size_t) { return 0.0; }) < 1e-4 / std::sqrt(2.0));
            }
        }
    }
    CHECK_THROWS_AS(polyphase_resampler<double>(0, 16000), invalid_argument);
    tensor<double, 1> empty = tensor<double, 1>::from_shape({0});
    CHECK_THROWS_AS(resample(empty, 44100, 16000), invalid_argument);
}

}  // namespace test_features_misc
