// apps/report_json.hpp - the JSON form of an offset report (`syncdsp sync --json`, `fix --json`).
#pragma once

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "syncdsp/pipeline/classic.hpp"

namespace syncdsp::cli {

inline double round_to(double x, double step) { return std::round(x / step) * step; }

inline nlohmann::json to_json(const pipeline::offset_report& r, const std::string& file) {
    nlohmann::json j;
    j["file"] = file;
    j["valid"] = r.valid;
    j["offset_ms"] = round_to(r.offset_ms, 0.01);
    j["offset_frames"] = round_to(r.offset_frames, 0.0001);
    j["fps"] = r.fps;
    j["confidence"] = round_to(r.confidence, 0.001);
    j["p_value"] = round_to(r.p_value, 0.0001);
    j["reliable"] = r.reliable;
    j["method"] = r.method;
    j["cues"] = r.cues;
    j["peak"] = {{"score", round_to(r.peak_score, 1e-5)}, {"robust_z", round_to(r.peak_z, 0.001)},
                 {"margin", round_to(r.peak_margin, 1e-5)}, {"at_edge", r.at_edge}};
    j["mouth_box"] = {r.mouth_box.x, r.mouth_box.y, r.mouth_box.width, r.mouth_box.height};
    j["mouth_from"] = r.mouth_from;
    j["face_frames"] = r.face_frames;
    j["notes"] = r.notes;
    j["phones"] = r.phones;
    j["duration_s"] = round_to(r.duration_s, 0.001);
    j["frames"] = r.frames;
    nlohmann::json lags = nlohmann::json::array(), scores = nlohmann::json::array();
    for (std::size_t i = 0; i < r.curve.size(); ++i) {
        lags.push_back(round_to(r.curve.lag_ms(r.curve.lag(i)), 0.01));
        scores.push_back(r.curve.informative[i] ? nlohmann::json(round_to(r.curve.score[i], 1e-5)) : nlohmann::json());
    }
    j["curve"] = {{"lags_ms", lags}, {"scores", scores}};
    nlohmann::json timings = nlohmann::json::object();
    for (const auto& [k, v] : r.timings_ms) timings[k] = round_to(v, 0.1);
    j["timings_ms"] = timings;
    if (!r.windows.empty()) {
        nlohmann::json w = nlohmann::json::array();
        for (const auto& x : r.windows)
            w.push_back({{"start_s", round_to(x.start_s, 0.001)}, {"end_s", round_to(x.end_s, 0.001)},
                         {"offset_ms", round_to(x.offset_ms, 0.01)},
                         {"confidence", round_to(x.confidence, 0.001)}, {"p_value", round_to(x.p_value, 0.0001)},
                         {"margin", round_to(x.peak.peak_to_second, 1e-5)}, {"reliable", x.confident}});
        j["windows"] = w;
    }
    return j;
}

/// One human line: "offset +120 ms (audio late), confidence 7.9".
inline std::string summary_line(const pipeline::offset_report& r) {
    if (!r.valid) return "no offset found: the audio and video cues never correlate (silent audio or frozen video?)";
    char buf[256];
    const double ms = r.offset_ms;
    const char* side = std::fabs(ms) < 0.5 ? "in sync" : ms > 0 ? "audio late" : "audio early";
    std::snprintf(buf, sizeof buf, "offset %+.0f ms (%s), confidence %.1f%s", ms, side, r.confidence,
                  r.reliable ? "" : " (unreliable)");
    return buf;
}

}  // namespace syncdsp::cli
