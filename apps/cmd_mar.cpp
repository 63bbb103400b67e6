// apps/cmd_mar.cpp - `syncdsp mar LANDMARKS -o MAR.npy`: mouth aspect ratio per landmark row.
#include <iostream>
#include <string>

#include "cli.hpp"
#include "syncdsp/io/landmarks.hpp"
#include "syncdsp/io/npy.hpp"
#include "syncdsp/vision/mouth.hpp"

namespace cmd_mar {
namespace {

const char* help = R"(usage: syncdsp mar LANDMARKS [--inner|--outer] -o MAR.npy [--frames-out FRAMES.npy]

Mouth aspect ratio (MAR) of every row of a landmark file, written as a float32 NPY vector (one
value per row, in the file's row order; use --frames-out to also write the frame index of each
row, as int32).

LANDMARKS  68-point iBUG/dlib landmarks or the 20 mouth points (48..67), as
           plain CSV (frame,x0,y0,...,x67,y67; header optional), JSON
           ({"frames": [{"frame": 0, "landmarks": [[x, y], ...]}]}) or OpenFace 2 CSV
           (x_0..x_67, y_0..y_67 columns; frames converted to 0-based, failed rows skipped).

options:
  --inner            inner-lip MAR (default): (|p61-p67| + |p62-p66| + |p63-p65|) / (3 |p60-p64|)
  --outer            outer-lip MAR: (|p50-p58| + |p51-p57| + |p52-p56|) / (3 |p48-p54|)
  -o, --output FILE  the NPY to write (required; atomic)
  --frames-out FILE  also write the frame indices (int32 NPY)
  --help             this text

Rows with the wrong number of values, non-numeric or NaN coordinates, or coincident mouth corners
are errors (nothing is written). exit status: 0 = written, 1 = error, 2 = usage error.
)";

int run(const std::vector<std::string>& args) {
    using namespace syncdsp;
    cli::arguments a(args, {"-o", "--output", "--frames-out"}, {"--inner", "--outer", "--help", "-h"});
    if (a.flag("--help") || a.flag("-h")) {
        std::cout << help;
        return 0;
    }
    if (a.positional().size() != 1) throw cli::usage_error("expected one LANDMARKS file");
    if (a.flag("--inner") && a.flag("--outer")) throw cli::usage_error("--inner and --outer exclude each other");
    const std::string out = a.value_or("-o", a.value_or("--output", ""));
    if (out.empty()) throw cli::usage_error("missing -o MAR.npy");
    const auto kind = a.flag("--outer") ? vision::mar_kind::outer : vision::mar_kind::inner;
    const auto track = io::read_landmarks(a.positional()[0]);
    for (const auto& w : track.warnings) std::cerr << "syncdsp mar: warning: " << w << "\n";
    const auto mar = vision::mouth_aspect_ratio(track.points, kind);
    tensor<float, 1> m = tensor<float, 1>::from_shape({mar.size()});
    for (std::size_t i = 0; i < mar.size(); ++i) m(i) = float(mar(i));
    tensor<std::int32_t, 1> frames = tensor<std::int32_t, 1>::from_shape({track.frame.size()});
    for (std::size_t i = 0; i < track.frame.size(); ++i) {
        if (track.frame[i] > 2147483647) detail::throw_invalid_argument("mar", "frame index ", track.frame[i], " too large");
        frames(i) = std::int32_t(track.frame[i]);
    }
    if (auto fo = a.value("--frames-out")) io::write_npy(*fo, frames);
    io::write_npy(out, m);
    return 0;
}

const syncdsp::cli::command_registration reg("mar", "mouth aspect ratio (inner/outer lip) per landmark row to NPY", run);

}  // namespace
}  // namespace cmd_mar
