// syncdsp/io/wav.hpp - RIFF/WAVE read and write.
//
// Reads PCM 8/16/24/32-bit integer and 32/64-bit IEEE float, plain or WAVE_FORMAT_EXTENSIBLE, any
// channel count up to max_wav_channels. Unknown chunks are skipped (odd sizes padded as RIFF says).
// The file is hostile input: every header field is checked against the bytes actually present and
// a malformed file raises syncdsp::parse_error naming the problem and its byte offset.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "syncdsp/core/checked.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"
#include "syncdsp/io/file.hpp"
#include "syncdsp/io/mapped_file.hpp"

namespace syncdsp::io {

/// Sample encodings syncdsp reads and writes.
enum class wav_format { pcm_u8, pcm_s16, pcm_s24, pcm_s32, float32, float64 };

/// Bytes per sample of a format.
inline unsigned wav_bytes_per_sample(wav_format f) {
    switch (f) {
        case wav_format::pcm_u8: return 1;
        case wav_format::pcm_s16: return 2;
        case wav_format::pcm_s24: return 3;
        case wav_format::pcm_s32: return 4;
        case wav_format::float32: return 4;
        case wav_format::float64: return 8;
    }
    return 0;
}

/// Limits that protect against absurd headers.
inline constexpr unsigned max_wav_channels = 1024;
inline constexpr unsigned max_wav_sample_rate = 10'000'000;

/// Decoded audio: samples(frame, channel), scaled to [-1, 1) for integer formats
/// (int16 x maps to x / 32768, so 16-bit input round-trips exactly).
template <class T = float>
struct wav_audio {
    unsigned sample_rate = 0;
    wav_format format = wav_format::pcm_s16;
    tensor<T, 2> samples;  ///< shape (frames, channels)

    std::size_t frames() const { return samples.shape()[0]; }
    std::size_t channels() const { return samples.shape()[1]; }
    double duration_s() const { return sample_rate ? double(frames()) / sample_rate : 0.0; }
};

namespace wav_impl {

// The GUID tail every KSDATAFORMAT_SUBTYPE_* shares (after the 2-byte format tag and 2 zero bytes).
inline constexpr std::uint8_t subformat_tail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                                    0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71};

template <class T>
T decode_sample(const std::uint8_t* p, wav_format f) {
    switch (f) {
        case wav_format::pcm_u8: return static_cast<T>((static_cast<int>(p[0]) - 128) / 128.0);
        case wav_format::pcm_s16: {
            const auto v = static_cast<std::int16_t>(detail::load_u16le(p));
            return static_cast<T>(v / 32768.0);
        }
        case wav_format::pcm_s24: {
            std::int32_t v = static_cast<std::int32_t>(p[0] | (p[1] << 8) | (p[2] << 16));
            if (v & 0x800000) v -= 0x1000000;
            return static_cast<T>(v / 8388608.0);
        }
        case wav_format::pcm_s32: {
            const auto v = static_cast<std::int32_t>(detail::load_u32le(p));
            return static_cast<T>(v / 2147483648.0);
        }
        case wav_format::float32: {
            float v;
            std::uint32_t u = detail::load_u32le(p);
            std::memcpy(&v, &u, 4);
            return static_cast<T>(v);
        }
        case wav_format::float64: {
            std::uint64_t u = detail::load_u32le(p) | (std::uint64_t(detail::load_u32le(p + 4)) << 32);
            double v;
            std::memcpy(&v, &u, 8);
            return static_cast<T>(v);
        }
    }
    return T(0);
}

}  // namespace wav_impl

/// What a WAV header says and where its samples lie in the file.
struct wav_layout {
    unsigned sample_rate = 0;
    unsigned channels = 0;
    wav_format format = wav_format::pcm_s16;
    std::size_t data_offset = 0;  ///< byte offset of the first sample
    std::size_t frames = 0;       ///< sample frames (one sample per channel each)
};

