// syncdsp/pipeline/live.hpp - the offset of a live stream, estimate after estimate: the live
// decoder (io/live_decode.hpp), the streaming cues (mouth opening rate from flow in the mouth box,
// 1-4 kHz band energy) and the online estimator (sync/online.hpp), plus what happened to the
// stream, in words.
//
//   pipeline::live_monitor m("udp://127.0.0.1:5000", pipeline::LiveOptions::standard());
//   m.run([](const pipeline::live_update& u) { print(u); return true; });
//
// The mouth: the box given (LiveOptions::mouth_box, `--roi`); else, with the face networks
// (LiveOptions::faces: by default when the picture is not a face crop), every face is followed
// (pipeline/live_faces.hpp) and each gets its own online estimator; else the lower centre of a
// face crop (vision::face_crop_mouth_box).
// Several faces: every face's estimator sees the same sound and the same grid (a face that
// appears gets a copy of the face-less estimator, which has the sound history), so every hop
// each face with enough picture in the window has an estimate of the same window, and the
// speaker is chosen as `sync --face speaker` does (pipeline/speaker.hpp: the strongest reliable
// peak; a runner-up within close_ratio is a tie, reported, not guessed), or the largest face, or
// a given face id. The chosen face's estimate is its estimator's, so it equals the offline engine
// on the same window and cues (tests/sync/test_online.cpp).
// Updates: an estimate every hop; events instead of numbers when there is nothing to measure
// ("no speech": the window's sound is digital silence; "no face": no mouth cue in the window, or
// the detector finds no face; "several faces": two faces explain the sound about equally well;
// "no estimate": no lag had enough data) and when the stream starts or misbehaves ("started": the
// first frame, its size and the mouth box; "face appeared" / "face left": a face followed for
// min_frames frames, and its end; "stall", "resumed", "discontinuity" and "reconnect": the
// estimate starts over, "ended").
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <set>
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
#include "syncdsp/pipeline/live_faces.hpp"
#include "syncdsp/pipeline/speaker.hpp"
#include "syncdsp/sync/online.hpp"
#include "syncdsp/vision/image.hpp"
#include "syncdsp/vision/mouth.hpp"
#include "syncdsp/vision/mouth_flow_stream.hpp"
#include "syncdsp/vision/mouth_motion.hpp"

namespace syncdsp::pipeline {

/// When the face networks find the mouth on live input.
enum class live_face_mode {
    automatic,  ///< when no mouth box is given and the picture is not a face crop (far from square)
    on,         ///< whenever no mouth box is given
    off,        ///< never: the mouth box given, or the face-crop box
};

/// Which face is measured when there are several.
struct LiveFaceChoice {
    enum class rule { speaker, largest, id };
    rule how = rule::speaker;
    std::size_t id = 0;  ///< with rule::id

