// syncdsp/nn/weights.hpp - named float32 weights, as a model loader wants them.
//
// A weight_store maps tensor names (PyTorch state-dict names, e.g. "netcnnaud.0.weight") to float32
// arrays. Loading from safetensors converts F32/F16/BF16/F64 tensors; integer tensors (such as
// BatchNorm's num_batches_tracked) are remembered by name but hold no values.
//
// NaN/Inf policy: a non-finite weight is an error. from_safetensors() throws parse_error naming the
// tensor and the first bad index, because a NaN weight silently turns every output into NaN.
//
// A model states what it needs as a list of weight_spec (name + shape); check() compares the store
// with that list and reports, in one error, every missing, mis-shaped and unexpected tensor by name.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/core/checked.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"
#include "syncdsp/io/safetensors.hpp"

namespace syncdsp::nn {

/// A tensor a model needs: its name and exact shape.
struct weight_spec {
    std::string name;
    std::vector<std::size_t> shape;
};

namespace weights_impl {
inline std::string shape_str(const std::vector<std::size_t>& s) {
    std::ostringstream o;
    o << '[';
    for (std::size_t i = 0; i < s.size(); ++i) o << (i ? "x" : "") << s[i];
    o << ']';
    return o.str();
}
}  // namespace weights_impl

class weight_store {
public:
    /// Converts every float tensor of a validated safetensors file; non-finite values are an error.
    static weight_store from_safetensors(const io::safetensors_file& file) {
        weight_store w;
        for (const auto& e : file.entries()) {
            if (e.dtype == "F32" || e.dtype == "F16" || e.dtype == "BF16" || e.dtype == "F64") {
                array<float> a = file.to_float(e.name);
                const std::size_t bad = first_non_finite(a.data(), a.size());
                if (bad != a.size())
                    detail::throw_parse_error("weights", "tensor '", e.name, "' has a non-finite value (", a.data()[bad],
                                              ") at flat index ", bad, "; NaN/Inf weights are rejected");
                w.tensors_.emplace(e.name, std::move(a));
            } else {
                w.non_float_[e.name] = e.dtype;
            }
        }
        return w;
    }

    /// Reads a .safetensors file.
    static weight_store load(const std::string& path) {
        try {
            return from_safetensors(io::safetensors_file::read(path));
        } catch (const parse_error& e) {
            std::string what = e.what();
            if (what.find(path) != std::string::npos) throw;
            const auto close = what.find("] ");
            if (close != std::string::npos) what = what.substr(close + 2);
            throw parse_error("weights", what + " in '" + path + "'");
        }
    }

    void insert(const std::string& name, array<float> values) { tensors_[name] = std::move(values); }
    bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
    std::size_t size() const { return tensors_.size(); }

    /// Names of all float tensors (sorted), then of non-float ones via non_float().
    std::vector<std::string> names() const {
        std::vector<std::string> n;
        for (const auto& kv : tensors_) n.push_back(kv.first);
        return n;
    }
    const std::map<std::string, std::string>& non_float() const { return non_float_; }

    /// The tensor by name; throws invalid_argument naming it when absent.
    const array<float>& at(const std::string& name) const {
        auto it = tensors_.find(name);
        if (it == tensors_.end()) {
            auto nf = non_float_.find(name);
            if (nf != non_float_.end())
                detail::throw_unsupported("weights", "tensor '", name, "' has dtype ", nf->second, ", need a float type");
            detail::throw_invalid_argument("weights", "missing tensor '", name, "'");
        }
        return it->second;
    }

    /// The tensor as a fixed-rank tensor of exactly `shape`; errors name the tensor and both shapes.
    template <std::size_t R>
    tensor<float, R> get(const std::string& name, const std::array<std::size_t, R>& shape) const {
        const auto& a = at(name);
        const std::vector<std::size_t> want(shape.begin(), shape.end());
        const std::vector<std::size_t> have(a.shape().begin(), a.shape().end());
        if (want != have)
            detail::throw_invalid_argument("weights", "tensor '", name, "' has shape ", weights_impl::shape_str(have),
                                           ", expected ", weights_impl::shape_str(want));
        tensor<float, R> t = tensor<float, R>::from_shape(shape);
        std::copy(a.data(), a.data() + a.size(), t.data());
        return t;
    }

    /// Compares the store with what a model needs. Tensors for which `ignore(name)` is true may be
    /// present without being needed. Throws one invalid_argument listing every problem by name.
    void check(const std::vector<weight_spec>& needed,
               const std::function<bool(const std::string&)>& ignore = nullptr) const {
        std::vector<std::string> missing, misshaped, extra;
        std::map<std::string, bool> wanted;
        for (const auto& s : needed) {
            wanted[s.name] = true;
            auto it = tensors_.find(s.name);
            if (it == tensors_.end()) {
                auto nf = non_float_.find(s.name);
                missing.push_back(s.name + (nf != non_float_.end() ? " (present as " + nf->second + ", not float)" : ""));
                continue;
            }
            const std::vector<std::size_t> have(it->second.shape().begin(), it->second.shape().end());
            if (have != s.shape)
                misshaped.push_back(s.name + " " + weights_impl::shape_str(have) + " (expected " +
                                    weights_impl::shape_str(s.shape) + ")");
        }
        auto consider = [&](const std::string& n) {
            if (!wanted.count(n) && !(ignore && ignore(n))) extra.push_back(n);
        };
        for (const auto& kv : tensors_) consider(kv.first);
        for (const auto& kv : non_float_) consider(kv.first);
        if (missing.empty() && misshaped.empty() && extra.empty()) return;
        std::ostringstream o;
        auto list = [&](const char* what, const std::vector<std::string>& v) {
            if (v.empty()) return;
            o << ' ' << what << " (" << v.size() << "):";
            const std::size_t shown = std::min<std::size_t>(v.size(), 20);
            for (std::size_t i = 0; i < shown; ++i) o << (i ? ", " : " ") << v[i];
            if (shown < v.size()) o << ", ...";
            o << ';';
        };
        list("missing", missing);
        list("wrong shape", misshaped);
        list("unexpected", extra);
        detail::throw_invalid_argument("weights", "weights do not match the model:", o.str());
    }

private:
    std::map<std::string, array<float>> tensors_;
    std::map<std::string, std::string> non_float_;
};

}  // namespace syncdsp::nn
