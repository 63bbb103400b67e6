// syncdsp/pipeline/audio_cues.hpp - the audio side of the classic estimator: speech-band log
// energy per 10 ms, with digital silence marked missing.
//
// Why this cue: the planning probes (docs/accuracy.md, ../shared/anchors/sync/FINDINGS.md) found
// the 1-4 kHz band - where the formant transitions and fricatives that follow mouth opening and
// closing live - clearly better than full-band energy, and its *rate of change* far better than
// its level. Frames made only of exact zeros are padding (a shifted or cut file), not quiet
// speech: they become NaN so the correlation skips them.
#pragma once

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <vector>

#include "syncdsp/audio/fft.hpp"
#include "syncdsp/core/error.hpp"

namespace syncdsp::pipeline {

struct BandEnergyOptions {
    double low_hz = 1000;      ///< band edges
    double high_hz = 4000;
    double frame_ms = 25;      ///< Hann window length
    double hop_ms = 10;        ///< frame rate 100 Hz
    double floor = 1e-10;      ///< power floor before the log (avoids -inf on true zeros inside speech)
};

/// Log band energy per frame. Frame i is centred at sample i * hop (zero-padded at the ends), i.e.
/// at time i * hop_ms. Frames whose samples are all exactly 0 are NaN (missing).
inline std::vector<double> band_log_energy(const float* x, std::size_t n, unsigned sample_rate,
                                           const BandEnergyOptions& o = {}) {
    SYNCDSP_REQUIRE(sample_rate >= 1000, "audio_cues", "sample rate ", sample_rate, " Hz is too low");
    SYNCDSP_REQUIRE(o.low_hz >= 0 && o.high_hz > o.low_hz && o.high_hz <= sample_rate / 2.0, "audio_cues",
                    "band [", o.low_hz, ", ", o.high_hz, "] Hz must lie within 0..", sample_rate / 2.0, " Hz");
    SYNCDSP_REQUIRE(o.frame_ms > 0 && o.hop_ms > 0, "audio_cues", "frame and hop must be positive");
    const std::size_t win = std::max<std::size_t>(16, std::size_t(std::lround(o.frame_ms * sample_rate / 1000.0)));
    const std::size_t hop = std::max<std::size_t>(1, std::size_t(std::lround(o.hop_ms * sample_rate / 1000.0)));
    std::size_t nfft = 1;
    while (nfft < win) nfft <<= 1;
    const std::size_t frames = n == 0 ? 0 : 1 + (n - 1) / hop;
    std::vector<double> out(frames, std::numeric_limits<double>::quiet_NaN());
    if (frames == 0) return out;
    auto plan = audio::rfft_plan<float>::get(nfft);
    audio::aligned_buffer<float> buf(nfft);
    audio::aligned_buffer<std::complex<float>> spec(plan->bins());
    std::vector<float> window(win);
    for (std::size_t i = 0; i < win; ++i)  // periodic Hann
        window[i] = float(0.5 - 0.5 * std::cos(2.0 * M_PI * double(i) / double(win)));
    const std::size_t k0 = std::size_t(std::ceil(o.low_hz * double(nfft) / sample_rate));
    const std::size_t k1 = std::min(plan->bins() - 1, std::size_t(std::floor(o.high_hz * double(nfft) / sample_rate)));
    const long half = long(win / 2);
    for (std::size_t f = 0; f < frames; ++f) {
        const long start = long(f * hop) - half;
        bool any = false;
        std::fill(buf.begin(), buf.end(), 0.f);
        for (std::size_t i = 0; i < win; ++i) {
            const long s = start + long(i);
            if (s < 0 || s >= long(n)) continue;
            const float v = x[s];
            if (!std::isfinite(v)) detail::throw_invalid_argument("audio_cues", "sample ", s, " is not finite");
            any = any || v != 0.f;
            buf[i] = v * window[i];
        }
        if (!any) continue;  // digital silence: missing
        plan->execute(buf.data(), spec.data());
        double p = 0;
        for (std::size_t k = k0; k <= k1; ++k) p += std::norm(spec[k]);
        out[f] = std::log(std::max(p, o.floor));
    }
    return out;
}

}  // namespace syncdsp::pipeline
