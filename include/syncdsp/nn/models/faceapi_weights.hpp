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
//   4. the directories a program adds with faceapi_fallback_model_dirs() (the installed syncdsp
//      program adds <prefix>/share/syncdsp/models). A run-time list, not a macro, so every
//      translation unit sees the same definition.
// A missing file is an io_error ("[syncdsp.io_error.models]") that says how to get it; a file
// whose sha256 differs from the published package's is a parse_error ("[syncdsp.parse_error.models]").
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"
#include "syncdsp/io/file.hpp"
#include "syncdsp/io/tfjs.hpp"
#include "syncdsp/nn/weights.hpp"

namespace syncdsp::nn {

namespace faceapi_impl {

inline std::string join(const std::string& dir, const std::string& name) {
    if (dir.empty() || dir.back() == '/') return dir + name;
    return dir + "/" + name;
}

/// SHA-256 (FIPS 180-4) of a byte buffer, lower-case hex. Used to verify the model files.
inline std::string sha256_hex(const std::uint8_t* data, std::size_t size) {
    static const std::uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
        0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
        0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
        0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
        0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
        0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
        0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2};
    std::uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    auto rotr = [](std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
    std::vector<std::uint8_t> msg(data, data + size);
    msg.push_back(0x80);
    while (msg.size() % 64 != 56) msg.push_back(0);
    const std::uint64_t bits = std::uint64_t(size) * 8;
    for (int i = 7; i >= 0; --i) msg.push_back(std::uint8_t(bits >> (8 * i)));
    for (std::size_t off = 0; off < msg.size(); off += 64) {
        std::uint32_t w[64];
        for (int i = 0; i < 16; ++i)
            w[i] = std::uint32_t(msg[off + 4 * i]) << 24 | std::uint32_t(msg[off + 4 * i + 1]) << 16 |
                   std::uint32_t(msg[off + 4 * i + 2]) << 8 | std::uint32_t(msg[off + 4 * i + 3]);
        for (int i = 16; i < 64; ++i) {
            const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        for (int i = 0; i < 64; ++i) {
            const std::uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
            const std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            hh = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (std::uint32_t v : h)
        for (int i = 7; i >= 0; --i) out.push_back(hex[(v >> (4 * i)) & 0xf]);
    return out;
}

/// sha256 of the files of @vladmandic/face-api 1.7.15 (the same table as scripts/get_models.sh).
inline const char* known_sha256(const std::string& file) {
    static const char* table[][2] = {
        {"tiny_face_detector_model-weights_manifest.json", "5d1af4849ac48d5b985f4a9b16010c512353ddd6fcc63d50fd0bc9e9e64296e5"},
        {"tiny_face_detector_model.bin", "b7503ce7df31039b1c43316a9b865cab6a70dd748cc602d3fa28b551503c3871"},
        {"face_landmark_68_model-weights_manifest.json", "ca4886639f86e99b39fed0c155f81b63317225773bd9616716e887b0153389c9"},
        {"face_landmark_68_model.bin", "4611ef65c87d836d03d684b30eec4d195d8b219fa1dd58fc58945831c6b9299b"},
        {"face_landmark_68_tiny_model-weights_manifest.json", "9a1a5dd19fd814fd5095c3cb58f8e0d3193b8c5b9a6715b30a69d559aea31ad4"},
        {"face_landmark_68_tiny_model.bin", "b98e9f2f7da76f8a6dda9741a36ed485b224b889d552de2b2c1bb16217f67bfc"}};
    for (const auto& row : table)
        if (file == row[0]) return row[1];
    return nullptr;
}

/// Throws parse_error when `path` (one of the known face-api files) does not have its sha256.
inline void verify_known_file(const std::string& dir, const std::string& file) {
    const char* want = known_sha256(file);
    if (!want) return;
    const auto bytes = io::read_file(join(dir, file));
    const std::string got = sha256_hex(bytes.data(), bytes.size());
    if (got != want)
        detail::throw_parse_error("models", "'", join(dir, file), "' is corrupted or not the face-api 1.7.15 file: sha256 ",
                                  got, ", expected ", want, ". Reinstall with scripts/get_models.sh");
}

inline bool file_exists(const std::string& p) { return std::ifstream(p).good(); }
}  // namespace faceapi_impl

/// Directories searched after the standard places, for a program that knows where it installed
/// the models. Fill it at start-up, before the first lookup (it is not synchronised).
inline std::vector<std::string>& faceapi_fallback_model_dirs() {
    static std::vector<std::string> dirs;
    return dirs;
}

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
    for (const auto& d : faceapi_fallback_model_dirs()) dirs.push_back(d);
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

/// Loads `<dir>/<name>-weights_manifest.json` and its shards into a weight store. The manifest
/// and shards of the three face-api models are checked against their known sha256 first
/// (`verify` = false skips that, e.g. for re-quantised or retrained files); any other problem
/// (truncated shard, sizes that do not add up, shapes the network does not expect) is caught by
/// the manifest reader and the model's weight check.
inline weight_store load_faceapi_weights(const std::string& name, const std::string& explicit_dir = "", bool verify = true) {
    const std::string path = faceapi_manifest_path(name, explicit_dir);
    if (verify) {
        const std::string dir = path.substr(0, path.size() - (name + "-weights_manifest.json").size());
        faceapi_impl::verify_known_file(dir, name + "-weights_manifest.json");
        faceapi_impl::verify_known_file(dir, name + ".bin");
    }
    return weight_store_from_tfjs(io::read_tfjs_weights(path), path);
}

}  // namespace syncdsp::nn