/// Parses and checks the RIFF/WAVE header of a file held in memory (nothing is decoded). Throws
/// parse_error (malformed) or unsupported_error.
inline wav_layout parse_wav_layout(const std::uint8_t* data, std::size_t size) {
    using detail::load_u16le;
    using detail::load_u32le;
    const char* where = "wav";
    if (size < 12)
        detail::throw_parse_error(where, "file is ", size, " bytes, shorter than the 12-byte RIFF header");
    if (std::memcmp(data, "RIFF", 4) != 0)
        detail::throw_parse_error(where, "no 'RIFF' tag at byte 0 (not a WAV file?)");
    if (std::memcmp(data + 8, "WAVE", 4) != 0)
        detail::throw_parse_error(where, "no 'WAVE' form type at byte 8");
    const std::uint32_t riff_size = load_u32le(data + 4);
    std::size_t end = size;
    // 0xFFFFFFFF / 0 are what streaming writers leave when they cannot seek back: read to the end.
    if (riff_size != 0xFFFFFFFFu && riff_size != 0) {
        if (std::size_t(riff_size) + 8 > size)
            detail::throw_parse_error(where, "RIFF header at byte 4 claims ", riff_size + 8ull,
                                      " bytes but the file has only ", size, " (truncated?)");
        end = std::size_t(riff_size) + 8;
    }

    bool have_fmt = false;
    unsigned channels = 0, sample_rate = 0, bits = 0, block_align = 0;
    wav_format format = wav_format::pcm_s16;
    std::size_t data_pos = 0, data_len = 0;
    bool have_data = false;

    std::size_t pos = 12;
    while (pos + 8 <= end) {
        const std::uint8_t* chunk = data + pos;
        const std::uint32_t chunk_size = load_u32le(chunk + 4);
        const std::size_t body = pos + 8;
        const bool is_fmt = std::memcmp(chunk, "fmt ", 4) == 0;
        const bool is_data = std::memcmp(chunk, "data", 4) == 0;
        std::size_t len = chunk_size;
        if (is_data && chunk_size == 0xFFFFFFFFu) len = end - body;  // streaming writer
        if (len > end - body) {
            detail::throw_parse_error(where, "truncated '", std::string(reinterpret_cast<const char*>(chunk), 4),
                                      "' chunk at byte ", pos, ": header says ", len,
                                      " bytes, only ", end - body, " remain");
        }
        if (is_fmt) {
            if (have_fmt) detail::throw_parse_error(where, "second 'fmt ' chunk at byte ", pos);
            if (len < 16)
                detail::throw_parse_error(where, "'fmt ' chunk at byte ", pos, " is ", len,
                                          " bytes, need at least 16");
            const std::uint8_t* f = data + body;
            unsigned tag = load_u16le(f);
            channels = load_u16le(f + 2);
            sample_rate = load_u32le(f + 4);
            block_align = load_u16le(f + 12);
            bits = load_u16le(f + 14);
            if (tag == 0xFFFE) {
                if (len < 40)
                    detail::throw_parse_error(where, "WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk at byte ", pos,
                                              " is ", len, " bytes, need 40");
                const unsigned valid_bits = load_u16le(f + 18);
                if (valid_bits > bits)
                    detail::throw_parse_error(where, "valid bits per sample ", valid_bits,
                                              " exceed container size ", bits, " at byte ", body + 18);
                tag = load_u16le(f + 24);
                if (load_u16le(f + 26) != 0 || std::memcmp(f + 28, wav_impl::subformat_tail + 2, 12) != 0)
                    detail::throw_unsupported(where, "unknown WAVE_FORMAT_EXTENSIBLE sub-format GUID at byte ",
                                              body + 24);
            }
            if (channels == 0 || channels > max_wav_channels)
                detail::throw_parse_error(where, "channel count ", channels, " at byte ", body + 2,
                                          " is outside 1..", max_wav_channels);
            if (sample_rate == 0 || sample_rate > max_wav_sample_rate)
                detail::throw_parse_error(where, "sample rate ", sample_rate, " at byte ", body + 4,
                                          " is outside 1..", max_wav_sample_rate);
            if (tag == 1) {
                if (bits == 8) format = wav_format::pcm_u8;
                else if (bits == 16) format = wav_format::pcm_s16;
                else if (bits == 24) format = wav_format::pcm_s24;
                else if (bits == 32) format = wav_format::pcm_s32;
                else detail::throw_unsupported(where, "PCM with ", bits, " bits per sample (byte ", body + 14, ")");
            } else if (tag == 3) {
                if (bits == 32) format = wav_format::float32;
                else if (bits == 64) format = wav_format::float64;
                else detail::throw_unsupported(where, "IEEE float with ", bits, " bits per sample (byte ", body + 14, ")");
            } else {
                detail::throw_unsupported(where, "format tag 0x", std::hex, tag, std::dec, " at byte ", body,
                                          " (only PCM, IEEE float and their EXTENSIBLE forms are read)");
            }
            if (block_align != channels * wav_bytes_per_sample(format))
                detail::throw_parse_error(where, "block align ", block_align, " at byte ", body + 12,
                                          " does not match ", channels, " channels x ", bits, " bits");
            have_fmt = true;
        } else if (is_data && !have_data) {
            data_pos = body;
            data_len = len;
            have_data = true;
        }
        // Chunks are word-aligned: an odd-sized chunk is followed by one pad byte.
        pos = body + len + (len & 1u);
    }
    if (!have_fmt) detail::throw_parse_error(where, "no 'fmt ' chunk before byte ", end);
    if (!have_data) detail::throw_parse_error(where, "no 'data' chunk before byte ", end);
    if (data_len % block_align != 0)
        detail::throw_parse_error(where, "'data' chunk at byte ", data_pos - 8, " has ", data_len,
                                  " bytes, not a whole number of ", block_align, "-byte frames");
    wav_layout out;
    out.sample_rate = sample_rate;
    out.channels = channels;
    out.format = format;
    out.data_offset = data_pos;
    out.frames = data_len / block_align;
    return out;
}

