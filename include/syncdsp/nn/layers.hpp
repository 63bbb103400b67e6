// syncdsp/nn/layers.hpp - the small layers around convolutions: activations, linear, flatten,
// concat, L2 normalisation and distances, each with PyTorch's semantics (named per function).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"
#include "syncdsp/nn/gemm.hpp"

namespace syncdsp::nn {

/// max(x, 0) element-wise, in place.
template <class T, std::size_t R>
void relu_inplace(tensor<T, R>& x) {
    for (auto& v : x) v = v > T(0) ? v : T(0);
}

/// torch.relu.
template <class T, std::size_t R>
tensor<T, R> relu(tensor<T, R> x) {
    relu_inplace(x);
    return x;
}

/// torch.nn.functional.leaky_relu: x if x > 0 else slope * x.
template <class T, std::size_t R>
tensor<T, R> leaky_relu(tensor<T, R> x, T negative_slope = T(0.01)) {
    for (auto& v : x) v = v > T(0) ? v : v * negative_slope;
    return x;
}

/// torch.nn.functional.linear: x (N, in), weight (out, in), bias (out) or empty -> (N, out).
inline tensor<float, 2> linear(const tensor<float, 2>& x, const tensor<float, 2>& weight,
                               const tensor<float, 1>& bias) {
    const std::size_t in = x.shape()[1], out = weight.shape()[0];
    SYNCDSP_REQUIRE(weight.shape()[1] == in, "linear", "weight is ", out, "x", weight.shape()[1],
                    " ([out, in]) but the input has ", in, " features");
    SYNCDSP_REQUIRE(bias.size() == 0 || bias.size() == out, "linear", "bias has ", bias.size(),
                    " entries, weight has ", out, " outputs");
    tensor<float, 2> y = tensor<float, 2>::from_shape({x.shape()[0], out});
    if (y.size() == 0) return y;
    gemm_args a;  // y = x . weight^T + bias, the weight read in place as a transposed B
    a.M = x.shape()[0];
    a.N = out;
    a.K = in;
    a.a = x.data();
    a.lda = in;
    a.b = weight.data();
    a.ldb = in;
    a.b_transposed = true;
    a.c = y.data();
    a.ldc = out;
    a.col_bias = bias.size() ? bias.data() : nullptr;
    gemm(a);
    return y;
}

/// torch.flatten(x, 1): (N, ...) -> (N, prod(...)).
template <class T, std::size_t R>
tensor<T, 2> flatten(const tensor<T, R>& x) {
    static_assert(R >= 1, "flatten needs a batch axis");
    const std::size_t n = x.shape()[0];
    std::size_t rest = 1;
    for (std::size_t i = 1; i < R; ++i) rest *= x.shape()[i];
    const std::array<std::size_t, 2> shape{n, rest};
    tensor<T, 2> y(shape);
    std::copy(x.data(), x.data() + x.size(), y.data());
    return y;
}

/// torch.cat(parts, axis): all parts equal except along `axis`.
template <class T, std::size_t R>
tensor<T, R> concat(const std::vector<tensor<T, R>>& parts, std::size_t axis) {
    SYNCDSP_REQUIRE(!parts.empty(), "concat", "needs at least one tensor");
    SYNCDSP_REQUIRE(axis < R, "concat", "axis ", axis, " out of range for rank ", R);
    std::array<std::size_t, R> shape;
    std::copy(parts[0].shape().begin(), parts[0].shape().end(), shape.begin());
    shape[axis] = 0;
    for (std::size_t k = 0; k < parts.size(); ++k) {
        for (std::size_t i = 0; i < R; ++i)
            SYNCDSP_REQUIRE(i == axis || parts[k].shape()[i] == parts[0].shape()[i], "concat", "tensor ", k,
                            " has size ", parts[k].shape()[i], " on axis ", i, ", tensor 0 has ",
                            parts[0].shape()[i]);
        shape[axis] += parts[k].shape()[axis];
    }
    tensor<T, R> y = tensor<T, R>::from_shape(shape);
    std::size_t outer = 1, inner = 1;
    for (std::size_t i = 0; i < axis; ++i) outer *= shape[i];
    for (std::size_t i = axis + 1; i < R; ++i) inner *= shape[i];
    T* dst = y.data();
    for (std::size_t o = 0; o < outer; ++o)
        for (const auto& p : parts) {
            const std::size_t block = p.shape()[axis] * inner;
            std::copy(p.data() + o * block, p.data() + (o + 1) * block, dst);
            dst += block;
        }
    return y;
}

/// torch.nn.functional.normalize(x, p=2, dim=1, eps): each row divided by max(||row||, eps).
inline tensor<float, 2> l2_normalize(tensor<float, 2> x, float eps = 1e-12f) {
    for (std::size_t n = 0; n < x.shape()[0]; ++n) {
        double ss = 0;
        for (std::size_t j = 0; j < x.shape()[1]; ++j) ss += double(x(n, j)) * x(n, j);
        const float norm = std::max(float(std::sqrt(ss)), eps);
        for (std::size_t j = 0; j < x.shape()[1]; ++j) x(n, j) /= norm;
    }
    return x;
}

/// torch.nn.functional.pairwise_distance(a, b, p=2, eps): row-wise ||a_i - b_i + eps||_2.
/// Note the eps is added to the difference (PyTorch's definition), not to the norm.
inline tensor<float, 1> pairwise_distance(const tensor<float, 2>& a, const tensor<float, 2>& b,
                                          float eps = 1e-6f) {
    SYNCDSP_REQUIRE(a.shape() == b.shape(), "pairwise_distance", "shapes differ: ", a.shape()[0], "x",
                    a.shape()[1], " vs ", b.shape()[0], "x", b.shape()[1]);
    tensor<float, 1> d = tensor<float, 1>::from_shape({a.shape()[0]});
    for (std::size_t n = 0; n < a.shape()[0]; ++n) {
        double ss = 0;
        for (std::size_t j = 0; j < a.shape()[1]; ++j) {
            const double t = double(a(n, j) - b(n, j) + eps);
            ss += t * t;
        }
        d[n] = float(std::sqrt(ss));
    }
    return d;
}

/// torch.cdist(a, b, p=2): all Euclidean distances between rows of a (N, D) and rows of b (M, D).
inline tensor<float, 2> cdist(const tensor<float, 2>& a, const tensor<float, 2>& b) {
    SYNCDSP_REQUIRE(a.shape()[1] == b.shape()[1], "cdist", "feature sizes differ: ", a.shape()[1], " vs ",
                    b.shape()[1]);
    tensor<float, 2> d = tensor<float, 2>::from_shape({a.shape()[0], b.shape()[0]});
    for (std::size_t i = 0; i < a.shape()[0]; ++i)
        for (std::size_t j = 0; j < b.shape()[0]; ++j) {
            double ss = 0;
            for (std::size_t k = 0; k < a.shape()[1]; ++k) {
                const double t = double(a(i, k)) - double(b(j, k));
                ss += t * t;
            }
            d(i, j) = float(std::sqrt(ss));
        }
    return d;
}

}  // namespace syncdsp::nn
