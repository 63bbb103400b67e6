// syncdsp/audio/vad.hpp - energy/spectral voice activity detection, one-shot and streaming.
//
// Per frame (consecutive, non-overlapping, `frame_ms` long, 10 ms by default; frame t holds samples
// [t*L, (t+1)*L), an incomplete tail is dropped - the same framing as the WebRTC VAD):
//   features   log energy (dBFS), speech-band energy (dBFS, 300-3400 Hz by default), speech-band
//              share of the energy, spectral flatness of the speech band (Hann window, FFT);
//   noise      an adaptive floor: the minimum of the (100 ms smoothed) speech-band energy over a
//              centred 3 s window, never below `min_floor_db`; so the detector works at any level;
//   evidence   effective SNR = band energy - floor + flatness_gain_db * (0.5615 - flatness), where
//              0.5615 = exp(-Euler gamma) is the expected flatness of white noise: a frame with more
//              spectral structure than noise gets a little credit, a flatter one a little penalty;
//   outputs    speech likelihood = logistic((eff_snr - (onset+offset)/2) / likelihood_scale_db),
//              in [0, 1], a continuous feature; decision 0/1 by hysteresis (on at eff_snr >= onset,
//              off below offset) followed by a hangover (stays on `hangover_ms` after the raw
//              decision falls); "missing" = every sample of the frame is exactly 0 (digital silence,
//              e.g. the padding an offset creates): such frames are data gaps, not quiet speech
//              pauses - decision 0, likelihood 0, snr 0, and they are left out of the noise floor.
//
//   auto r = syncdsp::audio::detect_voice_activity(x, 16000.0);        // x: tensor<float, 1>
//   r.speech(t), r.likelihood(t), r.missing(t), r.band_energy_db(t) ...
//
//   syncdsp::audio::vad_stream s(16000.0);                            // same result, chunk by chunk
//   s.accept(chunk.data(), chunk.size()); ... s.finish();
//   while (s.frames_ready()) use(s.take());
//
// The noise floor looks `floor_window_s / 2` ahead, so the stream hands out a frame that much
// (plus half the smoothing span) after it has seen it; it gives bit-identical results to the
// one-shot call for any chunking (the one-shot call is the stream fed once).
#pragma once

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "syncdsp/audio/band_energy.hpp"
#include "syncdsp/audio/digital_silence.hpp"
#include "syncdsp/audio/fft.hpp"
#include "syncdsp/audio/framing.hpp"
#include "syncdsp/audio/stft.hpp"
#include "syncdsp/audio/window.hpp"
#include "syncdsp/core/checked.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"

namespace syncdsp::audio {

/// Settings of the voice activity detector. The defaults are chosen from principles (see
/// docs/vad.md), not tuned on test clips.
struct VadOptions {
    /// Frame length and hop in ms (frames do not overlap). frame_ms * sample_rate / 1000 must be a
    /// whole number of samples (10 ms at 16 kHz = 160), so the frame rate is exact.
    double frame_ms = 10.0;
    /// Speech band for the energy that drives the decision (telephone band: voiced speech energy,
    /// F1 and F2, lies here; hum and hiss mostly do not). The upper edge is clipped to Nyquist.
    double band_low_hz = 300.0;
    double band_high_hz = 3400.0;
    /// Span of the centred running minimum that tracks the noise floor. Longer than a typical
    /// speech burst between pauses (1-2 s), short enough to follow changing noise.
    double floor_window_s = 3.0;
    /// Moving average (centred) of the band power before the minimum, so one chance dip of a
    /// noise frame does not set the floor.
    double floor_smoothing_ms = 100.0;
    /// The floor never goes below this (dBFS): a band energy under min_floor_db + onset_snr_db
    /// (-71 dBFS, about 9 LSB rms at 16 bits) is never speech, whatever the background.
    double min_floor_db = -80.0;
    /// Hysteresis on the effective SNR (dB above the floor): speech starts at >= onset and
    /// continues while >= offset. 9 dB is beyond the spread of stationary noise frames around the
    /// floor (white noise, 10 ms frames: -5.4..+4.1 dB over 1000 frames, docs/vad.md); the 3 dB
    /// gap stops chattering near the threshold.
    double onset_snr_db = 9.0;
    double offset_snr_db = 6.0;
    /// Slope of the likelihood: logistic((eff_snr - midpoint) / scale).
    double likelihood_scale_db = 3.0;
    /// dB of credit per unit of flatness below white noise's 0.5615 (penalty above it).
    double flatness_gain_db = 6.0;
    /// The decision stays on this long after the raw (hysteresis) decision falls: bridges stop
    /// closures and short inter-word gaps (up to ~150 ms) so words stay whole.
    double hangover_ms = 150.0;