/// Decodes a WAV file held in memory. Throws parse_error (malformed) or unsupported_error.
template <class T = float>
wav_audio<T> decode_wav(const std::uint8_t* data, std::size_t size) {
    const wav_layout w = parse_wav_layout(data, size);
    const wav_format format = w.format;
    const std::size_t frames = w.frames, channels = w.channels;
    wav_audio<T> out;
    out.sample_rate = w.sample_rate;
    out.format = format;
    out.samples = tensor<T, 2>::from_shape({frames, channels});
    const unsigned bps = wav_bytes_per_sample(format);
    const std::uint8_t* p = data + w.data_offset;
    T* o = out.samples.data();
    const std::size_t n = frames * channels;
    if (format == wav_format::pcm_s16) {  // the common case, kept tight
        for (std::size_t i = 0; i < n; ++i, p += 2)
            o[i] = static_cast<T>(static_cast<std::int16_t>(detail::load_u16le(p))) * T(1.0 / 32768.0);
    } else {
        for (std::size_t i = 0; i < n; ++i, p += bps) o[i] = wav_impl::decode_sample<T>(p, format);
    }
    return out;
}

/// Reads and decodes a WAV file. Errors name the path.
template <class T = float>
wav_audio<T> read_wav(const std::string& path) {
    const std::vector<std::uint8_t> bytes = read_file(path);
    try {
        return decode_wav<T>(bytes.data(), bytes.size());
    } catch (const parse_error& e) {
        throw parse_error("wav", std::string(e.what()) + " in '" + path + "'");
    }
}

/// A WAV file mapped into memory, its samples read where they lie (no copy): for 16-bit PCM,
/// pcm16() points at the interleaved int16 samples themselves.
class mapped_wav {
public:
    /// Maps and checks `path` (the same checks and errors as read_wav; nothing is decoded).
    explicit mapped_wav(const std::string& path) : file_(path) {
        try {
            layout_ = parse_wav_layout(file_.data(), file_.size());
        } catch (const parse_error& e) {
            throw parse_error("wav", std::string(e.what()) + " in '" + path + "'");
        }
    }
    const wav_layout& layout() const noexcept { return layout_; }
    unsigned sample_rate() const noexcept { return layout_.sample_rate; }
    unsigned channels() const noexcept { return layout_.channels; }
    std::size_t frames() const noexcept { return layout_.frames; }
    wav_format format() const noexcept { return layout_.format; }

    /// The interleaved 16-bit samples (frames() x channels()) in place, or null when the file is
    /// not 16-bit PCM, the host is big-endian, or the data chunk starts at an odd byte (a
    /// malformed but readable file): then decode() them.
    const std::int16_t* pcm16() const noexcept {
        const bool little = [] {
            const std::uint16_t one = 1;
            std::uint8_t b;
            std::memcpy(&b, &one, 1);
            return b == 1;
        }();
        if (layout_.format != wav_format::pcm_s16 || !little || layout_.data_offset % alignof(std::int16_t) != 0)
            return nullptr;
        return reinterpret_cast<const std::int16_t*>(file_.data() + layout_.data_offset);
    }

    /// The samples decoded as read_wav does.
    template <class T = float>
    wav_audio<T> decode() const {
        return decode_wav<T>(file_.data(), file_.size());
    }

private:
    mapped_file file_;
    wav_layout layout_;
};

/// Averages the channels of (frames, channels) audio into one mono signal.
template <class T>
tensor<T, 1> downmix(const tensor<T, 2>& samples) {
    const std::size_t frames = samples.shape()[0], channels = samples.shape()[1];
    tensor<T, 1> mono = tensor<T, 1>::from_shape({frames});
    if (channels == 0) {
        std::fill(mono.begin(), mono.end(), T(0));
        return mono;
    }
    const T* s = samples.data();
    const T scale = T(1) / static_cast<T>(channels);
    for (std::size_t i = 0; i < frames; ++i) {
        T acc = 0;
        for (std::size_t c = 0; c < channels; ++c) acc += s[i * channels + c];
        mono(i) = channels == 1 ? acc : acc * scale;
    }
    return mono;
}

