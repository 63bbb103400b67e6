// Farneback optical flow: syncdsp vs OpenCV's calcOpticalFlowFarneback, side by side, on the same
// frames: the 224x224 face crop (frames 290/291), its 96x96 mouth region (x 64, y 120) and the
// 454x256 uncropped frame resized to 640x360 (bilinear). Parameters (0.5, 3, 15, 3, 5, 1.2) with
// the box window (flags 0) and the Gaussian window.
//
// Arguments of each benchmark: size id (0 = 96x96, 1 = 224x224, 2 = 640x360), gaussian (0/1),
// threads. The OpenCV side exists only when CMake found OpenCV (SYNCDSP_HAVE_OPENCV); its thread
// count is set with cv::setNumThreads. syncdsp_farneback_stream alternates the two frames so that
// each call can reuse the previous call's second-frame expansions, as when processing a video.
// syncdsp's labels name the SIMD target its kernels were dispatched to (simd=AVX3, AVX2, baseline).
// Report: benchmarks/README.md, section "Vision".
//
//   build-vision/benchmarks/bench_flow --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <cstdint>
#include <cstdio>
#include <string>

#include <benchmark/benchmark.h>

#include "syncdsp/io/image.hpp"
#include "syncdsp/vision/farneback.hpp"
#include "syncdsp/vision/resize.hpp"

#ifdef SYNCDSP_HAVE_OPENCV
#include <opencv2/core.hpp>
#include <opencv2/video/tracking.hpp>
#endif

using namespace syncdsp;
using namespace syncdsp::vision;

namespace {

struct pair_images {
    image<std::uint8_t> a, b;
};

image<std::uint8_t> load_gray(const std::string& name) {
    return from_tensor(io::load_image(std::string(SYNCDSP_BENCH_SOURCE_DIR) + "/tests/golden/vision/" + name, 1));
}

/// Synthetic stand-in if a frame is missing: smooth texture and a shifted copy.
pair_images synthetic(std::size_t w, std::size_t h) {
    pair_images p{image<std::uint8_t>(w, h), image<std::uint8_t>(w, h)};
    for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x) {
            auto f = [](double X, double Y) { return 128 + 60 * std::sin(X * 0.21) * std::cos(Y * 0.17) + 30 * std::sin(X * 0.05 + Y * 0.07); };
            p.a.at(x, y) = std::uint8_t(f(double(x), double(y)));
            p.b.at(x, y) = std::uint8_t(f(double(x) - 1.3, double(y) + 0.6));
        }
    return p;
}

const pair_images& inputs(int id) {
    static pair_images p[3];
    static bool ready = false;
    if (!ready) {
        ready = true;
        try {
            // The face crop frames are not committed; rebuild the 224 pair from the shared anchors.
            const std::string refs = std::string(SYNCDSP_BENCH_SOURCE_DIR) + "/../shared/anchors/vision/refs/";
            p[1].a = from_tensor(io::load_image(refs + "face224_f290.png", 1));
            p[1].b = from_tensor(io::load_image(refs + "face224_f291.png", 1));
        } catch (const syncdsp::error& e) {
            std::fprintf(stderr, "bench_flow: %s; using a synthetic 224x224 pair\n", e.what());
            p[1] = synthetic(224, 224);
        }
        p[0].a = to_image(crop(p[1].a, rect{64, 120, 96, 96}));
        p[0].b = to_image(crop(p[1].b, rect{64, 120, 96, 96}));
        try {
            const auto fa = load_gray("full454_f290.png"), fb = load_gray("full454_f291.png");
            p[2].a = resize(fa, 640, 360);
            p[2].b = resize(fb, 640, 360);
        } catch (const syncdsp::error& e) {
            std::fprintf(stderr, "bench_flow: %s; using a synthetic 640x360 pair\n", e.what());
            p[2] = synthetic(640, 360);
        }
    }
    return p[id];
}

