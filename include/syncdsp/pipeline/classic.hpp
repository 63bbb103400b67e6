// syncdsp/pipeline/classic.hpp - the training-free offset estimator, as orchestration: decode, find
// the mouth, build the cues on one time grid, run the offset engine (sync/search.hpp), and judge the
// answer against a tolerance profile. Its options are in classic_options.hpp, its answer in
// offset_report.hpp.
//
//   auto report = syncdsp::pipeline::estimate_offset("talk.mp4");
//   report.offset_ms   // > 0: the audio is late (DESIGN.md sign convention); report.verdict.kind
//
// The cues (docs/sync.md explains each choice):
//  - video: the mouth opening rate from Farneback flow in the mouth box (a rate, one value per frame
//    pair, stored at the later frame) and, with landmarks, the outer mouth aspect ratio (a level);
//  - audio: 1-4 kHz log energy (a level; 10 ms frames averaged into one grid cell per video frame)
//    and, with a phone recogniser, each phone's expected mouth openness (a level).
// The grid is uniform at the nominal frame rate from the first frame's timestamp; video cues are
// interpolated at the frames' real timestamps (variable frame rate), audio cues integrated.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <future>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/audio/band_energy.hpp"
#include "syncdsp/audio/phone_openness.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/geometry.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/io/landmarks.hpp"
#include "syncdsp/pipeline/classic_options.hpp"
#include "syncdsp/pipeline/face_track.hpp"
#include "syncdsp/pipeline/offset_report.hpp"
#include "syncdsp/pipeline/speaker.hpp"
#include "syncdsp/pipeline/video_tracks.hpp"
#include "syncdsp/sync/cue.hpp"
#include "syncdsp/sync/search.hpp"
#include "syncdsp/sync/segments.hpp"
#include "syncdsp/sync/timebase.hpp"
#include "syncdsp/sync/verdict.hpp"
#include "syncdsp/vision/frame_parts.hpp"
#include "syncdsp/vision/mouth.hpp"
#include "syncdsp/vision/mouth_motion.hpp"

