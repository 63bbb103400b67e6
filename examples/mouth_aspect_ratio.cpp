// Mouth aspect ratio (MAR) and the mouth region from 68-point landmarks, as an application would
// embed them.
//
// Usage: example_mouth_aspect_ratio [LANDMARKS.csv|.json|OpenFace.csv]
// Without arguments it synthesises 50 frames (2 s at 25 fps) of a face whose mouth opens and
// closes twice per second, writes them to landmarks.csv in the current directory, reads the file
// back (the same reader the CLI uses) and prints the inner/outer MAR and the mouth ROI per frame.
#include <cmath>
#include <cstdio>

#include "syncdsp/io/landmarks.hpp"
#include "syncdsp/vision/mouth.hpp"

using namespace syncdsp;

int main(int argc, char** argv) {
    try {
        std::string path = argc > 1 ? argv[1] : "landmarks.csv";
        if (argc < 2) {
            const std::size_t frames = 50;
            landmark_rows t;
            t.points = tensor<float, 3>::from_shape({frames, 68, 2});
            const double pi = 3.14159265358979;
            for (std::size_t f = 0; f < frames; ++f) {
                t.frame.push_back(std::int64_t(f));
                const double open = 6 + 6 * std::sin(2 * pi * 2.0 * double(f) / 25.0);  // lip gap in px
                for (std::size_t p = 0; p < 68; ++p) {  // face outline etc.: a rough circle
                    t.points(f, p, 0) = float(112 + 80 * std::cos(double(p) * 0.1));
                    t.points(f, p, 1) = float(100 + 90 * std::sin(double(p) * 0.1));
                }
                // Mouth centred at (112, 170), 50 px wide; upper lip up, lower lip down by open/2.
                for (std::size_t k = 0; k < 12; ++k) {  // outer lip 48..59, around an ellipse
                    const double a = pi - 2 * pi * double(k) / 12;
                    const double y = -std::sin(a);
                    t.points(f, 48 + k, 0) = float(112 + 25 * std::cos(a));
                    t.points(f, 48 + k, 1) = float(170 + 9 * y + (y < 0 ? -open / 2 : (y > 0 ? open / 2 : 0)));
                }
                for (std::size_t k = 0; k < 8; ++k) {  // inner lip 60..67
                    const double a = pi - 2 * pi * double(k) / 8;
                    const double y = -std::sin(a);
                    t.points(f, 60 + k, 0) = float(112 + 20 * std::cos(a));
                    t.points(f, 60 + k, 1) = float(170 + 1 * y + (y < -1e-9 ? -open / 2 : (y > 1e-9 ? open / 2 : 0)));
                }
            }
            io::write_landmarks_csv(path, t);
            std::printf("wrote %s (%zu frames)\n", path.c_str(), frames);
        }
        io::LandmarkReadOptions opt;
        opt.frame_width = 224;
        opt.frame_height = 224;
        const auto track = io::read_landmarks(path, opt);
        for (const auto& w : track.warnings) std::printf("warning: %s\n", w.c_str());
        const auto inner = vision::mouth_aspect_ratio(track.points, vision::mar_kind::inner);
        const auto outer = vision::mouth_aspect_ratio(track.points, vision::mar_kind::outer);
        const auto rois = vision::mouth_rois(track.points, 224, 224);
        double lo = 1e9, hi = -1e9;
        for (std::size_t r = 0; r < track.rows(); ++r) {
            lo = std::min(lo, inner(r));
            hi = std::max(hi, inner(r));
            if (r % 5 == 0)
                std::printf("frame %3lld  MAR inner %.3f outer %.3f  mouth ROI x=%ld y=%ld side=%ld\n",
                            static_cast<long long>(track.frame[r]), inner(r), outer(r), rois[r].x, rois[r].y, rois[r].width);
        }
        std::printf("inner MAR range %.3f .. %.3f over %zu frames\n", lo, hi, track.rows());
        return argc < 2 && !(hi > lo + 0.1) ? 1 : 0;
    } catch (const syncdsp::error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
}
