// syncdsp/pipeline/live.hpp - the offset of a live stream, estimate after estimate: the live
// decoder (io/live_decode.hpp), the streaming cues (mouth opening rate from flow in the mouth box,
// 1-4 kHz band energy) and the online estimator (sync/online.hpp), plus what happened to the
// stream, in words.
//
//   pipeline::live_monitor m("udp://127.0.0.1:5000", pipeline::LiveOptions::standard());
//   m.run([](const pipeline::live_update& u) { print(u); return true; });
//
// The mouth: the box given (LiveOptions::mouth_box, `--roi`), else the lower centre of a face crop
// (vision::face_crop_mouth_box; a frame far from square is refused, as in `sync`). The face
// networks are not run on live input yet (docs/monitor.md).
// Updates: an estimate every hop; events instead of numbers when there is nothing to measure
// ("no speech": the window's sound is digital silence; "no face": no mouth cue in the window; "no
// estimate": no lag had enough data) and when the stream starts or misbehaves ("started": the
// first frame, its size and the mouth box; "stall", "resumed", "discontinuity" and "reconnect":
// the estimate starts over, "ended").
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "syncdsp/audio/band_energy.hpp"
#include "syncdsp/audio/band_energy_stream.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/geometry.hpp"
#include "syncdsp/io/live_decode.hpp"
#include "syncdsp/pipeline/classic_options.hpp"
#include "syncdsp/sync/online.hpp"
#include "syncdsp/vision/image.hpp"
#include "syncdsp/vision/mouth.hpp"
#include "syncdsp/vision/mouth_flow_stream.hpp"
#include "syncdsp/vision/mouth_motion.hpp"

namespace syncdsp::pipeline {

struct LiveOptions {
    sync::OnlineOptions online = sync::OnlineOptions::monitor();
    io::LiveDecodeOptions decode = io::LiveDecodeOptions::defaults();
    std::optional<rect> mouth_box;     ///< frame pixels; none: the face-crop box
    vision::MouthMotionOptions mouth = vision::MouthMotionOptions::defaults();
    audio::BandEnergyOptions energy = audio::BandEnergyOptions::defaults();
    double duration_s = 0;             ///< stop after this much stream time (0: until the input ends)
    double min_coverage = 0.5;         ///< a window with less of a cue than this is an event, not a number

    /// `syncdsp monitor`'s defaults.
    static LiveOptions standard() {
        LiveOptions o;
        o.mouth.threads = 1;
        return o;
    }

    void validate() const {
        online.validate();
        decode.validate();
        mouth.validate();
        energy.validate(double(decode.sample_rate));
        SYNCDSP_REQUIRE(std::isfinite(duration_s) && duration_s >= 0, "live", "duration_s ", duration_s,
                        " must be >= 0");
        SYNCDSP_REQUIRE(min_coverage >= 0 && min_coverage <= 1, "live", "min_coverage ", min_coverage,
                        " must be in 0..1");
        if (mouth_box)
            SYNCDSP_REQUIRE(!mouth_box->empty() && mouth_box->x >= 0 && mouth_box->y >= 0, "live", "mouth box (x=",
                            mouth_box->x, ", y=", mouth_box->y, ", w=", mouth_box->width, ", h=", mouth_box->height,
                            ") is empty or negative");
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "LiveOptions{" << online.to_string() << ", " << decode.to_string() << ", mouth_box=";
        if (mouth_box)
            s << mouth_box->x << "," << mouth_box->y << "," << mouth_box->width << "," << mouth_box->height;
        else
            s << "face-crop";
        s << ", " << mouth.to_string() << ", " << energy.to_string() << ", duration_s=" << duration_s
          << ", min_coverage=" << min_coverage << "}";
        return s.str();
    }
};

/// One line of the monitor's output: an estimate, or an event.
struct live_update {
    bool is_estimate = false;
    sync::online_estimate estimate;  ///< when is_estimate
    std::string event;               ///< otherwise: "no speech", "stall", ...
    std::string message;             ///< the event in words
    /// Stream time (seconds from the first frame): for an estimate, the end of the picture it judges
    /// (the sound it used runs on to estimate.sound_end_s: the lag range); for an event, when.
    double t_s = 0;
    double wall_s = 0;   ///< wall time since the monitor started when this came out
};

class live_monitor {
public:
    live_monitor(std::string input, LiveOptions o) : input_(std::move(input)), o_(std::move(o)) { o_.validate(); }