    /// `sync --face`: "speaker", "largest" or a face id.
    static LiveFaceChoice parse(const std::string& text) {
        LiveFaceChoice c;
        if (text == "speaker") return c;
        if (text == "largest") {
            c.how = rule::largest;
            return c;
        }
        const bool id = !text.empty() && text.size() <= 9 &&
                        std::all_of(text.begin(), text.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
        SYNCDSP_REQUIRE(id, "live", "face choice '", text, "' is not speaker, largest or a face id");
        c.how = rule::id;
        c.id = std::size_t(std::stoul(text));
        return c;
    }
    std::string to_string() const {
        return how == rule::speaker ? "speaker" : how == rule::largest ? "largest" : std::to_string(id);
    }
};

struct LiveOptions {
    sync::OnlineOptions online = sync::OnlineOptions::monitor();
    io::LiveDecodeOptions decode = io::LiveDecodeOptions::defaults();
    std::optional<rect> mouth_box;     ///< frame pixels; none: the face-crop box
    vision::MouthMotionOptions mouth = vision::MouthMotionOptions::defaults();
    audio::BandEnergyOptions energy = audio::BandEnergyOptions::defaults();
    double duration_s = 0;             ///< stop after this much stream time (0: until the input ends)
    double min_coverage = 0.5;         ///< a window with less of a cue than this is an event, not a number
    live_face_mode faces = live_face_mode::automatic;
    LiveFacesOptions face_tracking = LiveFacesOptions::standard();
    LiveFaceChoice face;
    SpeakerOptions speaker = SpeakerOptions::standard();

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
        face_tracking.validate();
        speaker.validate();
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
          << ", min_coverage=" << min_coverage << ", faces="
          << (faces == live_face_mode::automatic ? "auto" : faces == live_face_mode::on ? "on" : "off") << ", "
          << face_tracking.to_string() << ", face=" << face.to_string() << ", " << speaker.to_string() << "}";
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
    // With the face networks:
    std::optional<std::size_t> track;  ///< the face measured (an estimate), or the face an event is about
    std::optional<box> track_box;      ///< that face's box in the window's last frame
    std::optional<std::size_t> faces;  ///< faces with enough picture in the window (estimates and window events)
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
                    const std::function<bool(const live_update&)>& on_update,
                    std::optional<std::size_t> track = std::nullopt) {
        live_update u;
        u.track = track;
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
        tracks_.clear();
        cut_next_ = true;  // the face tracks end too
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
        if ((box_ || faces_) && (e.width != width_ || e.height != height_)) {  // e.g. a sender restarted at another size
            box_.reset();
            faces_.reset();
            restart();
            char what[96];
            std::snprintf(what, sizeof what, "the picture changed size from %zux%zu to %zux%zu", width_, height_,
                          e.width, e.height);
            if (!send_event("discontinuity", what, e.time_s, on_update)) return false;
        }
        if (!box_ && !faces_) {
            width_ = e.width;
            height_ = e.height;
            const double aspect = double(e.width) / double(e.height);
            const bool crop = aspect >= 0.8 && aspect <= 1.25;
            fps_ = e.fps > 0 && e.fps <= 1000 ? e.fps : 25.0;
            if (!o_.mouth_box && (o_.faces == live_face_mode::on || (o_.faces == live_face_mode::automatic && !crop))) {
                faces_.emplace(o_.face_tracking);  // io_error when the face models are not installed
                announced_.clear();  // a new tracker numbers its faces from 0 again
                last_box_.clear();
                char what[160];
                std::snprintf(what, sizeof what, "picture %zux%zu at %.3g fps; faces: the face networks (detector every %zu frames)",
                              e.width, e.height, fps_, o_.face_tracking.tracks.detect_every);
                if (!send_event("started", what, e.time_s, on_update)) return false;
            }
        }
        if (faces_) return on_faces(e, on_update);
        if (!box_) {
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
            char what[160];
            std::snprintf(what, sizeof what, "picture %zux%zu at %.3g fps; mouth box x=%ld y=%ld w=%ld h=%ld", e.width,
                          e.height, fps_, box_->x, box_->y, box_->width, box_->height);
            if (!send_event("started", what, e.time_s, on_update)) return false;
        }
        if (!flow_) flow_.emplace(o_.mouth);
        if (!video_start_) video_start_ = e.time_s;
        const double value = flow_->add(vision::image_view<const std::uint8_t>(e.pixels, e.width, e.height, 1), *box_);
        pending_video_.push_back({e.time_s, value, {}, {}});
        return feed(on_update);
    }

