// syncdsp/nn/models/face_landmark68.hpp - face-api's FaceLandmark68Net and FaceLandmark68TinyNet.
//
// Weights: `face_landmark_68_model` / `face_landmark_68_tiny_model` TF.js files of
// @vladmandic/face-api 1.7.15 (see faceapi_weights.hpp; scripts/get_models.sh installs them).
//
// Network (as face-api runs it, verified against its TF.js cpu backend, tests/nn):
//   input 112x112x3 RGB in 0..255, minus mean RGB (122.782, 117.001, 104.298), divided by 255;
//   dense blocks (full: 4 blocks x 4 convs, 32/64/128/256 channels; tiny: 3 x 3, 32/64/128):
//     o1 = relu(conv0(x)) with stride 2 (regular 3x3 conv in block 0, separable in the others),
//     o2 = sep1(o1), o3 = sep2(relu(o1 + o2)), o4 = sep3(relu(o1 + (o2 + o3))),
//     out = relu(o1 + (o2 + (o3 + o4)))      (tiny: out = relu(o1 + (o2 + o3))),
//   separable conv = depthwise 3x3 + pointwise 1x1 + bias, TF 'same' padding (odd pad after);
//   average pool (7x7 / 14x14, stride 2, valid) -> FC to 136 values x0,y0,x1,y1,... that are
//   relative coordinates in the padded 112x112 square.
// Crop and mapping (face-api's detectAllFaces().withFaceLandmarks() on a tensor input):
//   crop = box clipped to the image and floored (x, y, w, h each); zero-padded to a square,
//   centred (round(diff/2) after, the rest before); bilinear-resized (legacy TF) to 112x112;
//   s = 112 / max(w, h); rel_x = (112 raw_x - padX) / (w s), padX = |w s - h s| / 2 if w < h;
//   pixel = rel * (crop w, h) + (box x, y) with the *unfloored* box origin, like face-api.
#pragma once

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/nn/models/face_types.hpp"
#include "syncdsp/nn/models/faceapi_weights.hpp"
#include "syncdsp/nn/nhwc.hpp"
#include "syncdsp/nn/weights.hpp"

namespace syncdsp::nn {

class face_landmark68 {
public:
    static constexpr std::size_t input_size = 112;
    static constexpr const char* full_name = "face_landmark_68_model";
    static constexpr const char* tiny_name = "face_landmark_68_tiny_model";

    /// Loads the full (tiny = false) or tiny net from the models directory (see faceapi_weights.hpp).
    static face_landmark68 load(bool tiny = false, const std::string& models_dir = "") {
        return face_landmark68(load_faceapi_weights(tiny ? tiny_name : full_name, models_dir), tiny);
    }

    /// Builds the net from a weight store holding exactly the face-api tensor names and shapes.
    face_landmark68(weight_store weights, bool tiny) : w_(std::move(weights)), tiny_(tiny) { w_.check(specs(tiny)); }

    bool tiny() const { return tiny_; }

    /// The tensors a net needs (TF layouts).
    static std::vector<weight_spec> specs(bool tiny) {
        std::vector<weight_spec> s;
        const std::size_t blocks = tiny ? 3 : 4, convs = tiny ? 3 : 4;
        std::size_t cin = 3;
        for (std::size_t b = 0; b < blocks; ++b) {
            const std::size_t c = 32u << b;
            for (std::size_t j = 0; j < convs; ++j) {
                const std::string p = "dense" + std::to_string(b) + "/conv" + std::to_string(j) + "/";
                const std::size_t in = j == 0 ? cin : c;
                if (b == 0 && j == 0) {
                    s.push_back({p + "filters", {3, 3, 3, c}});
                } else {
                    s.push_back({p + "depthwise_filter", {3, 3, in, 1}});
                    s.push_back({p + "pointwise_filter", {1, 1, in, c}});
                }
                s.push_back({p + "bias", {c}});
            }
            cin = c;
        }
        s.push_back({"fc/weights", {cin, 136}});
        s.push_back({"fc/bias", {136}});
        return s;
    }

    /// Raw network output for a 112x112x3 HWC float input in 0..255 (already padded and resized).
    std::array<float, 136> forward(const float* input_112x112x3) const {
        nhwc_map x(input_size, input_size, 3);
        const float mean[3] = {122.782f, 117.001f, 104.298f};
        for (std::size_t i = 0; i < x.v.size(); ++i) x.v[i] = (input_112x112x3[i] - mean[i % 3]) / 255.f;
        const std::size_t blocks = tiny_ ? 3 : 4;
        nhwc_map out;
        for (std::size_t b = 0; b < blocks; ++b) {
            dense_block(x, b, out);
            std::swap(x, out);
        }
        nhwc_map pooled;
        avg_pool_valid(x, tiny_ ? 14 : 7, 2, pooled);
        const std::size_t cin = pooled.c;
        const float* W = w_.at("fc/weights").data();
        const float* B = w_.at("fc/bias").data();
        std::array<float, 136> r{};
        for (std::size_t o = 0; o < 136; ++o) {
            double acc = 0;  // TF.js cpu matMul accumulates in double
            for (std::size_t i = 0; i < cin; ++i) acc += double(pooled.v[i]) * double(W[i * 136 + o]);
            r[o] = static_cast<float>(acc);
            r[o] = r[o] + B[o];
        }
        return r;
    }

