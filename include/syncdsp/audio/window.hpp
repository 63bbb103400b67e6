// syncdsp/audio/window.hpp - analysis windows.
//
// "periodic" windows have period L (the DFT-even form: scipy get_window(..., fftbins=True),
// torch.hann_window(L)); "symmetric" ones have period L-1 (numpy.hanning, Kaldi).
#pragma once

#include <cmath>
#include <cstddef>
#include <string>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"

namespace syncdsp::audio {

enum class window_type {
    rectangular,  ///< all ones (python_speech_features' default)
    hann,         ///< 0.5 - 0.5 cos(2 pi n / P)
    hamming,      ///< 0.54 - 0.46 cos(2 pi n / P)
    povey,        ///< (0.5 - 0.5 cos(2 pi n / P))^0.85 (Kaldi's default; use symmetric)
};

inline const char* to_string(window_type w) {
    switch (w) {
        case window_type::rectangular: return "rectangular";
        case window_type::hann: return "hann";
        case window_type::hamming: return "hamming";
        case window_type::povey: return "povey";
    }
    return "?";
}

/// Window of `length` samples. periodic: P = length (DFT-even); symmetric: P = length - 1.
/// A symmetric window of length 1 is {1}.
template <class T = double>
tensor<T, 1> make_window(window_type type, std::size_t length, bool periodic) {
    SYNCDSP_REQUIRE(length > 0, "window", "window length must be positive, got 0");
    tensor<T, 1> w = tensor<T, 1>::from_shape({length});
    const double pi = 3.14159265358979323846;
    const double P = periodic ? double(length) : double(length - 1);
    for (std::size_t n = 0; n < length; ++n) {
        const double c = P > 0 ? std::cos(2.0 * pi * double(n) / P) : 1.0;
        double v = 1.0;
        switch (type) {
            case window_type::rectangular: v = 1.0; break;
            case window_type::hann: v = P > 0 ? 0.5 - 0.5 * c : 1.0; break;
            case window_type::hamming: v = P > 0 ? 0.54 - 0.46 * c : 1.0; break;
            case window_type::povey: v = P > 0 ? std::pow(0.5 - 0.5 * c, 0.85) : 1.0; break;
        }
        w(n) = static_cast<T>(v);
    }
    return w;
}

}  // namespace syncdsp::audio