/// Encodes (frames, channels) samples as a WAV file in memory. Integer formats clip to [-1, 1)
/// and round to nearest; NaN samples are rejected.
template <class T>
std::vector<std::uint8_t> encode_wav(const tensor<T, 2>& samples, unsigned sample_rate,
                                     wav_format format = wav_format::pcm_s16) {
    const std::size_t frames = samples.shape()[0], channels = samples.shape()[1];
    SYNCDSP_REQUIRE(channels >= 1 && channels <= max_wav_channels, "write_wav", "channel count ",
                    channels, " is outside 1..", max_wav_channels);
    SYNCDSP_REQUIRE(sample_rate >= 1 && sample_rate <= max_wav_sample_rate, "write_wav",
                    "sample rate ", sample_rate, " is outside 1..", max_wav_sample_rate);
    const unsigned bps = wav_bytes_per_sample(format);
    const std::size_t data_len = checked_mul(checked_mul(frames, channels, "write_wav"), bps, "write_wav");
    SYNCDSP_REQUIRE(data_len <= 0xFFFFFFFFu - 64, "write_wav", "audio of ", data_len,
                    " bytes does not fit in a RIFF file (4 GiB limit)");
    const bool is_float = format == wav_format::float32 || format == wav_format::float64;
    std::vector<std::uint8_t> out;
    out.reserve(44 + data_len + 1);
    out.insert(out.end(), {'R', 'I', 'F', 'F'});
    detail::store_u32le(out, static_cast<std::uint32_t>(36 + data_len + (data_len & 1u)));
    out.insert(out.end(), {'W', 'A', 'V', 'E', 'f', 'm', 't', ' '});
    detail::store_u32le(out, 16);
    detail::store_u16le(out, is_float ? 3 : 1);
    detail::store_u16le(out, static_cast<std::uint16_t>(channels));
    detail::store_u32le(out, sample_rate);
    detail::store_u32le(out, static_cast<std::uint32_t>(sample_rate * channels * bps));
    detail::store_u16le(out, static_cast<std::uint16_t>(channels * bps));
    detail::store_u16le(out, static_cast<std::uint16_t>(bps * 8));
    out.insert(out.end(), {'d', 'a', 't', 'a'});
    detail::store_u32le(out, static_cast<std::uint32_t>(data_len));
    const T* s = samples.data();
    auto to_int = [](double v, double full_scale) {
        const double x = std::round(v * full_scale);
        return static_cast<std::int64_t>(std::clamp(x, -full_scale, full_scale - 1));
    };
    for (std::size_t i = 0; i < frames * channels; ++i) {
        const double v = static_cast<double>(s[i]);
        if (std::isnan(v)) detail::throw_invalid_argument("write_wav", "sample ", i, " is NaN");
        switch (format) {
            case wav_format::pcm_u8: out.push_back(static_cast<std::uint8_t>(to_int(v, 128) + 128)); break;
            case wav_format::pcm_s16: detail::store_u16le(out, static_cast<std::uint16_t>(to_int(v, 32768))); break;
            case wav_format::pcm_s24: {
                const auto x = static_cast<std::uint32_t>(to_int(v, 8388608));
                out.push_back(x & 0xff);
                out.push_back((x >> 8) & 0xff);
                out.push_back((x >> 16) & 0xff);
                break;
            }
            case wav_format::pcm_s32: detail::store_u32le(out, static_cast<std::uint32_t>(to_int(v, 2147483648.0))); break;
            case wav_format::float32: {
                const float f = static_cast<float>(v);
                std::uint32_t u;
                std::memcpy(&u, &f, 4);
                detail::store_u32le(out, u);
                break;
            }
            case wav_format::float64: {
                std::uint64_t u;
                std::memcpy(&u, &v, 8);
                detail::store_u32le(out, static_cast<std::uint32_t>(u));
                detail::store_u32le(out, static_cast<std::uint32_t>(u >> 32));
                break;
            }
        }
    }
    if (data_len & 1u) out.push_back(0);
    return out;
}

/// Writes a WAV file atomically (see write_file_atomic).
template <class T>
void write_wav(const std::string& path, const tensor<T, 2>& samples, unsigned sample_rate,
               wav_format format = wav_format::pcm_s16) {
    write_file_atomic(path, encode_wav(samples, sample_rate, format));
}

/// Mono convenience overload.
template <class T>
void write_wav(const std::string& path, const tensor<T, 1>& mono, unsigned sample_rate,
               wav_format format = wav_format::pcm_s16) {
    tensor<T, 2> s = tensor<T, 2>::from_shape({mono.size(), std::size_t(1)});
    std::copy(mono.begin(), mono.end(), s.begin());
    write_wav(path, s, sample_rate, format);
}

}  // namespace syncdsp::io
