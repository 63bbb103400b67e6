// apps/chart.hpp - line charts with labelled axes, ticks, bands and a legend, drawn the same way to
// SVG (for --plot .svg and the HTML report) and to a PNG raster (for --plot .png).
//
// A chart is a list of panels (one above the other). Each panel is drawn through a small canvas
// interface with two back ends: svg_canvas writes SVG elements; raster_canvas draws anti-aliased
// lines and rectangles into an RGB buffer and text with stb_truetype from a real font (DejaVu Sans,
// Debian fonts-dejavu-core), so the PNG carries the same words and numbers as the SVG.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <stb_truetype.h>

#include "syncdsp/core/error.hpp"

namespace syncdsp::cli::chart {

struct colour {
    std::uint8_t r = 0, g = 0, b = 0;
    std::string hex() const {
        char buf[8];
        std::snprintf(buf, sizeof buf, "#%02x%02x%02x", r, g, b);
        return buf;
    }
};
inline colour blue() { return {31, 119, 180}; }
inline colour red() { return {214, 39, 40}; }
inline colour green() { return {44, 160, 44}; }
inline colour orange() { return {255, 127, 14}; }
inline colour purple() { return {148, 103, 189}; }
inline colour grey() { return {127, 127, 127}; }
inline colour black() { return {0, 0, 0}; }

enum class anchor { start, middle, end };

/// What a panel is drawn on (pixels, y down).
class canvas {
public:
    virtual ~canvas() = default;
    virtual void line(double x1, double y1, double x2, double y2, colour c, double width, bool dashed = false) = 0;
    virtual void polyline(const std::vector<std::pair<double, double>>& pts, colour c, double width) {
        for (std::size_t i = 1; i < pts.size(); ++i)
            line(pts[i - 1].first, pts[i - 1].second, pts[i].first, pts[i].second, c, width);
    }
    virtual void rect(double x, double y, double w, double h, colour fill, double opacity) = 0;
    virtual void circle(double x, double y, double r, colour fill) = 0;
    /// Text whose baseline starts/centres/ends at (x, y); vertical = rotated -90 degrees.
    virtual void text(double x, double y, const std::string& s, double size, colour c, anchor a, bool vertical = false,
                      bool bold = false) = 0;
    virtual double text_width(const std::string& s, double size) const = 0;
    /// Everything drawn until pop_clip() is clipped to the rectangle.
    virtual void push_clip(double x, double y, double w, double h) = 0;
    virtual void pop_clip() = 0;
};

/// A data series: y = NaN leaves a gap. With lo/hi (same size as y), each point gets a vertical
/// bar (e.g. an interval) and a dot.
struct series {
    std::string name;
    std::vector<double> x, y, lo, hi;
    colour c = blue();
    double width = 1.5;
    bool dots = false;
    double bar_width = 0;  ///< > 0: a bar from y = 0 to each point, this wide in x units (a histogram)
};

/// A shaded stretch of x (vertical band) or of y (horizontal band), named in the legend.
struct band {
    std::string name;
    double from = 0, to = 0;
    colour c = grey();
    double opacity = 0.15;
    bool along_y = false;  ///< true: a horizontal band from y=from to y=to
};

/// A vertical marker at x, named in the legend.
struct marker {
    std::string name;
    double x = 0;
    colour c = red();
    bool dashed = true;
};

struct panel {
    std::string title, x_label, y_label;
    std::vector<series> lines;
    std::vector<band> bands;
    std::vector<marker> markers;
    double height = 300;
    /// Fixed ranges (NaN: from the data).
    double x_min = NAN, x_max = NAN, y_min = NAN, y_max = NAN;
    bool legend = true;
};

/// Ticks at 1, 2 or 5 times a power of ten, about `target` of them over [lo, hi].
inline std::vector<double> nice_ticks(double lo, double hi, int target = 6) {
    std::vector<double> t;
    if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return t;
    const double raw = (hi - lo) / target;
    const double p = std::pow(10.0, std::floor(std::log10(raw)));
    double step = p;
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (raw <= m * p) {
            step = m * p;
            break;
        }
    for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) t.push_back(std::fabs(v) < step * 1e-9 ? 0 : v);
    return t;
}

