// syncdsp/io/remux.hpp - writing a copy of a media file with its audio moved in time, without
// re-encoding anything (ffmpeg stream copy).
//
// Moving the audio earlier by d is done as moving the video later by d (ffmpeg -itsoffset on the
// video input), and moving it later as delaying the audio input: timestamps only ever grow, so no
// stream starts at a negative time (which containers handle inconsistently). The relative timing
// of picture and sound - the thing being corrected - is exactly the requested shift.
//
// Doing no harm: the output must be a different file from the input (compared as files, not as
// path strings); it is written to a temporary sibling and renamed over the target only when ffmpeg
// succeeded; and a SIGINT/SIGTERM/SIGHUP/SIGQUIT while ffmpeg writes stops it, removes the temporary
// file and only then lets the signal end the process (interrupt_guard). check_remux_output finds
// every problem with the output that can be found up front, so callers can run it before measuring.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/io/file.hpp"
#include "syncdsp/io/subprocess.hpp"

namespace syncdsp::io {

/// Output extensions remux accepts (lower case): containers that carry each stream's presentation
/// timestamps through a stream copy, which is all the shift is. Whether the container can hold the
/// input's codecs (h264 cannot go into .webm, PCM not into .mp4) is checked by check_remux_output.
/// Not listed on purpose: .avi (a stream copy there loses the shift: it re-measures at the old
/// offset), audio-only and image formats (they cannot hold the video).
inline const std::vector<std::string>& remux_extensions() {
    static const std::vector<std::string> exts = {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".ts"};
    return exts;
}

/// The extension of the file name in `path`, lower case, with its dot ("" when there is none).
inline std::string lower_extension(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return ext;
}

/// True when both paths name one existing file (same device and inode): catches "./x" vs "x",
/// symbolic links and hard links. False when either does not exist.
inline bool same_file(const std::string& a, const std::string& b) {
    std::error_code ec;
    const bool same = std::filesystem::equivalent(a, b, ec);
    return !ec && same;
}

/// Throws invalid_argument (id invalid_argument.same_file) when `output` is the file `input`.
inline void check_not_same_file(const std::string& input, const std::string& output) {
    if (same_file(input, output) || input == output)
        detail::throw_invalid_argument("same_file", "the output '", output, "' is the input file '", input,
                                       "'; refusing to overwrite it (write to a new file name)");
}

/// The temporary sibling remux writes first: OUT's directory, OUT's stem, a ".syncdsp-tmp" marker,
/// the process id (two runs never share one), OUT's extension last so ffmpeg picks the same muxer.
inline std::string remux_temporary(const std::string& output, const std::string& tag = "") {
    namespace fs = std::filesystem;
    const fs::path p(output);
    fs::path tmp = p.parent_path() / (p.stem().string() + ".syncdsp-tmp" + tag + "-" + std::to_string(getpid()) +
                                      p.extension().string());
    return tmp.string();
}

namespace remux_impl {

// Removes a temporary file when the scope ends, however it ends. Declared after the
// interrupt_guard, so it runs first: the file is gone before a held signal is delivered.
struct remove_on_exit {
    explicit remove_on_exit(std::string p) : path(std::move(p)) {}
    remove_on_exit(const remove_on_exit&) = delete;
    remove_on_exit& operator=(const remove_on_exit&) = delete;
    ~remove_on_exit() { std::remove(path.c_str()); }
    std::string path;
};

// ffmpeg's first error line names the cause ("[webm @ 0x..] Only VP8 or VP9 ..."); the last is
// generic ("Error initializing output stream"). Drops the "[muxer @ address] " prefix.
inline std::string first_line(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.find_first_not_of(" \r") == std::string::npos) continue;
        if (line[0] == '[') {
            const auto close = line.find("] ");
            if (close != std::string::npos) line = line.substr(close + 2);
        }
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        return line;
    }
    return "";
}

[[noreturn]] inline void throw_interrupted(const std::string& output) {
    detail::throw_io_error("remux", "interrupted by a signal; nothing written to '", output, "'");
}

}  // namespace remux_impl

