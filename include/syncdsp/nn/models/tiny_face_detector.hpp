// syncdsp/nn/models/tiny_face_detector.hpp - face-api's TinyFaceDetector (a Tiny-YOLOv2 variant
// with depthwise-separable convolutions), same preprocessing, decoding and NMS as face-api.
//
// Weights: `tiny_face_detector_model` TF.js files of @vladmandic/face-api 1.7.15 (see
// faceapi_weights.hpp; scripts/get_models.sh installs them).
//
// Preprocessing (face-api NetInput.toBatchTensor(inputSize, isCenter = false)): the RGB image is
// zero-padded to a square at the bottom/right, resized to inputSize^2 with the legacy TF bilinear
// resize (alignCorners = halfPixelCenters = false; done here straight from the 8-bit pixels with
// the padding implicit, so no padded copy is made), minus mean RGB (117.001, 114.697, 97.404),
// divided by 255. inputSize is a multiple of 32 (416 default, 224 common).
// Network: conv0 3x3 'valid' 3->16 + bias, leaky; maxpool 2/2 'same'; conv1..conv5 = zero pad 1,
// depthwise 3x3 + pointwise + bias, leaky (16->32->64->128->256->512) with maxpool 2/2 'same'
// between them and maxpool 2/1 'same' after conv5; conv8 1x1 512->25 + bias. leaky(x) =
// relu(x - 0.1x) + 0.1x. Output S x S x 25 (S = inputSize/32), channel 5a+k for anchor a and
// k = tx, ty, tw, th, objectness.
// Decoding: score = sigmoid(obj), kept if > threshold; cx = (col + sigmoid(tx)) / S * cfx,
// w = exp(tw) * anchor_w / S * cfx (likewise y/h), cfx = inputSize / round(W * inputSize / max(W,H))
// undoing the padding; box = (cx - w/2, cy - h/2, w, h) relative to the image, not clipped.
// NMS: greedy by descending score on boxes scaled by inputSize, suppress when IoU > 0.4.
// Results are in pixels of the input image, highest score first.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/nn/models/face_types.hpp"
#include "syncdsp/nn/models/faceapi_weights.hpp"
#include "syncdsp/nn/nhwc.hpp"
#include "syncdsp/nn/weights.hpp"

namespace syncdsp::nn {

/// Throws invalid_argument unless `input_size` is a detector input size (a multiple of 32).
inline void require_detector_input_size(std::size_t input_size) {
    SYNCDSP_REQUIRE(input_size >= 32 && input_size <= 2048 && input_size % 32 == 0, "tiny_face_detector",
                    "input_size must be a multiple of 32 in 32..2048 (416 or 224 are usual), got ", input_size);
}

struct TinyFaceDetectorOptions {
    std::size_t input_size = 416;   ///< multiple of 32 (face-api default 416; 224 is faster, misses small faces)
    double score_threshold = 0.5;   ///< face-api's default
    double iou_threshold = 0.4;     ///< NMS (face-api's constant)

    /// face-api's `new TinyFaceDetectorOptions()`: inputSize 416, scoreThreshold 0.5 (NMS IoU 0.4).
    static TinyFaceDetectorOptions faceapi() { return {}; }

    void validate() const {
        require_detector_input_size(input_size);
        SYNCDSP_REQUIRE(score_threshold >= 0 && score_threshold < 1 && iou_threshold >= 0 && iou_threshold <= 1,
                        "tiny_face_detector", "score_threshold must be in [0, 1) and iou_threshold in [0, 1], got ",
                        score_threshold, " and ", iou_threshold);
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "TinyFaceDetectorOptions{input_size=" << input_size << ", score_threshold=" << score_threshold
          << ", iou_threshold=" << iou_threshold << "}";
        return s.str();
    }
};

struct face_detection {
    syncdsp::box box;       ///< pixels of the input image (not clipped to it)
    double score = 0;   ///< sigmoid(objectness)
    syncdsp::box relative;  ///< the same box relative to the image size (0..1)
    bool from_tile = false;  ///< found by a tile of the frame only (face_tiles.hpp), not the whole-frame pass
};

class tiny_face_detector {
public:
    static constexpr const char* model_name = "tiny_face_detector_model";
    static constexpr std::array<std::array<double, 2>, 5> anchors{{{1.603231, 2.094468},
                                                                  {6.041143, 7.080126},
                                                                  {2.882459, 3.518061},
                                                                  {4.266906, 5.178857},
                                                                  {9.041765, 10.66308}}};

