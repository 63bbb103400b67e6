// Bad input to the audio layer: each case must throw syncdsp::invalid_argument (never crash,
// hang or return NaN), with an id naming the component.
#include <limits>

#include "audio_support.hpp"
#include "syncdsp/audio/zcr.hpp"

namespace test_bad_input {

using namespace syncdsp;
using namespace syncdsp::audio;

namespace {
tensor<double, 1> noise(std::size_t n) {
    tensor<double, 1> x = tensor<double, 1>::from_shape({n});
    for (std::size_t i = 0; i < n; ++i) x(i) = 0.1 * std::sin(0.37 * double(i)) + 0.05 * std::cos(2.1 * double(i));
    return x;
}
template <class F>
std::string error_id(F&& f) {
    try {
        f();
    } catch (const invalid_argument& e) {
        return e.id();
    }
    return "no error";
}
}  // namespace

TEST_CASE("empty, non-finite and too-short signals") {
    tensor<double, 1> empty = tensor<double, 1>::from_shape({0});
    CHECK(error_id([&] { mfcc(empty, MfccOptions::python_speech_features()); }) == "invalid_argument.mfcc");
    CHECK(error_id([&] { log_mel(empty, LogMelOptions::librosa()); }) == "invalid_argument.log_mel");
    CHECK(error_id([&] { zero_crossing_rate(empty); }) == "invalid_argument.zcr");
    CHECK(error_id([&] { rms(empty); }) == "invalid_argument.rms");
    auto x = noise(4000);
    x(1234) = std::numeric_limits<double>::quiet_NaN();
    CHECK(error_id([&] { mfcc(x, MfccOptions::kaldi()); }) == "invalid_argument.mfcc");
    x(1234) = std::numeric_limits<double>::infinity();
    CHECK(error_id([&] { spectrogram(x, StftOptions{}); }) == "invalid_argument.stft");
    // shorter than one frame: Kaldi (snip edges) -> error; psf -> one zero-padded frame; librosa -> centred frames
    const auto shorty = noise(399);
    CHECK(error_id([&] { mfcc(shorty, MfccOptions::kaldi()); }) == "invalid_argument.mfcc");
    CHECK(mfcc(shorty, MfccOptions::python_speech_features()).shape()[0] == 1);
    CHECK(mfcc(shorty, MfccOptions::librosa()).shape()[0] == 1 + 399 / 512);
    // silence is valid: floors apply, no NaN/Inf
    tensor<double, 1> zeros = xt::zeros<double>({4000});
    for (const auto& o : {MfccOptions::python_speech_features(), MfccOptions::kaldi(), MfccOptions::librosa()}) {
        const auto m = mfcc(zeros, o);
        CHECK(first_non_finite(m.data(), m.size()) == m.size());
    }
}

TEST_CASE("bad sizes and ranges in the options") {
    const auto x = noise(8000);
    auto o = MfccOptions::librosa(16000, 13, 512, 160, 40, 400);
    auto bad = o;
    bad.logmel.mel.n_mels = 300;  // > 257 bins
    CHECK(error_id([&] { mfcc(x, bad); }) == "invalid_argument.mel");
    bad = o;
    bad.logmel.mel.fmax = 9000;  // above Nyquist (8 kHz)
    CHECK(error_id([&] { mfcc(x, bad); }) == "invalid_argument.mel");
    bad = o;
    bad.logmel.mel.fmin = 8000;
    CHECK(error_id([&] { mfcc(x, bad); }) == "invalid_argument.mel");
    bad = o;
    bad.logmel.stft.hop_length = 0;
    CHECK(error_id([&] { mfcc(x, bad); }) == "invalid_argument.stft");
    bad = o;
    bad.logmel.stft.win_length = 0;
    CHECK(error_id([&] { mfcc(x, bad); }) == "invalid_argument.stft");
    bad = o;
    bad.logmel.stft.win_length = 1024;  // > n_fft
    CHECK(error_id([&] { mfcc(x, bad); }) == "invalid_argument.stft");
    bad = o;
    bad.logmel.stft.n_fft = 0;
    bad.logmel.mel.n_fft = 0;
    CHECK(error_id([&] { mfcc(x, bad); }) == "invalid_argument.stft");
    bad = o;
    bad.logmel.stft.sample_rate = -16000;
    CHECK(error_id([&] { mfcc(x, bad); }) == "invalid_argument.stft");
    bad = o;
    bad.n_mfcc = 0;
    CHECK(error_id([&] { mfcc(x, bad); }) == "invalid_argument.mfcc");
    bad = o;
    bad.n_mfcc = 41;
    CHECK(error_id([&] { mfcc(x, bad); }) == "invalid_argument.mfcc");
    bad = o;
    bad.logmel.mel.n_fft = 1024;  // disagrees with stft.n_fft
    CHECK(error_id([&] { mfcc(x, bad); }) == "invalid_argument.logmel");
    bad = o;
    bad.logmel.log.floor = 0;
    CHECK(error_id([&] { mfcc(x, bad); }) == "invalid_argument.log");
    auto z = FrameFeatureOptions::librosa_zcr();
    z.hop_length = 0;
    CHECK(error_id([&] { zero_crossing_rate(x, z); }) == "invalid_argument.zcr");
    CHECK(error_id([&] { make_window<double>(window_type::hann, 0, true); }) == "invalid_argument.window");
}

TEST_CASE("to_string names the conventions of each preset") {
    const auto s = MfccOptions::python_speech_features().to_string();
    CHECK(s.find("zero_tail") != std::string::npos);
    CHECK(s.find("rectangular") != std::string::npos);
    CHECK(s.find("integer_bins") != std::string::npos);
    CHECK(s.find("ln(frame energy)") != std::string::npos);
    CHECK(MfccOptions::kaldi().to_string().find("povey") != std::string::npos);
    CHECK(MfccOptions::librosa().to_string().find("top_db=80") != std::string::npos);
}

TEST_CASE("resampler and delta options: validate says what is wrong, to_string names the settings") {
    CHECK(ResampleOptions::high_quality().to_string() == "ResampleOptions{zeros=64, rolloff=0.95, beta=9}");
    auto r = ResampleOptions::high_quality();
    r.rolloff = 1.5;
    CHECK(error_id([&] { r.validate(); }) == "invalid_argument.resample");
    CHECK(error_id([&] { polyphase_resampler<float>(48000, 16000, r); }) == "invalid_argument.resample");
    CHECK(DeltaOptions::librosa(2).to_string() == "DeltaOptions{method=savitzky_golay, width=9, order=2}");
    CHECK(DeltaOptions::htk(3).to_string() == "DeltaOptions{method=regression, n=3}");
    auto d = DeltaOptions::librosa();
    d.width = 4;
    CHECK(error_id([&] { d.validate(); }) == "invalid_argument.deltas");
    CHECK_NOTHROW(DeltaOptions::htk().validate());
}

}  // namespace test_bad_input
