// apps/cmd_lipmotion.cpp - `syncdsp lipmotion VIDEO (--roi x,y,w,h | --landmarks FILE) -o F.npy`:
// per-frame lip-motion features from Farneback flow in the mouth region.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <sstream>
#include <string>

#include "cli.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/io/landmarks.hpp"
#include "syncdsp/io/npy.hpp"
#include "syncdsp/vision/lip_motion.hpp"
#include "syncdsp/vision/mouth.hpp"

namespace cmd_lipmotion {
namespace {

const char* help = R"(usage: syncdsp lipmotion VIDEO (--roi x,y,w,h | --landmarks FILE) -o FEATURES.npy [options]

Lip-motion features, one row per video frame (at the video's frame rate), from the Farneback
optical flow between consecutive frames inside the mouth region. Both frames of a pair are cut
with the later frame's region and resized (area) to a --box x --box square first, so the flow
parameters (0.5, 3, 9, 3, 5, 1.1) and the values (pixels of the resized box per frame) mean the
same at any video resolution; the opening rate is the same definition as `syncdsp sync` uses.
Written as float32 NPY of shape (frames, 4 + bins), columns:
  mean_dy, mean_abs_dy, mean_mag, opening_rate, hist_0 .. hist_{bins-1}
mean_dy = mean vertical flow (+ = down); opening_rate = mean dy of the lower half of the box
minus that of the upper half (+ = opening); hist_k = fraction of pixels whose flow magnitude is
in bin k of [0, --hist-max) (the last bin takes everything above). Row 0 is NaN (no previous
frame: missing, not zero motion).
Changed in this version: regions are resized to the box and row 0 is NaN (earlier versions used
the region's own pixels, OpenCV's default window 15 and sigma 1.2, and zeros in row 0).

VIDEO  any file ffmpeg can decode (frames are decoded to gray by an ffmpeg subprocess).

options:
  --roi x,y,w,h      fixed mouth region in pixels (must lie inside the frame)
  --landmarks FILE   68- or 20-point landmarks (CSV, JSON or OpenFace 2 CSV, see syncdsp mar
                     --help); the region is a square around the mouth points, one size for the
                     whole video (median), centre smoothed over --smooth frames, clamped to the
                     frame; frames without landmarks use the nearest frame's region
  --margin M         region margin per side as a fraction of the mouth size (default 0.25)
  --smooth N         centre smoothing length in frames (default 5)
  --box N            side of the resized mouth box in pixels (default 64, 16..512)
  --bins N           magnitude histogram bins (default 4, 0 = none)
  --hist-max PX      upper edge of the histogram range in px/frame of the box (default 4)
  --gaussian         Gaussian flow window instead of a box
  --threads N        threads over frame pairs (default 1, 0 = all cores)
  -o, --output FILE  the NPY to write (required; atomic)
  --times-out FILE   also write each frame's timestamp in seconds (float64 NPY)
  --help             this text

exit status: 0 = written, 1 = error, 2 = usage error.
)";

syncdsp::rect parse_roi(const std::string& s) {
    long v[4];
    std::istringstream in(s);
    char c = 0;
    if (!(in >> v[0] >> c) || c != ',' || !(in >> v[1] >> c) || c != ',' || !(in >> v[2] >> c) || c != ',' ||
        !(in >> v[3]) || !in.eof())
        throw syncdsp::cli::usage_error("--roi expects x,y,w,h (integers), got '" + s + "'");
    if (v[2] <= 0 || v[3] <= 0) throw syncdsp::cli::usage_error("--roi has a zero-size region: '" + s + "'");
    return {v[0], v[1], v[2], v[3]};
}

int run(const std::vector<std::string>& args) {
    using namespace syncdsp;
    cli::arguments a(args,
                     {"-o", "--output", "--roi", "--landmarks", "--margin", "--smooth", "--box", "--bins", "--hist-max",
                      "--threads", "--times-out"},
                     {"--gaussian", "--help", "-h"});
    if (a.flag("--help") || a.flag("-h")) {
        std::cout << help;
        return 0;
    }
    if (a.positional().size() != 1) throw cli::usage_error("expected one VIDEO");
    const std::string out = a.value_or("-o", a.value_or("--output", ""));
    if (out.empty()) throw cli::usage_error("missing -o FEATURES.npy");
    const auto roi_text = a.value("--roi");
    const auto lm_path = a.value("--landmarks");
    if (bool(roi_text) == bool(lm_path)) throw cli::usage_error("give exactly one of --roi and --landmarks");
    vision::LipMotionOptions o;
    o.motion.flow.gaussian = a.flag("--gaussian");
    const double bins = a.number_or("--bins", 4), threads = a.number_or("--threads", 1);
    const double box = a.number_or("--box", double(o.motion.box_size));
    if (box != std::floor(box) || box < 16 || box > 512) throw cli::usage_error("--box must be an integer in 16..512");
    o.motion.box_size = std::size_t(box);
    if (bins != std::floor(bins) || bins < 0 || bins > 64) throw cli::usage_error("--bins must be an integer in 0..64");
    if (threads != std::floor(threads) || threads < 0 || threads > 256) throw cli::usage_error("--threads must be 0..256");
    o.histogram_bins = std::size_t(bins);
    o.histogram_max = a.number_or("--hist-max", 4.0);
    if (!(o.histogram_max > 0)) throw cli::usage_error("--hist-max must be > 0");
    o.motion.threads = unsigned(threads);
    vision::MouthRoiOptions ro;
    ro.margin = a.number_or("--margin", 0.25);
    const double smooth = a.number_or("--smooth", 5);
    if (!(ro.margin >= 0 && ro.margin <= 10)) throw cli::usage_error("--margin must be in [0, 10]");
    if (smooth != std::floor(smooth) || smooth < 1 || smooth > 1000) throw cli::usage_error("--smooth must be an integer in 1..1000");
    ro.smooth = std::size_t(smooth);
    std::optional<rect> fixed;
    if (roi_text) fixed = parse_roi(*roi_text);

    // Read the landmarks before the (slow) decode, so a bad file fails fast.
    io::landmark_file file;
    if (lm_path) file = io::read_landmarks(*lm_path);

    const auto video = io::decode_video(a.positional()[0], io::VideoDecodeOptions::gray());
    const long W = long(video.width()), H = long(video.height());
    std::vector<rect> regions;
    if (fixed) {
        const auto& r = *fixed;
        if (r.x < 0 || r.y < 0 || r.x + r.width > W || r.y + r.height > H)
            detail::throw_invalid_argument("lipmotion", "--roi ", r.x, ",", r.y, ",", r.width, ",", r.height,
                                           " is not inside the ", W, "x", H, " video");
        regions.assign(video.count(), r);
    } else {
        for (std::size_t i = 0; i < file.rows(); ++i)
            for (std::size_t p = 0; p < file.point_count(); ++p) {
                const float x = file.points(i, p, 0), y = file.points(i, p, 1);
                if (x < -0.5f * float(W) || y < -0.5f * float(H) || x > 1.5f * float(W) || y > 1.5f * float(H))
                    detail::throw_invalid_argument("lipmotion", "landmark ", p, " of frame ", file.frame[i], " (", x,
                                                   ", ", y, ") is far outside the ", W, "x", H,
                                                   " video: wrong landmark file for this video?");
            }
        // Every row counts (also rows past the last decoded frame: they steady the box size).
        const std::size_t n = std::max(video.count(), std::size_t(file.frame.back()) + 1);
        regions = vision::mouth_rois(landmark_track::from_rows(file, n), W, H, ro);
        regions.resize(video.count());
    }
    const auto feats = vision::lip_motion_features(video.frames, regions, o);
    tensor<float, 2> f32 = xt::cast<float>(feats);
    if (auto to = a.value("--times-out")) {
        tensor<double, 1> t = tensor<double, 1>::from_shape({video.timestamps_s.size()});
        std::copy(video.timestamps_s.begin(), video.timestamps_s.end(), t.begin());
        io::write_npy(*to, t);
    }
    io::write_npy(out, f32);
    std::cerr << "syncdsp lipmotion: " << feats.shape()[0] << " frames x " << feats.shape()[1] << " features at "
              << video.fps << " fps, region " << regions[0].width << "x" << regions[0].height << " resized to "
              << o.motion.box_size << "x" << o.motion.box_size << "\n";
    return 0;
}

const syncdsp::cli::command_registration reg(
    "lipmotion", "per-frame lip-motion features (optical flow in the mouth region) of a video to NPY", run);

}  // namespace
}  // namespace cmd_lipmotion
