// apps/cmd_fix.cpp - `syncdsp fix VIDEO -o OUT`: measure (or take) the offset, write a corrected
// copy without re-encoding, then measure the copy and report what is left.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "cli.hpp"
#include "options.hpp"
#include "report_json.hpp"
#include "syncdsp/io/remux.hpp"
#include "syncdsp/pipeline/classic.hpp"

namespace {

const char* help = R"(usage: syncdsp fix VIDEO -o OUT [options]

Measures the audio-video offset of VIDEO (as `syncdsp sync` does), then writes OUT with the audio
shifted by -offset so that picture and sound line up. Nothing is re-encoded (ffmpeg stream copy);
the container follows OUT's extension. OUT is written to a temporary file and renamed only on
success. Finally OUT is measured again and the residual offset is reported.

options:
  -o, --output OUT     the corrected file (required; must differ from VIDEO)
  --offset D           do not measure: apply this offset (e.g. 120ms, -0.2s; > 0 = audio late)
  --force              write the file even when the measurement is not reliable
  --max-offset D       search range (default 2000ms)
  --roi x,y,w,h        mouth region in frame pixels (see syncdsp sync --help)
  --face-crop          treat the video as a tight face crop
  --landmarks FILE     landmarks per frame (see syncdsp sync --help)
  --faces auto|on|off  use the face-api networks to find the mouth (default auto)
  --phones auto|on|off use the phone cue (default auto)
  --no-verify          skip the re-measurement of OUT
  --json               print a JSON object: {"measured": ..., "applied_shift_ms", "output", "residual": ...}
  --help               this text

exit status: 0 = written, 1 = error or unreliable measurement without --force, 2 = usage error.
)";

int run(const std::vector<std::string>& args) {
    using namespace syncdsp;
    cli::arguments a(args, {"-o", "--output", "--offset", "--max-offset", "--roi", "--landmarks", "--faces", "--phones",
                            "--tolerance", "--calibration"},
                     {"--force", "--face-crop", "--no-verify", "--json", "--help"});
    if (a.flag("--help")) {
        std::cout << help;
        return 0;
    }
    if (a.positional().size() != 1) throw cli::usage_error("expected exactly one VIDEO argument");
    const std::string in = a.positional()[0];
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
    nlohmann::json j;
    double offset_ms = 0;
    if (auto v = a.value("--offset")) {
        offset_ms = cli::parse_duration_ms("--offset", *v);
        j["measured"] = nullptr;
    } else {
        const auto r = pipeline::estimate_offset(in, opt);
        j["measured"] = cli::to_json(r, in);
        if (!a.flag("--json")) std::cout << "measured: " << cli::summary_line(r) << "\n";
        if (!r.valid || (!r.reliable && !a.flag("--force"))) {
            std::cerr << "syncdsp fix: the measurement is not reliable; nothing written (use --force to write "
                         "anyway, or --offset to give the offset)\n";
            if (a.flag("--json")) std::cout << j.dump() << "\n";
            return 1;
        }
        offset_ms = r.offset_ms;
    }
    io::remux_with_audio_shift(in, *out, -offset_ms);
    j["applied_shift_ms"] = -offset_ms;
    j["output"] = *out;
    if (!a.flag("--json")) {
        char line[200];
        std::snprintf(line, sizeof line, "wrote %s with the audio moved by %+.0f ms", out->c_str(), -offset_ms);
        std::cout << line << "\n";
    }
    if (!a.flag("--no-verify")) {
        const auto r2 = pipeline::estimate_offset(*out, opt);
        j["residual"] = cli::to_json(r2, *out);
        if (!a.flag("--json")) std::cout << "residual: " << cli::summary_line(r2) << "\n";
    }
    if (a.flag("--json")) std::cout << j.dump() << "\n";
    return 0;
}

syncdsp::cli::command_registration reg("fix", "write a copy of a video with the audio re-aligned (no re-encode)", run);

}  // namespace
