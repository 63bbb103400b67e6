// syncdsp/pipeline/classic.hpp - the training-free offset estimator: mouth motion from optical flow
// against the rate of change of speech-band energy, cross-correlated over a lag range.
//
//   auto report = syncdsp::pipeline::estimate_offset("talk.mp4");
//   report.offset_ms   // > 0: the audio is late (DESIGN.md sign convention)
//
// Steps (docs/sync.md explains each choice):
//  1. decode: audio as 16 kHz mono float, video as gray frames with their real timestamps;
//  2. audio cue: 1-4 kHz log energy at 100 Hz (digital silence = missing), averaged into one cell
//     per video frame on a uniform grid at the nominal frame rate, then differenced;
//  3. video cue: mouth opening rate from Farneback flow in the mouth box, put on the same grid by
//     interpolation at the frames' timestamps (variable frame rate is handled);
//  4. both cues get the same 2-tap smoothing; per-overlap Pearson correlation over +-max_offset;
//  5. the best lag, refined by a parabola, is the offset; its significance is measured against
//     surrogates: the same search with the audio cue time-reversed and circularly shifted (the
//     same values and the same autocorrelation, but no true alignment at any lag, whatever the
//     clip's length), so the confidence says how far the real peak stands above the peaks that
//     chance alone produces on this very clip.
#pragma once

#include <algorithm>
#include <chrono>
#include <future>
#include <cmath>
#include <map>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/parallel.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/audio/band_energy.hpp"
#include "syncdsp/audio/phone_openness.hpp"
#include "syncdsp/audio/phones.hpp"
#include "syncdsp/pipeline/face_track.hpp"
#include "syncdsp/vision/mouth.hpp"
#include "syncdsp/vision/mouth_motion.hpp"
#include "syncdsp/sync/fusion.hpp"
#include "syncdsp/sync/peak.hpp"
#include "syncdsp/sync/timebase.hpp"
#include "syncdsp/sync/tracker.hpp"
#include "syncdsp/sync/xcorr.hpp"