    static VadOptions defaults() { return VadOptions{}; }

    std::string to_string() const {
        std::ostringstream s;
        s << "VadOptions{frame_ms=" << frame_ms << ", band=" << band_low_hz << "-" << band_high_hz
          << " Hz, floor_window_s=" << floor_window_s << ", floor_smoothing_ms=" << floor_smoothing_ms
          << ", min_floor_db=" << min_floor_db << ", onset_snr_db=" << onset_snr_db << ", offset_snr_db="
          << offset_snr_db << ", likelihood_scale_db=" << likelihood_scale_db
          << ", flatness_gain_db=" << flatness_gain_db << ", hangover_ms=" << hangover_ms << "}";
        return s.str();
    }

    /// Checks the options on their own (the sample rate is checked by vad_stream).
    void validate() const {
        const char* w = "vad";
        const double all[] = {frame_ms, band_low_hz, band_high_hz, floor_window_s, floor_smoothing_ms,
                              min_floor_db, onset_snr_db, offset_snr_db, likelihood_scale_db,
                              flatness_gain_db, hangover_ms};
        for (double v : all) SYNCDSP_REQUIRE(std::isfinite(v), w, "options must be finite: ", to_string());
        SYNCDSP_REQUIRE(frame_ms > 0 && frame_ms <= 1000, w, "frame_ms=", frame_ms, " must be in (0, 1000]");
        SYNCDSP_REQUIRE(band_low_hz >= 0 && band_high_hz > band_low_hz, w, "need 0 <= band_low_hz < band_high_hz, got ",
                        band_low_hz, " and ", band_high_hz);
        // The floor costs O(window) per frame; a minute is far beyond any useful span.
        SYNCDSP_REQUIRE(floor_window_s > 0 && floor_window_s <= 60, w, "floor_window_s=", floor_window_s,
                        " must be in (0, 60]");
        SYNCDSP_REQUIRE(floor_smoothing_ms >= 0 && floor_smoothing_ms <= 1000.0 * floor_window_s, w,
                        "floor_smoothing_ms=", floor_smoothing_ms, " must be in [0, floor_window_s]");
        SYNCDSP_REQUIRE(min_floor_db >= -200 && min_floor_db <= 0, w, "min_floor_db=", min_floor_db,
                        " must be in [-200, 0] dBFS");
        SYNCDSP_REQUIRE(onset_snr_db >= offset_snr_db, w, "onset_snr_db=", onset_snr_db,
                        " must be >= offset_snr_db=", offset_snr_db);
        SYNCDSP_REQUIRE(likelihood_scale_db > 0, w, "likelihood_scale_db=", likelihood_scale_db, " must be positive");
        SYNCDSP_REQUIRE(hangover_ms >= 0 && hangover_ms <= 10000, w, "hangover_ms=", hangover_ms, " must be in [0, 10000]");
    }
};

/// Per-frame output of the detector. In a streaming take(), `first_frame` is the index of the first
/// frame held; frame t (global index) starts at sample t * frame_length.
struct vad_result {
    double sample_rate = 0;
    std::size_t frame_length = 0;  ///< samples per frame (= hop)
    std::size_t first_frame = 0;
    tensor<std::uint8_t, 1> speech = tensor<std::uint8_t, 1>::from_shape({0});      ///< decision 0/1
    tensor<float, 1> likelihood = tensor<float, 1>::from_shape({0});               ///< in [0, 1]
    tensor<std::uint8_t, 1> missing = tensor<std::uint8_t, 1>::from_shape({0});     ///< 1: all samples exactly 0
    tensor<float, 1> log_energy_db = tensor<float, 1>::from_shape({0});   ///< 10 log10(mean x^2 + 1e-12), dBFS
    tensor<float, 1> band_energy_db = tensor<float, 1>::from_shape({0});  ///< speech-band power, dBFS
    tensor<float, 1> band_ratio = tensor<float, 1>::from_shape({0});      ///< band power / total, [0, 1]
    tensor<float, 1> flatness = tensor<float, 1>::from_shape({0});        ///< band spectral flatness, [0, 1]
    tensor<float, 1> noise_floor_db = tensor<float, 1>::from_shape({0});  ///< adaptive floor, dBFS
    tensor<float, 1> snr_db = tensor<float, 1>::from_shape({0});          ///< band energy - floor (0 when missing)

