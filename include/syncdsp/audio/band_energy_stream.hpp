// syncdsp/audio/band_energy_stream.hpp - band_log_energy() (band_energy.hpp) of audio arriving in
// chunks of any size.
//
//   audio::band_energy_stream<float> s(16000.0);
//   while (read(chunk)) { s.accept(chunk.data(), chunk.size()); use(s.pop()); }
//   s.finish(); use(s.pop());
//
// Frame i (centred on sample i * hop) is computed as soon as its last sample has arrived, with the
// same frame analyser, silence rule and arithmetic as the one-shot call, so the values are bit for
// bit those of band_log_energy() on the concatenated signal (tests/audio/test_band_energy.cpp).
// The frames whose window runs past the end of the signal (zeros there) wait for finish().
// Memory: one window of samples plus the frames not yet popped.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "syncdsp/audio/band_energy.hpp"
#include "syncdsp/audio/digital_silence.hpp"
#include "syncdsp/audio/stft.hpp"
#include "syncdsp/core/error.hpp"

namespace syncdsp::audio {

template <class S>
class band_energy_stream {
public:
    explicit band_energy_stream(double sample_rate, const BandEnergyOptions& o = BandEnergyOptions{})
        : o_(o), so_((o.validate(sample_rate), o.stft(sample_rate))), layout_(o.layout(sample_rate)),
          analyzer_(so_, layout_), power_(so_.bins()) {
        so_.validate();
        band_ = band_bins(o.low_hz, o.high_hz, sample_rate, so_.n_fft);
        SYNCDSP_REQUIRE(!band_.empty(), "band_energy", "the band ", o.low_hz, "-", o.high_hz,
                        " Hz holds no FFT bin at ", sample_rate, " Hz with ", so_.n_fft, "-point frames");
    }

    /// Seconds between frames.
    double frame_period_s() const { return double(layout_.hop) / so_.sample_rate; }

    /// Feeds n samples. Throws invalid_argument on NaN/Inf samples or after finish().
    void accept(const S* x, std::size_t n) {
        SYNCDSP_REQUIRE(!finished_, "band_energy", "accept() after finish()");
        if (n == 0) return;
        SYNCDSP_REQUIRE(x != nullptr, "band_energy", "null sample pointer with n=", n);
        if (!impl::all_finite(x, n)) require_finite(x, n, "band_energy", "the signal");
        buf_.insert(buf_.end(), x, x + n);
        received_ += n;
        run(received_, false);
    }
    void accept(const std::vector<S>& x) { accept(x.data(), x.size()); }

    /// The end of the signal: the last frames (padded with zeros past the end) are computed.
    void finish() {
        if (finished_) return;
        finished_ = true;
        run(received_, true);
    }

    /// The frames computed since the last pop (frame index popped_before() onwards).
    std::vector<double> pop() {
        std::vector<double> out;
        out.swap(ready_);
        popped_ += out.size();
        return out;
    }
    std::size_t frames_done() const { return next_; }

private:
    void run(std::size_t n, bool final) {
        const std::size_t total = final ? layout_.count(n) : std::numeric_limits<std::size_t>::max();
        const auto L = std::ptrdiff_t(layout_.length);
        while (next_ < total) {
            const std::ptrdiff_t start = std::ptrdiff_t(next_ * layout_.hop) + layout_.offset;
            // Not final: the frame's samples must all have arrived (the signal continues past them).
            if (!final && start + L > std::ptrdiff_t(n)) break;
            // The centre must lie inside the signal (frame count of the one-shot call).
            if (final && next_ * layout_.hop >= n) break;
            analyzer_.load_range(buf_.data(), base_, n, next_);
            double v = std::numeric_limits<double>::quiet_NaN();
            if (!is_digital_silence(analyzer_.loaded(), so_.win_length)) {
                analyzer_.analyze(power_.data(), false);
                double p = 0;
                for (std::size_t k = band_.first; k <= band_.last; ++k) p += power_[k];
                v = std::log(std::max(p, o_.floor));
            }
            ready_.push_back(v);
            ++next_;
            // Samples before the next frame's start are not needed again.
            const std::ptrdiff_t next_start = std::ptrdiff_t(next_ * layout_.hop) + layout_.offset;
            if (next_start > std::ptrdiff_t(base_)) {
                const std::size_t drop = std::min(buf_.size(), std::size_t(next_start) - base_);
                buf_.erase(buf_.begin(), buf_.begin() + std::ptrdiff_t(drop));
                base_ += drop;
            }
        }
    }

    BandEnergyOptions o_;
    StftOptions so_;
    frame_layout layout_;
    impl::frame_analyzer<S> analyzer_;
    std::vector<S> power_;
    fft_bin_range band_;
    std::vector<S> buf_;  // samples from absolute index base_
    std::size_t base_ = 0, received_ = 0, next_ = 0, popped_ = 0;
    std::vector<double> ready_;
    bool finished_ = false;
};

}  // namespace syncdsp::audio
