// syncdsp/nn/models/syncnet_protocol.hpp - the SyncNet evaluation protocol of syncnet_python
// (SyncNetInstance.evaluate), on precomputed inputs: MFCC features and decoded frames in, AV offset,
// min distance and confidence out. The MFCC front end lives in the audio layer (nn never includes
// it): pass python_speech_features-style MFCCs (audio::MfccOptions::python_speech_features() on
// int16-scale 16 kHz samples), shape (frames, 13), 100 per second.
//
// Protocol (all numbers as the reference computes them):
//   windows   = min(video frames, floor(audio samples / 640)) - 5   (the reference's off-by-one kept)
//   window v  = video frames [v, v+5) and MFCC frames [4v, 4v+20); embeddings are not normalised
//   dists     = for each video window i and shift j in [0, 2*vshift], pairwise_distance (eps 1e-6 on
//               the difference) to audio window i + j - vshift, a zero vector outside the clip
//   mean_dists[j] = mean over windows; min_dist = min, j* = first argmin
//   av_offset_frames = vshift - j*  (the reference's value: negative when the audio lags the video)
//   confidence = median(mean_dists) - min_dist   (LSE-C; min_dist is LSE-D)
//   per-window confidence = median(mean_dists) - dists[i][j*], then a 9-tap median filter with zero
//               padding (scipy.signal.medfilt); the raw values are kept too.
// offset_ms in syncdsp's convention (DESIGN.md: > 0 means the audio is late) = -av_offset_frames*1000/fps.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"
#include "syncdsp/nn/models/syncnet.hpp"

namespace syncdsp::nn {

/// What the protocol reports.
struct syncnet_result {
    int av_offset_frames = 0;           ///< the reference's "AV offset" (vshift - argmin)
    double offset_ms = 0;               ///< syncdsp convention: > 0 = audio late
    float min_dist = 0;                 ///< LSE-D
    float confidence = 0;               ///< LSE-C
    std::size_t vshift = 15;
    std::vector<float> mean_dists;      ///< 2*vshift+1 values, shift j = offset vshift - j
    tensor<float, 2> dists;             ///< windows x (2*vshift+1)
    std::vector<float> window_confidence;      ///< per window, median-filtered (kernel 9)
    std::vector<float> window_confidence_raw;  ///< per window, before the filter
    std::size_t windows() const { return dists.shape()[0]; }
};

/// The LSE-D / LSE-C pair used to score generated talking heads (Wav2Lip's evaluation): the
/// min distance and the confidence of the protocol on one clip.
struct lse_scores {
    float lse_d = 0, lse_c = 0;
};
inline lse_scores lse(const syncnet_result& r) { return {r.min_dist, r.confidence}; }

/// scipy.signal.medfilt(x, kernel) with zero padding; kernel odd.
inline std::vector<float> median_filter_zero_padded(const std::vector<float>& x, std::size_t kernel) {
    SYNCDSP_REQUIRE(kernel % 2 == 1, "median_filter", "kernel ", kernel, " must be odd");
    const long half = long(kernel / 2), n = long(x.size());
    std::vector<float> out(x.size()), win(kernel);
    for (long i = 0; i < n; ++i) {
        for (long k = -half; k <= half; ++k) win[std::size_t(k + half)] = (i + k < 0 || i + k >= n) ? 0.f : x[std::size_t(i + k)];
        std::nth_element(win.begin(), win.begin() + half, win.end());
        out[std::size_t(i)] = win[std::size_t(half)];
    }
    return out;
}

/// The distance part of the protocol on per-window embeddings (video and audio, windows x D).
inline syncnet_result syncnet_offset(const tensor<float, 2>& video, const tensor<float, 2>& audio,
                                     std::size_t vshift = 15, double fps = 25.0) {
    SYNCDSP_REQUIRE(video.shape() == audio.shape(), "syncnet_protocol", "video embeddings ", video.shape()[0], "x",
                    video.shape()[1], " and audio embeddings ", audio.shape()[0], "x", audio.shape()[1], " differ");
    const std::size_t n = video.shape()[0], d = video.shape()[1];
    SYNCDSP_REQUIRE(n >= 1, "syncnet_protocol", "needs at least one window");
    SYNCDSP_REQUIRE(vshift <= 1000, "syncnet_protocol", "vshift ", vshift, " is unreasonably large");
    SYNCDSP_REQUIRE(fps > 0 && std::isfinite(fps), "syncnet_protocol", "fps must be positive, got ", fps);
    require_finite(video.data(), video.size(), "syncnet_protocol", "video embeddings");
    require_finite(audio.data(), audio.size(), "syncnet_protocol", "audio embeddings");
    const std::size_t m = 2 * vshift + 1;
    syncnet_result r;
    r.vshift = vshift;
    r.dists = tensor<float, 2>::from_shape({n, m});
    const float eps = 1e-6f;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < m; ++j) {
            const long a = long(i + j) - long(vshift);  // audio window compared with video window i
            const bool inside = a >= 0 && a < long(n);
            double ss = 0;
            for (std::size_t k = 0; k < d; ++k) {
                const float other = inside ? audio(std::size_t(a), k) : 0.f;
                const double t = double(video(i, k) - other + eps);
                ss += t * t;
            }
            r.dists(i, j) = float(std::sqrt(ss));
        }
    r.mean_dists.resize(m);
    for (std::size_t j = 0; j < m; ++j) {
        double s = 0;
        for (std::size_t i = 0; i < n; ++i) s += r.dists(i, j);
        r.mean_dists[j] = float(s / double(n));
    }
    std::size_t best = 0;
    for (std::size_t j = 1; j < m; ++j)
        if (r.mean_dists[j] < r.mean_dists[best]) best = j;
    std::vector<float> sorted = r.mean_dists;
    std::nth_element(sorted.begin(), sorted.begin() + long(vshift), sorted.end());
    const float median = sorted[vshift];
    r.min_dist = r.mean_dists[best];
    r.confidence = median - r.min_dist;
    r.av_offset_frames = int(vshift) - int(best);
    r.offset_ms = r.av_offset_frames == 0 ? 0.0 : -double(r.av_offset_frames) * 1000.0 / fps;
    r.window_confidence_raw.resize(n);
    for (std::size_t i = 0; i < n; ++i) r.window_confidence_raw[i] = median - r.dists(i, best);
    r.window_confidence = median_filter_zero_padded(r.window_confidence_raw, 9);
    return r;
}

