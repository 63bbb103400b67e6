// syncdsp/sync/online.hpp - the offset engine fed as a stream: cue values arrive in any chunking,
// and every hop an estimate of the last window comes out, with its interval and verdict.
//
//   sync::online_estimator est(sync::OnlineOptions::monitor(), first_frame_s, audio_start_s);
//   est.accept_audio(energy.data(), energy.size());   // audio cue frames, 100 per second
//   est.accept_video(frame_time_s, opening_rate);      // one per frame, increasing times
//   for (const auto& e : est.poll()) use(e);           // e.end_s, e.search.offset_ms, e.judged
//
// How it equals the offline engine: the cues are put on the same grid as pipeline/classic.hpp
// does (video interpolated at the frames' times, audio integrated over each cell: timebase.hpp),
// cell by cell as soon as every input value the cell depends on has arrived; window k covers
// the picture cells [b, e), e = k * hop, b = max(0, e - window) (shorter windows at the start,
// from first_window_s), and is searched by search_window() on the stretch [e - history, e + lags)
// once its last audio cell is in (the history is the sound the surrogates rotate over; the
// picture outside the window is left out). A window with two fitting offsets (a rival), as when the
// offset changes inside it, is searched again over its recent part, and a reliable answer there
// at one of the two offsets is reported instead (online_estimate::recent): a change shows as soon
// as the recent part holds mostly the new offset, not once most of a long window does. The recent
// part only chooses between the window's two candidates: letting it answer any window that was
// not reliable, with any offset, made wrong "reliable" answers about 1.6 times as frequent on
// calibration clips the face-crop box does not fit (docs/monitor.md). An embedder running search_window() on the whole stream's cues
// over the same stretches gets the same numbers (tests/sync/test_online.cpp, several chunkings).
// Memory: the cells of the surrogate history plus the lag range, and the few input values the
// next cells need; constant in the stream's length.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <deque>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/sync/calibration.hpp"
#include "syncdsp/sync/cue.hpp"
#include "syncdsp/sync/search.hpp"
#include "syncdsp/sync/timebase.hpp"
#include "syncdsp/sync/verdict.hpp"

namespace syncdsp::sync {

struct OnlineOptions {
    double window_s = 5;          ///< picture covered by one estimate
    double hop_s = 1;             ///< one estimate per hop
    double first_window_s = 4;    ///< the first estimates come over shorter windows, from this length
    /// A window with two fitting offsets (a rival: typically a change inside the window) is searched
    /// again over its last recent_window_s; a reliable answer there at one of the two replaces it.
    double recent_window_s = 4;
    /// The sound before a window that its surrogates rotate over (surrogate.hpp): rotations of a
    /// stretch barely longer than the window and the lags reuse the same material, so they are not
    /// independent chances; 30 s gives about 18 disjoint ones at +-0.8 s.
    double surrogate_history_s = 30;
    double grid_rate_hz = 25;     ///< the common grid (the video's frame rate)
    double audio_rate_hz = 100;   ///< audio cue frames per second (band energy: 10 ms hop)
    std::string video_cue = "mouth opening rate (flow)";
    cue_kind video_kind = cue_kind::rate;
    std::string audio_cue = "1-4 kHz log energy";
    cue_kind audio_kind = cue_kind::level;
    SearchOptions search = monitor_search();
    Calibration calibration = Calibration::speech_lead();
    ToleranceProfile tolerance = ToleranceProfile::itu();

    /// The monitor's search: +-800 ms (the hardware analysers' extended range of +-20 frames; the
    /// sound needed past a window's end is latency), 99 surrogates (p <= 0.01), one thread (a live
    /// stream must leave the other core free).
    static SearchOptions monitor_search() {
        SearchOptions s = SearchOptions::classic();
        s.max_offset_ms = 800;
        s.threads = 1;
        return s;
    }
    /// `syncdsp monitor`'s defaults: 5 s windows every second, the first after 4 s of picture.
    static OnlineOptions monitor() { return {}; }