    std::size_t size() const noexcept { return speech.size(); }
    /// Frames per second (exact: sample_rate / frame_length).
    double frame_rate() const noexcept { return frame_length ? sample_rate / double(frame_length) : 0.0; }
    /// Centre of frame i of this result, in seconds from the start of the signal.
    double frame_center_s(std::size_t i) const noexcept {
        return (double(first_frame + i) + 0.5) * double(frame_length) / sample_rate;
    }

    /// Appends the frames of `next`, which must directly follow these (same stream).
    void append(const vad_result& next) {
        if (next.size() == 0) return;
        if (size() == 0 && frame_length == 0) {
            *this = next;
            return;
        }
        SYNCDSP_REQUIRE(next.frame_length == frame_length && next.sample_rate == sample_rate &&
                            next.first_frame == first_frame + size(),
                        "vad", "append: frames ", next.first_frame, ".. do not follow frames ", first_frame, "..",
                        first_frame + size());
        cat(speech, next.speech);
        cat(likelihood, next.likelihood);
        cat(missing, next.missing);
        cat(log_energy_db, next.log_energy_db);
        cat(band_energy_db, next.band_energy_db);
        cat(band_ratio, next.band_ratio);
        cat(flatness, next.flatness);
        cat(noise_floor_db, next.noise_floor_db);
        cat(snr_db, next.snr_db);
    }

private:
    template <class T>
    static void cat(tensor<T, 1>& a, const tensor<T, 1>& b) {
        tensor<T, 1> c = tensor<T, 1>::from_shape({a.size() + b.size()});
        std::copy(a.begin(), a.end(), c.begin());
        std::copy(b.begin(), b.end(), c.begin() + static_cast<std::ptrdiff_t>(a.size()));
        a = std::move(c);
    }
};

namespace impl {

/// exp(-Euler's gamma): the expected geometric/arithmetic mean ratio of exponentially distributed
/// periodogram bins, i.e. the flatness of white Gaussian noise.
inline constexpr double white_noise_flatness = 0.56145948356688516982;
inline constexpr double vad_power_eps = 1e-12;  // -120 dBFS

struct vad_frame {
    double log_energy_db = 0, band_power = 0, band_db = 0, band_ratio = 0, flatness = 1;
    double smooth_power = -1;  // < 0: no valid frame in the smoothing span
    bool missing = false;
};

inline double power_db(double p) { return 10.0 * std::log10(p + vad_power_eps); }

/// Per-frame spectral analysis with the shared pieces: frame t of the stream is frame t of a
/// snip-edges layout with hop = length (framing.hpp), windowed by a periodic Hann (window.hpp) and
/// zero-padded to a power-of-two FFT (stft.hpp); the band's bins come from band_bins() and a
/// frame of exact zeros is missing (digital_silence.hpp).
class vad_analyzer {
public:
    vad_analyzer(std::size_t length, double sample_rate, double lo_hz, double hi_hz) : length_(length) {
        nfft_ = 1;
        while (nfft_ < length) nfft_ *= 2;
        if (nfft_ < 16) nfft_ = 16;
        StftOptions so;
        so.sample_rate = sample_rate;
        so.n_fft = nfft_;
        so.win_length = length;
        so.hop_length = length;
        so.framing = framing_mode::snip_edges;
        so.window = window_type::hann;
        so.periodic_window = true;
        so.power = 2.0;
        so.scale = 1.0;
        analyzer_ = std::make_unique<frame_analyzer<double>>(so);
        power_ = aligned_buffer<double>(nfft_ / 2 + 1);
        const auto win = make_window<double>(window_type::hann, length, true);
        wsum2_ = 0;
        for (std::size_t n = 0; n < length; ++n) wsum2_ += win(n) * win(n);
        band_ = band_bins(lo_hz, hi_hz, sample_rate, nfft_);
        SYNCDSP_REQUIRE(!band_.empty(), "vad", "the speech band ", lo_hz, "-", hi_hz, " Hz holds no FFT bin at ",
                        sample_rate, " Hz with ", nfft_, "-point frames (bin spacing ", sample_rate / double(nfft_),
                        " Hz)");
    }

