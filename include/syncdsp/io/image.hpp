// syncdsp/io/image.hpp - PNG/JPEG/BMP loading and PNG saving through stb_image / stb_image_write.
//
// Image files are hostile input: the header is checked first (stbi_info) and images wider or
// taller than max_image_side (32768) or with more than max_image_pixels pixels are refused
// before anything is allocated. Corrupt or truncated files give parse_error naming the file and
// stb's reason. 16-bit PNGs are reduced to 8 bits by stb. Saving goes through write_file_atomic,
// so a failed save leaves no partial file.
//
// Layering: io sits beside vision, so pixels come back as a core tensor of shape (H, W, C), the
// same layout as io::decode_video's frames; vision::view_of(tensor) views it without a copy.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <stb_image.h>
#include <stb_image_write.h>

#include "syncdsp/core/error.hpp"
#include "syncdsp/io/file.hpp"
#include "syncdsp/core/tensor.hpp"

namespace syncdsp::io {

/// Largest width or height accepted (same value as vision::max_image_side).
inline constexpr std::size_t max_image_side = std::size_t(1) << 15;
/// Largest pixel count an image file may declare (about 268 Mpixel).
inline constexpr std::size_t max_image_pixels = std::size_t(1) << 28;

/// Decodes a PNG, JPEG, BMP (or other stb-supported) file held in memory into 8-bit pixels.
/// channels: 0 keeps the file's channel count (1..4), 1 converts to gray (stb's weights, not
/// BT.601: load as 3 and use vision::to_gray for OpenCV-identical gray), 3 to RGB, 4 to RGBA.
/// `name` is used in error messages.
inline tensor<std::uint8_t, 3> decode_image(const std::uint8_t* data, std::size_t size, int channels = 0,
                                                const std::string& name = "<memory>") {
    SYNCDSP_REQUIRE(channels >= 0 && channels <= 4, "image", "channels must be 0..4, got ", channels);
    if (data == nullptr || size == 0) detail::throw_parse_error("image", "'", name, "' is empty");
    if (size > std::size_t(std::numeric_limits<int>::max()))
        detail::throw_unsupported("image", "'", name, "' is larger than 2 GiB");
    int w = 0, h = 0, c = 0;
    if (!stbi_info_from_memory(data, int(size), &w, &h, &c))
        detail::throw_parse_error("image", "'", name, "' is not a readable PNG/JPEG/BMP image (", stbi_failure_reason(),
                                  ")");
    if (w <= 0 || h <= 0 || std::size_t(w) > max_image_side || std::size_t(h) > max_image_side ||
        std::size_t(w) * std::size_t(h) > max_image_pixels)
        detail::throw_unsupported("image", "'", name, "' declares ", w, "x", h, " pixels; the limit is ",
                                  max_image_side, " per side and ", max_image_pixels, " in total");
    int ww = 0, hh = 0, cc = 0;
    unsigned char* pixels = stbi_load_from_memory(data, int(size), &ww, &hh, &cc, channels);
    if (pixels == nullptr)
        detail::throw_parse_error("image", "cannot decode '", name, "' (", w, "x", h, "): ", stbi_failure_reason(),
                                  " (corrupt or truncated file?)");
    const int outc = channels == 0 ? cc : channels;
    if (ww != w || hh != h || outc < 1 || outc > 4) {
        stbi_image_free(pixels);
        detail::throw_parse_error("image", "'", name, "' changed size while decoding");
    }
    auto out = tensor<std::uint8_t, 3>::from_shape({std::size_t(hh), std::size_t(ww), std::size_t(outc)});
    std::copy(pixels, pixels + out.size(), out.data());
    stbi_image_free(pixels);
    return out;
}

/// Reads and decodes an image file (see decode_image).
inline tensor<std::uint8_t, 3> load_image(const std::string& path, int channels = 0) {
    const auto bytes = read_file(path);
    return decode_image(bytes.data(), bytes.size(), channels, path);
}

/// Encodes 8-bit pixels (width x height x channels 1-4, rows `stride` bytes apart; 0 = packed) as PNG.
inline std::vector<std::uint8_t> encode_png(const std::uint8_t* data, std::size_t width, std::size_t height,
                                            std::size_t channels, std::size_t stride = 0) {
    if (stride == 0) stride = width * channels;
    SYNCDSP_REQUIRE(data != nullptr && width > 0 && height > 0, "save_png", "empty image (", width, "x", height, ")");
    SYNCDSP_REQUIRE(width <= max_image_side && height <= max_image_side, "save_png", "image ", width, "x", height,
                    " is too large");
    SYNCDSP_REQUIRE(channels >= 1 && channels <= 4, "save_png", "channels must be 1..4, got ", channels);
    SYNCDSP_REQUIRE(stride >= width * channels, "save_png", "stride ", stride, " < width*channels");
    struct {
        const std::uint8_t* data;
        std::size_t width, height, channels, stride;
    } im{data, width, height, channels, stride};
    std::vector<std::uint8_t> bytes;
    auto sink = [](void* ctx, void* d, int n) {
        auto* v = static_cast<std::vector<std::uint8_t>*>(ctx);
        const auto* p = static_cast<const std::uint8_t*>(d);
        v->insert(v->end(), p, p + n);
    };
    const int ok = stbi_write_png_to_func(sink, &bytes, int(im.width), int(im.height), int(im.channels), im.data,
                                          int(im.stride));
    if (!ok || bytes.empty()) detail::throw_io_error("save_png", "PNG encoding failed");
    return bytes;
}

/// Saves 8-bit pixels as a PNG file (atomically: no partial file on failure).
inline void save_png(const std::string& path, const std::uint8_t* data, std::size_t width, std::size_t height,
                     std::size_t channels, std::size_t stride = 0) {
    write_file_atomic(path, encode_png(data, width, height, channels, stride));
}

/// Saves an (H, W, C) tensor as PNG.
inline void save_png(const std::string& path, const tensor<std::uint8_t, 3>& im) {
    save_png(path, im.data(), im.shape()[1], im.shape()[0], im.shape()[2]);
}

}  // namespace syncdsp::io