    static tiny_face_detector load(const std::string& models_dir = "") {
        return tiny_face_detector(load_faceapi_weights(model_name, models_dir));
    }

    explicit tiny_face_detector(weight_store weights) : w_(std::move(weights)) { w_.check(specs()); }

    static std::vector<weight_spec> specs() {
        std::vector<weight_spec> s;
        s.push_back({"conv0/filters", {3, 3, 3, 16}});
        s.push_back({"conv0/bias", {16}});
        std::size_t c = 16;
        for (int i = 1; i <= 5; ++i) {
            const std::string p = "conv" + std::to_string(i) + "/";
            s.push_back({p + "depthwise_filter", {3, 3, c, 1}});
            s.push_back({p + "pointwise_filter", {1, 1, c, 2 * c}});
            s.push_back({p + "bias", {2 * c}});
            c *= 2;
        }
        s.push_back({"conv8/filters", {1, 1, 512, 25}});
        s.push_back({"conv8/bias", {25}});
        return s;
    }

    static void check_input_size(std::size_t input_size) { require_detector_input_size(input_size); }

    /// The network input face-api builds (inputSize^2 x 3, values 0..255, before mean/255).
    static nhwc_map make_input(const rgb8_view& img, std::size_t input_size) {
        require_rgb8(img, "tiny_face_detector");
        check_input_size(input_size);
        const std::size_t side = std::max(img.width, img.height);
        nhwc_map out(input_size, input_size, 3);
        const double r = double(side) / double(input_size);
        auto fetch = [&](std::size_t x, std::size_t y, std::size_t c) -> double {
            if (x >= img.width || y >= img.height) return 0.0;  // bottom/right zero padding
            return img.data[y * img.stride + x * img.channels + c];
        };
        // The padded square is side x side in both directions: one axis table serves rows and columns.
        const tf_bilinear_axis axis(input_size, r, side);
        const auto& x0 = axis.lo;
        const auto& x1 = axis.hi;
        const auto& fx = axis.frac;
        float* o = out.v.data();
        for (std::size_t row = 0; row < input_size; ++row) {
            const std::size_t y0 = axis.lo[row], y1 = axis.hi[row];
            const double fy = axis.frac[row];
            for (std::size_t c = 0; c < input_size; ++c)
                for (std::size_t d = 0; d < 3; ++d) {
                    const double tl = fetch(x0[c], y0, d), tr = fetch(x1[c], y0, d);
                    const double bl = fetch(x0[c], y1, d), br = fetch(x1[c], y1, d);
                    const double t = tl + (tr - tl) * fx[c];
                    const double b = bl + (br - bl) * fx[c];
                    *o++ = static_cast<float>(t + (b - t) * fy);
                }
        }
        return out;
    }

    /// Raw output (S x S x 25) for a network input from make_input() (values 0..255).
    nhwc_map forward_input(const nhwc_map& input) const {
        SYNCDSP_REQUIRE(input.c == 3 && input.h == input.w, "tiny_face_detector", "input must be square with 3 channels, got ",
                        input.h, "x", input.w, "x", input.c);
        check_input_size(input.h);
        nhwc_map x(input.h, input.w, 3);
        const float mean[3] = {117.001f, 114.697f, 97.404f};
        for (std::size_t i = 0; i < x.v.size(); ++i) x.v[i] = (input.v[i] - mean[i % 3]) / 255.f;
        nhwc_map a, b;
        conv3x3(x, p("conv0/filters"), p("conv0/bias"), 16, 1, tf_valid(x.h, 3, 1), tf_valid(x.w, 3, 1), a);
        leaky_tf(a);
        std::size_t c = 16;
        for (int i = 1; i <= 5; ++i) {
            max_pool(a, 2, 2, tf_same(a.h, 2, 2), tf_same(a.w, 2, 2), b);
            const std::string pre = "conv" + std::to_string(i) + "/";
            nhwc_map dw;
            depthwise3x3(b, p(pre + "depthwise_filter"), 1, tf_pad{b.h, 1}, tf_pad{b.w, 1}, dw);
            pointwise(dw, p(pre + "pointwise_filter"), p(pre + "bias"), 2 * c, a);
            leaky_tf(a);
            c *= 2;
        }
        max_pool(a, 2, 1, tf_same(a.h, 2, 1), tf_same(a.w, 2, 1), b);
        pointwise(b, p("conv8/filters"), p("conv8/bias"), 25, a);
        return a;
    }

