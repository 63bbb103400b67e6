// syncdsp/io/ffmpeg.hpp - media decoding through the ffmpeg and ffprobe programs.
//
// syncdsp links no codec library: audio and video are decoded by an ffmpeg subprocess writing raw
// samples/pixels to a pipe. The programs are looked up on PATH, or taken from the environment
// variables SYNCDSP_FFMPEG / SYNCDSP_FFPROBE.
//
// Time base: every time here is a presentation time on the file's own timeline (ffmpeg -copyts),
// the time a player shows a frame or plays a sample. decode_video_stream reports the timestamp of
// each frame the decoder really outputs (so packets an MP4 edit list discards, reordered B-frames
// and variable frame rate need no guessing), and decode_audio_timed pads or trims the start so
// that sample 0 is at a known time whatever the codec's priming or the container's start_time.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "syncdsp/core/buffer_relay.hpp"
#include "syncdsp/core/checked.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"
#include "syncdsp/io/file.hpp"
#include "syncdsp/io/subprocess.hpp"

namespace syncdsp::io {

inline std::string ffmpeg_program() {
    const char* env = std::getenv("SYNCDSP_FFMPEG");
    return env && *env ? env : "ffmpeg";
}
inline std::string ffprobe_program() {
    const char* env = std::getenv("SYNCDSP_FFPROBE");
    return env && *env ? env : "ffprobe";
}

/// What ffprobe says about a media file's first video and first audio stream.
struct media_info {
    bool has_video = false;
    bool has_audio = false;
    int width = 0, height = 0;
    double fps = 0;              ///< average frame rate of the video stream (avg_frame_rate)
    double duration_s = 0;       ///< container duration
    double video_start_s = 0;    ///< start time of the video stream
    double audio_start_s = 0;    ///< start time of the audio stream
    double video_time_base = 0;  ///< seconds per tick of the video stream's timestamps (0: unknown)
    int audio_sample_rate = 0;
    int audio_channels = 0;
    std::string video_codec, audio_codec;
    std::string format_name;     ///< ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
};

namespace ffmpeg_impl {

inline double parse_rate(const std::string& r) {
    const auto slash = r.find('/');
    if (slash == std::string::npos) return std::atof(r.c_str());
    const double num = std::atof(r.substr(0, slash).c_str());
    const double den = std::atof(r.substr(slash + 1).c_str());
    return den > 0 ? num / den : 0.0;
}

inline double json_number(const nlohmann::json& j, const char* key, double fallback = 0) {
    if (!j.contains(key)) return fallback;
    const auto& v = j[key];
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) {
        const std::string s = v.get<std::string>();
        char* end = nullptr;
        const double x = std::strtod(s.c_str(), &end);
        return end != s.c_str() ? x : fallback;
    }
    return fallback;
}

// Calls fn(line) for every '\n'-separated line of text (the last may lack its '\n').
template <class Fn>
void for_each_line(const std::string& text, Fn&& fn) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        fn(text.substr(pos, end - pos));
        pos = end + 1;
    }
}

inline std::string run_to_string(const std::vector<std::string>& argv, const char* what, const std::string& path) {
    std::string out;
    const auto r = run_process(argv, [&](const std::uint8_t* d, std::size_t n) {
        out.append(reinterpret_cast<const char*>(d), n);
        return true;
    });
    if (r.exit_code != 0)
        detail::throw_io_error("ffmpeg", what, " failed for '", path, "': ", last_line(r.stderr_text));
    return out;
}

}  // namespace ffmpeg_impl