/// Number of 5-frame windows the reference evaluates: min(frames, floor(samples / 640)) - 5.
/// Throws invalid_argument when the clip is too short for one window.
inline std::size_t syncnet_window_count(std::size_t video_frames, std::size_t audio_samples) {
    const std::size_t len = std::min(video_frames, audio_samples / 640);
    SYNCDSP_REQUIRE(len >= 6, "syncnet_protocol", "clip too short for one SyncNet window: ", video_frames,
                    " video frames and ", audio_samples, " audio samples (16 kHz) give ", len,
                    " usable frames; at least 6 are needed (0.24 s at 25 fps)");
    return len - 5;
}

/// Channel order of 8-bit frames handed to the protocol.
enum class frame_order { bgr, rgb };

/// Options of syncnet_evaluate.
struct SyncnetProtocolOptions {
    std::size_t vshift = 15;     ///< offsets searched: -vshift..vshift frames
    std::size_t batch = 20;      ///< windows per forward pass (memory: 60 MB of lip input per 20)
    unsigned threads = 1;        ///< 0 = all cores
    double fps = 25.0;           ///< only used for offset_ms; the protocol itself assumes 25 fps

    /// syncnet_python's SyncNetInstance.evaluate: vshift 15 at 25 fps (batch and threads change
    /// only the speed).
    static SyncnetProtocolOptions syncnet_python() { return {}; }

    void validate() const {
        SYNCDSP_REQUIRE(vshift <= 1000, "syncnet_protocol", "vshift ", vshift, " must be <= 1000 frames");
        SYNCDSP_REQUIRE(batch >= 1 && batch <= 10000, "syncnet_protocol", "batch ", batch, " must be in 1..10000");
        SYNCDSP_REQUIRE(threads <= 256, "syncnet_protocol", "threads must be <= 256, got ", threads);
        SYNCDSP_REQUIRE(std::isfinite(fps) && fps > 0 && fps <= 1000, "syncnet_protocol", "fps ", fps,
                        " must be in (0, 1000]");
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "SyncnetProtocolOptions{vshift=" << vshift << ", batch=" << batch << ", threads=" << threads
          << ", fps=" << fps << "}";
        return s.str();
    }
};

