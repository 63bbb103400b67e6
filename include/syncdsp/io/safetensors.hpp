// syncdsp/io/safetensors.hpp - read (and, for tests and exporters, write) the safetensors format.
//
// Layout: an unsigned 64-bit little-endian header length N, then N bytes of UTF-8 JSON, then the
// data section. The JSON is an object mapping tensor names to
//   {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]}
// (offsets relative to the data section, end exclusive) plus an optional "__metadata__" object of
// string -> string. Tensor data is little-endian, C order.
//
// The file is hostile input, so parse() checks everything before any tensor is read:
//   - the header length fits in the file (and is <= 100 MB), the header is a JSON object starting
//     with '{' (trailing spaces allowed), with no duplicate names;
//   - every entry has exactly dtype/shape/data_offsets, a known dtype, non-negative integer dims;
//   - end - begin == prod(shape) * dtype size (overflow-checked), end <= data size;
//   - begin is a multiple of the dtype size (aligned relative to the data section);
//   - the tensors do not overlap and cover the data section exactly, with no holes or trailing bytes.
// Any violation throws parse_error (or unsupported_error for an unknown dtype) naming the tensor.
// Values are converted to float32 on request: F32, F16, BF16 and F64 convert; integer and bool
// tensors are listed but to_float() refuses them with unsupported_error naming the tensor.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "syncdsp/core/checked.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/half.hpp"
#include "syncdsp/core/tensor.hpp"
#include "syncdsp/io/file.hpp"