    /// Runs until the input ends, the duration is reached, or on_update returns false.
    void run(const std::function<bool(const live_update&)>& on_update) {
        start_ = std::chrono::steady_clock::now();
        io::live_decoder dec(input_, o_.decode);
        bool stop = false;
        dec.run([&](const io::live_event& e) {
            if (stop) return false;
            stop = !handle(e, on_update);
            return !stop;
        });
    }

    /// The stream time (presentation time) taken as 0 in updates: the first frame's.
    std::optional<double> stream_origin() const { return origin_; }

private:
    double wall() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }
    double rel(double t) const { return origin_ ? t - *origin_ : 0.0; }

    bool send_event(const std::string& what, const std::string& message, double t,
                    const std::function<bool(const live_update&)>& on_update) {
        live_update u;
        u.event = what;
        u.message = message;
        u.t_s = rel(t);
        u.wall_s = wall();
        return on_update(u);
    }

    // Starts the estimate over (after a discontinuity or a reconnect): new cue streams, new grid.
    void restart() {
        est_.reset();
        energy_.reset();
        flow_.reset();
        video_start_.reset();
        audio_start_.reset();
        pending_video_.clear();
        pending_audio_.clear();
    }

    bool handle(const io::live_event& e, const std::function<bool(const live_update&)>& on_update) {
        using k = io::live_event::kind;
        switch (e.what) {
            case k::video: return on_video(e, on_update);
            case k::audio: return on_audio(e, on_update);
            case k::discontinuity:
            case k::reconnect:
                restart();
                return send_event(io::to_string(e.what), e.message, e.time_s, on_update);
            default: return send_event(io::to_string(e.what), e.message, e.time_s, on_update);
        }
    }

    // The requested duration is reached: says so once and stops.
    bool finish(double t, const std::function<bool(const live_update&)>& on_update) {
        send_event("ended", "the requested duration was reached", t, on_update);
        return false;
    }

    bool over(double t) const { return origin_ && o_.duration_s > 0 && t - *origin_ >= o_.duration_s; }

    bool on_video(const io::live_event& e, const std::function<bool(const live_update&)>& on_update) {
        if (!origin_) origin_ = e.time_s;
        if (over(e.time_s)) return finish(e.time_s, on_update);
        if (box_ && (e.width != width_ || e.height != height_)) {  // e.g. a sender restarted at another size
            box_.reset();
            restart();
            char what[96];
            std::snprintf(what, sizeof what, "the picture changed size from %zux%zu to %zux%zu", width_, height_,
                          e.width, e.height);
            if (!send_event("discontinuity", what, e.time_s, on_update)) return false;
        }
        if (!box_) {
            width_ = e.width;
            height_ = e.height;
            if (o_.mouth_box) {
                const rect& b = *o_.mouth_box;
                SYNCDSP_REQUIRE(b.x + b.width <= long(e.width) && b.y + b.height <= long(e.height), "live",
                                "mouth box (x=", b.x, ", y=", b.y, ", w=", b.width, ", h=", b.height,
                                ") is outside the ", e.width, "x", e.height, " picture");
                box_ = b;
            } else {
                const double aspect = double(e.width) / double(e.height);
                if (aspect < 0.8 || aspect > 1.25)
                    detail::throw_invalid_argument("live", "the picture is ", e.width, "x", e.height,
                                                   ", not a face crop: give the mouth region (--roi x,y,w,h)");
                box_ = vision::face_crop_mouth_box(e.width, e.height);
            }
            fps_ = e.fps > 0 && e.fps <= 1000 ? e.fps : 25.0;
            char what[160];
            std::snprintf(what, sizeof what, "picture %zux%zu at %.3g fps; mouth box x=%ld y=%ld w=%ld h=%ld", e.width,
                          e.height, fps_, box_->x, box_->y, box_->width, box_->height);
            if (!send_event("started", what, e.time_s, on_update)) return false;
        }
        if (!flow_) flow_.emplace(o_.mouth);
        if (!video_start_) video_start_ = e.time_s;
        const double value = flow_->add(vision::image_view<const std::uint8_t>(e.pixels, e.width, e.height, 1), *box_);
        pending_video_.emplace_back(e.time_s, value);
        return feed(on_update);
    }

