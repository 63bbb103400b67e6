// syncdsp/audio/zcr.hpp - zero-crossing rate and RMS energy per frame.
//
// ZCR follows librosa.feature.zero_crossing_rate exactly: samples with |x| <= threshold count as
// (positive) zero; a crossing at frame position j >= 1 is signbit(x_j) != signbit(x_{j-1}) (the
// frame's first sample never counts); rate = crossings / frame_length. librosa centres frames with
// *edge* padding for ZCR. RMS follows librosa.feature.rms: sqrt(mean(x^2)) over frame_length
// samples, centred with zero padding. Both return shape (frames, 1).
#pragma once

#include <cmath>
#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/audio/framing.hpp"
#include "syncdsp/core/checked.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"

namespace syncdsp::audio {

/// Framing and rule of a per-frame time-domain feature (ZCR, RMS).
struct FrameFeatureOptions {
    std::size_t frame_length = 2048;
    std::size_t hop_length = 512;
    framing_mode framing = framing_mode::centered;
    pad_mode pad = pad_mode::edge;
    double threshold = 1e-10;  ///< ZCR only: |x| <= threshold counts as zero

    /// librosa.feature.zero_crossing_rate defaults (2048/512, centred, edge padding).
    static FrameFeatureOptions librosa_zcr(std::size_t frame_length = 2048, std::size_t hop_length = 512) {
        FrameFeatureOptions o;
        o.frame_length = frame_length;
        o.hop_length = hop_length;
        return o;
    }
    /// librosa.feature.rms defaults (2048/512, centred, zero padding).
    static FrameFeatureOptions librosa_rms(std::size_t frame_length = 2048, std::size_t hop_length = 512) {
        FrameFeatureOptions o = librosa_zcr(frame_length, hop_length);
        o.pad = pad_mode::constant;
        return o;
    }
    /// The python_speech_features frames (400/160 at 16 kHz, tail zero-padded): one value per MFCC frame.
    static FrameFeatureOptions python_speech_features(double sr = 16000) {
        FrameFeatureOptions o;
        o.frame_length = static_cast<std::size_t>(std::floor(0.025 * sr + 0.5));
        o.hop_length = static_cast<std::size_t>(std::floor(0.01 * sr + 0.5));
        o.framing = framing_mode::zero_tail;
        return o;
    }
    /// The Kaldi frames (400/160 at 16 kHz, complete frames only): one value per Kaldi MFCC frame.
    static FrameFeatureOptions kaldi(double sr = 16000) {
        FrameFeatureOptions o;
        o.frame_length = static_cast<std::size_t>(sr * 0.025);
        o.hop_length = static_cast<std::size_t>(sr * 0.010);
        o.framing = framing_mode::snip_edges;
        return o;
    }

    frame_layout layout() const {
        switch (framing) {
            case framing_mode::centered: return centered_layout(frame_length, frame_length, hop_length, pad);
            case framing_mode::snip_edges: return snip_edges_layout(frame_length, hop_length);
            case framing_mode::zero_tail: return zero_tail_layout(frame_length, hop_length);
        }
        return snip_edges_layout(frame_length, hop_length);
    }
    void validate(const char* where) const {
        SYNCDSP_REQUIRE(frame_length > 0, where, "frame_length must be positive, got 0");
        SYNCDSP_REQUIRE(hop_length > 0, where, "hop_length must be positive, got 0");
        SYNCDSP_REQUIRE(std::isfinite(threshold) && threshold >= 0, where, "threshold must be >= 0, got ", threshold);
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "FrameFeatureOptions{frame_length=" << frame_length << ", hop=" << hop_length
          << ", framing=" << audio::to_string(framing);
        if (framing == framing_mode::centered) s << ", pad=" << audio::to_string(pad);
        s << ", threshold=" << threshold << "}";
        return s.str();
    }
};

namespace impl {
template <class T, class F>
tensor<T, 2> per_frame(const tensor<T, 1>& x, const FrameFeatureOptions& o, const char* where, F&& f) {
    o.validate(where);
    require_signal(x.data(), x.size(), where);
    const frame_layout layout = o.layout();
    const std::size_t nf = layout.count(x.size());
    SYNCDSP_REQUIRE(nf > 0, where, "the signal has ", x.size(), " samples, fewer than one frame (", o.frame_length,
                    " samples) with snip-edges framing");
    tensor<T, 2> out = tensor<T, 2>::from_shape({nf, 1});
    std::vector<T> frame(o.frame_length);
    for (std::size_t t = 0; t < nf; ++t) {
        copy_frame(x.data(), x.size(), layout, t, frame.data());
        out(t, 0) = f(frame.data(), frame.size());
    }
    return out;
}
}  // namespace impl

/// Zero-crossing rate per frame, shape (frames, 1).
template <class T>
tensor<T, 2> zero_crossing_rate(const tensor<T, 1>& x, const FrameFeatureOptions& o = FrameFeatureOptions::librosa_zcr()) {
    const T thr = static_cast<T>(o.threshold);
    return impl::per_frame(x, o, "zcr", [thr](const T* f, std::size_t n) {
        auto neg = [thr](T v) { return std::abs(v) <= thr ? false : std::signbit(v); };
        std::size_t count = 0;
        bool prev = neg(f[0]);
        for (std::size_t j = 1; j < n; ++j) {
            const bool cur = neg(f[j]);
            count += cur != prev;
            prev = cur;
        }
        return static_cast<T>(double(count) / double(n));
    });
}

/// Root-mean-square energy per frame, shape (frames, 1).
template <class T>
tensor<T, 2> rms(const tensor<T, 1>& x, const FrameFeatureOptions& o = FrameFeatureOptions::librosa_rms()) {
    return impl::per_frame(x, o, "rms", [](const T* f, std::size_t n) {
        double acc = 0;
        for (std::size_t j = 0; j < n; ++j) acc += double(f[j]) * double(f[j]);
        return static_cast<T>(std::sqrt(acc / double(n)));
    });
}

}  // namespace syncdsp::audio