/// Probes a media file with ffprobe. Throws io_error if it cannot be read as media.
inline media_info probe_media(const std::string& path) {
    const std::string text = ffmpeg_impl::run_to_string(
        {ffprobe_program(), "-v", "error", "-show_streams", "-show_format", "-of", "json", "--", path},
        "ffprobe", path);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const std::exception& e) {
        detail::throw_io_error("ffmpeg", "cannot parse ffprobe output for '", path, "': ", e.what());
    }
    media_info info;
    if (j.contains("format")) {
        info.duration_s = ffmpeg_impl::json_number(j["format"], "duration");
        info.format_name = j["format"].value("format_name", "");
    }
    if (j.contains("streams") && j["streams"].is_array()) {
        for (const auto& s : j["streams"]) {
            const std::string type = s.value("codec_type", "");
            if (type == "video" && !info.has_video) {
                // Cover art inside audio files is a one-picture "video" stream: not a video.
                if (s.contains("disposition") && s["disposition"].value("attached_pic", 0) == 1) continue;
                info.has_video = true;
                info.width = s.value("width", 0);
                info.height = s.value("height", 0);
                info.fps = ffmpeg_impl::parse_rate(s.value("avg_frame_rate", "0/0"));
                if (!(info.fps > 0)) info.fps = ffmpeg_impl::parse_rate(s.value("r_frame_rate", "0/0"));
                info.video_codec = s.value("codec_name", "");
                info.video_start_s = ffmpeg_impl::json_number(s, "start_time");
                info.video_time_base = ffmpeg_impl::parse_rate(s.value("time_base", "0/0"));
            } else if (type == "audio" && !info.has_audio) {
                info.has_audio = true;
                info.audio_sample_rate = static_cast<int>(ffmpeg_impl::json_number(s, "sample_rate"));
                info.audio_channels = s.value("channels", 0);
                info.audio_codec = s.value("codec_name", "");
                info.audio_start_s = ffmpeg_impl::json_number(s, "start_time");
            }
        }
    }
    if (!info.has_video && !info.has_audio)
        detail::throw_io_error("ffmpeg", "'", path, "' has neither an audio nor a video stream");
    return info;
}

namespace ffmpeg_impl {

// Runs an ffmpeg command that writes s16le samples to stdout and collects them.
inline tensor<std::int16_t, 1> read_s16_samples(const std::vector<std::string>& argv, const std::string& path) {
    std::vector<std::uint8_t> bytes;
    const auto r = run_process(argv, [&](const std::uint8_t* d, std::size_t n) {
        bytes.insert(bytes.end(), d, d + n);
        return true;
    });
    if (r.exit_code != 0) {
        if (r.stderr_text.find("matches no streams") != std::string::npos)
            detail::throw_io_error("ffmpeg", "'", path, "' has no audio stream");
        detail::throw_io_error("ffmpeg", "cannot decode the audio of '", path, "': ", last_line(r.stderr_text));
    }
    tensor<std::int16_t, 1> s = tensor<std::int16_t, 1>::from_shape({bytes.size() / 2});
    for (std::size_t i = 0; i < s.size(); ++i) s(i) = static_cast<std::int16_t>(detail::load_u16le(&bytes[2 * i]));
    return s;
}

// Runs an ffmpeg command that writes f32le samples to stdout and collects them.
inline tensor<float, 1> read_f32_samples(const std::vector<std::string>& argv, const std::string& path) {
    std::vector<float> samples;
    std::size_t pending = 0;
    std::uint8_t carry[4];
    const auto r = run_process(argv, [&](const std::uint8_t* d, std::size_t n) {
        std::size_t i = 0;
        while (pending > 0 && i < n) {  // finish a sample split across reads
            carry[pending++] = d[i++];
            if (pending == 4) {
                float v;
                std::memcpy(&v, carry, 4);
                samples.push_back(v);
                pending = 0;
            }
        }
        const std::size_t whole = (n - i) / 4;
        const std::size_t at = samples.size();
        samples.resize(at + whole);
        std::memcpy(samples.data() + at, d + i, whole * 4);
        i += whole * 4;
        while (i < n) carry[pending++] = d[i++];
        return true;
    });
    if (r.exit_code != 0) {
        const std::string why = last_line(r.stderr_text);
        if (r.stderr_text.find("matches no streams") != std::string::npos)
            detail::throw_io_error("ffmpeg", "'", path, "' has no audio stream");
        detail::throw_io_error("ffmpeg", "cannot decode the audio of '", path, "': ", why);
    }
    tensor<float, 1> out = tensor<float, 1>::from_shape({samples.size()});
    std::copy(samples.begin(), samples.end(), out.begin());
    return out;
}

}  // namespace ffmpeg_impl

