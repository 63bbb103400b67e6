// apps/cmd_sync.cpp - `syncdsp sync VIDEO`: measure the audio-video offset.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli.hpp"
#include "options.hpp"
#include "html_report.hpp"
#include "plot.hpp"
#include "report_json.hpp"
#include "syncdsp/io/file.hpp"
#include "sync_engine.hpp"

namespace cmd_sync {
namespace {

const char* help = R"(usage: syncdsp sync VIDEO [options]

Measures how far the audio of a video of a person speaking leads or lags the picture, from the
content itself: mouth motion (optical flow in the mouth region, the mouth's aspect ratio) against
the rate of change of speech-band energy and of the recognised phones, over a range of lags.

Prints the answer in words, with a 90 % interval and a verdict against a tolerance, e.g.
  audio 240 ms late (+160..+320 ms): out of tolerance (ITU-R BT.1359 detectability) - run syncdsp fix
  confidence 9.1: the peak stands 9.1 standard deviations above the peaks of 99 chance alignments ...
offset > 0 means the audio is late (heard after the lips move); fix it with `syncdsp fix`.
An answer that is not reliable ("can't tell") has the whole searched range as its interval.

options:
  --json               print one JSON object instead (offset_ms, raw_offset_ms, interval_ms,
                       verdict {kind, certain, reason, text}, tolerance, confidence, p_value,
                       reliable, rival_offset_ms, segments, windows, curve, timings_ms,
                       tracks [{id, start_s, end_s, box [x,y,w,h], offset_ms, interval_ms,
                       score, reliable, speaker}], face_choice, shot_cuts_s, ...)
  --tolerance T        itu (default: ITU-R BT.1359 detectability, 45 ms early / 125 ms late),
                       ebu (EBU R37, 40/60), atsc (ATSC IS-191, 15/45) or EARLY,LATE in ms
  --max-offset D       search range +-D (default 2000ms; accepts 500ms, 1.5s or a number of ms;
                       at most 60s)
  --calibration C      speech-lead (default: remove the lips' lead over the sound, measured on
                       real in-sync speech), none (the cues' raw estimate) or a FILE.json written
                       by scripts/fit_calibration.py
  --roi x,y,w,h        the mouth region in frame pixels (fixed for the whole video)
  --landmarks FILE     68- (or 20-) point landmarks per frame: CSV `frame,x0,y0,...`, JSON or
                       OpenFace 2 CSV (e.g. from `syncdsp faces VIDEO -o lm.csv`)
  --faces auto|on|off  find the mouth with the face-api networks (default auto: when their model
                       files are installed - scripts/get_models.sh - and no --roi/--landmarks is
                       given). With landmarks the mouth box follows the face and the outer mouth
                       aspect ratio is fused in as a second cue.
  --face F             which face when there are several: speaker (default: every face is
                       tracked and searched; the one whose mouth explains the sound is used; a
                       tie is reported, not guessed), largest (the largest face of each frame,
                       the single-face path) or a face id as --json `tracks` lists them
  --tiles auto|on|off  small faces in big frames: the face detector also runs on overlapping
                       624-px tiles (the full grid every 50 frames, and one tile around each small
                       face it follows), so faces down to about 80 px are found (e.g. a 1920x1080
                       debate stage, where the whole frame finds faces from ~250 px). auto
                       (default): in frames of 1560 px or more (1080p and up); on: also from 780
                       px (e.g. 1280x720); off: the whole frame only
  --save-landmarks F   write the landmarks used to F (CSV), e.g. to re-use them with --landmarks
  --models DIR         directory of the face-api model files (default $SYNCDSP_MODELS, then
                       ~/.local/share/syncdsp/models)
  --phones auto|on|off add the phone cue: pocketsphinx's English phone recogniser, each phone's
                       expected mouth openness, differenced (default auto: on when the recogniser
                       is built in, its model is installed and the audio sounds like speech)
  --face-crop          no face networks: the lower centre of the frame (a tight face crop); this is
                       also what a square-ish video gets when the networks are unavailable
  --track D            sliding windows of D (default 5s, hop D/2); print each window's answer
                       (with several faces: the face it comes from)
  --hop D              hop between windows (default: half the window)
  --plot FILE          draw the correlation curve to FILE (.svg or .png); the SVG also shows the
                       audio cues over time (energy change and, with --phones, phone openness).
                       The name and its directory are checked before anything is decoded.
  --report FILE.html   write a self-contained HTML report (the answer in words, the numbers,
                       and the charts of --plot); checked before anything is decoded
  --quiet              no progress messages on stderr
  --help               this text

The clip is always also searched in 5 s windows: when they disagree by more than the tolerance
allows (a jump or a drift), the answer is "can't tell" and names the stretches.
confidence: how many standard deviations the correlation peak stands above the peaks of 99
surrogates (the same audio cues time-reversed and rotated: no true alignment). reliable: the peak
beats every surrogate (p <= 0.01), is not at the edge of the range, and the windows agree.
exit status: 0 = measured, 1 = error (bad input, no audio/video stream, no offset found),
2 = usage error.
)";

int run(const std::vector<std::string>& args) {
    using namespace syncdsp;
    cli::arguments a(args, {"--max-offset", "--roi", "--track", "--hop", "--plot", "--report", "--landmarks", "--faces", "--face", "--models",
                            "--phones", "--save-landmarks", "--tolerance", "--calibration", "--tiles"},
                     {"--json", "--face-crop", "--quiet", "--help"});
    if (a.flag("--help")) {
        std::cout << help;
        return 0;
    }
    if (a.positional().size() != 1) throw cli::usage_error("expected exactly one VIDEO argument");
    const std::string path = a.positional()[0];
    auto opt = pipeline::ClassicOptions::standard();
    // Every option and output is checked here, before anything is decoded.
    if (auto v = a.value("--roi")) {
        opt.mouth_box = cli::parse_box("--roi", *v);
        opt.source = pipeline::mouth_source::box;
    } else if (a.flag("--face-crop")) {
        opt.source = pipeline::mouth_source::face_crop;
    }
    if (auto v = a.value("--models")) opt.face.models_dir = *v;
    if (auto v = a.value("--save-landmarks")) {
        io::check_output_path("--save-landmarks", *v);
        opt.save_landmarks_path = *v;
    }
    cli::apply_cue_options(a, opt);
    if (auto v = a.value("--tiles")) {
        const auto m = cli::parse_tiles(*v);
        opt.tracks.tiles = m == cli::tiles_mode::on    ? nn::FaceTileOptions::always()
                           : m == cli::tiles_mode::off ? nn::FaceTileOptions::off()
                                                       : nn::FaceTileOptions::standard();
    }
    if (auto v = a.value("--track")) opt.search.window_s = cli::parse_positive_duration_ms("--track", *v, 3600e3) / 1000.0;
    if (auto v = a.value("--hop")) {
        if (!a.value("--track")) throw cli::usage_error("option --hop needs --track");
        opt.search.hop_s = cli::parse_positive_duration_ms("--hop", *v, 3600e3) / 1000.0;
    }
    if (auto v = a.value("--plot")) cli::check_plot_path("--plot", *v);
    if (auto v = a.value("--report")) io::check_output_path("--report", *v);
    const bool progress = !a.flag("--quiet") && isatty(STDERR_FILENO);
    if (progress) std::cerr << "syncdsp sync: decoding and analysing " << path << " ...\r" << std::flush;
    const auto report = cli::estimate_offset(path, opt);
    if (progress) std::cerr << std::string(60 + path.size(), ' ') << "\r" << std::flush;
    if (auto plot = a.value("--plot")) cli::write_curve_plot(*plot, report, path);
    if (auto html = a.value("--report")) cli::write_single_report(*html, report, path);
    if (a.flag("--json")) {
        std::cout << cli::to_json(report, path).dump() << "\n";
    } else {
        std::cout << cli::headline(report) << "\n";
        if (report.valid) std::cout << cli::confidence_line(report) << "\n";
        if (const auto faces = cli::faces_line(report); !faces.empty()) std::cout << faces << "\n";
        for (const auto& n : report.notes) std::cout << "note: " << n << "\n";
        if (a.value("--track")) {
            for (const auto& wr : report.windows) {
                const auto& w = wr.estimate;
                char line[200];
                if (!w.valid)
                    std::snprintf(line, sizeof line, "  %7.2f-%7.2f s  no answer (no valid data)\n", w.start_s, w.end_s);
                else
                    std::snprintf(line, sizeof line, "  %7.2f-%7.2f s  %+7.0f ms (%+.0f..%+.0f)  confidence %4.1f%s%s\n",
                                  w.start_s, w.end_s, w.offset_ms, wr.interval_lo_ms, wr.interval_hi_ms,
                                  w.significance.confidence, w.reliable ? "" : "  (unreliable)",
                                  wr.ambiguous ? "  two faces tie"
                                  : wr.face >= 0 ? ("  face " + std::to_string(wr.face)).c_str()
                                                 : "");
                std::cout << line;
            }
        }
    }
    return report.valid ? 0 : 1;
}

syncdsp::cli::command_registration reg("sync", "measure the audio-video offset of a video (audio late > 0)", run);

}  // namespace
}  // namespace cmd_sync
