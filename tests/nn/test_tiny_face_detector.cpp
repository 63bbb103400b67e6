// TinyFaceDetector against face-api itself (TF.js 4.22 pure-JS cpu backend) on frame 50 of the
// LRS3 clip (../shared/anchors/inference: frame50.png, tfd_raw_in416.npy, faceapi_cpu.json).
// Tolerance on raw outputs: 1e-4 absolute on values up to about +-45 (float32 accumulation here vs
// double accumulation in TF.js's cpu backend over 512-term sums); box IoU >= 0.99 and score within
// 1e-4 (the JSON stores 5 decimals).
#include <cmath>

#include <nlohmann/json.hpp>

#include "faces_common.hpp"
#include "syncdsp/io/file.hpp"
#include "syncdsp/io/image.hpp"
#include "syncdsp/io/npy.hpp"
#include "syncdsp/nn/models/tiny_face_detector.hpp"

namespace test_tiny_face_detector {

using namespace syncdsp;

TEST_CASE("tiny_face_detector: raw 13x13x25 output and detection match face-api on frame50.png") {
    SYNCDSP_REQUIRE_FACE_MODELS_OR_SKIP(models);
    const std::string png = test::anchors_inference("frame50.png");
    const std::string raw_path = test::anchors_inference("tfd_raw_in416.npy");
    SYNCDSP_REQUIRE_FILE_OR_SKIP(png);
    SYNCDSP_REQUIRE_FILE_OR_SKIP(raw_path);
    const auto img = io::load_image(png, 3);
    const nn::rgb8_view view{img.data(), img.shape()[1], img.shape()[0], 3, img.shape()[1] * 3};
    const auto det = nn::tiny_face_detector::load(models);
    const auto raw = det.forward(view, 416);
    const auto ref = io::read_npy<float>(raw_path);
    REQUIRE(raw.size() == ref.size());
    double max_err = 0, max_abs = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        max_err = std::max(max_err, std::abs(double(raw.v[i]) - double(ref.data()[i])));
        max_abs = std::max(max_abs, std::abs(double(ref.data()[i])));
    }
    MESSAGE("detector raw @416: max |ours - face-api| = " << max_err << " (values up to " << max_abs << ")");
    CHECK(max_err <= 1e-4);

    const std::string json_path = test::anchors_inference("faceapi_cpu.json");
    SYNCDSP_REQUIRE_FILE_OR_SKIP(json_path);
    const auto bytes = io::read_file(json_path);
    const auto j = nlohmann::json::parse(bytes.begin(), bytes.end());
    const auto& want = j["detector"]["in416_thr0.5"];
    const auto faces = nn::tiny_face_detector::decode(raw, view.width, view.height, {});
    REQUIRE(faces.size() == want.size());
    for (std::size_t i = 0; i < faces.size(); ++i) {
        const auto b = want[i]["box_xywh_px"];
        const syncdsp::box wb{b[0].get<double>(), b[1].get<double>(), b[2].get<double>(), b[3].get<double>()};
        MESSAGE("face " << i << ": ours (" << faces[i].box.x << ", " << faces[i].box.y << ", " << faces[i].box.width << ", "
                        << faces[i].box.height << ") score " << faces[i].score << "; IoU with face-api " << syncdsp::iou(faces[i].box, wb));
        CHECK(syncdsp::iou(faces[i].box, wb) >= 0.99);
        CHECK(std::abs(faces[i].score - want[i]["score"].get<double>()) <= 1e-4);
    }
}

TEST_CASE("tiny_face_detector: options preset, validate and to_string (no models needed)") {
    const auto d = nn::TinyFaceDetectorOptions::faceapi();
    CHECK(d.input_size == 416);
    CHECK(d.score_threshold == 0.5);
    CHECK_NOTHROW(d.validate());
    CHECK(d.to_string() == "TinyFaceDetectorOptions{input_size=416, score_threshold=0.5, iou_threshold=0.4}");
    auto bad = d;
    bad.input_size = 400;
    CHECK_THROWS_WITH_AS(bad.validate(), doctest::Contains("multiple of 32"), syncdsp::invalid_argument);
    bad = d;
    bad.score_threshold = 1;
    CHECK_THROWS_WITH_AS(bad.validate(), doctest::Contains("score_threshold must be in [0, 1)"), syncdsp::invalid_argument);
}

}  // namespace test_tiny_face_detector
