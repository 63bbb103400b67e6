// syncdsp/nn/models/face_tiles.hpp - faces too small for the detector's whole-frame pass, found by
// running it again on overlapping tiles of the frame; the tiles' boxes are mapped back to frame
// pixels and merged with the whole-frame ones.
//
//   nn::face_tiling tiling(1920, 1080, 416);          // FaceTileOptions::standard()
//   auto dets = nn::detect_with_tiles(detector, img, det_opt, tiling.grid());   // every face
//   auto one = tiling.around(box);                     // a tile that shows a followed small face
//
// Why: TinyFaceDetector sees the frame shrunk to input_size^2 (416 x 416 for any frame) and finds
// faces down to about min_face_fraction (0.13) of that square: on a 1920x1080 stage shot that is
// faces of ~250 px, and 60-90 px debaters are missed. A tile of 1.5 x 416 = 624 px shows them at
// 2/3 scale (measured on calib/multi/...trump_biden_debate.mp4: found in 624-px crops, missed in
// 728-px and larger ones; docs/faces.md).
//
// Levels: tile sides S0 = tile_scale * input_size, S1 = 2 S0, S2 = 4 S0 ... while a tile is smaller
// than 0.8 x the frame's longer side; above them the whole frame is the last level. Tiles are used
// only when the longer side is at least min_frame_ratio x S0 (2.5: 1560 px; smaller frames gain
// less than the scans cost).
// Each level answers for the faces the next coarser level misses: `reach` = min_face_fraction x
// (the next level's side, or the longer side for the last tile level). Its tiles overlap by at
// least `reach`, and each tile keeps only the detections whose centre lies in its own region (the
// tile cut at the middle of each overlap with a neighbour): so every face of size <= reach lies
// whole in the one tile that reports it. Detections larger than `reach` are dropped: a coarser
// level sees them whole (and a zoomed-in tile's big boxes are mostly texture, e.g. a suit).
// Merging: whole-frame and tile detections, by descending score; a tile detection overlapping a
// kept one (IoU > the detector's NMS threshold, or more than half of the smaller box) is the same
// face and is dropped. Whole-frame detections are never dropped, so with no tile detection the
// result is exactly the whole-frame detector's.
// Cost: one detector run per tile (about 30 ms each at input 416). A 1920x1080 frame has 10 tiles
// (8 of 624 px, 2 of 1248x1080 px); face_tracks_builder runs the full grid only every scan_every frames
// and otherwise one tile per followed small face (around()), on its detection frames.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/geometry.hpp"
#include "syncdsp/core/parallel.hpp"
#include "syncdsp/nn/models/face_types.hpp"
#include "syncdsp/nn/models/tiny_face_detector.hpp"

namespace syncdsp::nn {

struct FaceTileOptions {
    bool enabled = true;              ///< false: the whole-frame pass only (face-api's behaviour)
    double tile_scale = 1.5;          ///< finest tile side = tile_scale x the detector input size (frame pixels)
    double min_face_fraction = 0.13;  ///< smallest face the detector finds, as a fraction of the square it sees
    double min_frame_ratio = 2.5;     ///< tiles only when the frame's longer side >= this x the finest tile side
    std::size_t max_tiles = 32;       ///< at most this many tiles per scan: the finest levels are given up first
    std::size_t scan_every = 50;      ///< face_tracks_builder: the full grid on frames that are multiples of this

    /// What `syncdsp sync` uses: 624-px tiles (input 416), faces from about 80 px (13 % of a tile)
    /// in frames of 1560 px or more (1920x1080 and up; not 1280x720, where the whole-frame pass
    /// already finds faces from ~170 px), a full scan every 50 frames (2 s at 25 fps).
    static FaceTileOptions standard() { return {}; }
    /// Tiles also in frames from 1.25 tiles (780 px at input 416), e.g. 1280x720 with small faces.
    static FaceTileOptions always() {
        FaceTileOptions o;
        o.min_frame_ratio = 1.25;
        return o;
    }
    /// No tiles: face-api's detectAllFaces on the whole frame.
    static FaceTileOptions off() {
        FaceTileOptions o;
        o.enabled = false;
        return o;
    }