    // A frame with the face networks: every followed face's mouth rate; faces that appear (once
    // followed for min_frames frames) and leave are said.
    bool on_faces(const io::live_event& e, const std::function<bool(const live_update&)>& on_update) {
        if (!video_start_) video_start_ = e.time_s;
        const auto& found = faces_->push(vision::image_view<const std::uint8_t>(e.pixels, e.width, e.height, 1), cut_next_);
        cut_next_ = false;
        pending_frame f{e.time_s, std::numeric_limits<double>::quiet_NaN(), {}, faces_->ended()};
        for (std::size_t id : faces_->ended()) {
            const bool said = announced_.erase(id) > 0;
            last_box_.erase(id);
            if (said) {
                if (!send_event("face left", "face " + std::to_string(id) + " is no longer followed", e.time_s, on_update, id))
                    return false;
            }
        }
        for (const auto& face : found) {
            f.faces.emplace_back(face.id, face.rate);
            last_box_[face.id] = face.where;
            if (face.frames >= o_.face_tracking.tracks.min_frames && announced_.insert(face.id).second) {
                char what[200];
                std::snprintf(what, sizeof what, "face %zu at x=%.0f y=%.0f w=%.0f h=%.0f; mouth box x=%ld y=%ld w=%ld h=%ld",
                              face.id, face.where.x, face.where.y, face.where.width, face.where.height, face.mouth.x,
                              face.mouth.y, face.mouth.width, face.mouth.height);
                if (!send_event("face appeared", what, e.time_s, on_update, face.id)) return false;
            }
        }
        pending_video_.push_back(std::move(f));
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
        for (const auto& f : pending_video_) {
            for (std::size_t id : f.ended) tracks_.erase(id);
            // A new face's estimator: a copy of the face-less one (the same grid and sound history).
            for (const auto& [id, v] : f.faces)
                if (!tracks_.count(id)) tracks_.emplace(id, *est_);
            est_->accept_video(f.t, f.value);
            for (auto& [id, est] : tracks_) {
                const auto it = std::find_if(f.faces.begin(), f.faces.end(), [&](const auto& p) { return p.first == id; });
                est.accept_video(f.t, it == f.faces.end() ? std::numeric_limits<double>::quiet_NaN() : it->second);
            }
        }
        pending_video_.clear();
        est_->accept_audio(pending_audio_);
        for (auto& [id, est] : tracks_) est.accept_audio(pending_audio_);
        pending_audio_.clear();
        if (faces_) return report_faces(on_update);
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

    // Every hop with the face networks: each face's estimate of the same window; the face measured
    // is chosen (LiveOptions::face) and its estimate reported, or what prevents it.
    bool report_faces(const std::function<bool(const live_update&)>& on_update) {
        const std::vector<sync::online_estimate> base = est_->poll();  // the sound's coverage; no picture
        std::map<std::size_t, std::vector<sync::online_estimate>> per;
        for (auto& [id, est] : tracks_) per[id] = est.poll();  // lockstep: the same windows as base
        for (std::size_t i = 0; i < base.size(); ++i) {
            live_update u;
            u.t_s = rel(base[i].end_s);
            u.wall_s = wall();
            u.estimate = base[i];
            std::vector<std::pair<std::size_t, const sync::online_estimate*>> seen;  // faces with enough picture
            for (const auto& [id, list] : per)
                if (i < list.size() && list[i].video_coverage >= o_.min_coverage) seen.emplace_back(id, &list[i]);
            u.faces = seen.size();
            std::optional<std::size_t> pick;
            if (base[i].audio_coverage < o_.min_coverage) {
                u.event = "no speech";
                u.message = "the sound of this window is (digital) silence";
            } else if (seen.empty()) {
                u.event = "no face";
                u.message = tracks_.empty() ? "the face detector finds no face"
                                            : "no face was followed through most of this window";
            } else if (o_.face.how == LiveFaceChoice::rule::id) {
                for (const auto& s : seen)
                    if (s.first == o_.face.id) pick = s.first;
                if (!pick) {
                    u.event = "no face";
                    u.message = "face " + std::to_string(o_.face.id) + " is not in this window";
                }
            } else if (o_.face.how == LiveFaceChoice::rule::largest) {
                double area = -1;
                for (const auto& s : seen) {
                    const double a = last_box_.count(s.first) ? last_box_[s.first].area() : 0.0;
                    if (a > area) area = a, pick = s.first;
                }
            } else {
                std::vector<track_evidence> ev;
                for (const auto& [id, e] : seen)
                    ev.push_back({id, e->start_s, e->end_s, e->search.valid, true, e->search.reliable,
                                  e->search.significance.confidence, e->search.offset_ms});
                const speaker_choice ch = choose_speakers(ev, o_.speaker);
                if (ch.ambiguous) {
                    u.event = "several faces";
                    u.message = "can't tell which face speaks: " + ch.why;
                } else if (ch.speakers.empty()) {
                    u.event = "no estimate";
                    u.message = ch.why;
                } else {
                    pick = ch.speakers.front();
                }
            }
            if (pick) {
                for (const auto& s : seen)
                    if (s.first == *pick) u.estimate = *s.second;
                u.track = *pick;
                if (last_box_.count(*pick)) u.track_box = last_box_[*pick];
                if (!u.estimate.search.valid) {
                    u.event = "no estimate";
                    u.message = u.estimate.judged.reason;
                } else {
                    u.is_estimate = true;
                }
            }
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
    struct pending_frame {
        double t = 0;
        double value = 0;                                  // the box's cue (NaN with the face networks)
        std::vector<std::pair<std::size_t, double>> faces;  // face id, its mouth rate
        std::vector<std::size_t> ended;                    // faces that ended at this frame
    };
    std::vector<pending_frame> pending_video_;
    std::vector<double> pending_audio_;
    // With the face networks:
    std::optional<live_faces> faces_;
    std::map<std::size_t, sync::online_estimator> tracks_;  // per followed face
    std::map<std::size_t, box> last_box_;                   // per followed face: its last box
    std::set<std::size_t> announced_;                       // faces said to have appeared
    bool cut_next_ = false;
};

}  // namespace syncdsp::pipeline
