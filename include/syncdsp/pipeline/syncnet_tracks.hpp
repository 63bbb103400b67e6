// syncdsp/pipeline/syncnet_tracks.hpp - SyncNet on any video: every face track, cropped the way
// syncnet_python's run_pipeline.py crops it, on a 25 fps grid made from the frames' timestamps,
// then SyncNet's protocol per track (offset, min dist = LSE-D, confidence = LSE-C).
//
//   const auto net = syncdsp::nn::syncnet::load("syncnet_v2.safetensors");
//   const auto r = syncdsp::pipeline::syncnet_on_tracks(net, "panel_30fps.mp4");
//   for (const auto& t : r.tracks) t.face.id, t.start_s, t.end_s, t.measured, t.protocol.min_dist
//
// Steps (docs/syncnet.md says what differs from syncnet_python and why):
//  1. face tracks from one decode (pipeline/video_tracks.hpp: detector, landmarks, shot cuts);
//  2. the 25 fps grid: slot k is the instant a0 + k/25 s, a0 the time of the first audio sample;
//     the frame of slot k is the latest frame whose timestamp is <= that instant (what a player
//     shows then; 1 us of slack for timestamps rounded to a time base). The audio is not touched,
//     so audio sample 640 k belongs to slot k: video and audio stay aligned for any frame rate,
//     VFR included. A track covers the slots whose frame lies in its span;
//  3. per slot the track's box (x1, y1, x2, y2); slots whose frame is a bridged gap (no landmarks)
//     get boxes linearly interpolated between the nearest slots with a box (as run_pipeline's
//     interp1d); then centre x, centre y and half size s = max(w, h) / 2, each smoothed with a
//     13-tap median filter with zero padding (scipy.signal.medfilt);
//  4. the crop of run_pipeline.crop_video (crop scale cs = 0.4): the frame padded by
//     bsi = int(s (1 + 2 cs)) pixels of value 110, rows int(my - s) .. int(my + s (1 + 2 cs)),
//     columns int(mx - s (1 + cs)) .. int(mx + s (1 + cs)) (my, mx: the centre in the padded frame),
//     resized to 224x224 exactly as cv2.resize does (vision/resize_opencv_u8.hpp);
//  5. the protocol (nn/models/syncnet_protocol.hpp) on the track's crops and its own audio, the
//     16 kHz 16-bit samples 640 k0 .. 640 (k1 + 1) of its slots k0..k1 (run_pipeline cuts the
//     audio the same way, frame[0]/25 .. (frame[-1]+1)/25 s).
// Memory: the crops are made in a second decode, and each track keeps only the crops of the
// windows of one forward pass (batch + 4 frames), so long tracks cost no more than short ones.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/audio/mfcc.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/geometry.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/io/subprocess.hpp"
#include "syncdsp/nn/models/face_tracks.hpp"
#include "syncdsp/nn/models/syncnet.hpp"
#include "syncdsp/nn/models/syncnet_protocol.hpp"
#include "syncdsp/pipeline/syncnet.hpp"
#include "syncdsp/pipeline/video_tracks.hpp"
#include "syncdsp/vision/image.hpp"
#include "syncdsp/vision/resize_opencv_u8.hpp"

namespace syncdsp::pipeline {

/// How a track is cropped for SyncNet (run_pipeline.py's crop_video settings).
struct SyncnetCropOptions {
    double crop_scale = 0.40;        ///< run_pipeline --crop_scale
    std::size_t smooth_kernel = 13;  ///< median filter of centre and size (odd)
    std::uint8_t pad_value = 110;    ///< value of the padding around the frame
    std::size_t size = 224;          ///< output crop side (SyncNet's input)

    /// syncnet_python's run_pipeline.py: crop scale 0.4, medfilt kernel 13, padding 110, 224x224.
    static SyncnetCropOptions syncnet_python() { return {}; }