    /// Analyses frame t of the stream, whose `length` samples start at x.
    vad_frame analyse(const double* x, std::size_t t) {
        vad_frame f;
        double ss = 0;
        for (std::size_t n = 0; n < length_; ++n) ss += x[n] * x[n];
        f.missing = is_digital_silence(x, length_);
        f.log_energy_db = power_db(ss / double(length_));
        analyzer_->load_range(x, t * length_, (t + 1) * length_, t);
        analyzer_->analyze(power_.data(), false);
        // Parseval with the window's energy: a sinusoid of amplitude A in the band gives A^2 / 2.
        const double scale = 1.0 / (double(nfft_) * wsum2_);
        const std::size_t half = nfft_ / 2;
        const std::size_t k_lo = band_.first, k_hi = band_.last;
        double total = 0, band = 0, logsum = 0;
        for (std::size_t k = 0; k <= half; ++k) {
            const double p = power_[k];
            const double mult = (k == 0 || k == half) ? 1.0 : 2.0;
            total += mult * p;
            if (k >= k_lo && k <= k_hi) {
                band += mult * p;
                logsum += std::log(p + 1e-300);
            }
        }
        const double nb = double(band_.size());
        total *= scale;
        band *= scale;
        f.band_power = band;
        f.band_db = power_db(band);
        f.band_ratio = total > 0 ? std::min(1.0, band / total) : 0.0;
        // Flatness = geometric / arithmetic mean of the band's periodogram bins.
        double am = 0;
        for (std::size_t k = k_lo; k <= k_hi; ++k) am += power_[k];
        am /= nb;
        f.flatness = am > 1e-300 ? std::min(1.0, std::exp(logsum / nb) / am) : 1.0;
        return f;
    }

