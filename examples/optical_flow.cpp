// Optical flow between two frames with syncdsp's Farneback (OpenCV's calcOpticalFlowFarneback
// without OpenCV), as an application would embed it.
//
// Usage: example_optical_flow [A.png B.png]
// Without arguments it makes a synthetic pair: a smooth texture and the same texture moved by
// (+1.5, -0.75) px, and checks that the measured flow is that shift. Writes flow.npy (H, W, 2) and
// flow_magnitude.png into the current directory.
#include <cmath>
#include <cstdio>
#include <string>

#include "syncdsp/io/image.hpp"
#include "syncdsp/io/npy.hpp"
#include "syncdsp/vision.hpp"

using namespace syncdsp;
using namespace syncdsp::vision;

namespace {
double texture(double x, double y) {
    return 128 + 50 * std::sin(0.21 * x) * std::cos(0.17 * y) + 30 * std::sin(0.05 * x + 0.07 * y) +
           15 * std::cos(0.41 * x - 0.23 * y);
}
}  // namespace

int main(int argc, char** argv) {
    try {
        image<std::uint8_t> a, b;
        const bool synthetic = argc < 3;
        const double tx = 1.5, ty = -0.75;
        if (synthetic) {
            a.resize(160, 120);
            b.resize(160, 120);
            for (std::size_t y = 0; y < 120; ++y)
                for (std::size_t x = 0; x < 160; ++x) {
                    a.at(x, y) = saturate_u8(float(texture(double(x), double(y))));
                    b.at(x, y) = saturate_u8(float(texture(double(x) - tx, double(y) - ty)));  // b(x) = a(x - t)
                }
        } else {
            a = to_gray(view_of(io::load_image(argv[1], 3)));
            b = to_gray(view_of(io::load_image(argv[2], 3)));
        }
        FarnebackOptions opt = FarnebackOptions::opencv();  // (0.5, 3, 15, 3, 5, 1.2, box)
        const image<float> flow = farneback_flow(a, b, opt);
        io::write_npy("flow.npy", flow.data(), {flow.height(), flow.width(), std::size_t(2)});

        // Mean flow inside a 16 px margin, and a magnitude picture (4 px/frame = white).
        double sx = 0, sy = 0;
        std::size_t n = 0;
        image<std::uint8_t> mag(flow.width(), flow.height());
        for (std::size_t y = 0; y < flow.height(); ++y)
            for (std::size_t x = 0; x < flow.width(); ++x) {
                const float dx = flow.at(x, y, 0), dy = flow.at(x, y, 1);
                mag.at(x, y) = saturate_u8(std::sqrt(dx * dx + dy * dy) * 64.f);
                if (x >= 16 && y >= 16 && x + 16 < flow.width() && y + 16 < flow.height()) {
                    sx += dx;
                    sy += dy;
                    ++n;
                }
            }
        io::save_png("flow_magnitude.png", mag.data(), mag.width(), mag.height(), 1);
        std::printf("%zux%zu pair, %d pyramid levels used; mean interior flow (%.3f, %.3f) px\n", flow.width(),
                    flow.height(), farneback_levels_used(a.width(), a.height(), opt) + 1, sx / double(n), sy / double(n));
        if (synthetic) {
            const double err = std::hypot(sx / double(n) - tx, sy / double(n) - ty);
            std::printf("true shift (%.2f, %.2f): error of the mean %.3f px\n", tx, ty, err);
            if (err > 0.1) return 1;
        }
        std::printf("wrote flow.npy and flow_magnitude.png\n");
        return 0;
    } catch (const syncdsp::error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
}
