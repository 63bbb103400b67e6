// syncdsp/audio/streaming.hpp - MFCC / log-mel from audio arriving in chunks of any size.
//
//   syncdsp::audio::feature_stream<float> s(syncdsp::audio::MfccOptions::python_speech_features());
//   while (read(chunk)) { s.accept(chunk.data(), chunk.size()); use(s.pop(s.frames_ready())); }
//   s.finish(); use(s.pop(s.frames_ready()));
//
// The frames are exactly (bit for bit) those of the one-shot mfcc()/log_mel() on the concatenated
// signal, whatever the chunking: a frame is computed as soon as every sample it and its partner
// (frames share FFTs in pairs, frame_analyzer::analyze_pair) need has arrived, with the same code and arithmetic as the one-shot path; whole-signal pre-emphasis
// carries its state across chunks; the padded tail (psf) or centred right edge (librosa) is done
// by finish(). Memory stays bounded (about one frame of samples plus the frames not yet popped).
//
// Not chunk-invariant, hence refused: librosa's power_to_db with top_db clamps every value to
// (maximum over the *whole* signal) - top_db, which no causal extractor can know before the end.
// Streaming with a librosa preset therefore needs log.top_db = 0 (no clamp); its centred edges
// are fine (the left padding needs only the first n_fft/2 + 1 samples, the right edge waits for
// finish()). A signal shorter than one snip-edges (Kaldi) frame yields 0 frames.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <vector>

#include "syncdsp/audio/mel.hpp"
#include "syncdsp/audio/mfcc.hpp"
#include "syncdsp/audio/stft.hpp"
#include "syncdsp/core/checked.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"

namespace syncdsp::audio {

template <class T>
class feature_stream {
public:
    /// MFCC frames (n_mfcc values each).
    explicit feature_stream(const MfccOptions& o) : feature_stream(o.logmel, true) {
        o.validate();
        cep_ = std::make_unique<impl::cepstrum<T>>(o);
        dim_ = o.n_mfcc;
    }
    /// Log-mel frames (n_mels values each); log.type none gives mel power.
    explicit feature_stream(const LogMelOptions& o) : feature_stream(o, false) {}

    /// Values per frame.
    std::size_t dim() const { return dim_; }

    /// Feeds n samples (in [-1, 1), like the one-shot functions). Throws on NaN/Inf or after finish().
    void accept(const T* samples, std::size_t n) {
        SYNCDSP_REQUIRE(!finished_, "stream", "accept() after finish()");
        if (n == 0) return;
        SYNCDSP_REQUIRE(samples != nullptr, "stream", "null sample pointer with n=", n);
        const std::size_t bad = first_non_finite(samples, n);
        if (bad != n)
            detail::throw_invalid_argument("stream", "non-finite sample (", samples[bad], ") at stream index ", received_ + bad);
        buf_.insert(buf_.end(), samples, samples + n);
        received_ += n;
        run(false);
    }
    void accept(const tensor<T, 1>& x) { accept(x.data(), x.size()); }

    /// Marks the end of the signal and computes the remaining (edge / tail) frames.
    void finish() {
        SYNCDSP_REQUIRE(!finished_, "stream", "finish() called twice");
        SYNCDSP_REQUIRE(received_ > 0, "stream", "the signal is empty (0 samples)");
        finished_ = true;
        run(true);
    }
    bool finished() const { return finished_; }

    /// Frames computed and not yet popped.
    std::size_t frames_ready() const { return (out_.size() - head_) / dim_; }
    /// Frames computed so far, popped or not.
    std::size_t frames_total() const { return next_; }
    /// Pointer to the i-th ready frame (dim() values), valid until the next accept/finish/pop.
    const T* frame(std::size_t i) const {
        SYNCDSP_REQUIRE(i < frames_ready(), "stream", "frame index ", i, " >= frames_ready()=", frames_ready());
        return out_.data() + head_ + i * dim_;
    }
    /// Removes and returns the first n ready frames, shape (n, dim()).
    tensor<T, 2> pop(std::size_t n) {
        SYNCDSP_REQUIRE(n <= frames_ready(), "stream", "pop(", n, ") with only ", frames_ready(), " frames ready");
        tensor<T, 2> r = tensor<T, 2>::from_shape({n, dim_});
        std::copy(out_.begin() + std::ptrdiff_t(head_), out_.begin() + std::ptrdiff_t(head_ + n * dim_), r.data());
        head_ += n * dim_;
        if (head_ > 4096 && head_ * 2 > out_.size()) {
            out_.erase(out_.begin(), out_.begin() + std::ptrdiff_t(head_));
            head_ = 0;
        }
        return r;
    }

private:
    feature_stream(const LogMelOptions& o, bool) : o_(o) {
        o_.validate();
        SYNCDSP_REQUIRE(!o_.log.global(), "stream",
                        "log.top_db=", o_.log.top_db, " clamps to the maximum of the whole signal, which a stream cannot know; "
                        "set log.top_db = 0 to stream (see docs/audio.md)");
        an_ = std::make_unique<impl::frame_analyzer<T>>(o_.stft);
        fb_ = make_mel_filterbank<T>(o_.mel);
        spec_ = aligned_buffer<T>(an_->bins() + impl::spectrum_padding);  // zeros after the bins (apply_padded)
        spec2_ = aligned_buffer<T>(an_->bins() + impl::spectrum_padding);
        mel_.resize(o_.mel.n_mels);
        dim_ = o_.mel.n_mels;
        const frame_layout& L = an_->layout();
        history_ = L.length + 2 * L.center_pad + L.hop + 2;
    }