namespace syncdsp::pipeline {

/// Decoded input of the estimator (for callers that decode themselves).
struct av_input {
    std::vector<float> audio;          ///< mono samples
    unsigned sample_rate = 16000;
    double audio_start_s = 0;          ///< time of audio sample 0 on the media timeline
    tensor<std::uint8_t, 4> frames;    ///< gray (N, H, W, 1)
    std::vector<double> frame_times_s; ///< one per frame, increasing
    double fps = 0;                    ///< nominal frame rate (0: from the timestamps)
    std::optional<landmark_track> landmarks;  ///< landmarks per frame, if the caller has them
};

namespace classic_impl {

inline double elapsed_ms(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}

// The mouth box(es) for a W x H video, per the options.
inline std::vector<rect> choose_boxes(std::size_t W, std::size_t H, const ClassicOptions& opt) {
    if (!opt.mouth_boxes.empty()) return opt.mouth_boxes;
    if (opt.source == mouth_source::box || (opt.source == mouth_source::automatic && opt.mouth_box))
        return {*opt.mouth_box};
    const double aspect = double(W) / double(H);
    if (opt.source == mouth_source::automatic && (aspect < 0.8 || aspect > 1.25))
        detail::throw_invalid_argument("estimate_offset", "the video is ", W, "x", H,
                                       ", not a face crop: give the mouth region (--roi x,y,w,h) or landmarks "
                                       "(--landmarks FILE)");
    return {vision::face_crop_mouth_box(W, H)};
}

// The per-frame cues of the picture and the decoded sound, before they go on the grid.
struct raw_cues {
    std::vector<double> frame_times;
    double nominal_fps = 0;
    std::vector<std::pair<std::string, std::vector<double>>> video_rates, video_levels;  // per frame
    std::vector<double> energy;  // per 10 ms frame, centred at audio_start_s + i * hop
    double audio_start_s = 0;
    std::optional<std::vector<audio::phone_segment>> phones;  // in audio time from sample 0
};

inline double grid_rate(const raw_cues& c) {
    if (c.nominal_fps > 0) return c.nominal_fps;
    std::vector<double> d;
    for (std::size_t i = 1; i < c.frame_times.size(); ++i) d.push_back(c.frame_times[i] - c.frame_times[i - 1]);
    const double md = sync::median_of(d);
    return md > 0 ? 1.0 / md : 25.0;
}

// Puts the cues on the grid, runs the engine and judges the answer.
inline void search_and_judge(const raw_cues& in, const ClassicOptions& opt, offset_report& r) {
    const std::size_t n = in.frame_times.size();
    if (n < 3) detail::throw_invalid_argument("estimate_offset", "the video has ", n, " frame(s); at least 3 are needed");
    const double fps = grid_rate(in);
    SYNCDSP_REQUIRE(fps >= 1 && fps <= 1000, "estimate_offset", "frame rate ", fps, " fps is outside 1..1000");
    r.frames = n;
    r.fps = fps;
    const double t0 = in.frame_times.front(), t1 = in.frame_times.back() + 1.0 / fps;
    r.duration_s = t1 - t0;
    const std::vector<double> grid = sync::uniform_grid(t0, t1, fps);

    std::vector<sync::cue> audio_cues, video_cues;
    audio_cues.push_back({cue_names::band_energy,
                          sync::integrate_to_grid(in.energy, 1000.0 / opt.energy.hop_ms, in.audio_start_s, grid, fps),
                          sync::cue_kind::level});
    if (in.phones) {
        std::vector<audio::phone_segment> on_timeline = *in.phones;
        for (auto& s : on_timeline) {  // onto the media timeline, frame centres where the model puts them
            s.start_s += in.audio_start_s + audio::phone_time_offset_s;
            s.end_s += in.audio_start_s + audio::phone_time_offset_s;
        }
        const auto track = audio::openness_track(on_timeline, fps, grid.front() - 0.5 / fps, grid.size());
        std::vector<double> level(grid.size());
        for (std::size_t i = 0; i < grid.size(); ++i) level[i] = double(track.openness(i));
        audio_cues.push_back({cue_names::phone_openness, std::move(level), sync::cue_kind::level});
    }
    for (const auto& [name, v] : in.video_rates)
        video_cues.push_back({name, sync::interpolate_to_grid(v, in.frame_times, grid), sync::cue_kind::rate});
    for (const auto& [name, v] : in.video_levels)
        video_cues.push_back({name, sync::interpolate_to_grid(v, in.frame_times, grid), sync::cue_kind::level});
    r.audio_cue_tracks.clear();
    for (const auto& c : audio_cues) r.audio_cue_tracks.push_back({c.name, c.values});
    r.cue_start_s = grid.front();
    r.cue_rate_hz = fps;

    const auto start = std::chrono::steady_clock::now();
    sync::SearchOptions so = opt.search;
    so.leads = opt.calibration.leads;
    const auto s = sync::search(video_cues, audio_cues, sync::cue_grid{grid.front(), fps}, so);
    r.timings_ms["search"] = elapsed_ms(start);
    r.cues = s.pairs;
    r.pair_peaks = s.pair_peaks;
    r.curve = s.mean_r;
    r.calibration = opt.calibration.name;
    const auto& w = s.whole;
    r.valid = w.valid;
    r.offset_ms = w.offset_ms;
    r.raw_offset_ms = w.raw_offset_ms;
    r.offset_frames = w.offset_ms * fps / 1000.0;
    const double windows_per_stretch = opt.search.window_s > 0 && opt.search.hop_s > 0
                                           ? opt.search.window_s / opt.search.hop_s
                                           : 2.0;  // the default hop is half a window
    r.confidence = w.significance.confidence;
    r.p_value = w.significance.p_value;
    r.surrogates = w.significance.count;
    r.reliable_p = opt.search.reliable_p;
    r.peak_score = w.valid ? s.mean_r.score[w.peak.index] : 0.0;
    r.peak_z = w.peak.peak_to_median;
    r.peak_margin = w.peak.peak_to_second;
    r.at_edge = w.peak.at_edge;
    const double range_ms = opt.search.max_offset_ms;
    for (const auto& we : s.windows) {
        const auto wi = sync::answer_interval(we.offset_ms, opt.calibration.window_interval_ms, we.reliable, range_ms);
        r.windows.push_back({we, wi.lo_ms, wi.hi_ms});
    }
    r.tolerance = opt.tolerance;
    r.segments = sync::agreeing_segments(s.windows, opt.tolerance.early_ms + opt.tolerance.late_ms);
    r.peak_reliable = w.reliable;
    r.reliable = w.reliable && r.segments.size() <= 1;
    const double half = sync::clip_interval_ms(opt.calibration.interval_ms, s.windows, windows_per_stretch);
    const auto interval = sync::answer_interval(w.offset_ms, half, r.reliable, range_ms);
    r.interval_lo_ms = interval.lo_ms;
    r.interval_hi_ms = interval.hi_ms;
    r.verdict = sync::judge(r.offset_ms, r.interval_lo_ms, r.interval_hi_ms, r.valid, w.reliable, r.segments,
                            opt.tolerance);
    r.rival_offset_ms = w.rival_offset_ms;
    if (r.segments.size() <= 1 && w.rival_offset_ms) {
        char why[160];
        std::snprintf(why, sizeof why, "two offsets, %+.0f ms and %+.0f ms, fit the sound almost equally well",
                      r.offset_ms, *w.rival_offset_ms);
        r.verdict.reason = why;
    }
}

inline std::vector<double> audio_energy(const std::vector<float>& audio, unsigned sample_rate, const ClassicOptions& opt) {
    if (audio.empty()) detail::throw_invalid_argument("estimate_offset", "the audio is empty");
    auto e = audio::band_log_energy(audio.data(), audio.size(), sample_rate, opt.energy);
    if (std::none_of(e.begin(), e.end(), [](double v) { return std::isfinite(v); }))
        detail::throw_invalid_argument("estimate_offset", "the audio is silent (all zero)");
    return e;
}

// The phone cue, or why there is none (in `note`).
inline std::optional<std::vector<audio::phone_segment>> phone_cue(const std::vector<float>& mono, unsigned rate,
                                                                  const ClassicOptions& opt, std::string& note) {
    if (opt.phones == phone_mode::off) return std::nullopt;
    try {
        if (!opt.recognise_phones)
            detail::throw_unsupported("estimate_offset", "no phone recogniser was given (ClassicOptions::recognise_phones)");
        if (rate != audio::phone_sample_rate)
            detail::throw_invalid_argument("estimate_offset", "the phone cue needs 16 kHz audio");
        auto result = opt.recognise_phones(mono.data(), mono.size(), rate);
        if (opt.phones == phone_mode::on || audio::looks_like_speech(result)) return std::move(result.segments);
        note = "phone cue off: the recogniser heard too few phones for speech";
    } catch (const syncdsp::error& err) {
        if (opt.phones == phone_mode::on) throw;
        note = std::string("phone cue off: ") + err.what();
    }
    return std::nullopt;
}

inline void add_landmark_cues(const landmark_track& track, std::size_t frames, raw_cues& c) {
    auto mar = vision::mouth_aspect_ratio(track, vision::mar_kind::outer);
    mar.resize(frames, std::numeric_limits<double>::quiet_NaN());
    c.video_levels.push_back({cue_names::outer_mar, std::move(mar)});
}

// Where the mouth is in a file: the boxes, and the landmark track when there is one (file or face
// networks). With the face networks, `parts` holds each gray frame's mouth neighbourhood and `times`
// the frames' timestamps, from the one decode the networks ran on.
struct located {
    std::vector<rect> boxes;
    std::optional<landmark_track> track;
    std::optional<vision::frame_part_store> parts;
    std::vector<double> times;
};

inline located locate_mouth(const std::string& path, const io::media_info& info, const ClassicOptions& opt,
                            offset_report& r) {
    const long W = long(info.width), H = long(info.height);
    located out;
    const bool box_given = opt.mouth_box.has_value() || !opt.mouth_boxes.empty() || opt.source == mouth_source::box ||
                           opt.source == mouth_source::face_crop;
    if (!opt.landmarks_path.empty()) {
        const auto file = io::read_landmarks(opt.landmarks_path, io::LandmarkReadOptions::for_frame(W, H));
        // Frames past the file's last row keep its last box (mouth_cropper) and have no MAR.
        std::size_t n = 1;
        for (auto k : file.frame) n = std::max<std::size_t>(n, std::size_t(std::max<std::int64_t>(k, 0)) + 1);
        out.track = landmark_track::from_rows(file, n, "file");
    } else if (opt.faces != face_mode::off && !box_given) {
        try {
            const auto t = std::chrono::steady_clock::now();
            out.parts.emplace(opt.single_decode_budget);
            std::optional<rect> last;
            auto keep = [&](const std::uint8_t* gray, const float* landmarks) {
                // Before the first face: the whole frame (its box is not known yet); without a face:
                // where the mouth last was (frames without landmarks take the nearest frame's box).
                const rect where = landmarks ? vision::mouth_neighbourhood(landmarks, 68, W, H, opt.mouth_roi)
                                   : last    ? *last
                                             : rect{0, 0, W, H};
                if (landmarks) last = where;
                out.parts->add(vision::image_view<const std::uint8_t>(gray, std::size_t(W), std::size_t(H), 1), where);
            };
            out.track = detect_face_track(path, info, opt.face, keep, &out.times);
            r.timings_ms["faces"] = elapsed_ms(t);
        } catch (const io_error& e) {
            if (opt.faces == face_mode::on) throw;
            r.notes.push_back(std::string("face networks not used: ") + e.what());
            out.parts.reset();
            out.times.clear();
        }
    }
    if (out.track && !opt.save_landmarks_path.empty()) io::write_landmarks_csv(opt.save_landmarks_path, out.track->to_rows());
    if (out.track && out.track->with_landmarks() > 0) {
        out.boxes = vision::mouth_rois(*out.track, W, H, opt.mouth_roi);
        r.mouth_from = "landmarks (" + out.track->source + ")";
        r.face_frames = out.track->with_landmarks();
    } else {
        if (out.track && (opt.faces == face_mode::on || !opt.landmarks_path.empty()))
            detail::throw_invalid_argument("estimate_offset", "no face was found in '", path, "'");
        if (out.track) {
            r.notes.push_back("no face found by the face networks; using the face-crop box");
            out.track.reset();
        }
        out.boxes = choose_boxes(std::size_t(W), std::size_t(H), opt);
        r.mouth_from = opt.mouth_box ? "box" : "face-crop box";
    }
    r.mouth_box = out.boxes.front();
    return out;
}

// The mouth opening rate of every frame: cut from the parts the face pass kept when they hold every
// box, else from a gray decode. Sets the frames' times and count.
inline std::vector<double> mouth_opening(const std::string& path, const io::media_info& info, const ClassicOptions& opt,
                                         const located& where, std::vector<double>& times, std::size_t& frames,
                                         offset_report& r) {
    const std::size_t W = std::size_t(info.width), H = std::size_t(info.height);
    vision::mouth_cropper crops(where.boxes, W, H, opt.mouth.box_size);
    bool kept = where.parts && where.parts->complete() && where.parts->frames() > 0;
    for (std::size_t k = 0; kept && k < where.parts->frames(); ++k) kept = crops.can_add(k, where.parts->part(k));
    if (kept) {
        for (std::size_t k = 0; k < where.parts->frames(); ++k) crops.add(where.parts->part(k));
        times = where.times;
        frames = where.parts->frames();
        r.video_decodes = 1;
    } else {
        if (where.parts)
            r.notes.push_back(where.parts->complete() ? "video decoded twice: a mouth box left the part kept of its frame"
                                                      : "video decoded twice: the mouth neighbourhoods exceed the memory budget");
        const auto t = std::chrono::steady_clock::now();
        frames = io::decode_video_stream(path, info, io::VideoDecodeOptions::gray(),
                                         [&](const std::uint8_t* px, std::size_t) {
                                             crops.add(vision::image_view<const std::uint8_t>(px, W, H, 1));
                                             return true;
                                         },
                                         &times);
        r.timings_ms["decode_video"] = elapsed_ms(t);
        r.video_decodes = where.parts ? 2 : 1;
    }
    if (frames == 0) detail::throw_io_error("estimate_offset", "'", path, "' decoded to zero video frames");
    const auto t = std::chrono::steady_clock::now();
    auto opening = vision::mouth_flow(crops, opt.mouth).opening;
    r.timings_ms["flow"] = elapsed_ms(t);
    return opening;
}

// Whether the mouth moves at all: the median |opening rate| of the flow and the 10-90 % spread of
// the mouth aspect ratio. A still picture (or a face-like pattern such as colour bars) gives
// neither; then there is no offset to give, whatever the correlation says.
inline void judge_motion(const raw_cues& c, const ClassicOptions& opt, offset_report& r) {
    auto finite_values = [](const std::vector<double>& v) {
        std::vector<double> out;
        for (double x : v)
            if (std::isfinite(x)) out.push_back(x);
        return out;
    };
    std::vector<double> flow;
    for (const auto& [name, v] : c.video_rates)
        if (name == std::string(cue_names::flow_opening))
            for (double x : finite_values(v)) flow.push_back(std::fabs(x));
    r.mouth_motion = flow.empty() ? 0.0 : sync::median_of(flow);
    r.mar_spread = 0;
    bool have_mar = false;
    for (const auto& [name, v] : c.video_levels)
        if (name == std::string(cue_names::outer_mar)) {
            auto m = finite_values(v);
            if (m.size() < 2) continue;
            have_mar = true;
            std::sort(m.begin(), m.end());
            r.mar_spread = m[std::size_t(0.9 * double(m.size() - 1))] - m[std::size_t(0.1 * double(m.size() - 1))];
        }
    const bool moves = r.mouth_motion >= opt.min_mouth_motion || (have_mar && r.mar_spread >= opt.min_mar_spread);
    if (moves) return;
    r.mouth_moves = false;
    r.valid = false;
    r.reliable = false;
    const auto interval = sync::answer_interval(r.offset_ms, 0, false, opt.search.max_offset_ms);
    r.interval_lo_ms = interval.lo_ms;
    r.interval_hi_ms = interval.hi_ms;
    r.verdict = sync::verdict{};
    r.verdict.reason = "no mouth motion: the mouth does not move (a still picture, or a face-like pattern?)";
}

// The cues of one face track over its own frames, with the sound's cues shared.
inline raw_cues track_cues(const raw_cues& sound, const std::vector<double>& times, const landmark_track& lm,
                           std::vector<double> opening) {
    raw_cues c;
    c.energy = sound.energy;
    c.audio_start_s = sound.audio_start_s;
    c.phones = sound.phones;
    c.nominal_fps = sound.nominal_fps;
    c.frame_times = times;
    c.video_rates.push_back({cue_names::flow_opening, std::move(opening)});
    add_landmark_cues(lm, times.size(), c);
    return c;
}

// A track's answer is the one measured on its mouth (or, with one face, the video's).
inline void take_answer(face_track_report& t, const offset_report& r) {
    t.valid = r.valid;
    t.moving = r.mouth_moves;
    t.offset_ms = r.offset_ms;
    t.interval_lo_ms = r.interval_lo_ms;
    t.interval_hi_ms = r.interval_hi_ms;
    t.score = r.valid ? r.confidence : 0.0;
    t.reliable = r.peak_reliable && r.valid;
}

inline face_track_report summarise(const nn::face_track& f, const offset_report& tr, const std::vector<double>& times) {
    face_track_report t;
    t.id = f.id;
    t.first_frame = f.first;
    t.last_frame = f.last;
    t.face_frames = f.with_landmarks();
    t.start_s = times[f.first];
    t.end_s = f.last + 1 < times.size() ? times[f.last + 1] : tr.cue_start_s + tr.duration_s;
    t.median_box = f.median_box();
    take_answer(t, tr);
    return t;
}

inline const char* face_choice_name(face_choice f) {
    switch (f) {
        case face_choice::speaker: return "speaker";
        case face_choice::largest: return "largest";
        default: return "id";
    }
}

// The face tracks of the video (one decode), or nothing when the caller said where the mouth is,
// chose the largest face (the single-face path), or the face networks are unavailable (auto).
inline std::optional<video_tracks> find_tracks(const std::string& path, const io::media_info& info,
                                               const ClassicOptions& opt, offset_report& r) {
    const bool box_given = opt.mouth_box.has_value() || !opt.mouth_boxes.empty() || opt.source == mouth_source::box ||
                           opt.source == mouth_source::face_crop;
    if (opt.faces == face_mode::off || box_given || !opt.landmarks_path.empty()) return std::nullopt;
    r.face_choice = face_choice_name(opt.choose_face);
    if (opt.choose_face == face_choice::largest) return std::nullopt;
    VideoTracksOptions vo;
    vo.tracks = opt.tracks;
    vo.tracks.detect_every = opt.face.detect_every;
    vo.cuts = opt.shot_cuts;
    vo.mouth_roi = opt.mouth_roi;
    vo.models_dir = opt.face.models_dir;
    vo.budget_bytes = opt.single_decode_budget;
    std::optional<video_tracks> v;
    try {
        const auto t = std::chrono::steady_clock::now();
        v = find_video_tracks(path, info, vo);
        r.timings_ms["faces"] = elapsed_ms(t);
    } catch (const io_error& e) {
        if (opt.faces == face_mode::on) throw;
        r.notes.push_back(std::string("face networks not used: ") + e.what());
        r.face_choice.clear();
        return std::nullopt;
    }
    r.faces_together = v->max_together;
    for (std::size_t k : v->cuts)
        if (k < v->times.size()) r.shot_cuts_s.push_back(v->times[k]);
    if (opt.choose_face == face_choice::id) {
        auto it = std::find_if(v->tracks.begin(), v->tracks.end(), [&](const auto& t) { return t.face.id == opt.face_id; });
        if (it == v->tracks.end()) {
            std::ostringstream ids;
            for (const auto& t : v->tracks) ids << (ids.tellp() > 0 ? ", " : "") << t.face.id;
            detail::throw_invalid_argument("estimate_offset", "no face track ", opt.face_id, " in '", path, "' (its tracks: ",
                                           v->tracks.empty() ? std::string("none") : ids.str(), ")");
        }
        video_face_track one = std::move(*it);
        v->tracks.clear();
        v->tracks.push_back(std::move(one));
    }
    if (v->tracks.empty() && (opt.faces == face_mode::on || !(info.width * 5 >= info.height * 4 && info.width * 4 <= info.height * 5)))
        detail::throw_invalid_argument("estimate_offset", "no face was found in '", path, "' (", v->frames,
                                       " frames searched): give the mouth region (--roi x,y,w,h) or landmarks (--landmarks FILE)");
    return v;
}

// The mouth of a video with one face at a time (or a chosen one): its landmarks and kept parts from
// the tracks' decode, as locate_mouth gives them.
inline located locate_from_tracks(const io::media_info& info, const ClassicOptions& opt,
                                  video_tracks& v, offset_report& r) {
    const long W = long(info.width), H = long(info.height);
    located out;
    out.times = v.times;
    if (v.tracks.empty()) {  // a square-ish video without a face: the face-crop box, decoded again
        r.notes.push_back("no face found by the face networks; using the face-crop box");
        out.boxes = choose_boxes(std::size_t(W), std::size_t(H), opt);
        r.mouth_from = "face-crop box";
        r.mouth_box = out.boxes.front();
        out.times.clear();
        return out;
    }
    out.track = std::move(v.main);
    out.parts = std::move(v.main_parts);
    if (!opt.save_landmarks_path.empty()) io::write_landmarks_csv(opt.save_landmarks_path, out.track->to_rows());
    out.boxes = vision::mouth_rois(*out.track, W, H, opt.mouth_roi);
    r.mouth_from = "landmarks (" + out.track->source + ")";
    r.face_frames = out.track->with_landmarks();
    r.mouth_box = out.boxes.front();
    for (const auto& t : v.tracks) {
        face_track_report s;
        s.id = t.face.id;
        s.first_frame = t.face.first;
        s.last_frame = t.face.last;
        s.face_frames = t.face.with_landmarks();
        s.start_s = v.times[t.face.first];
        s.end_s = t.face.last + 1 < v.times.size() ? v.times[t.face.last + 1]
                                                     : v.times[t.face.last] + (info.fps > 0 ? 1.0 / info.fps : 0.04);
        s.median_box = t.face.median_box();
        r.tracks.push_back(s);
    }
    return out;
}

// Whether each track is measured on its own frames: several faces on screen together, a chosen
// track, or faces on screen for less than 90 % of the video (then only those frames are used).
// Otherwise (one face at a time, nearly all the time) the single-face path runs on the tracks'
// landmarks, exactly as before there were tracks.
inline bool measure_per_track(const video_tracks& v, const ClassicOptions& opt) {
    if (v.tracks.empty() || v.mode == "whole-frame") return false;
    if (opt.choose_face == face_choice::id || !v.one_face_at_a_time()) return true;
    std::size_t on_screen = 0;
    for (const auto& t : v.tracks) on_screen += t.face.span();
    return double(on_screen) < 0.9 * double(v.frames);
}

// Several faces on screen together: every track is searched over its own frames, and the
// speaker(s) chosen per window and over the whole clip (pipeline/speaker.hpp). `sound` holds the
// audio cues. Returns the video's report.
inline offset_report estimate_tracks(const std::string& path, const io::media_info& info, const ClassicOptions& opt,
                                     video_tracks& v, const raw_cues& sound, offset_report base) {
    const std::size_t W = std::size_t(info.width), H = std::size_t(info.height);
    std::vector<offset_report> reports(v.tracks.size());
    std::vector<std::optional<vision::mouth_cropper>> crops(v.tracks.size());
    std::vector<landmark_track> spans(v.tracks.size());
    std::vector<std::size_t> again;  // tracks whose parts do not hold their boxes
    for (std::size_t i = 0; i < v.tracks.size(); ++i) {
        const auto& t = v.tracks[i];
        spans[i] = t.face.span_landmarks();
        crops[i].emplace(vision::mouth_rois(spans[i], long(W), long(H), opt.mouth_roi), W, H, opt.mouth.box_size);
        bool kept = t.parts && t.parts->complete() && t.parts->frames() >= t.face.span();
        for (std::size_t k = 0; kept && k < t.face.span(); ++k) kept = crops[i]->can_add(k, t.parts->part(k));
        if (kept) {
            for (std::size_t k = 0; k < t.face.span(); ++k) crops[i]->add(t.parts->part(k));
        } else {
            crops[i].emplace(vision::mouth_rois(spans[i], long(W), long(H), opt.mouth_roi), W, H, opt.mouth.box_size);
            again.push_back(i);
        }
    }
    base.video_decodes = 1;
    if (!again.empty()) {  // one more gray decode feeds every track that needs it
        base.notes.push_back("video decoded twice: the mouth neighbourhoods exceed the memory budget");
        base.video_decodes = 2;
        const auto t0 = std::chrono::steady_clock::now();
        io::decode_video_stream(path, info, io::VideoDecodeOptions::gray(), [&](const std::uint8_t* px, std::size_t k) {
            for (std::size_t i : again) {
                const auto& f = v.tracks[i].face;
                if (k >= f.first && k <= f.last) crops[i]->add(vision::image_view<const std::uint8_t>(px, W, H, 1));
            }
            return true;
        });
        base.timings_ms["decode_video"] = elapsed_ms(t0);
    }
    std::vector<track_evidence> evidence;
    const auto t_search = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < v.tracks.size(); ++i) {
        const auto& f = v.tracks[i].face;
        std::vector<double> times(v.times.begin() + long(f.first), v.times.begin() + long(f.last + 1));
        auto opening = vision::mouth_flow(*crops[i], opt.mouth).opening;
        crops[i].reset();
        const raw_cues c = track_cues(sound, times, spans[i], std::move(opening));
        offset_report& tr = reports[i];
        tr.tolerance = opt.tolerance;
        if (times.size() >= 3) {
            search_and_judge(c, opt, tr);
            judge_motion(c, opt, tr);
        }
        base.tracks.push_back(summarise(f, tr, v.times));
        const auto& s = base.tracks.back();
        evidence.push_back({s.id, s.start_s, s.end_s, s.valid, s.moving, s.reliable, s.score, s.offset_ms});
    }
    base.timings_ms["tracks_search"] = elapsed_ms(t_search);

