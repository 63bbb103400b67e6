// apps/cmd_flow.cpp - `syncdsp flow A.png B.png -o FLOW.npy`: Farneback dense optical flow as
// OpenCV's calcOpticalFlowFarneback computes it, written as float32 (H, W, 2) = (dx, dy).
#include <cmath>
#include <iostream>
#include <string>

#include "cli.hpp"
#include "syncdsp/io/image.hpp"
#include "syncdsp/io/npy.hpp"
#include "syncdsp/vision/farneback.hpp"

namespace cmd_flow {
namespace {

const char* help = R"(usage: syncdsp flow A.png B.png -o FLOW.npy [options]

Dense optical flow from image A to image B with Farneback's algorithm, the same computation and
parameters as OpenCV 4.6's calcOpticalFlowFarneback (results agree to ~1e-4 px). Writes a float32
NPY array of shape (H, W, 2): [..., 0] = dx, [..., 1] = dy, such that B(x+dx, y+dy) ~ A(x, y).

A, B   PNG, JPEG or BMP images of the same size. Colour images are converted to gray with the
       BT.601 weights exactly as OpenCV's cvtColor does; an alpha channel is ignored.

options (defaults = the values most projects pass to OpenCV):
  -o, --output FILE   where to write the NPY (required; written atomically)
  --pyr-scale S       size ratio between pyramid levels, 0 < S < 1 (default 0.5)
  --levels N          coarser pyramid levels wanted (default 3); levels whose image would be
                      under 32 px on a side are dropped, as in OpenCV (small images: fewer levels)
  --winsize N         averaging window size in pixels (default 15)
  --iterations N      iterations per pyramid level (default 3)
  --poly-n N          neighbourhood radius of the polynomial expansion, 5 or 7 usual (default 5)
  --poly-sigma S      Gaussian sigma of the expansion (default 1.2; 1.5 goes with poly-n 7)
  --gaussian          Gaussian window instead of a box (OPTFLOW_FARNEBACK_GAUSSIAN)
  --threads N         worker threads (default 1; 0 = all cores); same result up to ~1e-5 px
  --help              this text

exit status: 0 = written, 1 = error (unreadable image, sizes differ...), 2 = usage error.
)";

int integer_option(const syncdsp::cli::arguments& a, const std::string& name, int fallback, int lo, int hi) {
    const double v = a.number_or(name, fallback);
    if (v != std::floor(v) || v < lo || v > hi)
        throw syncdsp::cli::usage_error(name + " must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
    return int(v);
}

syncdsp::vision::image<std::uint8_t> load_gray(const std::string& path) {
    using namespace syncdsp;
    auto t = io::load_image(path, 0);
    const std::size_t c = t.shape()[2];
    auto im = vision::from_tensor(t);
    if (c == 1) return im;
    if (c == 2) {  // gray + alpha
        vision::image<std::uint8_t> g(im.width(), im.height(), 1);
        for (std::size_t i = 0; i < g.size(); ++i) g.data()[i] = im.data()[2 * i];
        return g;
    }
    return vision::to_gray(vision::image_view<const std::uint8_t>(im.view()));
}

int run(const std::vector<std::string>& args) {
    using namespace syncdsp;
    cli::arguments a(args,
                     {"-o", "--output", "--pyr-scale", "--levels", "--winsize", "--iterations", "--poly-n",
                      "--poly-sigma", "--threads"},
                     {"--gaussian", "--help", "-h"});
    if (a.flag("--help") || a.flag("-h")) {
        std::cout << help;
        return 0;
    }
    if (a.positional().size() != 2) throw cli::usage_error("expected two images A and B");
    const std::string out = a.value_or("-o", a.value_or("--output", ""));
    if (out.empty()) throw cli::usage_error("missing -o FLOW.npy");
    vision::FarnebackOptions o;
    o.pyr_scale = a.number_or("--pyr-scale", 0.5);
    if (!(o.pyr_scale > 0 && o.pyr_scale < 1)) throw cli::usage_error("--pyr-scale must be in (0, 1)");
    o.levels = integer_option(a, "--levels", 3, 0, 64);
    o.winsize = integer_option(a, "--winsize", 15, 1, 255);
    o.iterations = integer_option(a, "--iterations", 3, 1, 1000);
    o.poly_n = integer_option(a, "--poly-n", 5, 1, 10);
    o.poly_sigma = a.number_or("--poly-sigma", 1.2);
    if (!(o.poly_sigma >= 0 && o.poly_sigma <= 100)) throw cli::usage_error("--poly-sigma must be in [0, 100]");
    o.threads = unsigned(integer_option(a, "--threads", 1, 0, 256));
    o.gaussian = a.flag("--gaussian");

    const auto A = load_gray(a.positional()[0]);
    const auto B = load_gray(a.positional()[1]);
    if (A.width() != B.width() || A.height() != B.height())
        detail::throw_invalid_argument("flow", "images differ in size: '", a.positional()[0], "' is ", A.width(), "x",
                                       A.height(), ", '", a.positional()[1], "' is ", B.width(), "x", B.height());
    const auto flow = vision::farneback_flow(A, B, o);
    io::write_npy(out, flow.data(), {flow.height(), flow.width(), std::size_t(2)});
    return 0;
}

const syncdsp::cli::command_registration reg(
    "flow", "Farneback dense optical flow between two images (OpenCV-identical) to NPY", run);

}  // namespace
}  // namespace cmd_flow