    std::ptrdiff_t start_of(std::size_t t) const {
        const frame_layout& L = an_->layout();
        return static_cast<std::ptrdiff_t>(t * L.hop) + L.offset;
    }

    bool ready_midstream(std::size_t t) const {
        const frame_layout& L = an_->layout();
        const std::ptrdiff_t s = start_of(t), e = s + static_cast<std::ptrdiff_t>(L.length);  // exclusive end
        const auto R = static_cast<std::ptrdiff_t>(received_);
        if (e > R) return false;  // right edge / tail: wait for more samples or finish()
        if (s < 0 && L.mode == framing_mode::centered && L.pad == pad_mode::reflect && -s >= R) return false;
        return true;
    }

    void run(bool at_end) {
        const frame_layout& L = an_->layout();
        const std::size_t total = at_end ? L.count(received_) : 0;
        const bool want_energy = cep_ && cep_->energy_c0;
        for (;;) {
            if (at_end ? next_ >= total : !ready_midstream(next_)) break;
            // Frames go through the FFT in the pairs (2k, 2k+1) of the one-shot call, so an even
            // frame waits for its partner; only the last frame of an odd count goes alone.
            const bool pair = at_end ? next_ + 1 < total : ready_midstream(next_ + 1);
            if (!pair && !at_end) break;
            T energy[2] = {0, 0};
            if (pair) {
                an_->load_range_pair(buf_.data(), base_, received_, next_);
                an_->analyze_pair(spec_.data(), spec2_.data(), want_energy ? &energy[0] : nullptr,
                                  want_energy ? &energy[1] : nullptr);
            } else {
                an_->load_range(buf_.data(), base_, received_, next_);
                energy[0] = an_->analyze(spec_.data(), want_energy);
            }
            for (std::size_t k = 0; k < (pair ? 2u : 1u); ++k) {
                fb_.apply_padded(k == 0 ? spec_.data() : spec2_.data(), mel_.data());
                impl::apply_log(mel_.data(), mel_.size(), o_.log);  // per-value only (top_db refused)
                const std::size_t at = out_.size();
                out_.resize(at + dim_);
                if (cep_)
                    cep_->apply(mel_.data(), energy[k], out_.data() + at);
                else
                    std::copy(mel_.begin(), mel_.end(), out_.begin() + std::ptrdiff_t(at));
                ++next_;
            }
        }
        // Drop samples no future frame can need (keep some history for pre-emphasis and reflection).
        const std::ptrdiff_t need = std::min<std::ptrdiff_t>(start_of(next_) - 1,
                                                             static_cast<std::ptrdiff_t>(received_) - std::ptrdiff_t(history_));
        if (need > static_cast<std::ptrdiff_t>(base_) + 65536 || (at_end && need > std::ptrdiff_t(base_))) {
            const std::size_t drop = std::size_t(need) - base_;
            buf_.erase(buf_.begin(), buf_.begin() + std::ptrdiff_t(drop));
            base_ += drop;
        }
    }

    LogMelOptions o_;
    std::unique_ptr<impl::frame_analyzer<T>> an_;
    std::unique_ptr<impl::cepstrum<T>> cep_;
    mel_filterbank<T> fb_;
    aligned_buffer<T> spec_, spec2_;
    std::vector<T> mel_;
    std::vector<T> buf_;   // samples [base_, base_ + buf_.size())
    std::vector<T> out_;   // computed frames, from head_
    std::size_t base_ = 0, received_ = 0, next_ = 0, head_ = 0, dim_ = 0, history_ = 0;
    bool finished_ = false;
};

}  // namespace syncdsp::audio
