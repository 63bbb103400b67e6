// python/bind_vision.cpp - flow (Farneback, OpenCV's numbers), mar (mouth aspect ratio) and
// landmarks (face-api's detector + 68-point net). Images are NumPy arrays (H, W) or (H, W, C).
#include <memory>
#include <mutex>

#include "common.hpp"

#include "syncdsp/nn/models/faces.hpp"
#include "syncdsp/vision/farneback.hpp"
#include "syncdsp/vision/image.hpp"
#include "syncdsp/vision/mouth.hpp"

namespace syncdsp::python {
namespace {

using namespace syncdsp::vision;

// A gray image for the flow: (H, W) or (H, W, 1) uint8/float32 are read in place; (H, W, 3|4)
// uint8 RGB(A) is converted with BT.601 as `syncdsp flow` and OpenCV's cvtColor do.
template <class T>
image<T> gray_copy(const py::array& a) {
    auto c = contiguous<T>(a);
    const std::size_t h = std::size_t(a.shape(0)), w = std::size_t(a.shape(1)), ch = a.ndim() == 3 ? std::size_t(a.shape(2)) : 1;
    image_view<const T> v(c.data(), w, h, ch);
    return to_gray(v, channel_order::rgb);
}

struct gray_in {
    py::array array;  // C-contiguous (H, W) uint8 or float32
    bool is_u8 = true;
    std::size_t width = 0, height = 0;
};

gray_in gray(const py::handle& obj, const char* name) {
    py::array a = as_array(obj, "flow", name);
    const auto dt = a.dtype();
    const bool u8 = dt.kind() == 'u' && dt.itemsize() == 1;
    const bool f32 = dt.kind() == 'f' && dt.itemsize() == 4;
    if (!u8 && !f32)
        bad_argument("flow", name, " must be uint8 or float32 (0..255 scale), got dtype ", dtype_name(a));
    if (a.ndim() != 2 && a.ndim() != 3)
        bad_argument("flow", name, " must be an image (H, W) or (H, W, C), got ", a.ndim(), "-d");
    const std::size_t ch = a.ndim() == 3 ? std::size_t(a.shape(2)) : 1;
    if (ch != 1 && ch != 3 && ch != 4) bad_argument("flow", name, " must have 1, 3 (RGB) or 4 (RGBA) channels, got ", ch);
    gray_in g;
    g.is_u8 = u8;
    g.height = std::size_t(a.shape(0));
    g.width = std::size_t(a.shape(1));
    if (g.width == 0 || g.height == 0) bad_argument("flow", name, " is empty (", g.width, "x", g.height, ")");
    if (ch == 1) {
        g.array = u8 ? py::array(contiguous<std::uint8_t>(a)) : py::array(contiguous<float>(a));
        return g;
    }
    if (u8) {
        auto im = gray_copy<std::uint8_t>(a);
        auto t = tensor<std::uint8_t, 2>::from_shape({g.height, g.width});
        std::copy(im.data(), im.data() + g.width * g.height, t.data());
        g.array = to_numpy(std::move(t));
    } else {
        auto im = gray_copy<float>(a);
        auto t = tensor<float, 2>::from_shape({g.height, g.width});
        std::copy(im.data(), im.data() + g.width * g.height, t.data());
        g.array = to_numpy(std::move(t));
    }
    return g;
}

template <class T>
tensor<float, 3> run_flow(const gray_in& a, const gray_in& b, const FarnebackOptions& o) {
    image_view<const T> va(static_cast<const T*>(a.array.data()), a.width, a.height, 1);
    image_view<const T> vb(static_cast<const T*>(b.array.data()), b.width, b.height, 1);
    const auto f = farneback_flow<T>(va, vb, o);
    auto t = tensor<float, 3>::from_shape({f.height(), f.width(), 2});
    std::copy(f.data(), f.data() + t.size(), t.data());
    return t;
}

// Loading the networks takes a while: one analyser per set of options, shared by every call.
std::shared_ptr<const nn::face_analyzer> analyzer(const nn::FaceOptions& o) {
    static std::mutex lock;
    static std::map<std::string, std::shared_ptr<const nn::face_analyzer>> cache;
    const std::string key = o.to_string();
    std::lock_guard<std::mutex> guard(lock);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    auto a = std::make_shared<const nn::face_analyzer>(o);
    cache[key] = a;
    return a;
}

}  // namespace

void bind_vision(py::module_& m) {
    m.def(
        "_flow",
        [](const py::object& a, const py::object& b, const std::string& preset, const py::kwargs& kwargs) {
            if (preset != "opencv" && preset != "opencv_poly7")
                bad_argument("python", "flow(): preset='", preset, "' is not one of 'opencv', 'opencv_poly7'");
            FarnebackOptions o = preset == "opencv" ? FarnebackOptions::opencv() : FarnebackOptions::opencv_poly7();
            options_reader kw(kwargs, "flow");
            kw.read("pyr_scale", o.pyr_scale);
            kw.read("levels", o.levels);
            kw.read("winsize", o.winsize);
            kw.read("iterations", o.iterations);
            kw.read("poly_n", o.poly_n);
            kw.read("poly_sigma", o.poly_sigma);
            kw.read("gaussian", o.gaussian);
            kw.read("threads", o.threads);
            kw.finish();
            o.validate();
            const auto ga = gray(a, "a"), gb = gray(b, "b");
            if (ga.width != gb.width || ga.height != gb.height)
                bad_argument("flow", "images differ in size: a is ", ga.width, "x", ga.height, ", b is ", gb.width, "x",
                             gb.height);
            if (ga.is_u8 != gb.is_u8) bad_argument("flow", "a and b must have the same dtype (uint8 or float32)");
            tensor<float, 3> out;
            {
                nogil_section nogil;
                out = ga.is_u8 ? run_flow<std::uint8_t>(ga, gb, o) : run_flow<float>(ga, gb, o);
            }
            return to_numpy(std::move(out));
        },
        py::arg("a"), py::arg("b"), py::arg("preset") = "opencv");

    m.def(
        "_mar",
        [](const py::object& obj, const std::string& kind) {
            if (kind != "inner" && kind != "outer") bad_argument("mar", "kind='", kind, "' is not 'inner' or 'outer'");
            const mar_kind k = kind == "inner" ? mar_kind::inner : mar_kind::outer;
            py::array a = as_array(obj, "mar", "landmarks");
            if (a.dtype().kind() != 'f')
                bad_argument("mar", "landmarks must be float32 or float64 pixel coordinates, got dtype ", dtype_name(a));
            if ((a.ndim() != 2 && a.ndim() != 3) || a.shape(a.ndim() - 1) != 2)
                bad_argument("mar", "landmarks must be (P, 2) for one face or (N, P, 2), P = 68 or 20; got ndim ",
                             a.ndim());
            auto c = contiguous<float>(py::array(a.attr("astype")("float32", py::arg("copy") = false)));
            const std::size_t rows = a.ndim() == 3 ? std::size_t(a.shape(0)) : 1, P = std::size_t(a.shape(a.ndim() - 2));
            auto t = tensor<float, 3>::from_shape({rows, P, 2});
            std::copy(c.data(), c.data() + t.size(), t.data());
            if (a.ndim() == 2) return py::object(py::float_(mouth_aspect_ratio(t.data(), P, k)));
            return py::object(to_numpy(mouth_aspect_ratio(t, k)));
        },
        py::arg("landmarks"), py::arg("kind") = "inner");

    m.def(
        "_landmarks",
        [](const py::object& obj, const py::kwargs& kwargs) {
            nn::FaceOptions o = nn::FaceOptions::faceapi();
            options_reader kw(kwargs, "landmarks");
            kw.read("detector_size", o.detector_size);
            kw.read("min_score", o.min_score);
            kw.read("tiny_landmarks", o.tiny_landmarks);
            kw.read("models_dir", o.models_dir);
            kw.finish();
            o.validate();
            py::array a = as_array(obj, "landmarks", "image");
            if (!(a.dtype().kind() == 'u' && a.dtype().itemsize() == 1))
                bad_argument("landmarks", "image must be uint8 RGB (H, W, 3) or RGBA (H, W, 4), got dtype ", dtype_name(a));
            if (a.ndim() != 3 || (a.shape(2) != 3 && a.shape(2) != 4))
                bad_argument("landmarks", "image must be (H, W, 3) RGB or (H, W, 4) RGBA, got ndim ", a.ndim());
            auto c = contiguous<std::uint8_t>(a);
            const nn::rgb8_view v{c.data(), std::size_t(a.shape(1)), std::size_t(a.shape(0)), std::size_t(a.shape(2)),
                                  std::size_t(a.shape(1) * a.shape(2))};
            std::vector<nn::face> faces;
            {
                nogil_section nogil;
                faces = analyzer(o)->detect_faces(v);
            }
            py::list out;
            for (const auto& f : faces) {
                auto pts = tensor<double, 2>::from_shape({68, 2});
                for (std::size_t i = 0; i < 68; ++i) {
                    pts(i, 0) = f.landmarks.points[i].x;
                    pts(i, 1) = f.landmarks.points[i].y;
                }
                py::dict d;
                d["box"] = py::make_tuple(f.box.x, f.box.y, f.box.width, f.box.height);
                d["score"] = f.score;
                d["landmarks"] = to_numpy(std::move(pts));
                out.append(d);
            }
            return out;
        },
        py::arg("image"));
}

}  // namespace syncdsp::python
