// Fuzz target for the TF.js weights-manifest reader: input = manifest JSON, a NUL byte, then the
// binary of the first group (later groups get no bytes). Any input either decodes or throws
// syncdsp::error; decoded tensors must hold exactly prod(shape) values.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "syncdsp/io/tfjs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::size_t split = 0;
    while (split < size && data[split] != 0) ++split;
    const std::string text(reinterpret_cast<const char*>(data), split);
    const std::uint8_t* bin = split < size ? data + split + 1 : data + size;
    const std::size_t bin_size = split < size ? size - split - 1 : 0;
    try {
        const auto groups = syncdsp::io::parse_tfjs_manifest(text, "fuzz");
        for (std::size_t g = 0; g < groups.size(); ++g) {
            try {
                const auto t = g == 0 ? syncdsp::io::decode_tfjs_group(groups[g], bin, bin_size, "fuzz")
                                      : syncdsp::io::decode_tfjs_group(groups[g], nullptr, 0, "fuzz");
                if (t.size() != groups[g].weights.size()) std::abort();
                for (std::size_t i = 0; i < t.size(); ++i)
                    if (t[i].values.size() != groups[g].weights[i].count) std::abort();
            } catch (const syncdsp::error&) {
            }
        }
    } catch (const syncdsp::error&) {
    }
    return 0;
}
