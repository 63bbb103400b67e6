// syncdsp/sync/verdict.hpp - what an offset means to a viewer: tolerance profiles from broadcast
// recommendations, and the verdict on a measured offset with its interval.
//
// Profiles (audio early / audio late limits, DESIGN.md sign: offset > 0 = audio late):
//  - itu:  ITU-R BT.1359-1 (1998), the thresholds of *detectability* of lip-sync errors in
//          subjective tests: about 45 ms audio early, 125 ms audio late. (Acceptability:
//          90 ms early, 185 ms late.) The default.
//  - ebu:  EBU Technical Recommendation R37 (2007), end-to-end limits for broadcast chains:
//          40 ms early, 60 ms late.
//  - atsc: ATSC Implementation Subcommittee Finding IS-191 (2003), the DTV transmission budget:
//          15 ms early, 45 ms late.
// A custom profile is "EARLY,LATE" in milliseconds (both >= 0).
#pragma once

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"

namespace syncdsp::sync {

struct ToleranceProfile {
    std::string name = "itu";
    std::string source = "ITU-R BT.1359 detectability";
    double early_ms = 45;  ///< the audio may come this much before the picture
    double late_ms = 125;  ///< ... or this much after it

    static ToleranceProfile itu() { return {}; }
    static ToleranceProfile ebu() { return {"ebu", "EBU R37", 40, 60}; }
    static ToleranceProfile atsc() { return {"atsc", "ATSC IS-191", 15, 45}; }

    /// "itu", "ebu", "atsc" or "EARLY,LATE" (milliseconds, e.g. "40,60").
    static ToleranceProfile parse(const std::string& text) {
        if (text == "itu") return itu();
        if (text == "ebu") return ebu();
        if (text == "atsc") return atsc();
        const auto comma = text.find(',');
        char* end = nullptr;
        ToleranceProfile p;
        p.name = text;
        p.source = "custom";
        bool ok = comma != std::string::npos;
        if (ok) {
            const std::string a = text.substr(0, comma), b = text.substr(comma + 1);
            p.early_ms = std::strtod(a.c_str(), &end);
            ok = !a.empty() && *end == '\0';
            p.late_ms = std::strtod(b.c_str(), &end);
            ok = ok && !b.empty() && *end == '\0';
        }
        if (!ok) detail::throw_invalid_argument("tolerance", "tolerance '", text, "' is not itu, ebu, atsc or EARLY,LATE in ms");
        p.validate();
        return p;
    }

    void validate() const {
        SYNCDSP_REQUIRE(std::isfinite(early_ms) && std::isfinite(late_ms) && early_ms >= 0 && late_ms >= 0 &&
                            early_ms <= 10000 && late_ms <= 10000,
                        "tolerance", "tolerance limits ", early_ms, " ms early / ", late_ms,
                        " ms late must be in 0..10000");
    }
    std::string to_string() const {
        char buf[160];
        std::snprintf(buf, sizeof buf, "%s (%.0f ms early, %.0f ms late)", source.c_str(), early_ms, late_ms);
        return buf;
    }
    bool contains(double offset_ms) const { return offset_ms >= -early_ms && offset_ms <= late_ms; }
};

enum class verdict_kind { in_sync, audio_late, audio_early, cant_tell };

inline const char* to_string(verdict_kind k) {
    switch (k) {
        case verdict_kind::in_sync: return "in_sync";
        case verdict_kind::audio_late: return "audio_late";
        case verdict_kind::audio_early: return "audio_early";
        default: return "cant_tell";
    }
}

/// The verdict on one answer.
struct verdict {
    verdict_kind kind = verdict_kind::cant_tell;
    /// in_sync / audio_late / audio_early: true when the whole interval is on the same side of the
    /// tolerance limits as the estimate (a fix is safe); false when it straddles a limit.
    bool certain = false;
    std::string reason;  ///< for cant_tell: why; otherwise empty
};

/// A stretch of the clip over which the windows agree on one offset.
struct segment {
    double start_s = 0, end_s = 0;
    double offset_ms = 0;  ///< median offset of its reliable windows
    std::size_t windows = 0;
};

/// Judges an estimate: `reliable` from the significance test, `lo`..`hi` its interval, `segments`
/// (two or more: the offset changes within the clip).
inline verdict judge(double offset_ms, double lo_ms, double hi_ms, bool valid, bool reliable,
                     const std::vector<segment>& segments, const ToleranceProfile& tol) {
    verdict v;
    if (!valid) {
        v.reason = "no lag had enough valid audio and mouth data";
        return v;
    }
    if (segments.size() > 1) {
        v.reason = "the offset changes within the clip";
        return v;
    }
    if (!reliable) {
        v.reason = "the correlation peak does not stand out from chance (not reliable)";
        return v;
    }
    if (tol.contains(offset_ms)) {
        v.kind = verdict_kind::in_sync;
        v.certain = tol.contains(lo_ms) && tol.contains(hi_ms);
    } else if (offset_ms > tol.late_ms) {
        v.kind = verdict_kind::audio_late;
        v.certain = lo_ms > tol.late_ms;
    } else {
        v.kind = verdict_kind::audio_early;
        v.certain = hi_ms < -tol.early_ms;
    }
    return v;
}

}  // namespace syncdsp::sync
