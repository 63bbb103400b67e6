// FaceLandmark68Net / TinyNet against face-api itself (TF.js 4.22 pure-JS cpu backend).
//
// Reference data: (a) ../shared/anchors/inference (lm68_input_112x112x3.npy -> lm68_raw136.npy,
// lm68tiny_raw136.npy; read in place, skipped when absent); (b) tests/golden/faces/* written by
// scripts/faceapi/faceapi_golden.js (regenerate: see scripts/faceapi/README.md).
// Tolerance on raw outputs: 1e-4 absolute. TF.js's cpu backend accumulates convolutions in double
// and rounds each layer to float32; we accumulate in float32 (Eigen GEMM), so the two differ by
// float32 rounding of ~50 sums of up to 256 terms; the outputs are O(1), so 1e-4 leaves about 10x
// margin over the largest difference measured (see docs/faces.md).
#include <cmath>

#include "faces_common.hpp"
#include "syncdsp/io/npy.hpp"
#include "syncdsp/nn/models/face_landmark68.hpp"

namespace test_face_landmark68 {

using namespace syncdsp;

TEST_CASE("face_landmark68: raw output matches face-api on the anchor crop") {
    SYNCDSP_REQUIRE_FACE_MODELS_OR_SKIP(models);
    const std::string in_path = test::anchors_inference("lm68_input_112x112x3.npy");
    SYNCDSP_REQUIRE_FILE_OR_SKIP(in_path);
    const auto input = io::read_npy<float>(in_path);
    REQUIRE(input.size() == 112 * 112 * 3);
    for (bool tiny : {false, true}) {
        const std::string ref_path = test::anchors_inference(tiny ? "lm68tiny_raw136.npy" : "lm68_raw136.npy");
        if (!test::file_exists(ref_path)) {
            MESSAGE("SKIPPED part: missing " << ref_path);
            continue;
        }
        const auto ref = io::read_npy<float>(ref_path);
        const auto net = nn::face_landmark68::load(tiny, models);
        const auto out = net.forward(input.data());
        double max_err = 0;
        for (std::size_t i = 0; i < 136; ++i) max_err = std::max(max_err, std::abs(double(out[i]) - double(ref.data()[i])));
        MESSAGE((tiny ? "tiny" : "full") << " landmark net: max |raw - face-api| = " << max_err);
        CHECK(max_err <= 1e-4);
    }
}

}  // namespace test_face_landmark68