    // Per window: the speaker among the tracks whose windows start at the same time (0.1 s).
    std::map<long long, std::vector<std::pair<std::size_t, const window_report*>>> by_time;
    for (std::size_t i = 0; i < reports.size(); ++i)
        if (base.tracks[i].moving)
            for (const auto& w : reports[i].windows) by_time[std::llround(w.estimate.start_s * 10)].push_back({i, &w});
    std::vector<window_report> windows;
    std::vector<double> won(reports.size(), 0.0);
    for (const auto& [key, list] : by_time) {
        (void)key;
        std::vector<track_evidence> ev;
        for (const auto& [i, w] : list)
            ev.push_back({i, w->estimate.start_s, w->estimate.end_s, w->estimate.valid, true, w->estimate.reliable,
                          w->estimate.significance.confidence, w->estimate.offset_ms});
        const auto ch = choose_speakers(ev, opt.speaker);
        if (ch.speakers.empty() && !ch.ambiguous) continue;
        const std::size_t pick = ch.ambiguous ? ch.rivals.front() : ch.speakers.front();
        const window_report* w = nullptr;
        for (const auto& [i, x] : list)
            if (i == pick) w = x;
        window_report out = *w;
        out.face = ch.ambiguous ? -1 : long(base.tracks[pick].id);
        out.ambiguous = ch.ambiguous;
        if (ch.ambiguous) {
            out.estimate.reliable = false;
            const auto wi = sync::answer_interval(out.estimate.offset_ms, 0, false, opt.search.max_offset_ms);
            out.interval_lo_ms = wi.lo_ms;
            out.interval_hi_ms = wi.hi_ms;
        }
        if (!ch.ambiguous && ch.reliable) {
            won[pick] += w->estimate.significance.confidence;
            base.tracks[pick].windows_won += 1;
        }
        windows.push_back(out);
    }

