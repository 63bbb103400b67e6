// syncdsp/io/live_decode.hpp - a live input (a file played at its own speed, a pipe, a network URL,
// a capture device) decoded by one ffmpeg subprocess into gray frames and mono float audio, each
// with its presentation time, as they arrive.
//
//   io::live_decoder dec("udp://127.0.0.1:5000", io::LiveDecodeOptions::network());
//   dec.run([&](const io::live_event& e) { ... return true; });   // false: stop
//
// One ffmpeg writes the picture to its fd 3 (rawvideo gray) and the sound to its fd 4 (f32le mono,
// in chunks of chunk_samples), and prints each frame's and each chunk's timestamp on stderr (the
// metadata filters), which pairs them one to one with what arrives on the pipes. No shell.
// What it tells the caller besides the media (live_event::kind):
//  - stall: no picture or sound for stall_s seconds of wall time (the source paused or died);
//  - resumed: media flows again after a stall;
//  - discontinuity: a timestamp jumped (back, or forward by more than max_jump_s): the caller
//    should start its estimate over;
//  - reconnect: ffmpeg ended on a URL input and is started again (after reconnect_delay_s);
//  - ended: the input is over (file, pipe, or a URL whose reconnects ran out).
#pragma once

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/io/subprocess.hpp"

namespace syncdsp::io {

struct LiveDecodeOptions {
    bool realtime = false;          ///< read the input at its own speed (ffmpeg -re): files
    unsigned sample_rate = 16000;
    std::size_t chunk_samples = 800;///< sound chunk (50 ms at 16 kHz)
    double stall_s = 2;             ///< no media this long (wall time): a stall
    double max_jump_s = 1;          ///< a forward timestamp jump larger than this: a discontinuity
    int reconnects = -1;            ///< URL inputs: restarts allowed after ffmpeg ends (-1: no limit)
    double reconnect_delay_s = 1;
    double analyze_s = 1;           ///< how long ffmpeg probes the input before decoding
    std::vector<std::string> input_options;  ///< before -i, e.g. {"-f", "v4l2"}

    static LiveDecodeOptions defaults() { return {}; }

