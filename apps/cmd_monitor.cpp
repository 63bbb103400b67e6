// apps/cmd_monitor.cpp - `syncdsp monitor INPUT`: the offset of a live stream, one estimate a hop.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "options.hpp"
#include "syncdsp/pipeline/live.hpp"

extern char** environ;

namespace cmd_monitor {
namespace {

const char* help = R"(usage: syncdsp monitor INPUT [options]

Measures the audio-video offset of a live stream of a person speaking, continuously: every hop
(default 1 s) an estimate of the last window (default 5 s) of picture, from mouth motion against
the speech-band energy (the same engine as `syncdsp sync`, fed as the stream arrives).
INPUT is anything ffmpeg reads live: a file (with --realtime it is played at its own speed), -
(a stream on stdin, e.g. mpegts from `ffmpeg ... -f mpegts -`), a URL (udp://, tcp://, rtmp://,
rtsp://, srt://, http(s):// HLS; restarted when it ends), or a capture device with --format
(e.g. --format v4l2 /dev/video0; the sound then needs a second input, see docs/monitor.md).

output (stdout):
  on a terminal: a status line with the latest estimate and a small history, rewritten in place;
  otherwise, or with --jsonl: one JSON object per line, either an estimate
    {"t_s", "window_s": [start, end], "sound_until_s", "offset_ms", "interval_ms": [lo, hi],
     "confidence", "p_value", "reliable", "verdict", "reason", "recent", "wall_s"}, with the face
     networks also "track" (the face measured), "track_box" [x, y, w, h] and "faces" (faces
     followed through most of the window)
  or an event {"event": "started"|"no speech"|"no face"|"several faces"|"no estimate"|
     "face appeared"|"face left"|"stall"|"resumed"|"discontinuity"|"reconnect"|"ended"|"alert",
     "message", "t_s", "wall_s"} ("track" for a face's events, "faces" for a window's).
  t_s is the stream time (seconds from the first frame) at the end of the picture the estimate
  judges; the sound it used runs on to sound_until_s (t_s + the lag range, --max-offset), so an
  estimate cannot come out before then. "recent": true when the whole window had two fitting
  offsets (typically a change inside it) and its last 4 s chose one. wall_s: seconds since
  the monitor started. offset > 0 means the audio is late.

options:
  --jsonl              JSON lines even on a terminal
  --realtime           read a file at its own speed (ffmpeg -re), as if it were live
  --window D           picture covered by one estimate (default 5, in seconds, or 5s, 4500ms;
                       the first estimates, from 4 s of picture on, cover what has arrived)
  --hop D              time between estimates (default 1 s)
  --max-offset D       lag range +-D (default 800ms, the hardware analysers' extended range; the
                       sound after a window that an estimate waits for)
  --tolerance T        itu (default), ebu, atsc or EARLY,LATE in ms, as in `sync`
  --roi x,y,w,h        the mouth region in frame pixels (fixed; no face networks)
  --faces auto|on|off  follow every face with the face-api networks (detector every 5 frames,
                       landmarks of each face on every frame; default auto: when no --roi is given
                       and the picture is not a face crop, i.e. far from square); off: the lower
                       centre of a face crop
  --face F             which face when there are several: speaker (default: the face whose mouth
                       explains the sound, as in `sync`; a tie is an event, not a guess), largest,
                       or a face id as "track" and the "face appeared" events give it
  --models DIR         directory of the face-api model files (default $SYNCDSP_MODELS, then
                       ~/.local/share/syncdsp/models)
  --duration D         stop after D (seconds) of stream time
  --stall D            report a stall after D (seconds) without picture or sound (default 2)
  --format F           ffmpeg input format (-f F before the input), e.g. v4l2, alsa, mpegts
  --alert CMD          run CMD (with /bin/sh -c) when the verdict is out of tolerance for
                       --alert-after consecutive reliable estimates, and once more when it is back
                       in tolerance for as many; the environment carries SYNCDSP_ALERT
                       (out|back), SYNCDSP_OFFSET_MS, SYNCDSP_VERDICT, SYNCDSP_T_S, SYNCDSP_INPUT
  --alert-after N      consecutive estimates (default 3)
  --quiet              no status line on stderr when stdout is not a terminal
  --help               this text

exit status: 0 = the input ended (or --duration was reached), 1 = error (the input cannot be
opened, has no audio or video), 2 = usage error.
)";

// The alert command: run in the background, reaped as it ends.
class alert_runner {
public:
    alert_runner(std::string command, std::string input) : command_(std::move(command)), input_(std::move(input)) {}
    ~alert_runner() {
        for (pid_t p : running_) {
            int status;
            waitpid(p, &status, 0);
        }
    }
    void fire(const char* kind, const syncdsp::pipeline::live_update& u) {
        reap();
        std::vector<std::string> env;
        for (char** e = environ; *e; ++e) env.emplace_back(*e);
        char buf[64];
        env.push_back(std::string("SYNCDSP_ALERT=") + kind);
        std::snprintf(buf, sizeof buf, "%.1f", u.estimate.search.offset_ms);
        env.push_back(std::string("SYNCDSP_OFFSET_MS=") + buf);
        env.push_back(std::string("SYNCDSP_VERDICT=") + syncdsp::sync::to_string(u.estimate.judged.kind));
        std::snprintf(buf, sizeof buf, "%.3f", u.t_s);
        env.push_back(std::string("SYNCDSP_T_S=") + buf);
        env.push_back("SYNCDSP_INPUT=" + input_);
        std::vector<char*> envp;
        for (auto& s : env) envp.push_back(s.data());
        envp.push_back(nullptr);
        std::string sh = "/bin/sh", c = "-c";
        char* argv[] = {sh.data(), c.data(), command_.data(), nullptr};
        pid_t pid = 0;
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        const int rc = posix_spawn(&pid, "/bin/sh", &actions, nullptr, argv, envp.data());
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) std::cerr << "syncdsp monitor: cannot run the alert command: " << std::strerror(rc) << "\n";
        else running_.push_back(pid);
    }

private:
    void reap() {
        std::vector<pid_t> still;
        for (pid_t p : running_) {
            int status;
            if (waitpid(p, &status, WNOHANG) == 0) still.push_back(p);
        }
        running_.swap(still);
    }
    std::string command_, input_;
    std::vector<pid_t> running_;
};

// Out of tolerance for N consecutive reliable estimates -> "out" once; then in tolerance for N
// consecutive reliable estimates -> "back" once. Unreliable estimates and events neither advance
// nor break a run.
struct alert_state {
    std::size_t needed = 3;
    bool out = false;
    std::size_t run = 0;
    // Returns "out", "back" or nullptr.
    const char* step(const syncdsp::sync::verdict& v, bool reliable) {
        using syncdsp::sync::verdict_kind;
        if (!reliable || v.kind == verdict_kind::cant_tell) return nullptr;
        const bool bad = v.kind != verdict_kind::in_sync;
        if (bad != out) {
            if (++run >= needed) {
                out = bad;
                run = 0;
                return bad ? "out" : "back";
            }
        } else {
            run = 0;
        }
        return nullptr;
    }
};

nlohmann::json to_json(const syncdsp::pipeline::live_update& u) {
    nlohmann::json j;
    auto r3 = [](double x) { return std::round(x * 1000.0) / 1000.0 + 0.0; };  // + 0.0: no "-0.0"
    if (u.is_estimate) {
        const auto& e = u.estimate;
        j["t_s"] = r3(u.t_s);
        const double origin = e.end_s - u.t_s;
        j["window_s"] = {r3(e.start_s - origin), r3(e.end_s - origin)};
        j["sound_until_s"] = r3(e.sound_end_s - origin);
        if (e.recent) j["recent"] = true;
        j["offset_ms"] = std::round(e.search.offset_ms * 10.0) / 10.0;
        j["interval_ms"] = {std::round(e.interval_lo_ms), std::round(e.interval_hi_ms)};
        j["confidence"] = std::round(e.search.significance.confidence * 100.0) / 100.0;
        j["p_value"] = e.search.significance.p_value;
        j["reliable"] = e.search.reliable;
        j["verdict"] = syncdsp::sync::to_string(e.judged.kind);
        j["reason"] = e.judged.reason;
    } else {
        j["event"] = u.event;
        j["message"] = u.message;
        j["t_s"] = r3(u.t_s);
    }
    if (u.track) j["track"] = *u.track;
    if (u.track_box && u.is_estimate)
        j["track_box"] = {std::lround(u.track_box->x), std::lround(u.track_box->y), std::lround(u.track_box->width),
                          std::lround(u.track_box->height)};
    if (u.faces) j["faces"] = *u.faces;
    j["wall_s"] = r3(u.wall_s);
    return j;
}

// "+240 ms late" style text of an estimate for the status line.
std::string short_text(const syncdsp::pipeline::live_update& u) {
    char buf[96];
    if (!u.is_estimate) {
        std::snprintf(buf, sizeof buf, "%s", u.event.c_str());
        return buf;
    }
    const auto& e = u.estimate;
    std::snprintf(buf, sizeof buf, "%+5.0f ms %s", e.search.offset_ms,
                  e.search.reliable ? syncdsp::sync::to_string(e.judged.kind) : "(unreliable)");
    return buf;
}

// "5", "5s", "500ms" -> seconds (a bare number is seconds here: stream durations), in (0, max_s].
double parse_seconds(const std::string& option, const std::string& text, double max_s) {
    const bool bare = !text.empty() && (std::isdigit(static_cast<unsigned char>(text.back())) || text.back() == '.');
    const double s = bare ? syncdsp::cli::arguments::parse_number(option, text)
                          : syncdsp::cli::parse_duration_ms(option, text) / 1000.0;
    if (!(s > 0) || s > max_s)
        throw syncdsp::cli::usage_error("option " + option + " must be > 0 and at most " +
                                        std::to_string(static_cast<long long>(max_s)) + " s, got '" + text + "'");
    return s;
}

// Ctrl-C, kill: the decoder ends its ffmpeg (which would otherwise outlive us, e.g. blocked on a
// UDP socket) and the monitor returns normally.
void on_stop_signal(int) { syncdsp::io::stop_live_decoders(); }

int run(const std::vector<std::string>& args) {
    using namespace syncdsp;
    cli::arguments a(args, {"--window", "--hop", "--max-offset", "--tolerance", "--roi", "--duration", "--stall",
                            "--format", "--alert", "--alert-after", "--faces", "--face", "--models"},
                     {"--jsonl", "--realtime", "--quiet", "--help"});
    if (a.flag("--help")) {
        std::cout << help;
        return 0;
    }
    if (a.positional().size() != 1) throw cli::usage_error("expected exactly one INPUT argument");
    const std::string input = a.positional()[0];
    auto opt = pipeline::LiveOptions::standard();
    if (auto v = a.value("--window")) opt.online.window_s = parse_seconds("--window", *v, 60);
    if (auto v = a.value("--hop")) opt.online.hop_s = parse_seconds("--hop", *v, 60);
    if (opt.online.window_s < 1) throw cli::usage_error("option --window must be at least 1s");
    if (opt.online.hop_s > opt.online.window_s) throw cli::usage_error("option --hop must not exceed --window");
    opt.online.first_window_s = std::min(opt.online.first_window_s, opt.online.window_s);
    opt.online.recent_window_s = std::min(opt.online.recent_window_s, opt.online.window_s);
    if (auto v = a.value("--max-offset"))
        opt.online.search.max_offset_ms = cli::parse_positive_duration_ms("--max-offset", *v, 10e3);
    if (auto v = a.value("--tolerance")) opt.online.tolerance = sync::ToleranceProfile::parse(*v);
    if (auto v = a.value("--roi")) opt.mouth_box = cli::parse_box("--roi", *v);
    if (auto v = a.value("--faces")) {
        if (*v == "auto") opt.faces = pipeline::live_face_mode::automatic;
        else if (*v == "on") opt.faces = pipeline::live_face_mode::on;
        else if (*v == "off") opt.faces = pipeline::live_face_mode::off;
        else throw cli::usage_error("option --faces expects auto, on or off, got '" + *v + "'");
        if (*v == "on" && opt.mouth_box) throw cli::usage_error("option --faces on contradicts --roi");
    }
    if (auto v = a.value("--face")) {
        if (*v != "speaker" && *v != "largest" && v->find_first_not_of("0123456789") != std::string::npos)
            throw cli::usage_error("option --face expects speaker, largest or a face id, got '" + *v + "'");
        if (v->empty() || v->size() > 9) throw cli::usage_error("option --face: bad face id '" + *v + "'");
        opt.face = pipeline::LiveFaceChoice::parse(*v);
    }
    if (auto v = a.value("--models")) opt.face_tracking.faces.models_dir = *v;
    if (auto v = a.value("--duration")) opt.duration_s = parse_seconds("--duration", *v, 1e7);
    if (auto v = a.value("--stall")) opt.decode.stall_s = parse_seconds("--stall", *v, 3600);
    if (auto v = a.value("--format")) opt.decode.input_options = {"-f", *v};
    opt.decode.realtime = a.flag("--realtime");
    alert_state alerts;
    if (auto v = a.value("--alert-after")) {
        const double n = cli::arguments::parse_number("--alert-after", *v);
        if (n < 1 || n > 1000 || n != std::floor(n))
            throw cli::usage_error("option --alert-after expects a whole number in 1..1000, got '" + *v + "'");
        alerts.needed = std::size_t(n);
        if (!a.value("--alert")) throw cli::usage_error("option --alert-after needs --alert");
    }
    std::optional<alert_runner> alert;
    if (auto v = a.value("--alert")) alert.emplace(*v, input);
    if (input != "-" && !io::is_url(input) && !a.value("--format") && access(input.c_str(), R_OK) != 0)
        throw cli::usage_error("cannot read INPUT '" + input + "'");
    opt.validate();

    const bool terminal = isatty(STDOUT_FILENO) && !a.flag("--jsonl");
    const bool status_on_stderr = !terminal && !a.flag("--quiet") && isatty(STDERR_FILENO);
    std::deque<std::string> history;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
    pipeline::live_monitor monitor(input, opt);
    monitor.run([&](const pipeline::live_update& u) {
        if (!terminal) std::cout << to_json(u).dump() << std::endl;
        if (alert && u.is_estimate)
            if (const char* kind = alerts.step(u.estimate.judged, u.estimate.search.reliable)) {
                alert->fire(kind, u);
                if (!terminal) {
                    nlohmann::json j = {{"event", "alert"}, {"message", std::string("alert command run: ") + kind},
                                        {"t_s", std::round(u.t_s * 1000.0) / 1000.0}};
                    std::cout << j.dump() << std::endl;
                }
            }
        if (terminal || status_on_stderr) {
            history.push_back(u.is_estimate ? (u.estimate.search.reliable
                                                   ? (u.estimate.judged.kind == sync::verdict_kind::in_sync ? "=" : "!")
                                                   : "?")
                                            : ".");
            if (history.size() > 30) history.pop_front();
            std::string h;
            for (const auto& s : history) h += s;
            char line[256];
            std::snprintf(line, sizeof line, "\r%8.1f s  %-28s  [%-30s]  ", u.t_s, short_text(u).c_str(), h.c_str());
            auto& out = terminal ? std::cout : std::cerr;
            out << line << std::flush;
            if (!u.is_estimate && u.event != "no speech" && u.event != "no face" && u.event != "no estimate" &&
                u.event != "several faces")
                out << "\n" << u.event << ": " << u.message << "\n" << std::flush;
        }
        return true;
    });
    if (terminal || status_on_stderr) (terminal ? std::cout : std::cerr) << "\n";
    return 0;
}

syncdsp::cli::command_registration reg("monitor", "measure the offset of a live stream continuously (audio late > 0)",
                                       run);

}  // namespace
}  // namespace cmd_monitor
