// apps/cmd_sync.cpp - `syncdsp sync VIDEO`: measure the audio-video offset.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli.hpp"
#include "options.hpp"
#include "plot.hpp"
#include "report_json.hpp"
#include "syncdsp/io/file.hpp"
#include "syncdsp/pipeline/classic.hpp"

namespace {

const char* help = R"(usage: syncdsp sync VIDEO [options]

Measures how far the audio of a video of a person speaking leads or lags the picture, from the
content itself: mouth motion (optical flow in the mouth region) against the rate of change of
speech-band energy, cross-correlated over a range of lags.

Prints one line, e.g.  offset +120 ms (audio late), confidence 7.9
offset_ms > 0 means the audio is late (heard after the lips move); fix it with `syncdsp fix`.

options:
  --json               print one JSON object instead (offset_ms, offset_frames, fps, confidence,
                       p_value, reliable, method, curve {lags_ms, scores}, timings_ms, windows)
  --max-offset D       search range +-D (default 2000ms; accepts 500ms, 1.5s or a number of ms;
                       at most 60s)
  --roi x,y,w,h        the mouth region in frame pixels (fixed for the whole video)
  --landmarks FILE     68- (or 20-) point landmarks per frame: CSV `frame,x0,y0,...`, JSON or
                       OpenFace 2 CSV (e.g. from `syncdsp faces VIDEO -o lm.csv`)
  --faces auto|on|off  find the mouth with the face-api networks (default auto: when their model
                       files are installed - scripts/get_models.sh - and no --roi/--landmarks is
                       given). With landmarks the mouth box follows the face and the outer mouth
                       aspect ratio is fused in as a second cue.
  --save-landmarks F   write the landmarks used to F (CSV), e.g. to re-use them with --landmarks
  --models DIR         directory of the face-api model files (default $SYNCDSP_MODELS, then
                       ~/.local/share/syncdsp/models)
  --phones auto|on|off add the phone cue: pocketsphinx's English phone recogniser, each phone's
                       expected mouth openness, differenced (default auto: on when the recogniser
                       is built in, its model is installed and the audio sounds like speech)
  --face-crop          no face networks: the lower centre of the frame (a tight face crop); this is
                       also what a square-ish video gets when the networks are unavailable
  --track D            also estimate in sliding windows of D (e.g. 5s), hop D/2
  --hop D              hop between windows (default: half the window)
  --plot FILE          draw the correlation curve to FILE (.svg or .png); the SVG also shows the
                       audio cues over time (energy change and, with --phones, phone openness).
                       The name and its directory are checked before anything is decoded.
  --quiet              no progress messages on stderr
  --help               this text

confidence: how many standard deviations the correlation peak stands above the peaks of
surrogates (the same audio cue circularly shifted far outside the search range). reliable: the
peak beats every surrogate (p <= 0.01 with 99 surrogates) and is not at the edge of the range.
exit status: 0 = measured, 1 = error (bad input, no audio/video stream, ...), 2 = usage error.
)";

int run(const std::vector<std::string>& args) {
    using namespace syncdsp;
    cli::arguments a(args, {"--max-offset", "--roi", "--track", "--hop", "--plot", "--landmarks", "--faces", "--models", "--phones", "--save-landmarks"},
                     {"--json", "--face-crop", "--quiet", "--help"});
    if (a.flag("--help")) {
        std::cout << help;
        return 0;
    }
    if (a.positional().size() != 1) throw cli::usage_error("expected exactly one VIDEO argument");
    const std::string path = a.positional()[0];
    pipeline::ClassicOptions opt;
    // Every option and output is checked here, before anything is decoded.
    if (auto v = a.value("--max-offset")) opt.max_offset_ms = cli::parse_positive_duration_ms("--max-offset", *v, 60000);
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
    if (auto v = a.value("--track")) opt.track_window_s = cli::parse_positive_duration_ms("--track", *v, 3600e3) / 1000.0;
    if (auto v = a.value("--hop")) {
        if (!a.value("--track")) throw cli::usage_error("option --hop needs --track");
        opt.track_hop_s = cli::parse_positive_duration_ms("--hop", *v, 3600e3) / 1000.0;
    }
    if (auto v = a.value("--plot")) cli::check_plot_path("--plot", *v);
    const bool progress = !a.flag("--quiet") && isatty(STDERR_FILENO);
    if (progress) std::cerr << "syncdsp sync: decoding and analysing " << path << " ...\r" << std::flush;
    const auto report = pipeline::estimate_offset(path, opt);
    if (progress) std::cerr << std::string(60 + path.size(), ' ') << "\r" << std::flush;
    if (auto plot = a.value("--plot")) cli::write_curve_plot(*plot, report);
    if (a.flag("--json")) {
        std::cout << cli::to_json(report, path).dump() << "\n";
    } else {
        std::cout << cli::summary_line(report) << "\n";
        for (const auto& w : report.windows) {
            char line[160];
            std::snprintf(line, sizeof line, "  %7.2f-%7.2f s  %+7.0f ms  confidence %.1f%s\n", w.start_s, w.end_s,
                          w.offset_ms, w.confidence, w.confident ? "" : " (unreliable)");
            std::cout << line;
        }
    }
    return report.valid ? 0 : 1;
}

syncdsp::cli::command_registration reg("sync", "measure the audio-video offset of a video (audio late > 0)", run);

}  // namespace