inline std::string tick_label(double v, double step) {
    char buf[32];
    const int decimals = step >= 1 ? 0 : std::min(6, int(std::ceil(-std::log10(step) - 1e-9)));
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    std::string s = buf;
    if (s[0] == '-') s = "\u2212" + s.substr(1);  // a real minus sign
    return s;
}

/// Draws one panel into the box (x0, y0, w, p.height) of the canvas.
inline void draw_panel(canvas& cv, const panel& p, double x0, double y0, double w) {
    const double L = 70, R = 16, T = p.title.empty() ? 12 : 30, B = 46;
    const double px0 = x0 + L, px1 = x0 + w - R, py0 = y0 + T, py1 = y0 + p.height - B;
    // Data ranges.
    double xmin = p.x_min, xmax = p.x_max, ymin = p.y_min, ymax = p.y_max;
    auto widen = [](double& lo, double& hi, double v) {
        if (!std::isfinite(v)) return;
        lo = std::isfinite(lo) ? std::min(lo, v) : v;
        hi = std::isfinite(hi) ? std::max(hi, v) : v;
    };
    double dxl = NAN, dxh = NAN, dyl = NAN, dyh = NAN;
    for (const auto& s : p.lines)
        for (std::size_t i = 0; i < s.x.size(); ++i) {
            if (!std::isfinite(s.y[i])) continue;
            widen(dxl, dxh, s.x[i] - s.bar_width / 2);
            widen(dxl, dxh, s.x[i] + s.bar_width / 2);
            if (s.bar_width > 0) widen(dyl, dyh, 0);
            widen(dyl, dyh, s.y[i]);
            if (!s.lo.empty()) widen(dyl, dyh, s.lo[i]);
            if (!s.hi.empty()) widen(dyl, dyh, s.hi[i]);
        }
    if (!std::isfinite(xmin)) xmin = std::isfinite(dxl) ? dxl : 0;
    if (!std::isfinite(xmax)) xmax = std::isfinite(dxh) ? dxh : 1;
    if (!std::isfinite(ymin)) ymin = std::isfinite(dyl) ? dyl : 0;
    if (!std::isfinite(ymax)) ymax = std::isfinite(dyh) ? dyh : 1;
    if (!(xmax > xmin)) xmax = xmin + 1;
    if (!(ymax > ymin)) {
        ymin -= 0.5;
        ymax += 0.5;
    } else if (std::isnan(p.y_min) || std::isnan(p.y_max)) {
        const double pad = 0.06 * (ymax - ymin);
        if (std::isnan(p.y_min)) ymin -= pad;
        if (std::isnan(p.y_max)) ymax += pad;
    }
    auto X = [&](double x) { return px0 + (x - xmin) / (xmax - xmin) * (px1 - px0); };
    auto Y = [&](double y) { return py1 - (y - ymin) / (ymax - ymin) * (py1 - py0); };
    const colour axis = black(), grid{225, 225, 225}, label{60, 60, 60};
    if (!p.title.empty()) cv.text(x0 + L, y0 + 19, p.title, 14, black(), anchor::start, false, true);
    // Grid and ticks.
    const auto xt = nice_ticks(xmin, xmax, int(std::max(3.0, (px1 - px0) / 90)));
    const auto yt = nice_ticks(ymin, ymax, int(std::max(3.0, (py1 - py0) / 45)));
    const double xstep = xt.size() > 1 ? xt[1] - xt[0] : 1, ystep = yt.size() > 1 ? yt[1] - yt[0] : 1;
    for (double v : xt) {
        cv.line(X(v), py0, X(v), py1, grid, 1);
        cv.line(X(v), py1, X(v), py1 + 5, axis, 1);
        cv.text(X(v), py1 + 18, tick_label(v, xstep), 11, label, anchor::middle);
    }
    for (double v : yt) {
        cv.line(px0, Y(v), px1, Y(v), grid, 1);
        cv.line(px0 - 5, Y(v), px0, Y(v), axis, 1);
        cv.text(px0 - 8, Y(v) + 4, tick_label(v, ystep), 11, label, anchor::end);
    }
    cv.push_clip(px0, py0, px1 - px0, py1 - py0);
    for (const auto& b : p.bands) {
        if (b.along_y) {
            const double a = Y(std::min(std::max(b.to, ymin), ymax)), c = Y(std::max(std::min(b.from, ymax), ymin));
            cv.rect(px0, a, px1 - px0, c - a, b.c, b.opacity);
        } else {
            const double a = X(std::max(b.from, xmin)), c = X(std::min(b.to, xmax));
            if (c > a) cv.rect(a, py0, c - a, py1 - py0, b.c, b.opacity);
        }
    }
    if (ymin < 0 && ymax > 0) cv.line(px0, Y(0), px1, Y(0), {170, 170, 170}, 1);
    for (const auto& s : p.lines) {
        std::vector<std::pair<double, double>> run;
        auto flush = [&] {
            if (run.size() > 1) cv.polyline(run, s.c, s.width);
            run.clear();
        };
        for (std::size_t i = 0; i < s.x.size(); ++i) {
            if (!std::isfinite(s.y[i])) {
                flush();
                continue;
            }
            if (!s.lo.empty() && std::isfinite(s.lo[i]) && std::isfinite(s.hi[i]))
                cv.line(X(s.x[i]), Y(s.lo[i]), X(s.x[i]), Y(s.hi[i]), s.c, 1.5);
            if (s.dots) cv.circle(X(s.x[i]), Y(s.y[i]), 3.5, s.c);
            if (s.bar_width > 0) {
                const double bx0 = X(s.x[i] - s.bar_width / 2), bx1 = X(s.x[i] + s.bar_width / 2);
                const double top = Y(std::max(s.y[i], 0.0)), bottom = Y(std::min(s.y[i], 0.0));
                cv.rect(bx0 + 0.5, top, std::max(1.0, bx1 - bx0 - 1), bottom - top, s.c, 0.85);
                continue;
            }
            if (s.width > 0) run.emplace_back(X(s.x[i]), Y(s.y[i]));
        }
        flush();
    }
    for (const auto& m : p.markers)
        if (m.x >= xmin && m.x <= xmax) cv.line(X(m.x), py0, X(m.x), py1, m.c, 1.5, m.dashed);
    cv.pop_clip();
    // Frame and axis labels.
    cv.line(px0, py1, px1, py1, axis, 1);
    cv.line(px0, py0, px0, py1, axis, 1);
    cv.text((px0 + px1) / 2, y0 + p.height - 8, p.x_label, 12, black(), anchor::middle);
    cv.text(x0 + 16, (py0 + py1) / 2, p.y_label, 12, black(), anchor::middle, true);
    // Legend: every named series, band and marker.
    if (!p.legend) return;
    struct entry {
        std::string name;
        colour c;
        int kind;  // 0 line, 1 band, 2 marker, 3 dots
        double opacity;
    };
    std::vector<entry> es;
    for (const auto& s : p.lines)
        if (!s.name.empty()) es.push_back({s.name, s.c, s.bar_width > 0 ? 1 : s.width > 0 ? 0 : 3, 0.85});
    for (const auto& b : p.bands)
        if (!b.name.empty()) es.push_back({b.name, b.c, 1, std::max(0.3, b.opacity)});
    for (const auto& m : p.markers)
        if (!m.name.empty()) es.push_back({m.name, m.c, 2, 1});
    if (es.empty()) return;
    double tw = 0;
    for (const auto& e : es) tw = std::max(tw, cv.text_width(e.name, 11));
    // The legend goes in the corner where it hides the fewest data points (top right on a tie).
    const double lw = tw + 40, lh = 16.0 * double(es.size()) + 8;
    double lx = px1 - lw - 6, ly = py0 + 6;
    std::size_t least = SIZE_MAX;
    for (const auto& [cx, cy] : {std::pair{px1 - lw - 6, py0 + 6}, std::pair{px0 + 6, py0 + 6},
                                 std::pair{px1 - lw - 6, py1 - lh - 6}, std::pair{px0 + 6, py1 - lh - 6}}) {
        std::size_t hidden = 0;
        auto count = [&](double x, double y) {
            if (!std::isfinite(x) || !std::isfinite(y) || x < xmin || x > xmax) return;
            const double u = X(x), v = Y(std::clamp(y, ymin, ymax));
            if (u >= cx && u <= cx + lw && v >= cy && v <= cy + lh) ++hidden;
        };
        for (const auto& s : p.lines)
            for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
                count(s.x[i], s.y[i]);
                if (i < s.lo.size() && i < s.hi.size())  // an interval bar: points along it
                    for (double f : {0.0, 0.25, 0.75, 1.0}) count(s.x[i], s.lo[i] + f * (s.hi[i] - s.lo[i]));
            }
        if (hidden < least) {
            least = hidden;
            lx = cx;
            ly = cy;
        }
    }
    cv.rect(lx, ly, lw, lh, {255, 255, 255}, 0.88);
    cv.line(lx, ly, lx + lw, ly, {200, 200, 200}, 1);
    cv.line(lx, ly + lh, lx + lw, ly + lh, {200, 200, 200}, 1);
    cv.line(lx, ly, lx, ly + lh, {200, 200, 200}, 1);
    cv.line(lx + lw, ly, lx + lw, ly + lh, {200, 200, 200}, 1);
    for (std::size_t i = 0; i < es.size(); ++i) {
        const double yy = ly + 14 + 16.0 * double(i);
        const auto& e = es[i];
        if (e.kind == 0) cv.line(lx + 6, yy - 4, lx + 28, yy - 4, e.c, 2);
        if (e.kind == 1) cv.rect(lx + 6, yy - 10, 22, 11, e.c, e.opacity);
        if (e.kind == 2) cv.line(lx + 17, yy - 11, lx + 17, yy + 2, e.c, 1.5, true);
        if (e.kind == 3) cv.circle(lx + 17, yy - 4, 3.5, e.c);
        cv.text(lx + 34, yy, e.name, 11, black(), anchor::start);
    }
}

