// apps/report_json.hpp - the JSON form of an offset report (`syncdsp sync --json`, `fix --json`).
#pragma once

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "syncdsp/pipeline/classic.hpp"

namespace syncdsp::cli {

inline std::string headline(const pipeline::offset_report& r);

inline double round_to(double x, double step) { return std::round(x / step) * step; }

inline nlohmann::json to_json(const pipeline::offset_report& r, const std::string& file) {
    nlohmann::json j;
    j["file"] = file;
    j["valid"] = r.valid;
    j["offset_ms"] = round_to(r.offset_ms, 0.01);
    j["raw_offset_ms"] = round_to(r.raw_offset_ms, 0.01);
    j["interval_ms"] = {round_to(r.interval_lo_ms, 0.01), round_to(r.interval_hi_ms, 0.01)};
    j["verdict"] = {{"kind", sync::to_string(r.verdict.kind)}, {"certain", r.verdict.certain},
                    {"reason", r.verdict.reason}, {"text", headline(r)}};
    j["tolerance"] = {{"name", r.tolerance.name}, {"source", r.tolerance.source},
                      {"early_ms", r.tolerance.early_ms}, {"late_ms", r.tolerance.late_ms}};
    j["calibration"] = r.calibration;
    nlohmann::json segs = nlohmann::json::array();
    for (const auto& sg : r.segments)
        segs.push_back({{"start_s", round_to(sg.start_s, 0.001)}, {"end_s", round_to(sg.end_s, 0.001)},
                        {"offset_ms", round_to(sg.offset_ms, 0.01)}, {"windows", sg.windows}});
    j["segments"] = segs;
    j["offset_frames"] = round_to(r.offset_frames, 0.0001);
    j["fps"] = r.fps;
    j["confidence"] = round_to(r.confidence, 0.001);
    j["surrogates"] = r.surrogates;
    j["p_value"] = round_to(r.p_value, 0.0001);
    j["reliable"] = r.reliable;
    j["method"] = r.method;
    j["cues"] = r.cues;
    nlohmann::json pairs = nlohmann::json::array();
    for (const auto& pp : r.pair_peaks)
        pairs.push_back({{"pair", pp.name}, {"valid", pp.peak.valid}, {"raw_offset_ms", round_to(pp.offset_ms, 0.01)},
                         {"robust_z", round_to(pp.peak.peak_to_median, 0.001)}, {"at_edge", pp.peak.at_edge}});
    j["pairs"] = pairs;
    j["peak"] = {{"score", round_to(r.peak_score, 1e-5)}, {"robust_z", round_to(r.peak_z, 0.001)},
                 {"margin", round_to(r.peak_margin, 1e-5)}, {"at_edge", r.at_edge}};
    j["rival_offset_ms"] = r.rival_offset_ms ? nlohmann::json(round_to(*r.rival_offset_ms, 0.01)) : nlohmann::json();
    j["mouth_box"] = {r.mouth_box.x, r.mouth_box.y, r.mouth_box.width, r.mouth_box.height};
    j["mouth_from"] = r.mouth_from;
    j["face_frames"] = r.face_frames;
    j["notes"] = r.notes;
    j["face_choice"] = r.face_choice.empty() ? nlohmann::json() : nlohmann::json(r.face_choice);
    j["faces_together"] = r.faces_together;
    nlohmann::json tracks = nlohmann::json::array();
    for (const auto& t : r.tracks)
        tracks.push_back({{"id", t.id}, {"start_s", round_to(t.start_s, 0.001)}, {"end_s", round_to(t.end_s, 0.001)},
                          {"frames", {t.first_frame, t.last_frame}}, {"face_frames", t.face_frames},
                          {"box", {round_to(t.median_box.x, 0.1), round_to(t.median_box.y, 0.1),
                                   round_to(t.median_box.width, 0.1), round_to(t.median_box.height, 0.1)}},
                          {"valid", t.valid}, {"mouth_moves", t.moving},
                          {"offset_ms", t.valid ? nlohmann::json(round_to(t.offset_ms, 0.01)) : nlohmann::json()},
                          {"interval_ms", t.valid ? nlohmann::json({round_to(t.interval_lo_ms, 0.01), round_to(t.interval_hi_ms, 0.01)})
                                                  : nlohmann::json()},
                          {"score", round_to(t.score, 0.001)}, {"reliable", t.reliable}, {"speaker", t.speaker},
                          {"windows_won", t.windows_won}});
    j["tracks"] = tracks;
    nlohmann::json cuts = nlohmann::json::array();
    for (double c : r.shot_cuts_s) cuts.push_back(round_to(c, 0.001));
    j["shot_cuts_s"] = cuts;
    j["mouth_moves"] = r.mouth_moves;
    j["mouth_motion"] = round_to(r.mouth_motion, 1e-5);
    j["mar_spread"] = round_to(r.mar_spread, 1e-5);
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
        for (const auto& wr : r.windows) {
            const auto& x = wr.estimate;
            w.push_back({{"start_s", round_to(x.start_s, 0.001)}, {"end_s", round_to(x.end_s, 0.001)},
                         {"valid", x.valid}, {"offset_ms", round_to(x.offset_ms, 0.01)},
                         {"raw_offset_ms", round_to(x.raw_offset_ms, 0.01)},
                         {"interval_ms", {round_to(wr.interval_lo_ms, 0.01), round_to(wr.interval_hi_ms, 0.01)}},
                         {"confidence", round_to(x.significance.confidence, 0.001)},
                         {"p_value", round_to(x.significance.p_value, 0.0001)},
                         {"margin", round_to(x.peak.peak_to_second, 1e-5)},
                         {"rival_offset_ms", x.rival_offset_ms ? nlohmann::json(round_to(*x.rival_offset_ms, 0.01))
                                                               : nlohmann::json()},
                         {"reliable", x.reliable},
                         {"face", wr.face >= 0 ? nlohmann::json(wr.face) : nlohmann::json()},
                         {"ambiguous", wr.ambiguous}});
        }
        j["windows"] = w;
    }
    return j;
}

