// python/bind_audio.cpp - mfcc, logmel, zcr, rms: the audio/ presets with keyword overrides named
// like the C++ option fields. The samples are read in place (float32 or float64, C-contiguous;
// anything else is copied once) and the result is returned in the input's precision.
#include "common.hpp"

#include "syncdsp/audio/mfcc.hpp"
#include "syncdsp/audio/zcr.hpp"

namespace syncdsp::python {
namespace {

using namespace syncdsp::audio;

const std::map<std::string, framing_mode> framing_names{
    {"centered", framing_mode::centered}, {"snip_edges", framing_mode::snip_edges}, {"zero_tail", framing_mode::zero_tail}};
const std::map<std::string, pad_mode> pad_names{
    {"constant", pad_mode::constant}, {"reflect", pad_mode::reflect}, {"edge", pad_mode::edge}};
const std::map<std::string, window_type> window_names{{"rectangular", window_type::rectangular},
                                                      {"hann", window_type::hann},
                                                      {"hamming", window_type::hamming},
                                                      {"povey", window_type::povey}};
const std::map<std::string, preemphasis_mode> preemphasis_names{
    {"none", preemphasis_mode::none}, {"signal", preemphasis_mode::signal}, {"frame", preemphasis_mode::frame}};
const std::map<std::string, mel_scale> mel_scale_names{{"htk", mel_scale::htk}, {"slaney", mel_scale::slaney}};
const std::map<std::string, mel_norm> mel_norm_names{{"none", mel_norm::none}, {"slaney", mel_norm::slaney}};
const std::map<std::string, mel_construction> construction_names{{"hz_triangles", mel_construction::hz_triangles},
                                                                 {"integer_bins", mel_construction::integer_bins},
                                                                 {"mel_triangles", mel_construction::mel_triangles}};
const std::map<std::string, log_type> log_names{{"none", log_type::none}, {"db", log_type::db}, {"ln", log_type::ln}};
const std::map<std::string, floor_mode> floor_names{{"clamp", floor_mode::clamp}, {"zero_only", floor_mode::zero_only}};
const std::map<std::string, dct_norm> dct_names{{"ortho", dct_norm::ortho}, {"none", dct_norm::none}};
const std::map<std::string, lifter_style> lifter_names{{"htk", lifter_style::htk}, {"librosa", lifter_style::librosa}};

void require_preset(const std::string& preset, const char* function) {
    if (preset != "psf" && preset != "librosa" && preset != "kaldi")
        bad_argument("python", function, "(): preset='", preset, "' is not one of 'psf', 'librosa', 'kaldi'");
}

double checked_sr(double sr, const char* function) {
    if (!(sr >= 1000 && sr <= 384000)) bad_argument("python", function, "(): sr=", sr, " must be in 1000..384000 Hz");
    return sr;
}

// The preset's log-mel options with the keyword overrides applied. librosa's sizes go through the
// preset itself (win_length follows n_fft there, as in librosa); elsewhere n_fft changes both the
// spectrum and the filterbank.
LogMelOptions logmel_options(double sr, const std::string& preset, options_reader& kw, std::size_t* n_mfcc = nullptr) {
    LogMelOptions o;
    if (preset == "librosa") {
        std::size_t n_fft = 2048, hop = 512, n_mels = 128, win = 0;
        kw.read("n_fft", n_fft);
        kw.read("hop_length", hop);
        kw.read("n_mels", n_mels);
        kw.read("win_length", win);
        o = LogMelOptions::librosa(sr, n_fft, hop, n_mels, win);
    } else {
        o = preset == "psf" ? LogMelOptions::python_speech_features(sr) : LogMelOptions::kaldi(sr);
        std::size_t n_fft = o.stft.n_fft;
        kw.read("n_fft", n_fft);
        o.stft.n_fft = o.mel.n_fft = n_fft;
        kw.read("hop_length", o.stft.hop_length);
        kw.read("n_mels", o.mel.n_mels);
        kw.read("win_length", o.stft.win_length);
    }
    if (n_mfcc) kw.read("n_mfcc", *n_mfcc);
    auto& s = o.stft;
    kw.read("input_scale", s.input_scale);
    kw.read_enum("framing", s.framing, framing_names);
    kw.read_enum("pad", s.pad, pad_names);
    kw.read_enum("window", s.window, window_names);
    kw.read("periodic_window", s.periodic_window);
    kw.read("remove_dc", s.remove_dc);
    kw.read_enum("preemphasis", s.preemphasis, preemphasis_names);
    kw.read("preemphasis_coeff", s.preemphasis_coeff);
    kw.read("power", s.power);
    kw.read("scale", s.scale);
    kw.read("fmin", o.mel.fmin);
    kw.read("fmax", o.mel.fmax);
    kw.read_enum("mel_scale", o.mel.scale, mel_scale_names);
    kw.read_enum("mel_norm", o.mel.norm, mel_norm_names);
    kw.read_enum("mel_construction", o.mel.construction, construction_names);
    kw.read_enum("log", o.log.type, log_names);
    kw.read("floor", o.log.floor);
    kw.read_enum("floor_rule", o.log.floor_rule, floor_names);
    kw.read("ref", o.log.ref);
    kw.read("top_db", o.log.top_db);
    return o;
}

MfccOptions mfcc_options(double sr, const std::string& preset, options_reader& kw) {
    MfccOptions o = preset == "psf" ? MfccOptions::python_speech_features(sr)
                    : preset == "kaldi" ? MfccOptions::kaldi(sr)
                                        : MfccOptions::librosa(sr);
    std::size_t n_mfcc = o.n_mfcc;
    o.logmel = logmel_options(sr, preset, kw, &n_mfcc);
    o.n_mfcc = n_mfcc;
    kw.read_enum("dct", o.dct, dct_names);
    kw.read("lifter", o.lifter);
    kw.read_enum("lifter_form", o.lifter_form, lifter_names);
    kw.read("energy_c0", o.energy_c0);
    return o;
}

FrameFeatureOptions frame_options(double sr, const std::string& preset, bool zcr, options_reader& kw) {
    FrameFeatureOptions o = preset == "psf"     ? FrameFeatureOptions::python_speech_features(sr)
                            : preset == "kaldi" ? FrameFeatureOptions::kaldi(sr)
                            : zcr               ? FrameFeatureOptions::librosa_zcr()
                                                : FrameFeatureOptions::librosa_rms();
    kw.read("frame_length", o.frame_length);
    kw.read("hop_length", o.hop_length);
    kw.read_enum("framing", o.framing, framing_names);
    kw.read_enum("pad", o.pad, pad_names);
    if (zcr) kw.read("threshold", o.threshold);
    return o;
}

// Runs f<T>(data, n) without the GIL in the input's precision and returns its tensor as NumPy.
template <class F>
py::array run_on_signal(const signal_in& s, F&& f) {
    if (s.bytes == 4) {
        tensor<float, 2> out;
        {
            nogil_section nogil;
            out = f(s.data<float>(), s.size, float{});
        }
        return to_numpy(std::move(out));
    }
    tensor<double, 2> out;
    {
        nogil_section nogil;
        out = f(s.data<double>(), s.size, double{});
    }
    return to_numpy(std::move(out));
}

template <class T>
tensor<T, 1> copy_signal(const T* x, std::size_t n) {
    tensor<T, 1> t = tensor<T, 1>::from_shape({n});
    std::copy(x, x + n, t.data());
    return t;
}

}  // namespace

void bind_audio(py::module_& m) {
    m.def(
        "_mfcc",
        [](const py::object& x, double sr, const std::string& preset, const py::kwargs& kwargs) {
            require_preset(preset, "mfcc");
            options_reader kw(kwargs, "mfcc");
            const auto o = mfcc_options(checked_sr(sr, "mfcc"), preset, kw);
            kw.finish();
            o.validate();
            const auto s = signal(x, "mfcc");
            return run_on_signal(s, [&](const auto* d, std::size_t n, auto) { return audio::mfcc(d, n, o); });
        },
        py::arg("x"), py::arg("sr") = 16000.0, py::arg("preset") = "psf");
    m.def(
        "_logmel",
        [](const py::object& x, double sr, const std::string& preset, const py::kwargs& kwargs) {
            require_preset(preset, "logmel");
            options_reader kw(kwargs, "logmel");
            const auto o = logmel_options(checked_sr(sr, "logmel"), preset, kw);
            kw.finish();
            o.validate();
            const auto s = signal(x, "log_mel");
            return run_on_signal(s, [&](const auto* d, std::size_t n, auto) { return audio::log_mel(d, n, o); });
        },
        py::arg("x"), py::arg("sr") = 16000.0, py::arg("preset") = "psf");
    for (const bool zcr : {true, false}) {
        const char* name = zcr ? "_zcr" : "_rms";
        m.def(
            name,
            [zcr](const py::object& x, double sr, const std::string& preset, const py::kwargs& kwargs) {
                const char* fn = zcr ? "zcr" : "rms";
                require_preset(preset, fn);
                options_reader kw(kwargs, fn);
                const auto o = frame_options(checked_sr(sr, fn), preset, zcr, kw);
                kw.finish();
                o.validate(fn);
                const auto s = signal(x, fn);
                return run_on_signal(s, [&](const auto* d, std::size_t n, auto zero) {
                    using T = decltype(zero);
                    const auto t = copy_signal<T>(d, n);  // the functions take a tensor: one copy
                    return zcr ? audio::zero_crossing_rate(t, o) : audio::rms(t, o);
                });
            },
            py::arg("x"), py::arg("sr") = 16000.0, py::arg("preset") = "psf");
    }
    // The options a call would use, as C++ prints them (for repr and docs).
    m.def(
        "_describe",
        [](const std::string& feature, double sr, const std::string& preset, const py::kwargs& kwargs) {
            require_preset(preset, feature.c_str());
            options_reader kw(kwargs, feature);
            std::string text;
            if (feature == "mfcc") text = mfcc_options(sr, preset, kw).to_string();
            else if (feature == "logmel") text = logmel_options(sr, preset, kw).to_string();
            else if (feature == "zcr" || feature == "rms") text = frame_options(sr, preset, feature == "zcr", kw).to_string();
            else bad_argument("python", "describe(): feature '", feature, "' is not mfcc, logmel, zcr or rms");
            kw.finish();
            return text;
        },
        py::arg("feature"), py::arg("sr") = 16000.0, py::arg("preset") = "psf");
}

}  // namespace syncdsp::python