    void validate() const {
        SYNCDSP_REQUIRE(tile_scale >= 1 && tile_scale <= 8, "face_tiles", "tile_scale must be in [1, 8], got ", tile_scale);
        SYNCDSP_REQUIRE(min_face_fraction > 0 && min_face_fraction <= 0.3, "face_tiles",
                        "min_face_fraction must be in (0, 0.3], got ", min_face_fraction);
        SYNCDSP_REQUIRE(min_frame_ratio >= 1 && min_frame_ratio <= 100, "face_tiles", "min_frame_ratio must be in [1, 100], got ",
                        min_frame_ratio);
        SYNCDSP_REQUIRE(max_tiles >= 1 && max_tiles <= 4096, "face_tiles", "max_tiles must be in 1..4096, got ", max_tiles);
        SYNCDSP_REQUIRE(scan_every >= 1 && scan_every <= 100000, "face_tiles", "scan_every must be in 1..100000, got ",
                        scan_every);
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "FaceTileOptions{enabled=" << (enabled ? "true" : "false") << ", tile_scale=" << tile_scale
          << ", min_face_fraction=" << min_face_fraction << ", min_frame_ratio=" << min_frame_ratio
          << ", max_tiles=" << max_tiles << ", scan_every=" << scan_every << "}";
        return s.str();
    }
};

/// One tile: the pixels the detector sees, the part of them whose detections it reports, and the
/// largest face it answers for.
struct face_tile {
    rect where;          ///< frame pixels given to the detector
    box own;             ///< a detection is kept when its centre lies in here (frame pixels)
    double reach = 0;    ///< detections with a side larger than this are left to coarser levels
    std::size_t level = 0;
};

/// The tiles of frames of one size.
class face_tiling {
public:
    face_tiling(std::size_t width, std::size_t height, std::size_t input_size,
                const FaceTileOptions& opt = FaceTileOptions::standard())
        : w_(width), h_(height), opt_(opt) {
        opt_.validate();
        require_detector_input_size(input_size);
        SYNCDSP_REQUIRE(width > 0 && height > 0 && width <= (1u << 15) && height <= (1u << 15), "face_tiles",
                        "frame size must be 1..32768 pixels a side, got ", width, "x", height);
        const double longer = double(std::max(width, height));
        const double s0 = std::floor(opt_.tile_scale * double(input_size));
        if (!opt_.enabled || longer < opt_.min_frame_ratio * s0) return;
        std::vector<double> sides;
        for (double s = s0; s < 0.8 * longer; s *= 2) sides.push_back(s);
        // Coarsest levels first, so the cap gives up the finest ones.
        std::vector<std::vector<face_tile>> levels(sides.size());
        for (std::size_t l = 0; l < sides.size(); ++l) {
            const double next = l + 1 < sides.size() ? sides[l + 1] : longer;
            levels[l] = grid_of(std::size_t(sides[l]), opt_.min_face_fraction * next, l);
        }
        for (std::size_t l = sides.size(); l-- > 0;) {
            if (grid_.size() + levels[l].size() > opt_.max_tiles) break;
            grid_.insert(grid_.begin(), levels[l].begin(), levels[l].end());
            levels_.insert(levels_.begin(), level_info{sides[l], opt_.min_face_fraction * (l + 1 < sides.size() ? sides[l + 1] : longer)});
        }
        whole_min_face_ = opt_.min_face_fraction * longer;
    }

    /// Whether any tile is used for this frame size.
    bool active() const { return !grid_.empty(); }
    /// Every tile of every level (finest level first).
    const std::vector<face_tile>& grid() const { return grid_; }
    /// Smallest face the whole-frame pass is expected to find (frame pixels; 0 when no tile is used).
    double whole_min_face() const { return whole_min_face_; }
    const FaceTileOptions& options() const { return opt_; }

