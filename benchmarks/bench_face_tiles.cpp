// Cost of tiled face detection (nn/models/face_tiles.hpp) on one 1920x1080 frame: the face-api
// TinyFaceDetector (input 416) on the whole frame, as before, against the whole frame plus the
// full tile grid (8 tiles of 624 px + 2 of 1248x1080), on 1 and 2 threads, and the whole frame plus
// one tile around a followed face (what face_tracks_builder runs on most detection frames).
// Frame: $SYNCDSP_BENCH_FRAME (a 1920x1080 PNG, e.g. a frame of calib/multi/...trump_biden_debate.mp4)
// when set, else a smooth synthetic picture (the network's cost does not depend on the content).
// Needs the face-api models (scripts/get_models.sh); skips every benchmark without them.
#include <cstdlib>
#include <vector>

#include <benchmark/benchmark.h>

#include "syncdsp/io/image.hpp"
#include "syncdsp/nn/models/face_tiles.hpp"
#include "syncdsp/nn/models/faces.hpp"

using namespace syncdsp;

namespace {

const nn::face_analyzer* analyzer() {
    static const nn::face_analyzer* fa = []() -> const nn::face_analyzer* {
        try {
            return new nn::face_analyzer();
        } catch (const syncdsp::error&) {
            return nullptr;
        }
    }();
    return fa;
}

const std::vector<std::uint8_t>& frame() {
    static const std::vector<std::uint8_t> px = [] {
        if (const char* f = std::getenv("SYNCDSP_BENCH_FRAME")) {
            const auto img = io::load_image(f, 3);
            if (img.shape()[1] == 1920 && img.shape()[0] == 1080) return std::vector<std::uint8_t>(img.begin(), img.end());
        }
        std::vector<std::uint8_t> v(1920 * 1080 * 3);
        for (std::size_t y = 0; y < 1080; ++y)
            for (std::size_t x = 0; x < 1920; ++x)
                for (std::size_t c = 0; c < 3; ++c) v[(y * 1920 + x) * 3 + c] = std::uint8_t((x * (c + 1) + y * (3 - c)) / 16);
        return v;
    }();
    return px;
}

nn::rgb8_view view() { return nn::rgb8_view{frame().data(), 1920, 1080, 3, 1920 * 3}; }

void BM_detect_1080p_whole(benchmark::State& st) {
    const auto* fa = analyzer();
    if (!fa) return st.SkipWithError("face models not installed (scripts/get_models.sh)");
    for (auto _ : st) benchmark::DoNotOptimize(fa->detect(view()).size());
}

void BM_detect_1080p_tiles(benchmark::State& st) {
    const auto* fa = analyzer();
    if (!fa) return st.SkipWithError("face models not installed (scripts/get_models.sh)");
    const nn::face_tiling tiling(1920, 1080, 416);
    st.counters["tiles"] = double(tiling.grid().size());
    for (auto _ : st) benchmark::DoNotOptimize(fa->detect(view(), tiling.grid(), unsigned(st.range(0))).size());
}

void BM_detect_1080p_one_tile(benchmark::State& st) {
    const auto* fa = analyzer();
    if (!fa) return st.SkipWithError("face models not installed (scripts/get_models.sh)");
    const nn::face_tiling tiling(1920, 1080, 416);
    const auto one = tiling.around(box{1620, 250, 90, 85});
    for (auto _ : st) benchmark::DoNotOptimize(fa->detect(view(), one, 1).size());
}

}  // namespace

BENCHMARK(BM_detect_1080p_whole)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();
BENCHMARK(BM_detect_1080p_tiles)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();
BENCHMARK(BM_detect_1080p_one_tile)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

BENCHMARK_MAIN();
