// syncdsp/audio/deltas.hpp - time derivatives of feature matrices (frames, coefficients).
//
//   savitzky_golay  librosa.feature.delta(data, width, order, mode='interp'): scipy's
//                   savgol_filter with polyorder = deriv = order. Interior frames use the
//                   least-squares polynomial over `width` frames; the first and last width/2 frames
//                   take the derivative of the polynomial fitted to the first / last `width`
//                   frames ('interp' edges). Needs at least `width` frames.
//   regression      HTK / python_speech_features delta(feat, N):
//                   d_t = sum_{k=1..N} k (c_{t+k} - c_{t-k}) / (2 sum k^2), edge frames repeated.
#pragma once

#include <cmath>
#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "syncdsp/core/checked.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"

namespace syncdsp::audio {

enum class delta_method { savitzky_golay, regression };

struct DeltaOptions {
    delta_method method = delta_method::savitzky_golay;
    std::size_t width = 9;  ///< savitzky_golay: odd window length >= 3
    std::size_t order = 1;  ///< savitzky_golay: 1 (delta) or 2 (delta-delta)
    std::size_t n = 2;      ///< regression: half-width N >= 1

    static DeltaOptions librosa(std::size_t order = 1) {
        DeltaOptions o;
        o.order = order;
        return o;
    }
    static DeltaOptions htk(std::size_t n = 2) {
        DeltaOptions o;
        o.method = delta_method::regression;
        o.n = n;
        return o;
    }

    void validate() const {
        if (method == delta_method::regression) {
            SYNCDSP_REQUIRE(n >= 1, "deltas", "regression half-width n must be >= 1, got 0");
        } else {
            SYNCDSP_REQUIRE(width >= 3 && width % 2 == 1, "deltas", "width must be odd and >= 3, got ", width);
            SYNCDSP_REQUIRE(order == 1 || order == 2, "deltas", "order must be 1 or 2, got ", order);
        }
    }
    std::string to_string() const {
        std::ostringstream s;
        if (method == delta_method::regression)
            s << "DeltaOptions{method=regression, n=" << n << "}";
        else
            s << "DeltaOptions{method=savitzky_golay, width=" << width << ", order=" << order << "}";
        return s.str();
    }
};

namespace impl {

/// Row r of the matrix mapping window samples to the d-th derivative of the least-squares
/// polynomial (degree p) at position x (window positions -h..h).
inline std::vector<double> savgol_weights(std::size_t width, std::size_t p, std::size_t d, double x) {
    const auto h = static_cast<double>(width / 2);
    Eigen::MatrixXd A(static_cast<Eigen::Index>(width), static_cast<Eigen::Index>(p + 1));
    for (std::size_t i = 0; i < width; ++i)
        for (std::size_t j = 0; j <= p; ++j) A(Eigen::Index(i), Eigen::Index(j)) = std::pow(double(i) - h, double(j));
    // coefficients = P * y with P = (A^T A)^-1 A^T
    const Eigen::MatrixXd P = (A.transpose() * A).ldlt().solve(A.transpose());
    std::vector<double> w(width, 0.0);
    for (std::size_t j = d; j <= p; ++j) {
        double f = 1;  // j! / (j-d)!
        for (std::size_t q = j - d + 1; q <= j; ++q) f *= double(q);
        const double c = f * std::pow(x, double(j - d));
        for (std::size_t i = 0; i < width; ++i) w[i] += c * P(Eigen::Index(j), Eigen::Index(i));
    }
    return w;
}

}  // namespace impl

/// Deltas of `feats` (frames, coefficients) along the frame axis; same shape.
template <class T>
tensor<T, 2> deltas(const tensor<T, 2>& feats, const DeltaOptions& o = {}) {
    const std::size_t nt = feats.shape()[0], nc = feats.shape()[1];
    require_finite(feats.data(), feats.size(), "deltas", "the feature matrix");
    tensor<T, 2> out = xt::zeros<T>({nt, nc});
    if (o.method == delta_method::regression) {
        o.validate();
        SYNCDSP_REQUIRE(nt > 0, "deltas", "the feature matrix has no frames");
        double denom = 0;
        for (std::size_t k = 1; k <= o.n; ++k) denom += 2.0 * double(k * k);
        for (std::size_t t = 0; t < nt; ++t) {
            for (std::size_t c = 0; c < nc; ++c) {
                double acc = 0;
                for (std::size_t k = 1; k <= o.n; ++k) {
                    const std::size_t a = t + k < nt ? t + k : nt - 1, b = t >= k ? t - k : 0;
                    acc += double(k) * (double(feats(a, c)) - double(feats(b, c)));
                }
                out(t, c) = static_cast<T>(acc / denom);
            }
        }
        return out;
    }
    o.validate();
    SYNCDSP_REQUIRE(nt >= o.width, "deltas", "need at least width=", o.width, " frames for mode 'interp', got ", nt);
    const std::size_t w = o.width, h = w / 2;
    const auto mid = impl::savgol_weights(w, o.order, o.order, 0.0);
    for (std::size_t t = h; t + h < nt; ++t)
        for (std::size_t c = 0; c < nc; ++c) {
            double acc = 0;
            for (std::size_t i = 0; i < w; ++i) acc += mid[i] * double(feats(t - h + i, c));
            out(t, c) = static_cast<T>(acc);
        }
    for (std::size_t e = 0; e < h; ++e) {
        const auto head = impl::savgol_weights(w, o.order, o.order, double(e) - double(h));
        const auto tail = impl::savgol_weights(w, o.order, o.order, double(e + 1));
        const std::size_t t_tail = nt - h + e;
        for (std::size_t c = 0; c < nc; ++c) {
            double a = 0, b = 0;
            for (std::size_t i = 0; i < w; ++i) {
                a += head[i] * double(feats(i, c));
                b += tail[i] * double(feats(nt - w + i, c));
            }
            out(e, c) = static_cast<T>(a);
            out(t_tail, c) = static_cast<T>(b);
        }
    }
    return out;
}

}  // namespace syncdsp::audio
