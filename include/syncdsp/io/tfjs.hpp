// syncdsp/io/tfjs.hpp - TensorFlow.js weight manifests (`*-weights_manifest.json`) and their shards.
//
// A weights manifest is a JSON array of groups: {"paths": [shard files], "weights": [entries]}, each
// entry {"name", "shape": [d...], "dtype": "float32"|"int32"|"bool", "quantization"?: {"dtype":
// "uint8"|"uint16"|"float16", "scale", "min"}}. A group's binary is the concatenation of its
// shards, in path order; its tensors follow each other in entry order with no alignment padding.
// Bytes per element: the quantisation dtype's (uint8 1, uint16/float16 2) when quantised, else the
// dtype's (float32/int32 4, bool 1). Everything is little-endian.
//
// Dequantisation is exactly TF.js's (tfjs-core io_utils decodeWeight): for uint8/uint16,
// value = q * scale + min evaluated in double precision and stored as float32 (int32 tensors:
// Math.round of that); float16 is IEEE binary16 -> float32 (float32 tensors only).
//
// Files are hostile input. parse_manifest() checks the structure, names (unique), shapes
// (non-negative integers, element counts overflow-checked), dtypes and quantisation parameters
// (finite scale and min); decode_tfjs_group() requires every group's bytes to be exactly the sum
// of its tensors' sizes (a truncated or padded shard is an error naming the file and byte counts).
// Unsupported dtypes (string, complex64) or quantisations give unsupported_error naming the tensor.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "syncdsp/core/checked.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/half.hpp"
#include "syncdsp/io/file.hpp"