    bool on_audio(const io::live_event& e, const std::function<bool(const live_update&)>& on_update) {
        if (over(e.time_s)) return finish(e.time_s, on_update);
        if (!energy_) {
            energy_.emplace(double(o_.decode.sample_rate), o_.energy);
            audio_start_ = e.time_s;
            audio_fed_ = 0;
        }
        // Keep the sample count on the timeline (the cue's frame i is at audio_start + i * hop): a
        // gap (lost packets; larger jumps are discontinuities) becomes digital silence, which the
        // cue marks missing, and an overlap is dropped.
        const double rate = double(o_.decode.sample_rate);
        const long ahead = std::lround((e.time_s - *audio_start_) * rate) - long(audio_fed_);
        std::size_t skip = 0;
        if (ahead > 0) {
            const std::vector<float> silence(std::size_t(ahead), 0.f);
            energy_->accept(silence.data(), silence.size());
            audio_fed_ += silence.size();
        } else if (ahead < 0) {
            skip = std::min(e.count, std::size_t(-ahead));
        }
        energy_->accept(e.samples + skip, e.count - skip);
        audio_fed_ += e.count - skip;
        for (double v : energy_->pop()) pending_audio_.push_back(v);
        // Sound but no picture for a minute (the estimator starts with the first frame).
        if (!est_ && double(pending_audio_.size()) * energy_->frame_period_s() > 60)
            detail::throw_io_error("live", "no picture in the first 60 s of sound of '", input_, "'");
        return feed(on_update);
    }

    // Hands the cues to the estimator (made once both the picture's and the sound's start are
    // known) and reports what it estimated.
    bool feed(const std::function<bool(const live_update&)>& on_update) {
        if (!est_) {
            if (!video_start_ || !audio_start_) return true;
            sync::OnlineOptions oo = o_.online;
            oo.grid_rate_hz = fps_;
            oo.audio_rate_hz = 1.0 / energy_->frame_period_s();
            est_.emplace(oo, *video_start_, *audio_start_);
        }
        for (const auto& [t, v] : pending_video_) est_->accept_video(t, v);
        pending_video_.clear();
        est_->accept_audio(pending_audio_);
        pending_audio_.clear();
        for (const auto& est : est_->poll()) {
            live_update u;
            u.t_s = rel(est.end_s);
            u.wall_s = wall();
            if (est.audio_coverage < o_.min_coverage) {
                u.event = "no speech";
                u.message = "the sound of this window is (digital) silence";
            } else if (est.video_coverage < o_.min_coverage) {
                u.event = "no face";
                u.message = "no mouth motion cue in this window";
            } else if (!est.search.valid) {
                u.event = "no estimate";
                u.message = est.judged.reason;
            } else {
                u.is_estimate = true;
            }
            u.estimate = est;
            if (!on_update(u)) return false;
        }
        return true;
    }

    std::string input_;
    LiveOptions o_;
    std::chrono::steady_clock::time_point start_;
    std::optional<double> origin_;
    std::optional<rect> box_;
    std::size_t width_ = 0, height_ = 0;
    double fps_ = 25;
    std::optional<vision::mouth_flow_stream> flow_;
    std::optional<audio::band_energy_stream<float>> energy_;
    std::optional<sync::online_estimator> est_;
    std::optional<double> video_start_, audio_start_;
    std::size_t audio_fed_ = 0;  // samples given to the energy stream since audio_start_
    std::vector<std::pair<double, double>> pending_video_;
    std::vector<double> pending_audio_;
};

}  // namespace syncdsp::pipeline
