// syncdsp/audio/band_energy.hpp - log energy of a frequency band, frame by frame, with digital
// silence marked missing.
//
//   auto e = syncdsp::audio::band_log_energy(samples.data(), samples.size(), 16000.0);
//   // e[i]: ln(power in 1-4 kHz) of the frame centred at i * 10 ms; NaN = digital silence
//
// Why the default band: the lip-sync probes (docs/accuracy.md) found 1-4 kHz - where the formant
// transitions and fricatives that follow mouth opening and closing live - clearly better than
// full-band energy as the audio side of a lip-motion correlation.
//
// Per frame: the STFT of stft.hpp (periodic Hann of frame_ms, zero-padded to a power-of-two FFT)
// on frames centred on sample i * hop with zeros outside the signal (framing.hpp
// hop_centred_layout), then ln(max(sum of |X_k|^2 over the band's bins, floor)). A frame whose
// samples are all exactly 0 (digital_silence.hpp) is NaN.
// The band's bins are chosen by band_bins(), which the VAD shares.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/audio/digital_silence.hpp"
#include "syncdsp/audio/fft.hpp"
#include "syncdsp/audio/framing.hpp"
#include "syncdsp/audio/stft.hpp"
#include "syncdsp/audio/window.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"

namespace syncdsp::audio {

/// FFT bins [first, last] (inclusive) of a band; empty when first > last.
struct fft_bin_range {
    std::size_t first = 1, last = 0;
    bool empty() const noexcept { return first > last; }
    std::size_t size() const noexcept { return empty() ? 0 : last - first + 1; }
};

/// The bins of an n_fft-point real FFT at `sample_rate` whose centre frequency k * sample_rate /
/// n_fft lies in [low_hz, high_hz]; high_hz is clipped to Nyquist. An edge that falls on a bin
/// (within 1e-9 bins, so rounding in the division cannot drop it) includes that bin.
inline fft_bin_range band_bins(double low_hz, double high_hz, double sample_rate, std::size_t n_fft) {
    const double df = sample_rate / double(n_fft);
    const double hi = std::min(high_hz, sample_rate / 2.0);
    fft_bin_range r;
    r.first = static_cast<std::size_t>(std::ceil(std::max(0.0, low_hz) / df - 1e-9));
    const double last = std::floor(hi / df + 1e-9);
    if (last < 0) return fft_bin_range{};
    r.last = std::min(static_cast<std::size_t>(last), n_fft / 2);
    return r;
}

/// Settings of the band energy, in physical units (the sample rate is given at the call, as for
/// VadOptions). The defaults are the audio cue of the classic lip-sync estimator.
struct BandEnergyOptions {
    double low_hz = 1000;   ///< band edges (bins whose centre lies in [low_hz, high_hz])
    double high_hz = 4000;
    double frame_ms = 25;   ///< Hann window length; rounded to whole samples, at least 16
    double hop_ms = 10;     ///< frame step: 100 frames per second
    double floor = 1e-10;   ///< power floor before the log (true zeros inside speech give ln(floor), not -inf)

    static BandEnergyOptions defaults() { return BandEnergyOptions{}; }