    std::size_t fft_size() const noexcept { return nfft_; }

private:
    std::size_t length_, nfft_ = 0;
    std::unique_ptr<frame_analyzer<double>> analyzer_;
    aligned_buffer<double> power_;
    fft_bin_range band_;
    double wsum2_ = 0;
};

}  // namespace impl

/// Streaming voice activity detector: feed samples with accept() in chunks of any size, call
/// finish() at the end; frames become ready `latency_frames()` frames after they are complete (all
/// of them at finish()). take() hands out the ready frames. The result equals
/// detect_voice_activity() on the whole signal, bit for bit, whatever the chunking.
class vad_stream {
public:
    vad_stream(double sample_rate, const VadOptions& options = VadOptions{}) : opt_(options), rate_(sample_rate) {
        opt_.validate();
        SYNCDSP_REQUIRE(std::isfinite(sample_rate) && sample_rate >= 8000.0 && sample_rate <= 384000.0, "vad",
                        "sample_rate=", sample_rate, " Hz is outside [8000, 384000]; resample first (16000 is the "
                        "usual rate for speech)");
        SYNCDSP_REQUIRE(opt_.band_low_hz < sample_rate / 2.0, "vad", "band_low_hz=", opt_.band_low_hz,
                        " is at or above Nyquist (", sample_rate / 2.0, " Hz)");
        const double len = opt_.frame_ms * sample_rate / 1000.0;
        const double rounded = std::round(len);
        SYNCDSP_REQUIRE(rounded >= 1.0 && std::abs(len - rounded) <= 1e-6 * std::max(1.0, len), "vad", "frame_ms=",
                        opt_.frame_ms, " at ", sample_rate, " Hz is ", len,
                        " samples; it must be a whole number (so the frame rate is exact): pick another frame_ms or "
                        "resample to 16000 Hz");
        length_ = static_cast<std::size_t>(rounded);
        analyzer_ = std::make_unique<impl::vad_analyzer>(length_, sample_rate, opt_.band_low_hz, opt_.band_high_hz);
        const std::size_t smooth = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(opt_.floor_smoothing_ms / opt_.frame_ms)));
        half_smooth_ = (smooth - 1) / 2;
        half_window_ = static_cast<std::size_t>(std::lround(opt_.floor_window_s * 1000.0 / opt_.frame_ms / 2.0));
        hangover_ = static_cast<std::size_t>(std::lround(opt_.hangover_ms / opt_.frame_ms));
        pending_.reserve(length_);
        frame_buf_.resize(length_);
        reset_output();
    }

    const VadOptions& options() const noexcept { return opt_; }
    double sample_rate() const noexcept { return rate_; }
    std::size_t frame_length() const noexcept { return length_; }
    /// Frames a frame waits for before it is final (the floor's look-ahead plus smoothing).
    std::size_t latency_frames() const noexcept { return half_window_ + half_smooth_; }
    /// Complete frames analysed so far.
    std::size_t frames_seen() const noexcept { return n_total_; }
    /// Final frames waiting to be taken.
    std::size_t frames_ready() const noexcept { return out_.speech_v.size(); }
    bool finished() const noexcept { return finished_; }

    /// Feeds n samples (float or double, nominally in [-1, 1]). Throws invalid_argument on NaN/Inf
    /// or |x| > 1e12 (naming the sample's index in the whole stream; nothing of this chunk is
    /// consumed) or after finish().
    template <class S>
    void accept(const S* x, std::size_t n) {
        static_assert(std::is_floating_point_v<S>, "vad_stream::accept takes float or double samples");
        SYNCDSP_REQUIRE(!finished_, "vad", "accept() after finish()");
        if (n == 0) return;
        SYNCDSP_REQUIRE(x != nullptr, "vad", "null sample pointer with n=", n);
        const std::size_t bad = first_non_finite(x, n);
        SYNCDSP_REQUIRE(bad == n, "vad", "the signal has a non-finite value (", x[bad == n ? 0 : bad],
                        ") at sample ", samples_seen_ + bad);
        // Squares and sums must stay finite: samples are nominally in [-1, 1]; int16-scale values
        // (|x| <= 32768) work too, the detector being level-invariant.
        for (std::size_t i = 0; i < n; ++i)
            SYNCDSP_REQUIRE(std::abs(static_cast<double>(x[i])) <= 1e12, "vad", "sample ", samples_seen_ + i, " = ",
                            x[i], " is out of range (|x| <= 1e12; audio is nominally in [-1, 1])");
        samples_seen_ += n;
        std::size_t i = 0;
        while (i < n) {
            if (pending_.empty() && n - i >= length_) {  // whole frame straight from the input
                for (std::size_t k = 0; k < length_; ++k) frame_buf_[k] = static_cast<double>(x[i + k]);
                push_frame(frame_buf_.data());
                i += length_;
                continue;
            }
            const std::size_t take_n = std::min(length_ - pending_.size(), n - i);
            for (std::size_t k = 0; k < take_n; ++k) pending_.push_back(static_cast<double>(x[i + k]));
            i += take_n;
            if (pending_.size() == length_) {
                push_frame(pending_.data());
                pending_.clear();
            }
        }
        advance();
    }
    template <class S>
    void accept(const tensor<S, 1>& x) { accept(x.data(), x.size()); }
    template <class S>
    void accept(const std::vector<S>& x) { accept(x.data(), x.size()); }

    /// Ends the stream: the incomplete tail (fewer than frame_length samples) is dropped, and every
    /// remaining frame becomes ready (the floor window is cut at the end of the signal).
    void finish() {
        if (finished_) return;
        finished_ = true;
        pending_.clear();
        advance();
    }

    /// Hands out the ready frames (and forgets them).
    vad_result take() {
        vad_result r;
        r.sample_rate = rate_;
        r.frame_length = length_;
        r.first_frame = taken_;
        const std::size_t m = out_.speech_v.size();
        r.speech = to_tensor(out_.speech_v);
        r.likelihood = to_tensor(out_.likelihood_v);
        r.missing = to_tensor(out_.missing_v);
        r.log_energy_db = to_tensor(out_.log_energy_v);
        r.band_energy_db = to_tensor(out_.band_db_v);
        r.band_ratio = to_tensor(out_.ratio_v);
        r.flatness = to_tensor(out_.flatness_v);
        r.noise_floor_db = to_tensor(out_.floor_v);
        r.snr_db = to_tensor(out_.snr_v);
        taken_ += m;
        reset_output();
        return r;
    }