    void validate() const {
        SYNCDSP_REQUIRE(std::isfinite(window_s) && window_s >= 1 && window_s <= 60, "online", "window_s ", window_s,
                        " must be in 1..60");
        SYNCDSP_REQUIRE(std::isfinite(hop_s) && hop_s > 0 && hop_s <= window_s, "online", "hop_s ", hop_s,
                        " must be in (0, window_s]");
        SYNCDSP_REQUIRE(std::isfinite(first_window_s) && first_window_s >= 1 && first_window_s <= window_s, "online",
                        "first_window_s ", first_window_s, " must be in 1..window_s");
        SYNCDSP_REQUIRE(std::isfinite(recent_window_s) && recent_window_s >= 1 && recent_window_s <= window_s,
                        "online", "recent_window_s ", recent_window_s, " must be in 1..window_s");
        SYNCDSP_REQUIRE(std::isfinite(surrogate_history_s) && surrogate_history_s >= window_s &&
                            surrogate_history_s <= 600,
                        "online", "surrogate_history_s ", surrogate_history_s, " must be in window_s..600");
        SYNCDSP_REQUIRE(std::isfinite(grid_rate_hz) && grid_rate_hz >= 1 && grid_rate_hz <= 1000, "online",
                        "grid rate ", grid_rate_hz, " Hz is outside 1..1000");
        SYNCDSP_REQUIRE(std::isfinite(audio_rate_hz) && audio_rate_hz >= 1 && audio_rate_hz <= 10000, "online",
                        "audio cue rate ", audio_rate_hz, " Hz is outside 1..10000");
        search.validate();
        calibration.validate();
        tolerance.validate();
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "OnlineOptions{window_s=" << window_s << ", hop_s=" << hop_s << ", first_window_s=" << first_window_s
          << ", recent_window_s=" << recent_window_s << ", surrogate_history_s=" << surrogate_history_s
          << ", grid_rate_hz=" << grid_rate_hz << ", audio_rate_hz=" << audio_rate_hz << ", video='" << video_cue
          << "', audio='" << audio_cue << "', " << search.to_string() << ", " << calibration.to_string() << ", "
          << tolerance.to_string() << "}";
        return s.str();
    }
};

/// One estimate of the stream.
struct online_estimate {
    double start_s = 0, end_s = 0;  ///< the picture judged (grid time); end_s is the estimate's t
    double sound_end_s = 0;         ///< the sound it used reaches this far (end_s + the lag range)
    offset_estimate search;         ///< the engine's answer on this window (search_window)
    double interval_lo_ms = 0, interval_hi_ms = 0;
    verdict judged;
    bool recent = false;        ///< the answer of the window's recent part (the whole window had a rival)
    double video_coverage = 0;  ///< fraction of the window's cells with a picture cue value
    double audio_coverage = 0;  ///< ... with a sound cue value (digital silence: none)
};

class online_estimator {
public:
    /// `grid_start_s`: time of grid cell 0 (the first frame's time); `audio_start_s`: time of audio
    /// cue frame 0's centre.
    online_estimator(OnlineOptions o, double grid_start_s, double audio_start_s)
        : o_(std::move(o)), t0_(grid_start_s), audio_start_(audio_start_s) {
        o_.validate();
        SYNCDSP_REQUIRE(std::isfinite(grid_start_s) && std::isfinite(audio_start_s), "online",
                        "start times must be finite");
        o_.search.leads = o_.calibration.leads;
        lags_ = search_lag_samples(o_.search, o_.grid_rate_hz);
        win_ = std::max<std::size_t>(3, std::size_t(std::lround(o_.window_s * o_.grid_rate_hz)));
        hop_ = std::max<std::size_t>(1, std::size_t(std::lround(o_.hop_s * o_.grid_rate_hz)));
        first_ = std::max<std::size_t>(3, std::size_t(std::lround(o_.first_window_s * o_.grid_rate_hz)));
        recent_ = std::max<std::size_t>(3, std::size_t(std::lround(o_.recent_window_s * o_.grid_rate_hz)));
        history_ = std::max(win_ + lags_, std::size_t(std::lround(o_.surrogate_history_s * o_.grid_rate_hz)));
        next_end_ = hop_;
        while (next_end_ < first_) next_end_ += hop_;
    }

    const OnlineOptions& options() const { return o_; }
    double grid_time(std::size_t cell) const { return t0_ + double(cell) / o_.grid_rate_hz; }

    /// Appends audio cue frames (frame i of the stream at audio_start_s + i / audio_rate_hz); NaN
    /// marks missing sound (digital silence).
    void accept_audio(const double* values, std::size_t n) {
        SYNCDSP_REQUIRE(values != nullptr || n == 0, "online", "null audio values with n=", n);
        for (std::size_t i = 0; i < n; ++i) {
            SYNCDSP_REQUIRE(!std::isinf(values[i]), "online", "audio cue value ", values[i], " at frame ",
                            audio_received_ + i);
            audio_.push_back(values[i]);
        }
        audio_received_ += n;
        fill_audio_cells();
    }
    void accept_audio(const std::vector<double>& values) { accept_audio(values.data(), values.size()); }