/// Decodes the first audio stream to mono float samples in [-1, 1) at `sample_rate` Hz (ffmpeg
/// downmixes and resamples). Sample 0 is the first sample the decoder outputs; its presentation
/// time is not pinned down (codec priming, start_time): use decode_audio_timed to line audio up
/// with video.
inline tensor<float, 1> decode_audio(const std::string& path, unsigned sample_rate = 16000) {
    SYNCDSP_REQUIRE(sample_rate >= 1000 && sample_rate <= 384000, "decode_audio", "sample rate ",
                    sample_rate, " is outside 1000..384000 Hz");
    return ffmpeg_impl::read_f32_samples({ffmpeg_program(), "-nostdin", "-v", "error", "-i", path, "-map", "0:a:0",
                                          "-vn", "-ac", "1", "-ar", std::to_string(sample_rate), "-f", "f32le",
                                          "-acodec", "pcm_f32le", "pipe:1"},
                                         path);
}

/// Mono samples with the presentation time of sample 0 on the file's timeline.
struct timed_audio {
    tensor<float, 1> samples;
    unsigned sample_rate = 0;
    double start_s = 0;  ///< presentation time of samples(0)
};

/// Decodes the first audio stream like decode_audio, but with sample 0 at a known presentation
/// time: the audio stream's start time (rounded to a sample) on the file's own timeline, the one
/// decode_video_stream's timestamps use. ffmpeg (-copyts, aresample with first_pts) pads with
/// silence or trims the decoder's output so that it begins exactly there, whatever the container's
/// start_time, the edit list or the codec's priming (AAC, MP3, Opus) did; gaps of more than 0.1 s
/// inside the stream are filled with silence, as players do.
namespace ffmpeg_impl {

// The ffmpeg arguments that decode the first audio stream as mono `sample_rate` Hz `format`
// (f32le or s16le) with sample 0 at the stream's start time (decode_audio_timed), and that sample
// index on the file's timeline.
inline std::vector<std::string> timed_audio_args(const std::string& path, const media_info& info, unsigned sample_rate,
                                                 const std::string& format, long long& first) {
    SYNCDSP_REQUIRE(sample_rate >= 1000 && sample_rate <= 384000, "decode_audio", "sample rate ",
                    sample_rate, " is outside 1000..384000 Hz");
    if (!info.has_audio) detail::throw_io_error("ffmpeg", "'", path, "' has no audio stream");
    SYNCDSP_REQUIRE(std::isfinite(info.audio_start_s) && std::fabs(info.audio_start_s) < 1e7, "decode_audio",
                    "audio start time ", info.audio_start_s, " s of '", path, "' is unusable");
    first = std::llround(info.audio_start_s * double(sample_rate));
    // Resample first, then pad/trim at the output rate: first_pts counts the resampler's *input*
    // samples (measured: one combined filter placed the start off by 2/3 of the pad at 48 -> 16 kHz),
    // so only a same-rate stage makes it unambiguous. async=1: pad/trim only, no stretching.
    const std::string filter = "aresample=" + std::to_string(sample_rate) + ",aresample=async=1:first_pts=" +
                               std::to_string(first);
    return {ffmpeg_program(), "-nostdin", "-v", "error", "-copyts", "-i", path, "-map", "0:a:0", "-vn", "-af", filter,
            "-ac", "1", "-ar", std::to_string(sample_rate), "-f", format, "-acodec", "pcm_" + format, "pipe:1"};
}

}  // namespace ffmpeg_impl

inline timed_audio decode_audio_timed(const std::string& path, const media_info& info, unsigned sample_rate = 16000) {
    long long first = 0;
    timed_audio out;
    out.samples = ffmpeg_impl::read_f32_samples(ffmpeg_impl::timed_audio_args(path, info, sample_rate, "f32le", first),
                                                path);
    out.sample_rate = sample_rate;
    out.start_s = double(first) / double(sample_rate);
    return out;
}

