// syncdsp/vision/image.hpp - an owning image, a non-owning view, colour conversion and crop.
//
// Pixels are stored row-major and interleaved (x fastest, then channel within a pixel):
// element (x, y, c) lives at data[y * stride + x * channels + c], stride counted in elements.
// An `image<T>` owns tightly packed memory (stride == width * channels); an `image_view<T>`
// points into any buffer with any stride >= width * channels, e.g. a crop of a bigger frame.
// T is std::uint8_t (8-bit) or float; channels is 1..4 (1 gray, 3 RGB, 2 for optical flow).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "syncdsp/core/checked.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/geometry.hpp"  // rect, the pixel rectangle crops cut
#include "syncdsp/core/tensor.hpp"

namespace syncdsp::vision {

/// Largest width or height any vision function accepts (guards allocations from hostile sizes).
inline constexpr std::size_t max_image_side = 1u << 15;

/// A non-owning view of pixels somewhere in memory (T may be const).
template <class T>
struct image_view {
    T* data = nullptr;
    std::size_t width = 0, height = 0, channels = 1;
    std::size_t stride = 0;  ///< elements between the starts of two rows

    image_view() = default;
    image_view(T* d, std::size_t w, std::size_t h, std::size_t c, std::size_t s = 0)
        : data(d), width(w), height(h), channels(c), stride(s == 0 ? w * c : s) {}
    /// A view of mutable pixels converts to a view of const pixels.
    template <class U, class = std::enable_if_t<std::is_same_v<const U, T> && !std::is_same_v<U, T>>>
    image_view(const image_view<U>& o)  // NOLINT(google-explicit-constructor)
        : data(o.data), width(o.width), height(o.height), channels(o.channels), stride(o.stride) {}

    bool empty() const { return width == 0 || height == 0; }
    T* row(std::size_t y) const { return data + y * stride; }
    T& at(std::size_t x, std::size_t y, std::size_t c = 0) const { return data[y * stride + x * channels + c]; }
};

/// An owning, tightly packed image.
template <class T>
class image {
public:
    using value_type = T;
    image() = default;
    image(std::size_t w, std::size_t h, std::size_t c = 1, T fill = T{}) { resize(w, h, c, fill); }

    /// Reallocates to w x h x c (contents set to `fill`).
    void resize(std::size_t w, std::size_t h, std::size_t c = 1, T fill = T{}) {
        SYNCDSP_REQUIRE(c >= 1 && c <= 4, "image", "channels must be 1..4, got ", c);
        SYNCDSP_REQUIRE(w <= max_image_side && h <= max_image_side, "image", "size ", w, "x", h,
                        " exceeds the limit of ", max_image_side, " pixels per side");
        pixels_.assign(checked_mul(checked_mul(w, h, "image"), c, "image"), fill);
        width_ = w;
        height_ = h;
        channels_ = c;
    }
    /// Reshapes without clearing when the element count already matches (reuses memory).
    void reshape(std::size_t w, std::size_t h, std::size_t c = 1) {
        if (w * h * c == pixels_.size() && w <= max_image_side && h <= max_image_side) {
            width_ = w; height_ = h; channels_ = c;
        } else {
            resize(w, h, c);
        }
    }

    std::size_t width() const { return width_; }
    std::size_t height() const { return height_; }
    std::size_t channels() const { return channels_; }
    std::size_t stride() const { return width_ * channels_; }
    std::size_t size() const { return pixels_.size(); }
    bool empty() const { return width_ == 0 || height_ == 0; }
    T* data() { return pixels_.data(); }
    const T* data() const { return pixels_.data(); }
    T* row(std::size_t y) { return pixels_.data() + y * stride(); }
    const T* row(std::size_t y) const { return pixels_.data() + y * stride(); }
    T& at(std::size_t x, std::size_t y, std::size_t c = 0) { return pixels_[(y * width_ + x) * channels_ + c]; }
    const T& at(std::size_t x, std::size_t y, std::size_t c = 0) const {
        return pixels_[(y * width_ + x) * channels_ + c];
    }

