// Fuzz target for the landmark readers (plain CSV, OpenFace CSV, JSON): any input either parses
// or throws syncdsp::error; parsed tracks are finite, and writing then re-reading the CSV gives
// the same points; mouth geometry on them throws only invalid_argument.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "syncdsp/io/landmarks.hpp"
#include "syncdsp/vision/mouth.hpp"

namespace {
void check(const syncdsp::io::landmark_file& t) {
    for (float v : t.points)
        if (!std::isfinite(v)) std::abort();
    if (t.frame.size() != t.rows()) std::abort();
    const auto again = syncdsp::io::parse_landmarks_csv(syncdsp::io::format_landmarks_csv(t), "again",
                                                        syncdsp::io::LandmarkReadOptions{true, 0, 0, 20});
    if (again.points.shape() != t.points.shape() || !std::equal(t.points.begin(), t.points.end(), again.points.begin()))
        std::abort();
    try {
        (void)syncdsp::vision::mouth_aspect_ratio(t.points);
        (void)syncdsp::vision::mouth_rois(t.points, 640, 480);
    } catch (const syncdsp::invalid_argument&) {
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > (1u << 20)) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    syncdsp::io::LandmarkReadOptions opt;
    opt.frame_width = 640;
    opt.frame_height = 480;
    try { check(syncdsp::io::parse_landmarks_csv(text, "fuzz", opt)); } catch (const syncdsp::error&) {}
    try { check(syncdsp::io::parse_landmarks_openface(text, "fuzz", opt)); } catch (const syncdsp::error&) {}
    try { check(syncdsp::io::parse_landmarks_json(text, "fuzz", opt)); } catch (const syncdsp::error&) {}
    return 0;
}
