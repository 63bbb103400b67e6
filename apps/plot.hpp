// apps/plot.hpp - `syncdsp sync --plot`: the correlation curve as an SVG or PNG line chart.
#pragma once

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <stb_image_write.h>

#include "cli.hpp"
#include "syncdsp/io/file.hpp"
#include "syncdsp/pipeline/classic.hpp"

namespace syncdsp::cli {

namespace plot_impl {

struct series {
    std::vector<double> x, y;  // NaN y = gap
};

inline bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

inline std::string lower(std::string s) {
    for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace plot_impl

/// Checks a plot file name before any work: a .svg or .png name (any case) whose directory exists
/// and is writable. usage_error for the format (exit 2), io_error for the directory (exit 1).
inline void check_plot_path(const std::string& option, const std::string& path) {
    const std::string p = plot_impl::lower(path);
    if (!plot_impl::ends_with(p, ".svg") && !plot_impl::ends_with(p, ".png"))
        throw usage_error("option " + option + " needs a .svg or .png file name, got '" + path + "'");
    io::check_output_path(option, path);
}

/// Writes the curve (score against lag in ms) with a marker at the estimated offset.
inline void write_curve_plot(const std::string& path, const pipeline::offset_report& r) {
    plot_impl::series s;
    for (std::size_t i = 0; i < r.curve.size(); ++i) {
        s.x.push_back(r.curve.lag_ms(r.curve.lag(i)));
        s.y.push_back(r.curve.informative[i] ? r.curve.score[i] : std::nan(""));
    }
    if (s.x.empty()) throw usage_error("nothing to plot");
    const int W = 800, H = 360, L = 60, R = 20, T = 20, B = 50;
    const double x0 = s.x.front(), x1 = std::max(s.x.back(), x0 + 1);
    double y0 = -0.1, y1 = 0.1;
    for (double v : s.y)
        if (std::isfinite(v)) { y0 = std::min(y0, v); y1 = std::max(y1, v); }
    auto px = [&](double x) { return L + (x - x0) / (x1 - x0) * (W - L - R); };
    auto py = [&](double y) { return T + (y1 - y) / (y1 - y0) * (H - T - B); };
    if (plot_impl::ends_with(plot_impl::lower(path), ".svg")) {
        std::ostringstream o;
        o << "<svg xmlns='http://www.w3.org/2000/svg' width='" << W << "' height='" << H + 260 << "'>\n"
          << "<rect width='100%' height='100%' fill='white'/>\n"
          << "<line x1='" << L << "' y1='" << py(0) << "' x2='" << W - R << "' y2='" << py(0) << "' stroke='#bbb'/>\n"
          << "<line x1='" << px(0) << "' y1='" << T << "' x2='" << px(0) << "' y2='" << H - B << "' stroke='#bbb'/>\n"
          << "<polyline fill='none' stroke='#1f77b4' stroke-width='1.5' points='";
        for (std::size_t i = 0; i < s.x.size(); ++i)
            if (std::isfinite(s.y[i])) o << px(s.x[i]) << "," << py(s.y[i]) << " ";
        o << "'/>\n";
        if (r.valid)
            o << "<line x1='" << px(r.offset_ms) << "' y1='" << T << "' x2='" << px(r.offset_ms) << "' y2='" << H - B
              << "' stroke='#d62728' stroke-dasharray='4,3'/>\n";
        o << "<text x='" << W / 2 << "' y='" << H - 12 << "' text-anchor='middle' font-family='sans-serif' font-size='13'>"
          << "lag (ms, &gt; 0 = audio late); estimate " << std::lround(r.offset_ms) << " ms</text>\n"
          << "<text x='" << L << "' y='" << H - B + 16 << "' font-family='sans-serif' font-size='11'>" << std::lround(x0)
          << "</text><text x='" << W - R << "' y='" << H - B + 16
          << "' text-anchor='end' font-family='sans-serif' font-size='11'>" << std::lround(x1) << "</text>\n"
          << "<text x='14' y='" << (H - B + T) / 2 << "' font-family='sans-serif' font-size='13' transform='rotate(-90 14 "
          << (H - B + T) / 2 << ")' text-anchor='middle'>correlation</text>\n";
        // Second panel: the audio cues over time (each standardised), e.g. energy vs phone openness.
        const int P0 = H + 10, PH = 220;
        const char* colours[] = {"#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
        std::size_t ci = 0;
        for (const auto& [name, values] : r.audio_cue_tracks) {
            double mean = 0, n = 0;
            for (double v : values) if (std::isfinite(v)) { mean += v; n += 1; }
            if (n < 2) continue;
            mean /= n;
            double var = 0;
            for (double v : values) if (std::isfinite(v)) var += (v - mean) * (v - mean) / n;
            const double sd = std::max(std::sqrt(var), 1e-12);
            const double tx = double(W - L - R) / std::max<double>(1.0, double(values.size() - 1));
            o << "<polyline fill='none' stroke='" << colours[ci % 4] << "' stroke-width='1' points='";
            for (std::size_t i = 0; i < values.size(); ++i) {
                if (!std::isfinite(values[i])) continue;
                const double z = std::clamp((values[i] - mean) / sd, -4.0, 4.0);
                o << L + tx * double(i) << "," << P0 + PH / 2 - z * (PH / 9.0) << " ";
            }
            o << "'/>\n<text x='" << L + 5 << "' y='" << P0 + 14 + 14 * int(ci) << "' font-family='sans-serif' font-size='12' fill='"
              << colours[ci % 4] << "'>" << name << " (z)</text>\n";
            ++ci;
        }
        o << "<text x='" << W / 2 << "' y='" << P0 + PH + 16 << "' text-anchor='middle' font-family='sans-serif' font-size='13'>"
          << "time (video frames at " << r.fps << " fps)</text>\n</svg>\n";
        const std::string text = o.str();
        io::write_file_atomic(path, text.data(), text.size());
        return;
    }
    if (!plot_impl::ends_with(plot_impl::lower(path), ".png")) throw usage_error("--plot needs a .svg or .png file name, got '" + path + "'");
    std::vector<std::uint8_t> img(std::size_t(W) * H * 3, 255);
    auto dot = [&](int x, int y, std::uint8_t r8, std::uint8_t g8, std::uint8_t b8) {
        if (x < 0 || y < 0 || x >= W || y >= H) return;
        std::uint8_t* p = &img[(std::size_t(y) * W + std::size_t(x)) * 3];
        p[0] = r8; p[1] = g8; p[2] = b8;
    };
    auto line = [&](double ax, double ay, double bx, double by, std::uint8_t r8, std::uint8_t g8, std::uint8_t b8) {
        const int steps = int(std::max(std::fabs(bx - ax), std::fabs(by - ay))) + 1;
        for (int i = 0; i <= steps; ++i) {
            const double t = double(i) / steps;
            dot(int(std::lround(ax + t * (bx - ax))), int(std::lround(ay + t * (by - ay))), r8, g8, b8);
        }
    };
    line(L, py(0), W - R, py(0), 190, 190, 190);
    line(px(0), T, px(0), H - B, 190, 190, 190);
    line(L, T, L, H - B, 0, 0, 0);
    line(L, H - B, W - R, H - B, 0, 0, 0);
    if (r.valid)
        for (int y = T; y < H - B; y += 6) line(px(r.offset_ms), y, px(r.offset_ms), y + 3, 214, 39, 40);
    for (std::size_t i = 1; i < s.x.size(); ++i)
        if (std::isfinite(s.y[i]) && std::isfinite(s.y[i - 1]))
            line(px(s.x[i - 1]), py(s.y[i - 1]), px(s.x[i]), py(s.y[i]), 31, 119, 180);
    std::vector<std::uint8_t> png;
    auto sink = [](void* ctx, void* data, int size) {
        auto* v = static_cast<std::vector<std::uint8_t>*>(ctx);
        v->insert(v->end(), static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
    };
    if (!stbi_write_png_to_func(sink, &png, W, H, 3, img.data(), W * 3))
        throw syncdsp::io_error("plot", "cannot encode the PNG");
    io::write_file_atomic(path, png);
}

}  // namespace syncdsp::cli
