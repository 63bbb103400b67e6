// Example: faces and 68 landmarks of one video frame or image with face-api's networks on
// syncdsp's own engine, plus single-thread timings of each network.
//   example_face_landmarks [VIDEO|IMAGE] [frame_index] [repeats]
// Defaults: frame 0 of the bundled LRS3 face crop (data/.../facecrop_224.mp4), 20 repeats.
// The model files are not bundled: if they are not installed this prints how to get them and
// exits 0 (so ctest passes on machines without Node/npm).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <string>
#include <vector>

#include <syncdsp/io/ffmpeg.hpp>
#include <syncdsp/io/image.hpp>
#include <syncdsp/nn/models/faces.hpp>

namespace {

double thread_cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e3 + double(t.tv_nsec) * 1e-6;
}

struct timing {
    double wall_ms, cpu_ms;  // medians
};

/// Median wall-clock and thread-CPU time of f() (CPU time is the robust number on a busy machine).
template <class F>
timing median_ms(int repeats, F&& f) {
    std::vector<double> wall, cpu;
    for (int i = 0; i < repeats; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = thread_cpu_ms();
        f();
        cpu.push_back(thread_cpu_ms() - c0);
        wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(wall.begin(), wall.end());
    std::sort(cpu.begin(), cpu.end());
    return {wall[wall.size() / 2], cpu[cpu.size() / 2]};
}

bool is_image(const std::string& p) {
    for (const char* e : {".png", ".jpg", ".jpeg", ".bmp"}) {
        const std::string s(e);
        if (p.size() > s.size() && p.compare(p.size() - s.size(), s.size(), s) == 0) return true;
    }
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace syncdsp;
    const std::string input = argc > 1 ? argv[1] : SYNCDSP_EXAMPLE_DATA "/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4";
    const std::size_t index = argc > 2 ? std::size_t(std::atol(argv[2])) : 0;
    const int repeats = argc > 3 ? std::max(1, std::atoi(argv[3])) : 20;
    if (!nn::faceapi_models_available({"tiny_face_detector_model", "face_landmark_68_model", "face_landmark_68_tiny_model"})) {
        std::printf("The face models are not installed. Get them (npm pack of @vladmandic/face-api@1.7.15,\n"
                    "sha256-checked) with:\n    scripts/get_models.sh [DIR]\n"
                    "and set SYNCDSP_MODELS=DIR if DIR is not ~/.local/share/syncdsp/models. Skipping.\n");
        return 0;
    }
    try {
        tensor<std::uint8_t, 3> frame;
        if (is_image(input)) {
            frame = io::load_image(input, 3);
        } else {
            io::VideoDecodeOptions vo;
            vo.format = io::pixel_format::rgb;
            vo.max_frames = index + 1;
            const auto v = io::decode_video(input, vo);
            if (v.count() <= index) {
                std::fprintf(stderr, "%s has only %zu frames\n", input.c_str(), v.count());
                return 1;
            }
            frame = tensor<std::uint8_t, 3>::from_shape({v.height(), v.width(), 3});
            std::copy(v.frames.data() + index * frame.size(), v.frames.data() + (index + 1) * frame.size(), frame.data());
        }
        const nn::rgb8_view img{frame.data(), frame.shape()[1], frame.shape()[0], 3, frame.shape()[1] * 3};
        const nn::face_analyzer fa;  // default models dir, 416, 0.5
        const auto faces = fa.detect_faces(img);
        std::printf("%s (%zux%zu): %zu face(s) at input 416, threshold 0.5\n", input.c_str(), img.width, img.height,
                    faces.size());
        syncdsp::box box{0, 0, double(img.width), double(img.height)};
        if (faces.empty()) {
            std::printf("no face found: using the whole frame as the face box (a face-crop video)\n");
        } else {
            box = faces[std::size_t(nn::main_face(faces))].box;
            std::printf("main face: box (%.1f, %.1f, %.1f x %.1f), score %.3f\n", box.x, box.y, box.width, box.height,
                        faces[std::size_t(nn::main_face(faces))].score);
        }
        const auto lm = fa.landmarks(img, box);
        std::printf("mouth corners 48 (%.1f, %.1f) and 54 (%.1f, %.1f); inner lips 62 (%.1f, %.1f) / 66 (%.1f, %.1f)\n",
                    lm.points[48].x, lm.points[48].y, lm.points[54].x, lm.points[54].y, lm.points[62].x, lm.points[62].y,
                    lm.points[66].x, lm.points[66].y);

        const auto tiny = nn::face_landmark68::load(true);
        nn::TinyFaceDetectorOptions o224;
        o224.input_size = 224;
        volatile double sink = 0;
        const timing d416 = median_ms(repeats, [&] { sink = sink + double(fa.detector().detect(img, {}).size()); });
        const timing d224 = median_ms(repeats, [&] { sink = sink + double(fa.detector().detect(img, o224).size()); });
        const timing lfull = median_ms(repeats, [&] { sink = sink + fa.landmarks(img, box).points[0].x; });
        const timing ltiny = median_ms(repeats, [&] { sink = sink + tiny.detect(img, box).points[0].x; });
        std::printf("single thread, median of %d, wall / thread-CPU ms (incl. resize, decode, NMS, mapping):\n"
                    "  detector 416      %7.2f / %7.2f\n  detector 224      %7.2f / %7.2f\n"
                    "  landmarks 68      %7.2f / %7.2f\n  landmarks 68 tiny %7.2f / %7.2f\n",
                    repeats, d416.wall_ms, d416.cpu_ms, d224.wall_ms, d224.cpu_ms, lfull.wall_ms, lfull.cpu_ms,
                    ltiny.wall_ms, ltiny.cpu_ms);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
