// Audio front-end speed: MFCC presets on 60 s and 1 h of 16 kHz audio, one thread, and the FFTW
// transforms alone (the bound). The signal is the bundled LRS3 clip's int16 samples tiled to the
// length plus N(0, 1e-3) noise (as the anchors' 1-h signal), held as float in [-1, 1).
// The *_from_file rows include writing nothing but reading and decoding a 16-bit WAV of that signal
// (written once to $TMPDIR before the runs); BM_mfcc_psf_mapped maps it instead and analyses the
// int16 samples in place, as `syncdsp features` does (CPU time of the whole process, all threads).
//
//   build-audio/benchmarks/bench_audio --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
//   benchmarks/run_audio.sh   (this plus torchaudio/psf/librosa side by side, with ratios)
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>

#include <benchmark/benchmark.h>
#include <xtensor/xview.hpp>

#include "syncdsp/audio.hpp"
#include "syncdsp/io/wav.hpp"

using namespace syncdsp;
using namespace syncdsp::audio;

namespace {

const tensor<float, 1>& signal_of(std::size_t seconds) {
    static std::map<std::size_t, tensor<float, 1>> cache;
    auto it = cache.find(seconds);
    if (it != cache.end()) return it->second;
    const auto w = io::read_wav<float>(std::string(SYNCDSP_BENCH_SOURCE_DIR) + "/data/lrs3_C8zY0oAdQrs_00018/audio_16k.wav");
    const auto clip = io::downmix(w.samples);
    const std::size_t n = seconds * 16000;
    tensor<float, 1> x = tensor<float, 1>::from_shape({n});
    std::mt19937 rng(1);
    std::normal_distribution<double> noise(0.0, 1e-3);
    for (std::size_t i = 0; i < n; ++i) {
        const double v = std::round((double(clip(i % clip.size())) + noise(rng)) * 32768.0);
        x(i) = float(std::max(-32768.0, std::min(32767.0, v)) / 32768.0);
    }
    return cache.emplace(seconds, std::move(x)).first->second;
}

std::string wav_of(std::size_t seconds) {
    const std::string path = (std::filesystem::temp_directory_path() / ("syncdsp_bench_" + std::to_string(seconds) + "s.wav")).string();
    if (!std::filesystem::exists(path)) io::write_wav(path, signal_of(seconds), 16000);
    return path;
}

void set_counters(benchmark::State& st, std::size_t seconds, std::size_t frames) {
    st.counters["frames"] = double(frames);
    st.counters["x_realtime"] = benchmark::Counter(double(seconds) * double(st.iterations()), benchmark::Counter::kIsRate);
}

template <class T>
void BM_mfcc(benchmark::State& st, MfccOptions o) {
    const std::size_t seconds = std::size_t(st.range(0));
    const auto& xf = signal_of(seconds);
    tensor<T, 1> x = xt::cast<T>(xf);
    std::size_t frames = 0;
    for (auto _ : st) {
        auto m = mfcc(x, o);
        frames = m.shape()[0];
        benchmark::DoNotOptimize(m.data());
    }
    set_counters(st, seconds, frames);
}

void BM_mfcc_psf_from_file(benchmark::State& st) {
    const std::size_t seconds = std::size_t(st.range(0));
    const std::string path = wav_of(seconds);
    const auto o = MfccOptions::python_speech_features();
    std::size_t frames = 0;
    for (auto _ : st) {
        const auto w = io::read_wav<float>(path);  // mono: (frames, 1) is contiguous, no copy needed
        auto m = mfcc(w.samples.data(), w.frames(), o);
        frames = m.shape()[0];
        benchmark::DoNotOptimize(m.data());
    }
    set_counters(st, seconds, frames);
}

/// What `syncdsp features mfcc` does with a 16-bit mono WAV: map it and analyse the int16 samples
/// where they lie (io::mapped_wav + mfcc_pcm16), on range(1) threads.
void BM_mfcc_psf_mapped(benchmark::State& st) {
    const std::size_t seconds = std::size_t(st.range(0));
    const auto threads = unsigned(st.range(1));
    const std::string path = wav_of(seconds);
    const auto o = MfccOptions::python_speech_features();
    std::size_t frames = 0;
    for (auto _ : st) {
        const io::mapped_wav w(path);
        auto m = mfcc_pcm16<float>(w.pcm16(), w.frames(), o, threads);
        frames = m.shape()[0];
        benchmark::DoNotOptimize(m.data());
    }
    set_counters(st, seconds, frames);
}

/// Reading and decoding the 16-bit WAV alone (part of BM_mfcc_psf_from_file).
void BM_read_wav_only(benchmark::State& st) {
    const std::size_t seconds = std::size_t(st.range(0));
    const std::string path = wav_of(seconds);
    for (auto _ : st) {
        const auto w = io::read_wav<float>(path);
        benchmark::DoNotOptimize(w.samples.data());
    }
    set_counters(st, seconds, 0);
}

/// The bound: the same number of r2c transforms of the same size, on one in-cache buffer.
void BM_fft_only(benchmark::State& st) {
    const std::size_t seconds = std::size_t(st.range(0)), n_fft = std::size_t(st.range(1)), hop = std::size_t(st.range(2));
    const std::size_t frames = seconds * 16000 / hop;
    const auto plan = rfft_plan<float>::get(n_fft);
    aligned_buffer<float> in(n_fft);
    aligned_buffer<std::complex<float>> out(n_fft / 2 + 1);
    for (std::size_t i = 0; i < n_fft; ++i) in[i] = float(std::sin(0.1 * double(i)));
    for (auto _ : st) {
        for (std::size_t t = 0; t < frames; ++t) {
            in[t % n_fft] += 1e-7f;  // keep the input changing
            plan->execute(in.data(), out.data());
            benchmark::DoNotOptimize(out.data());
        }
    }
    set_counters(st, seconds, frames);
}

/// The bound for two frames per complex FFT (what the STFT does, frame_analyzer::analyze_pair):
/// half as many complex transforms of the same size.
void BM_fft_pairs_only(benchmark::State& st) {
    const std::size_t seconds = std::size_t(st.range(0)), n_fft = std::size_t(st.range(1)), hop = std::size_t(st.range(2));
    const std::size_t frames = seconds * 16000 / hop;
    const auto plan = cfft_plan<float>::get(n_fft);
    aligned_buffer<std::complex<float>> in(n_fft), out(n_fft);
    for (std::size_t i = 0; i < n_fft; ++i) in[i] = {float(std::sin(0.1 * double(i))), float(std::cos(0.3 * double(i)))};
    for (auto _ : st) {
        for (std::size_t t = 0; t < frames; t += 2) {
            in[t % n_fft] += 1e-7f;  // keep the input changing
            plan->execute(in.data(), out.data());
            benchmark::DoNotOptimize(out.data());
        }
    }
    set_counters(st, seconds, frames);
}

void BM_mfcc_f(benchmark::State& st, MfccOptions o) { BM_mfcc<float>(st, o); }
/// The same with FFTW_MEASURE plans (audio::set_fft_effort), restored to estimate afterwards.
void BM_mfcc_f_measure(benchmark::State& st, MfccOptions o) {
    set_fft_effort(fft_effort::measure);
    BM_mfcc<float>(st, o);
    set_fft_effort(fft_effort::estimate);
}
void BM_fft_only_measure(benchmark::State& st) {
    set_fft_effort(fft_effort::measure);
    BM_fft_only(st);
    set_fft_effort(fft_effort::estimate);
}
void BM_mfcc_d(benchmark::State& st, MfccOptions o) { BM_mfcc<double>(st, o); }

}  // namespace