    /// Raw output for an image.
    nhwc_map forward(const rgb8_view& img, std::size_t input_size = 416) const {
        return forward_input(make_input(img, input_size));
    }

    /// Decodes a raw S x S x 25 output for an image of width x height (face-api extractBoxes + NMS).
    static std::vector<face_detection> decode(const nhwc_map& raw, std::size_t width, std::size_t height,
                                              const TinyFaceDetectorOptions& opt) {
        SYNCDSP_REQUIRE(raw.c == 25 && raw.h == raw.w && raw.h > 0, "tiny_face_detector", "raw output must be S x S x 25, got ",
                        raw.h, "x", raw.w, "x", raw.c);
        SYNCDSP_REQUIRE(width > 0 && height > 0, "tiny_face_detector", "empty image size ", width, "x", height);
        opt.validate();
        const double in = double(opt.input_size);
        const double scale = in / double(std::max(width, height));
        const double rw = std::floor(double(width) * scale + 0.5), rh = std::floor(double(height) * scale + 0.5);
        const double local = std::max(rw, rh);
        const double cfx = local / rw, cfy = local / rh;
        const std::size_t S = raw.h;
        auto sigmoid = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
        std::vector<face_detection> cand;
        for (std::size_t row = 0; row < S; ++row)
            for (std::size_t col = 0; col < S; ++col)
                for (std::size_t a = 0; a < 5; ++a) {
                    const float* e = raw.px(row, col) + 5 * a;
                    const double score = sigmoid(e[4]);
                    if (opt.score_threshold != 0 && !(score > opt.score_threshold)) continue;
                    const double ctx = ((double(col) + sigmoid(e[0])) / double(S)) * cfx;
                    const double cty = ((double(row) + sigmoid(e[1])) / double(S)) * cfy;
                    const double bw = ((std::exp(double(e[2])) * anchors[a][0]) / double(S)) * cfx;
                    const double bh = ((std::exp(double(e[3])) * anchors[a][1]) / double(S)) * cfy;
                    face_detection d;
                    d.score = score;
                    // BoundingBox(x, y, x + w, y + h): face-api keeps right/bottom, width = right - x.
                    const double x = ctx - bw / 2, y = cty - bh / 2;
                    d.relative = box{x, y, (x + bw) - x, (y + bh) - y};
                    cand.push_back(d);
                }
        // face-api nonMaxSuppression: stable ascending sort, pop from the back.
        std::vector<std::size_t> order(cand.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) { return cand[i].score < cand[j].score; });
        auto scaled = [&](const box& r) {
            return box{r.x * in, r.y * in, r.width * in, r.height * in};  // Box.rescale(inputSize)
        };
        std::vector<face_detection> out;
        while (!order.empty()) {
            const std::size_t cur = order.back();
            order.pop_back();
            out.push_back(cand[cur]);
            const box cb = scaled(cand[cur].relative);
            std::vector<std::size_t> keep;
            for (std::size_t idx : order)
                if (iou(cb, scaled(cand[idx].relative)) <= opt.iou_threshold) keep.push_back(idx);
            order.swap(keep);
        }
        for (auto& d : out) {
            const box& r = d.relative;
            d.box = box{r.x * double(width), r.y * double(height), r.width * double(width), r.height * double(height)};
        }
        return out;
    }

    /// Faces in an RGB(A) image, highest score first; empty when none passes the threshold.
    std::vector<face_detection> detect(const rgb8_view& img, const TinyFaceDetectorOptions& opt = {}) const {
        return decode(forward(img, opt.input_size), img.width, img.height, opt);
    }

private:
    const float* p(const std::string& name) const { return w_.at(name).data(); }
    weight_store w_;
};

}  // namespace syncdsp::nn
