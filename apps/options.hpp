// apps/options.hpp - parsing of the value syntaxes shared by several commands (durations, boxes).
#pragma once

#include <string>
#include <vector>

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

/// The phone recogniser this program was built with: pocketsphinx when the build has the
/// syncdsp::phones target, else one that throws unsupported_error saying how to get it (which
/// `--phones auto` turns into a note). Defined in phone_recogniser.cpp, the only file of the
/// program whose code depends on SYNCDSP_HAVE_POCKETSPHINX.
audio::phone_recogniser program_phone_recogniser(const audio::phone_options& opt = {});

/// Why program_phone_recogniser(opt) cannot run (empty when it can): pocketsphinx not built in,
/// or model files missing, with how to fix it.
std::string phone_recogniser_status(const audio::phone_options& opt = {});

/// The options `sync` and `fix` share for finding the mouth, the cues and judging the answer:
/// --landmarks FILE, --faces auto|on|off, --phones auto|on|off, --max-offset D, --tolerance T,
/// --calibration speech-lead|none.
inline void apply_cue_options(const arguments& a, pipeline::ClassicOptions& opt) {
    opt.recognise_phones = program_phone_recogniser();
    if (auto v = a.value("--max-offset")) opt.search.max_offset_ms = parse_duration_ms("--max-offset", *v);
    if (!(opt.search.max_offset_ms > 0 && opt.search.max_offset_ms <= 60000))
        throw usage_error("--max-offset must be in (0, 60s]");
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
        else throw usage_error("--calibration takes speech-lead or none, got '" + *v + "'");
    }
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