void set_label(benchmark::State& st, const pair_images& p, bool gauss, int threads, const char* simd = nullptr) {
    st.SetLabel(std::to_string(p.a.width()) + "x" + std::to_string(p.a.height()) + (gauss ? " gauss" : " box") +
                " threads=" + std::to_string(threads) + (simd ? std::string(" simd=") + simd : std::string()));
    st.counters["Mpix/s"] = benchmark::Counter(double(p.a.width() * p.a.height()) * 1e-6,
                                               benchmark::Counter::kIsIterationInvariantRate);
}

void BM_syncdsp_farneback(benchmark::State& st) {
    const auto& p = inputs(int(st.range(0)));
    FarnebackOptions o;
    o.gaussian = st.range(1) != 0;
    o.threads = unsigned(st.range(2));
    farneback_engine eng(o);
    image<float> flow;
    for (auto _ : st) {
        eng.compute<std::uint8_t>(p.a.view(), p.b.view(), flow);
        benchmark::DoNotOptimize(flow.data());
    }
    set_label(st, p, o.gaussian, int(o.threads), eng.simd_target());
}

/// A video stream: pairs (a, b), (b, a), (a, b)... so each pair's first frame is the previous
/// pair's second frame and the engine reuses its expansions (syncdsp only; no OpenCV equivalent).
void BM_syncdsp_farneback_stream(benchmark::State& st) {
    const auto& p = inputs(int(st.range(0)));
    FarnebackOptions o;
    o.gaussian = st.range(1) != 0;
    o.threads = unsigned(st.range(2));
    farneback_engine eng(o);
    image<float> flow;
    bool flip = false;
    for (auto _ : st) {
        if (flip) eng.compute<std::uint8_t>(p.b.view(), p.a.view(), flow);
        else eng.compute<std::uint8_t>(p.a.view(), p.b.view(), flow);
        flip = !flip;
        benchmark::DoNotOptimize(flow.data());
    }
    set_label(st, p, o.gaussian, int(o.threads), eng.simd_target());
}

#ifdef SYNCDSP_HAVE_OPENCV
void BM_opencv_farneback(benchmark::State& st) {
    const auto& p = inputs(int(st.range(0)));
    const int threads = int(st.range(2));
    cv::setNumThreads(threads);
    const cv::Mat a(int(p.a.height()), int(p.a.width()), CV_8UC1, const_cast<std::uint8_t*>(p.a.data()));
    const cv::Mat b(int(p.b.height()), int(p.b.width()), CV_8UC1, const_cast<std::uint8_t*>(p.b.data()));
    cv::Mat flow;
    const int flags = st.range(1) ? cv::OPTFLOW_FARNEBACK_GAUSSIAN : 0;
    for (auto _ : st) {
        cv::calcOpticalFlowFarneback(a, b, flow, 0.5, 3, 15, 3, 5, 1.2, flags);
        benchmark::DoNotOptimize(flow.data);
    }
    set_label(st, p, flags != 0, threads);
}
#else
void BM_opencv_farneback(benchmark::State& st) {
    st.SkipWithError("OpenCV not found at configure time: the OpenCV side is skipped");
    for (auto _ : st) {
    }
}
#endif

}  // namespace

// Registered pairwise (syncdsp, then OpenCV, for each configuration) so that both sides of a ratio
// are measured close together in time on a shared machine.
int main(int argc, char** argv) {
    for (int threads : {1, 2})
        for (int size : {0, 1, 2})
            for (int g : {0, 1}) {
                benchmark::RegisterBenchmark("syncdsp_farneback", BM_syncdsp_farneback)
                    ->Args({size, g, threads})->Unit(benchmark::kMillisecond)->UseRealTime();
                benchmark::RegisterBenchmark("opencv_farneback", BM_opencv_farneback)
                    ->Args({size, g, threads})->Unit(benchmark::kMillisecond)->UseRealTime();
            }
    for (int size : {0, 1, 2})
        benchmark::RegisterBenchmark("syncdsp_farneback_stream", BM_syncdsp_farneback_stream)
            ->Args({size, 0, 1})->Unit(benchmark::kMillisecond)->UseRealTime();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