/// "audio 240 ms late", "audio 30 ms early", "audio 0 ms" (DESIGN.md sign: > 0 = late).
inline std::string describe_offset(double ms) {
    char buf[64];
    const double a = std::fabs(std::round(ms));
    if (a < 1) return "audio 0 ms";
    std::snprintf(buf, sizeof buf, "audio %.0f ms %s", a, ms > 0 ? "late" : "early");
    return buf;
}

/// The interval as "200-280 ms" (signed when it spans zero or is early).
inline std::string describe_interval(double lo, double hi) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%+.0f..%+.0f ms", std::round(lo), std::round(hi));
    return buf;
}

/// The answer in words a non-expert understands, e.g.
/// "audio 240 ms late (+160..+320 ms): out of tolerance (ITU-R BT.1359 detectability) - run syncdsp fix".
inline std::string headline(const pipeline::offset_report& r) {
    using sync::verdict_kind;
    const std::string tol = r.tolerance.source;
    const std::string interval = describe_interval(r.interval_lo_ms, r.interval_hi_ms);
    switch (r.verdict.kind) {
        case verdict_kind::in_sync:
            return std::string("in sync: ") + describe_offset(r.offset_ms) + " (" + interval + "), within " +
                   r.tolerance.to_string();
        case verdict_kind::audio_late:
        case verdict_kind::audio_early:
            return describe_offset(r.offset_ms) + " (" + interval + "): out of tolerance (" + tol + ")" +
                   (r.verdict.certain ? " - run syncdsp fix" : "; the interval reaches into tolerance, so fix will not act");
        default: break;
    }
    if (r.no_guess || !r.mouth_moves) return "can't tell: " + r.verdict.reason;
    if (!r.valid) return "can't tell: " + r.verdict.reason + " (silent audio, no visible mouth, or a frozen picture?)";
    std::string s = "can't tell: " + r.verdict.reason;
    if (r.segments.size() > 1) {
        for (std::size_t i = 0; i < r.segments.size(); ++i) {
            char seg[128];
            std::snprintf(seg, sizeof seg, "%s %.1f-%.1f s %s", i ? ";" : ":", r.segments[i].start_s,
                          r.segments[i].end_s, describe_offset(r.segments[i].offset_ms).c_str());
            s += seg;
        }
        return s;
    }
    // Not reliable: its interval is the whole searched range, so the guess is named without it.
    return s + "; best guess " + describe_offset(r.offset_ms) + ", not to be acted on (the true offset may be anywhere in " +
           interval + ")";
}

/// When the face networks found several faces: which ones and which was used, e.g.
/// "faces: 2 tracks; used face 1 (speaker) - face 0 [12,40,180,200] 0.0-20.0 s score 1.3; face 1 ...".
inline std::string faces_line(const pipeline::offset_report& r) {
    if (r.tracks.size() < 2 && r.faces_together < 2) return "";
    std::string s = "faces: " + std::to_string(r.tracks.size()) + " track(s), up to " + std::to_string(r.faces_together) +
                    " on screen together; ";
    std::string used;
    for (const auto& t : r.tracks)
        if (t.speaker) used += (used.empty() ? "" : ", ") + std::to_string(t.id);
    s += used.empty() ? "none used" : "used face " + used + " (--face " + r.face_choice + ")";
    for (const auto& t : r.tracks) {
        char buf[200];
        std::snprintf(buf, sizeof buf, "\n  face %zu: %.1f-%.1f s, box [%.0f,%.0f,%.0f,%.0f], score %.1f%s%s%s", t.id,
                      t.start_s, t.end_s, t.median_box.x, t.median_box.y, t.median_box.width, t.median_box.height,
                      t.score, t.reliable ? " reliable" : "", t.moving ? "" : " (mouth does not move)",
                      t.speaker ? "  <- used" : "");
        s += buf;
    }
    return s;
}

/// The second line: how far to trust it.
inline std::string confidence_line(const pipeline::offset_report& r) {
    char buf[256];
    if (r.surrogates == 0) return "confidence not measured (no surrogates)";
    std::snprintf(buf, sizeof buf,
                  "confidence %.1f: the peak stands %.1f standard deviations above the peaks of %zu chance "
                  "alignments (p = %.2g; reliable needs p <= %.2g)",
                  r.confidence, r.confidence, r.surrogates, r.p_value, r.reliable_p);
    return buf;
}

}  // namespace syncdsp::cli