    void validate() const {
        SYNCDSP_REQUIRE(sample_rate >= 8000 && sample_rate <= 192000, "live_decode", "sample rate ", sample_rate,
                        " Hz is outside 8000..192000");
        SYNCDSP_REQUIRE(chunk_samples >= 16 && chunk_samples <= sample_rate, "live_decode", "chunk of ",
                        chunk_samples, " samples is outside 16..", sample_rate);
        SYNCDSP_REQUIRE(std::isfinite(stall_s) && stall_s > 0 && stall_s <= 3600, "live_decode", "stall_s ", stall_s,
                        " must be in (0, 3600]");
        SYNCDSP_REQUIRE(std::isfinite(max_jump_s) && max_jump_s > 0, "live_decode", "max_jump_s ", max_jump_s,
                        " must be positive");
        SYNCDSP_REQUIRE(std::isfinite(reconnect_delay_s) && reconnect_delay_s >= 0 && reconnect_delay_s <= 600,
                        "live_decode", "reconnect_delay_s ", reconnect_delay_s, " must be in 0..600");
        SYNCDSP_REQUIRE(std::isfinite(analyze_s) && analyze_s > 0 && analyze_s <= 60, "live_decode", "analyze_s ",
                        analyze_s, " must be in (0, 60]");
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "LiveDecodeOptions{realtime=" << realtime << ", sample_rate=" << sample_rate
          << ", chunk_samples=" << chunk_samples << ", stall_s=" << stall_s << ", max_jump_s=" << max_jump_s
          << ", reconnects=" << reconnects << ", reconnect_delay_s=" << reconnect_delay_s
          << ", analyze_s=" << analyze_s << "}";
        return s.str();
    }
};

/// Whether an input is a network URL (ffmpeg is restarted when it ends).
inline bool is_url(const std::string& input) { return input.find("://") != std::string::npos; }

struct live_event {
    enum class kind { video, audio, stall, resumed, discontinuity, reconnect, ended };
    kind what = kind::ended;
    double time_s = 0;  ///< media: presentation time (frame, first sample); events: last media time
    // video: a gray frame
    const std::uint8_t* pixels = nullptr;
    std::size_t width = 0, height = 0;
    double fps = 0;  ///< the stream's nominal frame rate as ffmpeg states it (0: unknown)
    // audio: mono samples
    const float* samples = nullptr;
    std::size_t count = 0;
    std::string message;  ///< events: what happened, in words
};

inline const char* to_string(live_event::kind k) {
    switch (k) {
        case live_event::kind::video: return "video";
        case live_event::kind::audio: return "audio";
        case live_event::kind::stall: return "stall";
        case live_event::kind::resumed: return "resumed";
        case live_event::kind::discontinuity: return "discontinuity";
        case live_event::kind::reconnect: return "reconnect";
        default: return "ended";
    }
}

namespace live_impl {

// "... pts_time:1.24" -> 1.24 (NaN if absent or "NOPTS").
inline double pts_time_of(const std::string& line) {
    const auto p = line.find("pts_time:");
    if (p == std::string::npos) return std::nan("");
    const char* s = line.c_str() + p + 9;
    char* end = nullptr;
    const double t = std::strtod(s, &end);
    return end == s ? std::nan("") : t;
}

// "  Stream #0:0(und): Video: rawvideo (Y800 / 0x30303859), gray(pc, progressive), 224x224, ..., 25 fps, ..."
inline bool parse_video_output(const std::string& line, std::size_t& w, std::size_t& h, double& fps) {
    const auto at = line.find("Video: rawvideo");
    if (at == std::string::npos) return false;
    // The first "<digits>x<digits>" after the codec: the picture size.
    for (std::size_t i = at; i < line.size(); ++i) {
        if (!std::isdigit(static_cast<unsigned char>(line[i])) || (i > 0 && std::isalnum(static_cast<unsigned char>(line[i - 1]))))
            continue;
        char* end = nullptr;
        const long W = std::strtol(line.c_str() + i, &end, 10);
        if (*end != 'x' || !std::isdigit(static_cast<unsigned char>(end[1]))) continue;
        const long H = std::strtol(end + 1, &end, 10);
        if (W <= 0 || H <= 0 || W > 16384 || H > 16384) continue;  // e.g. the codec tag "0x30303859"
        w = std::size_t(W);
        h = std::size_t(H);
        fps = 0;
        const auto f = line.find(" fps");
        if (f != std::string::npos) {
            const auto comma = line.rfind(", ", f);
            if (comma != std::string::npos) fps = std::strtod(line.c_str() + comma + 2, nullptr);
        }
        return true;
    }
    return false;
}

// Set by stop_live_decoders() (async-signal-safe): every running decoder kills its ffmpeg and
// returns, so a SIGINT/SIGTERM handler can end a monitor without leaving ffmpeg behind.
inline std::atomic<bool>& stop_flag() {
    static std::atomic<bool> flag{false};
    return flag;
}

}  // namespace live_impl

/// Asks every live_decoder::run() to stop within 0.2 s (safe to call from a signal handler).
inline void stop_live_decoders() { live_impl::stop_flag().store(true); }

class live_decoder {
public:
    live_decoder(std::string input, LiveDecodeOptions o) : input_(std::move(input)), o_(std::move(o)) {
        o_.validate();
        SYNCDSP_REQUIRE(!input_.empty(), "live_decode", "empty input name");
    }

    /// The ffmpeg command line (for messages and tests).
    std::vector<std::string> command() const {
        std::vector<std::string> a = {ffmpeg_program(), "-hide_banner", "-nostats", "-nostdin", "-loglevel", "info"};
        if (input_ == "-") a.erase(a.begin() + 3);  // stdin is the input
        for (const auto& x : o_.input_options) a.push_back(x);
        if (o_.realtime) a.push_back("-re");
        char analyze[32];
        std::snprintf(analyze, sizeof analyze, "%lld", static_cast<long long>(o_.analyze_s * 1e6));
        a.push_back("-analyzeduration");
        a.push_back(analyze);
        a.push_back("-copyts");
        a.push_back("-i");
        a.push_back(input_ == "-" ? "pipe:0" : input_);
        for (const char* x : {"-map", "0:v:0", "-vf"}) a.push_back(x);
        a.push_back("format=gray,metadata=mode=add:key=syncdsp:value=1,metadata=mode=print:key=syncdsp");
        for (const char* x : {"-fps_mode", "passthrough", "-f", "rawvideo", "-flush_packets", "1", "pipe:3", "-map",
                              "0:a:0", "-af"})
            a.push_back(x);
        // (No async resampling: it drops the sound after a timestamp that goes back. Gaps are
        // filled by the caller, pipeline/live.hpp.)
        a.push_back("aresample=" + std::to_string(o_.sample_rate) +
                    ",aformat=sample_fmts=flt:channel_layouts=mono,asetnsamples=n=" + std::to_string(o_.chunk_samples) +
                    ":p=0,ametadata=mode=add:key=syncdsp:value=1,ametadata=mode=print:key=syncdsp");
        for (const char* x : {"-f", "f32le", "-flush_packets", "1", "pipe:4"}) a.push_back(x);
        return a;
    }