/// Total height of a chart of panels, with a caption line on top when given.
inline double chart_height(const std::vector<panel>& ps, const std::string& caption) {
    double h = caption.empty() ? 0 : 28;
    for (const auto& p : ps) h += p.height;
    return h;
}

inline void draw_chart(canvas& cv, const std::vector<panel>& ps, double width, const std::string& caption) {
    double y = 0;
    if (!caption.empty()) {
        std::string shown = caption;  // a long caption is cut at a character boundary, with an ellipsis
        bool cut = false;
        while (shown.size() > 8 && 1.15 * cv.text_width(shown + (cut ? "\u2026" : ""), 13) > width - 20) {  // bold is wider
            while (!shown.empty() && (static_cast<unsigned char>(shown.back()) & 0xC0) == 0x80) shown.pop_back();
            if (!shown.empty()) shown.pop_back();
            cut = true;
        }
        if (cut) shown += "\u2026";
        cv.text(10, 19, shown, 13, black(), anchor::start, false, true);
        y = 28;
    }
    for (const auto& p : ps) {
        draw_panel(cv, p, 0, y, width);
        y += p.height;
    }
}

// ---------------------------------------------------------------------------------------------
// SVG back end.

inline std::string xml_escape(const std::string& s) {
    std::string o;
    for (char c : s) {
        switch (c) {
            case '&': o += "&amp;"; break;
            case '<': o += "&lt;"; break;
            case '>': o += "&gt;"; break;
            case '"': o += "&quot;"; break;
            case '\'': o += "&#39;"; break;
            default: o += c;
        }
    }
    return o;
}