    // The video's speakers: those that win reliable windows (weighted by the confidence won), else
    // the whole-clip choice.
    std::vector<std::size_t> speakers;
    std::string why;
    bool ambiguous = false;
    const bool by_windows = std::any_of(won.begin(), won.end(), [](double x) { return x > 0; });
    if (by_windows) {
        std::vector<std::size_t> order;
        for (std::size_t i = 0; i < won.size(); ++i)
            if (won[i] > 0) order.push_back(i);
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return won[a] > won[b]; });
        speakers = order;
        std::ostringstream s;
        s << "face " << base.tracks[order.front()].id << " speaks in " << base.tracks[order.front()].windows_won
          << " window(s)";
        for (std::size_t k = 1; k < order.size(); ++k)
            s << ", face " << base.tracks[order[k]].id << " in " << base.tracks[order[k]].windows_won;
        why = s.str();
    } else {
        const auto ch = choose_speakers(evidence, opt.speaker);
        ambiguous = ch.ambiguous;
        why = ch.why;
        for (std::size_t id : ch.speakers)
            for (std::size_t i = 0; i < base.tracks.size(); ++i)
                if (base.tracks[i].id == id) speakers.push_back(i);
    }
    offset_report r;
    if (speakers.empty()) {
        r = base;
        r.valid = false;
        r.reliable = false;
        r.verdict = sync::verdict{};
        r.verdict.reason = ambiguous ? why : "no face's mouth motion matches the sound (" + why + ")";
        r.notes.push_back(why);
        if (ambiguous) r.no_guess = true;
        return r;
    }
    const std::size_t main = speakers.front();
    r = reports[main];
    r.tracks = std::move(base.tracks);
    r.timings_ms.insert(base.timings_ms.begin(), base.timings_ms.end());
    r.notes.insert(r.notes.begin(), base.notes.begin(), base.notes.end());
    r.video_decodes = base.video_decodes;
    r.phones = base.phones;
    r.face_choice = base.face_choice;
    r.faces_together = base.faces_together;
    r.shot_cuts_s = base.shot_cuts_s;
    r.frames = v.frames;
    r.mouth_from = "landmarks (detector, face " + std::to_string(r.tracks[main].id) + ")";
    r.face_frames = r.tracks[main].face_frames;
    r.mouth_box = vision::mouth_rois(spans[main], long(W), long(H), opt.mouth_roi).front();
    for (std::size_t i : speakers) r.tracks[i].speaker = true;
    for (std::size_t i : speakers) {
        const auto& t = r.tracks[i];
        if (double(t.last_frame - t.first_frame + 1) < 0.9 * double(v.frames)) {
            char note[160];
            std::snprintf(note, sizeof note, "face %zu is on screen %.1f-%.1f s only: that part was measured", t.id,
                          t.start_s, t.end_s);
            r.notes.push_back(note);
        }
    }
    // Consensus offset of the speakers that agree with the main one, weighted by evidence.
    double wsum = 0, sum = 0;
    for (std::size_t i : speakers) {
        const auto& t = r.tracks[i];
        if (!t.valid || std::fabs(t.offset_ms - r.tracks[main].offset_ms) > opt.speaker.agree_ms) continue;
        const double wgt = (by_windows ? won[i] : t.score) * std::max(1e-3, t.end_s - t.start_s);
        wsum += wgt;
        sum += wgt * t.offset_ms;
    }
    const double consensus = wsum > 0 ? sum / wsum : r.offset_ms;
    // The main track's half-width (its own windows' spread included) when it has one.
    const double half = reports[main].reliable ? 0.5 * (r.interval_hi_ms - r.interval_lo_ms)
                                               : opt.calibration.interval_ms;
    r.offset_ms = consensus;
    r.offset_frames = r.offset_ms * r.fps / 1000.0;
    if (r.tracks.size() > 1) r.notes.push_back("several faces (" + std::to_string(r.tracks.size()) + " tracks): " + why);
    if (!windows.empty()) {
        r.windows = windows;
        std::vector<sync::offset_estimate> est;
        for (const auto& w : windows) est.push_back(w.estimate);
        r.segments = sync::agreeing_segments(est, opt.tolerance.early_ms + opt.tolerance.late_ms);
    }
    r.reliable = r.valid && r.peak_reliable && r.segments.size() <= 1;
    const auto interval = sync::answer_interval(r.offset_ms, half, r.reliable, opt.search.max_offset_ms);
    r.interval_lo_ms = interval.lo_ms;
    r.interval_hi_ms = interval.hi_ms;
    r.verdict = sync::judge(r.offset_ms, r.interval_lo_ms, r.interval_hi_ms, r.valid, r.peak_reliable, r.segments,
                            opt.tolerance);
    return r;
}

}  // namespace classic_impl

