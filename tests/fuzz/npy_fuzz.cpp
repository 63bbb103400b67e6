// Fuzz target for the NPY reader: any input either decodes or throws syncdsp::error; a decoded
// array must survive a write/read round trip unchanged.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "syncdsp/io/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    syncdsp::array<double> a;
    try {
        a = syncdsp::io::decode_npy<double>(data, size);
    } catch (const syncdsp::error&) {
        return 0;
    }
    std::vector<std::size_t> shape(a.shape().begin(), a.shape().end());
    const auto bytes = syncdsp::io::encode_npy(a.data(), shape);
    const auto b = syncdsp::io::decode_npy<double>(bytes.data(), bytes.size());
    if (b.size() != a.size() || b.dimension() != a.dimension()) std::abort();
    if (a.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) != 0) std::abort();
    return 0;
}
