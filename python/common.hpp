// python/common.hpp - what every part of the binding shares: NumPy arrays in (checked, zero-copy
// when they are already C-contiguous in a supported dtype) and out (the C++ result moved into the
// array, no copy), keyword options read by name, and string enums.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"

namespace syncdsp::python {

namespace py = pybind11;

/// Errors the binding itself raises (bad dtype, shape, option value) share the library's
/// funnel, so Python sees them as syncdsp.InvalidArgument with an id like the C++ ones.
template <class... Args>
[[noreturn]] void bad_argument(const char* where, const Args&... args) {
    detail::throw_invalid_argument(where, args...);
}

inline std::string dtype_name(const py::array& a) { return py::str(a.dtype()).cast<std::string>(); }

/// 'f' with 4 bytes -> 4, 'f' with 8 bytes -> 8, anything else -> 0.
inline int float_bytes(const py::array& a) {
    const auto dt = a.dtype();
    if (dt.kind() != 'f') return 0;
    return dt.itemsize() == 4 || dt.itemsize() == 8 ? int(dt.itemsize()) : 0;
}

/// The object as a NumPy array (lists and tuples are converted by NumPy, as np.asarray does).
inline py::array as_array(const py::handle& obj, const char* where, const char* name) {
    if (py::isinstance<py::array>(obj)) return py::reinterpret_borrow<py::array>(obj);
    try {
        return py::array(py::module_::import("numpy").attr("asarray")(obj));
    } catch (const py::error_already_set&) {
        bad_argument(where, name, " is not an array (got ", std::string(py::str(py::type::of(obj))), ")");
    }
}

/// A C-contiguous, native-byte-order view of `a` as T: the same buffer when it already is one
/// (zero copy), else one copy (strided slices, big-endian data).
template <class T>
py::array_t<T, py::array::c_style> contiguous(const py::array& a) {
    auto c = py::array_t<T, py::array::c_style>::ensure(a);
    if (!c) throw py::error_already_set();
    return c;
}

/// A 1-d float32/float64 signal.
struct signal_in {
    py::array array;  // keeps the buffer alive while C++ reads it
    int bytes = 0;    // 4 or 8
    std::size_t size = 0;
    template <class T>
    const T* data() const { return static_cast<const T*>(array.data()); }
};

inline signal_in signal(const py::handle& obj, const char* where, const char* name = "x") {
    py::array a = as_array(obj, where, name);
    const int bytes = float_bytes(a);
    if (!bytes)
        bad_argument(where, name, " must be float32 or float64 samples in [-1, 1), got dtype ", dtype_name(a),
                     " (int16 PCM: x.astype(np.float32) / 32768)");
    if (a.ndim() != 1)
        bad_argument(where, name, " must be 1-d (one channel of samples), got ", a.ndim(),
                     "-d; average the channels first (x.mean(axis=1))");
    signal_in s;
    s.bytes = bytes;
    s.array = bytes == 4 ? py::array(contiguous<float>(a)) : py::array(contiguous<double>(a));
    s.size = std::size_t(a.shape(0));
    return s;
}

/// Counts the threads inside GIL-free sections now, and the most at once since the last reset:
/// the test that threads compute in parallel reads it (syncdsp._syncdsp._nogil_stats()).
struct nogil_counters {
    std::atomic<int> active{0}, most{0};
};
inline nogil_counters& nogil_stats() {
    static nogil_counters c;
    return c;
}

/// Releases the GIL for a long computation (every binding that computes uses this, so Python
/// threads run meanwhile and several calls run in parallel).
class nogil_section {
public:
    nogil_section() {
        auto& c = nogil_stats();
        const int now = ++c.active;
        int most = c.most.load();
        while (now > most && !c.most.compare_exchange_weak(most, now)) {
        }
    }
    ~nogil_section() { --nogil_stats().active; }
    nogil_section(const nogil_section&) = delete;
    nogil_section& operator=(const nogil_section&) = delete;

private:
    py::gil_scoped_release release_;  // released first, re-acquired last
};

/// Moves a tensor into a NumPy array that owns it (no copy of the values).
template <class T, std::size_t N>
py::array_t<T> to_numpy(tensor<T, N>&& t) {
    auto* owned = new tensor<T, N>(std::move(t));
    py::capsule owner(owned, [](void* p) { delete static_cast<tensor<T, N>*>(p); });
    std::vector<py::ssize_t> shape(owned->shape().begin(), owned->shape().end());
    return py::array_t<T>(shape, owned->data(), owner);
}

template <class T>
py::array_t<T> to_numpy(std::vector<T>&& v) {
    auto* owned = new std::vector<T>(std::move(v));
    py::capsule owner(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    return py::array_t<T>({py::ssize_t(owned->size())}, owned->data(), owner);
}

/// Keyword options taken one by one by name; whatever is left unread is a TypeError naming it
/// and the accepted names, as Python does for an unexpected keyword.
class options_reader {
public:
    options_reader(const py::kwargs& kw, std::string function) : function_(std::move(function)) {
        for (const auto& item : kw) values_[item.first.cast<std::string>()] = py::reinterpret_borrow<py::object>(item.second);
    }

    template <class V>
    void read(const char* name, V& target) {
        accepted_.insert(name);
        auto it = values_.find(name);
        if (it == values_.end()) return;
        try {
            target = it->second.cast<V>();
        } catch (const py::cast_error&) {
            bad_argument("python", function_, "(): ", name, " has the wrong type (", std::string(py::str(py::type::of(it->second))),
                         ")");
        }
        values_.erase(it);
    }

    /// A string option mapped to an enum through `choices`.
    template <class E>
    void read_enum(const char* name, E& target, const std::map<std::string, E>& choices) {
        std::string text;
        const bool given = values_.count(name) != 0;
        read(name, text);
        if (!given) return;
        const auto it = choices.find(text);
        if (it == choices.end()) {
            std::string names;
            for (const auto& c : choices) names += (names.empty() ? "" : ", ") + ("'" + c.first + "'");
            bad_argument("python", function_, "(): ", name, "='", text, "' is not one of ", names);
        }
        target = it->second;
    }

    bool has(const char* name) const { return values_.count(name) != 0; }

    /// Raises TypeError when a keyword was not read.
    void finish() const {
        if (values_.empty()) return;
        std::string accepted;
        for (const auto& a : accepted_) accepted += (accepted.empty() ? "" : ", ") + a;
        throw py::type_error(function_ + "() got an unexpected keyword argument '" + values_.begin()->first +
                             "' (accepted: " + accepted + ")");
    }

private:
    std::string function_;
    std::map<std::string, py::object> values_;
    std::set<std::string> accepted_;
};

void bind_audio(py::module_& m);
void bind_vision(py::module_& m);
void bind_sync(py::module_& m);

}  // namespace syncdsp::python
