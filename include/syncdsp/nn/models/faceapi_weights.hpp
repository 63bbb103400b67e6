// syncdsp/nn/models/faceapi_weights.hpp - where the face-api model files live and how they load.
//
// The weights of the face detector and the 68-point landmark nets are the TF.js files of the
// MIT-licensed npm package @vladmandic/face-api 1.7.15 (model/ folder). They are not part of
// syncdsp: scripts/get_models.sh fetches the package with `npm pack`, checks the sha256 of each
// file and installs them. syncdsp itself never downloads anything.
//
// Lookup order of the models directory (first that exists wins):
//   1. the directory passed explicitly (an option of the model / CLI --models);
//   2. $SYNCDSP_MODELS;
//   3. ${XDG_DATA_HOME:-$HOME/.local/share}/syncdsp/models (get_models.sh's default);
//   4. SYNCDSP_MODELS_DIR if the build defines it (e.g. <prefix>/share/syncdsp/models).
// A missing file is an io_error ("[syncdsp.io_error.models]") that says how to get it.
#pragma once

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"
#include "syncdsp/io/tfjs.hpp"
#include "syncdsp/nn/weights.hpp"

namespace syncdsp::nn {

namespace faceapi_impl {
inline bool file_exists(const std::string& p) { return std::ifstream(p).good(); }
inline std::string join(const std::string& dir, const std::string& name) {
    if (dir.empty() || dir.back() == '/') return dir + name;
    return dir + "/" + name;
}
}  // namespace faceapi_impl

/// The candidate model directories in lookup order (explicit one first if given).
inline std::vector<std::string> faceapi_model_dirs(const std::string& explicit_dir = "") {
    std::vector<std::string> dirs;
    if (!explicit_dir.empty()) {
        dirs.push_back(explicit_dir);
        return dirs;  // an explicit choice is not second-guessed
    }
    if (const char* env = std::getenv("SYNCDSP_MODELS"); env && *env) dirs.emplace_back(env);
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
        dirs.push_back(std::string(xdg) + "/syncdsp/models");
    else if (const char* home = std::getenv("HOME"); home && *home)
        dirs.push_back(std::string(home) + "/.local/share/syncdsp/models");
#ifdef SYNCDSP_MODELS_DIR
    dirs.emplace_back(SYNCDSP_MODELS_DIR);
#endif
    return dirs;
}

/// Path of `<name>-weights_manifest.json` (e.g. name = "tiny_face_detector_model"); throws
/// io_error saying where it looked and how to install the models when it is absent.
inline std::string faceapi_manifest_path(const std::string& name, const std::string& explicit_dir = "") {
    const std::string file = name + "-weights_manifest.json";
    const auto dirs = faceapi_model_dirs(explicit_dir);
    std::string looked;
    for (const auto& d : dirs) {
        const std::string p = faceapi_impl::join(d, file);
        if (faceapi_impl::file_exists(p)) return p;
        looked += (looked.empty() ? "" : ", ") + d;
    }
    detail::throw_io_error("models", "model file '", file, "' not found (looked in: ",
                           looked.empty() ? std::string("no directory; $HOME is unset") : looked,
                           "). Install the face models with scripts/get_models.sh [DIR] (npm pack of "
                           "@vladmandic/face-api@1.7.15, sha256-checked) and point SYNCDSP_MODELS or --models at DIR");
}

/// True when all named models are installed where the lookup finds them.
inline bool faceapi_models_available(const std::vector<std::string>& names, const std::string& explicit_dir = "") {
    for (const auto& n : names) {
        try {
            (void)faceapi_manifest_path(n, explicit_dir);
        } catch (const io_error&) {
            return false;
        }
    }
    return true;
}

/// Converts decoded TF.js tensors into a weight store (non-finite values are rejected).
inline weight_store weight_store_from_tfjs(const std::vector<io::tfjs_tensor>& tensors, const std::string& file) {
    weight_store store;
    for (const auto& t : tensors) {
        for (std::size_t i = 0; i < t.values.size(); ++i)
            if (!std::isfinite(t.values[i]))
                detail::throw_parse_error("weights", "tensor '", t.name, "' in '", file, "' has a non-finite value at flat index ", i);
        array<float> a = array<float>::from_shape(t.shape);
        std::copy(t.values.begin(), t.values.end(), a.data());
        store.insert(t.name, std::move(a));
    }
    return store;
}

/// Loads `<dir>/<name>-weights_manifest.json` and its shards into a weight store.
inline weight_store load_faceapi_weights(const std::string& name, const std::string& explicit_dir = "") {
    const std::string path = faceapi_manifest_path(name, explicit_dir);
    return weight_store_from_tfjs(io::read_tfjs_weights(path), path);
}

}  // namespace syncdsp::nn