/// Estimates the offset of decoded audio and frames (with the caller's landmarks, if any, for the
/// mouth box and the aspect-ratio cue; the phone cue when a recogniser is given).
inline offset_report estimate_offset(const av_input& in, const ClassicOptions& opt = ClassicOptions::standard()) {
    using clock = std::chrono::steady_clock;
    opt.validate();
    const std::size_t n = in.frames.shape()[0];
    SYNCDSP_REQUIRE(n == in.frame_times_s.size(), "estimate_offset", n, " frames but ", in.frame_times_s.size(),
                    " timestamps");
    if (n < 3) detail::throw_invalid_argument("estimate_offset", "the video has ", n, " frame(s); at least 3 are needed");
    const std::size_t W = in.frames.shape()[2], H = in.frames.shape()[1];
    offset_report r;
    const bool use_landmarks = in.landmarks && in.landmarks->with_landmarks() > 0;
    const auto boxes = use_landmarks ? vision::mouth_rois(*in.landmarks, long(W), long(H), opt.mouth_roi)
                                     : classic_impl::choose_boxes(W, H, opt);
    r.mouth_box = boxes.front();
    r.mouth_from = use_landmarks ? "landmarks (" + in.landmarks->source + ")"
                   : !opt.mouth_boxes.empty() ? "per-frame boxes"
                   : opt.mouth_box           ? "box"
                                             : "face-crop box";
    auto start = clock::now();
    classic_impl::raw_cues c;
    c.video_rates.push_back({cue_names::flow_opening, vision::mouth_flow(in.frames, boxes, opt.mouth).opening});
    if (use_landmarks) {
        classic_impl::add_landmark_cues(*in.landmarks, n, c);
        r.face_frames = in.landmarks->with_landmarks();
    }
    r.timings_ms["flow"] = classic_impl::elapsed_ms(start);
    start = clock::now();
    c.energy = classic_impl::audio_energy(in.audio, in.sample_rate, opt);
    std::string note;
    c.phones = classic_impl::phone_cue(in.audio, in.sample_rate, opt, note);
    if (!note.empty()) r.notes.push_back(note);
    r.phones = c.phones.has_value();
    r.timings_ms["audio_features"] = classic_impl::elapsed_ms(start);
    c.frame_times = in.frame_times_s;
    c.nominal_fps = in.fps;
    c.audio_start_s = in.audio_start_s;
    classic_impl::search_and_judge(c, opt, r);
    classic_impl::judge_motion(c, opt, r);
    return r;
}

