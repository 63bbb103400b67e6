// syncdsp/nn/activation.hpp - the element-wise activations a conv, linear or GEMM can fuse into its
// output pass (saves one sweep over memory).
#pragma once

namespace syncdsp::nn {

/// Element-wise function applied to a layer's output in the same pass.
enum class activation { none, relu, leaky_relu };

/// `act` of one value; `slope` is the negative slope of leaky_relu.
inline float apply_activation(activation act, float v, float slope) {
    switch (act) {
        case activation::relu: return v > 0.f ? v : 0.f;
        case activation::leaky_relu: return v > 0.f ? v : v * slope;
        default: return v;
    }
}

}  // namespace syncdsp::nn
