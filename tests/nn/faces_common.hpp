// tests/nn/faces_common.hpp - helpers of the face-model tests: where the models and the shared
// anchors are, and skipping when the (not committed) model files are absent.
#pragma once

#include <cstdlib>
#include <string>

#include "support.hpp"
#include "syncdsp/nn/models/faceapi_weights.hpp"

namespace syncdsp::test {

/// The face-api models directory if installed (scripts/get_models.sh), else "".
inline std::string faces_models_dir() {
    const char* names[] = {"tiny_face_detector_model", "face_landmark_68_model", "face_landmark_68_tiny_model"};
    for (const auto& d : syncdsp::nn::faceapi_model_dirs()) {
        bool all = true;
        for (const char* n : names) all = all && file_exists(d + "/" + n + "-weights_manifest.json");
        if (all) return d;
    }
    return "";
}

inline std::string anchors_inference(const std::string& f) { return shared_anchors_dir() + "/inference/" + f; }

}  // namespace syncdsp::test

/// Skips the test when the face models are not installed.
#define SYNCDSP_REQUIRE_FACE_MODELS_OR_SKIP(dir)                                                           \
    const std::string dir = ::syncdsp::test::faces_models_dir();                                           \
    do {                                                                                                   \
        if (dir.empty())                                                                                   \
            SYNCDSP_SKIP("face models not installed: run scripts/get_models.sh and/or set SYNCDSP_MODELS"); \
    } while (false)

/// Skips a CLI test that runs the face networks on `clip_path` unless the CLI (SYNCDSP_CLI, set by
/// ctest), ffmpeg, the clip and the face models are there and no sanitizer slows everything.
#define SYNCDSP_FACE_CLI_TEST_READY(clip_path)                                                             \
    do {                                                                                                   \
        if (!std::getenv("SYNCDSP_CLI")) SYNCDSP_SKIP("SYNCDSP_CLI not set (run through ctest)");          \
        if (std::getenv("SYNCDSP_SANITIZED")) SYNCDSP_SKIP("face networks are too slow under sanitizers"); \
        if (std::system("ffmpeg -version >/dev/null 2>&1") != 0) SYNCDSP_SKIP("ffmpeg not installed");     \
        SYNCDSP_REQUIRE_FILE_OR_SKIP(clip_path);                                                           \
        SYNCDSP_REQUIRE_FACE_MODELS_OR_SKIP(models);                                                       \
        (void)models;                                                                                      \
    } while (false)