private:
    struct outputs {
        std::vector<std::uint8_t> speech_v, missing_v;
        std::vector<float> likelihood_v, log_energy_v, band_db_v, ratio_v, flatness_v, floor_v, snr_v;
    };

    template <class T>
    static tensor<T, 1> to_tensor(const std::vector<T>& v) {
        tensor<T, 1> t = tensor<T, 1>::from_shape({v.size()});
        std::copy(v.begin(), v.end(), t.begin());
        return t;
    }

    void reset_output() { out_ = outputs{}; }

    impl::vad_frame& at(std::size_t t) { return frames_[t - base_]; }

    void push_frame(const double* x) {
        frames_.push_back(analyzer_->analyse(x, n_total_));
        ++n_total_;
    }

    void advance() {
        // 1. Smoothed band power of frame s: mean over the valid (non-missing) frames of [s-h, s+h].
        while (n_smoothed_ < n_total_ && (n_smoothed_ + half_smooth_ < n_total_ || finished_)) {
            const std::size_t s = n_smoothed_;
            const std::size_t a = s >= half_smooth_ ? s - half_smooth_ : 0;
            const std::size_t b = std::min(n_total_ - 1, s + half_smooth_);
            double sum = 0;
            std::size_t cnt = 0;
            for (std::size_t u = a; u <= b; ++u) {
                const auto& f = at(u);
                if (!f.missing) {
                    sum += f.band_power;
                    ++cnt;
                }
            }
            at(s).smooth_power = cnt ? sum / double(cnt) : -1.0;
            ++n_smoothed_;
        }
        // 2. Final decisions for frames whose floor window is complete.
        while (n_final_ < n_total_ && (n_final_ + half_window_ < n_smoothed_ || finished_)) finalize(n_final_++);
        // 3. Forget frames no later frame needs.
        const std::size_t need_a = n_final_ >= half_window_ ? n_final_ - half_window_ : 0;
        const std::size_t need_b = n_smoothed_ >= half_smooth_ ? n_smoothed_ - half_smooth_ : 0;
        const std::size_t keep_from = std::min(need_a, need_b);
        while (base_ < keep_from && !frames_.empty()) {
            frames_.pop_front();
            ++base_;
        }
    }

    void finalize(std::size_t t) {
        const auto& f = at(t);
        const std::size_t a = t >= half_window_ ? t - half_window_ : 0;
        const std::size_t b = std::min(n_total_ - 1, t + half_window_);
        double mn = std::numeric_limits<double>::infinity();
        for (std::size_t s = a; s <= b; ++s) {
            const double p = at(s).smooth_power;
            if (p >= 0 && p < mn) mn = p;
        }
        const double floor_db = std::isfinite(mn) ? std::max(opt_.min_floor_db, impl::power_db(mn)) : opt_.min_floor_db;
        double snr = 0, likelihood = 0;
        std::uint8_t decision = 0;
        if (f.missing) {
            raw_on_ = false;
            hang_left_ = 0;
        } else {
            snr = f.band_db - floor_db;
            const double eff = snr + opt_.flatness_gain_db * (impl::white_noise_flatness - f.flatness);
            const double mid = 0.5 * (opt_.onset_snr_db + opt_.offset_snr_db);
            likelihood = 1.0 / (1.0 + std::exp(-(eff - mid) / opt_.likelihood_scale_db));
            raw_on_ = raw_on_ ? eff >= opt_.offset_snr_db : eff >= opt_.onset_snr_db;
            if (raw_on_) {
                hang_left_ = hangover_;
                decision = 1;
            } else if (hang_left_ > 0) {
                --hang_left_;
                decision = 1;
            }
        }
        out_.speech_v.push_back(decision);
        out_.likelihood_v.push_back(static_cast<float>(likelihood));
        out_.missing_v.push_back(f.missing ? 1 : 0);
        out_.log_energy_v.push_back(static_cast<float>(f.log_energy_db));
        out_.band_db_v.push_back(static_cast<float>(f.band_db));
        out_.ratio_v.push_back(static_cast<float>(f.band_ratio));
        out_.flatness_v.push_back(static_cast<float>(f.flatness));
        out_.floor_v.push_back(static_cast<float>(floor_db));
        out_.snr_v.push_back(static_cast<float>(snr));
    }

    VadOptions opt_;
    double rate_;
    std::size_t length_ = 0, half_smooth_ = 0, half_window_ = 0, hangover_ = 0;
    std::unique_ptr<impl::vad_analyzer> analyzer_;
    std::vector<double> pending_, frame_buf_;
    std::deque<impl::vad_frame> frames_;
    std::size_t base_ = 0, n_total_ = 0, n_smoothed_ = 0, n_final_ = 0, taken_ = 0, samples_seen_ = 0;
    bool finished_ = false, raw_on_ = false;
    std::size_t hang_left_ = 0;
    outputs out_;
};

