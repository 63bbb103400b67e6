// apps/cmd_fix.cpp - `syncdsp fix VIDEO -o OUT`: measure (or take) the offset, write a corrected
// copy without re-encoding, then measure the copy and report what is left.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>

#include "cli.hpp"
#include "fix_decision.hpp"
#include "options.hpp"
#include "report_json.hpp"
#include "syncdsp/io/remux.hpp"
#include "sync_engine.hpp"

namespace cmd_fix {
namespace {

const char* help = R"(usage: syncdsp fix VIDEO -o OUT [options]

Measures the audio-video offset of VIDEO (as `syncdsp sync` does), then writes OUT with the audio
shifted by -offset so that picture and sound line up. Nothing is re-encoded (ffmpeg stream copy).
Finally OUT is measured again and the residual offset is checked against the tolerance.

Do no harm: fix shifts only when the measurement is reliable, out of tolerance, and its whole 90 %
interval is out of tolerance too. Otherwise it says why and writes nothing: the file is already in
sync (exit 0), the answer is not reliable, the interval reaches into the tolerance, or the offset
changes within the clip (the segments are listed; one shift cannot fix that). --force writes
anyway (except for an offset that changes); --offset applies a given offset without measuring.

Safety: everything about OUT and the options is checked before anything is measured. OUT must
not be VIDEO itself (compared as files: ./x, symbolic and hard links count as the same file); its
directory must exist and be writable; its extension must be .mp4 .m4v .mov .mkv .webm or .ts
(containers that keep the shifted timestamps; .avi does not), and that container must hold
VIDEO's streams as they are (a trial copy of two packets of each stream must read back with the
same codecs; .mkv holds any codec). OUT is written to a temporary file beside it
(STEM.syncdsp-tmp-PID.EXT) and renamed only on success, so an existing OUT is replaced whole or
not at all. On Ctrl-C (SIGINT), SIGTERM, SIGHUP or SIGQUIT during the remux, ffmpeg is stopped
and the temporary file removed before syncdsp ends, killed by that signal (a shell reports 128+N,
130 for Ctrl-C).

options:
  -o, --output OUT     the corrected file (required; a different file from VIDEO)
  --offset D           do not measure: apply this offset (e.g. 120ms, -0.2s; > 0 = audio late;
                       smaller than VIDEO's duration)
  --force              write the file even when the rule above declines (not when the offset
                       changes within the clip)
  --tolerance T        itu (default), ebu, atsc or EARLY,LATE in ms (see syncdsp sync --help)
  --calibration C      speech-lead (default), none, or FILE.json (see syncdsp sync --help)
  --max-offset D       search range (default 2000ms, at most 60s)
  --roi x,y,w,h        mouth region in frame pixels (see syncdsp sync --help)
  --face-crop          treat the video as a tight face crop
  --landmarks FILE     landmarks per frame (see syncdsp sync --help)
  --faces auto|on|off  use the face-api networks to find the mouth (default auto)
  --phones auto|on|off use the phone cue (default auto)
  --no-verify          skip the re-measurement of OUT (exit status 0 once written)
  --json               print a JSON object: {"measured": ..., "decision", "applied_shift_ms",
                       "output", "residual": ..., "residual_check", "tolerance"}
  --help               this text

residual check: OUT is in sync when its re-measured offset is within the tolerance (by default
ITU-R BT.1359 detectability: audio at most 45 ms early and at most 125 ms late). residual_check in
the JSON is within_tolerance, out_of_tolerance, could_not_verify or skipped (--no-verify).

exit status: 0 = written and verified in sync (or written with --no-verify), or nothing written
  because VIDEO is already in sync;
  1 = error, or declined (not reliable, uncertain, or an offset that changes; nothing written);
  2 = usage error (nothing written);
  3 = written, but the residual is out of tolerance (OUT is kept so it can be inspected);
  4 = written, but the residual could not be measured reliably (could not verify);
  128+N = ended by signal N (nothing written, no temporary file left).
)";

// Exit statuses beyond main's 0/1/2 (see the help text).
constexpr int exit_out_of_tolerance = 3;
constexpr int exit_not_verified = 4;

int run(const std::vector<std::string>& args) {
    using namespace syncdsp;
    cli::arguments a(args, {"-o", "--output", "--offset", "--max-offset", "--roi", "--landmarks", "--faces", "--phones",
                            "--tolerance", "--calibration"},
                     {"--force", "--face-crop", "--no-verify", "--json", "--help"});
    if (a.flag("--help")) {
        std::cout << help;
        return 0;
    }
    // Everything below up to the measurement only checks: options, then OUT, then the input's
    // streams against OUT's container. Nothing is decoded until all of it passed.
    if (a.positional().size() != 1) throw cli::usage_error("expected exactly one VIDEO argument");
    const std::string in = a.positional()[0];
    if (a.value("-o") && a.value("--output")) throw cli::usage_error("give -o or --output, not both");
    const std::string out_option = a.value("-o") ? "-o" : "--output";
    const auto out = a.value("-o") ? a.value("-o") : a.value("--output");
    if (!out) throw cli::usage_error("missing -o OUT");
    auto opt = pipeline::ClassicOptions::standard();
    if (auto v = a.value("--roi")) {
        opt.mouth_box = cli::parse_box("--roi", *v);
        opt.source = pipeline::mouth_source::box;
    } else if (a.flag("--face-crop")) {
        opt.source = pipeline::mouth_source::face_crop;
    }
    cli::apply_cue_options(a, opt);
    std::optional<double> given_offset_ms;
    if (auto v = a.value("--offset")) given_offset_ms = cli::parse_duration_ms("--offset", *v);
    {
        const std::string ext = io::lower_extension(*out);
        const auto& exts = io::remux_extensions();
        if (std::find(exts.begin(), exts.end(), ext) == exts.end()) {
            std::string list;
            for (const auto& e : exts) list += " " + e;
            const std::string what =
                ext.empty() ? std::string("no extension") : "extension " + ext + " is not a video container fix writes";
            throw cli::usage_error("option " + out_option + " '" + *out + "': " + what + "; use one of" + list);
        }
    }
    io::check_not_same_file(in, *out);  // before anything reads the input
    const io::media_info info = io::check_remux_output(in, *out, out_option);
    if (given_offset_ms && info.duration_s > 0 && std::fabs(*given_offset_ms) >= info.duration_s * 1000.0) {
        char msg[200];
        std::snprintf(msg, sizeof msg, "option --offset %.0f ms is not smaller than the duration of VIDEO (%.0f ms)",
                      *given_offset_ms, info.duration_s * 1000.0);
        throw cli::usage_error(msg);
    }

    nlohmann::json j;
    double offset_ms = 0;
    if (given_offset_ms) {
        offset_ms = *given_offset_ms;
        j["measured"] = nullptr;
    } else {
        const auto r = cli::estimate_offset(in, opt);
        j["measured"] = cli::to_json(r, in);
        if (!a.flag("--json")) std::cout << "measured: " << cli::headline(r) << "\n";
        using cli::decision;
        const decision d = cli::decide(r);
        j["decision"] = cli::to_string(d);
        std::string why;
        if (d == decision::changes)
            why = "the offset changes within the clip (see the segments above); one shift cannot fix it - cut the "
                  "file at the change and fix each part, or give --offset";
        else if (!r.valid)
            why = "no offset was found";
        else if (d == decision::cant_tell)
            why = "the measurement is not reliable";
        else if (d == decision::in_sync)
            why = "the file is already in sync within " + r.tolerance.to_string();
        else if (d == decision::uncertain)
            why = "the interval reaches into the tolerance, so shifting could make it worse";
        const bool forced = a.flag("--force") && r.valid && d != decision::changes;
        if (d != decision::shift && !forced) {
            std::cerr << "syncdsp fix: nothing written: " << why
                      << (d == decision::in_sync || d == decision::changes || !r.valid
                              ? ""
                              : " (--force writes anyway, --offset gives the offset)")
                      << "\n";
            if (a.flag("--json")) std::cout << j.dump() << "\n";
            return d == decision::in_sync ? 0 : 1;
        }
        offset_ms = r.offset_ms;
    }
    io::remux_with_audio_shift(in, *out, -offset_ms);
    j["applied_shift_ms"] = -offset_ms;
    j["output"] = *out;
    j["tolerance"] = {{"name", opt.tolerance.name}, {"source", opt.tolerance.source},
                      {"early_ms", opt.tolerance.early_ms}, {"late_ms", opt.tolerance.late_ms}};
    if (!a.flag("--json")) {
        char line[200];
        std::snprintf(line, sizeof line, "wrote %s with the audio moved by %+.0f ms", out->c_str(), -offset_ms);
        std::cout << line << "\n";
    }
    int status = 0;
    if (a.flag("--no-verify")) {
        j["residual_check"] = "skipped";
    } else {
        const auto r2 = cli::estimate_offset(*out, opt);
        j["residual"] = cli::to_json(r2, *out);
        if (!a.flag("--json")) std::cout << "residual: " << cli::headline(r2) << "\n";
        char msg[400];
        if (!r2.valid || !r2.reliable) {
            // An unreliable residual proves nothing either way: say so rather than claim success.
            j["residual_check"] = "could_not_verify";
            std::snprintf(msg, sizeof msg,
                          "syncdsp fix: could not verify %s: its re-measured offset is not reliable, so whether it "
                          "is in sync is unknown (exit status %d)",
                          out->c_str(), exit_not_verified);
            status = exit_not_verified;
        } else if (!opt.tolerance.contains(r2.offset_ms)) {
            j["residual_check"] = "out_of_tolerance";
            std::snprintf(msg, sizeof msg,
                          "syncdsp fix: %s is NOT in sync: its residual offset %+.0f ms is outside %s; the file is "
                          "kept for inspection (exit status %d)",
                          out->c_str(), r2.offset_ms, opt.tolerance.to_string().c_str(), exit_out_of_tolerance);
            status = exit_out_of_tolerance;
        } else {
            j["residual_check"] = "within_tolerance";
        }
        if (status != 0) std::cerr << msg << "\n";
    }
    if (a.flag("--json")) std::cout << j.dump() << "\n";
    return status;
}

syncdsp::cli::command_registration reg("fix", "write a copy of a video with the audio re-aligned (no re-encode)", run);

}  // namespace
}  // namespace cmd_fix
