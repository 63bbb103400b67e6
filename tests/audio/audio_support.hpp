// tests/audio/audio_support.hpp - inputs and comparisons shared by the audio tests.
//
// Golden data: tests/golden/audio/, made by scripts/golden/gen_audio.py running the real
// python_speech_features (e280ac2b), librosa (0.11.0) and Debian torchaudio 0.13.1; see the script's
// docstring to regenerate. Inputs: the first 64000 samples of the bundled LRS3 clip ("speech") and
// a 1 s synthetic int16 signal with exact-zero silence, a tone, a chirp and low noise ("synth").
#pragma once

#include <algorithm>
#include <cmath>
#include <string>

#include "support.hpp"
#include "syncdsp/audio.hpp"
#include "syncdsp/io/npy.hpp"
#include "syncdsp/io/wav.hpp"

namespace syncdsp::test {

inline std::string bundled_speech_wav() { return source_dir() + "/data/lrs3_C8zY0oAdQrs_00018/audio_16k.wav"; }

/// The test signal `name` ("speech" or "synth") in [-1, 1), as T.
template <class T>
tensor<T, 1> audio_input(const std::string& name) {
    if (name == "speech") {
        const auto w = io::read_wav<double>(bundled_speech_wav());
        const auto mono = io::downmix(w.samples);
        tensor<T, 1> x = tensor<T, 1>::from_shape({64000});
        for (std::size_t i = 0; i < 64000; ++i) x(i) = static_cast<T>(mono(i));
        return x;
    }
    const auto a = io::read_npy<float>(golden("audio/synth_int16.npy"));
    tensor<T, 1> x = tensor<T, 1>::from_shape({a.size()});
    for (std::size_t i = 0; i < a.size(); ++i) x(i) = static_cast<T>(double(a.data()[i]) / 32768.0);
    return x;
}

/// A golden 2-d array as double.
inline tensor<double, 2> golden2(const std::string& name) {
    const auto a = io::read_npy<double>(golden("audio/" + name + ".npy"));
    REQUIRE(a.dimension() == 2);
    tensor<double, 2> t = tensor<double, 2>::from_shape({a.shape()[0], a.shape()[1]});
    std::copy(a.begin(), a.end(), t.begin());
    return t;
}

/// Largest |a - b| after checking the shapes match.
template <class A>
double max_abs_diff(const A& a, const tensor<double, 2>& b) {
    REQUIRE(a.shape()[0] == b.shape()[0]);
    REQUIRE(a.shape()[1] == b.shape()[1]);
    double m = 0;
    for (std::size_t i = 0; i < b.size(); ++i) {
        const double d = std::abs(double(a.data()[i]) - b.data()[i]);
        if (!(d <= m)) m = d;  // NaN propagates as a failure
    }
    return m;
}

}  // namespace syncdsp::test