BENCHMARK_CAPTURE(BM_mfcc_f, psf, MfccOptions::python_speech_features())->Arg(60)->Arg(3600)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_mfcc_d, psf_double, MfccOptions::python_speech_features())->Arg(60)->Arg(3600)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_mfcc_psf_from_file)->Arg(60)->Arg(3600)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_mfcc_psf_mapped)->Args({60, 1})->Args({3600, 1})->Args({3600, 2})->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
BENCHMARK(BM_read_wav_only)->Arg(60)->Arg(3600)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_mfcc_f, kaldi, MfccOptions::kaldi())->Arg(60)->Arg(3600)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_mfcc_f, librosa, MfccOptions::librosa(16000))->Arg(60)->Arg(3600)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_mfcc_f, librosa_speech, MfccOptions::librosa(16000, 13, 512, 160, 40, 400))->Arg(60)->Arg(3600)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_mfcc_f_measure, psf_measure, MfccOptions::python_speech_features())->Arg(60)->Arg(3600)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_fft_only_measure)->Args({60, 512, 160})->Args({3600, 512, 160})->Unit(benchmark::kMillisecond);
// FFT bound: (seconds, n_fft, hop) = psf/kaldi/librosa-speech framing and librosa defaults
BENCHMARK(BM_fft_pairs_only)->Args({60, 512, 160})->Args({3600, 512, 160})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_fft_only)->Args({60, 512, 160})->Args({3600, 512, 160})->Args({60, 2048, 512})->Args({3600, 2048, 512})->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
