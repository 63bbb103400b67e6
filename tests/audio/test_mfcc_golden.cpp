// Golden tests of the three MFCC / log-mel presets against the reference packages themselves
// (see audio_support.hpp for where the data comes from and how to regenerate it).
//
// Tolerances: in double precision syncdsp follows the references' own float64 arithmetic, so
// differences are FFT/summation rounding amplified by the log (largest where the mel power is
// tiny). MFCC/log-mel: 1e-3 absolute (the aim) unless stated. In float precision the same
// pipelines are checked at 5e-2 absolute (float32 epsilon ~1.2e-7 times values of 1e2..1e3 and a
// log of powers spanning 1e-3..1e12).
#include "audio_support.hpp"

namespace test_mfcc_golden {

using namespace syncdsp;
using namespace syncdsp::audio;
using syncdsp::test::audio_input;
using syncdsp::test::golden2;
using syncdsp::test::max_abs_diff;

namespace {
const char* kSignals[] = {"speech", "synth"};
}

TEST_CASE("psf preset reproduces python_speech_features.mfcc / logfbank (SyncNet front end)") {
    for (const char* sig : kSignals) {
        CAPTURE(sig);
        const auto x = audio_input<double>(sig);
        CHECK(max_abs_diff(mfcc(x, MfccOptions::python_speech_features()), golden2(std::string(sig) + "_psf_mfcc")) < 1e-3);
        CHECK(max_abs_diff(log_mel(x, LogMelOptions::python_speech_features()), golden2(std::string(sig) + "_psf_logfbank")) < 1e-3);
        const auto xf = audio_input<float>(sig);
        CHECK(max_abs_diff(mfcc(xf, MfccOptions::python_speech_features()), golden2(std::string(sig) + "_psf_mfcc")) < 5e-2);
    }
}

TEST_CASE("kaldi preset reproduces torchaudio.compliance.kaldi.mfcc / fbank (dither 0)") {
    for (const char* sig : kSignals) {
        CAPTURE(sig);
        const auto x = audio_input<double>(sig);
        CHECK(max_abs_diff(mfcc(x, MfccOptions::kaldi()), golden2(std::string(sig) + "_kaldi_mfcc")) < 1e-3);
        CHECK(max_abs_diff(log_mel(x, LogMelOptions::kaldi()), golden2(std::string(sig) + "_kaldi_fbank")) < 1e-3);
        // float: the synthetic chirp frames span > 1e12 in power between the chirp bin and empty bins,
        // beyond float32's range of exact ratios, so its tolerance is looser (0.5).
        const auto xf = audio_input<float>(sig);
        CHECK(max_abs_diff(mfcc(xf, MfccOptions::kaldi()), golden2(std::string(sig) + "_kaldi_mfcc")) <
              (std::string(sig) == "speech" ? 5e-2 : 0.5));
    }
}

TEST_CASE("librosa preset reproduces librosa.feature.mfcc (defaults and speech framing)") {
    for (const char* sig : kSignals) {
        CAPTURE(sig);
        const std::string s = sig;
        const auto x = audio_input<double>(sig);
        CHECK(max_abs_diff(mfcc(x, MfccOptions::librosa(16000)), golden2(s + "_librosa_mfcc")) < 1e-3);
        const auto speech = MfccOptions::librosa(16000, 13, 512, 160, 40, 400);
        CHECK(max_abs_diff(mfcc(x, speech), golden2(s + "_librosa_mfcc_speech")) < 1e-3);
        auto lift = speech;
        lift.lifter = 22;  // librosa's shifted-index lifter form (the preset's lifter_form)
        CHECK(max_abs_diff(mfcc(x, lift), golden2(s + "_librosa_mfcc_lifter")) < 1e-3);
        CHECK(max_abs_diff(log_mel(x, LogMelOptions::librosa(16000, 512, 160, 40, 400)), golden2(s + "_librosa_logmel")) < 1e-3);
        const auto xf = audio_input<float>(sig);
        CHECK(max_abs_diff(mfcc(xf, speech), golden2(s + "_librosa_mfcc_speech")) < 5e-2);
    }
}

TEST_CASE("torchaudio.transforms.MFCC / MelSpectrogram conventions (reflect-centred, HTK, no norm)") {
    // torchaudio runs in float32 only, so the reference itself carries float32 rounding: the
    // tolerance is 2e-2 absolute on MFCC (values up to ~600) and 1e-3 relative on mel power (the
    // largest relative differences, ~5e-4, are on the smallest powers, ~2e-6, where torchaudio's
    // float32 filter weights (off by up to 3e-6 from the exact ones) dominate).
    auto o = MfccOptions::librosa(16000, 13, 512, 160, 40, 400);
    o.logmel.stft.pad = pad_mode::reflect;
    o.logmel.mel = MelOptions::torchaudio(16000, 512, 40);
    for (const char* sig : kSignals) {
        CAPTURE(sig);
        const std::string s = sig;
        const auto x = audio_input<double>(sig);
        CHECK(max_abs_diff(mfcc(x, o), golden2(s + "_torchaudio_mfcc_speech")) < 2e-2);
        const auto mel = mel_spectrogram(x, o.logmel);
        const auto ref = golden2(s + "_torchaudio_melspec_speech");
        REQUIRE(mel.shape()[0] == ref.shape()[0]);
        double worst = 0;
        for (std::size_t i = 0; i < ref.size(); ++i)
            worst = std::max(worst, std::abs(mel.data()[i] - ref.data()[i]) / (std::abs(ref.data()[i]) + 1e-6));
        CHECK(worst < 1e-3);
    }
}

TEST_CASE("filterbanks match librosa.filters.mel, psf get_filterbanks, Kaldi and torchaudio banks") {
    // Built in double from the same formulas; differences are rounding only (1e-12), except the
    // torchaudio and Kaldi banks, which torchaudio computes in float32 (observed 3e-6; bound 1e-5).
    CHECK(max_abs_diff(mel_filters<double>(MelOptions::librosa(16000, 512, 40)), golden2("fb_librosa_slaney_512_40")) < 1e-12);
    MelOptions htk = MelOptions::librosa(16000, 512, 40);
    htk.scale = mel_scale::htk;
    htk.norm = mel_norm::none;
    htk.fmin = 300;
    htk.fmax = 7000;
    CHECK(max_abs_diff(mel_filters<double>(htk), golden2("fb_librosa_htk_512_40_f300_7000")) < 1e-12);
    CHECK(max_abs_diff(mel_filters<double>(MelOptions::python_speech_features()), golden2("fb_psf_26_512")) < 1e-12);
    CHECK(max_abs_diff(mel_filters<double>(MelOptions::kaldi()), golden2("fb_kaldi_23_512")) < 1e-5);
    CHECK(max_abs_diff(mel_filters<double>(MelOptions::torchaudio(16000, 512, 40)), golden2("fb_torchaudio_htk_512_40")) < 1e-5);
}

}  // namespace test_mfcc_golden