/// Decodes the first audio stream as ffmpeg's own 16-bit PCM (mono, `sample_rate` Hz), the exact
/// samples tools such as syncnet_python read (`ffmpeg -ac 1 -ar 16000 -acodec pcm_s16le`). ffmpeg's
/// float and 16-bit downmixes of stereo are scaled differently, so this is not decode_audio * 32768.
inline tensor<std::int16_t, 1> decode_audio_pcm16(const std::string& path, unsigned sample_rate = 16000) {
    SYNCDSP_REQUIRE(sample_rate >= 1000 && sample_rate <= 384000, "decode_audio", "sample rate ", sample_rate,
                    " is outside 1000..384000 Hz");
    return ffmpeg_impl::read_s16_samples({ffmpeg_program(), "-nostdin", "-v", "error", "-i", path, "-map", "0:a:0", "-vn",
                                          "-ac", "1", "-ar", std::to_string(sample_rate), "-f", "s16le", "-acodec",
                                          "pcm_s16le", "pipe:1"},
                                         path);
}

/// decode_audio_pcm16's samples with sample 0 at the audio stream's start time on the file's
/// timeline, as decode_audio_timed lines up its float samples. `start_s`: that time.
inline tensor<std::int16_t, 1> decode_audio_pcm16_timed(const std::string& path, const media_info& info,
                                                        unsigned sample_rate, double& start_s) {
    long long first = 0;
    auto s = ffmpeg_impl::read_s16_samples(ffmpeg_impl::timed_audio_args(path, info, sample_rate, "s16le", first), path);
    start_s = double(first) / double(sample_rate);
    return s;
}

/// Pixel layout of decoded frames.
enum class pixel_format {
    gray,
    rgb,
    bgr,
    /// Each frame twice, from one decode: its RGB pixels (H*W*3 bytes) followed by its gray plane
    /// (H*W bytes), each byte for byte what the rgb and gray formats give (the face networks and
    /// the flow read one decode this way). decode_video_stream only.
    rgb_then_gray,
};

inline std::size_t channels_of(pixel_format f) {
    return f == pixel_format::gray ? 1 : f == pixel_format::rgb_then_gray ? 4 : 3;
}
inline const char* name_of(pixel_format f) {
    switch (f) {
        case pixel_format::gray: return "gray";
        case pixel_format::rgb: return "rgb";
        case pixel_format::bgr: return "bgr";
        case pixel_format::rgb_then_gray: return "rgb_then_gray";
    }
    return "?";
}

struct VideoDecodeOptions {
    pixel_format format = pixel_format::gray;
    int width = 0, height = 0;     ///< output size; 0 = the stream's own (both or neither)
    std::size_t max_frames = 0;    ///< 0 = all
    /// Upper bound on width*height*channels*frames kept in memory by decode_video (bytes).
    std::size_t max_bytes = std::size_t(8) << 30;
    /// decode_video_stream: frames read and unpacked ahead on a reader thread, so the pipe and the
    /// consumer overlap (0 = read on the calling thread). on_frame still runs on the caller's
    /// thread, one frame at a time, in order. The ring holds read_ahead + 1 frames, fewer when
    /// that would pass read_ahead_bytes (at least 2: a 4K RGBA frame is 33 MB). Worth it when the
    /// consumer is heavy (the face networks: rgb_then_gray() sets 3); with a light consumer an
    /// unthrottled decoder only takes CPU from other work (the audio decode, 8x slower beside it).
    std::size_t read_ahead = 0;
    std::size_t read_ahead_bytes = std::size_t(64) << 20;

    /// 8-bit gray frames at the stream's own size (what the flow cues take).
    static VideoDecodeOptions gray() { return {}; }
    /// 8-bit RGB frames at the stream's own size (what the face networks take).
    static VideoDecodeOptions rgb() {
        VideoDecodeOptions o;
        o.format = pixel_format::rgb;
        return o;
    }
    /// RGB and gray from one decode (pixel_format::rgb_then_gray), read ahead for the networks.
    static VideoDecodeOptions rgb_then_gray() {
        VideoDecodeOptions o;
        o.format = pixel_format::rgb_then_gray;
        o.read_ahead = 3;
        return o;
    }

