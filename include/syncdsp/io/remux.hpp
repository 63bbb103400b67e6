// syncdsp/io/remux.hpp - writing a copy of a media file with its audio moved in time, without
// re-encoding anything (ffmpeg stream copy).
//
// Moving the audio earlier by d is done as moving the video later by d (ffmpeg -itsoffset on the
// video input), and moving it later as delaying the audio input: timestamps only ever grow, so no
// stream starts at a negative time (which containers handle inconsistently). The relative timing
// of picture and sound - the thing being corrected - is exactly the requested shift.
#pragma once

#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>

#include "syncdsp/core/error.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/io/file.hpp"

namespace syncdsp::io {

/// Writes `output` = `input` with the audio shifted by `audio_shift_ms` relative to the video
/// (> 0: the audio plays later). The output is written to a temporary file next to it and renamed
/// only when ffmpeg succeeded, so a failure leaves nothing behind. The container is chosen by
/// ffmpeg from the output's extension.
inline void remux_with_audio_shift(const std::string& input, const std::string& output, double audio_shift_ms) {
    SYNCDSP_REQUIRE(std::isfinite(audio_shift_ms) && std::fabs(audio_shift_ms) <= 3600e3, "remux", "shift ",
                    audio_shift_ms, " ms is not a usable number");
    SYNCDSP_REQUIRE(input != output, "remux", "output must differ from the input ('", input, "')");
    const media_info info = probe_media(input);
    if (!info.has_audio) detail::throw_io_error("remux", "'", input, "' has no audio stream");
    if (!info.has_video) detail::throw_io_error("remux", "'", input, "' has no video stream");
    std::ostringstream delay;
    delay.precision(6);
    delay << std::fixed << std::fabs(audio_shift_ms) / 1000.0;
    const bool delay_audio = audio_shift_ms > 0;
    // Keep the extension last so ffmpeg picks the same muxer for the temporary file.
    const auto dot = output.find_last_of('.');
    const auto slash = output.find_last_of('/');
    const bool has_ext = dot != std::string::npos && (slash == std::string::npos || dot > slash);
    const std::string tmp = has_ext ? output.substr(0, dot) + ".syncdsp-tmp" + output.substr(dot)
                                    : output + ".syncdsp-tmp";
    std::vector<std::string> argv = {ffmpeg_program(), "-nostdin", "-v", "error", "-y"};
    if (!delay_audio) argv.insert(argv.end(), {"-itsoffset", delay.str()});
    argv.insert(argv.end(), {"-i", input});
    if (delay_audio) argv.insert(argv.end(), {"-itsoffset", delay.str()});
    argv.insert(argv.end(), {"-i", input, "-map", "0:v:0", "-map", "1:a:0", "-c", "copy", "-map_metadata", "0",
                             tmp});
    const auto r = run_process(argv, [](const std::uint8_t*, std::size_t) { return true; });
    if (r.exit_code != 0) {
        std::remove(tmp.c_str());
        detail::throw_io_error("remux", "ffmpeg could not write '", output, "': ", last_line(r.stderr_text));
    }
    if (std::rename(tmp.c_str(), output.c_str()) != 0) {
        std::remove(tmp.c_str());
        detail::throw_io_error("remux", "cannot rename '", tmp, "' to '", output, "'");
    }
}

}  // namespace syncdsp::io
