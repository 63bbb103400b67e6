// tests/nn/nn_test_support.hpp - loading PyTorch-made golden arrays and comparing with a relative bound.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>

#include "support.hpp"
#include "syncdsp/core/tensor.hpp"
#include "syncdsp/io/npy.hpp"

namespace syncdsp::test {

/// Reads tests/golden/nn/<name>.npy as a fixed-rank float tensor (REQUIREs the rank).
template <std::size_t R>
tensor<float, R> load_nn(const std::string& name) {
    const auto a = io::read_npy<float>(golden("nn/" + name + ".npy"));
    REQUIRE(a.dimension() == R);
    std::array<std::size_t, R> shape;
    std::copy(a.shape().begin(), a.shape().end(), shape.begin());
    tensor<float, R> t = tensor<float, R>::from_shape(shape);
    std::copy(a.data(), a.data() + a.size(), t.data());
    return t;
}

/// max |got - want| / max |want|: the error relative to the scale of the reference output.
template <class A, class B>
double relative_error(const A& got, const B& want) {
    REQUIRE(got.size() == want.size());
    double num = 0, den = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
        num = std::max(num, std::abs(double(got.data()[i]) - double(want.data()[i])));
        den = std::max(den, std::abs(double(want.data()[i])));
    }
    return den > 0 ? num / den : num;
}

template <class A, class B>
bool shapes_equal(const A& a, const B& b) {
    if (a.dimension() != b.dimension()) return false;
    for (std::size_t i = 0; i < a.dimension(); ++i)
        if (a.shape()[i] != b.shape()[i]) return false;
    return true;
}

}  // namespace syncdsp::test