    void validate() const {
        SYNCDSP_REQUIRE((width == 0) == (height == 0) && width >= 0 && height >= 0 && width <= 16384 && height <= 16384,
                        "decode_video", "give both width and height (1..16384), or neither (got ", width, "x", height, ")");
        SYNCDSP_REQUIRE(max_bytes > 0, "decode_video", "max_bytes must be positive, got 0");
        SYNCDSP_REQUIRE(read_ahead <= 64, "decode_video", "read_ahead must be 0..64 frames, got ", read_ahead);
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "VideoDecodeOptions{format=" << name_of(format) << ", size=";
        if (width) s << width << "x" << height; else s << "native";
        s << ", max_frames=" << (max_frames ? std::to_string(max_frames) : "all") << ", max_bytes=" << max_bytes
          << ", read_ahead=" << read_ahead << ", read_ahead_bytes=" << read_ahead_bytes << "}";
        return s.str();
    }
};

/// Decoded frames: frames(n, y, x, c) as 8-bit values, with each frame's presentation time.
struct video_frames {
    tensor<std::uint8_t, 4> frames;
    std::vector<double> timestamps_s;  ///< per frame, seconds from the start of the file's timeline
    double fps = 0;                    ///< nominal (average) frame rate
    std::size_t count() const { return frames.shape()[0]; }
    std::size_t height() const { return frames.shape()[1]; }
    std::size_t width() const { return frames.shape()[2]; }
    std::size_t channels() const { return frames.shape()[3]; }
};

namespace ffmpeg_impl {

// Deletes a temporary file when it goes out of scope.
struct temp_file {
    std::string path;
    temp_file() {
        char name[] = "/tmp/syncdsp-times-XXXXXX";
        const int fd = mkstemp(name);
        if (fd < 0) detail::throw_io_error("ffmpeg", "cannot create a temporary file: ", std::strerror(errno));
        close(fd);
        path = name;
    }
    ~temp_file() { unlink(path.c_str()); }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
};

// Frame timestamps printed by ffmpeg's metadata filter ("frame:N pts:P pts_time:T ..." lines), in
// seconds: P * time_base when the time base is known (full precision), else T; NaN for NOPTS.
inline std::vector<double> parse_frame_times(const std::string& text, double time_base) {
    std::vector<double> t;
    ffmpeg_impl::for_each_line(text, [&](const std::string& line) {
        if (line.rfind("frame:", 0) != 0) return;
        auto field = [&](const char* key) -> std::string {
            const std::size_t k = line.find(key);
            if (k == std::string::npos) return "";
            const std::size_t v = k + std::strlen(key);
            return line.substr(v, line.find(' ', v) - v);
        };
        const std::string pts = field(" pts:"), pts_time = field(" pts_time:");
        char* stop = nullptr;
        double v = std::numeric_limits<double>::quiet_NaN();
        if (time_base > 0 && !pts.empty()) {
            const long long ticks = std::strtoll(pts.c_str(), &stop, 10);
            if (stop != pts.c_str()) v = double(ticks) * time_base;
        } else if (!pts_time.empty()) {
            const double x = std::strtod(pts_time.c_str(), &stop);
            if (stop != pts_time.c_str() && std::isfinite(x)) v = x;
        }
        t.push_back(v);
    });
    return t;
}

}  // namespace ffmpeg_impl