    void validate() const {
        SYNCDSP_REQUIRE(std::isfinite(crop_scale) && crop_scale >= 0 && crop_scale <= 10, "syncnet",
                        "crop_scale must be in [0, 10], got ", crop_scale);
        SYNCDSP_REQUIRE(smooth_kernel % 2 == 1 && smooth_kernel <= 1001, "syncnet", "smooth_kernel must be odd and <= 1001, got ",
                        smooth_kernel);
        SYNCDSP_REQUIRE(size == 224, "syncnet", "SyncNet crops are 224x224, got size ", size);
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "SyncnetCropOptions{crop_scale=" << crop_scale << ", smooth_kernel=" << smooth_kernel
          << ", pad_value=" << int(pad_value) << ", size=" << size << "}";
        return s.str();
    }
};

struct SyncnetTracksOptions {
    SyncnetVideoOptions protocol = SyncnetVideoOptions::syncnet_python();  ///< vshift, batch, threads
    SyncnetCropOptions crop = SyncnetCropOptions::syncnet_python();
    VideoTracksOptions faces = quiet_faces();

    /// syncnet_python's crop and protocol on syncdsp's standard face tracks.
    static SyncnetTracksOptions syncnet_python() { return {}; }
    /// The standard face tracks without the mouth neighbourhoods (SyncNet does not use them).
    static VideoTracksOptions quiet_faces() {
        VideoTracksOptions o = VideoTracksOptions::standard();
        o.budget_bytes = 0;
        return o;
    }