/// Voice activity of a whole signal x[0..n) at `sample_rate` Hz. Throws invalid_argument for an
/// empty signal, a signal shorter than one frame, NaN/Inf samples, or a bad rate/options.
template <class S>
vad_result detect_voice_activity(const S* x, std::size_t n, double sample_rate,
                                 const VadOptions& options = VadOptions{}) {
    vad_stream s(sample_rate, options);
    SYNCDSP_REQUIRE(n > 0, "vad", "the signal is empty (0 samples)");
    SYNCDSP_REQUIRE(n >= s.frame_length(), "vad", "the signal has ", n, " samples, shorter than one frame (",
                    s.frame_length(), " samples = ", options.frame_ms, " ms at ", sample_rate, " Hz)");
    s.accept(x, n);
    s.finish();
    return s.take();
}

template <class S>
vad_result detect_voice_activity(const tensor<S, 1>& x, double sample_rate, const VadOptions& options = VadOptions{}) {
    return detect_voice_activity(x.data(), x.size(), sample_rate, options);
}

template <class S>
vad_result detect_voice_activity(const std::vector<S>& x, double sample_rate, const VadOptions& options = VadOptions{}) {
    return detect_voice_activity(x.data(), x.size(), sample_rate, options);
}

}  // namespace syncdsp::audio
