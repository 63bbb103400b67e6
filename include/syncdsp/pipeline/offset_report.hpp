// syncdsp/pipeline/offset_report.hpp - everything the training-free estimator (pipeline/classic.hpp)
// found: the calibrated offset with its interval and verdict, the evidence behind it (curve,
// surrogates, cue pairs, windows, segments), where the mouth was, and timings.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "syncdsp/core/geometry.hpp"
#include "syncdsp/sync/search.hpp"
#include "syncdsp/sync/segments.hpp"
#include "syncdsp/sync/verdict.hpp"
#include "syncdsp/sync/xcorr.hpp"

namespace syncdsp::pipeline {

/// A window's answer with its interval.
struct window_report {
    sync::offset_estimate estimate;
    double interval_lo_ms = 0, interval_hi_ms = 0;
    long face = -1;          ///< the face track the window's answer comes from (-1: the one face / none)
    bool ambiguous = false;  ///< two faces explain the window's sound about equally well
};

/// One face track and what its own search found (offset_report::tracks).
struct face_track_report {
    std::size_t id = 0;
    double start_s = 0, end_s = 0;
    std::size_t first_frame = 0, last_frame = 0, face_frames = 0;
    box median_box;            ///< median [x, y, w, h] of the track's face boxes, frame pixels
    bool valid = false;
    bool moving = true;        ///< the mouth moves at all
    double offset_ms = 0, interval_lo_ms = 0, interval_hi_ms = 0;
    double score = 0;          ///< speaking score: the confidence of its peak against surrogates
    bool reliable = false;
    bool speaker = false;      ///< used for the video's answer
    std::size_t windows_won = 0;  ///< windows where it was the speaker
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
    std::optional<double> rival_offset_ms;  ///< another lag the cues explain almost as well (not reliable then)
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
    std::size_t video_decodes = 1;  ///< 2 when the face pass's decode could not feed the flow too
    std::vector<face_track_report> tracks;  ///< every face track found (face networks only)
    std::string face_choice;        ///< "speaker", "largest", "id" (empty without face networks)
    std::size_t faces_together = 0; ///< most faces found in one frame
    std::vector<double> shot_cuts_s; ///< times where a new shot starts
    bool mouth_moves = true;        ///< false: the mouth does not move (a still picture?): no offset
    double mouth_motion = 0;        ///< median |mouth opening rate| (px per frame of the flow box)
    double mar_spread = 0;          ///< 10-90 % spread of the outer mouth aspect ratio (0 without landmarks)
    bool peak_reliable = false;
    bool no_guess = false;          ///< can't tell which face speaks: no offset is offered     ///< the whole-clip peak alone is reliable (before the windows' agreement)
    std::vector<std::string> notes; ///< non-fatal remarks (e.g. why the face networks were not used)
    bool phones = false;            ///< the phone cue was used
    /// The audio cues on the grid (for plots): name and level values (NaN = missing).
    std::vector<std::pair<std::string, std::vector<double>>> audio_cue_tracks;
    double cue_start_s = 0, cue_rate_hz = 0;
    double duration_s = 0;
    std::size_t frames = 0;
    std::map<std::string, double> timings_ms;
};

}  // namespace syncdsp::pipeline
