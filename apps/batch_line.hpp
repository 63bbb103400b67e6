// apps/batch_line.hpp - one line of `syncdsp batch`'s results (JSONL), shared by `batch`, `report`
// and the HTML report.
//
// {"file", "size", "content_key", "options_key", "tool", "options", "status": "ok" | "error",
//  "result": <sync --json object + "audio_cues">, "error": {"id", "message"},
//  "fix": {...} (with --fix-to), "timings_ms": {"key", "measure", "total"}}
#pragma once

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "report_json.hpp"
#include "syncdsp/pipeline/classic.hpp"

namespace syncdsp::cli {

/// "syncdsp 0.1.0" (the project version from CMake).
inline std::string tool_version() {
#ifdef SYNCDSP_VERSION
    return std::string("syncdsp ") + SYNCDSP_VERSION;
#else
    return "syncdsp (unknown version)";
#endif
}

/// The audio cues the estimator used, on the analysis grid, for plots: {"start_s", "rate_hz",
/// "tracks": [{"name", "values"}]} (values rounded to 1e-4; null = missing).
inline nlohmann::json audio_cues_json(const pipeline::offset_report& r) {
    nlohmann::json tracks = nlohmann::json::array();
    for (const auto& [name, values] : r.audio_cue_tracks) {
        nlohmann::json v = nlohmann::json::array();
        for (double x : values) v.push_back(std::isfinite(x) ? nlohmann::json(round_to(x, 1e-4)) : nlohmann::json());
        tracks.push_back({{"name", name}, {"values", v}});
    }
    return {{"start_s", round_to(r.cue_start_s, 1e-4)}, {"rate_hz", r.cue_rate_hz}, {"tracks", tracks}};
}

/// The error id of a message "[syncdsp.<id>] ..." ("" when it has none).
inline std::string error_id_of(const std::string& message) {
    if (message.rfind("[syncdsp.", 0) != 0) return "";
    const auto close = message.find(']');
    return close == std::string::npos ? "" : message.substr(9, close - 9);
}

/// The key under which `batch` resumes: the content and the options (the path when the file
/// could not be read, so a missing file is not retried forever under an empty key).
inline std::string resume_key(const nlohmann::json& line) {
    const std::string content = line.value("content_key", std::string());
    return (content.empty() ? "path:" + line.value("file", std::string()) : content) + "|" +
           line.value("options_key", std::string());
}

/// The verdict of a result line in one word: in_sync, audio_late, audio_early, cant_tell, or error.
inline std::string line_verdict(const nlohmann::json& line) {
    if (line.value("status", std::string()) != "ok") return "error";
    const auto& r = line.at("result");
    if (!r.value("valid", false)) return "cant_tell";
    return r.at("verdict").value("kind", std::string("cant_tell"));
}

}  // namespace syncdsp::cli