namespace syncdsp::pipeline {

/// Where the mouth box comes from.
enum class mouth_source {
    automatic,  ///< the given box if any; else a face crop's lower centre if the frame is square-ish; else an error
    face_crop,  ///< always the lower centre of the frame (the video is a tight face crop)
    box,        ///< the box in ClassicOptions::mouth_box
};

/// Whether to find the mouth with the face-api networks (scripts/get_models.sh installs them).
enum class face_mode {
    automatic,  ///< use them when the model files are found and no box was given; else the face-crop box
    on,         ///< require them (error when the models are missing)
    off,        ///< never
};

/// Whether to add the phone cue (pocketsphinx; optional at build time, see docs/phones.md).
enum class phone_mode {
    automatic,  ///< on when the recogniser is built in, its model is installed and the audio sounds like speech
    on,         ///< required (error when unavailable)
    off,
};

struct ClassicOptions {
    double max_offset_ms = 2000;             ///< search range +-max_offset_ms
    face_mode faces = face_mode::automatic;
    phone_mode phones = phone_mode::automatic;
    FaceTrackOptions face;                   ///< detector cadence, models directory
    std::string landmarks_path;              ///< landmark file (CSV/JSON/OpenFace), frame index per row
    std::string save_landmarks_path;         ///< write the landmarks used (CSV) here, for re-use with landmarks_path
    mouth_source source = mouth_source::automatic;
    std::optional<vision::rect> mouth_box;   ///< in frame pixels
    std::vector<vision::rect> mouth_boxes;   ///< one per frame (e.g. from landmarks); overrides mouth_box
    audio::BandEnergyOptions energy;
    vision::MouthMotionOptions mouth;
    sync::PeakOptions peak;
    int surrogates = 99;                     ///< reversed, circularly shifted surrogates for the confidence (0 = off)
    double reliable_p = 0.01;                ///< p-value at or below which an answer is called reliable
    double track_window_s = 0;               ///< > 0: also estimate in sliding windows
    double track_hop_s = 0;                  ///< default: half the window
    unsigned sample_rate = 16000;
};

/// Everything the estimator found.
struct offset_report {
    bool valid = false;             ///< false: no informative lag (silent audio, frozen video, ...)
    double offset_ms = 0;           ///< > 0: audio late
    double offset_frames = 0;       ///< the same in video frames
    double fps = 0;
    double confidence = 0;          ///< (peak - mean surrogate peak) / sd of surrogate peaks
    double p_value = 1;             ///< share of surrogates (plus the real one) whose peak >= the real peak
    double peak_score = 0;          ///< correlation at the peak
    double peak_z = 0;              ///< robust z of the peak within the curve
    double peak_margin = 0;         ///< peak minus the runner-up outside the guard band
    bool at_edge = false;           ///< the peak is at the end of the search range
    bool reliable = false;          ///< valid, not at the edge, and p_value <= reliable_p
    std::string method = "classic";
    std::vector<std::string> cues;  ///< the feature pairs used
    sync::correlation_curve curve;  ///< lags in frames (curve.rate_hz = fps)
    std::vector<sync::track_window> windows;
    vision::rect mouth_box;         ///< the (first) mouth box used
    std::string mouth_from = "face-crop box";  ///< "box", "face-crop box", "landmarks (file|detector|whole-frame)"
    std::size_t face_frames = 0;    ///< frames with landmarks (0 when landmarks were not used)
    std::vector<std::string> notes; ///< non-fatal remarks (e.g. why the face networks were not used)
    bool phones = false;            ///< the phone cue was used
    /// The audio cues on the video-rate grid (for plots): name and values (NaN = missing), the
    /// grid starting at cue_start_s with cue_rate_hz samples per second.
    std::vector<std::pair<std::string, std::vector<double>>> audio_cue_tracks;
    double cue_start_s = 0, cue_rate_hz = 0;
    double duration_s = 0;
    std::size_t frames = 0;
    std::map<std::string, double> timings_ms;
};

/// Decoded input of the estimator (for callers that decode themselves).
struct av_input {
    std::vector<float> audio;          ///< mono samples
    unsigned sample_rate = 16000;
    double audio_start_s = 0;          ///< time of audio sample 0 on the media timeline
    tensor<std::uint8_t, 4> frames;    ///< gray (N, H, W, 1)
    std::vector<double> frame_times_s; ///< one per frame, increasing
    double fps = 0;                    ///< nominal frame rate (0: from the timestamps)
};

namespace classic_impl {

inline double elapsed_ms(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}

// 2-tap moving average y[k] = (x[k] + x[k-1]) / 2 (NaN-propagating, y[0] = NaN).
inline std::vector<double> two_tap(const std::vector<double>& x) {
    std::vector<double> y(x.size(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t k = 1; k < x.size(); ++k) y[k] = 0.5 * (x[k] + x[k - 1]);
    return y;
}

// The fused peak of every video x audio cue pair with the audio cues time-reversed and circularly
// shifted by `shift` samples (all by the same shift): surrogates with the cues' own statistics and
// no true alignment.
inline double surrogate_peak(const std::vector<std::vector<double>>& video,
                             const std::vector<std::pair<std::string, std::vector<double>>>& audio, std::size_t shift,
                             const sync::NccOptions& ncc) {
    std::vector<sync::correlation_curve> curves;
    for (const auto& [name, a] : audio) {
        const std::size_t n = a.size();
        std::vector<double> rotated(n);
        for (std::size_t i = 0; i < n; ++i) rotated[(i + shift) % n] = a[n - 1 - i];
        for (const auto& v : video)
            curves.push_back(sync::normalized_xcorr(v.data(), v.size(), rotated.data(), rotated.size(), ncc));
    }
    const auto p = sync::find_peak(sync::fuse_fisher_z(curves));
    return p.valid ? p.score : 0.0;
}

/// A visual cue per video frame: a rate (already a change between frames k-1 and k, e.g. flow)
/// or a level (e.g. a mouth aspect ratio, differenced on the grid like the audio energy).
struct visual_cue {
    std::string name;
    std::vector<double> per_frame;
    bool is_rate = true;
};

}  // namespace classic_impl

namespace classic_impl {

// The mouth box(es) for a W x H video, per the options.
inline std::vector<vision::rect> choose_boxes(std::size_t W, std::size_t H, const ClassicOptions& opt) {
    if (!opt.mouth_boxes.empty()) return opt.mouth_boxes;
    if (opt.source == mouth_source::box || (opt.source == mouth_source::automatic && opt.mouth_box)) {
        if (!opt.mouth_box) detail::throw_invalid_argument("estimate_offset", "mouth_source::box needs mouth_box");
        return {*opt.mouth_box};
    }
    const double aspect = double(W) / double(H);
    if (opt.source == mouth_source::automatic && (aspect < 0.8 || aspect > 1.25))
        detail::throw_invalid_argument("estimate_offset", "the video is ", W, "x", H,
                                       ", not a face crop: give the mouth region (--roi x,y,w,h) or landmarks "
                                       "(--landmarks FILE)");
    return {vision::face_crop_mouth_box(W, H)};
}

// Steps 4-5 (and tracking): correlate the cues and measure the peak's significance.
inline void correlate(const std::vector<visual_cue>& cues, const std::vector<double>& frame_times, double nominal_fps,
                      const std::vector<double>& energy, double audio_start_s, const ClassicOptions& opt,
                      offset_report& r, const std::vector<audio::phone_segment>* phones = nullptr) {
    using clock = std::chrono::steady_clock;
    const std::size_t n = frame_times.size();
    if (n < 3) detail::throw_invalid_argument("estimate_offset", "the video has ", n, " frame(s); at least 3 are needed");
    for (const auto& c : cues)
        SYNCDSP_REQUIRE(c.per_frame.size() == n, "estimate_offset", c.per_frame.size(), " values of ", c.name, " for ",
                        n, " frames");
    r.frames = n;
    double fps = nominal_fps;
    if (!(fps > 0)) {
        std::vector<double> d;
        for (std::size_t i = 1; i < n; ++i) d.push_back(frame_times[i] - frame_times[i - 1]);
        const double md = sync::median_of(d);
        fps = md > 0 ? 1.0 / md : 25.0;
    }
    SYNCDSP_REQUIRE(fps >= 1 && fps <= 1000, "estimate_offset", "frame rate ", fps, " fps is outside 1..1000");
    r.fps = fps;
    const double t0 = frame_times.front(), t1 = frame_times.back() + 1.0 / fps;
    r.duration_s = t1 - t0;
    const std::vector<double> grid = sync::uniform_grid(t0, t1, fps);

    auto start = clock::now();
    const auto energy_grid = sync::integrate_to_grid(energy, 1000.0 / opt.energy.hop_ms, audio_start_s, grid, fps);
    // Audio cues on the grid: each a level per grid cell, differenced, 2-tap smoothed.
    std::vector<std::pair<std::string, std::vector<double>>> audio_cues;
    audio_cues.push_back({"d/dt 1-4 kHz log energy", two_tap(sync::backward_difference(energy_grid))});
    if (phones) {
        // Phone segments are in audio time from sample 0; a pocketsphinx frame is centred 12.8 ms
        // after its start, 7.8 ms after the middle of its 10 ms slot: shift by that to line up.
        std::vector<audio::phone_segment> shifted = *phones;
        for (auto& sgm : shifted) {
            sgm.start_s += audio_start_s + 0.0078;
            sgm.end_s += audio_start_s + 0.0078;
        }
        const auto track = audio::openness_track(shifted, fps, grid.front() - 0.5 / fps, grid.size());
        std::vector<double> level(grid.size());
        for (std::size_t i = 0; i < grid.size(); ++i) level[i] = double(track.openness(i));
        audio_cues.push_back({"d/dt phone openness", two_tap(sync::backward_difference(level))});
    }
    r.audio_cue_tracks = audio_cues;
    r.cue_start_s = grid.front();
    r.cue_rate_hz = fps;
    std::vector<std::vector<double>> video_cues;
    r.cues.clear();
    for (const auto& c : cues) {
        auto g = sync::interpolate_to_grid(c.per_frame, frame_times, grid);
        video_cues.push_back(two_tap(c.is_rate ? g : sync::backward_difference(g)));
    }
    const auto& audio_cue = audio_cues.front().second;

    const int max_lag = std::max(1, int(std::ceil(opt.max_offset_ms * fps / 1000.0)));
    auto ncc = sync::NccOptions::symmetric(max_lag);
    ncc.min_overlap = std::max<std::size_t>(8, std::size_t(std::lround(2.0 * fps)));  // >= 2 s of pairs
    std::vector<sync::correlation_curve> curves;
    for (const auto& [aname, a] : audio_cues) {
        for (std::size_t v = 0; v < video_cues.size(); ++v) {
            curves.push_back(sync::normalized_xcorr(video_cues[v].data(), video_cues[v].size(), a.data(), a.size(), ncc));
            curves.back().rate_hz = fps;
            r.cues.push_back(cues[v].name + " x " + aname);
        }
    }
    // The reported curve: the mean Pearson r over the cues (readable); the peak is searched on the
    // Stouffer-fused Fisher z (comparable across lags and cue counts).
    r.curve = curves.front();
    if (curves.size() > 1) {
        for (std::size_t i = 0; i < r.curve.size(); ++i) {
            double sum = 0, cnt = 0;
            for (const auto& c : curves)
                if (c.informative[i]) { sum += c.score[i]; cnt += 1; r.curve.informative[i] = 1; }
            r.curve.score[i] = cnt > 0 ? sum / cnt : 0.0;
        }
    }
    const auto fused = sync::fuse_fisher_z(curves);
    const auto peak = sync::find_peak(fused, opt.peak);
    if (peak.valid) {
        r.valid = true;
        r.offset_frames = peak.lag_refined;
        r.offset_ms = peak.lag_refined * 1000.0 / fps;
        r.peak_score = r.curve.score[peak.index];
        r.peak_z = peak.peak_to_median;
        r.peak_margin = peak.peak_to_second;
        r.at_edge = peak.at_edge;
        // Surrogates: the reversed audio cue at shifts spread evenly around the circle.
        const std::size_t len = audio_cue.size();
        std::vector<double> peaks;
        if (opt.surrogates > 0 && len >= 8) {
            const std::size_t count = std::size_t(opt.surrogates);
            peaks.resize(count);
            parallel_for(count, 0, [&](std::size_t b, std::size_t e) {
                for (std::size_t i = b; i < e; ++i) peaks[i] = surrogate_peak(video_cues, audio_cues, (len * i) / count, ncc);
            });
        }
        if (!peaks.empty()) {
            double mean = 0, var = 0;
            for (double p : peaks) mean += p / double(peaks.size());
            for (double p : peaks) var += (p - mean) * (p - mean) / double(peaks.size());
            const double sd = std::max(std::sqrt(var), 1e-6);
            r.confidence = (peak.score - mean) / sd;  // in fused-z units, like the surrogates
            const auto beaten = std::count_if(peaks.begin(), peaks.end(), [&](double p) { return p >= peak.score; });
            r.p_value = double(1 + beaten) / double(1 + peaks.size());
        }
        r.reliable =
            !r.at_edge && !peaks.empty() && r.p_value <= std::max(opt.reliable_p, 1.0 / double(1 + peaks.size()));
    }
    r.timings_ms["correlation"] = elapsed_ms(start);

    if (opt.track_window_s > 0) {
        start = clock::now();
        // Sliding windows, each searched and tested exactly like the whole clip: the Stouffer-
        // fused Fisher-z curve of every cue pair (the audio keeps its context outside the window
        // so every lag has a full overlap), and surrogates with the audio cues reversed and
        // rotated (fewer than for the whole clip, to bound the cost).
        const std::size_t win = std::max<std::size_t>(2, std::size_t(std::lround(opt.track_window_s * fps)));
        const double hop_s = opt.track_hop_s > 0 ? opt.track_hop_s : opt.track_window_s / 2;
        const std::size_t hop = std::max<std::size_t>(1, std::size_t(std::lround(hop_s * fps)));
        sync::NccOptions wncc = ncc;
        wncc.min_overlap = std::max<std::size_t>(8, std::size_t(std::lround(fps)));
        const std::size_t len = audio_cue.size();
        auto window_curve = [&](const std::vector<std::pair<std::string, std::vector<double>>>& audio, std::size_t b,
                                std::size_t e) {
            std::vector<sync::correlation_curve> cs;
            for (const auto& [aname, a] : audio) {
                const long lo = std::max<long>(0, long(b) + wncc.min_lag);
                const long hi = std::min<long>(long(a.size()), long(e) + wncc.max_lag);
                sync::NccOptions o = wncc;
                o.min_lag = wncc.min_lag + int(long(b) - lo);
                o.max_lag = wncc.max_lag + int(long(b) - lo);
                for (const auto& v : video_cues) {
                    auto c = sync::normalized_xcorr(v.data() + b, e - b, a.data() + lo, std::size_t(hi - lo), o);
                    c.min_lag = wncc.min_lag;
                    cs.push_back(std::move(c));
                }
            }
            return sync::fuse_fisher_z(cs);
        };
        const std::size_t n_sur = opt.surrogates > 0 ? std::size_t(std::max(opt.surrogates / 2, 19)) : 0;
        std::vector<std::vector<std::pair<std::string, std::vector<double>>>> rotated(n_sur);
        for (std::size_t i = 0; i < n_sur; ++i) {
            const std::size_t shift = (len * i) / n_sur;
            for (const auto& [aname, a] : audio_cues) {
                std::vector<double> rot(a.size());
                for (std::size_t k = 0; k < a.size(); ++k) rot[(k + shift) % a.size()] = a[a.size() - 1 - k];
                rotated[i].push_back({aname, std::move(rot)});
            }
        }
        std::vector<std::size_t> begins;
        for (std::size_t b = 0; b + win <= len; b += hop) begins.push_back(b);
        r.windows.assign(begins.size(), sync::track_window{});
        parallel_for(begins.size(), 0, [&](std::size_t wb, std::size_t we) {
            for (std::size_t wi = wb; wi < we; ++wi) {
                const std::size_t b = begins[wi];
                sync::track_window w;
                w.start_s = t0 + double(b) / fps;
                w.end_s = t0 + double(b + win) / fps;
                w.peak = sync::find_peak(window_curve(audio_cues, b, b + win), opt.peak);
                w.offset_ms = w.peak.lag_refined * 1000.0 / fps;
                if (w.peak.valid && n_sur > 0) {
                    std::vector<double> peaks(n_sur);
                    for (std::size_t i = 0; i < n_sur; ++i) {
                        const auto p = sync::find_peak(window_curve(rotated[i], b, b + win));
                        peaks[i] = p.valid ? p.score : 0.0;
                    }
                    double mean = 0, var = 0;
                    for (double p : peaks) mean += p / double(n_sur);
                    for (double p : peaks) var += (p - mean) * (p - mean) / double(n_sur);
                    w.confidence = (w.peak.score - mean) / std::max(std::sqrt(var), 1e-6);
                    const auto beaten = std::count_if(peaks.begin(), peaks.end(), [&](double p) { return p >= w.peak.score; });
                    w.p_value = double(1 + beaten) / double(1 + n_sur);
                }
                w.confident = w.peak.valid && !w.peak.at_edge && n_sur > 0 &&
                              w.p_value <= std::max(opt.reliable_p, 1.0 / double(1 + n_sur));
                r.windows[wi] = w;
            }
        });
        r.timings_ms["tracking"] = elapsed_ms(start);
    }
}

inline std::vector<double> audio_energy(const std::vector<float>& audio, unsigned sample_rate, const ClassicOptions& opt) {
    if (audio.empty()) detail::throw_invalid_argument("estimate_offset", "the audio is empty");
    auto e = audio::band_log_energy(audio.data(), audio.size(), sample_rate, opt.energy);
    if (std::none_of(e.begin(), e.end(), [](double v) { return std::isfinite(v); }))
        detail::throw_invalid_argument("estimate_offset", "the audio is silent (all zero)");
    return e;
}

}  // namespace classic_impl

/// Estimates the offset of decoded audio and frames.
inline offset_report estimate_offset(const av_input& in, const ClassicOptions& opt = {}) {
    using clock = std::chrono::steady_clock;
    SYNCDSP_REQUIRE(opt.max_offset_ms > 0 && opt.max_offset_ms <= 60000, "estimate_offset", "max_offset_ms ",
                    opt.max_offset_ms, " must be in (0, 60000]");
    const std::size_t n = in.frames.shape()[0];
    SYNCDSP_REQUIRE(n == in.frame_times_s.size(), "estimate_offset", n, " frames but ", in.frame_times_s.size(),
                    " timestamps");
    if (n < 3) detail::throw_invalid_argument("estimate_offset", "the video has ", n, " frame(s); at least 3 are needed");
    offset_report r;
    const auto boxes = classic_impl::choose_boxes(in.frames.shape()[2], in.frames.shape()[1], opt);
    r.mouth_box = boxes.front();
    auto start = clock::now();
    const vision::mouth_motion motion = vision::mouth_flow(in.frames, boxes, opt.mouth);
    r.timings_ms["flow"] = classic_impl::elapsed_ms(start);
    start = clock::now();
    const auto energy = classic_impl::audio_energy(in.audio, in.sample_rate, opt);
    r.timings_ms["audio_features"] = classic_impl::elapsed_ms(start);
    r.mouth_from = !opt.mouth_boxes.empty() ? "per-frame boxes" : opt.mouth_box ? "box" : "face-crop box";
    classic_impl::correlate({{"mouth opening rate (flow)", motion.opening, true}}, in.frame_times_s, in.fps, energy,
                            in.audio_start_s, opt, r);
    return r;
}

/// Decodes a media file with ffmpeg and estimates its offset. Audio decoding, frame-time probing
/// and video decoding run concurrently; only the mouth crops of the frames are kept in memory.
inline offset_report estimate_offset(const std::string& path, const ClassicOptions& opt = {}) {
    using clock = std::chrono::steady_clock;
    SYNCDSP_REQUIRE(opt.max_offset_ms > 0 && opt.max_offset_ms <= 60000, "estimate_offset", "max_offset_ms ",
                    opt.max_offset_ms, " must be in (0, 60000]");
    const auto start = clock::now();
    const io::media_info info = io::probe_media(path);
    if (!info.has_audio) detail::throw_invalid_argument("estimate_offset", "'", path, "' has no audio stream");
    if (!info.has_video) detail::throw_invalid_argument("estimate_offset", "'", path, "' has no video stream");
    offset_report r;
    const std::size_t W = std::size_t(info.width), H = std::size_t(info.height);
    auto times_job = std::async(std::launch::async, [&] { return io::probe_frame_times(path); });
    std::optional<std::vector<double>> probed_times;  // filled early only when a landmark file needs the count

    // Where the mouth is: a given box, landmarks (file or face networks), or the face-crop box.
    std::optional<face_track> track;
    const bool box_given = opt.mouth_box.has_value() || !opt.mouth_boxes.empty() || opt.source == mouth_source::box ||
                           opt.source == mouth_source::face_crop;
    if (!opt.landmarks_path.empty()) {
        io::landmark_read_options lo;
        lo.frame_width = long(W);
        lo.frame_height = long(H);
        const auto file = io::read_landmarks(opt.landmarks_path, lo);
        probed_times = times_job.get();
        std::size_t n = probed_times->size();
        for (auto k : file.frame) n = std::max<std::size_t>(n, std::size_t(std::max<std::int64_t>(k, 0)) + 1);
        track = track_from_file(file, n);
    } else if (opt.faces != face_mode::off && !box_given) {
        try {
            const auto t = clock::now();
            track = detect_face_track(path, info, opt.face);
            r.timings_ms["faces"] = classic_impl::elapsed_ms(t);
        } catch (const io_error& e) {
            if (opt.faces == face_mode::on) throw;
            r.notes.push_back(std::string("face networks not used: ") + e.what());
        }
    }
    if (track && !opt.save_landmarks_path.empty()) {
        io::landmark_track out;
        const std::size_t P = track->points.shape()[1];
        std::vector<std::size_t> rows;
        for (std::size_t k = 0; k < track->frames(); ++k)
            if (track->has[k]) rows.push_back(k);
        out.points = tensor<float, 3>::from_shape({rows.size(), P, 2});
        for (std::size_t i = 0; i < rows.size(); ++i) {
            out.frame.push_back(std::int64_t(rows[i]));
            std::copy_n(track->points.data() + rows[i] * P * 2, P * 2, out.points.data() + i * P * 2);
        }
        io::write_landmarks_csv(opt.save_landmarks_path, out);
    }
    std::vector<vision::rect> boxes;
    if (track && track->with_face() > 0) {
        boxes = mouth_boxes(*track, W, H);
        r.mouth_from = "landmarks (" + track->source + ")";
        r.face_frames = track->with_face();
    } else {
        if (track && (opt.faces == face_mode::on || !opt.landmarks_path.empty()))
            detail::throw_invalid_argument("estimate_offset", "no face was found in '", path, "'");
        if (track) {
            r.notes.push_back("no face found by the face networks; using the face-crop box");
            track.reset();
        }
        boxes = classic_impl::choose_boxes(W, H, opt);
        r.mouth_from = opt.mouth_box ? "box" : "face-crop box";
    }
    r.mouth_box = boxes.front();

    double audio_ms = 0, phones_ms = 0;
    std::optional<std::vector<audio::phone_segment>> phone_segments;
    std::string phone_note;
    auto audio_job = std::async(std::launch::async, [&] {
        const auto t = clock::now();
        const auto samples = io::decode_audio(path, opt.sample_rate);
        std::vector<float> mono(samples.begin(), samples.end());
        auto e = classic_impl::audio_energy(mono, opt.sample_rate, opt);
        audio_ms = classic_impl::elapsed_ms(t);
        if (opt.phones != phone_mode::off) {
            const auto tp = clock::now();
            try {
                if (opt.sample_rate != audio::phone_sample_rate)
                    detail::throw_invalid_argument("estimate_offset", "the phone cue needs 16 kHz audio");
                auto result = audio::recognise_phones(mono.data(), mono.size(), opt.sample_rate);
                if (opt.phones == phone_mode::on || audio::looks_like_speech(result))
                    phone_segments = std::move(result.segments);
                else
                    phone_note = "phone cue off: the recogniser heard too few phones for speech";
            } catch (const syncdsp::error& err) {
                if (opt.phones == phone_mode::on) throw;
                phone_note = std::string("phone cue off: ") + err.what();
            }
            phones_ms = classic_impl::elapsed_ms(tp);
        }
        return e;
    });
    vision::mouth_cropper crops(boxes, std::size_t(info.width), std::size_t(info.height), opt.mouth.box_size);
    io::video_decode_options vopt;
    const std::size_t decoded = io::decode_video_stream(path, info, vopt, [&](const std::uint8_t* px, std::size_t) {
        crops.add(vision::image_view<const std::uint8_t>(px, W, H, 1));
        return true;
    });
    const double video_decode_ms = classic_impl::elapsed_ms(start);
    if (decoded == 0) detail::throw_io_error("estimate_offset", "'", path, "' decoded to zero video frames");
    auto flow_start = clock::now();
    const vision::mouth_motion motion = vision::mouth_flow(crops, opt.mouth);
    r.timings_ms["flow"] = classic_impl::elapsed_ms(flow_start);

    std::vector<double> times = probed_times ? std::move(*probed_times) : times_job.get();
    if (times.size() >= decoded) {
        times.resize(decoded);
    } else {  // no usable packet timestamps: the nominal rate from the stream start
        times.resize(decoded);
        const double fps = info.fps > 0 ? info.fps : 25.0;
        for (std::size_t i = 0; i < decoded; ++i) times[i] = info.video_start_s + double(i) / fps;
    }
    const std::vector<double> energy = audio_job.get();
    r.timings_ms["decode_video"] = video_decode_ms;
    r.timings_ms["decode_audio_and_features"] = audio_ms;
    if (opt.phones != phone_mode::off) r.timings_ms["phones"] = phones_ms;
    if (!phone_note.empty()) r.notes.push_back(phone_note);
    r.phones = phone_segments.has_value();
    std::vector<classic_impl::visual_cue> cues = {{"mouth opening rate (flow)", motion.opening, true}};
    if (track) {
        auto mar = outer_mar(*track);
        mar.resize(decoded, std::numeric_limits<double>::quiet_NaN());
        cues.push_back({"outer mouth aspect ratio", mar, false});
    }
    classic_impl::correlate(cues, times, info.fps, energy, info.audio_start_s, opt, r,
                            phone_segments ? &*phone_segments : nullptr);
    r.timings_ms["total"] = classic_impl::elapsed_ms(start);
    return r;
}

}  // namespace syncdsp::pipeline
