// syncdsp/io/npy.hpp - NumPy .npy read and write, for exchanging features with Python.
//
// Reads format versions 1.0-3.0, C order, little- or big-endian numeric dtypes (f4, f8, bool,
// signed/unsigned 8-64 bit integers), converting to the element type asked for. Writes float32,
// float64, uint8 and int16/int32 in version 1.0. Headers are hostile input: the dictionary is
// parsed strictly and the data size must equal the product of the shape exactly.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "syncdsp/core/checked.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"
#include "syncdsp/io/file.hpp"

namespace syncdsp::io {

/// What an .npy header says.
struct npy_header {
    char kind = 'f';            ///< 'f' float, 'i' signed, 'u' unsigned, 'b' bool
    unsigned item_size = 4;     ///< bytes per element
    bool big_endian = false;
    std::vector<std::size_t> shape;
    std::size_t data_offset = 0;  ///< byte offset of the first element
    std::size_t count() const {
        std::size_t n = 1;
        for (auto d : shape) n = checked_mul(n, d, "npy");
        return n;
    }
};

inline constexpr std::size_t max_npy_rank = 32;

namespace npy_impl {

inline void skip_spaces(const std::string& s, std::size_t& i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
}

[[noreturn]] inline void fail(const std::string& why, std::size_t byte) {
    detail::throw_parse_error("npy", why, " (header byte ", byte, ")");
}

inline std::string parse_quoted(const std::string& s, std::size_t& i, std::size_t base) {
    if (i >= s.size() || (s[i] != '\'' && s[i] != '"')) fail("expected a quoted string", base + i);
    const char q = s[i++];
    const std::size_t start = i;
    while (i < s.size() && s[i] != q) ++i;
    if (i >= s.size()) fail("unterminated string", base + start);
    return s.substr(start, i++ - start);
}

}  // namespace npy_impl

/// Parses the magic, version and header dictionary of an .npy buffer.
inline npy_header parse_npy_header(const std::uint8_t* data, std::size_t size) {
    using npy_impl::fail;
    if (size < 10 || std::memcmp(data, "\x93NUMPY", 6) != 0)
        detail::throw_parse_error("npy", "missing the \\x93NUMPY magic at byte 0 (not an .npy file?)");
    const unsigned major = data[6];
    std::size_t header_len = 0, header_start = 0;
    if (major == 1) {
        header_len = detail::load_u16le(data + 8);
        header_start = 10;
    } else if (major == 2 || major == 3) {
        if (size < 12) detail::throw_parse_error("npy", "file of ", size, " bytes ends inside the v2 preamble");
        header_len = detail::load_u32le(data + 8);
        header_start = 12;
    } else {
        detail::throw_unsupported("npy", "format version ", major, ".", unsigned(data[7]), " at byte 6");
    }
    if (header_len > size - header_start)
        detail::throw_parse_error("npy", "header length ", header_len, " at byte 8 runs past the end of the ",
                                  size, "-byte file");
    const std::string h(reinterpret_cast<const char*>(data + header_start), header_len);
    npy_header out;
    out.data_offset = header_start + header_len;
    bool have_descr = false, have_order = false, have_shape = false;
    std::size_t i = 0;
    npy_impl::skip_spaces(h, i);
    if (i >= h.size() || h[i] != '{') fail("header is not a dictionary", header_start + i);
    ++i;
    while (true) {
        npy_impl::skip_spaces(h, i);
        if (i < h.size() && h[i] == '}') break;
        const std::string key = npy_impl::parse_quoted(h, i, header_start);
        npy_impl::skip_spaces(h, i);
        if (i >= h.size() || h[i] != ':') fail("expected ':' after key '" + key + "'", header_start + i);
        ++i;
        npy_impl::skip_spaces(h, i);
        if (key == "descr") {
            const std::string d = npy_impl::parse_quoted(h, i, header_start);
            if (d.size() < 3) fail("dtype '" + d + "' is not a simple numeric dtype", header_start + i);
            const char order = d[0];
            out.kind = d[1];
            const std::string digits = d.substr(2);
            if (digits.size() > 1 || digits[0] < '1' || digits[0] > '8')
                detail::throw_unsupported("npy", "dtype '", d, "'");
            out.item_size = unsigned(digits[0] - '0');
            out.big_endian = order == '>';
            const bool ok_order = order == '<' || order == '>' || order == '|' || order == '=';
            const bool ok_kind = (out.kind == 'f' && (out.item_size == 4 || out.item_size == 8)) ||
                                 ((out.kind == 'i' || out.kind == 'u') &&
                                  (out.item_size == 1 || out.item_size == 2 || out.item_size == 4 ||
                                   out.item_size == 8)) ||
                                 (out.kind == 'b' && out.item_size == 1);
            if (!ok_order || !ok_kind) detail::throw_unsupported("npy", "dtype '", d, "'");
            have_descr = true;
        } else if (key == "fortran_order") {
            if (h.compare(i, 5, "False") == 0) {
                i += 5;
            } else if (h.compare(i, 4, "True") == 0) {
                detail::throw_unsupported("npy", "fortran_order=True (save with np.ascontiguousarray)");
            } else {
                fail("fortran_order must be True or False", header_start + i);
            }
            have_order = true;
        } else if (key == "shape") {
            if (i >= h.size() || h[i] != '(') fail("shape must be a tuple", header_start + i);
            ++i;
            while (true) {
                npy_impl::skip_spaces(h, i);
                if (i < h.size() && h[i] == ')') { ++i; break; }
                if (i >= h.size() || h[i] < '0' || h[i] > '9') fail("shape entry is not a number", header_start + i);
                std::size_t v = 0;
                while (i < h.size() && h[i] >= '0' && h[i] <= '9') {
                    v = checked_add(checked_mul(v, 10, "npy"), std::size_t(h[i] - '0'), "npy");
                    ++i;
                }
                out.shape.push_back(v);
                if (out.shape.size() > max_npy_rank) fail("rank above 32", header_start + i);
                npy_impl::skip_spaces(h, i);
                if (i < h.size() && h[i] == ',') ++i;
                else if (i < h.size() && h[i] == ')') { ++i; break; }
                else fail("malformed shape tuple", header_start + i);
            }
            have_shape = true;
        } else {
            fail("unknown header key '" + key + "'", header_start + i);
        }
        npy_impl::skip_spaces(h, i);
        if (i < h.size() && h[i] == ',') { ++i; continue; }
        if (i < h.size() && h[i] == '}') break;
        fail("expected ',' or '}' in the header dictionary", header_start + i);
    }
    if (!have_descr || !have_order || !have_shape)
        detail::throw_parse_error("npy", "header lacks one of 'descr', 'fortran_order', 'shape'");
    const std::size_t need = checked_mul(out.count(), out.item_size, "npy");
    const std::size_t have = size - out.data_offset;
    if (need != have)
        detail::throw_parse_error("npy", "shape and dtype need ", need, " data bytes after byte ", out.data_offset,
                                  " but the file has ", have, need > have ? " (truncated)" : " (trailing bytes)");
    return out;
}

namespace npy_impl {

template <class T>
T load_element(const std::uint8_t* p, const npy_header& h) {
    std::uint8_t b[8];
    std::memcpy(b, p, h.item_size);
    if (h.big_endian) std::reverse(b, b + h.item_size);
    switch (h.kind) {
        case 'f':
            if (h.item_size == 4) { float v; std::memcpy(&v, b, 4); return static_cast<T>(v); }
            else { double v; std::memcpy(&v, b, 8); return static_cast<T>(v); }
        case 'b': return static_cast<T>(b[0] != 0);
        case 'u':
            switch (h.item_size) {
                case 1: return static_cast<T>(b[0]);
                case 2: { std::uint16_t v; std::memcpy(&v, b, 2); return static_cast<T>(v); }
                case 4: { std::uint32_t v; std::memcpy(&v, b, 4); return static_cast<T>(v); }
                default: { std::uint64_t v; std::memcpy(&v, b, 8); return static_cast<T>(v); }
            }
        default:
            switch (h.item_size) {
                case 1: return static_cast<T>(static_cast<std::int8_t>(b[0]));
                case 2: { std::int16_t v; std::memcpy(&v, b, 2); return static_cast<T>(v); }
                case 4: { std::int32_t v; std::memcpy(&v, b, 4); return static_cast<T>(v); }
                default: { std::int64_t v; std::memcpy(&v, b, 8); return static_cast<T>(v); }
            }
    }
}

template <class T> struct npy_dtype;
template <> struct npy_dtype<float> { static constexpr const char* name = "<f4"; };
template <> struct npy_dtype<double> { static constexpr const char* name = "<f8"; };
template <> struct npy_dtype<std::uint8_t> { static constexpr const char* name = "|u1"; };
template <> struct npy_dtype<std::int16_t> { static constexpr const char* name = "<i2"; };
template <> struct npy_dtype<std::int32_t> { static constexpr const char* name = "<i4"; };
template <> struct npy_dtype<std::int64_t> { static constexpr const char* name = "<i8"; };

}  // namespace npy_impl

/// Decodes an .npy buffer into an array of T (converting the stored dtype).
template <class T>
array<T> decode_npy(const std::uint8_t* data, std::size_t size) {
    const npy_header h = parse_npy_header(data, size);
    array<T> out = array<T>::from_shape(h.shape);
    const std::uint8_t* p = data + h.data_offset;
    T* o = out.data();
    const std::size_t n = h.count();
    for (std::size_t i = 0; i < n; ++i, p += h.item_size) o[i] = npy_impl::load_element<T>(p, h);
    return out;
}

/// Reads an .npy file into an array of T. Errors name the path.
template <class T>
array<T> read_npy(const std::string& path) {
    const std::vector<std::uint8_t> bytes = read_file(path);
    try {
        return decode_npy<T>(bytes.data(), bytes.size());
    } catch (const parse_error& e) {
        throw parse_error("npy", std::string(e.what()) + " in '" + path + "'");
    }
}

/// The .npy (version 1.0) header for row-major data of type T and the given shape: the bytes
/// that precede the data, padded so that the data starts on a 64-byte boundary.
template <class T>
std::vector<std::uint8_t> npy_header_bytes(const std::vector<std::size_t>& shape) {
    static_assert(std::is_arithmetic<T>::value, "encode_npy needs a numeric element type");
    std::string dict = std::string("{'descr': '") + npy_impl::npy_dtype<T>::name +
                       "', 'fortran_order': False, 'shape': (";
    std::size_t count = 1;
    for (std::size_t k = 0; k < shape.size(); ++k) {
        dict += std::to_string(shape[k]);
        if (shape.size() == 1 || k + 1 < shape.size()) dict += ",";
        if (k + 1 < shape.size()) dict += " ";
        count = checked_mul(count, shape[k], "write_npy");
    }
    dict += "), }";
    // Pad with spaces so the data starts on a 64-byte boundary, ending the header with '\n'.
    const std::size_t unpadded = 10 + dict.size() + 1;
    dict.append((64 - unpadded % 64) % 64, ' ');
    dict += '\n';
    SYNCDSP_REQUIRE(dict.size() <= 0xFFFF, "write_npy", "header of ", dict.size(), " bytes is too long");
    checked_mul(count, sizeof(T), "write_npy");  // the data's size must be representable
    std::vector<std::uint8_t> out(10 + dict.size());
    const std::uint8_t preamble[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                                       static_cast<std::uint8_t>(dict.size() & 0xff),
                                       static_cast<std::uint8_t>(dict.size() >> 8)};
    std::memcpy(out.data(), preamble, 10);
    std::memcpy(out.data() + 10, dict.data(), dict.size());
    return out;
}

namespace npy_impl {
inline std::size_t count_of(const std::vector<std::size_t>& shape) {
    std::size_t n = 1;
    for (auto d : shape) n = checked_mul(n, d, "write_npy");
    return n;
}
}  // namespace npy_impl

/// Encodes contiguous row-major data of the given shape as an .npy (version 1.0) buffer.
template <class T>
std::vector<std::uint8_t> encode_npy(const T* data, const std::vector<std::size_t>& shape) {
    std::vector<std::uint8_t> out = npy_header_bytes<T>(shape);
    const std::size_t head = out.size(), bytes = npy_impl::count_of(shape) * sizeof(T);
    out.resize(head + bytes);
    if (bytes) std::memcpy(out.data() + head, data, bytes);  // little-endian hosts only
    return out;
}

/// Writes raw row-major data of the given shape atomically: the header, then the data straight
/// from `data` (no copy into one buffer first; little-endian hosts only).
template <class T>
void write_npy(const std::string& path, const T* data, const std::vector<std::size_t>& shape) {
    const std::vector<std::uint8_t> head = npy_header_bytes<T>(shape);
    write_file_atomic(path, {byte_span{head.data(), head.size()}, byte_span{data, npy_impl::count_of(shape) * sizeof(T)}});
}

/// Writes any contiguous xtensor container (or anything with data() and shape()) atomically.
template <class Container>
void write_npy(const std::string& path, const Container& c) {
    std::vector<std::size_t> shape(c.shape().begin(), c.shape().end());
    write_npy(path, c.data(), shape);
}

}  // namespace syncdsp::io