    void validate() const {
        protocol.validate();
        crop.validate();
        faces.validate();
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "SyncnetTracksOptions{" << protocol.to_string() << ", " << crop.to_string() << ", " << faces.to_string() << "}";
        return s.str();
    }
};

/// The crop geometry of one 25 fps slot: centre and half size in frame pixels (after smoothing).
struct syncnet_crop_box {
    double x = 0, y = 0, s = 0;
};

/// scipy.signal.medfilt(x, kernel) with zero padding, in double (kernel odd).
inline std::vector<double> median_filter_zero_padded(const std::vector<double>& x, std::size_t kernel) {
    SYNCDSP_REQUIRE(kernel % 2 == 1, "median_filter", "kernel ", kernel, " must be odd");
    const long half = long(kernel / 2), n = long(x.size());
    std::vector<double> out(x.size()), win(kernel);
    for (long i = 0; i < n; ++i) {
        for (long k = -half; k <= half; ++k) win[std::size_t(k + half)] = (i + k < 0 || i + k >= n) ? 0.0 : x[std::size_t(i + k)];
        std::nth_element(win.begin(), win.begin() + half, win.end());
        out[std::size_t(i)] = win[std::size_t(half)];
    }
    return out;
}

/// For each slot k (instant t0 + k / fps), the index of the latest frame with a timestamp <=
/// that instant (+1 us), or -1 before the first frame. Slots run while the instant is at least
/// 1 ms before the end of the last frame (its timestamp plus the mean frame interval, or 1/fps for
/// one frame): timestamps rounded to a millisecond time base must not add a slot at the very end.
inline std::vector<long> frames_on_grid(const std::vector<double>& times, double t0, double fps = 25.0) {
    SYNCDSP_REQUIRE(std::isfinite(t0) && std::isfinite(fps) && fps > 0, "syncnet", "bad grid start ", t0, " or rate ", fps);
    std::vector<long> out;
    if (times.empty()) return out;
    const double interval = times.size() >= 2 ? (times.back() - times.front()) / double(times.size() - 1) : 1.0 / fps;
    const double end = times.back() + interval;
    const double slack = 1e-6, end_slack = 1e-3;
    std::size_t i = 0;
    for (long k = 0;; ++k) {
        const double t = t0 + double(k) / fps;
        if (t >= end - end_slack) break;
        while (i < times.size() && times[i] <= t + slack) ++i;
        out.push_back(long(i) - 1);
        SYNCDSP_REQUIRE(out.size() <= (std::size_t(1) << 28), "syncnet", "the 25 fps grid is unreasonably long");
    }
    return out;
}

/// A track on the 25 fps grid: its slots first_slot .. first_slot + crops.size() - 1 and their crop
/// boxes (interpolated over bridged gaps, then smoothed).
struct syncnet_track_grid {
    std::size_t first_slot = 0;
    std::vector<std::size_t> frame;        ///< per slot: the video frame shown
    std::vector<syncnet_crop_box> raw;     ///< per slot, before smoothing
    std::vector<syncnet_crop_box> crops;   ///< per slot, smoothed
    std::size_t slots() const { return frame.size(); }
};

/// Places a face track on the grid (frames_on_grid) and computes its crop boxes as run_pipeline's
/// crop_video does. Empty when no slot shows a frame of the track.
inline syncnet_track_grid track_on_grid(const nn::face_track& t, const std::vector<long>& grid,
                                        const SyncnetCropOptions& o = SyncnetCropOptions::syncnet_python()) {
    o.validate();
    syncnet_track_grid g;
    std::vector<double> x1, y1, x2, y2;
    std::vector<char> known;
    for (std::size_t k = 0; k < grid.size(); ++k) {
        if (grid[k] < long(t.first) || grid[k] > long(t.last)) continue;
        if (g.frame.empty()) g.first_slot = k;
        const std::size_t f = std::size_t(grid[k]), i = f - t.first;
        g.frame.push_back(f);
        const box& b = t.boxes[i];
        x1.push_back(b.x), y1.push_back(b.y), x2.push_back(b.x + b.width), y2.push_back(b.y + b.height);
        known.push_back(t.has[i] ? 1 : 0);
    }
    const std::size_t n = g.frame.size();
    if (n == 0) return g;
    // Gaps: linear between the nearest slots with a box (the nearest one at the ends).
    std::vector<long> have;
    for (std::size_t k = 0; k < n; ++k)
        if (known[k]) have.push_back(long(k));
    if (have.empty()) return syncnet_track_grid{};
    std::vector<double>* cols[4] = {&x1, &y1, &x2, &y2};
    std::size_t h = 0;
    for (std::size_t k = 0; k < n; ++k) {
        if (known[k]) continue;
        while (h + 1 < have.size() && have[h + 1] < long(k)) ++h;
        const long a = have[h] < long(k) ? have[h] : -1;
        const long b = [&] {
            for (std::size_t j = h; j < have.size(); ++j)
                if (have[j] > long(k)) return have[j];
            return -1L;
        }();
        for (auto* c : cols) {
            auto& v = *c;
            if (a >= 0 && b >= 0) {
                // scipy interp1d (linear): y0 + (x - x0) * (y1 - y0) / (x1 - x0), as slope times offset.
                const double slope = (v[std::size_t(b)] - v[std::size_t(a)]) / double(b - a);
                v[k] = slope * double(long(k) - a) + v[std::size_t(a)];
            } else {
                v[k] = v[std::size_t(a >= 0 ? a : b)];
            }
        }
    }
    std::vector<double> s(n), x(n), y(n);
    for (std::size_t k = 0; k < n; ++k) {
        s[k] = std::max(y2[k] - y1[k], x2[k] - x1[k]) / 2;
        y[k] = (y1[k] + y2[k]) / 2;
        x[k] = (x1[k] + x2[k]) / 2;
        g.raw.push_back({x[k], y[k], s[k]});
    }
    const auto ss = median_filter_zero_padded(s, o.smooth_kernel);
    const auto sx = median_filter_zero_padded(x, o.smooth_kernel);
    const auto sy = median_filter_zero_padded(y, o.smooth_kernel);
    for (std::size_t k = 0; k < n; ++k) g.crops.push_back({sx[k], sy[k], ss[k]});
    return g;
}

/// run_pipeline.crop_video's crop of one frame (8-bit, 3 channels, any order): pad by
/// bsi = int(s (1 + 2 cs)) with pad_value, cut the enlarged box around the centre, cv2.resize to
/// out (224x224x3). A region reaching above or left of the padded frame starts at 0 (numpy would
/// wrap a negative start around; the reference never gets there with a detected face). Throws
/// invalid_argument for an empty region (size 0).
inline void syncnet_crop(const vision::image_view<const std::uint8_t>& frame, const syncnet_crop_box& b,
                         const SyncnetCropOptions& o, const vision::image_view<std::uint8_t>& out) {
    SYNCDSP_REQUIRE(frame.channels == 3 && out.channels == 3 && out.width == o.size && out.height == o.size, "syncnet",
                    "crop needs 3-channel frames and a ", o.size, "x", o.size, "x3 output");
    SYNCDSP_REQUIRE(std::isfinite(b.x) && std::isfinite(b.y) && std::isfinite(b.s) && b.s >= 0 && b.s < 1e6, "syncnet",
                    "bad crop box centre (", b.x, ", ", b.y, ") half size ", b.s);
    const double cs = o.crop_scale, bs = b.s;
    const long bsi = long(bs * (1 + 2 * cs));
    const double my = b.y + double(bsi), mx = b.x + double(bsi);
    const long PH = long(frame.height) + 2 * bsi, PW = long(frame.width) + 2 * bsi;
    // Python's int() truncates toward zero; numpy clamps slice ends to the array.
    auto trunc = [](double v) { return long(std::trunc(v)); };
    const long r0 = std::clamp(trunc(my - bs), 0L, PH), r1 = std::clamp(trunc(my + bs * (1 + 2 * cs)), 0L, PH);
    const long c0 = std::clamp(trunc(mx - bs * (1 + cs)), 0L, PW), c1 = std::clamp(trunc(mx + bs * (1 + cs)), 0L, PW);
    SYNCDSP_REQUIRE(r1 > r0 && c1 > c0, "syncnet", "empty crop: centre (", b.x, ", ", b.y, "), half size ", bs);
    const std::size_t h = std::size_t(r1 - r0), w = std::size_t(c1 - c0);
    std::vector<std::uint8_t> region(h * w * 3, o.pad_value);
    for (std::size_t r = 0; r < h; ++r) {
        const long fy = r0 + long(r) - bsi;
        if (fy < 0 || fy >= long(frame.height)) continue;
        const long fx0 = std::max(c0 - bsi, 0L), fx1 = std::min(c1 - bsi, long(frame.width));
        if (fx1 <= fx0) continue;
        std::copy_n(frame.row(std::size_t(fy)) + fx0 * 3, std::size_t(fx1 - fx0) * 3,
                    region.data() + (r * w + std::size_t(fx0 - (c0 - bsi))) * 3);
    }
    vision::resize_linear_opencv_u8(vision::image_view<const std::uint8_t>(region.data(), w, h, 3), out);
}

/// SyncNet's verdict on one face track.
struct syncnet_track_result {
    nn::face_track face;               ///< the track (native frames first..last, boxes, landmarks)
    syncnet_track_grid grid;           ///< its 25 fps slots and crop boxes
    double start_s = 0, end_s = 0;     ///< presentation times of its slots (end: after the last)
    bool measured = false;             ///< false: too short for the protocol (see note)
    std::string note;                  ///< why it was not measured
    nn::syncnet_result protocol;       ///< when measured
    std::size_t audio_samples = 0;     ///< 16 kHz samples of the track's audio used
};

struct syncnet_tracks_result {
    std::vector<syncnet_track_result> tracks;  ///< every face track, in order of id
    std::vector<double> times;                 ///< timestamp of every video frame
    double audio_start_s = 0;                  ///< a0: the instant of slot 0 and of audio sample 0
    std::size_t frames = 0, slots = 0;         ///< video frames, 25 fps slots
    std::size_t dropped = 0;                   ///< face tracks dropped by the tracker as too short
    std::size_t audio_samples = 0;             ///< 16 kHz samples of the whole audio
    std::string face_mode;                     ///< video_tracks::mode
    std::size_t measured() const {
        return std::size_t(std::count_if(tracks.begin(), tracks.end(), [](const auto& t) { return t.measured; }));
    }
};

namespace syncnet_tracks_impl {

// python_speech_features MFCCs of int16 samples [b, e) (13 per 10 ms), as pipeline/syncnet.hpp.
inline tensor<float, 2> mfcc_of(const tensor<std::int16_t, 1>& pcm, std::size_t b, std::size_t e) {
    tensor<double, 1> s = tensor<double, 1>::from_shape({e - b});
    for (std::size_t i = b; i < e; ++i) s(i - b) = double(pcm(i));
    auto mo = audio::MfccOptions::python_speech_features(16000);
    mo.logmel.stft.input_scale = 1.0;
    const auto f = audio::mfcc(s, mo);
    tensor<float, 2> m = tensor<float, 2>::from_shape({f.shape()[0], f.shape()[1]});
    std::copy(f.begin(), f.end(), m.begin());
    return m;
}

// A measurable track while the second decode runs: its crops wait until a batch of windows can run.
struct pending {
    std::size_t index = 0;        // into result.tracks
    std::size_t windows = 0, next_window = 0;
    std::size_t next_slot = 0;    // relative slot of the next crop to make
    std::deque<std::vector<std::uint8_t>> crops;  // relative slots next_window .. next_window + size - 1
    tensor<float, 2> mfcc;
    nn::syncnet_embeddings emb;
};

}  // namespace syncnet_tracks_impl

/// SyncNet's protocol on every face track of a video of any size and frame rate (see the top of
/// this file). Tracks too short for the protocol are listed with measured = false and a note.
/// Throws invalid_argument without video or audio, io_error when the face models or ffmpeg fail.
inline syncnet_tracks_result syncnet_on_tracks(const nn::syncnet& net, const std::string& path,
                                               const SyncnetTracksOptions& opt = SyncnetTracksOptions::syncnet_python()) {
    using namespace syncnet_tracks_impl;
    opt.validate();
    const auto info = io::probe_media(path);
    if (!info.has_video || !info.has_audio)
        detail::throw_invalid_argument("syncnet", "'", path, "' needs both a video and an audio stream");
    auto vt = find_video_tracks(path, info, opt.faces);
    syncnet_tracks_result out;
    out.times = vt.times;
    out.frames = vt.frames;
    out.dropped = vt.dropped;
    out.face_mode = vt.mode;
    const auto pcm = io::decode_audio_pcm16_timed(path, info, 16000, out.audio_start_s);
    out.audio_samples = pcm.size();
    const auto grid = frames_on_grid(vt.times, out.audio_start_s, 25.0);
    out.slots = grid.size();
    const auto po = opt.protocol.protocol();
    const std::size_t min_slots = std::max<std::size_t>(6, opt.crop.smooth_kernel / 2 + 1);
    std::vector<pending> work;
    for (auto& vtrack : vt.tracks) {
        syncnet_track_result t;
        t.face = std::move(vtrack.face);
        t.grid = track_on_grid(t.face, grid, opt.crop);
        const std::size_t n = t.grid.slots(), k0 = t.grid.first_slot;
        t.start_s = out.audio_start_s + double(k0) / 25.0;
        t.end_s = out.audio_start_s + double(k0 + n) / 25.0;
        const std::size_t a0 = std::min(pcm.size(), 640 * k0), a1 = std::min(pcm.size(), 640 * (k0 + n));
        t.audio_samples = a1 - a0;
        const std::size_t usable = std::min(n, t.audio_samples / 640);
        if (n == 0) {
            t.note = "no 25 fps frame falls in the track (it lies before the audio starts)";
        } else if (n < min_slots || usable < 6) {
            std::ostringstream s;
            s << "too short for SyncNet: " << n << " frames at 25 fps and " << t.audio_samples
              << " audio samples give " << usable << " usable frames; at least " << min_slots << " frames (" << min_slots * 40
              << " ms) with audio are needed";
            t.note = s.str();
        } else {
            t.measured = true;
            pending p;
            p.index = out.tracks.size();
            p.windows = usable - 5;
            p.mfcc = mfcc_of(pcm, a0, a1);
            const std::size_t E = net.config().embedding;
            p.emb.video = tensor<float, 2>::from_shape({p.windows, E});
            p.emb.audio = tensor<float, 2>::from_shape({p.windows, E});
            work.push_back(std::move(p));
        }
        out.tracks.push_back(std::move(t));
    }
    if (work.empty()) return out;

    // Embeds the windows whose crops are all there (all of them when `last`).
    const std::size_t side = opt.crop.size, crop_bytes = side * side * 3;
    auto run_batches = [&](pending& p, bool last) {
        while (p.next_window < p.windows) {
            const std::size_t nb = std::min(po.batch, p.windows - p.next_window);
            if (p.crops.size() < nb + 4) {
                SYNCDSP_REQUIRE(!last, "syncnet", "internal: track ", out.tracks[p.index].face.id, " is missing crops");
                return;
            }
            tensor<std::uint8_t, 4> frames = tensor<std::uint8_t, 4>::from_shape({nb + 4, side, side, 3});
            for (std::size_t i = 0; i < nb + 4; ++i) std::copy(p.crops[i].begin(), p.crops[i].end(), frames.data() + i * crop_bytes);
            const std::size_t m0 = 4 * p.next_window, m1 = std::min(p.mfcc.shape()[0], m0 + 4 * (nb - 1) + 20);
            tensor<float, 2> mf = tensor<float, 2>::from_shape({m1 - m0, 13});
            std::copy(p.mfcc.data() + m0 * 13, p.mfcc.data() + m1 * 13, mf.data());
            const auto e = nn::syncnet_embed(net, frames, nn::frame_order::bgr, mf, nb, po);
            const std::size_t E = e.video.shape()[1];
            std::copy(e.video.begin(), e.video.end(), p.emb.video.data() + p.next_window * E);
            std::copy(e.audio.begin(), e.audio.end(), p.emb.audio.data() + p.next_window * E);
            p.next_window += nb;
            for (std::size_t i = 0; i < nb; ++i) p.crops.pop_front();
        }
    };
    // The second decode: each frame is cropped for every slot of every track that shows it.
    io::VideoDecodeOptions vo;
    vo.format = io::pixel_format::bgr;
    const std::size_t W = std::size_t(info.width), H = std::size_t(info.height);
    const std::size_t decoded = io::decode_video_stream(path, info, vo, [&](const std::uint8_t* px, std::size_t f) {
        const vision::image_view<const std::uint8_t> frame(px, W, H, 3);
        bool more = false;
        for (auto& p : work) {
            const auto& g = out.tracks[p.index].grid;
            const std::size_t needed = p.windows + 4;  // slots the windows use
            while (p.next_slot < needed && g.frame[p.next_slot] == f) {
                std::vector<std::uint8_t> crop(crop_bytes);
                syncnet_crop(frame, g.crops[p.next_slot], opt.crop, vision::image_view<std::uint8_t>(crop.data(), side, side, 3));
                p.crops.push_back(std::move(crop));
                ++p.next_slot;
            }
            run_batches(p, false);
            more = more || p.next_slot < needed;
        }
        return more;
    });
    (void)decoded;
    for (auto& p : work) {
        auto& t = out.tracks[p.index];
        if (p.next_slot < p.windows + 4)
            detail::throw_io_error("syncnet", "the second decode of '", path, "' ended before frame ",
                                   t.grid.frame[p.next_slot], " (the first decode had ", out.frames, " frames)");
        run_batches(p, true);
        t.protocol = nn::syncnet_offset(p.emb.video, p.emb.audio, po.vshift, 25.0);
    }
    return out;
}

}  // namespace syncdsp::pipeline