namespace ffmpeg_impl {

// ffmpeg's MP4/MOV demuxer applies an edit list exactly, except that it moves the video so that
// its first shown frame is at time 0 ("Offset DTS ... to make first pts zero"). When the edit
// starts between two frames (any `-ss T -c copy` cut off the frame grid), or the first frame's
// composition offset is not compensated by the edit (phone recordings), that moves the video
// earlier than the audio by up to a few frame periods, while a player following the edit list
// shows that frame at its own time. Without the advanced
// edit-list handling the demuxer only subtracts the edit's start, so the first frame at or after
// 0 there is that frame at its edit-list time: returns how much to add to the decoder's video
// timestamps (0 when there is nothing to correct or the two views do not pair up).
inline double mov_first_frame_shift(const std::string& path, const media_info& info, double first_decoded_s) {
    if (info.format_name.find("mov") == std::string::npos && info.format_name.find("mp4") == std::string::npos)
        return 0;
    const std::string text = run_to_string({ffprobe_program(), "-v", "error", "-advanced_editlist", "0",
                                            "-select_streams", "v:0", "-show_entries", "packet=pts_time", "-of",
                                            "csv=p=0", "--", path},
                                           "ffprobe", path);
    double first = std::numeric_limits<double>::infinity();
    ffmpeg_impl::for_each_line(text, [&](const std::string& line) {
        char* stop = nullptr;
        const double v = std::strtod(line.c_str(), &stop);
        if (stop != line.c_str() && std::isfinite(v) && v >= -1e-6) first = std::min(first, v);
    });
    const double shift = first - first_decoded_s;
    const double period = 1.0 / (info.fps > 0 ? info.fps : 25.0);
    // The demuxer's move is forwards and at most the reorder delay of the first GOP (a few frames:
    // the composition offset of the first shown frame); anything else is not it.
    return std::isfinite(shift) && shift > 1e-6 && shift < 4.5 * period ? shift : 0.0;
}

}  // namespace ffmpeg_impl

/// Presentation timestamps of the video packets in display order (demux only, no decoding): the
/// packets an edit list discards (ffprobe flag 'D') are left out, and a timestamp repeated by a
/// spliced stream is kept once, as decode_video_stream delivers it. An estimate of the frames'
/// times before decoding; decode_video_stream's own timestamps are the ones to pair with frames.
inline std::vector<double> probe_frame_times(const std::string& path) {
    const std::string text = ffmpeg_impl::run_to_string(
        {ffprobe_program(), "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags",
         "-of", "csv=p=0", "--", path},
        "ffprobe", path);
    std::vector<double> t;
    ffmpeg_impl::for_each_line(text, [&](const std::string& line) {
        const std::size_t comma = line.find(',');
        if (comma != std::string::npos && line.find('D', comma) != std::string::npos) return;  // discarded
        const std::string value = line.substr(0, comma);
        if (value.empty() || value == "N/A") return;
        char* stop = nullptr;
        const double v = std::strtod(value.c_str(), &stop);
        if (stop != value.c_str() && std::isfinite(v)) t.push_back(v);
    });
    std::sort(t.begin(), t.end());
    t.erase(std::unique(t.begin(), t.end()), t.end());
    if (!t.empty()) {
        const double shift = ffmpeg_impl::mov_first_frame_shift(path, probe_media(path), t.front());
        for (double& v : t) v += shift;
    }
    return t;
}

