// nn benchmarks: full-width SyncNet v2 on a 10 s clip (250 frames at 25 fps -> 245 windows, batch 20),
// lip and audio streams separately, 1 and 2 threads, plus the heaviest single conv layer.
// benchmarks/run_nn.py runs this and PyTorch (torch.set_num_threads) on the same work and prints the
// ratio. Weights: $SYNCDSP_NN_FULL_DIR/syncnet_div1.safetensors (gen_nn_syncnet.py --full) if present,
// else random weights of the same shapes (speed does not depend on the values).
// Counters: windows/s and GFLOP/s (2 x multiply-accumulates of the conv/linear layers per second).
#include <cstdlib>
#include <fstream>
#include <random>

#include <benchmark/benchmark.h>
#include <xtensor/xview.hpp>

#include "syncdsp/io/safetensors.hpp"
#include "syncdsp/nn.hpp"

using namespace syncdsp;

namespace {

const nn::syncnet& model() {
    static const nn::syncnet net = [] {
        const char* env = std::getenv("SYNCDSP_NN_FULL_DIR");
        const std::string path = std::string(env ? env : SYNCDSP_BENCH_SOURCE_DIR "/build-nn/tests/syncnet_full") +
                                 "/syncnet_div1.safetensors";
        if (std::ifstream(path).good()) return nn::syncnet::load(path);
        nn::weight_store w;
        std::mt19937 rng(1);
        std::normal_distribution<float> nd(0.f, 0.05f);
        for (const auto& s : nn::syncnet_weight_specs(nn::syncnet_config::full())) {
            array<float> a = array<float>::from_shape(s.shape);
            const bool var = s.name.find("running_var") != std::string::npos;
            for (auto& v : a) v = var ? 1.f + std::abs(nd(rng)) : nd(rng);
            w.insert(s.name, std::move(a));
        }
        return nn::syncnet::load(w, nn::syncnet_config::full());
    }();
    return net;
}

constexpr std::size_t kFrames = 250, kWindows = 245, kBatch = 20;

tensor<float, 5> lip_batch(std::size_t n) {
    tensor<float, 5> x = tensor<float, 5>::from_shape({n, 3, 5, 224, 224});
    std::mt19937 rng(2);
    std::uniform_int_distribution<int> u(0, 255);
    for (auto& v : x) v = float(u(rng));
    return x;
}

void BM_syncnet_lip_clip(benchmark::State& st) {
    const auto& net = model();
    const unsigned threads = unsigned(st.range(0));
    const auto full = lip_batch(kBatch), tail = lip_batch(kWindows % kBatch);
    for (auto _ : st) {
        for (std::size_t b = 0; b < kWindows; b += kBatch) {
            const auto e = net.embed_lip(kWindows - b >= kBatch ? full : tail, threads);
            benchmark::DoNotOptimize(e.data());
        }
    }
    const double flop = 2.0 * net.lip_macs_per_window() * kWindows;
    st.counters["windows_per_s"] = benchmark::Counter(double(kWindows), benchmark::Counter::kIsIterationInvariantRate);
    st.counters["GFLOP_per_s"] = benchmark::Counter(flop * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_syncnet_audio_clip(benchmark::State& st) {
    const auto& net = model();
    const unsigned threads = unsigned(st.range(0));
    tensor<float, 4> full = tensor<float, 4>::from_shape({kBatch, 1, 13, 20});
    std::mt19937 rng(3);
    std::normal_distribution<float> nd(0.f, 10.f);
    for (auto& v : full) v = nd(rng);
    tensor<float, 4> tail = xt::view(full, xt::range(0, kWindows % kBatch));
    for (auto _ : st) {
        for (std::size_t b = 0; b < kWindows; b += kBatch) {
            const auto e = net.embed_audio(kWindows - b >= kBatch ? full : tail, threads);
            benchmark::DoNotOptimize(e.data());
        }
    }
    const double flop = 2.0 * net.audio_macs_per_window() * kWindows;
    st.counters["windows_per_s"] = benchmark::Counter(double(kWindows), benchmark::Counter::kIsIterationInvariantRate);
    st.counters["GFLOP_per_s"] = benchmark::Counter(flop * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// The protocol end to end on the 10 s clip (frames already decoded; MFCC given): both encoders + distances.
void BM_syncnet_protocol_clip(benchmark::State& st) {
    const auto& net = model();
    tensor<std::uint8_t, 4> frames = tensor<std::uint8_t, 4>::from_shape({kFrames, 224, 224, 3});
    std::mt19937 rng(4);
    for (auto& v : frames) v = std::uint8_t(rng() & 0xff);
    tensor<float, 2> mfcc = tensor<float, 2>::from_shape({999, 13});
    for (auto& v : mfcc) v = float(int(rng() % 41) - 20);
    nn::SyncnetProtocolOptions o;
    o.threads = unsigned(st.range(0));
    for (auto _ : st) {
        const auto r = nn::syncnet_evaluate(net, frames, nn::frame_order::bgr, mfcc, kFrames * 640, o);
        benchmark::DoNotOptimize(r.min_dist);
    }
    const double flop = 2.0 * (net.lip_macs_per_window() + net.audio_macs_per_window()) * kWindows;
    st.counters["GFLOP_per_s"] = benchmark::Counter(flop * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// The first lip conv alone (54 % of the work): 20 windows, 3x5x224x224 -> 96x1x109x109, 5x7x7 stride (1,2,2).
void BM_conv3d_lip_layer0(benchmark::State& st) {
    const auto x = lip_batch(kBatch);
    tensor<float, 5> w = xt::ones<float>({96, 3, 5, 7, 7});
    tensor<float, 1> b = xt::zeros<float>({96});
    nn::conv3d_options o;
    o.stride = {1, 2, 2};
    o.act = nn::activation::relu;
    o.threads = unsigned(st.range(0));
    for (auto _ : st) benchmark::DoNotOptimize(nn::conv3d(x, w, b, o).data());
    const double flop = 2.0 * 96 * 3 * 5 * 49 * 109.0 * 109.0 * kBatch;
    st.counters["GFLOP_per_s"] = benchmark::Counter(flop * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// Record which GEMM kernel ran (e.g. "highway:AVX3", or "eigen" with SYNCDSP_NN_GEMM_EIGEN) in the
// benchmark's context, so every result says what it measured.
const bool gemm_context_added = [] {
    benchmark::AddCustomContext("nn_gemm", nn::gemm_backend());
    return true;
}();

}  // namespace

BENCHMARK(BM_conv3d_lip_layer0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_syncnet_audio_clip)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_syncnet_lip_clip)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_syncnet_protocol_clip)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
