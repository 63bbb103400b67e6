// apps/cmd_phones.cpp - `syncdsp phones`: what the phone recogniser heard, and the openness track.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "options.hpp"
#include "syncdsp/audio/phone_openness.hpp"
#include "syncdsp/audio/phones.hpp"
#include "syncdsp/io/ffmpeg.hpp"

namespace cmd_phones {
namespace {

const char* const phones_help =
    "usage: syncdsp phones AUDIO_OR_VIDEO [--json] [--rate HZ] [--model DIR] [--phone-lm FILE]\n"
    "                      [--max-utterance S]\n"
    "\n"
    "Decodes the audio (any file ffmpeg reads; resampled to 16 kHz mono) into English phones with\n"
    "pocketsphinx's phone-loop recogniser and prints the segments (start, end, phone, score) and the\n"
    "expected mouth-openness track derived from them (see docs/phones.md).\n"
    "\n"
    "The track is sampled once per video frame (the video stream's average frame rate, starting at\n"
    "the first video frame's time on the audio clock) when the input has video, else every 10 ms.\n"
    "Times are seconds from the first audio sample. Digital silence (all-zero audio) is not\n"
    "decoded: it is listed as missing and the track is empty (NaN / null) there.\n"
    "\n"
    "options:\n"
    "  --json              print one JSON object instead of text\n"
    "  --rate HZ           sample the openness track at HZ instead (e.g. 100)\n"
    "  --model DIR         acoustic model directory (default: $SYNCDSP_POCKETSPHINX_MODEL or\n"
    "                      /usr/share/pocketsphinx/model/en-us/en-us)\n"
    "  --phone-lm FILE     phone language model (default: $SYNCDSP_POCKETSPHINX_PHONE_LM or\n"
    "                      /usr/share/pocketsphinx/model/en-us/en-us-phone.lm.bin)\n"
    "  --max-utterance S   longest piece decoded at once, in seconds (default 30; >= 2)\n"
    "\n"
    "The model is American English: other languages are mapped onto English phones (docs/phones.md).\n"
    "Exit status: 0 on success, 1 on errors (including: phone recogniser not available), 2 on usage.\n";

nlohmann::json number_or_null(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

double round_to(double x, double step) { return std::round(x / step) * step; }

int run_phones(const std::vector<std::string>& args) {
    const syncdsp::cli::arguments a(args, {"--rate", "--model", "--phone-lm", "--max-utterance"}, {"--json", "--help", "-h"});
    if (a.flag("--help") || a.flag("-h")) {
        std::cout << phones_help;
        return 0;
    }
    if (a.positional().size() != 1) throw syncdsp::cli::usage_error("expects exactly one input file");
    const std::string input = a.positional()[0];

    syncdsp::audio::phone_options opt;
    opt.model_dir = a.value_or("--model", "");
    opt.phone_lm = a.value_or("--phone-lm", "");
    opt.max_utterance_s = a.number_or("--max-utterance", opt.max_utterance_s);
    if (!(opt.max_utterance_s >= 2)) throw syncdsp::cli::usage_error("--max-utterance must be >= 2 seconds");
    const std::string status = syncdsp::cli::phone_recogniser_status(opt);
    if (!status.empty()) {
        std::cerr << "syncdsp phones: the phone recogniser is not available: " << status << "\n";
        return 1;
    }
    const auto recognise = syncdsp::cli::program_phone_recogniser(opt);

    const auto info = syncdsp::io::probe_media(input);
    if (!info.has_audio) throw syncdsp::io_error("phones", "'" + input + "' has no audio stream");
    double rate = 100, start = 0;
    std::string grid = "10 ms";
    if (info.has_video && info.fps > 0) {
        rate = info.fps;
        start = info.video_start_s - info.audio_start_s;
        grid = "video frames";
    }
    if (a.value("--rate")) {
        rate = a.number_or("--rate", 100);
        if (!(rate > 0 && rate <= 1000)) throw syncdsp::cli::usage_error("--rate must be in (0, 1000]");
        start = 0;
        grid = "--rate";
    }

    const auto audio = syncdsp::io::decode_audio(input, syncdsp::audio::phone_sample_rate);
    const std::clock_t c0 = std::clock();
    const auto result = recognise(audio.data(), audio.size(), syncdsp::audio::phone_sample_rate);
    const double cpu_s = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    const auto track = syncdsp::audio::openness_track(result, rate, start);
    const double x_rt = result.duration_s > 0 ? cpu_s / result.duration_s : 0.0;
    double missing_s = 0;
    for (const auto& m : result.missing) missing_s += m.duration_s();

    if (a.flag("--json")) {
        nlohmann::json j;
        j["input"] = input;
        j["duration_s"] = result.duration_s;
        j["sample_rate"] = syncdsp::audio::phone_sample_rate;
        const auto paths = syncdsp::audio::resolve_phone_model(opt);
        j["model"] = {{"model_dir", paths.model_dir}, {"phone_lm", paths.phone_lm}};
        j["settings"] = {{"allphone_ci", true}, {"lw", opt.language_weight}, {"cmn", "one mean over the whole input"},
                         {"max_utterance_s", opt.max_utterance_s}};
        j["cpu_s"] = cpu_s;
        j["x_real_time"] = x_rt;
        j["mean_speech_score"] = number_or_null(result.mean_speech_score());
        j["phone_rate_hz"] = result.phone_rate_hz();
        auto spans = [](const std::vector<syncdsp::audio::time_span>& v) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& s : v) out.push_back({{"start", s.start_s}, {"end", s.end_s}});
            return out;
        };
        j["utterances"] = spans(result.utterances);
        j["missing"] = spans(result.missing);
        nlohmann::json segs = nlohmann::json::array();
        for (const auto& s : result.segments)
            segs.push_back({{"phone", s.phone}, {"start", round_to(s.start_s, 1e-3)}, {"end", round_to(s.end_s, 1e-3)},
                            {"score", round_to(s.score, 1e-3)}});
        j["segments"] = segs;
        nlohmann::json o = nlohmann::json::array(), d = nlohmann::json::array();
        for (std::size_t i = 0; i < track.openness.size(); ++i) {
            o.push_back(number_or_null(round_to(track.openness(i), 1e-4)));
            d.push_back(number_or_null(round_to(track.delta(i), 1e-4)));
        }
        j["openness"] = {{"grid", grid}, {"rate_hz", rate}, {"start_s", start}, {"values", o}, {"delta", d}};
        std::cout << j.dump() << "\n";
        return 0;
    }

    std::printf("# %s: %.3f s of audio, %zu utterance(s), %zu missing span(s) (%.3f s)\n", input.c_str(),
                result.duration_s, result.utterances.size(), result.missing.size(), missing_s);
    std::printf("# %.2f phones/s, mean speech score %.3f per frame, %.3f x real time\n", result.phone_rate_hz(),
                result.mean_speech_score(), x_rt);
    for (const auto& m : result.missing) std::printf("# missing %.3f %.3f\n", m.start_s, m.end_s);
    std::printf("# start_s end_s phone score\n");
    for (const auto& s : result.segments)
        std::printf("%.3f %.3f %s %.3f\n", s.start_s, s.end_s, s.phone.c_str(), s.score);
    std::printf("# openness track (%s): %.4f Hz from %.4f s; columns: time_s openness delta\n", grid.c_str(), rate,
                start);
    for (std::size_t i = 0; i < track.openness.size(); ++i)
        std::printf("%.4f %.3f %.3f\n", start + static_cast<double>(i) / rate, track.openness(i), track.delta(i));
    return 0;
}

const syncdsp::cli::command_registration reg("phones", "English phones heard in the audio and the mouth-openness track",
                                             run_phones);

}  // namespace
}  // namespace cmd_phones