namespace syncdsp::io {

/// One tensor's header entry.
struct safetensors_entry {
    std::string name;
    std::string dtype;               ///< as written: "F32", "F16", "BF16", "I64", ...
    std::size_t item_size = 0;       ///< bytes per element
    std::vector<std::size_t> shape;  ///< empty = scalar
    std::size_t begin = 0, end = 0;  ///< byte range within the data section
    std::size_t count() const {
        std::size_t n = 1;
        for (auto d : shape) n *= d;  // validated not to overflow when parsed
        return n;
    }
};

namespace safetensors_impl {

inline std::size_t dtype_size(const std::string& d) {
    static const std::map<std::string, std::size_t> sizes = {
        {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E4M3", 1}, {"F8_E5M2", 1}, {"I16", 2}, {"U16", 2},
        {"F16", 2},  {"BF16", 2}, {"I32", 4}, {"U32", 4},     {"F32", 4},     {"I64", 8}, {"U64", 8},
        {"F64", 8}};
    const auto it = sizes.find(d);
    return it == sizes.end() ? 0 : it->second;
}


[[noreturn]] inline void fail(const std::string& tensor, const std::string& why) {
    if (tensor.empty()) detail::throw_parse_error("safetensors", why);
    detail::throw_parse_error("safetensors", "tensor '", tensor, "': ", why);
}

inline std::size_t as_size(const nlohmann::json& v, const std::string& tensor, const char* field) {
    if (!v.is_number_unsigned())
        fail(tensor, std::string(field) + " must hold non-negative integers, got " + v.dump());
    const auto u = v.get<std::uint64_t>();
    if (u > std::uint64_t(std::numeric_limits<std::size_t>::max()))
        fail(tensor, std::string(field) + " value too large");
    return std::size_t(u);
}

}  // namespace safetensors_impl

/// Largest header accepted (the reference implementation's limit).
inline constexpr std::size_t max_safetensors_header = 100u * 1000u * 1000u;

/// A validated safetensors buffer: the header entries plus the bytes they point into.
class safetensors_file {
public:
    /// Validates a whole safetensors buffer (see the file comment for every check).
    static safetensors_file parse(std::vector<std::uint8_t> bytes) {
        using safetensors_impl::fail;
        safetensors_file f;
        f.bytes_ = std::move(bytes);
        const std::size_t size = f.bytes_.size();
        if (size < 8) fail("", "file of " + std::to_string(size) + " bytes is shorter than the 8-byte header length");
        std::uint64_t n = 0;
        for (int i = 7; i >= 0; --i) n = (n << 8) | f.bytes_[std::size_t(i)];
        if (n > size - 8)
            fail("", "header length " + std::to_string(n) + " (bytes 0-7) runs past the end of the " +
                         std::to_string(size) + "-byte file (truncated?)");
        if (n > max_safetensors_header) fail("", "header length " + std::to_string(n) + " is above 100 MB");
        if (n < 2 || f.bytes_[8] != '{') fail("", "header at byte 8 does not start with '{'");
        f.data_offset_ = 8 + std::size_t(n);
        const std::size_t data_size = size - f.data_offset_;

        // Duplicate names are invisible after parsing (last wins), so catch them while parsing.
        std::set<std::string> seen;
        std::string duplicate;
        nlohmann::json::parser_callback_t cb = [&](int depth, nlohmann::json::parse_event_t ev,
                                                   nlohmann::json& parsed) {
            if (depth == 1 && ev == nlohmann::json::parse_event_t::key && parsed.is_string()) {
                const auto k = parsed.get<std::string>();
                if (!seen.insert(k).second && duplicate.empty()) duplicate = k;
            }
            return true;
        };
        nlohmann::json header;
        try {
            header = nlohmann::json::parse(f.bytes_.begin() + 8, f.bytes_.begin() + std::ptrdiff_t(f.data_offset_),
                                           cb, true);
        } catch (const nlohmann::json::exception& e) {
            fail("", std::string("header JSON (bytes 8-") + std::to_string(f.data_offset_) + ") is malformed: " +
                         e.what());
        }
        if (!duplicate.empty()) fail(duplicate, "appears twice in the header");
        if (!header.is_object()) fail("", "header JSON is not an object");

        for (auto it = header.begin(); it != header.end(); ++it) {
            const std::string& name = it.key();
            const auto& v = it.value();
            if (name == "__metadata__") {
                if (!v.is_object()) fail("", "__metadata__ is not an object");
                for (auto m = v.begin(); m != v.end(); ++m) {
                    if (!m.value().is_string()) fail("", "__metadata__['" + m.key() + "'] is not a string");
                    f.metadata_[m.key()] = m.value().get<std::string>();
                }
                continue;
            }
            if (name.empty()) fail("", "a tensor has an empty name");
            if (!v.is_object()) fail(name, "entry is not an object");
            if (v.size() != 3 || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets"))
                fail(name, "entry must have exactly 'dtype', 'shape' and 'data_offsets', got " + v.dump());
            safetensors_entry e;
            e.name = name;
            if (!v["dtype"].is_string()) fail(name, "dtype is not a string");
            e.dtype = v["dtype"].get<std::string>();
            e.item_size = safetensors_impl::dtype_size(e.dtype);
            if (e.item_size == 0)
                detail::throw_unsupported("safetensors", "tensor '", name, "': unknown dtype '", e.dtype, "'");
            if (!v["shape"].is_array()) fail(name, "shape is not an array");
            if (v["shape"].size() > 64) fail(name, "rank above 64");
            std::size_t count = 1;
            for (const auto& d : v["shape"]) {
                e.shape.push_back(safetensors_impl::as_size(d, name, "shape"));
                if (e.shape.back() != 0 && count > std::numeric_limits<std::size_t>::max() / e.shape.back())
                    fail(name, "shape " + v["shape"].dump() + " overflows the element count");
                count *= e.shape.back();
            }
            const auto& off = v["data_offsets"];
            if (!off.is_array() || off.size() != 2) fail(name, "data_offsets must be [begin, end]");
            e.begin = safetensors_impl::as_size(off[0], name, "data_offsets");
            e.end = safetensors_impl::as_size(off[1], name, "data_offsets");
            if (e.end < e.begin) fail(name, "data_offsets end " + std::to_string(e.end) + " < begin " + std::to_string(e.begin));
            if (e.end > data_size)
                fail(name, "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                               ") run past the " + std::to_string(data_size) + "-byte data section (truncated?)");
            if (count > std::numeric_limits<std::size_t>::max() / e.item_size)
                fail(name, "shape " + v["shape"].dump() + " overflows the byte count");
            const std::size_t nbytes = count * e.item_size;
            if (e.end - e.begin != nbytes)
                fail(name, "shape and dtype " + e.dtype + " need " + std::to_string(nbytes) + " bytes but data_offsets span " +
                               std::to_string(e.end - e.begin));
            if (e.begin % e.item_size != 0)
                fail(name, "begin offset " + std::to_string(e.begin) + " is not aligned to its " +
                               std::to_string(e.item_size) + "-byte elements");
            f.entries_.push_back(std::move(e));
        }
        // Coverage: sorted by offset, each tensor starts where the previous ended and the last ends at
        // the end of the file.
        std::vector<const safetensors_entry*> order;
        for (const auto& e : f.entries_) order.push_back(&e);
        std::sort(order.begin(), order.end(), [](auto a, auto b) {
            return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
        });
        std::size_t pos = 0;
        const safetensors_entry* prev = nullptr;
        for (auto e : order) {
            if (e->begin < pos)
                fail(e->name, "data [" + std::to_string(e->begin) + ", " + std::to_string(e->end) + ") overlaps tensor '" +
                                  prev->name + "'");
            if (e->begin > pos)
                fail(e->name, "leaves a hole of " + std::to_string(e->begin - pos) + " unused bytes before it at data byte " +
                                  std::to_string(pos));
            pos = e->end;
            prev = e;
        }
        if (pos != data_size)
            fail("", "data section has " + std::to_string(data_size) + " bytes but the tensors cover " + std::to_string(pos) +
                         " (trailing bytes)");
        std::sort(f.entries_.begin(), f.entries_.end(),
                  [](const auto& a, const auto& b) { return a.name < b.name; });
        return f;
    }

    /// Reads and validates a file; errors name the path.
    static safetensors_file read(const std::string& path) {
        try {
            return parse(read_file(path));
        } catch (const parse_error& e) {
            std::string what = e.what();
            const auto close = what.find("] ");
            if (close != std::string::npos) what = what.substr(close + 2);
            throw parse_error("safetensors", what + " in '" + path + "'");
        }
    }

    /// Entries sorted by name.
    const std::vector<safetensors_entry>& entries() const { return entries_; }
    const std::map<std::string, std::string>& metadata() const { return metadata_; }

    const safetensors_entry* find(const std::string& name) const {
        auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                                   [](const auto& e, const std::string& n) { return e.name < n; });
        return it != entries_.end() && it->name == name ? &*it : nullptr;
    }

