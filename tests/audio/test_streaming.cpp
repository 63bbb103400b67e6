// feature_stream: chunked input gives exactly (bit for bit) the one-shot frames, for the
// chunk-invariant presets (psf, Kaldi) and librosa framing with top_db off (constant and reflect
// centring). No golden file: the one-shot functions are the reference here (they are checked
// against the reference packages in test_mfcc_golden.cpp).
#include <random>

#include <xtensor/xview.hpp>

#include "audio_support.hpp"

namespace test_streaming {

using namespace syncdsp;
using namespace syncdsp::audio;

namespace {
template <class T, class Opt>
tensor<T, 2> run_stream(const tensor<T, 1>& x, const Opt& o, std::mt19937& rng, std::size_t max_chunk) {
    feature_stream<T> s(o);
    std::uniform_int_distribution<std::size_t> chunk(0, max_chunk);
    std::vector<T> got;
    std::size_t pos = 0;
    while (pos < x.size()) {
        const std::size_t n = std::min(chunk(rng), x.size() - pos);
        s.accept(x.data() + pos, n);
        pos += n;
        if (rng() % 3 == 0) {  // pop at random moments
            const auto p = s.pop(s.frames_ready());
            got.insert(got.end(), p.begin(), p.end());
        }
    }
    s.finish();
    const auto p = s.pop(s.frames_ready());
    got.insert(got.end(), p.begin(), p.end());
    tensor<T, 2> r = tensor<T, 2>::from_shape({got.size() / s.dim(), s.dim()});
    std::copy(got.begin(), got.end(), r.data());
    return r;
}

template <class T>
void check_equal(const tensor<T, 2>& a, const tensor<T, 2>& b) {
    REQUIRE(a.shape()[0] == b.shape()[0]);
    REQUIRE(a.shape()[1] == b.shape()[1]);
    std::size_t diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff += a.data()[i] != b.data()[i];
    CHECK(diff == 0);
}
}  // namespace

TEST_CASE("streaming MFCC equals one-shot MFCC for random chunk sizes (psf, kaldi, librosa without top_db)") {
    std::mt19937 rng(7);
    const auto speech = syncdsp::test::audio_input<float>("speech");
    tensor<float, 1> x = xt::view(speech, xt::range(0, 20000));
    auto lib = MfccOptions::librosa(16000, 13, 512, 160, 40, 400);
    lib.logmel.log.top_db = 0;
    auto lib_reflect = lib;
    lib_reflect.logmel.stft.pad = pad_mode::reflect;
    const MfccOptions presets[] = {MfccOptions::python_speech_features(), MfccOptions::kaldi(), lib, lib_reflect};
    for (const auto& o : presets) {
        CAPTURE(o.to_string());
        const auto ref = mfcc(x, o);
        for (std::size_t max_chunk : {1u, 7u, 160u, 1000u, 30000u}) check_equal(run_stream(x, o, rng, max_chunk), ref);
        // short signals: shorter than a frame / than the centring pad
        tensor<float, 1> shorty = xt::view(x, xt::range(0, 150));
        if (o.logmel.stft.framing != framing_mode::snip_edges) check_equal(run_stream(shorty, o, rng, 13), mfcc(shorty, o));
    }
    const auto lm = LogMelOptions::kaldi();
    check_equal(run_stream(x, lm, rng, 333), log_mel(x, lm));
}

TEST_CASE("streaming refuses what it cannot reproduce and misuse") {
    CHECK_THROWS_AS(feature_stream<float>(MfccOptions::librosa()), invalid_argument);  // global top_db
    feature_stream<double> s(MfccOptions::kaldi());
    std::vector<double> bad = {0.1, std::nan(""), 0.2};
    CHECK_THROWS_AS(s.accept(bad.data(), bad.size()), invalid_argument);
    CHECK_THROWS_AS(s.pop(1), invalid_argument);
    feature_stream<double> e(MfccOptions::kaldi());
    CHECK_THROWS_AS(e.finish(), invalid_argument);  // empty
    std::vector<double> few(100, 0.01);
    feature_stream<double> k(MfccOptions::kaldi());
    k.accept(few.data(), few.size());
    k.finish();
    CHECK(k.frames_ready() == 0);  // shorter than one Kaldi frame: no frame (documented)
    CHECK_THROWS_AS(k.accept(few.data(), few.size()), invalid_argument);
}

TEST_CASE("streaming a longer signal trims its buffer and still matches (psf, reflect-centred)") {
    std::mt19937 rng(11);
    const auto speech = syncdsp::test::audio_input<float>("speech");
    tensor<float, 1> x = tensor<float, 1>::from_shape({3 * speech.size()});
    for (std::size_t i = 0; i < x.size(); ++i) x(i) = speech(i % speech.size());
    check_equal(run_stream(x, MfccOptions::python_speech_features(), rng, 5000), mfcc(x, MfccOptions::python_speech_features()));
    auto refl = LogMelOptions::librosa(16000, 512, 160, 40, 400);
    refl.log.top_db = 0;
    refl.stft.pad = pad_mode::reflect;
    check_equal(run_stream(x, refl, rng, 9000), log_mel(x, refl));
}

}  // namespace test_streaming
