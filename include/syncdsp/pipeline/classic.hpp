// syncdsp/pipeline/classic.hpp - the training-free offset estimator, as orchestration: decode, find
// the mouth, build the cues on one time grid, run the offset engine (sync/search.hpp), and judge the
// answer against a tolerance profile.
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
#include <functional>
#include <future>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/audio/phone_openness.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/geometry.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/io/landmarks.hpp"
#include "syncdsp/audio/band_energy.hpp"
#include "syncdsp/pipeline/face_track.hpp"
#include "syncdsp/sync/calibration.hpp"
#include "syncdsp/sync/cue.hpp"
#include "syncdsp/sync/search.hpp"
#include "syncdsp/sync/segments.hpp"
#include "syncdsp/sync/timebase.hpp"
#include "syncdsp/sync/verdict.hpp"
#include "syncdsp/vision/mouth.hpp"
#include "syncdsp/vision/mouth_motion.hpp"

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

/// Whether to add the phone cue (needs a recogniser: ClassicOptions::recognise_phones).
enum class phone_mode {
    automatic,  ///< on when a recogniser is given and the audio sounds like speech
    on,         ///< required (error when no recogniser is given)
    off,
};

/// A phone recogniser: 16 kHz mono samples in, phone segments out (audio::pocketsphinx_recogniser()
/// in syncdsp/pocketsphinx.hpp makes one).
using audio::phone_recogniser;

/// Names of the cues; calibration leads are keyed by them.
namespace cue_names {
inline constexpr const char* flow_opening = "mouth opening rate (flow)";
inline constexpr const char* outer_mar = "outer mouth aspect ratio";
inline constexpr const char* band_energy = "1-4 kHz log energy";
inline constexpr const char* phone_openness = "phone openness";
}  // namespace cue_names

struct ClassicOptions {
    // Where the mouth is.
    mouth_source source = mouth_source::automatic;
    std::optional<rect> mouth_box;           ///< in frame pixels
    std::vector<rect> mouth_boxes;           ///< one per frame (e.g. from landmarks); overrides mouth_box
    face_mode faces = face_mode::automatic;
    FaceTrackOptions face;                   ///< detector cadence, models directory
    std::string landmarks_path;              ///< landmark file (CSV/JSON/OpenFace), frame index per row
    std::string save_landmarks_path;         ///< write the landmarks used (CSV) here, for re-use with landmarks_path
    vision::MouthRoiOptions mouth_roi = landmark_mouth_roi();  ///< the mouth boxes of landmarks
    // The cues.
    phone_mode phones = phone_mode::automatic;
    phone_recogniser recognise_phones;       ///< empty: no phone cue
    audio::BandEnergyOptions energy;
    vision::MouthMotionOptions mouth;
    unsigned sample_rate = 16000;
    // The search and the answer.
    sync::SearchOptions search = standard_search();
    sync::Calibration calibration = sync::Calibration::speech_lead();
    sync::ToleranceProfile tolerance = sync::ToleranceProfile::itu();

    /// What `syncdsp sync` runs: every cue available, 5 s windows (to see a change of offset),
    /// the calibrated zero, ITU-R BT.1359 tolerance.
    static ClassicOptions standard() { return {}; }
    /// The fastest honest answer: flow against band energy, no face networks, no phones.
    static ClassicOptions fast() {
        ClassicOptions o;
        o.faces = face_mode::off;
        o.phones = phone_mode::off;
        return o;
    }
    /// The cues' own estimate with no lead removed (for research and the synthetic-truth test).
    static ClassicOptions raw() {
        ClassicOptions o;
        o.calibration = sync::Calibration::none();
        return o;
    }
    /// Mouth boxes from landmarks: margin 0.35 (side = 1.7 x the mouth's larger extent), the
    /// centre smoothed over 5 frames.
    static vision::MouthRoiOptions landmark_mouth_roi() {
        vision::MouthRoiOptions o;
        o.margin = 0.35;
        return o;
    }
    static sync::SearchOptions standard_search() {
        auto s = sync::SearchOptions::classic();
        s.window_s = 5;
        return s;
    }

