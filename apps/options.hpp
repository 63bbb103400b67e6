// apps/options.hpp - parsing of the value syntaxes shared by several commands (durations, boxes).
#pragma once

#include <string>
#include <vector>

#include "cli.hpp"
#include "syncdsp/pipeline/classic.hpp"
#include "syncdsp/vision/image.hpp"

namespace syncdsp::cli {

/// "2000ms", "2s", "2.5s" or a bare number of milliseconds -> milliseconds.
inline double parse_duration_ms(const std::string& option, const std::string& text) {
    std::string number = text;
    double scale = 1.0;
    if (text.size() > 2 && text.compare(text.size() - 2, 2, "ms") == 0) {
        number = text.substr(0, text.size() - 2);
    } else if (text.size() > 1 && text.back() == 's') {
        number = text.substr(0, text.size() - 1);
        scale = 1000.0;
    }
    return arguments::parse_number(option, number) * scale;
}

/// A duration option that must lie in (0, max_ms]; usage_error naming the option and value otherwise.
inline double parse_positive_duration_ms(const std::string& option, const std::string& text, double max_ms) {
    const double ms = parse_duration_ms(option, text);
    if (!(ms > 0) || ms > max_ms) {
        std::string max = std::to_string(static_cast<long long>(max_ms));
        throw usage_error("option " + option + " must be > 0 and at most " + max + " ms, got '" + text + "'");
    }
    return ms;
}

/// "x,y,w,h" in pixels.
inline vision::rect parse_box(const std::string& option, const std::string& text) {
    std::vector<long> v;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t end = text.find(',', pos);
        if (end == std::string::npos) end = text.size();
        const double x = arguments::parse_number(option, text.substr(pos, end - pos));
        if (x != double(long(x))) throw usage_error("option " + option + " expects whole pixels, got '" + text + "'");
        v.push_back(long(x));
        pos = end + 1;
    }
    if (v.size() != 4) throw usage_error("option " + option + " expects x,y,w,h, got '" + text + "'");
    if (v[2] <= 0 || v[3] <= 0 || v[0] < 0 || v[1] < 0)
        throw usage_error("option " + option + " needs x,y >= 0 and w,h > 0, got '" + text + "'");
    return {v[0], v[1], v[2], v[3]};
}

/// The options `sync` and `fix` share for finding the mouth and the phone cue:
/// --landmarks FILE, --faces auto|on|off, --phones auto|on|off.
inline void apply_cue_options(const arguments& a, pipeline::ClassicOptions& opt) {
    if (auto v = a.value("--landmarks")) opt.landmarks_path = *v;
    if (auto v = a.value("--faces")) {
        if (*v == "auto") opt.faces = pipeline::face_mode::automatic;
        else if (*v == "on") opt.faces = pipeline::face_mode::on;
        else if (*v == "off") opt.faces = pipeline::face_mode::off;
        else throw usage_error("--faces takes auto, on or off, got '" + *v + "'");
    }
    if (auto v = a.value("--phones")) {
        if (*v == "auto") opt.phones = pipeline::phone_mode::automatic;
        else if (*v == "on") opt.phones = pipeline::phone_mode::on;
        else if (*v == "off") opt.phones = pipeline::phone_mode::off;
        else throw usage_error("--phones takes auto, on or off, got '" + *v + "'");
    }
}

}  // namespace syncdsp::cli
