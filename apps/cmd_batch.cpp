// apps/cmd_batch.cpp - `syncdsp batch INPUTS... -o results.jsonl`: measure many files, each in its
// own worker process, resumably, one JSON line per file.
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "batch_line.hpp"
#include "cli.hpp"
#include "fix_decision.hpp"
#include "options.hpp"
#include "report_json.hpp"
#include "syncdsp/io/content_key.hpp"
#include "syncdsp/io/input_list.hpp"
#include "syncdsp/io/jsonl.hpp"
#include "syncdsp/io/remux.hpp"
#include "syncdsp/core/parallel.hpp"
#include "sync_engine.hpp"

namespace cmd_batch {
namespace {

const char* help = R"(usage: syncdsp batch INPUTS... -o RESULTS.jsonl [options]

Measures the audio-video offset of many files, as `syncdsp sync` does for one, and appends one
JSON line per file to RESULTS.jsonl. INPUTS are files, directories (searched recursively for
.mp4 .m4v .mov .mkv .webm .avi .ts .mpg .mpeg .flv), @LIST (a file of paths, one a line; blank
lines and #comments skipped) or - (the paths on standard input). The list is sorted by path with
duplicates removed, so every run, and every shard, sees the same order.

Each line: {"file", "size", "content_key", "options_key", "tool", "options", "status": "ok" or
"error", "result": (what sync --json prints, plus "audio_cues"), "error": {"id", "message"},
"fix" (with --fix-to), "timings_ms"}. `syncdsp report RESULTS.jsonl` summarises, merges shards
and writes an HTML report.

Resume: a file whose content key (its bytes) and options key (the options that change the
answer, and the tool version) already have a line in RESULTS.jsonl is skipped, so a rerun after a
crash, a kill -9 or a Ctrl-C continues where it stopped; a renamed or moved file is not measured
again. Each line is written in one append and synced, so a crash loses at most the files being
measured. With --jobs 1 the lines are in the order of the list; with more jobs in the order the
files finish (`syncdsp report --merge` puts them in order).

Fault isolation: every file is measured in its own process, so a corrupt, faceless or silent file
(or one that crashes the decoder) gives its error line, with the error id, and the batch goes on.

options:
  -o, --output FILE    the results file (JSONL; created, or appended to and resumed)
  --jobs N             files measured at once, each in its own process (default 1)
  --threads N          threads per file (default: the cores divided by --jobs, at least 1)
  --shard K/N          only the files at positions K, K+N, K+2N, ... of the sorted list
                       (0 <= K < N), e.g. --shard $SLURM_ARRAY_TASK_ID/16; the N shards together
                       cover every file once
  --fix-to DIR         write a corrected copy of each file that `syncdsp fix` would correct
                       (reliable, out of tolerance, whole interval out of tolerance, one offset) to
                       DIR/NAME (NAME: the path under the directory it was found in, else its file
                       name), then re-measure it; the line's "fix" says what was done
  --tolerance T        itu (default), ebu, atsc or EARLY,LATE in ms (see syncdsp sync --help)
  --max-offset D       search range (default 2000ms, at most 60s)
  --calibration C      speech-lead (default), none, or FILE.json (see syncdsp sync --help)
  --faces auto|on|off  find the mouth with the face-api networks (default auto)
  --models DIR         directory of the face-api model files
  --phones auto|on|off the phone cue (default auto)
  --face-crop          treat every video as a tight face crop (no face networks)
  --quiet              nothing on stderr (no progress bar, no per-file lines)
  --help               this text

progress: on a terminal, a bar with the count, the rate and the time left; otherwise one line per
file on stderr (unless --quiet). The summary goes to standard output.
exit status: 0 = every listed file has a result line without error (in this run or before),
1 = at least one file failed (its line says why) or the results file cannot be written,
2 = usage error.
)";

using nlohmann::json;
namespace fs = std::filesystem;

struct batch_settings {
    syncdsp::pipeline::ClassicOptions options;
    std::string options_key, options_text;
    std::string fix_dir;  // empty: no --fix-to
};

double since_ms(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// The corrected copy of one file under fix's do-no-harm rule, and its re-measurement.
json fix_one(const syncdsp::io::input_file& f, const syncdsp::pipeline::offset_report& r, const batch_settings& s) {
    using namespace syncdsp;
    const cli::decision d = cli::decide(r);
    json j = {{"decision", cli::to_string(d)}};
    if (d != cli::decision::shift) return j;
    const std::string out = (fs::path(s.fix_dir) / f.relative).string();
    j["output"] = out;
    try {
        fs::create_directories(fs::path(out).parent_path());
        const std::string ext = io::lower_extension(out);
        const auto& exts = io::remux_extensions();
        if (std::find(exts.begin(), exts.end(), ext) == exts.end())
            detail::throw_invalid_argument("batch", "fix writes only ", "mp4/m4v/mov/mkv/webm/ts, not '", ext, "'");
        io::check_not_same_file(f.path, out);
        io::check_remux_output(f.path, out, "--fix-to");
        io::remux_with_audio_shift(f.path, out, -r.offset_ms);
        j["applied_shift_ms"] = cli::round_to(-r.offset_ms, 0.01);
        const auto r2 = cli::estimate_offset(out, s.options);
        j["residual_offset_ms"] = cli::round_to(r2.offset_ms, 0.01);
        j["residual_check"] = !r2.valid || !r2.reliable                  ? "could_not_verify"
                              : s.options.tolerance.contains(r2.offset_ms) ? "within_tolerance"
                                                                           : "out_of_tolerance";
    } catch (const std::exception& e) {
        j["error"] = {{"id", cli::error_id_of(e.what())}, {"message", e.what()}};
    }
    return j;
}

// The line of one file (in the worker process). Never throws: errors become the line's "error".
json measure_one(const syncdsp::io::input_file& f, const batch_settings& s) {
    using namespace syncdsp;
    const auto t0 = std::chrono::steady_clock::now();
    json line = {{"file", f.path}, {"status", "ok"}};
    try {
        const auto r = cli::estimate_offset(f.path, s.options);
        const double measure_ms = since_ms(t0);
        json result = cli::to_json(r, f.path);
        result["audio_cues"] = cli::audio_cues_json(r);
        line["result"] = result;
        if (!s.fix_dir.empty()) line["fix"] = fix_one(f, r, s);
        line["timings_ms"] = {{"measure", std::round(measure_ms * 10) / 10}};
    } catch (const std::exception& e) {
        line["status"] = "error";
        line["error"] = {{"id", cli::error_id_of(e.what())}, {"message", e.what()}};
        line.erase("result");
    }
    return line;
}

// A running worker: the child's pid and the read end of its pipe.
struct worker {
    pid_t pid = -1;
    int fd = -1;
    std::size_t item = 0;
    std::string out;
    std::chrono::steady_clock::time_point started;
};

std::string format_duration(double s) {
    char buf[32];
    if (!std::isfinite(s) || s < 0) return "?";
    if (s < 60) std::snprintf(buf, sizeof buf, "%.0fs", s);
    else if (s < 3600) std::snprintf(buf, sizeof buf, "%dm%02ds", int(s / 60), int(s) % 60);
    else std::snprintf(buf, sizeof buf, "%dh%02dm", int(s / 3600), int(s / 60) % 60);
    return buf;
}

int run(const std::vector<std::string>& args) {
    using namespace syncdsp;
    cli::arguments a(args, {"-o", "--output", "--jobs", "--threads", "--shard", "--fix-to", "--tolerance", "--max-offset",
                            "--calibration", "--faces", "--models", "--phones"},
                     {"--face-crop", "--quiet", "--help"});
    if (a.flag("--help")) {
        std::cout << help;
        return 0;
    }
    if (a.positional().empty()) throw cli::usage_error("expected at least one input (file, directory, @LIST or -)");
    if (a.value("-o") && a.value("--output")) throw cli::usage_error("give -o or --output, not both");
    const auto out = a.value("-o") ? a.value("-o") : a.value("--output");
    if (!out) throw cli::usage_error("missing -o RESULTS.jsonl");
    io::check_output_path(a.value("-o") ? "-o" : "--output", *out);
    auto whole_number = [&](const char* name, long lo, long hi, long fallback) {
        const double x = a.number_or(name, double(fallback));
        if (x != std::floor(x) || x < double(lo) || x > double(hi))
            throw cli::usage_error(std::string("option ") + name + " takes a whole number in " + std::to_string(lo) +
                                   ".." + std::to_string(hi) + ", got '" + a.value_or(name, "") + "'");
        return long(x);
    };
    const long jobs = whole_number("--jobs", 1, 256, 1);
    const long threads = whole_number("--threads", 1, 256, std::max<long>(1, long(default_thread_count()) / jobs));
    io::shard_spec shard;
    if (auto v = a.value("--shard")) {
        try {
            shard = io::shard_spec::parse(*v);
        } catch (const syncdsp::error& e) {
            throw cli::usage_error(std::string("option --shard: ") + e.what());
        }
    }
    batch_settings s;
    s.options = pipeline::ClassicOptions::standard();
    if (a.flag("--face-crop")) s.options.source = pipeline::mouth_source::face_crop;
    if (auto v = a.value("--models")) s.options.face.models_dir = *v;
    cli::apply_cue_options(a, s.options);
    s.options.validate();
    if (auto v = a.value("--fix-to")) {
        s.fix_dir = *v;
        std::error_code ec;
        fs::create_directories(s.fix_dir, ec);
        if (!fs::is_directory(s.fix_dir)) detail::throw_io_error("output", "--fix-to '", s.fix_dir, "' is not a directory");
        io::check_output_path("--fix-to", (fs::path(s.fix_dir) / "x").string());
    }
    // The options key leaves out what cannot change an answer (threads, where the models live).
    {
        auto keyed = s.options;
        keyed.mouth.threads = 0;
        keyed.face.models_dir.clear();
        s.options_text = cli::tool_version() + " " + keyed.to_string() + (s.fix_dir.empty() ? "" : " fix-to");
        s.options_key = io::content_key(s.options_text.data(), s.options_text.size());
    }
    s.options.mouth.threads = unsigned(threads);
    const bool quiet = a.flag("--quiet");
    const bool bar = !quiet && isatty(STDERR_FILENO);

    const auto all = io::list_inputs(a.positional());
    const auto files = io::take_shard(all, shard);

    // What is already done: the resume keys of the lines in the results file.
    std::map<std::string, bool> done;  // resume key -> failed
    bool torn = false;
    for (const auto& text : io::read_jsonl_lines(*out, &torn)) {
        try {
            const json line = json::parse(text);
            const bool fix_failed = line.contains("fix") && line["fix"].contains("error");
            done[cli::resume_key(line)] = line.value("status", std::string()) != "ok" || fix_failed;
        } catch (const json::exception&) {
            // A line that is not JSON was not written by batch: keep it, skip nothing for it.
        }
    }
    if (torn && !quiet) std::cerr << "syncdsp batch: the last line of " << *out << " was torn (a crash?); it is dropped\n";
    io::jsonl_appender results(*out);

    std::size_t skipped = 0, failed_before = 0, failed = 0, measured = 0;
    std::vector<std::pair<std::size_t, std::string>> todo;  // item, content key
    std::set<std::string> queued;
    for (std::size_t i = 0; i < files.size(); ++i) {
        std::string key;
        try {
            key = io::file_content_key(files[i].path);
        } catch (const syncdsp::error&) {
            // Unreadable: the worker reports it with its id.
        }
        const std::string rk = (key.empty() ? "path:" + files[i].path : key) + "|" + s.options_key;
        auto it = done.find(rk);
        if (it != done.end()) {
            ++skipped;
            if (it->second) ++failed_before;
            continue;
        }
        if (!queued.insert(rk).second) {
            ++skipped;  // the same bytes under another name in this list: measured once
            continue;
        }
        todo.emplace_back(i, key);
    }

    const auto t0 = std::chrono::steady_clock::now();
    std::vector<worker> running;
    std::size_t next = 0;
    auto progress = [&](const std::string& last) {
        const std::size_t finished = measured + failed;
        if (bar) {
            const double el = since_ms(t0) / 1000.0;
            const double rate = finished > 0 ? finished / el : 0;
            const double eta = rate > 0 ? double(todo.size() - finished) / rate : NAN;
            const int width = 24;
            const int filled = todo.empty() ? width : int(width * finished / todo.size());
            char buf[200];
            std::snprintf(buf, sizeof buf, "\r[%s%s] %zu/%zu  %.1f files/min  ETA %s  %zu failed ", std::string(filled, '#').c_str(),
                          std::string(width - filled, '.').c_str(), finished, todo.size(), rate * 60,
                          format_duration(eta).c_str(), failed);
            std::cerr << buf << std::flush;
        } else if (!quiet && !last.empty()) {
            std::cerr << "syncdsp batch: " << finished << "/" << todo.size() << " " << last << "\n";
        }
    };
    std::signal(SIGPIPE, SIG_IGN);
    auto start_worker = [&](std::size_t t) {
        int p[2];
        if (pipe(p) != 0) detail::throw_io_error("batch", "cannot create a pipe for a worker");
        std::cout.flush();
        std::cerr.flush();
        const pid_t pid = fork();
        if (pid < 0) detail::throw_io_error("batch", "cannot start a worker process");
        if (pid == 0) {
            // The worker: measure one file, send its line, and leave without running destructors.
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            close(p[0]);
            const std::size_t item = todo[t].first;
            const std::string text = measure_one(files[item], s).dump() + "\n";
            std::size_t sent = 0;
            while (sent < text.size()) {
                const ssize_t n = write(p[1], text.data() + sent, text.size() - sent);
                if (n <= 0) _exit(3);
                sent += std::size_t(n);
            }
            _exit(0);
        }
        close(p[1]);
        running.push_back({pid, p[0], t, {}, std::chrono::steady_clock::now()});
    };
    auto finish = [&](worker& w) {
        int status = 0;
        waitpid(w.pid, &status, 0);
        close(w.fd);
        const auto& [item, key] = todo[w.item];
        json line;
        try {
            line = json::parse(w.out);
        } catch (const json::exception&) {
            const std::string why = WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                                        : "ended with status " + std::to_string(WEXITSTATUS(status));
            const std::string msg = "[syncdsp.crash.batch] the worker measuring '" + files[item].path + "' " + why +
                                    " without an answer (a decoder crash or out of memory?)";
            line = {{"file", files[item].path}, {"status", "error"}, {"error", {{"id", "crash.batch"}, {"message", msg}}}};
        }
        // The bookkeeping fields come from the parent, in a fixed order of keys (nlohmann sorts them).
        line["file"] = files[item].path;
        std::error_code ec;
        const auto size = fs::file_size(files[item].path, ec);
        line["size"] = ec ? json() : json(size);
        line["content_key"] = key;
        line["options_key"] = s.options_key;
        line["options"] = s.options_text;
        line["tool"] = cli::tool_version();
        if (!line.contains("timings_ms")) line["timings_ms"] = json::object();
        line["timings_ms"]["total"] = std::round(since_ms(w.started) * 10) / 10;
        results.append(line.dump());
        const bool bad = line["status"] != "ok" || (line.contains("fix") && line["fix"].contains("error"));
        (bad ? failed : measured) += 1;
        std::string last = files[item].path + ": ";
        if (line["status"] == "ok") last += line["result"]["verdict"].value("text", std::string());
        else last += "ERROR " + line["error"].value("message", std::string());
        progress(last);
    };

    progress("");
    while (next < todo.size() || !running.empty()) {
        while (next < todo.size() && running.size() < std::size_t(jobs)) start_worker(next++);
        std::vector<pollfd> fds;
        for (const auto& w : running) fds.push_back({w.fd, POLLIN, 0});
        if (poll(fds.data(), fds.size(), 1000) < 0) {
            if (errno == EINTR) continue;
            detail::throw_io_error("batch", "poll failed");
        }
        for (std::size_t i = fds.size(); i-- > 0;) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[65536];
            const ssize_t n = read(running[i].fd, buf, sizeof buf);
            if (n > 0) {
                running[i].out.append(buf, std::size_t(n));
                continue;
            }
            finish(running[i]);
            running.erase(running.begin() + std::ptrdiff_t(i));
        }
        if (bar) progress("");
    }
    if (bar) std::cerr << "\n";
    if (!quiet) {
        std::cout << files.size() << " file(s)" << (shard.count > 1 ? " in shard " + shard.to_string() : std::string()) << ": "
                  << measured << " measured, " << failed << " failed, " << skipped << " skipped (already in " << *out
                  << (failed_before ? ", " + std::to_string(failed_before) + " of them failed" : std::string()) << ")\n";
    }
    return failed + failed_before > 0 ? 1 : 0;
}

syncdsp::cli::command_registration reg("batch", "measure many files (resumable, parallel) into one JSONL file", run);

}  // namespace
}  // namespace cmd_batch
