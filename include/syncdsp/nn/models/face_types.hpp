// syncdsp/nn/models/face_types.hpp - the small value types the face models exchange: an 8-bit RGB
// image view (nn may not include vision, so it has its own; any view type with data/width/height/
// channels/stride members, such as vision::image_view<const std::uint8_t>, converts with as_rgb8)
// and a 68-point landmark set of core points, in pixel coordinates of the input image. Boxes and
// points are the core ones (core/geometry.hpp), shared with io, vision and the pipeline.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/geometry.hpp"

namespace syncdsp::nn {

/// Non-owning view of interleaved 8-bit pixels: (x, y, c) at data[y * stride + x * channels + c].
/// channels is 3 (RGB) or 4 (RGBA, alpha ignored); stride counts elements (bytes).
struct rgb8_view {
    const std::uint8_t* data = nullptr;
    std::size_t width = 0, height = 0, channels = 3, stride = 0;
};

/// Views any image view type with data/width/height/channels/stride members (e.g. vision::image_view).
template <class View>
rgb8_view as_rgb8(const View& v) {
    return rgb8_view{v.data, v.width, v.height, v.channels, v.stride};
}

/// Throws invalid_argument (id `where`) unless the view is a usable RGB(A) image.
inline void require_rgb8(const rgb8_view& v, const char* where) {
    SYNCDSP_REQUIRE(v.data != nullptr && v.width > 0 && v.height > 0, where, "empty image (", v.width, "x", v.height, ")");
    SYNCDSP_REQUIRE(v.channels == 3 || v.channels == 4, where, "expected an RGB (3) or RGBA (4) image, got ", v.channels,
                    " channel(s)");
    SYNCDSP_REQUIRE(v.width <= (1u << 15) && v.height <= (1u << 15), where, "image ", v.width, "x", v.height, " is too large");
    SYNCDSP_REQUIRE(v.stride >= v.width * v.channels, where, "row stride ", v.stride, " < width*channels ", v.width * v.channels);
}

/// 68 landmarks in the iBUG 300-W order (0-16 jaw, 17-26 brows, 27-35 nose, 36-47 eyes,
/// 48-59 outer lips, 60-67 inner lips), in pixels of the input image.
struct landmarks68 {
    std::array<point, 68> points{};
    std::array<float, 136> raw{};  ///< the network's raw output (relative, padded-square coords)
    rect crop;                     ///< the pixels the network saw (the box clipped to the image, floored)
};

}  // namespace syncdsp::nn