    void validate() const {
        search.validate();
        calibration.validate();
        tolerance.validate();
        SYNCDSP_REQUIRE(sample_rate >= 8000 && sample_rate <= 48000, "estimate_offset", "sample_rate ", sample_rate,
                        " must be in 8000..48000");
        face.validate();
        mouth_roi.validate();
        energy.validate(double(sample_rate));
        mouth.validate();
        if (source == mouth_source::box && !mouth_box)
            detail::throw_invalid_argument("estimate_offset", "mouth_source::box needs mouth_box");
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "ClassicOptions{faces=" << int(faces) << ", phones=" << int(phones)
          << ", recogniser=" << (recognise_phones ? "yes" : "no") << ", " << face.to_string() << ", "
          << mouth_roi.to_string() << ", " << energy.to_string() << ", " << mouth.to_string() << ", " << search.to_string() << ", "
          << calibration.to_string() << ", tolerance=" << tolerance.to_string() << "}";
        return s.str();
    }
};

/// A window's answer with its interval.
struct window_report {
    sync::offset_estimate estimate;
    double interval_lo_ms = 0, interval_hi_ms = 0;
};

/// Everything the estimator found.
struct offset_report {
    bool valid = false;             ///< false: no informative lag (silent audio, frozen video, ...)
    double offset_ms = 0;           ///< calibrated; > 0: audio late
    double raw_offset_ms = 0;       ///< the cues' own estimate, no lead removed
    double interval_lo_ms = 0, interval_hi_ms = 0;  ///< 90 % interval for the true offset
    double offset_frames = 0;       ///< offset_ms in video frames
    double fps = 0;
    double confidence = 0;          ///< (peak - mean surrogate peak) / sd of surrogate peaks
    double p_value = 1;             ///< Monte-Carlo p-value of the peak against the surrogates
    std::size_t surrogates = 0;     ///< how many surrogates the peak was tested against
    double reliable_p = 0.01;       ///< the p-value threshold of "reliable"
    double peak_score = 0;          ///< mean Pearson r of the cue pairs at the peak
    double peak_z = 0;              ///< robust z of the peak within the fused curve
    double peak_margin = 0;         ///< peak minus the runner-up outside the guard band
    bool at_edge = false;           ///< the peak is at the end of the search range
    bool reliable = false;          ///< significant, not at the edge, and the windows agree
    sync::verdict verdict;          ///< against `tolerance`
    sync::ToleranceProfile tolerance;
    std::vector<sync::segment> segments;  ///< stretches of agreeing windows (2+: the offset changes)
    std::string method = "classic";
    std::string calibration;        ///< name of the calibration used
    std::vector<std::string> cues;  ///< the cue pairs used ("video x audio")
    std::vector<sync::pair_peak> pair_peaks;  ///< each pair's own raw peak (what calibration fits)
    sync::correlation_curve curve;  ///< mean Pearson r per lag (frames; curve.rate_hz = fps), leads removed
    std::vector<window_report> windows;
    rect mouth_box;                 ///< the (first) mouth box used
    std::string mouth_from = "face-crop box";  ///< "box", "face-crop box", "landmarks (file|detector|whole-frame)"
    std::size_t face_frames = 0;    ///< frames with landmarks (0 when landmarks were not used)
    std::vector<std::string> notes; ///< non-fatal remarks (e.g. why the face networks were not used)
    bool phones = false;            ///< the phone cue was used
    /// The audio cues on the grid (for plots): name and level values (NaN = missing).
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
    r.interval_lo_ms = w.offset_ms - opt.calibration.interval_ms;
    r.interval_hi_ms = w.offset_ms + opt.calibration.interval_ms;
    r.confidence = w.significance.confidence;
    r.p_value = w.significance.p_value;
    r.surrogates = w.significance.count;
    r.reliable_p = opt.search.reliable_p;
    r.peak_score = w.valid ? s.mean_r.score[w.peak.index] : 0.0;
    r.peak_z = w.peak.peak_to_median;
    r.peak_margin = w.peak.peak_to_second;
    r.at_edge = w.peak.at_edge;
    for (const auto& we : s.windows)
        r.windows.push_back({we, we.offset_ms - opt.calibration.window_interval_ms,
                             we.offset_ms + opt.calibration.window_interval_ms});
    r.tolerance = opt.tolerance;
    r.segments = sync::agreeing_segments(s.windows, opt.tolerance.early_ms + opt.tolerance.late_ms);
    r.reliable = w.reliable && r.segments.size() <= 1;
    r.verdict = sync::judge(r.offset_ms, r.interval_lo_ms, r.interval_hi_ms, r.valid, w.reliable, r.segments,
                            opt.tolerance);
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
    return r;
}