    /// Appends one video frame's cue value at its presentation time (strictly increasing; NaN =
    /// missing, e.g. no face).
    void accept_video(double time_s, double value) {
        SYNCDSP_REQUIRE(std::isfinite(time_s), "online", "video frame time ", time_s, " is not finite");
        SYNCDSP_REQUIRE(frames_.empty() || time_s > frames_.back().first, "online", "video frame time ", time_s,
                        " s is not after the previous frame's ", frames_.empty() ? 0.0 : frames_.back().first,
                        " s (a discontinuity: start a new estimator)");
        SYNCDSP_REQUIRE(!std::isinf(value), "online", "video cue value ", value, " at ", time_s, " s");
        frames_.emplace_back(time_s, value);
        fill_video_cells();
    }

    /// The estimates whose windows are complete since the last call, oldest first.
    std::vector<online_estimate> poll() {
        std::vector<online_estimate> out;
        while (video_cells_ >= next_end_ && audio_cells_ >= next_end_ + lags_) {
            const std::size_t b = next_end_ > win_ ? next_end_ - win_ : 0;
            online_estimate e = estimate(b, next_end_);
            if (e.search.valid && e.search.rival_offset_ms && next_end_ - b > recent_) {
                online_estimate r = estimate(next_end_ - recent_, next_end_);
                // The recent part only chooses between the window's two fitting offsets (the same
                // peak: within the guard band of either); it cannot bring a third one.
                const double same_ms = double(o_.search.peak.guard_lags) * 1000.0 / o_.grid_rate_hz;
                const bool one_of_two = std::fabs(r.search.offset_ms - e.search.offset_ms) <= same_ms ||
                                        std::fabs(r.search.offset_ms - *e.search.rival_offset_ms) <= same_ms;
                if (r.search.reliable && one_of_two) {
                    r.recent = true;
                    e = std::move(r);
                }
            }
            out.push_back(std::move(e));
            next_end_ += hop_;
            trim();
        }
        return out;
    }

    /// The window ends (grid cells) of the next estimate, and the lag range in cells.
    std::size_t next_window_end() const { return next_end_; }
    std::size_t lag_cells() const { return lags_; }
    /// Values held (cells of both cues and input values not yet on the grid): bounded by about
    /// 2 * (surrogate history + lags + hop) cells plus a cell's worth of input, whatever the
    /// stream length.
    std::size_t held_values() const { return vcells_.size() + acells_.size() + frames_.size() + audio_.size(); }
    /// The stretch of cells [begin, end) the window [window_begin, window_end) is searched on:
    /// the lags after it, and the surrogate history before its end.
    struct stretch {
        std::size_t begin = 0, end = 0, window_begin = 0, window_end = 0;
    };
    stretch stretch_of(std::size_t window_begin, std::size_t window_end) const {
        stretch s;
        s.window_end = window_end;
        s.window_begin = window_begin;
        s.begin = window_end > history_ ? window_end - history_ : 0;
        s.begin = std::min(s.begin, window_begin > lags_ ? window_begin - lags_ : 0);
        s.end = window_end + lags_;
        return s;
    }

private:
    double cell_half() const { return 0.5 / o_.grid_rate_hz; }

    // Video cells: interpolation at the cell's time needs the last frame at or before it and the
    // first one after it (timebase.hpp interpolate_to_grid), so a cell waits for a frame beyond it.
    void fill_video_cells() {
        while (!frames_.empty()) {
            const double g = grid_time(video_cells_);
            if (!(frames_.back().first > g + 1e-9)) break;
            std::vector<double> v, t;
            for (const auto& f : frames_) {
                t.push_back(f.first);
                v.push_back(f.second);
            }
            vcells_.push_back(interpolate_to_grid(v, t, {g}).front());
            ++video_cells_;
            // Frames before the last one at or before the next cell's time are no longer needed.
            const double next = grid_time(video_cells_);
            while (frames_.size() >= 2 && frames_[1].first <= next + 1e-9) frames_.pop_front();
        }
    }