    /// Raw little-endian bytes of a tensor.
    const std::uint8_t* data(const safetensors_entry& e) const { return bytes_.data() + data_offset_ + e.begin; }

    /// The tensor converted to float32 (F32, F16, BF16, F64); throws for other dtypes or unknown names.
    array<float> to_float(const std::string& name) const {
        const auto* e = find(name);
        if (!e) detail::throw_invalid_argument("safetensors", "no tensor named '", name, "'");
        array<float> out = array<float>::from_shape(e->shape);
        const std::uint8_t* p = data(*e);
        const std::size_t n = e->count();
        float* o = out.data();
        if (e->dtype == "F32") {
            if (n) std::memcpy(o, p, n * 4);  // little-endian host
        } else if (e->dtype == "F16") {
            for (std::size_t i = 0; i < n; ++i) o[i] = syncdsp::half_to_float(detail::load_u16le(p + 2 * i));
        } else if (e->dtype == "BF16") {
            for (std::size_t i = 0; i < n; ++i) o[i] = syncdsp::bf16_to_float(detail::load_u16le(p + 2 * i));
        } else if (e->dtype == "F64") {
            for (std::size_t i = 0; i < n; ++i) {
                double d;
                std::memcpy(&d, p + 8 * i, 8);
                o[i] = float(d);
            }
        } else {
            detail::throw_unsupported("safetensors", "tensor '", name, "' has dtype ", e->dtype,
                                      "; only F32, F16, BF16 and F64 convert to float32");
        }
        return out;
    }

private:
    std::vector<std::uint8_t> bytes_;
    std::size_t data_offset_ = 0;
    std::vector<safetensors_entry> entries_;
    std::map<std::string, std::string> metadata_;
};

/// A tensor to write: name, shape and float32 values (C order).
struct safetensors_tensor {
    std::string name;
    std::vector<std::size_t> shape;
    std::vector<float> values;
};

/// Encodes F32 tensors (in the given order) as a safetensors buffer; header padded with spaces to 8 bytes.
inline std::vector<std::uint8_t> encode_safetensors(const std::vector<safetensors_tensor>& tensors,
                                                    const std::map<std::string, std::string>& metadata = {}) {
    nlohmann::ordered_json h = nlohmann::ordered_json::object();
    if (!metadata.empty()) h["__metadata__"] = metadata;
    std::size_t pos = 0;
    for (const auto& t : tensors) {
        std::size_t count = 1;
        for (auto d : t.shape) count = checked_mul(count, d, "write_safetensors");
        SYNCDSP_REQUIRE(count == t.values.size(), "write_safetensors", "tensor '", t.name, "' has ",
                        t.values.size(), " values but its shape holds ", count);
        SYNCDSP_REQUIRE(!h.contains(t.name), "write_safetensors", "tensor '", t.name, "' given twice");
        h[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {pos, pos + 4 * count}}};
        pos += 4 * count;
    }
    std::string js = h.dump();
    js.append((8 - js.size() % 8) % 8, ' ');
    std::vector<std::uint8_t> out(8 + js.size() + pos);
    std::uint64_t n = js.size();
    for (int i = 0; i < 8; ++i) out[std::size_t(i)] = std::uint8_t((n >> (8 * i)) & 0xff);
    std::memcpy(out.data() + 8, js.data(), js.size());
    std::size_t at = 8 + js.size();
    for (const auto& t : tensors) {
        if (!t.values.empty()) std::memcpy(out.data() + at, t.values.data(), 4 * t.values.size());
        at += 4 * t.values.size();
    }
    return out;
}

/// Writes F32 tensors to a safetensors file atomically.
inline void write_safetensors(const std::string& path, const std::vector<safetensors_tensor>& tensors,
                              const std::map<std::string, std::string>& metadata = {}) {
    write_file_atomic(path, encode_safetensors(tensors, metadata));
}

}  // namespace syncdsp::io