/// Streams decoded frames to `on_frame(pixels, index)` one at a time (pixels: height*width*channels
/// bytes, row-major) without holding the video in memory. `on_frame` may return false to stop.
/// Returns the number of frames delivered. Width/height are those of `info` unless the options
/// ask for a size.
///
/// The frames are those the decoder outputs (an edit list's discarded packets are not among them)
/// in presentation order. A frame whose timestamp is not later than the previous frame's (a
/// spliced stream repeating a time) is dropped, as a player drops a late frame, so the times are
/// strictly increasing. If `times_s` is given it receives each delivered frame's presentation time
/// (seconds on the file's own timeline, the same as decode_audio_timed), one per frame; a frame
/// without a timestamp gets the previous one plus a nominal frame period.
inline std::size_t decode_video_stream(const std::string& path, const media_info& info,
                                       const VideoDecodeOptions& opt,
                                       const std::function<bool(const std::uint8_t*, std::size_t)>& on_frame,
                                       std::vector<double>* times_s = nullptr) {
    if (!info.has_video) detail::throw_io_error("ffmpeg", "'", path, "' has no video stream");
    opt.validate();
    const int w = opt.width ? opt.width : info.width;
    const int h = opt.height ? opt.height : info.height;
    if (w <= 0 || h <= 0 || w > 16384 || h > 16384)
        detail::throw_io_error("ffmpeg", "'", path, "' has an unusable video size ", w, "x", h);
    const bool both = opt.format == pixel_format::rgb_then_gray;
    const char* pix = opt.format == pixel_format::gray ? "gray" : opt.format == pixel_format::bgr ? "bgr24" : "rgb24";
    ffmpeg_impl::temp_file times_file;
    // Keep a frame only when its time moves forward (or is unknown); then print each kept frame's
    // timestamp, so pixels and times pair one to one. -copyts: the file's own timeline.
    std::string filter =
        "select='isnan(pts)+isnan(prev_selected_pts)+gt(pts,prev_selected_pts)',"
        "metadata=mode=add:key=syncdsp:value=1,metadata=mode=print:key=syncdsp:file=" + times_file.path;
    if (opt.width) filter += ",scale=" + std::to_string(w) + ":" + std::to_string(h) + ":flags=bilinear";
    // Both layouts from one decode: the gray plane travels as the alpha channel of the RGB frame
    // (alphamerge), 4 bytes a pixel through the pipe; each is byte for byte what the rgb24 and gray
    // conversions give. They are unpacked to RGB then gray below.
    if (both) filter = "[0:v:0]" + filter + ",split[c][g];[g]format=gray[gg];[c]format=rgba[cc];[cc][gg]alphamerge";
    std::vector<std::string> argv = {ffmpeg_program(), "-nostdin", "-v", "error", "-copyts", "-i", path};
    for (const char* a : {"-an", "-fps_mode", "passthrough"}) argv.push_back(a);
    if (both) {
        argv.push_back("-filter_complex");
    } else {
        for (const char* a : {"-map", "0:v:0", "-vf"}) argv.push_back(a);
    }
    argv.push_back(filter);
    if (opt.max_frames) {
        argv.push_back("-frames:v");
        argv.push_back(std::to_string(opt.max_frames));
    }
    for (const char* a : {"-f", "rawvideo", "-pix_fmt"}) argv.push_back(a);
    argv.push_back(both ? "rgba" : pix);
    argv.push_back("pipe:1");
    const std::size_t pixels = checked_mul(std::size_t(w), std::size_t(h), "decode_video");
    // What the pipe carries per frame (RGBA for both layouts) and what on_frame receives.
    const std::size_t frame_bytes = checked_mul(pixels, channels_of(opt.format), "decode_video");
    std::vector<std::uint8_t> frame(frame_bytes);
    // A whole frame from the pipe into `to`: RGBA unpacked to the RGB pixels then the gray plane.
    auto unpack = [&](std::uint8_t* to) {
        if (!both) {
            std::memcpy(to, frame.data(), frame_bytes);
            return;
        }
        const std::uint8_t* src = frame.data();
        std::uint8_t* gray = to + 3 * pixels;
        for (std::size_t i = 0; i < pixels; ++i, src += 4, to += 3) {
            to[0] = src[0], to[1] = src[1], to[2] = src[2];
            gray[i] = src[3];
        }
    };
    // Reads the pipe, calling on_whole(frame buffer) per frame; false from it stops the decode.
    auto read_frames = [&](const std::function<bool()>& on_whole) {
        std::size_t filled = 0;
        return run_process(argv, [&](const std::uint8_t* d, std::size_t n) {
            while (n > 0) {
                const std::size_t take = std::min(n, frame_bytes - filled);
                std::memcpy(frame.data() + filled, d, take);
                filled += take;
                d += take;
                n -= take;
                if (filled == frame_bytes) {
                    filled = 0;
                    if (!on_whole()) return false;
                }
            }
            return true;
        });
    };
    std::size_t count = 0;
    bool stop = false;
    process_result r;
    if (opt.read_ahead == 0) {
        std::vector<std::uint8_t> unpacked(both ? frame_bytes : 0);
        r = read_frames([&] {
            const std::uint8_t* px = frame.data();
            if (both) unpack(unpacked.data()), px = unpacked.data();
            if (!on_frame(px, count++)) stop = true;
            return !stop;
        });
    } else {
        const std::size_t slots = std::max<std::size_t>(2, std::min(opt.read_ahead + 1, opt.read_ahead_bytes / frame_bytes));
        buffer_relay relay(frame_bytes, slots);
        std::thread reader([&] {
            try {
                r = read_frames([&] {
                    std::uint8_t* slot = relay.acquire();
                    if (!slot) return false;  // the consumer stopped
                    unpack(slot);
                    relay.publish();
                    return true;
                });
                relay.finish();
            } catch (...) {
                relay.finish(std::current_exception());
            }
        });
        try {
            while (const std::uint8_t* px = relay.next()) {
                const bool more = on_frame(px, count++);
                relay.release();
                if (!more) {
                    stop = true;
                    break;
                }
            }
        } catch (...) {
            relay.stop();
            reader.join();
            throw;
        }
        relay.stop();
        reader.join();
        if (relay.error()) std::rethrow_exception(relay.error());
    }
    if (!stop && r.exit_code != 0)
        detail::throw_io_error("ffmpeg", "cannot decode the video of '", path, "': ", last_line(r.stderr_text));
    if (times_s) {
        const auto bytes = read_file(times_file.path);
        std::vector<double> t = ffmpeg_impl::parse_frame_times(std::string(bytes.begin(), bytes.end()), info.video_time_base);
        // A stopped decode was killed and may not have flushed its last timestamps: those stay NaN.
        // With max_frames the filter may have timed a few frames past the last one written (they
        // come in order, so the first `count` pair up). Otherwise there must be exactly one
        // timestamp per frame; anything else would shift times.
        const bool paired = opt.max_frames == 0 ? t.size() == count : t.size() >= count;
        if (!stop && !paired)
            detail::throw_io_error("ffmpeg", "the decoder of '", path, "' reported ", t.size(), " timestamps for ",
                                   count, " frames");
        const std::size_t reported = std::min(t.size(), count);
        t.resize(count, std::numeric_limits<double>::quiet_NaN());
        const double period = 1.0 / (info.fps > 0 ? info.fps : 25.0);
        for (std::size_t i = 0; i < reported; ++i)
            if (std::isnan(t[i])) t[i] = i == 0 ? info.video_start_s : t[i - 1] + period;
        if (reported > 0) {
            const double shift = ffmpeg_impl::mov_first_frame_shift(path, info, t[0]);
            for (double& v : t) v += shift;
        }
        *times_s = std::move(t);
    }
    return count;
}

