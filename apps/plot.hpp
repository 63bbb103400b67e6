// apps/plot.hpp - the pictures of one measurement (`sync --plot`, the HTML report): the correlation
// over offsets with the peak, the 90 % interval and the tolerance; the offset of each window over
// time with its interval and confidence; the audio cues over time. Drawn from the JSON of a result
// (what `sync --json` prints plus "audio_cues"), so the SVG, the PNG and the HTML report of a
// batch line show the same thing.
#pragma once

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <stb_image_write.h>

#include "batch_line.hpp"
#include "chart.hpp"
#include "cli.hpp"
#include "report_json.hpp"
#include "syncdsp/io/file.hpp"
#include "syncdsp/pipeline/classic.hpp"

namespace syncdsp::cli {

namespace plot_impl {

inline bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

inline std::string lower(std::string s) {
    for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

inline double number(const nlohmann::json& v) { return v.is_number() ? v.get<double>() : NAN; }

inline std::string signed_ms(double ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%+.0f ms", ms);
    return buf;
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

/// The panels of one result (see the file comment). `result` is a `sync --json` object; the cue
/// panel needs its "audio_cues" (batch lines and sync --plot have them).
inline std::vector<chart::panel> result_panels(const nlohmann::json& result) {
    using plot_impl::number;
    std::vector<chart::panel> ps;
    const bool valid = result.value("valid", false);
    const double offset = result.value("offset_ms", 0.0);
    const auto& tol = result.contains("tolerance") ? result["tolerance"] : nlohmann::json::object();
    const double early = tol.value("early_ms", 45.0), late = tol.value("late_ms", 125.0);
    const std::string tol_name = "in tolerance (" + tol.value("name", std::string("itu")) + ": " +
                                 plot_impl::signed_ms(-early) + ".." + plot_impl::signed_ms(late) + ")";
    // 1. The correlation over offsets.
    {
        chart::panel p;
        p.title = "Correlation of mouth and sound over offsets" +
                  (valid ? ": peak at " + plot_impl::signed_ms(offset) : std::string(": no peak found"));
        p.x_label = "offset (ms; > 0 = audio late)";
        p.y_label = "correlation (mean Pearson r)";
        chart::series s;
        s.name = "correlation";
        if (result.contains("curve")) {
            const auto& lags = result["curve"]["lags_ms"];
            const auto& scores = result["curve"]["scores"];
            for (std::size_t i = 0; i < lags.size() && i < scores.size(); ++i) {
                s.x.push_back(number(lags[i]));
                s.y.push_back(number(scores[i]));
            }
        }
        p.bands.push_back({tol_name, -early, late, chart::green(), 0.13, false});
        if (valid && result.contains("interval_ms")) {
            p.bands.push_back({"90 % interval (" + describe_interval(number(result["interval_ms"][0]), number(result["interval_ms"][1])) + ")",
                               number(result["interval_ms"][0]), number(result["interval_ms"][1]), chart::red(), 0.18, false});
            p.markers.push_back({"offset " + plot_impl::signed_ms(offset) + (result.value("reliable", false) ? " (reliable)" : " (not reliable)"),
                                 offset, chart::red(), true});
        }
        if (!s.x.empty()) {
            p.x_min = s.x.front();
            p.x_max = s.x.back();
        }
        p.lines.push_back(std::move(s));
        p.height = 320;
        ps.push_back(std::move(p));
    }
    // 2. The windows over time, and their confidence.
    if (result.contains("windows") && !result["windows"].empty()) {
        chart::panel p, c;
        p.title = "Offset over time (each window's answer and 90 % interval)";
        p.x_label = "time in the clip (s, window centre)";
        p.y_label = "offset (ms)";
        c.title = "Confidence of each window (standard deviations above chance)";
        c.x_label = p.x_label;
        c.y_label = "confidence";
        chart::series rel, unrel, conf;
        rel.name = "reliable window";
        unrel.name = "not reliable";
        rel.dots = unrel.dots = conf.dots = true;
        rel.width = unrel.width = 0;
        unrel.c = chart::grey();
        conf.name = "confidence";
        conf.c = chart::purple();
        for (const auto& w : result["windows"]) {
            if (!w.value("valid", false)) continue;
            const double t = (number(w["start_s"]) + number(w["end_s"])) / 2;
            auto& s = w.value("reliable", false) ? rel : unrel;
            s.x.push_back(t);
            s.y.push_back(number(w["offset_ms"]));
            s.lo.push_back(number(w["interval_ms"][0]));
            s.hi.push_back(number(w["interval_ms"][1]));
            conf.x.push_back(t);
            conf.y.push_back(number(w["confidence"]));
        }
        p.bands.push_back({tol_name, -early, late, chart::green(), 0.13, true});
        for (auto* s : {&rel, &unrel})
            if (!s->x.empty()) p.lines.push_back(*s);
        if (!conf.x.empty()) c.lines.push_back(conf);
        double t1 = result.value("duration_s", 0.0);
        p.x_min = c.x_min = 0;
        if (t1 > 0) p.x_max = c.x_max = t1;
        p.height = 280;
        c.height = 200;
        c.y_min = 0;
        ps.push_back(std::move(p));
        ps.push_back(std::move(c));
    }
    // 3. The audio cues over time, standardised.
    if (result.contains("audio_cues") && !result["audio_cues"]["tracks"].empty()) {
        chart::panel p;
        p.title = "Audio cues over time (each standardised: z-score)";
        p.x_label = "time in the clip (s)";
        p.y_label = "cue (z)";
        const double t0 = number(result["audio_cues"]["start_s"]), rate = number(result["audio_cues"]["rate_hz"]);
        const chart::colour colours[] = {chart::green(), chart::purple(), chart::orange(), {140, 86, 75}};
        std::size_t ci = 0;
        for (const auto& tr : result["audio_cues"]["tracks"]) {
            chart::series s;
            s.name = tr.value("name", std::string("cue"));
            s.c = colours[ci++ % 4];
            s.width = 1.2;
            double mean = 0, n = 0;
            for (const auto& v : tr["values"])
                if (v.is_number()) { mean += v.get<double>(); n += 1; }
            if (n < 2 || !(rate > 0)) continue;
            mean /= n;
            double var = 0;
            for (const auto& v : tr["values"])
                if (v.is_number()) var += (v.get<double>() - mean) * (v.get<double>() - mean) / n;
            const double sd = std::max(std::sqrt(var), 1e-12);
            std::size_t i = 0;
            for (const auto& v : tr["values"]) {
                s.x.push_back((std::isfinite(t0) ? t0 : 0) + double(i++) / rate);
                s.y.push_back(v.is_number() ? std::clamp((v.get<double>() - mean) / sd, -5.0, 5.0) : NAN);
            }
            p.lines.push_back(std::move(s));
        }
        if (!p.lines.empty()) {
            p.height = 240;
            ps.push_back(std::move(p));
        }
    }
    return ps;
}

/// The caption of a result's chart: the file and the answer in words.
inline std::string result_caption(const nlohmann::json& result) {
    std::string file = result.value("file", std::string());
    const auto slash = file.find_last_of('/');
    if (slash != std::string::npos) file = file.substr(slash + 1);
    const std::string text = result.contains("verdict") ? result["verdict"].value("text", std::string()) : "";
    return file + (text.empty() ? "" : ": " + text);
}

/// The chart of a result as an SVG element (width in pixels).
inline std::string result_svg(const nlohmann::json& result, double width, const std::string& id_prefix,
                              bool caption = true) {
    const auto ps = result_panels(result);
    const std::string cap = caption ? result_caption(result) : "";
    chart::svg_canvas cv(id_prefix);
    chart::draw_chart(cv, ps, width, cap);
    return cv.svg(width, chart::chart_height(ps, cap), result_caption(result));
}

/// Writes the chart of a measurement to an .svg or .png file (all or nothing).
inline void write_result_plot(const std::string& path, const nlohmann::json& result) {
    const double width = 900;
    const auto ps = result_panels(result);
    const std::string cap = result_caption(result);
    const double height = chart::chart_height(ps, cap);
    if (plot_impl::ends_with(plot_impl::lower(path), ".svg")) {
        chart::svg_canvas cv("p");
        chart::draw_chart(cv, ps, width, cap);
        const std::string text = "<?xml version='1.0' encoding='UTF-8'?>\n" + cv.svg(width, height, cap);
        io::write_file_atomic(path, text.data(), text.size());
        return;
    }
    if (!plot_impl::ends_with(plot_impl::lower(path), ".png"))
        throw usage_error("--plot needs a .svg or .png file name, got '" + path + "'");
    chart::raster_canvas cv(int(width), int(std::ceil(height)));
    chart::draw_chart(cv, ps, width, cap);
    std::vector<std::uint8_t> png;
    auto sink = [](void* ctx, void* data, int size) {
        auto* v = static_cast<std::vector<std::uint8_t>*>(ctx);
        v->insert(v->end(), static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
    };
    if (!stbi_write_png_to_func(sink, &png, cv.width(), cv.height(), 3, cv.pixels().data(), cv.width() * 3))
        throw syncdsp::io_error("plot", "cannot encode the PNG");
    io::write_file_atomic(path, png);
}

/// `sync --plot`: the chart of a report.
inline void write_curve_plot(const std::string& path, const pipeline::offset_report& r, const std::string& file = "") {
    auto j = to_json(r, file);
    j["audio_cues"] = audio_cues_json(r);
    write_result_plot(path, j);
}

}  // namespace syncdsp::cli