    /// The 112x112x3 float input (0..255) face-api builds from `crop` (x, y, w, h integers inside
    /// the image): centred zero-padding to a square, then the legacy TF bilinear resize.
    static nhwc_map make_input(const rgb8_view& img, long cx, long cy, long cw, long ch) {
        require_rgb8(img, "face_landmark68");
        SYNCDSP_REQUIRE(cw > 0 && ch > 0 && cx >= 0 && cy >= 0 && std::size_t(cx + cw) <= img.width &&
                            std::size_t(cy + ch) <= img.height,
                        "face_landmark68", "crop (", cx, ", ", cy, ", ", cw, "x", ch, ") is not inside the ", img.width,
                        "x", img.height, " image");
        const long side = std::max(cw, ch), diff = std::abs(cw - ch);
        const long after = long(std::floor(double(diff) * 0.5 + 0.5));  // Math.round
        const long before = diff - after;
        const long ox = cw < ch ? before : 0, oy = ch < cw ? before : 0;
        std::vector<float> sq(std::size_t(side * side * 3), 0.f);
        for (long y = 0; y < ch; ++y) {
            const std::uint8_t* s = img.data + std::size_t(cy + y) * img.stride + std::size_t(cx) * img.channels;
            float* d = sq.data() + (std::size_t(y + oy) * std::size_t(side) + std::size_t(ox)) * 3;
            for (long x = 0; x < cw; ++x, s += img.channels, d += 3) {
                d[0] = s[0];
                d[1] = s[1];
                d[2] = s[2];
            }
        }
        if (side == long(input_size)) {
            nhwc_map m(input_size, input_size, 3);
            m.v = std::move(sq);
            return m;
        }
        return resize_bilinear_tf(sq.data(), std::size_t(side), std::size_t(side), 3, input_size, input_size);
    }

    /// Landmarks of the face in `box` (pixels of `img`, e.g. a detector box), mapped back to image
    /// pixels exactly as face-api does. Throws invalid_argument when the box does not overlap the
    /// image (nothing to look at).
    landmarks68 detect(const rgb8_view& img, const syncdsp::box& box) const {
        require_rgb8(img, "face_landmark68");
        SYNCDSP_REQUIRE(std::isfinite(box.x) && std::isfinite(box.y) && std::isfinite(box.width) &&
                            std::isfinite(box.height),
                        "face_landmark68", "non-finite box");
        // Box.clipAtImageBorders(), then Box.floor(): x, y, w, h each rounded down.
        const rect c = to_rect(clip_to_image(box, img.width, img.height));
        const long ix = c.x, iy = c.y, iw = c.width, ih = c.height;
        SYNCDSP_REQUIRE(iw > 0 && ih > 0 && ix + iw <= long(img.width) && iy + ih <= long(img.height), "face_landmark68",
                        "box (", box.x, ", ", box.y, ", ", box.width, "x", box.height, ") leaves no pixels inside the ",
                        img.width, "x", img.height, " image");
        const nhwc_map in = make_input(img, ix, iy, iw, ih);
        landmarks68 r;
        r.raw = forward(in.v.data());
        r.crop = c;
        // postProcess in float32 tensors, then FaceLandmarks68 in doubles.
        const double scale = double(input_size) / double(std::max(iw, ih));
        const float sw = static_cast<float>(double(iw) * scale), sh = static_cast<float>(double(ih) * scale);
        const float padx = sw < sh ? static_cast<float>(std::abs(double(sw) - double(sh)) / 2) : 0.f;
        const float pady = sh < sw ? static_cast<float>(std::abs(double(sw) - double(sh)) / 2) : 0.f;
        for (std::size_t i = 0; i < 68; ++i) {
            const float rx = (r.raw[2 * i] * float(input_size) - padx) / sw;
            const float ry = (r.raw[2 * i + 1] * float(input_size) - pady) / sh;
            r.points[i].x = double(rx) * double(iw) + box.x;
            r.points[i].y = double(ry) * double(ih) + box.y;
        }
        return r;
    }

private:
    const float* p(const std::string& name) const { return w_.at(name).data(); }

    void separable(const nhwc_map& in, const std::string& pre, std::size_t stride, std::size_t cout, nhwc_map& out) const {
        nhwc_map dw;
        depthwise3x3(in, p(pre + "depthwise_filter"), stride, tf_same(in.h, 3, stride), tf_same(in.w, 3, stride), dw);
        pointwise(dw, p(pre + "pointwise_filter"), p(pre + "bias"), cout, out);
    }

    void dense_block(const nhwc_map& x, std::size_t b, nhwc_map& out) const {
        const std::size_t c = 32u << b;
        const std::string pre = "dense" + std::to_string(b) + "/conv";
        nhwc_map o1, o2, o3, o4, t;
        if (b == 0)
            conv3x3(x, p(pre + "0/filters"), p(pre + "0/bias"), c, 2, tf_same(x.h, 3, 2), tf_same(x.w, 3, 2), o1);
        else
            separable(x, pre + "0/", 2, c, o1);
        relu_inplace(o1);
        separable(o1, pre + "1/", 1, c, o2);
        t.reset(o1.h, o1.w, c);
        for (std::size_t i = 0; i < t.v.size(); ++i) t.v[i] = std::max(o1.v[i] + o2.v[i], 0.f);
        separable(t, pre + "2/", 1, c, o3);
        if (tiny_) {
            out.reset(o1.h, o1.w, c);
            for (std::size_t i = 0; i < out.v.size(); ++i) out.v[i] = std::max(o1.v[i] + (o2.v[i] + o3.v[i]), 0.f);
            return;
        }
        for (std::size_t i = 0; i < t.v.size(); ++i) t.v[i] = std::max(o1.v[i] + (o2.v[i] + o3.v[i]), 0.f);
        separable(t, pre + "3/", 1, c, o4);
        out.reset(o1.h, o1.w, c);
        for (std::size_t i = 0; i < out.v.size(); ++i) out.v[i] = std::max(o1.v[i] + (o2.v[i] + (o3.v[i] + o4.v[i])), 0.f);
    }

    weight_store w_;
    bool tiny_ = false;
};

}  // namespace syncdsp::nn