/// Decodes a media file with ffmpeg and estimates its offset. Audio decoding (with the phone
/// recogniser), frame-time probing and video decoding run concurrently; only the mouth crops of the
/// frames are kept in memory.
inline offset_report estimate_offset(const std::string& path, const ClassicOptions& opt = ClassicOptions::standard()) {
    using clock = std::chrono::steady_clock;
    opt.validate();
    const auto start = clock::now();
    const io::media_info info = io::probe_media(path);
    if (!info.has_audio) detail::throw_invalid_argument("estimate_offset", "'", path, "' has no audio stream");
    if (!info.has_video) detail::throw_invalid_argument("estimate_offset", "'", path, "' has no video stream");
    offset_report r;
    const std::size_t W = std::size_t(info.width), H = std::size_t(info.height);

    // Where the mouth is: a given box, landmarks (file or face networks), or the face-crop box.
    std::optional<landmark_track> track;
    const bool box_given = opt.mouth_box.has_value() || !opt.mouth_boxes.empty() || opt.source == mouth_source::box ||
                           opt.source == mouth_source::face_crop;
    if (!opt.landmarks_path.empty()) {
        const auto file = io::read_landmarks(opt.landmarks_path, io::LandmarkReadOptions::for_frame(long(W), long(H)));
        // The frame count before decoding (demux only); the frames' times come from the decoder.
        std::size_t n = io::probe_frame_times(path).size();
        for (auto k : file.frame) n = std::max<std::size_t>(n, std::size_t(std::max<std::int64_t>(k, 0)) + 1);
        track = landmark_track::from_rows(file, n, "file");
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
    if (track && !opt.save_landmarks_path.empty()) io::write_landmarks_csv(opt.save_landmarks_path, track->to_rows());
    std::vector<rect> boxes;
    if (track && track->with_landmarks() > 0) {
        boxes = vision::mouth_rois(*track, long(W), long(H), opt.mouth_roi);
        r.mouth_from = "landmarks (" + track->source + ")";
        r.face_frames = track->with_landmarks();
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
    vision::mouth_cropper crops(boxes, W, H, opt.mouth.box_size);
    // The decoder's own timestamp for every frame it outputs (one to one with the crops).
    const std::size_t decoded = io::decode_video_stream(path, info, io::VideoDecodeOptions::gray(),
                                                        [&](const std::uint8_t* px, std::size_t) {
                                                            crops.add(vision::image_view<const std::uint8_t>(px, W, H, 1));
                                                            return true;
                                                        },
                                                        &c.frame_times);
    const double video_decode_ms = classic_impl::elapsed_ms(start);
    if (decoded == 0) detail::throw_io_error("estimate_offset", "'", path, "' decoded to zero video frames");
    auto flow_start = clock::now();
    c.video_rates.push_back({cue_names::flow_opening, vision::mouth_flow(crops, opt.mouth).opening});
    r.timings_ms["flow"] = classic_impl::elapsed_ms(flow_start);

    audio_job.get();
    r.timings_ms["decode_video"] = video_decode_ms;
    r.timings_ms["decode_audio_and_features"] = audio_ms;
    if (opt.phones != phone_mode::off) r.timings_ms["phones"] = phones_ms;
    if (!phone_note.empty()) r.notes.push_back(phone_note);
    r.phones = c.phones.has_value();
    if (track) classic_impl::add_landmark_cues(*track, decoded, c);
    c.nominal_fps = info.fps;
    classic_impl::search_and_judge(c, opt, r);
    r.timings_ms["total"] = classic_impl::elapsed_ms(start);
    return r;
}

}  // namespace syncdsp::pipeline