namespace syncdsp::io {

/// One tensor of a TF.js weights manifest.
struct tfjs_weight_entry {
    std::string name;
    std::vector<std::size_t> shape;  ///< empty = scalar
    std::string dtype;               ///< float32, int32 or bool
    std::string quantization;        ///< "" (none), uint8, uint16 or float16
    double scale = 1.0, min = 0.0;   ///< uint8/uint16 only
    std::size_t count = 1;           ///< number of elements
    std::size_t bytes = 0;           ///< stored size in the group's binary
    std::size_t offset = 0;          ///< byte offset in the group's concatenated binary
};

/// A group: its shard paths (relative to the manifest) and its entries in order.
struct tfjs_weight_group {
    std::vector<std::string> paths;
    std::vector<tfjs_weight_entry> weights;
    std::size_t total_bytes = 0;  ///< sum of the entries' sizes
};

/// A decoded tensor: float32 values (int32/bool converted) in C order.
struct tfjs_tensor {
    std::string name;
    std::vector<std::size_t> shape;
    std::vector<float> values;
};

namespace tfjs_impl {

inline std::size_t element_size(const std::string& dtype) {
    if (dtype == "float32" || dtype == "int32") return 4;
    if (dtype == "uint16" || dtype == "float16") return 2;
    if (dtype == "uint8" || dtype == "bool") return 1;
    return 0;
}


/// TF.js: values[i] = v * scale + min in double, stored to Float32Array. Written as two
/// statements on doubles; x86-64 baseline has no FMA, so no contraction changes the rounding.
inline float dequantize(std::uint32_t q, double scale, double min) {
    const double product = double(q) * scale;
    const double sum = product + min;
    return static_cast<float>(sum);
}

inline const nlohmann::json& member(const nlohmann::json& obj, const char* key, const std::string& what,
                                    const std::string& file) {
    const auto it = obj.find(key);
    if (it == obj.end()) detail::throw_parse_error("tfjs", "'", file, "': ", what, " has no \"", key, "\"");
    return *it;
}

}  // namespace tfjs_impl

/// Parses a weights manifest held in memory (`file` is used in messages). Offsets and sizes are
/// filled in; no shard is read.
inline std::vector<tfjs_weight_group> parse_tfjs_manifest(const std::string& text, const std::string& file = "<manifest>") {
    using nlohmann::json;
    json doc;
    try {
        doc = json::parse(text);
    } catch (const json::exception& e) {
        detail::throw_parse_error("tfjs", "'", file, "' is not valid JSON: ", e.what());
    }
    // A full model.json wraps the manifest in {"weightsManifest": [...]}; accept both.
    if (doc.is_object() && doc.contains("weightsManifest")) doc = doc["weightsManifest"];
    if (!doc.is_array()) detail::throw_parse_error("tfjs", "'", file, "': a weights manifest must be a JSON array of groups");
    std::vector<tfjs_weight_group> groups;
    std::set<std::string> names;
    for (std::size_t g = 0; g < doc.size(); ++g) {
        const json& jg = doc[g];
        const std::string gname = "group " + std::to_string(g);
        if (!jg.is_object()) detail::throw_parse_error("tfjs", "'", file, "': ", gname, " is not an object");
        tfjs_weight_group group;
        const json& paths = tfjs_impl::member(jg, "paths", gname, file);
        if (!paths.is_array() || paths.empty())
            detail::throw_parse_error("tfjs", "'", file, "': ", gname, " needs a non-empty \"paths\" array");
        for (const auto& p : paths) {
            if (!p.is_string()) detail::throw_parse_error("tfjs", "'", file, "': ", gname, " has a non-string path");
            const std::string s = p.get<std::string>();
            if (s.empty() || s.find("..") != std::string::npos || s[0] == '/' || s.find('\0') != std::string::npos)
                detail::throw_parse_error("tfjs", "'", file, "': ", gname, " has an unsafe shard path '", s,
                                          "' (must be a plain relative file name)");
            group.paths.push_back(s);
        }
        const json& weights = tfjs_impl::member(jg, "weights", gname, file);
        if (!weights.is_array()) detail::throw_parse_error("tfjs", "'", file, "': ", gname, " \"weights\" is not an array");
        std::size_t offset = 0;
        for (std::size_t i = 0; i < weights.size(); ++i) {
            const json& jw = weights[i];
            const std::string wname = gname + " weight " + std::to_string(i);
            if (!jw.is_object()) detail::throw_parse_error("tfjs", "'", file, "': ", wname, " is not an object");
            tfjs_weight_entry e;
            const json& name = tfjs_impl::member(jw, "name", wname, file);
            if (!name.is_string() || name.get<std::string>().empty())
                detail::throw_parse_error("tfjs", "'", file, "': ", wname, " has no usable name");
            e.name = name.get<std::string>();
            if (!names.insert(e.name).second)
                detail::throw_parse_error("tfjs", "'", file, "': tensor '", e.name, "' appears twice");
            const json& shape = tfjs_impl::member(jw, "shape", "tensor '" + e.name + "'", file);
            if (!shape.is_array() || shape.size() > 8)
                detail::throw_parse_error("tfjs", "'", file, "': tensor '", e.name, "' has a bad shape (need an array of at most 8 dims)");
            e.count = 1;
            for (const auto& d : shape) {
                if (!d.is_number_integer() || d.get<long long>() < 0 || d.get<long long>() > (1ll << 40))
                    detail::throw_parse_error("tfjs", "'", file, "': tensor '", e.name, "' has a bad dimension ", d.dump());
                e.shape.push_back(static_cast<std::size_t>(d.get<long long>()));
                e.count = checked_mul(e.count, e.shape.back(), "tfjs");
            }
            const json& dtype = tfjs_impl::member(jw, "dtype", "tensor '" + e.name + "'", file);
            if (!dtype.is_string()) detail::throw_parse_error("tfjs", "'", file, "': tensor '", e.name, "' dtype is not a string");
            e.dtype = dtype.get<std::string>();
            if (e.dtype != "float32" && e.dtype != "int32" && e.dtype != "bool")
                detail::throw_unsupported("tfjs", "'", file, "': tensor '", e.name, "' has dtype '", e.dtype,
                                          "' (supported: float32, int32, bool)");
            std::size_t item = tfjs_impl::element_size(e.dtype);
            if (jw.contains("quantization") && !jw["quantization"].is_null()) {
                const json& q = jw["quantization"];
                if (!q.is_object()) detail::throw_parse_error("tfjs", "'", file, "': tensor '", e.name, "' quantization is not an object");
                const json& qd = tfjs_impl::member(q, "dtype", "quantization of '" + e.name + "'", file);
                if (!qd.is_string()) detail::throw_parse_error("tfjs", "'", file, "': tensor '", e.name, "' quantization dtype is not a string");
                e.quantization = qd.get<std::string>();
                if (e.quantization == "uint8" || e.quantization == "uint16") {
                    if (e.dtype == "bool")
                        detail::throw_unsupported("tfjs", "'", file, "': tensor '", e.name, "' is a quantised bool tensor");
                    const json& sc = tfjs_impl::member(q, "scale", "quantization of '" + e.name + "'", file);
                    const json& mn = tfjs_impl::member(q, "min", "quantization of '" + e.name + "'", file);
                    if (!sc.is_number() || !mn.is_number() || !std::isfinite(sc.get<double>()) || !std::isfinite(mn.get<double>()))
                        detail::throw_parse_error("tfjs", "'", file, "': tensor '", e.name, "' has a non-numeric or non-finite quantization scale/min");
                    e.scale = sc.get<double>();
                    e.min = mn.get<double>();
                } else if (e.quantization == "float16") {
                    if (e.dtype != "float32")
                        detail::throw_unsupported("tfjs", "'", file, "': tensor '", e.name, "' is float16-quantised but has dtype ", e.dtype);
                } else {
                    detail::throw_unsupported("tfjs", "'", file, "': tensor '", e.name, "' has unknown quantization dtype '",
                                              e.quantization, "' (supported: uint8, uint16, float16)");
                }
                item = tfjs_impl::element_size(e.quantization);
            }
            e.bytes = checked_mul(e.count, item, "tfjs");
            e.offset = offset;
            offset = checked_add(offset, e.bytes, "tfjs");
            group.weights.push_back(std::move(e));
        }
        group.total_bytes = offset;
        groups.push_back(std::move(group));
    }
    return groups;
}

/// Decodes one group's tensors from its concatenated shard bytes, which must be exactly
/// group.total_bytes long. `file` is used in messages.
inline std::vector<tfjs_tensor> decode_tfjs_group(const tfjs_weight_group& group, const std::uint8_t* data,
                                                  std::size_t size, const std::string& file = "<weights>") {
    if (size != group.total_bytes)
        detail::throw_parse_error("tfjs", "'", file, "' has ", size, " bytes but its manifest declares ", group.total_bytes,
                                  " (", group.weights.size(), " tensors); ",
                                  size < group.total_bytes ? "truncated shard?" : "trailing bytes or wrong manifest?");
    std::vector<tfjs_tensor> out;
    out.reserve(group.weights.size());
    for (const auto& e : group.weights) {
        tfjs_tensor t;
        t.name = e.name;
        t.shape = e.shape;
        t.values.resize(e.count);
        const std::uint8_t* p = data + e.offset;
        if (e.quantization == "uint8" || e.quantization == "uint16") {
            const bool wide = e.quantization == "uint16";
            for (std::size_t i = 0; i < e.count; ++i) {
                const std::uint32_t q = wide ? detail::load_u16le(p + 2 * i) : p[i];
                float v = tfjs_impl::dequantize(q, e.scale, e.min);
                if (e.dtype == "int32") v = static_cast<float>(std::floor(double(q) * e.scale + e.min + 0.5));
                t.values[i] = v;
            }
        } else if (e.quantization == "float16") {
            for (std::size_t i = 0; i < e.count; ++i) t.values[i] = syncdsp::half_to_float(detail::load_u16le(p + 2 * i));
        } else if (e.dtype == "float32") {
            for (std::size_t i = 0; i < e.count; ++i) {
                const std::uint32_t bits = detail::load_u32le(p + 4 * i);
                std::memcpy(&t.values[i], &bits, 4);
            }
        } else if (e.dtype == "int32") {
            for (std::size_t i = 0; i < e.count; ++i)
                t.values[i] = static_cast<float>(static_cast<std::int32_t>(detail::load_u32le(p + 4 * i)));
        } else {  // bool
            for (std::size_t i = 0; i < e.count; ++i) t.values[i] = p[i] ? 1.f : 0.f;
        }
        out.push_back(std::move(t));
    }
    return out;
}

/// Reads a manifest file and all its shards (paths relative to the manifest's directory) and
/// returns every tensor in manifest order. Shard sizes are checked against the manifest.
inline std::vector<tfjs_tensor> read_tfjs_weights(const std::string& manifest_path) {
    const auto text = read_file(manifest_path);
    const auto groups = parse_tfjs_manifest(std::string(text.begin(), text.end()), manifest_path);
    const auto slash = manifest_path.find_last_of('/');
    const std::string dir = slash == std::string::npos ? std::string() : manifest_path.substr(0, slash + 1);
    std::vector<tfjs_tensor> all;
    for (const auto& g : groups) {
        std::vector<std::uint8_t> bytes;
        std::string names;
        for (const auto& p : g.paths) {
            const auto shard = read_file(dir + p);
            if (bytes.size() + shard.size() > g.total_bytes + 1)  // early stop on oversized shards
                detail::throw_parse_error("tfjs", "shard '", dir + p, "' makes the group larger than the ", g.total_bytes,
                                          " bytes declared in '", manifest_path, "'");
            bytes.insert(bytes.end(), shard.begin(), shard.end());
            names += (names.empty() ? "" : "+") + dir + p;
        }
        auto ts = decode_tfjs_group(g, bytes.data(), bytes.size(), names);
        for (auto& t : ts) all.push_back(std::move(t));
    }
    return all;
}

}  // namespace syncdsp::io