/// Decodes the first video stream into memory, with per-frame timestamps.
inline video_frames decode_video(const std::string& path, const VideoDecodeOptions& opt = {}) {
    opt.validate();
    const media_info info = probe_media(path);
    if (!info.has_video) detail::throw_io_error("ffmpeg", "'", path, "' has no video stream");
    const int w = opt.width ? opt.width : info.width;
    const int h = opt.height ? opt.height : info.height;
    SYNCDSP_REQUIRE(opt.format != pixel_format::rgb_then_gray, "decode_video",
                    "rgb_then_gray frames are streamed (decode_video_stream), not kept as one tensor");
    const std::size_t c = channels_of(opt.format);
    std::vector<std::uint8_t> all;
    std::size_t frame_bytes = 0;
    std::vector<double> t;
    const std::size_t n = decode_video_stream(path, info, opt, [&](const std::uint8_t* px, std::size_t) {
        frame_bytes = std::size_t(w) * std::size_t(h) * c;
        if (all.size() + frame_bytes > opt.max_bytes)
            detail::throw_invalid_argument("decode_video", "'", path, "' needs more than max_bytes=", opt.max_bytes,
                                           " bytes of frames; decode it in pieces with decode_video_stream");
        all.insert(all.end(), px, px + frame_bytes);
        return true;
    }, &t);
    if (n == 0) detail::throw_io_error("ffmpeg", "'", path, "' decoded to zero video frames");
    video_frames out;
    out.fps = info.fps;
    out.frames = tensor<std::uint8_t, 4>::from_shape({n, std::size_t(h), std::size_t(w), c});
    std::copy(all.begin(), all.end(), out.frames.begin());
    out.timestamps_s = std::move(t);
    return out;
}

}  // namespace syncdsp::io