/// Per-window embeddings of a clip.
struct syncnet_embeddings {
    tensor<float, 2> video, audio;
};

/// Runs both encoders over the clip's windows. frames: (T, 224, 224, 3) 8-bit; mfcc: (frames, 13).
inline syncnet_embeddings syncnet_embed(const syncnet& net, const tensor<std::uint8_t, 4>& frames, frame_order order,
                                        const tensor<float, 2>& mfcc, std::size_t windows,
                                        const SyncnetProtocolOptions& o = {}) {
    const auto& fs = frames.shape();
    SYNCDSP_REQUIRE(fs[1] == 224 && fs[2] == 224 && fs[3] == 3, "syncnet_protocol",
                    "frames must be T x 224 x 224 x 3 face crops, got ", fs[0], "x", fs[1], "x", fs[2], "x", fs[3]);
    SYNCDSP_REQUIRE(mfcc.shape()[1] == 13, "syncnet_protocol", "MFCC must be (frames, 13), got ", mfcc.shape()[0], "x",
                    mfcc.shape()[1]);
    SYNCDSP_REQUIRE(windows >= 1, "syncnet_protocol", "needs at least one window");
    SYNCDSP_REQUIRE(fs[0] >= windows + 4, "syncnet_protocol", windows, " windows need ", windows + 4,
                    " frames, have ", fs[0]);
    SYNCDSP_REQUIRE(mfcc.shape()[0] >= 4 * (windows - 1) + 20, "syncnet_protocol", windows, " windows need ",
                    4 * (windows - 1) + 20, " MFCC frames, have ", mfcc.shape()[0]);
    o.validate();
    const std::size_t E = net.config().embedding;
    syncnet_embeddings out;
    out.video = tensor<float, 2>::from_shape({windows, E});
    out.audio = tensor<float, 2>::from_shape({windows, E});
    const std::size_t plane = 224 * 224;
    for (std::size_t b0 = 0; b0 < windows; b0 += o.batch) {
        const std::size_t nb = std::min(o.batch, windows - b0);
        tensor<float, 5> lip = tensor<float, 5>::from_shape({nb, 3, 5, 224, 224});
        tensor<float, 4> aud = tensor<float, 4>::from_shape({nb, 1, 13, 20});
        for (std::size_t w = 0; w < nb; ++w) {
            const std::size_t v = b0 + w;
            for (std::size_t t = 0; t < 5; ++t) {
                const std::uint8_t* src = frames.data() + (v + t) * plane * 3;
                for (std::size_t c = 0; c < 3; ++c) {
                    // BGR planes: plane 0 is blue. Interleaved input index of that colour:
                    const std::size_t src_c = order == frame_order::bgr ? c : 2 - c;
                    float* dst = lip.data() + ((w * 3 + c) * 5 + t) * plane;
                    for (std::size_t p = 0; p < plane; ++p) dst[p] = float(src[p * 3 + src_c]);
                }
            }
            for (std::size_t c = 0; c < 13; ++c)
                for (std::size_t t = 0; t < 20; ++t) aud(w, 0, c, t) = mfcc(4 * v + t, c);
        }
        const auto ve = net.embed_lip(lip, o.threads);
        const auto ae = net.embed_audio(aud, o.threads);
        std::copy(ve.begin(), ve.end(), out.video.data() + b0 * E);
        std::copy(ae.begin(), ae.end(), out.audio.data() + b0 * E);
    }
    return out;
}

/// The whole protocol: frames (T, 224, 224, 3, 8-bit, 25 fps), MFCC (frames, 13) of the clip's
/// audio, and the number of 16 kHz audio samples (for the window count).
inline syncnet_result syncnet_evaluate(const syncnet& net, const tensor<std::uint8_t, 4>& frames, frame_order order,
                                       const tensor<float, 2>& mfcc, std::size_t audio_samples,
                                       const SyncnetProtocolOptions& o = {}) {
    o.validate();
    const std::size_t windows = syncnet_window_count(frames.shape()[0], audio_samples);
    const auto e = syncnet_embed(net, frames, order, mfcc, windows, o);
    return syncnet_offset(e.video, e.audio, o.vshift, o.fps);
}

}  // namespace syncdsp::nn
