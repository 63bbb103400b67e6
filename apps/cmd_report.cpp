// apps/cmd_report.cpp - `syncdsp report RESULTS.jsonl...`: merge batch results (shards), drop
// duplicates, summarise, and write the merged lines or an HTML report.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <fstream>
#include <map>

#include "batch_line.hpp"
#include "cli.hpp"
#include "batch_summary.hpp"
#include "html_report.hpp"
#include "syncdsp/io/file.hpp"
#include "syncdsp/io/jsonl.hpp"

namespace cmd_report {
namespace {

const char* help = R"(usage: syncdsp report RESULTS.jsonl... [options]

Reads the JSONL files written by `syncdsp batch` (e.g. one per shard), keeps one line per file
and options (the same content key and options key: an answer beats an error, then the first
path in sort order), and prints a summary: the count per verdict, a histogram of the offsets
found, and the failures grouped by error id.

options:
  --merge OUT.jsonl    also write the kept lines, sorted by file path, to OUT.jsonl (all or
                       nothing: a temporary file renamed at the end)
  --no-timings         leave the wall-clock "timings_ms" out of --merge, so that two runs over
                       the same files compare byte for byte
  --html OUT.html      also write a self-contained HTML report (no network; inline SVG and a small
                       script): counts, histogram, a sortable and filterable table, and per file
                       (the first --details files) the verdict, the correlation curve, the
                       windows over time and the cue traces
  --details N          files with a detailed section in the HTML report (default 200)
  --bin MS             width of the histogram bins in ms (default 40)
  --json               print the summary as one JSON object instead of text
  --help               this text

exit status: 0 = summarised (even when some files failed: see the counts), 1 = a results file
cannot be read or holds no batch lines, 2 = usage error.
)";

using nlohmann::json;

int run(const std::vector<std::string>& args) {
    using namespace syncdsp;
    cli::arguments a(args, {"--merge", "--html", "--bin", "--details"}, {"--no-timings", "--json", "--help"});
    if (a.flag("--help")) {
        std::cout << help;
        return 0;
    }
    if (a.positional().empty()) throw cli::usage_error("expected at least one RESULTS.jsonl");
    const double bin = a.number_or("--bin", 40);
    if (!(bin >= 1 && bin <= 10000)) throw cli::usage_error("option --bin takes 1..10000 ms, got '" + a.value_or("--bin", "") + "'");
    const double details = a.number_or("--details", 200);
    if (!(details >= 0 && details <= 1e6 && details == std::floor(details)))
        throw cli::usage_error("option --details takes a whole number 0..1000000, got '" + a.value_or("--details", "") + "'");
    if (auto v = a.value("--merge")) io::check_output_path("--merge", *v);
    if (auto v = a.value("--html")) io::check_output_path("--html", *v);

    // Read and deduplicate.
    std::map<std::string, json> kept;  // resume key -> line
    std::size_t lines = 0, duplicates = 0, unreadable = 0, torn_files = 0;
    for (const auto& path : a.positional()) {
        if (!std::ifstream(path)) detail::throw_io_error("report", "cannot open '", path, "'");
        bool torn = false;
        for (const auto& text : io::read_jsonl_lines(path, &torn)) {
            json line;
            try {
                line = json::parse(text);
            } catch (const json::exception&) {
                ++unreadable;
                continue;
            }
            if (!line.is_object() || !line.contains("status") || !line.contains("file")) {
                ++unreadable;
                continue;
            }
            ++lines;
            const std::string key = cli::resume_key(line);
            auto it = kept.find(key);
            if (it == kept.end()) {
                kept.emplace(key, std::move(line));
                continue;
            }
            ++duplicates;
            const bool new_ok = line["status"] == "ok", old_ok = it->second["status"] == "ok";
            if ((new_ok && !old_ok) || (new_ok == old_ok && line["file"].get<std::string>() < it->second["file"].get<std::string>()))
                it->second = std::move(line);
        }
        if (torn) ++torn_files;
    }
    if (kept.empty()) detail::throw_invalid_argument("report", "no batch result lines in the given file(s)");
    std::vector<json> rows;
    for (auto& [k, v] : kept) rows.push_back(std::move(v));
    std::stable_sort(rows.begin(), rows.end(), [](const json& x, const json& y) {
        const auto fx = x["file"].get<std::string>(), fy = y["file"].get<std::string>();
        return fx != fy ? fx < fy : x.value("options_key", std::string()) < y.value("options_key", std::string());
    });
    if (a.flag("--no-timings"))
        for (auto& r : rows) {
            r.erase("timings_ms");
            if (r.contains("result")) r["result"].erase("timings_ms");
        }

    // Summary.
    const auto s = cli::summarise(rows, bin);
    json summary = s.to_json();
    summary["files"] = rows.size();
    summary["lines"] = lines;
    summary["duplicates_dropped"] = duplicates;
    summary["unreadable_lines"] = unreadable;
    summary["torn_files"] = torn_files;

    if (auto v = a.value("--merge")) {
        std::string text;
        for (const auto& r : rows) text += r.dump() + "\n";
        io::write_file_atomic(*v, text.data(), text.size());
    }
    if (auto v = a.value("--html")) cli::write_html_report(*v, rows, s, std::size_t(details), "syncdsp batch report");

    if (a.flag("--json")) {
        std::cout << summary.dump() << "\n";
        return 0;
    }
    std::cout << rows.size() << " file(s) from " << lines << " line(s) in " << a.positional().size() << " file(s)";
    if (duplicates) std::cout << ", " << duplicates << " duplicate(s) dropped";
    if (unreadable) std::cout << ", " << unreadable << " line(s) that are not batch results skipped";
    if (torn_files) std::cout << ", " << torn_files << " file(s) with a torn last line (dropped)";
    std::cout << "\n\n" << s.to_text();
    return 0;
}

syncdsp::cli::command_registration reg("report", "merge and summarise batch results; write an HTML report", run);

}  // namespace
}  // namespace cmd_report