    /// Runs until the input ends, on_event returns false, or an error (io_error when ffmpeg cannot
    /// open a file or pipe input at all). Returns how many times ffmpeg was started.
    int run(const std::function<bool(const live_event&)>& on_event) {
        int starts = 0;
        while (true) {
            ++starts;
            const auto r = run_once(on_event);
            if (r == outcome::stopped || live_impl::stop_flag().load()) return starts;
            const bool may_retry = is_url(input_) && (o_.reconnects < 0 || starts <= o_.reconnects);
            if (!may_retry) {
                if (!got_media_)
                    detail::throw_io_error("live_decode", "ffmpeg could not read '", input_, "': ",
                                           last_error_.empty() ? "no media" : last_error_);
                live_event e;
                e.what = live_event::kind::ended;
                e.time_s = last_time_;
                e.message = "the input ended" + (last_error_.empty() ? std::string() : " (" + last_error_ + ")");
                on_event(e);
                return starts;
            }
            live_event e;
            e.what = live_event::kind::reconnect;
            e.time_s = last_time_;
            e.message = "ffmpeg ended" + (last_error_.empty() ? std::string() : " (" + last_error_ + ")") +
                        "; reconnecting to " + input_;
            if (!on_event(e)) return starts;
            if (!sleep_or_stop(o_.reconnect_delay_s, on_event)) return starts;
        }
    }

private:
    enum class outcome { ended, stopped };

    // Waits before a reconnect, in steps, so that stop_live_decoders() is honoured meanwhile.
    bool sleep_or_stop(double seconds, const std::function<bool(const live_event&)>&) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
        while (std::chrono::steady_clock::now() < until) {
            if (live_impl::stop_flag().load()) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return !live_impl::stop_flag().load();
    }