    /// A tile of the finest level that answers for a face of box `b`, centred on it (shifted to lie
    /// inside the frame), or an empty vector when the whole-frame pass sees such a face (or no tile
    /// is used). Its own region is the tile less reach/2 at each edge inside the frame, so a face
    /// cut by the tile's edge is not reported.
    std::vector<face_tile> around(const box& b) const {
        std::vector<face_tile> out;
        const double side = std::max(b.width, b.height);
        if (!active() || !std::isfinite(side) || !std::isfinite(b.x) || !std::isfinite(b.y)) return out;
        for (std::size_t l = 0; l < levels_.size(); ++l) {
            if (side > levels_[l].reach) continue;
            const long s = long(levels_[l].side);
            const long tw = std::min<long>(s, long(w_)), th = std::min<long>(s, long(h_));
            const double cx = b.x + b.width / 2, cy = b.y + b.height / 2;
            const long x = std::clamp<long>(std::lround(cx - double(tw) / 2), 0, long(w_) - tw);
            const long y = std::clamp<long>(std::lround(cy - double(th) / 2), 0, long(h_) - th);
            face_tile t;
            t.where = rect{x, y, tw, th};
            t.reach = levels_[l].reach;
            t.level = l;
            const double m = t.reach / 2;
            const double x0 = x == 0 ? 0.0 : double(x) + m, y0 = y == 0 ? 0.0 : double(y) + m;
            const double x1 = x + tw == long(w_) ? double(w_) : double(x + tw) - m;
            const double y1 = y + th == long(h_) ? double(h_) : double(y + th) - m;
            t.own = box{x0, y0, x1 - x0, y1 - y0};
            out.push_back(t);
            break;
        }
        return out;
    }

private:
    struct level_info {
        double side, reach;
    };

    // Tile origins along one axis of `len` pixels: evenly spread, neighbours overlapping >= reach.
    static std::vector<long> positions(long len, long side, double reach) {
        if (side >= len) return {0};
        const double step = std::max(1.0, double(side) - reach);
        const long n = long(std::ceil(double(len - side) / step - 1e-9)) + 1;
        std::vector<long> p(static_cast<std::size_t>(n));
        for (long i = 0; i < n; ++i) p[std::size_t(i)] = std::lround(double(i) * double(len - side) / double(n - 1));
        return p;
    }

    std::vector<face_tile> grid_of(std::size_t side, double reach, std::size_t level) const {
        const long tw = std::min<long>(long(side), long(w_)), th = std::min<long>(long(side), long(h_));
        const auto xs = positions(long(w_), tw, reach), ys = positions(long(h_), th, reach);
        // Own regions: cut at the middle of each overlap, so they partition the frame.
        auto cuts = [](const std::vector<long>& p, long s, long len) {
            std::vector<double> c(p.size() + 1);
            c.front() = 0;
            c.back() = double(len);
            for (std::size_t i = 1; i < p.size(); ++i) c[i] = (double(p[i]) + double(p[i - 1] + s)) / 2;
            return c;
        };
        const auto cx = cuts(xs, tw, long(w_)), cy = cuts(ys, th, long(h_));
        std::vector<face_tile> out;
        for (std::size_t j = 0; j < ys.size(); ++j)
            for (std::size_t i = 0; i < xs.size(); ++i) {
                face_tile t;
                t.where = rect{xs[i], ys[j], tw, th};
                t.own = box{cx[i], cy[j], cx[i + 1] - cx[i], cy[j + 1] - cy[j]};
                t.reach = reach;
                t.level = level;
                out.push_back(t);
            }
        return out;
    }