class svg_canvas : public canvas {
public:
    explicit svg_canvas(std::string id_prefix = "c") : prefix_(std::move(id_prefix)) {}
    void line(double x1, double y1, double x2, double y2, colour c, double width, bool dashed) override {
        o_ << "<line x1='" << f(x1) << "' y1='" << f(y1) << "' x2='" << f(x2) << "' y2='" << f(y2) << "' stroke='" << c.hex()
           << "' stroke-width='" << width << "'" << (dashed ? " stroke-dasharray='5,4'" : "") << "/>\n";
    }
    void polyline(const std::vector<std::pair<double, double>>& pts, colour c, double width) override {
        o_ << "<polyline fill='none' stroke='" << c.hex() << "' stroke-width='" << width << "' stroke-linejoin='round' points='";
        for (const auto& [x, y] : pts) o_ << f(x) << "," << f(y) << " ";
        o_ << "'/>\n";
    }
    void rect(double x, double y, double w, double h, colour fill, double opacity) override {
        o_ << "<rect x='" << f(x) << "' y='" << f(y) << "' width='" << f(std::max(0.0, w)) << "' height='" << f(std::max(0.0, h))
           << "' fill='" << fill.hex() << "' fill-opacity='" << opacity << "'/>\n";
    }
    void circle(double x, double y, double r, colour fill) override {
        o_ << "<circle cx='" << f(x) << "' cy='" << f(y) << "' r='" << r << "' fill='" << fill.hex() << "'/>\n";
    }
    void text(double x, double y, const std::string& s, double size, colour c, anchor a, bool vertical, bool bold) override {
        const char* an = a == anchor::start ? "start" : a == anchor::middle ? "middle" : "end";
        o_ << "<text x='" << f(x) << "' y='" << f(y) << "' font-family='DejaVu Sans, Verdana, sans-serif' font-size='" << size
           << "' fill='" << c.hex() << "' text-anchor='" << an << "'" << (bold ? " font-weight='bold'" : "");
        if (vertical) o_ << " transform='rotate(-90 " << f(x) << " " << f(y) << ")'";
        o_ << ">" << xml_escape(s) << "</text>\n";
    }
    double text_width(const std::string& s, double size) const override {
        std::size_t chars = 0;  // UTF-8 code points
        for (unsigned char ch : s) chars += (ch & 0xC0) != 0x80;
        return 0.6 * size * double(chars);  // DejaVu Sans averages about 0.6 em
    }
    void push_clip(double x, double y, double w, double h) override {
        const std::string id = prefix_ + "clip" + std::to_string(clips_++);
        o_ << "<clipPath id='" << id << "'><rect x='" << f(x) << "' y='" << f(y) << "' width='" << f(w) << "' height='" << f(h)
           << "'/></clipPath>\n<g clip-path='url(#" << id << ")'>\n";
    }
    void pop_clip() override { o_ << "</g>\n"; }
    /// The whole <svg> element.
    std::string svg(double width, double height, const std::string& title = "") const {
        std::ostringstream s;
        s << "<svg xmlns='http://www.w3.org/2000/svg' width='" << f(width) << "' height='" << f(height) << "' viewBox='0 0 "
          << f(width) << " " << f(height) << "' role='img'>\n";
        if (!title.empty()) s << "<title>" << xml_escape(title) << "</title>\n";
        s << "<rect width='100%' height='100%' fill='white'/>\n" << o_.str() << "</svg>\n";
        return s.str();
    }

private:
    static std::string f(double v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f", v);
        return buf;
    }
    std::ostringstream o_;
    std::string prefix_;
    int clips_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Raster back end.

/// A TrueType font file read once (DejaVu Sans from Debian fonts-dejavu-core unless $SYNCDSP_FONT).
class font {
public:
    static const font& sans(bool bold = false) {
        static const font regular(find(false)), heavy(find(true));
        return bold ? heavy : regular;
    }
    const stbtt_fontinfo& info() const { return info_; }

private:
    static std::string find(bool bold) {
        if (const char* env = std::getenv("SYNCDSP_FONT")) return env;
        const char* candidates[] = {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                                    "/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans.ttf"};
        const char* bold_candidates[] = {"/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
                                         "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
                                         "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"};
        for (const char* c : bold ? bold_candidates : candidates)
            if (std::ifstream(c).good()) return c;
        if (bold) return find(false);
        return "";
    }
    explicit font(const std::string& path) {
        if (path.empty())
            detail::throw_io_error("plot", "no font for the text of a PNG: install fonts-dejavu-core (DejaVuSans.ttf), set "
                                           "SYNCDSP_FONT to a .ttf file, or write an .svg");
        std::ifstream in(path, std::ios::binary);
        bytes_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        if (bytes_.empty() ||
            !stbtt_InitFont(&info_, reinterpret_cast<const unsigned char*>(bytes_.data()),
                            stbtt_GetFontOffsetForIndex(reinterpret_cast<const unsigned char*>(bytes_.data()), 0)))
            detail::throw_io_error("plot", "cannot read the font '", path, "' (a TrueType .ttf file is needed)");
    }
    std::vector<char> bytes_;
    stbtt_fontinfo info_{};
};

/// Decodes UTF-8 into code points (invalid bytes become '?').
inline std::vector<int> code_points(const std::string& s) {
    std::vector<int> out;
    for (std::size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + std::size_t(n) > s.size()) {
            out.push_back('?');
            ++i;
            continue;
        }
        int cp = n == 1 ? c : c & (0x3F >> (n - 1));
        for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + std::size_t(k)]) & 0x3F);
        out.push_back(cp);
        i += std::size_t(n);
    }
    return out;
}

