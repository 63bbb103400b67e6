// apps/html_report.hpp - one self-contained HTML file for people (`report --html`, `sync --report`):
// no network, inline SVG, one small inline script (sorting and filtering the table).
//
// Per batch: the counts per verdict, the histogram of the offsets, and a table of every file
// (sortable by any column, filterable by text and verdict). Per file (the first `details` files):
// the verdict in words, the offset with its interval, the numbers behind it, the face(s) used, and
// the charts of plot.hpp (correlation with peak, interval and tolerance; windows over time with
// their confidence; the audio cues).
#pragma once

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "batch_line.hpp"
#include "batch_summary.hpp"
#include "chart.hpp"
#include "plot.hpp"
#include "syncdsp/io/file.hpp"

namespace syncdsp::cli {

namespace html_impl {

using chart::xml_escape;

inline std::string verdict_words(const std::string& v) {
    if (v == "in_sync") return "in sync";
    if (v == "audio_late") return "audio late";
    if (v == "audio_early") return "audio early";
    if (v == "cant_tell") return "can't tell";
    return "error";
}

inline std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

inline const char* style() {
    return R"(body{font-family:"DejaVu Sans",Verdana,sans-serif;margin:24px auto;max-width:1000px;color:#222;padding:0 12px}
h1{font-size:24px;margin-bottom:4px}h2{font-size:19px;margin-top:32px;border-bottom:1px solid #ddd}
h3{font-size:16px;margin:0 0 6px 0;word-break:break-all}.sub{color:#555;margin-top:0}
.counts{display:flex;gap:10px;flex-wrap:wrap;margin:12px 0}.count{border-radius:6px;padding:8px 14px;min-width:90px}
.count b{display:block;font-size:22px}.v-in_sync{background:#e3f4e3}.v-audio_late,.v-audio_early{background:#fde2e2}
.v-cant_tell{background:#fff3d6}.v-error{background:#eee}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:4px 8px;border-bottom:1px solid #e6e6e6;text-align:left}
th{background:#f6f6f6}#files th{cursor:pointer;user-select:none;position:sticky;top:0}#files th:after{content:" \2195";color:#aaa}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}#files td:first-child{word-break:break-all;min-width:240px;max-width:320px}
.tools{margin:8px 0;display:flex;gap:10px;align-items:center}.tools input{flex:1;padding:5px}
article{border:1px solid #ddd;border-radius:8px;padding:14px;margin:18px 0}
.verdict{font-size:17px;padding:8px 12px;border-radius:6px;margin:6px 0 10px 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;font-size:13px;margin:8px 0}dt{color:#555}dd{margin:0}
svg{max-width:100%;height:auto}.note{color:#666;font-size:13px})";
}

inline const char* script() {
    return R"(<script>
(function () {
  var table = document.getElementById('files');
  if (!table) return;
  var body = table.tBodies[0];
  var heads = table.tHead.rows[0].cells;
  var dir = {};
  for (var i = 0; i < heads.length; i++) {
    heads[i].addEventListener('click', (function (col) {
      return function () {
        dir[col] = -(dir[col] || -1);
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].getAttribute('data-v'), y = b.cells[col].getAttribute('data-v');
          var nx = parseFloat(x), ny = parseFloat(y);
          var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : String(x).localeCompare(String(y));
          return c * dir[col];
        });
        rows.forEach(function (r) { body.appendChild(r); });
      };
    })(i));
  }
  var text = document.getElementById('filter'), verdict = document.getElementById('verdict');
  function apply() {
    var t = text.value.toLowerCase(), v = verdict.value, shown = 0;
    Array.prototype.forEach.call(body.rows, function (r) {
      var ok = (!t || r.textContent.toLowerCase().indexOf(t) >= 0) && (!v || r.getAttribute('data-verdict') === v);
      r.style.display = ok ? '' : 'none';
      if (ok) shown++;
    });
    document.getElementById('shown').textContent = shown + ' of ' + body.rows.length + ' shown';
  }
  text.addEventListener('input', apply);
  verdict.addEventListener('change', apply);
  apply();
})();
</script>
)";
}

// A table cell with its sort value.
inline std::string td(const std::string& shown, const std::string& sort_value, bool number = false) {
    return "<td" + std::string(number ? " class='num'" : "") + " data-v='" + xml_escape(sort_value) + "'>" + shown + "</td>";
}

inline std::string histogram_svg(const batch_summary& s) {
    chart::panel p;
    p.title = "Offsets found (files with an answer)";
    p.x_label = "offset (ms; > 0 = audio late)";
    p.y_label = "files";
    chart::series all, rel;
    all.name = "not reliable";
    rel.name = "reliable";
    all.c = {190, 190, 190};
    all.width = rel.width = 0;
    all.bar_width = rel.bar_width = s.bin_ms;
    for (const auto& [k, n] : s.histogram) {
        all.x.push_back(double(k) * s.bin_ms);
        all.y.push_back(double(n));
        const std::size_t r = s.histogram_reliable.count(k) ? s.histogram_reliable.at(k) : 0;
        rel.x.push_back(double(k) * s.bin_ms);
        rel.y.push_back(double(r));
    }
    p.lines = {all, rel};
    p.y_min = 0;
    if (!s.histogram.empty()) {  // a few empty bins either side, so one bin does not fill the axis
        p.x_min = (double(s.histogram.begin()->first) - 3.5) * s.bin_ms;
        p.x_max = (double(s.histogram.rbegin()->first) + 3.5) * s.bin_ms;
    }
    p.height = 280;
    chart::svg_canvas cv("h");
    chart::draw_chart(cv, {p}, 900, "");
    return cv.svg(900, p.height, "histogram of the offsets");
}

}  // namespace html_impl

/// The HTML report of batch result lines (one per file, e.g. merged by `report`).
inline std::string html_report(const std::vector<nlohmann::json>& rows, const batch_summary& s, std::size_t details,
                               const std::string& title) {
    using namespace html_impl;
    std::string h = "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n<meta name='viewport' "
                    "content='width=device-width, initial-scale=1'>\n<title>" +
                    xml_escape(title) + "</title>\n<style>\n" + style() + "\n</style>\n</head>\n<body>\n";
    h += "<h1>" + xml_escape(title) + "</h1>\n<p class='sub'>" + std::to_string(rows.size()) + " file(s) &middot; " +
         xml_escape(tool_version()) +
         " &middot; offset &gt; 0 means the audio is late (heard after the lips move)</p>\n";
    // Counts.
    h += "<h2 id='summary'>Summary</h2>\n<div class='counts'>\n";
    for (const auto& v : batch_summary::verdict_order()) {
        const std::size_t n = s.verdicts.count(v) ? s.verdicts.at(v) : 0;
        h += "<div class='count v-" + v + "' data-verdict='" + v + "'><b>" + std::to_string(n) + "</b>" + verdict_words(v) +
             "</div>\n";
    }
    h += "</div>\n<p>" + std::to_string(s.valid) + " file(s) with an answer, " + std::to_string(s.reliable) +
         " of them reliable.</p>\n";
    if (!s.histogram.empty()) h += histogram_svg(s);
    if (!s.failures_by_id.empty()) {
        h += "<h3>Failures by error id</h3>\n<table class='failures'><thead><tr><th>error id</th><th>files</th><th>example</th></tr></thead><tbody>\n";
        for (const auto& [id, n] : s.failures_by_id)
            h += "<tr><td>" + xml_escape(id) + "</td><td class='num'>" + std::to_string(n) + "</td><td>" +
                 xml_escape(s.failure_example.at(id)) + "</td></tr>\n";
        h += "</tbody></table>\n";
    }
    // The table.
    h += "<h2 id='table'>Files</h2>\n<div class='tools'><input id='filter' type='search' placeholder='filter by any text "
         "(file name, verdict, error id)'><select id='verdict'><option value=''>every verdict</option>";
    for (const auto& v : batch_summary::verdict_order()) h += "<option value='" + v + "'>" + verdict_words(v) + "</option>";
    h += "</select><span id='shown'></span></div>\n<table id='files'><thead><tr><th>file</th><th>verdict</th><th>offset "
         "(ms)</th><th>90 % interval (ms)</th><th>confidence</th><th>reliable</th><th>mouth from</th><th>note or "
         "error</th></tr></thead><tbody>\n";
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& row = rows[i];
        const std::string v = line_verdict(row);
        const std::string file = row.value("file", std::string());
        const std::string name = i < details ? "<a href='#f" + std::to_string(i) + "'>" + xml_escape(file) + "</a>" : xml_escape(file);
        h += "<tr data-verdict='" + v + "' class='v-" + v + "'>" + td(name, file) + td(verdict_words(v), v);
        if (row.value("status", std::string()) == "ok") {
            const auto& r = row["result"];
            const bool valid = r.value("valid", false);
            const double off = r.value("offset_ms", 0.0);
            const double lo = r["interval_ms"][0].get<double>(), hi = r["interval_ms"][1].get<double>();
            h += valid ? td(fmt("%+.0f", off), fmt("%.2f", off), true) : td("&ndash;", "", true);
            h += valid ? td(fmt("%+.0f", lo) + " .. " + fmt("%+.0f", hi), fmt("%.2f", hi - lo), true) : td("&ndash;", "", true);
            h += td(fmt("%.1f", r.value("confidence", 0.0)), fmt("%.3f", r.value("confidence", 0.0)), true);
            h += td(r.value("reliable", false) ? "yes" : "no", r.value("reliable", false) ? "1" : "0");
            h += td(xml_escape(r.value("mouth_from", std::string())), r.value("mouth_from", std::string()));
            std::string note = r["verdict"].value("reason", std::string());
            if (row.contains("fix")) note = "fix: " + row["fix"].value("decision", std::string()) + ". " + note;
            h += td(xml_escape(note), note);
        } else {
            const auto& e = row.contains("error") ? row["error"] : nlohmann::json::object();
            h += td("", "", true) + td("", "", true) + td("", "", true) + td("", "") + td("", "");
            h += td("<code>" + xml_escape(e.value("id", std::string())) + "</code> " + xml_escape(e.value("message", std::string())),
                    e.value("id", std::string()));
        }
        h += "</tr>\n";
    }
    h += "</tbody></table>\n";
    // Per file.
    if (details > 0) h += "<h2 id='details'>Each file</h2>\n";
    if (rows.size() > details && details > 0)
        h += "<p class='note'>The first " + std::to_string(details) + " files in the table's order have a section here (report --details N for more).</p>\n";
    for (std::size_t i = 0; i < rows.size() && i < details; ++i) {
        const auto& row = rows[i];
        const std::string v = line_verdict(row);
        h += "<article id='f" + std::to_string(i) + "' data-verdict='" + v + "'>\n<h3>" + xml_escape(row.value("file", std::string())) + "</h3>\n";
        if (row.value("status", std::string()) != "ok") {
            const auto& e = row.contains("error") ? row["error"] : nlohmann::json::object();
            h += "<p class='verdict v-error'>Not measured: " + xml_escape(e.value("message", std::string())) + "</p>\n</article>\n";
            continue;
        }
        const auto& r = row["result"];
        h += "<p class='verdict v-" + v + "'>" + xml_escape(r["verdict"].value("text", std::string())) + "</p>\n<dl>\n";
        auto item = [&](const std::string& k, const std::string& val) { h += "<dt>" + k + "</dt><dd>" + val + "</dd>\n"; };
        if (r.value("valid", false)) {
            item("offset", fmt("%+.0f ms", r.value("offset_ms", 0.0)) + " (" + fmt("%+.1f", r.value("offset_frames", 0.0)) +
                               " frames at " + fmt("%g", r.value("fps", 0.0)) + " fps)");
            item("90 % interval", xml_escape(describe_interval(r["interval_ms"][0].get<double>(), r["interval_ms"][1].get<double>())));
        }
        item("confidence", fmt("%.1f", r.value("confidence", 0.0)) + " standard deviations above " +
                               std::to_string(r.value("surrogates", 0)) + " chance alignments (p = " +
                               fmt("%.3g", r.value("p_value", 1.0)) + ")");
        item("reliable", r.value("reliable", false) ? "yes" : "no");
        const auto& tol = r["tolerance"];
        item("tolerance", xml_escape(tol.value("source", std::string())) + fmt(": audio at most %.0f ms early", tol.value("early_ms", 0.0)) +
                              fmt(", %.0f ms late", tol.value("late_ms", 0.0)));
        std::string face = xml_escape(r.value("mouth_from", std::string()));
        if (r.value("face_frames", 0) > 0) face += " (landmarks in " + std::to_string(r.value("face_frames", 0)) + " of " +
                                                   std::to_string(r.value("frames", 0)) + " frames)";
        if (r.contains("mouth_box") && r["mouth_box"].size() == 4)
            face += fmt("; first mouth box x=%.0f", r["mouth_box"][0].get<double>()) + fmt(" y=%.0f", r["mouth_box"][1].get<double>()) +
                    fmt(" %.0f", r["mouth_box"][2].get<double>()) + fmt("x%.0f px", r["mouth_box"][3].get<double>());
        item("mouth / face used", face);
        std::string cues;
        for (const auto& c : r.value("cues", nlohmann::json::array())) cues += (cues.empty() ? "" : "; ") + c.get<std::string>();
        item("cues", xml_escape(cues));
        item("duration", fmt("%.2f s", r.value("duration_s", 0.0)) + ", " + std::to_string(r.value("frames", 0)) + " frames");
        if (row.contains("fix")) {
            const auto& f = row["fix"];
            std::string t = xml_escape(f.value("decision", std::string()));
            if (f.contains("output")) t += ": " + xml_escape(f.value("output", std::string()));
            if (f.contains("residual_check")) t += " (residual " + xml_escape(f.value("residual_check", std::string())) + ")";
            if (f.contains("error")) t += " &mdash; " + xml_escape(f["error"].value("message", std::string()));
            item("fix", t);
        }
        for (const auto& n : r.value("notes", nlohmann::json::array())) item("note", xml_escape(n.get<std::string>()));
        h += "</dl>\n" + result_svg(r, 900, "f" + std::to_string(i) + "_", false) + "</article>\n";
    }
    h += script();
    h += "</body>\n</html>\n";
    return h;
}

/// Writes the HTML report (all or nothing).
inline void write_html_report(const std::string& path, const std::vector<nlohmann::json>& rows, const batch_summary& s,
                              std::size_t details, const std::string& title) {
    const std::string text = html_report(rows, s, details, title);
    io::write_file_atomic(path, text.data(), text.size());
}

/// `sync --report`: the HTML report of one measurement.
inline void write_single_report(const std::string& path, const pipeline::offset_report& r, const std::string& file) {
    nlohmann::json result = to_json(r, file);
    result["audio_cues"] = audio_cues_json(r);
    const std::vector<nlohmann::json> rows = {{{"file", file}, {"status", "ok"}, {"result", result}}};
    write_html_report(path, rows, summarise(rows, 40), 1, "syncdsp sync: " + file);
}

}  // namespace syncdsp::cli