    outcome run_once(const std::function<bool(const live_event&)>& on_event) {
        spawned_process child(command(), {2, 3, 4}, input_ == "-");
        const int err = child.outputs()[0], vid = child.outputs()[1], aud = child.outputs()[2];
        std::string err_line;
        std::vector<std::uint8_t> vbuf, abuf;
        std::deque<double> vtimes, atimes;
        std::size_t W = 0, H = 0;
        double fps = 0;
        bool open[3] = {true, true, true};
        using clock = std::chrono::steady_clock;
        auto last_media = clock::now();
        bool stalled = false;
        std::vector<std::uint8_t> scratch(1 << 16);
        double last_v = std::nan(""), last_a = std::nan("");
        std::size_t last_a_count = 0;

        auto emit_media = [&]() -> bool {
            // Frames: pair pixels with timestamps, in order.
            const std::size_t fb = W * H;
            while (fb > 0 && vbuf.size() >= fb && !vtimes.empty()) {
                live_event e;
                e.what = live_event::kind::video;
                e.time_s = vtimes.front();
                vtimes.pop_front();
                if (!check_jump(e.time_s, last_v, 0, on_event)) return false;
                e.pixels = vbuf.data();
                e.width = W;
                e.height = H;
                e.fps = fps;
                if (!std::isnan(e.time_s)) {
                    last_v = e.time_s;
                    last_time_ = std::isnan(last_time_) ? e.time_s : std::max(last_time_, e.time_s);
                    got_media_ = true;
                    if (!on_event(e)) return false;
                }
                vbuf.erase(vbuf.begin(), vbuf.begin() + std::ptrdiff_t(fb));
            }
            const std::size_t cb = o_.chunk_samples * sizeof(float);
            while (!atimes.empty() && (abuf.size() >= cb || (!open[2] && !abuf.empty()))) {
                const std::size_t take = std::min(cb, abuf.size()) / sizeof(float) * sizeof(float);
                if (take == 0) break;
                std::vector<float> s(take / sizeof(float));
                std::memcpy(s.data(), abuf.data(), take);
                abuf.erase(abuf.begin(), abuf.begin() + std::ptrdiff_t(take));
                live_event e;
                e.what = live_event::kind::audio;
                e.time_s = atimes.front();
                atimes.pop_front();
                if (!check_jump(e.time_s, last_a, double(last_a_count) / o_.sample_rate, on_event)) return false;
                e.samples = s.data();
                e.count = s.size();
                if (!std::isnan(e.time_s)) {
                    last_a = e.time_s;
                    last_a_count = s.size();
                    got_media_ = true;
                    if (!on_event(e)) return false;
                }
            }
            return true;
        };

        while (open[0] || open[1] || open[2]) {
            if (live_impl::stop_flag().load()) {
                child.kill_child();
                return outcome::stopped;
            }
            pollfd fds[3] = {{err, POLLIN, 0}, {vid, POLLIN, 0}, {aud, POLLIN, 0}};
            for (int i = 0; i < 3; ++i)
                if (!open[i]) fds[i].fd = -1;
            const int n = poll(fds, 3, 200);
            if (n < 0 && errno != EINTR) detail::throw_io_error("live_decode", "poll failed: ", std::strerror(errno));
            bool media = false;
            for (int i = 0; i < 3 && n > 0; ++i) {
                if (!open[i] || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                const ssize_t got = read(fds[i].fd, scratch.data(), scratch.size());
                if (got < 0 && errno == EINTR) continue;
                if (got <= 0) {
                    open[i] = false;
                    continue;
                }
                if (i == 0) {
                    err_line.append(reinterpret_cast<const char*>(scratch.data()), std::size_t(got));
                    std::size_t nl;
                    while ((nl = err_line.find('\n')) != std::string::npos) {
                        const std::string line = err_line.substr(0, nl);
                        err_line.erase(0, nl + 1);
                        if (line.find("Parsed_ametadata") != std::string::npos) {
                            if (line.find("pts_time:") != std::string::npos) atimes.push_back(live_impl::pts_time_of(line));
                        } else if (line.find("Parsed_metadata") != std::string::npos) {
                            if (line.find("pts_time:") != std::string::npos) vtimes.push_back(live_impl::pts_time_of(line));
                        } else if (W == 0 && live_impl::parse_video_output(line, W, H, fps)) {
                        } else if (line.find("rror") != std::string::npos || line.find("failed") != std::string::npos ||
                                   line.find("No such") != std::string::npos || line.find("refused") != std::string::npos ||
                                   line.find("Invalid") != std::string::npos || line.find("matches no streams") != std::string::npos) {
                            last_error_ = line;
                        }
                    }
                } else {
                    auto& b = i == 1 ? vbuf : abuf;
                    b.insert(b.end(), scratch.data(), scratch.data() + got);
                    media = true;
                }
            }
            if (!emit_media()) {
                child.kill_child();
                return outcome::stopped;
            }
            const auto now = clock::now();
            if (media) {
                last_media = now;
                if (stalled) {
                    stalled = false;
                    live_event e;
                    e.what = live_event::kind::resumed;
                    e.time_s = last_time_;
                    e.message = "media flows again";
                    if (!on_event(e)) {
                        child.kill_child();
                        return outcome::stopped;
                    }
                }
            } else if (!stalled && std::chrono::duration<double>(now - last_media).count() >=
                                        // before the first media, ffmpeg's probing is not a stall
                                        (got_media_ ? o_.stall_s : o_.stall_s + o_.analyze_s + 3)) {
                stalled = true;
                live_event e;
                e.what = live_event::kind::stall;
                e.time_s = last_time_;
                char msg[96];
                if (got_media_)
                    std::snprintf(msg, sizeof msg, "no picture or sound for %.1f s", o_.stall_s);
                else
                    std::snprintf(msg, sizeof msg, "no picture or sound yet, %.1f s after the start",
                                  std::chrono::duration<double>(now - last_media).count());
                e.message = msg;
                if (!on_event(e)) {
                    child.kill_child();
                    return outcome::stopped;
                }
            }
        }
        emit_media();
        child.wait();
        return outcome::ended;
    }

    // A timestamp going back, or forward past the expected one by more than max_jump_s.
    bool check_jump(double t, double last, double last_duration,
                    const std::function<bool(const live_event&)>& on_event) const {
        if (std::isnan(t) || std::isnan(last)) return true;
        const double expected = last + last_duration;
        if (t > last && t - expected <= o_.max_jump_s) return true;
        live_event e;
        e.what = live_event::kind::discontinuity;
        e.time_s = t;
        char msg[128];
        std::snprintf(msg, sizeof msg, "timestamp jumped from %.3f s to %.3f s", last, t);
        e.message = msg;
        return on_event(e);
    }

    std::string input_;
    LiveDecodeOptions o_;
    std::string last_error_;
    double last_time_ = std::nan("");
    bool got_media_ = false;
};

}  // namespace syncdsp::io
