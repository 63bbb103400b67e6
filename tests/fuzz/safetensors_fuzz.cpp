// Fuzz target for the safetensors reader and weight store: any input either parses or throws
// syncdsp::error; a parsed file's float tensors must re-encode (as F32) and parse back unchanged.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "syncdsp/io/safetensors.hpp"
#include "syncdsp/nn/weights.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<syncdsp::io::safetensors_tensor> tensors;
    try {
        const auto f = syncdsp::io::safetensors_file::parse(std::vector<std::uint8_t>(data, data + size));
        for (const auto& e : f.entries()) {
            try {
                const auto a = f.to_float(e.name);
                if (a.size() != e.count()) std::abort();
                tensors.push_back({e.name, e.shape, std::vector<float>(a.begin(), a.end())});
            } catch (const syncdsp::unsupported_error&) {
            }
        }
        (void)syncdsp::nn::weight_store::from_safetensors(f);
    } catch (const syncdsp::error&) {
        if (tensors.empty()) return 0;
    }
    if (tensors.empty()) return 0;
    const auto bytes = syncdsp::io::encode_safetensors(tensors);
    const auto g = syncdsp::io::safetensors_file::parse(bytes);
    for (const auto& t : tensors) {
        const auto b = g.to_float(t.name);
        if (b.size() != t.values.size()) std::abort();
        if (!t.values.empty() && std::memcmp(b.data(), t.values.data(), 4 * t.values.size()) != 0) std::abort();
    }
    return 0;
}