    /// Window length in samples at `sample_rate`.
    std::size_t window_length(double sample_rate) const {
        return std::max<std::size_t>(16, static_cast<std::size_t>(std::lround(frame_ms * sample_rate / 1000.0)));
    }
    /// Hop in samples at `sample_rate`.
    std::size_t hop_length(double sample_rate) const {
        return std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(hop_ms * sample_rate / 1000.0)));
    }
    /// The STFT the band energy runs at `sample_rate`: periodic Hann, the next power-of-two FFT,
    /// unscaled power spectrum. Its frames are placed by layout(), not by its `framing`.
    StftOptions stft(double sample_rate) const {
        StftOptions s;
        s.sample_rate = sample_rate;
        s.win_length = window_length(sample_rate);
        s.hop_length = hop_length(sample_rate);
        std::size_t nfft = 1;
        while (nfft < s.win_length) nfft <<= 1;
        s.n_fft = nfft;
        s.framing = framing_mode::centered;
        s.pad = pad_mode::constant;
        s.window = window_type::hann;
        s.periodic_window = true;
        s.power = 2.0;
        s.scale = 1.0;
        return s;
    }

    /// Where the frames lie: frame i centred on sample i * hop (hop_centred_layout).
    frame_layout layout(double sample_rate) const {
        return hop_centred_layout(window_length(sample_rate), hop_length(sample_rate));
    }

    /// Checks the options on their own.
    void validate() const {
        const char* w = "band_energy";
        SYNCDSP_REQUIRE(std::isfinite(low_hz) && std::isfinite(high_hz) && low_hz >= 0 && high_hz > low_hz, w,
                        "need 0 <= low_hz < high_hz, got ", low_hz, " and ", high_hz);
        SYNCDSP_REQUIRE(std::isfinite(frame_ms) && frame_ms > 0 && frame_ms <= 1000, w, "frame_ms=", frame_ms,
                        " must be in (0, 1000]");
        SYNCDSP_REQUIRE(std::isfinite(hop_ms) && hop_ms > 0 && hop_ms <= 1000, w, "hop_ms=", hop_ms,
                        " must be in (0, 1000]");
        SYNCDSP_REQUIRE(std::isfinite(floor) && floor > 0, w, "floor must be positive, got ", floor);
    }
    /// Checks the options at a sample rate: the band must lie below Nyquist.
    void validate(double sample_rate) const {
        validate();
        SYNCDSP_REQUIRE(std::isfinite(sample_rate) && sample_rate >= 1000, "band_energy", "sample rate ", sample_rate,
                        " Hz is too low (>= 1000 Hz)");
        SYNCDSP_REQUIRE(high_hz <= sample_rate / 2.0, "band_energy", "band [", low_hz, ", ", high_hz,
                        "] Hz must lie within 0..", sample_rate / 2.0, " Hz (Nyquist at ", sample_rate, " Hz)");
    }

    std::string to_string() const {
        std::ostringstream s;
        s << "BandEnergyOptions{band=" << low_hz << "-" << high_hz << " Hz, frame_ms=" << frame_ms
          << " (hann), hop_ms=" << hop_ms << ", floor=" << floor << "}";
        return s.str();
    }
};

/// Log band energy of x[0..n) at `sample_rate` Hz, one value per hop: frame i is centred at sample
/// i * hop (time i * hop_ms) and there is one frame per hop whose centre lies inside the signal,
/// 1 + (n - 1) / hop frames (0 for an empty signal). A frame whose samples are all exactly 0 is
/// NaN (missing). Throws invalid_argument for NaN/Inf samples or bad options. The arithmetic is
/// done in S (float input: float spectra, summed in double).
template <class S>
std::vector<double> band_log_energy(const S* x, std::size_t n, double sample_rate,
                                    const BandEnergyOptions& o = BandEnergyOptions{}) {
    o.validate(sample_rate);
    const StftOptions so = o.stft(sample_rate);
    so.validate();
    const frame_layout layout = o.layout(sample_rate);
    const std::size_t frames = layout.count(n);
    std::vector<double> out(frames, std::numeric_limits<double>::quiet_NaN());
    if (frames == 0) return out;
    SYNCDSP_REQUIRE(x != nullptr, "band_energy", "null sample pointer with n=", n);
    if (!impl::all_finite(x, n)) require_finite(x, n, "band_energy", "the signal");
    const fft_bin_range band = band_bins(o.low_hz, o.high_hz, sample_rate, so.n_fft);
    SYNCDSP_REQUIRE(!band.empty(), "band_energy", "the band ", o.low_hz, "-", o.high_hz, " Hz holds no FFT bin at ",
                    sample_rate, " Hz with ", so.n_fft, "-point frames");
    impl::frame_analyzer<S> analyzer(so, layout);
    std::vector<S> power(so.bins());
    for (std::size_t f = 0; f < frames; ++f) {
        analyzer.load(x, n, f);
        if (is_digital_silence(analyzer.loaded(), so.win_length)) continue;  // missing: stays NaN
        analyzer.analyze(power.data(), false);
        double p = 0;
        for (std::size_t k = band.first; k <= band.last; ++k) p += power[k];
        out[f] = std::log(std::max(p, o.floor));
    }
    return out;
}

template <class S>
std::vector<double> band_log_energy(const tensor<S, 1>& x, double sample_rate,
                                    const BandEnergyOptions& o = BandEnergyOptions{}) {
    return band_log_energy(x.data(), x.size(), sample_rate, o);
}

template <class S>
std::vector<double> band_log_energy(const std::vector<S>& x, double sample_rate,
                                    const BandEnergyOptions& o = BandEnergyOptions{}) {
    return band_log_energy(x.data(), x.size(), sample_rate, o);
}

}  // namespace syncdsp::audio
