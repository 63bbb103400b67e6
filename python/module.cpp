// python/module.cpp - the extension module syncdsp._syncdsp: the exception classes and the
// translation of syncdsp::error into them, then the bindings of each area (bind_*.cpp).
//
// Every syncdsp::error becomes a syncdsp.Error subclass chosen by its category, with the
// library's id on `.id` (e.g. "invalid_argument.mfcc") and the full message as str(e):
//   Error                     base of all              (Exception)
//   InvalidArgument           invalid_argument.*       (also a ValueError)
//   ParseError                parse_error.*            (also a ValueError)
//   IoError                   io_error.*               (also an OSError)
//   Unsupported               unsupported.*            (also a NotImplementedError)
#include "common.hpp"

namespace syncdsp::python {
namespace {

struct exception_classes {
    py::object base, invalid, parse, io, unsupported;
};

exception_classes& classes() {
    static auto* c = new exception_classes;  // never destroyed: no Python calls after the interpreter ends
    return *c;
}

py::object new_exception(py::module_& m, const char* name, py::object bases, const char* doc) {
    const std::string qualified = std::string("syncdsp.") + name;
    PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
    if (!cls) throw py::error_already_set();
    auto obj = py::reinterpret_steal<py::object>(cls);
    m.attr(name) = obj;
    return obj;
}

void raise(const syncdsp::error& e) {
    const std::string& id = e.id();
    auto starts = [&](const char* prefix) { return id.rfind(prefix, 0) == 0; };
    auto& c = classes();
    const py::object& cls = starts("invalid_argument.") ? c.invalid
                            : starts("parse_error.")    ? c.parse
                            : starts("io_error.")       ? c.io
                            : starts("unsupported.")    ? c.unsupported
                                                        : c.base;
    py::object instance = cls(py::str(e.what()));
    instance.attr("id") = py::str(id);
    PyErr_SetObject(cls.ptr(), instance.ptr());
}

}  // namespace
}  // namespace syncdsp::python

PYBIND11_MODULE(_syncdsp, m) {
    using namespace syncdsp::python;
    m.doc() = "syncdsp's C++ core (use the syncdsp package, which wraps it)";
    auto builtins = py::module_::import("builtins");
    auto& c = classes();
    c.base = new_exception(m, "Error", py::reinterpret_borrow<py::object>(PyExc_Exception),
                           "Base of every error syncdsp raises; .id is the library's error id.");
    c.invalid = new_exception(m, "InvalidArgument", py::make_tuple(c.base, builtins.attr("ValueError")),
                              "A value the function cannot work with (id invalid_argument.*).");
    c.parse = new_exception(m, "ParseError", py::make_tuple(c.base, builtins.attr("ValueError")),
                            "Malformed input data: a truncated or lying file or buffer (id parse_error.*).");
    c.io = new_exception(m, "IoError", py::make_tuple(c.base, builtins.attr("OSError")),
                         "A file could not be read or written, or ffmpeg failed (id io_error.*).");
    c.unsupported = new_exception(m, "Unsupported", py::make_tuple(c.base, builtins.attr("NotImplementedError")),
                                  "Valid input using a feature syncdsp does not implement (id unsupported.*).");
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const syncdsp::error& e) {
            raise(e);
        }
    });
    m.def("_nogil_stats", [] {
        auto& c = nogil_stats();
        return py::make_tuple(c.active.load(), c.most.load());
    });
    m.def("_reset_nogil_stats", [] { nogil_stats().most = nogil_stats().active.load(); });
    bind_audio(m);
    bind_vision(m);
    bind_sync(m);
}