/// Decodes a media file with ffmpeg and estimates its offset. The sound (decode, band energy, phone
/// recogniser) runs beside the picture; the picture is decoded once: with the face networks, that
/// decode also keeps a neighbourhood of the mouth from every gray frame (ClassicOptions::
/// single_decode_budget), from which the flow is cut once the track's mouth boxes are known. A video
/// too large for the budget, or a box outside its kept part, is decoded a second time (in gray).
inline offset_report estimate_offset(const std::string& path, const ClassicOptions& opt = ClassicOptions::standard()) {
    using clock = std::chrono::steady_clock;
    opt.validate();
    const auto start = clock::now();
    const io::media_info info = io::probe_media(path);
    if (!info.has_audio) detail::throw_invalid_argument("estimate_offset", "'", path, "' has no audio stream");
    if (!info.has_video) detail::throw_invalid_argument("estimate_offset", "'", path, "' has no video stream");
    offset_report r;
    classic_impl::raw_cues c;

    double audio_ms = 0, phones_ms = 0;
    std::string phone_note;
    auto audio_job = std::async(std::launch::async, [&] {
        const auto t = clock::now();
        // Sample 0 at a known presentation time (codec priming, start_time, edit lists handled).
        const auto decoded_audio = io::decode_audio_timed(path, info, opt.sample_rate);
        c.audio_start_s = decoded_audio.start_s;
        std::vector<float> mono(decoded_audio.samples.begin(), decoded_audio.samples.end());
        c.energy = classic_impl::audio_energy(mono, opt.sample_rate, opt);
        audio_ms = classic_impl::elapsed_ms(t);
        const auto tp = clock::now();
        c.phones = classic_impl::phone_cue(mono, opt.sample_rate, opt, phone_note);
        phones_ms = classic_impl::elapsed_ms(tp);
    });
    // (A std::async future waits in its destructor: on an error below, the job ends before `c` goes.)
    auto finish_audio = [&] {
        audio_job.get();
        r.timings_ms["decode_audio_and_features"] = audio_ms;
        if (opt.phones != phone_mode::off) r.timings_ms["phones"] = phones_ms;
        if (!phone_note.empty()) r.notes.push_back(phone_note);
        r.phones = c.phones.has_value();
        c.nominal_fps = info.fps;
    };
    // Every face, from one decode (unless a box, landmarks or --face largest say where the mouth is).
    std::optional<video_tracks> tracks = classic_impl::find_tracks(path, info, opt, r);
    std::optional<classic_impl::located> where;
    if (tracks && classic_impl::measure_per_track(*tracks, opt)) {
        finish_audio();
        r = classic_impl::estimate_tracks(path, info, opt, *tracks, c, std::move(r));
        r.timings_ms["total"] = classic_impl::elapsed_ms(start);
        return r;
    }
    if (tracks) where = classic_impl::locate_from_tracks(info, opt, *tracks, r);
    else where = classic_impl::locate_mouth(path, info, opt, r);
    std::size_t frames = 0;
    c.video_rates.push_back({cue_names::flow_opening, classic_impl::mouth_opening(path, info, opt, *where, c.frame_times,
                                                                                  frames, r)});
    finish_audio();
    if (where->track) classic_impl::add_landmark_cues(*where->track, frames, c);
    classic_impl::search_and_judge(c, opt, r);
    classic_impl::judge_motion(c, opt, r);
    for (auto& t : r.tracks) {  // one face at a time: the tracks share the video's answer
        classic_impl::take_answer(t, r);
        t.speaker = true;
    }
    r.timings_ms["total"] = classic_impl::elapsed_ms(start);
    return r;
}

}  // namespace syncdsp::pipeline
