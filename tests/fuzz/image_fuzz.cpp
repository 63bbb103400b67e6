// Fuzz target for the image reader (stb_image behind io::decode_image): any input either decodes
// or throws syncdsp::error; a decoded image must survive a PNG round trip unchanged.
#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "syncdsp/io/image.hpp"
#include "syncdsp/vision/image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    syncdsp::tensor<std::uint8_t, 3> im;
    try {
        im = syncdsp::io::decode_image(data, size, 0, "fuzz");
    } catch (const syncdsp::error&) {
        return 0;
    }
    if (im.size() > (1u << 22)) return 0;  // keep re-encoding cheap
    const auto png = syncdsp::io::encode_png(im.data(), im.shape()[1], im.shape()[0], im.shape()[2]);
    const auto again = syncdsp::io::decode_image(png.data(), png.size(), 0, "roundtrip");
    if (again.shape() != im.shape() || !std::equal(im.begin(), im.end(), again.begin())) std::abort();
    // Gray conversion of whatever came out must work too.
    if (im.shape()[2] != 2) (void)syncdsp::vision::to_gray(syncdsp::vision::view_of(im));
    return 0;
}