class raster_canvas : public canvas {
public:
    raster_canvas(int width, int height) : w_(width), h_(height), px_(std::size_t(width) * std::size_t(height) * 3, 255) {
        clips_.push_back({0, 0, double(width), double(height)});
    }
    const std::vector<std::uint8_t>& pixels() const { return px_; }
    int width() const { return w_; }
    int height() const { return h_; }

    void line(double x1, double y1, double x2, double y2, colour c, double width, bool dashed) override {
        if (!dashed) return segment(x1, y1, x2, y2, c, width);
        const double len = std::hypot(x2 - x1, y2 - y1);
        for (double t = 0; t < len; t += 9) {
            const double e = std::min(len, t + 5);
            segment(x1 + (x2 - x1) * t / len, y1 + (y2 - y1) * t / len, x1 + (x2 - x1) * e / len, y1 + (y2 - y1) * e / len, c, width);
        }
    }
    void rect(double x, double y, double w, double h, colour fill, double opacity) override {
        for (int yy = int(std::floor(y)); yy < int(std::ceil(y + h)); ++yy)
            for (int xx = int(std::floor(x)); xx < int(std::ceil(x + w)); ++xx) {
                const double cov = overlap(xx, x, x + w) * overlap(yy, y, y + h);
                blend(xx, yy, fill, cov * opacity);
            }
    }
    void circle(double x, double y, double r, colour fill) override {
        for (int yy = int(y - r - 1); yy <= int(y + r + 1); ++yy)
            for (int xx = int(x - r - 1); xx <= int(x + r + 1); ++xx) {
                const double d = std::hypot(xx + 0.5 - x, yy + 0.5 - y);
                blend(xx, yy, fill, std::clamp(r + 0.5 - d, 0.0, 1.0));
            }
    }
    void text(double x, double y, const std::string& s, double size, colour c, anchor a, bool vertical, bool bold) override {
        const auto& fi = font::sans(bold).info();
        const float scale = stbtt_ScaleForPixelHeight(&fi, float(size * 1.2));
        const double tw = text_width_with(fi, scale, s);
        const double shift = a == anchor::start ? 0 : a == anchor::middle ? tw / 2 : tw;
        int ascent = 0, descent = 0, gap = 0;
        stbtt_GetFontVMetrics(&fi, &ascent, &descent, &gap);
        // Render the string into a coverage buffer along its own baseline, then place it.
        const int bw = int(std::ceil(tw)) + 4, asc = int(std::ceil(ascent * scale)) + 1, bh = asc + int(std::ceil(-descent * scale)) + 2;
        std::vector<float> cov(std::size_t(bw) * std::size_t(bh), 0.f);
        double pen = 1;
        const auto cps = code_points(s);
        for (std::size_t i = 0; i < cps.size(); ++i) {
            int adv = 0, lsb = 0, x0 = 0, y0 = 0, x1 = 0, y1 = 0;
            stbtt_GetCodepointHMetrics(&fi, cps[i], &adv, &lsb);
            const float frac = float(pen - std::floor(pen));
            stbtt_GetCodepointBitmapBoxSubpixel(&fi, cps[i], scale, scale, frac, 0, &x0, &y0, &x1, &y1);
            const int gw = x1 - x0, gh = y1 - y0;
            if (gw > 0 && gh > 0) {
                std::vector<unsigned char> g(std::size_t(gw) * std::size_t(gh));
                stbtt_MakeCodepointBitmapSubpixel(&fi, g.data(), gw, gh, gw, scale, scale, frac, 0, cps[i]);
                for (int gy = 0; gy < gh; ++gy)
                    for (int gx = 0; gx < gw; ++gx) {
                        const int bx = int(std::floor(pen)) + x0 + gx, by = asc + y0 + gy;
                        if (bx < 0 || by < 0 || bx >= bw || by >= bh) continue;
                        float& v = cov[std::size_t(by) * std::size_t(bw) + std::size_t(bx)];
                        v = std::min(1.f, v + g[std::size_t(gy) * std::size_t(gw) + std::size_t(gx)] / 255.f);
                    }
            }
            pen += adv * scale;
            if (i + 1 < cps.size()) pen += scale * stbtt_GetCodepointKernAdvance(&fi, cps[i], cps[i + 1]);
        }
        for (int by = 0; by < bh; ++by)
            for (int bx = 0; bx < bw; ++bx) {
                const float v = cov[std::size_t(by) * std::size_t(bw) + std::size_t(bx)];
                if (v <= 0) continue;
                const double u = bx - 1 - shift, w = by - asc;  // along and across the baseline
                const int X = vertical ? int(std::lround(x + w)) : int(std::lround(x + u));
                const int Y = vertical ? int(std::lround(y - u)) : int(std::lround(y + w));
                blend(X, Y, c, v);
            }
    }
    double text_width(const std::string& s, double size) const override {
        const auto& fi = font::sans().info();
        return text_width_with(fi, stbtt_ScaleForPixelHeight(&fi, float(size * 1.2)), s);
    }
    void push_clip(double x, double y, double w, double h) override { clips_.push_back({x, y, x + w, y + h}); }
    void pop_clip() override {
        if (clips_.size() > 1) clips_.pop_back();
    }

private:
    struct box {
        double x0, y0, x1, y1;
    };
    static double text_width_with(const stbtt_fontinfo& fi, float scale, const std::string& s) {
        const auto cps = code_points(s);
        double w = 0;
        for (std::size_t i = 0; i < cps.size(); ++i) {
            int adv = 0, lsb = 0;
            stbtt_GetCodepointHMetrics(&fi, cps[i], &adv, &lsb);
            w += adv * scale;
            if (i + 1 < cps.size()) w += scale * stbtt_GetCodepointKernAdvance(&fi, cps[i], cps[i + 1]);
        }
        return w;
    }
    static double overlap(int p, double a, double b) { return std::clamp(std::min(b, p + 1.0) - std::max(a, double(p)), 0.0, 1.0); }
    void blend(int x, int y, colour c, double a) {
        const box& cl = clips_.back();
        if (a <= 0 || x < 0 || y < 0 || x >= w_ || y >= h_ || x + 1 <= cl.x0 || x >= cl.x1 || y + 1 <= cl.y0 || y >= cl.y1) return;
        a = std::min(1.0, a);
        std::uint8_t* p = &px_[(std::size_t(y) * std::size_t(w_) + std::size_t(x)) * 3];
        p[0] = std::uint8_t(std::lround(p[0] + (c.r - p[0]) * a));
        p[1] = std::uint8_t(std::lround(p[1] + (c.g - p[1]) * a));
        p[2] = std::uint8_t(std::lround(p[2] + (c.b - p[2]) * a));
    }
    // An anti-aliased segment of the given width: coverage from the distance to the segment.
    void segment(double x1, double y1, double x2, double y2, colour c, double width) {
        const double r = std::max(0.5, width / 2);
        const int xa = int(std::floor(std::min(x1, x2) - r - 1)), xb = int(std::ceil(std::max(x1, x2) + r + 1));
        const int ya = int(std::floor(std::min(y1, y2) - r - 1)), yb = int(std::ceil(std::max(y1, y2) + r + 1));
        const double dx = x2 - x1, dy = y2 - y1, len2 = dx * dx + dy * dy;
        for (int y = std::max(ya, 0); y <= std::min(yb, h_ - 1); ++y)
            for (int x = std::max(xa, 0); x <= std::min(xb, w_ - 1); ++x) {
                const double cx = x + 0.5, cy = y + 0.5;
                const double t = len2 > 0 ? std::clamp(((cx - x1) * dx + (cy - y1) * dy) / len2, 0.0, 1.0) : 0.0;
                const double d = std::hypot(cx - (x1 + t * dx), cy - (y1 + t * dy));
                blend(x, y, c, std::clamp(r + 0.5 - d, 0.0, 1.0));
            }
    }
    int w_, h_;
    std::vector<std::uint8_t> px_;
    std::vector<box> clips_;
};

}  // namespace syncdsp::cli::chart