    std::size_t w_, h_;
    FaceTileOptions opt_;
    std::vector<face_tile> grid_;
    std::vector<level_info> levels_;  // the levels kept, finest first
    double whole_min_face_ = 0;
};

/// The detections of one tile that it answers for, in frame pixels: centre in its own region, no
/// side larger than its reach. `in_tile` are the detector's boxes in the tile's pixels.
inline std::vector<face_detection> keep_tile_detections(const face_tile& t, const std::vector<face_detection>& in_tile) {
    std::vector<face_detection> out;
    for (auto d : in_tile) {
        d.box.x += double(t.where.x);
        d.box.y += double(t.where.y);
        const double cx = d.box.x + d.box.width / 2, cy = d.box.y + d.box.height / 2;
        const bool own = cx >= t.own.x && cx < t.own.right() && cy >= t.own.y && cy < t.own.bottom();
        if (!own || !(std::max(d.box.width, d.box.height) <= t.reach)) continue;
        d.from_tile = true;
        out.push_back(d);
    }
    return out;
}

/// Whole-frame detections (kept as they are, in their order) and tile detections merged: by
/// descending score, a tile detection is dropped when it overlaps a kept box with IoU above
/// `iou_threshold` or covers more than half of the smaller box. Highest score first.
inline std::vector<face_detection> merge_tile_detections(const std::vector<face_detection>& whole,
                                                         const std::vector<face_detection>& tiles,
                                                         double iou_threshold) {
    if (tiles.empty()) return whole;
    struct cand {
        face_detection d;
        bool from_whole;
    };
    std::vector<cand> all;
    for (const auto& d : whole) all.push_back({d, true});
    for (const auto& d : tiles) all.push_back({d, false});
    std::stable_sort(all.begin(), all.end(), [](const cand& a, const cand& b) { return a.d.score > b.d.score; });
    auto same_face = [&](const box& a, const box& b) {
        if (iou(a, b) > iou_threshold) return true;
        const double w = std::max(0.0, std::min(a.right(), b.right()) - std::max(a.x, b.x));
        const double h = std::max(0.0, std::min(a.bottom(), b.bottom()) - std::max(a.y, b.y));
        const double smaller = std::min(a.area(), b.area());
        return smaller > 0 && w * h > 0.5 * smaller;
    };
    std::vector<cand> kept;
    // Whole-frame boxes first (they are never dropped), then the tiles' by score.
    for (const auto& c : all)
        if (c.from_whole) kept.push_back(c);
    for (const auto& c : all) {
        if (c.from_whole) continue;
        const bool dup = std::any_of(kept.begin(), kept.end(), [&](const cand& k) { return same_face(k.d.box, c.d.box); });
        if (!dup) kept.push_back(c);
    }
    std::stable_sort(kept.begin(), kept.end(), [](const cand& a, const cand& b) { return a.d.score > b.d.score; });
    std::vector<face_detection> out;
    for (auto& c : kept) out.push_back(c.d);
    return out;
}

/// The detector on the whole frame and on each tile (tiles in parallel on up to `threads` threads,
/// 0 = all cores; the result does not depend on it), merged. Boxes in frame pixels, highest score
/// first; `relative` is set relative to the frame.
inline std::vector<face_detection> detect_with_tiles(const tiny_face_detector& det, const rgb8_view& img,
                                                     const TinyFaceDetectorOptions& opt, const std::vector<face_tile>& tiles,
                                                     unsigned threads = 1) {
    require_rgb8(img, "face_tiles");
    auto whole = det.detect(img, opt);
    if (tiles.empty()) return whole;
    for (const auto& t : tiles)
        SYNCDSP_REQUIRE(t.where.x >= 0 && t.where.y >= 0 && t.where.width > 0 && t.where.height > 0 &&
                            std::size_t(t.where.x + t.where.width) <= img.width &&
                            std::size_t(t.where.y + t.where.height) <= img.height,
                        "face_tiles", "tile (", t.where.x, ", ", t.where.y, ", ", t.where.width, "x", t.where.height,
                        ") is not inside the ", img.width, "x", img.height, " frame");
    std::vector<std::vector<face_detection>> per(tiles.size());
    parallel_for(tiles.size(), threads, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            const rect& r = tiles[i].where;
            const rgb8_view v{img.data + std::size_t(r.y) * img.stride + std::size_t(r.x) * img.channels, std::size_t(r.width),
                              std::size_t(r.height), img.channels, img.stride};
            per[i] = keep_tile_detections(tiles[i], det.detect(v, opt));
        }
    });
    std::vector<face_detection> found;
    for (auto& p : per) found.insert(found.end(), p.begin(), p.end());
    auto out = merge_tile_detections(whole, found, opt.iou_threshold);
    for (auto& d : out)
        d.relative = box{d.box.x / double(img.width), d.box.y / double(img.height), d.box.width / double(img.width),
                         d.box.height / double(img.height)};
    return out;
}

}  // namespace syncdsp::nn
