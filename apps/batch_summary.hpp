// apps/batch_summary.hpp - what a set of batch result lines says: counts per verdict, a histogram
// of the offsets, failures by error id (`syncdsp report` and the HTML report).
#pragma once

#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "batch_line.hpp"

namespace syncdsp::cli {

struct batch_summary {
    double bin_ms = 40;
    std::map<std::string, std::size_t> verdicts;  ///< in_sync, audio_late, audio_early, cant_tell, error
    std::size_t reliable = 0, valid = 0;
    std::map<long, std::size_t> histogram;        ///< bin k holds offsets in [(k-0.5) bin, (k+0.5) bin)
    std::map<long, std::size_t> histogram_reliable;
    std::map<std::string, std::size_t> failures_by_id;
    std::map<std::string, std::string> failure_example;  ///< id -> "file: message"

    static const std::vector<std::string>& verdict_order() {
        static const std::vector<std::string> v = {"in_sync", "audio_late", "audio_early", "cant_tell", "error"};
        return v;
    }

    nlohmann::json to_json() const {
        nlohmann::json j;
        j["verdicts"] = nlohmann::json::object();
        for (const auto& k : verdict_order()) j["verdicts"][k] = verdicts.count(k) ? verdicts.at(k) : 0;
        j["valid"] = valid;
        j["reliable"] = reliable;
        nlohmann::json h = nlohmann::json::array();
        for (const auto& [k, n] : histogram)
            h.push_back({{"from_ms", (double(k) - 0.5) * bin_ms}, {"to_ms", (double(k) + 0.5) * bin_ms}, {"count", n},
                         {"reliable", histogram_reliable.count(k) ? histogram_reliable.at(k) : 0}});
        j["offset_histogram"] = h;
        j["bin_ms"] = bin_ms;
        j["failures_by_id"] = failures_by_id;
        j["failure_examples"] = failure_example;
        return j;
    }

    std::string to_text() const {
        std::string s = "verdicts:\n";
        char buf[512];
        for (const auto& k : verdict_order()) {
            std::snprintf(buf, sizeof buf, "  %-12s %6zu\n", k.c_str(), verdicts.count(k) ? verdicts.at(k) : std::size_t(0));
            s += buf;
        }
        std::snprintf(buf, sizeof buf, "  (%zu with an answer, %zu of them reliable)\n", valid, reliable);
        s += buf;
        if (!histogram.empty()) {
            std::size_t most = 1;
            for (const auto& [k, n] : histogram) most = std::max(most, n);
            std::snprintf(buf, sizeof buf, "\noffset histogram (ms, audio late > 0; %.0f ms bins; # = reliable, + = not):\n", bin_ms);
            s += buf;
            for (const auto& [k, n] : histogram) {
                const std::size_t rel = histogram_reliable.count(k) ? histogram_reliable.at(k) : 0;
                const std::size_t width = std::size_t(std::ceil(40.0 * double(n) / double(most)));
                const std::size_t rel_w = std::size_t(std::round(double(width) * double(rel) / double(n)));
                std::snprintf(buf, sizeof buf, "  %+7.0f..%+7.0f %6zu %s%s\n", (double(k) - 0.5) * bin_ms,
                              (double(k) + 0.5) * bin_ms, n, std::string(rel_w, '#').c_str(),
                              std::string(width - rel_w, '+').c_str());
                s += buf;
            }
        }
        if (!failures_by_id.empty()) {
            s += "\nfailures by error id:\n";
            for (const auto& [id, n] : failures_by_id) {
                std::snprintf(buf, sizeof buf, "  %-40s %6zu   e.g. %s\n", id.c_str(), n, failure_example.at(id).c_str());
                s += buf;
            }
        }
        return s;
    }
};

/// Summarises batch result lines (one per file).
inline batch_summary summarise(const std::vector<nlohmann::json>& rows, double bin_ms) {
    batch_summary s;
    s.bin_ms = bin_ms;
    for (const auto& row : rows) {
        const std::string v = line_verdict(row);
        ++s.verdicts[v];
        if (v == "error") {
            const auto& e = row.contains("error") ? row["error"] : nlohmann::json::object();
            std::string id = e.value("id", std::string());
            if (id.empty()) id = "(no id)";
            ++s.failures_by_id[id];
            if (!s.failure_example.count(id))
                s.failure_example[id] = row.value("file", std::string()) + ": " + e.value("message", std::string());
            continue;
        }
        const auto& r = row["result"];
        if (!r.value("valid", false)) continue;
        ++s.valid;
        const double off = r.value("offset_ms", 0.0);
        const long k = long(std::floor(off / bin_ms + 0.5));
        ++s.histogram[k];
        if (r.value("reliable", false)) {
            ++s.reliable;
            ++s.histogram_reliable[k];
        }
    }
    return s;
}

}  // namespace syncdsp::cli
