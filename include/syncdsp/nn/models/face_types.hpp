// syncdsp/nn/models/face_types.hpp - the small value types the face models exchange: an 8-bit RGB
// image view (nn may not include vision, so it has its own; any view type with data/width/height/
// channels/stride members, such as vision::image_view<const std::uint8_t>, converts with as_rgb8),
// a face box and a 68-point landmark set, all in pixel coordinates of the input image.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "syncdsp/core/error.hpp"

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

/// A rectangle in pixels of the input image (top-left x, y; may extend past the borders).
struct face_box {
    double x = 0, y = 0, width = 0, height = 0;
    double right() const { return x + width; }
    double bottom() const { return y + height; }
    double area() const { return width * height; }
};

/// Intersection over union of two boxes (0 when either is empty).
inline double iou(const face_box& a, const face_box& b) {
    const double w = std::max(0.0, std::min(a.right(), b.right()) - std::max(a.x, b.x));
    const double h = std::max(0.0, std::min(a.bottom(), b.bottom()) - std::max(a.y, b.y));
    const double inter = w * h;
    const double uni = a.area() + b.area() - inter;
    return uni > 0 ? inter / uni : 0.0;
}

struct point2 {
    double x = 0, y = 0;
};

/// 68 landmarks in the iBUG 300-W order (0-16 jaw, 17-26 brows, 27-35 nose, 36-47 eyes,
/// 48-59 outer lips, 60-67 inner lips), in pixels of the input image.
struct landmarks68 {
    std::array<point2, 68> points{};
    std::array<float, 136> raw{};  ///< the network's raw output (relative, padded-square coords)
    face_box crop;                 ///< the integer crop the network saw (clipped, floored box)
};

}  // namespace syncdsp::nn