    image_view<T> view() { return {pixels_.data(), width_, height_, channels_, stride()}; }
    image_view<const T> view() const { return {pixels_.data(), width_, height_, channels_, stride()}; }
    operator image_view<T>() { return view(); }              // NOLINT(google-explicit-constructor)
    operator image_view<const T>() const { return view(); }  // NOLINT(google-explicit-constructor)

private:
    std::vector<T> pixels_;
    std::size_t width_ = 0, height_ = 0, channels_ = 1;
};

/// Copies a view into a new owning image.
template <class T>
image<std::remove_const_t<T>> to_image(image_view<T> v) {
    image<std::remove_const_t<T>> out(v.width, v.height, v.channels);
    for (std::size_t y = 0; y < v.height; ++y)
        for (std::size_t i = 0; i < v.width * v.channels; ++i) out.row(y)[i] = v.row(y)[i];
    return out;
}

/// The (H, W, C) tensor of an image (copy), and back.
template <class T>
tensor<std::remove_const_t<T>, 3> to_tensor(image_view<T> v) {
    tensor<std::remove_const_t<T>, 3> t = tensor<std::remove_const_t<T>, 3>::from_shape({v.height, v.width, v.channels});
    auto* d = t.data();
    for (std::size_t y = 0; y < v.height; ++y)
        for (std::size_t i = 0; i < v.width * v.channels; ++i) *d++ = v.row(y)[i];
    return t;
}
template <class T>
image<T> from_tensor(const tensor<T, 3>& t) {
    image<T> out(t.shape()[1], t.shape()[0], t.shape()[2]);
    std::copy(t.data(), t.data() + t.size(), out.data());
    return out;
}

/// A view of an (H, W, C) tensor's pixels (no copy; the tensor must outlive the view).
template <class T>
image_view<T> view_of(tensor<T, 3>& t) {
    return image_view<T>(t.data(), t.shape()[1], t.shape()[0], t.shape()[2]);
}
template <class T>
image_view<const T> view_of(const tensor<T, 3>& t) {
    return image_view<const T>(t.data(), t.shape()[1], t.shape()[0], t.shape()[2]);
}
/// A view of frame i of an (N, H, W, C) frame stack (io::decode_video's layout).
template <class T>
image_view<const T> frame_view(const tensor<T, 4>& frames, std::size_t i) {
    SYNCDSP_REQUIRE(i < frames.shape()[0], "frame_view", "frame ", i, " out of ", frames.shape()[0]);
    const std::size_t n = frames.shape()[1] * frames.shape()[2] * frames.shape()[3];
    return image_view<const T>(frames.data() + i * n, frames.shape()[2], frames.shape()[1], frames.shape()[3]);
}

/// Throws invalid_argument naming `where` when a view is empty or has an unexpected channel count.
template <class T>
void require_image(image_view<T> v, const char* where, std::size_t channels = 0) {
    SYNCDSP_REQUIRE(v.data != nullptr && v.width > 0 && v.height > 0, where, "empty image (", v.width, "x",
                    v.height, ")");
    SYNCDSP_REQUIRE(v.width <= max_image_side && v.height <= max_image_side, where, "image ", v.width, "x",
                    v.height, " exceeds ", max_image_side, " pixels per side");
    SYNCDSP_REQUIRE(v.stride >= v.width * v.channels, where, "row stride ", v.stride, " < width*channels ",
                    v.width * v.channels);
    if (channels != 0)
        SYNCDSP_REQUIRE(v.channels == channels, where, "expected ", channels, " channel(s), got ", v.channels);
}

/// The sub-view of `r` (must lie inside the image and be non-empty).
template <class T>
image_view<T> crop(image_view<T> v, const rect& r) {
    SYNCDSP_REQUIRE(!r.empty(), "crop", "empty region ", r.width, "x", r.height);
    SYNCDSP_REQUIRE(r.x >= 0 && r.y >= 0 && std::size_t(r.x + r.width) <= v.width &&
                        std::size_t(r.y + r.height) <= v.height,
                    "crop", "region (x=", r.x, ", y=", r.y, ", w=", r.width, ", h=", r.height,
                    ") is not inside the ", v.width, "x", v.height, " image");
    return image_view<T>(v.data + std::size_t(r.y) * v.stride + std::size_t(r.x) * v.channels, std::size_t(r.width),
                         std::size_t(r.height), v.channels, v.stride);
}
template <class T>
image_view<const T> crop(const image<T>& im, const rect& r) { return crop(im.view(), r); }
template <class T>
image_view<T> crop(image<T>& im, const rect& r) { return crop(im.view(), r); }

/// Channel order of a 3-channel input for gray conversion.
enum class channel_order { rgb, bgr };

/// RGB (or BGR) to gray with the ITU-R BT.601 weights 0.299 R + 0.587 G + 0.114 B.
/// For 8-bit input this reproduces OpenCV's cvtColor(COLOR_RGB2GRAY) bit-exactly: the weights are
/// the 15-bit fixed-point integers 9798, 19235, 3735 (summing to 2^15) and the sum is rounded by
/// adding 2^14 before shifting. Float input uses the float weights. 1-channel input is copied.
template <class T>
image<std::remove_const_t<T>> to_gray(image_view<T> in, channel_order order = channel_order::rgb) {
    using U = std::remove_const_t<T>;
    require_image(in, "to_gray");
    SYNCDSP_REQUIRE(in.channels == 1 || in.channels == 3 || in.channels == 4, "to_gray",
                    "expected 1, 3 or 4 channels, got ", in.channels);
    image<U> out(in.width, in.height, 1);
    if (in.channels == 1) {
        for (std::size_t y = 0; y < in.height; ++y)
            for (std::size_t x = 0; x < in.width; ++x) out.at(x, y) = in.row(y)[x];
        return out;
    }
    const std::size_t ri = order == channel_order::rgb ? 0 : 2, bi = 2 - ri;
    for (std::size_t y = 0; y < in.height; ++y) {
        const T* s = in.row(y);
        U* d = out.row(y);
        for (std::size_t x = 0; x < in.width; ++x, s += in.channels) {
            if constexpr (std::is_same_v<U, std::uint8_t>) {
                const std::uint32_t v = 9798u * s[ri] + 19235u * s[1] + 3735u * s[bi] + (1u << 14);
                d[x] = static_cast<std::uint8_t>(v >> 15);
            } else {
                d[x] = static_cast<U>(0.299f * s[ri] + 0.587f * s[1] + 0.114f * s[bi]);
            }
        }
    }
    return out;
}

/// Converts pixel type: u8 -> float keeps the 0..255 scale (like OpenCV convertTo without scaling);
/// float -> u8 rounds half to even and saturates.
template <class To, class From>
image<To> convert(image_view<From> in) {
    image<To> out(in.width, in.height, in.channels);
    for (std::size_t y = 0; y < in.height; ++y) {
        const From* s = in.row(y);
        To* d = out.row(y);
        for (std::size_t i = 0; i < in.width * in.channels; ++i) {
            if constexpr (std::is_same_v<To, std::uint8_t> && !std::is_same_v<std::remove_const_t<From>, std::uint8_t>) {
                const float v = std::nearbyint(static_cast<float>(s[i]));
                d[i] = static_cast<std::uint8_t>(v < 0.f ? 0.f : (v > 255.f ? 255.f : (v == v ? v : 0.f)));
            } else {
                d[i] = static_cast<To>(s[i]);
            }
        }
    }
    return out;
}

/// Saturating float -> u8 with round-half-to-even (OpenCV's saturate_cast<uchar>(float)).
inline std::uint8_t saturate_u8(float v) {
    const float r = std::nearbyint(v);
    if (!(r > 0.f)) return 0;
    if (r > 255.f) return 255;
    return static_cast<std::uint8_t>(r);
}

}  // namespace syncdsp::vision