/// Everything that can be wrong with `output` before any work: its extension is one of
/// remux_extensions(); it is not the input file; its directory exists and is writable; the input
/// has a video and an audio stream; and a trial stream copy of the first two packets of each into
/// temporary files in OUT's directory works and reads back with the same codecs (so the container
/// holds the input's streams as they are). Returns what ffprobe says about the input. Leaves
/// nothing behind, also when a signal arrives meanwhile.
/// `what` names the output in messages (e.g. the option "-o").
inline media_info check_remux_output(const std::string& input, const std::string& output,
                                     const std::string& what = "output") {
    const std::string ext = lower_extension(output);
    const auto& exts = remux_extensions();
    if (std::find(exts.begin(), exts.end(), ext) == exts.end()) {
        std::string list;
        for (const auto& e : exts) list += (list.empty() ? "" : " ") + e;
        detail::throw_invalid_argument("output_container", what, " '", output, "' has ",
                                       ext.empty() ? std::string("no extension") : "the extension " + ext,
                                       "; use one of ", list);
    }
    check_not_same_file(input, output);
    check_output_path(what, output);
    const media_info info = probe_media(input);
    if (!info.has_audio) detail::throw_io_error("remux", "'", input, "' has no audio stream");
    if (!info.has_video) detail::throw_io_error("remux", "'", input, "' has no video stream");
    // One ffmpeg, two trial outputs of two packets each: the video alone and the audio alone, so
    // a stream that starts late (audio delayed by seconds) costs nothing and is not cut off.
    const std::string tmp_v = remux_temporary(output, "-check-v"), tmp_a = remux_temporary(output, "-check-a");
    interrupt_guard guard;
    const remux_impl::remove_on_exit cleanup_v(tmp_v), cleanup_a(tmp_a);
    for (const auto& tmp : {tmp_v, tmp_a}) {
        // Creating the files ourselves tells "cannot write there" apart from "codecs do not fit".
        const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0)
            detail::throw_io_error("output", what, " '", output, "': cannot create a file in its directory: ",
                                   std::strerror(errno));
        close(fd);
    }
    const std::vector<std::string> argv = {
        ffmpeg_program(), "-nostdin", "-v", "error", "-y", "-i", input,
        "-map", "0:v:0", "-c", "copy", "-frames:v", "2", "-map_metadata", "0", tmp_v,
        "-map", "0:a:0", "-c", "copy", "-frames:a", "2", "-map_metadata", "0", tmp_a};
    const auto r = run_process(argv, [](const std::uint8_t*, std::size_t) { return true; });
    if (guard.interrupted()) remux_impl::throw_interrupted(output);
    if (r.exit_code != 0)
        detail::throw_invalid_argument("output_container", what, " '", output, "': a ", ext,
                                       " file cannot hold the ", info.video_codec, " video and ", info.audio_codec,
                                       " audio of '", input, "' without re-encoding (ffmpeg: ",
                                       remux_impl::first_line(r.stderr_text), "); .mkv holds any codec");
    // Some muxers accept a codec they cannot label and write it as opaque data (PCM into .ts):
    // the trials must read back as the same video and audio.
    auto read_back = [](const std::string& path) {
        try {
            return probe_media(path);
        } catch (const io_error&) {  // e.g. "has neither an audio nor a video stream"
            return media_info{};
        }
    };
    const media_info back_v = read_back(tmp_v);
    const media_info back_a = read_back(tmp_a);
    if (guard.interrupted()) remux_impl::throw_interrupted(output);
    if (!back_v.has_video || back_v.video_codec != info.video_codec || !back_a.has_audio ||
        back_a.audio_codec != info.audio_codec)
        detail::throw_invalid_argument("output_container", what, " '", output, "': a ", ext,
                                       " file does not keep the ", info.video_codec, " video and ", info.audio_codec,
                                       " audio of '", input, "' as they are (a trial copy reads back as ",
                                       back_v.has_video ? back_v.video_codec : std::string("no video"), " and ",
                                       back_a.has_audio ? back_a.audio_codec : std::string("no audio"),
                                       "); .mkv holds any codec");
    return info;
}

/// Writes `output` = `input` with the audio shifted by `audio_shift_ms` relative to the video
/// (> 0: the audio plays later). The output is written to a temporary file next to it and renamed
/// only when ffmpeg succeeded, so a failure or a signal leaves nothing behind and an existing
/// `output` is either kept whole or replaced whole. The container is chosen by ffmpeg from the
/// output's extension (call check_remux_output first for a clear error about it).
inline void remux_with_audio_shift(const std::string& input, const std::string& output, double audio_shift_ms) {
    SYNCDSP_REQUIRE(std::isfinite(audio_shift_ms) && std::fabs(audio_shift_ms) <= 3600e3, "remux", "shift ",
                    audio_shift_ms, " ms is not a usable number");
    check_not_same_file(input, output);
    const media_info info = probe_media(input);
    if (!info.has_audio) detail::throw_io_error("remux", "'", input, "' has no audio stream");
    if (!info.has_video) detail::throw_io_error("remux", "'", input, "' has no video stream");
    std::ostringstream delay;
    delay.precision(6);
    delay << std::fixed << std::fabs(audio_shift_ms) / 1000.0;
    const bool delay_audio = audio_shift_ms > 0;
    const std::string tmp = remux_temporary(output);
    std::vector<std::string> argv = {ffmpeg_program(), "-nostdin", "-v", "error", "-y"};
    if (!delay_audio) argv.insert(argv.end(), {"-itsoffset", delay.str()});
    argv.insert(argv.end(), {"-i", input});
    if (delay_audio) argv.insert(argv.end(), {"-itsoffset", delay.str()});
    argv.insert(argv.end(), {"-i", input, "-map", "0:v:0", "-map", "1:a:0", "-c", "copy", "-map_metadata", "0",
                             tmp});
    // From here until the rename, a signal stops ffmpeg, and tmp is removed before the signal is
    // delivered (cleanup is destroyed before guard). After the rename, tmp no longer exists.
    interrupt_guard guard;
    const remux_impl::remove_on_exit cleanup{tmp};
    const auto r = run_process(argv, [](const std::uint8_t*, std::size_t) { return true; });
    if (guard.interrupted()) remux_impl::throw_interrupted(output);
    if (r.exit_code != 0)
        detail::throw_io_error("remux", "ffmpeg could not write '", output, "': ", last_line(r.stderr_text));
    if (std::rename(tmp.c_str(), output.c_str()) != 0) {
        const int err = errno;
        detail::throw_io_error("remux", "cannot rename '", tmp, "' to '", output, "': ", std::strerror(err));
    }
}

}  // namespace syncdsp::io