    // Audio cells: a cell averages the frames overlapping it (integrate_to_grid), so it waits for
    // the frame whose span reaches past its end.
    void fill_audio_cells() {
        const double hop = 1.0 / o_.audio_rate_hz, half = cell_half();
        while (audio_received_ > 0) {
            const double g = grid_time(audio_cells_);
            const double last_time = audio_start_ + double(audio_received_ - 1) * hop;
            if (!(last_time > g + half + hop)) break;
            // Frames whose span [t - hop/2, t + hop/2) can overlap the cell.
            const double lo_t = g - half - hop;
            const long lo = std::max<long>(long(audio_base_), long(std::ceil((lo_t - audio_start_) * o_.audio_rate_hz)));
            std::vector<double> v;
            for (long i = lo; i < long(audio_received_); ++i) {
                if (audio_start_ + double(i) * hop > g + half + hop) break;
                v.push_back(audio_[std::size_t(i) - audio_base_]);
            }
            const double first = audio_start_ + double(lo) * hop;
            acells_.push_back(v.empty() ? std::numeric_limits<double>::quiet_NaN()
                                        : integrate_to_grid(v, o_.audio_rate_hz, first, {g}, o_.grid_rate_hz).front());
            ++audio_cells_;
            const double next_lo = grid_time(audio_cells_) - half - hop;
            while (!audio_.empty() && audio_start_ + double(audio_base_) * hop < next_lo - hop) {
                audio_.pop_front();
                ++audio_base_;
            }
        }
    }

    // Drops the cells no later window needs.
    void trim() {
        const std::size_t keep_from = stretch_of(next_end_ > win_ ? next_end_ - win_ : 0, next_end_).begin;
        while (cell_base_ < keep_from && !vcells_.empty() && !acells_.empty()) {
            vcells_.pop_front();
            acells_.pop_front();
            ++cell_base_;
        }
    }

    online_estimate estimate(std::size_t begin, std::size_t end) const {
        const stretch s = stretch_of(begin, end);
        const std::size_t n = s.end - s.begin;
        std::vector<double> video(n, std::numeric_limits<double>::quiet_NaN()), audio(n);
        for (std::size_t c = s.begin; c < s.end; ++c) {
            audio[c - s.begin] = acells_[c - cell_base_];
            // The picture outside the window is never correlated (and past it, not in yet).
            if (c + 2 >= s.window_begin && c < s.window_end) video[c - s.begin] = vcells_[c - cell_base_];
        }
        online_estimate e;
        double vn = 0, an = 0;
        for (std::size_t c = s.window_begin; c < s.window_end; ++c) {
            vn += std::isnan(video[c - s.begin]) ? 0 : 1;
            an += std::isnan(audio[c - s.begin]) ? 0 : 1;
        }
        const double cells = double(s.window_end - s.window_begin);
        e.video_coverage = vn / cells;
        e.audio_coverage = an / cells;
        const cue_grid grid{grid_time(s.begin), o_.grid_rate_hz};
        e.search = search_window({{o_.video_cue, std::move(video), o_.video_kind}},
                                 {{o_.audio_cue, std::move(audio), o_.audio_kind}}, grid, s.window_begin - s.begin,
                                 s.window_end - s.begin, o_.search);
        e.start_s = e.search.start_s;
        e.end_s = e.search.end_s;
        e.sound_end_s = grid_time(s.end);
        const auto interval = answer_interval(e.search.offset_ms, o_.calibration.window_interval_ms,
                                              e.search.reliable, o_.search.max_offset_ms);
        e.interval_lo_ms = interval.lo_ms;
        e.interval_hi_ms = interval.hi_ms;
        e.judged = judge(e.search.offset_ms, e.interval_lo_ms, e.interval_hi_ms, e.search.valid, e.search.reliable, {},
                         o_.tolerance);
        if (e.search.valid && e.search.rival_offset_ms) {
            char why[160];
            std::snprintf(why, sizeof why, "two offsets, %+.0f ms and %+.0f ms, fit the sound almost equally well",
                          e.search.offset_ms, *e.search.rival_offset_ms);
            e.judged.reason = why;
        }
        return e;
    }

    OnlineOptions o_;
    double t0_, audio_start_;
    std::size_t lags_ = 0, win_ = 0, hop_ = 0, first_ = 0, recent_ = 0, history_ = 0, next_end_ = 0;
    std::deque<std::pair<double, double>> frames_;  // video frames not yet fully used
    std::deque<double> audio_;                      // audio cue frames from audio_base_
    std::size_t audio_base_ = 0, audio_received_ = 0;
    std::deque<double> vcells_, acells_;            // grid cells from cell_base_
    std::size_t cell_base_ = 0, video_cells_ = 0, audio_cells_ = 0;
};

}  // namespace syncdsp::sync
