// apps/options.hpp - parsing of the value syntaxes shared by several commands (durations, boxes).
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "syncdsp/audio/phones.hpp"
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
inline rect parse_box(const std::string& option, const std::string& text) {
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

/// A calibration written by scripts/fit_calibration.py (its cross-validation folds):
/// {"name": ..., "interval_ms": ..., "window_interval_ms": ..., "leads": [{"video", "audio", "lead_ms"}]}.
inline sync::Calibration read_calibration(const std::string& path) {
    std::ifstream f(path);
    if (!f) detail::throw_io_error("calibration", "cannot open '", path, "'");
    sync::Calibration c;
    try {
        const auto j = nlohmann::json::parse(f);
        c.name = j.at("name").get<std::string>();
        c.fitted_by = j.value("fitted_by", std::string(path));
        c.interval_ms = j.at("interval_ms").get<double>();
        c.window_interval_ms = j.at("window_interval_ms").get<double>();
        for (const auto& l : j.at("leads"))
            c.leads.push_back({l.at("video").get<std::string>(), l.at("audio").get<std::string>(), l.at("lead_ms").get<double>()});
    } catch (const nlohmann::json::exception& e) {
        detail::throw_parse_error("calibration", "'", path, "' is not a calibration file: ", e.what());
    }
    c.validate();
    return c;
}

/// The phone recogniser this program was built with: pocketsphinx when the build has the
/// syncdsp::phones target, else one that throws unsupported_error saying how to get it (which
/// `--phones auto` turns into a note). Defined in phone_recogniser.cpp, the only file of the
/// program whose code depends on SYNCDSP_HAVE_POCKETSPHINX.
audio::phone_recogniser program_phone_recogniser(const audio::phone_options& opt = {});

/// Why program_phone_recogniser(opt) cannot run (empty when it can): pocketsphinx not built in,
/// or model files missing, with how to fix it.
std::string phone_recogniser_status(const audio::phone_options& opt = {});

/// The options `sync` and `fix` share for finding the mouth, the cues and judging the answer:
/// --landmarks FILE, --faces auto|on|off, --face speaker|largest|ID, --phones auto|on|off, --max-offset D, --tolerance T,
/// --calibration speech-lead|none.
inline void apply_cue_options(const arguments& a, pipeline::ClassicOptions& opt) {
    opt.recognise_phones = program_phone_recogniser();
    if (auto v = a.value("--max-offset")) opt.search.max_offset_ms = parse_positive_duration_ms("--max-offset", *v, 60000);
    if (auto v = a.value("--tolerance")) {
        try {
            opt.tolerance = sync::ToleranceProfile::parse(*v);
        } catch (const syncdsp::error&) {
            throw usage_error("--tolerance takes itu, ebu, atsc or EARLY,LATE in ms (e.g. 40,60), got '" + *v + "'");
        }
    }
    if (auto v = a.value("--calibration")) {
        if (*v == "speech-lead") opt.calibration = sync::Calibration::speech_lead();
        else if (*v == "none") opt.calibration = sync::Calibration::none();
        else if (v->size() > 5 && v->compare(v->size() - 5, 5, ".json") == 0) opt.calibration = read_calibration(*v);
        else throw usage_error("--calibration takes speech-lead, none or a FILE.json, got '" + *v + "'");
    }
    if (auto v = a.value("--landmarks")) opt.landmarks_path = *v;
    if (auto v = a.value("--faces")) {
        if (*v == "auto") opt.faces = pipeline::face_mode::automatic;
        else if (*v == "on") opt.faces = pipeline::face_mode::on;
        else if (*v == "off") opt.faces = pipeline::face_mode::off;
        else throw usage_error("--faces takes auto, on or off, got '" + *v + "'");
    }
    if (auto v = a.value("--face")) {
        if (*v == "speaker") opt.choose_face = pipeline::face_choice::speaker;
        else if (*v == "largest") opt.choose_face = pipeline::face_choice::largest;
        else {
            const bool digits = !v->empty() && v->size() <= 9 && v->find_first_not_of("0123456789") == std::string::npos;
            if (!digits) throw usage_error("--face takes speaker, largest or a face id (0, 1, ...), got '" + *v + "'");
            opt.choose_face = pipeline::face_choice::id;
            opt.face_id = std::size_t(std::stoul(*v));
        }
    }
    if (auto v = a.value("--phones")) {
        if (*v == "auto") opt.phones = pipeline::phone_mode::automatic;
        else if (*v == "on") opt.phones = pipeline::phone_mode::on;
        else if (*v == "off") opt.phones = pipeline::phone_mode::off;
        else throw usage_error("--phones takes auto, on or off, got '" + *v + "'");
    }
}

}  // namespace syncdsp::cli
