// python/bind_sync.cpp - the offset engine (search), the whole classic pipeline on a file (sync)
// and SyncNet's protocol (syncnet). Results come back as plain dicts and NumPy arrays;
// python/syncdsp/__init__.py wraps them in small result classes.
#include <filesystem>
#include <memory>
#include <mutex>

#include "common.hpp"

#include "report_json.hpp"  // apps/: the JSON of `syncdsp sync --json`, so to_dict() is the same document
#include "syncdsp/audio/phones.hpp"
#include "syncdsp/io/remux.hpp"
#include "syncdsp/pipeline/classic.hpp"
#include "syncdsp/pipeline/syncnet.hpp"
#include "syncdsp/sync/search.hpp"

#if defined(SYNCDSP_HAVE_POCKETSPHINX)
#include "syncdsp/audio/pocketsphinx.hpp"
#endif

namespace syncdsp::python {
namespace {

// The same recogniser `syncdsp sync` uses (pocketsphinx when built in), so both give one answer.
audio::phone_recogniser module_phone_recogniser() {
#if defined(SYNCDSP_HAVE_POCKETSPHINX)
    return audio::pocketsphinx_recogniser();
#else
    return [](const float*, std::size_t, unsigned) -> audio::phone_result {
        detail::throw_unsupported("phones", audio::pocketsphinx_missing_message);
    };
#endif
}

// ---- search ----------------------------------------------------------------------------------

sync::cue_kind cue_kind_of(const std::string& text) {
    if (text == "rate") return sync::cue_kind::rate;
    if (text == "level") return sync::cue_kind::level;
    bad_argument("search", "cue kind '", text, "' is not 'rate' or 'level'");
}

std::vector<double> cue_values(const py::handle& obj, const std::string& name) {
    py::array a = as_array(obj, "search", "a cue");
    if (a.dtype().kind() != 'f' && a.dtype().kind() != 'i' && a.dtype().kind() != 'u')
        bad_argument("search", "cue '", name, "' must be numbers (float), got dtype ", dtype_name(a));
    if (a.ndim() != 1) bad_argument("search", "cue '", name, "' must be 1-d (one value per grid sample), got ", a.ndim(), "-d");
    auto c = contiguous<double>(py::array(a.attr("astype")("float64", py::arg("copy") = false)));
    return std::vector<double>(c.data(), c.data() + c.size());
}

// Cues as {name: values} (kind "rate"), or a list of (name, values[, kind]) tuples.
std::vector<sync::cue> cues(const py::handle& obj, const char* side) {
    std::vector<sync::cue> out;
    if (py::isinstance<py::dict>(obj)) {
        for (const auto& item : py::reinterpret_borrow<py::dict>(obj)) {
            const std::string name = py::str(item.first);
            out.push_back({name, cue_values(item.second, name), sync::cue_kind::rate});
        }
        return out;
    }
    if (!py::isinstance<py::sequence>(obj) || py::isinstance<py::str>(obj))
        bad_argument("search", side, " cues must be a dict {name: values} or a list of (name, values, kind)");
    for (const auto& item : py::reinterpret_borrow<py::sequence>(obj)) {
        if (!py::isinstance<py::tuple>(item) && !py::isinstance<py::list>(item))
            bad_argument("search", side, " cues must be a dict {name: values} or a list of (name, values, kind)");
        const auto t = py::reinterpret_borrow<py::sequence>(item);
        if (t.size() != 2 && t.size() != 3)
            bad_argument("search", "a ", side, " cue must be (name, values) or (name, values, kind), got ", t.size(),
                         " items");
        const std::string name = py::str(t[0]);
        const auto kind = t.size() == 3 ? cue_kind_of(py::str(t[2])) : sync::cue_kind::rate;
        out.push_back({name, cue_values(t[1], name), kind});
    }
    return out;
}

py::dict peak_dict(const sync::peak_estimate& p) {
    py::dict d;
    d["valid"] = p.valid;
    d["lag"] = p.lag;
    d["lag_refined"] = p.lag_refined;
    d["score"] = p.score;
    d["robust_z"] = p.peak_to_median;
    d["margin"] = p.peak_to_second;
    d["at_edge"] = p.at_edge;
    return d;
}

py::dict estimate_dict(const sync::offset_estimate& e) {
    py::dict d;
    d["valid"] = e.valid;
    d["start_s"] = e.start_s;
    d["end_s"] = e.end_s;
    d["offset_ms"] = e.offset_ms;
    d["raw_offset_ms"] = e.raw_offset_ms;
    d["confidence"] = e.significance.confidence;
    d["p_value"] = e.significance.p_value;
    d["surrogates"] = e.significance.count;
    d["rival_offset_ms"] = e.rival_offset_ms ? py::object(py::float_(*e.rival_offset_ms)) : py::object(py::none());
    d["reliable"] = e.reliable;
    d["peak"] = peak_dict(e.peak);
    return d;
}

// A curve as (lags in ms, scores with NaN where uninformative).
py::tuple curve_arrays(const sync::correlation_curve& c) {
    std::vector<double> lags(c.size()), scores(c.size());
    for (std::size_t i = 0; i < c.size(); ++i) {
        lags[i] = c.lag_ms(c.lag(i));
        scores[i] = c.informative[i] ? c.score[i] : std::numeric_limits<double>::quiet_NaN();
    }
    return py::make_tuple(to_numpy(std::move(lags)), to_numpy(std::move(scores)));
}

// ---- sync ------------------------------------------------------------------------------------

pipeline::ClassicOptions classic_options(const std::string& preset, options_reader& kw) {
    if (preset != "standard" && preset != "fast" && preset != "raw")
        bad_argument("python", "sync(): preset='", preset, "' is not one of 'standard', 'fast', 'raw'");
    pipeline::ClassicOptions o = preset == "standard" ? pipeline::ClassicOptions::standard()
                                 : preset == "fast"   ? pipeline::ClassicOptions::fast()
                                                      : pipeline::ClassicOptions::raw();
    o.recognise_phones = module_phone_recogniser();
    const std::map<std::string, pipeline::face_mode> modes{
        {"auto", pipeline::face_mode::automatic}, {"on", pipeline::face_mode::on}, {"off", pipeline::face_mode::off}};
    const std::map<std::string, pipeline::phone_mode> phone_modes{
        {"auto", pipeline::phone_mode::automatic}, {"on", pipeline::phone_mode::on}, {"off", pipeline::phone_mode::off}};
    const std::map<std::string, pipeline::mouth_source> sources{{"auto", pipeline::mouth_source::automatic},
                                                                {"face_crop", pipeline::mouth_source::face_crop},
                                                                {"box", pipeline::mouth_source::box}};
    kw.read_enum("faces", o.faces, modes);
    kw.read_enum("phones", o.phones, phone_modes);
    kw.read_enum("source", o.source, sources);
    if (kw.has("mouth_box")) {
        std::vector<long> b;
        kw.read("mouth_box", b);
        if (b.size() != 4) bad_argument("python", "sync(): mouth_box must be (x, y, width, height) in pixels");
        o.mouth_box = rect{b[0], b[1], b[2], b[3]};
        o.source = pipeline::mouth_source::box;
    }
    kw.read("landmarks_path", o.landmarks_path);
    kw.read("save_landmarks_path", o.save_landmarks_path);
    kw.read("models_dir", o.face.models_dir);
    kw.read("detect_every", o.face.detect_every);
    kw.read("max_offset_ms", o.search.max_offset_ms);
    kw.read("window_s", o.search.window_s);
    kw.read("hop_s", o.search.hop_s);
    kw.read("surrogates", o.search.surrogates);
    kw.read("reliable_p", o.search.reliable_p);
    kw.read("threads", o.search.threads);
    if (kw.has("tolerance")) {
        std::string t;
        kw.read("tolerance", t);
        o.tolerance = sync::ToleranceProfile::parse(t);
    }
    if (kw.has("calibration")) {
        std::string c;
        kw.read("calibration", c);
        if (c == "speech-lead" || c == "speech_lead") o.calibration = sync::Calibration::speech_lead();
        else if (c == "none") o.calibration = sync::Calibration::none();
        else bad_argument("python", "sync(): calibration='", c, "' is not 'speech-lead' or 'none'");
    }
    return o;
}

// The report as the Python result class reads it: the CLI's JSON document (for to_dict()) plus
// the unrounded numbers and arrays.
py::dict report_dict(const pipeline::offset_report& r, const std::string& path) {
    py::dict d;
    d["json"] = cli::to_json(r, path).dump();
    d["valid"] = r.valid;
    d["offset_ms"] = r.offset_ms;
    d["raw_offset_ms"] = r.raw_offset_ms;
    d["interval_ms"] = py::make_tuple(r.interval_lo_ms, r.interval_hi_ms);
    d["verdict"] = sync::to_string(r.verdict.kind);
    d["verdict_certain"] = r.verdict.certain;
    d["verdict_reason"] = r.verdict.reason;
    d["headline"] = cli::headline(r);
    d["confidence"] = r.confidence;
    d["p_value"] = r.p_value;
    d["reliable"] = r.reliable;
    d["rival_offset_ms"] = r.rival_offset_ms ? py::object(py::float_(*r.rival_offset_ms)) : py::object(py::none());
    d["fps"] = r.fps;
    d["curve"] = curve_arrays(r.curve);
    // One track today: the face/mouth the estimate used (multi-face reports will add entries).
    py::dict track;
    track["id"] = 0;
    track["mouth_box"] = py::make_tuple(r.mouth_box.x, r.mouth_box.y, r.mouth_box.width, r.mouth_box.height);
    track["mouth_from"] = r.mouth_from;
    track["face_frames"] = r.face_frames;
    track["frames"] = r.frames;
    track["offset_ms"] = r.offset_ms;
    track["confidence"] = r.confidence;
    track["reliable"] = r.reliable;
    py::list tracks;
    tracks.append(track);
    d["tracks"] = tracks;
    py::list windows;
    for (const auto& w : r.windows) {
        py::dict wd = estimate_dict(w.estimate);
        wd["interval_ms"] = py::make_tuple(w.interval_lo_ms, w.interval_hi_ms);
        windows.append(wd);
    }
    d["windows"] = windows;
    d["notes"] = r.notes;
    py::list segments;
    for (const auto& sg : r.segments) {
        py::dict sd;
        sd["start_s"] = sg.start_s;
        sd["end_s"] = sg.end_s;
        sd["offset_ms"] = sg.offset_ms;
        sd["windows"] = sg.windows;
        segments.append(sd);
    }
    d["segments"] = segments;
    return d;
}

// ---- syncnet ---------------------------------------------------------------------------------

// Loaded once per file (a folder of videos is scored with one load); a rewritten file is reloaded.
std::shared_ptr<const nn::syncnet> syncnet_weights(const std::string& path) {
    static std::mutex lock;
    static std::map<std::string, std::shared_ptr<const nn::syncnet>> cache;
    std::error_code ec;
    const auto stamp = std::filesystem::last_write_time(path, ec);
    const std::string key = path + "@" + (ec ? "?" : std::to_string(stamp.time_since_epoch().count()));
    std::lock_guard<std::mutex> guard(lock);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    auto net = std::make_shared<const nn::syncnet>(nn::syncnet::load(path));
    cache[key] = net;
    return net;
}

py::dict syncnet_dict(const nn::syncnet_result& r, std::size_t frames) {
    py::dict d;
    d["av_offset_frames"] = r.av_offset_frames;
    d["offset_ms"] = r.offset_ms;
    d["min_dist"] = r.min_dist;
    d["confidence"] = r.confidence;
    d["vshift"] = r.vshift;
    d["frames"] = frames;
    d["windows"] = r.windows();
    d["dists"] = to_numpy(std::vector<float>(r.mean_dists));
    d["window_confidence"] = to_numpy(std::vector<float>(r.window_confidence));
    d["window_confidence_raw"] = to_numpy(std::vector<float>(r.window_confidence_raw));
    return d;
}

// Audio for SyncNet: int16 PCM, or float in [-1, 1) (scaled to int16 values, as the reference
// reads 16-bit WAV), 16 kHz mono.
tensor<double, 1> syncnet_audio(const py::handle& obj) {
    py::array a = as_array(obj, "syncnet", "audio");
    if (a.ndim() != 1) bad_argument("syncnet", "audio must be 1-d 16 kHz mono samples, got ", a.ndim(), "-d");
    const auto dt = a.dtype();
    const bool i16 = dt.kind() == 'i' && dt.itemsize() == 2;
    if (!i16 && !float_bytes(a))
        bad_argument("syncnet", "audio must be int16 PCM or float32/float64 in [-1, 1), got dtype ", dtype_name(a));
    auto c = contiguous<double>(py::array(a.attr("astype")("float64", py::arg("copy") = false)));
    tensor<double, 1> s = tensor<double, 1>::from_shape({std::size_t(c.size())});
    const double scale = i16 ? 1.0 : 32768.0;
    for (std::size_t i = 0; i < s.size(); ++i) s(i) = c.data()[i] * scale;
    require_finite(s.data(), s.size(), "syncnet", "audio");
    return s;
}

}  // namespace

void bind_sync(py::module_& m) {
    m.def(
        "_search",
        [](const py::object& video, const py::object& audio, double rate, double start_s, const py::kwargs& kwargs) {
            auto o = sync::SearchOptions::classic();
            options_reader kw(kwargs, "search");
            kw.read("max_offset_ms", o.max_offset_ms);
            kw.read("min_overlap_s", o.min_overlap_s);
            kw.read("window_min_overlap_s", o.window_min_overlap_s);
            kw.read("guard_lags", o.peak.guard_lags);
            kw.read("surrogates", o.surrogates);
            kw.read("reliable_p", o.reliable_p);
            kw.read("window_s", o.window_s);
            kw.read("hop_s", o.hop_s);
            kw.read("threads", o.threads);
            if (kw.has("leads")) {
                std::vector<std::tuple<std::string, std::string, double>> leads;
                kw.read("leads", leads);
                for (const auto& [v, a, ms] : leads) o.leads.push_back({v, a, ms});
            }
            kw.finish();
            const auto vc = cues(video, "video"), ac = cues(audio, "audio");
            sync::search_result r;
            {
                nogil_section nogil;
                r = sync::search(vc, ac, sync::cue_grid{start_s, rate}, o);
            }
            py::dict d;
            d["whole"] = estimate_dict(r.whole);
            py::list windows;
            for (const auto& w : r.windows) windows.append(estimate_dict(w));
            d["windows"] = windows;
            d["pairs"] = r.pairs;
            py::list pair_peaks;
            for (const auto& p : r.pair_peaks) {
                py::dict pd = peak_dict(p.peak);
                pd["pair"] = p.name;
                pd["offset_ms"] = p.offset_ms;
                pair_peaks.append(pd);
            }
            d["pair_peaks"] = pair_peaks;
            d["curve"] = curve_arrays(r.mean_r);
            d["fused"] = curve_arrays(r.fused);
            d["rate_hz"] = r.rate_hz;
            d["options"] = o.to_string();
            return d;
        },
        py::arg("video_cues"), py::arg("audio_cues"), py::arg("rate"), py::arg("start_s") = 0.0);

    m.def(
        "_sync",
        [](const std::string& path, const std::string& preset, const py::kwargs& kwargs) {
            options_reader kw(kwargs, "sync");
            const auto o = classic_options(preset, kw);
            kw.finish();
            o.validate();
            pipeline::offset_report r;
            {
                nogil_section nogil;
                r = pipeline::estimate_offset(path, o);
            }
            return report_dict(r, path);
        },
        py::arg("path"), py::arg("preset") = "standard");

    m.def(
        "_shift_audio",
        [](const std::string& input, const std::string& output, double audio_shift_ms) {
            nogil_section nogil;
            io::check_remux_output(input, output);
            io::remux_with_audio_shift(input, output, audio_shift_ms);
        },
        py::arg("input"), py::arg("output"), py::arg("audio_shift_ms"));

    m.def(
        "_syncnet_video",
        [](const std::string& path, const std::string& weights, const py::kwargs& kwargs) {
            pipeline::SyncnetVideoOptions o = pipeline::SyncnetVideoOptions::syncnet_python();
            options_reader kw(kwargs, "syncnet");
            kw.read("vshift", o.vshift);
            kw.read("batch", o.batch);
            kw.read("threads", o.threads);
            kw.read("max_frames", o.max_frames);
            kw.finish();
            o.validate();
            pipeline::syncnet_video_result r;
            {
                nogil_section nogil;
                const auto net = syncnet_weights(weights);
                r = pipeline::syncnet_on_video(*net, path, o);
            }
            return syncnet_dict(r.protocol, r.frames);
        },
        py::arg("path"), py::arg("weights"));

    m.def(
        "_syncnet_arrays",
        [](const py::object& frames_obj, const py::object& audio_obj, const std::string& weights, const std::string& order,
           const py::kwargs& kwargs) {
            pipeline::SyncnetVideoOptions o = pipeline::SyncnetVideoOptions::syncnet_python();
            options_reader kw(kwargs, "syncnet");
            kw.read("vshift", o.vshift);
            kw.read("batch", o.batch);
            kw.read("threads", o.threads);
            kw.finish();
            o.validate();
            if (order != "rgb" && order != "bgr") bad_argument("syncnet", "order='", order, "' is not 'rgb' or 'bgr'");
            py::array f = as_array(frames_obj, "syncnet", "frames");
            if (!(f.dtype().kind() == 'u' && f.dtype().itemsize() == 1))
                bad_argument("syncnet", "frames must be uint8, got dtype ", dtype_name(f));
            if (f.ndim() != 4 || f.shape(1) != 224 || f.shape(2) != 224 || f.shape(3) != 3)
                bad_argument("syncnet", "frames must be (T, 224, 224, 3) face crops at 25 fps, got ndim ", f.ndim());
            auto fc = contiguous<std::uint8_t>(f);
            auto frames = tensor<std::uint8_t, 4>::from_shape({std::size_t(f.shape(0)), 224, 224, 3});
            std::copy(fc.data(), fc.data() + frames.size(), frames.data());
            const auto s16 = syncnet_audio(audio_obj);
            nn::syncnet_result r;
            {
                nogil_section nogil;
                const auto net = syncnet_weights(weights);
                nn::syncnet_window_count(frames.shape()[0], s16.size());
                auto mo = audio::MfccOptions::python_speech_features(16000);
                mo.logmel.stft.input_scale = 1.0;  // already int16 values (as pipeline/syncnet.hpp does)
                const auto feats = audio::mfcc(s16, mo);
                tensor<float, 2> mfcc = tensor<float, 2>::from_shape({feats.shape()[0], feats.shape()[1]});
                std::copy(feats.begin(), feats.end(), mfcc.begin());
                r = nn::syncnet_evaluate(*net, frames, order == "rgb" ? nn::frame_order::rgb : nn::frame_order::bgr, mfcc,
                                         s16.size(), o.protocol());
            }
            return syncnet_dict(r, frames.shape()[0]);
        },
        py::arg("frames"), py::arg("audio"), py::arg("weights"), py::arg("order") = "rgb");
}

}  // namespace syncdsp::python
