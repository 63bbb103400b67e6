// apps/cmd_features.cpp - `syncdsp features KIND --preset P INPUT -o OUT.npy`: audio features to NPY.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "cli.hpp"
#include "syncdsp/audio.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/io/npy.hpp"
#include "syncdsp/io/wav.hpp"

namespace cmd_features {
namespace {

const char* help = R"(usage: syncdsp features mfcc|logmel|zcr|rms INPUT -o OUT.npy [--preset P] [--sr HZ]

Computes audio features of INPUT and writes them as a float32 NPY array of shape
(frames, coefficients): MFCC (frames, n_mfcc), log-mel (frames, n_mels), ZCR and RMS (frames, 1).

INPUT  a WAV file (PCM 8/16/24/32-bit or float; several channels are averaged; resampled to --sr
       with syncdsp's polyphase resampler when its rate differs), or any media file ffmpeg can
       decode (its first audio stream, downmixed and resampled to --sr by ffmpeg).

options:
  -o, --output FILE  where to write the NPY array (required; written atomically: nothing is left
                     behind on error)
  --preset P         which reference to reproduce (default psf):
                       psf      python_speech_features defaults, as SyncNet uses them: 25 ms
                                rectangular frames every 10 ms (tail zero-padded), pre-emphasis 0.97,
                                512-point FFT, 26 HTK filters, ln, 13 MFCC with lifter 22 and
                                c0 = ln(frame energy). logmel = psf.logfbank (26 values).
                       kaldi    torchaudio.compliance.kaldi defaults (dither 0): 25/10 ms Povey
                                frames (complete frames only), DC removal, per-frame pre-emphasis,
                                23 mel bins from 20 Hz, 13 MFCC with lifter 22. logmel = kaldi.fbank.
                       librosa  librosa.feature.mfcc(y, sr) defaults: n_fft 2048, hop 512, centred
                                (zero padding), periodic Hann, 128 Slaney mels, power_to_db with
                                top_db 80, 20 MFCC. logmel = power_to_db(melspectrogram) (128 values).
                     zcr and rms use the preset's framing: librosa = 2048/512 centred (ZCR pads
                     with edge values, RMS with zeros, as librosa does), psf = 400/160 with the
                     tail zero-padded, kaldi = 400/160 complete frames (at 16 kHz).
  --sr HZ            sample rate to analyse at (default 16000)
  --threads N        threads for mfcc and logmel (default 0 = all cores); the output is the same
                     bits for every N
  --help             this text

Samples are taken in [-1, 1); the psf and kaldi presets scale them to int16 range first, as
their references do, so the numbers equal the reference's on the same audio.
exit status: 0 = written, 1 = error (unreadable input, bad audio...), 2 = usage error.
)";

bool is_wav(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    char h[12] = {};
    if (!f.read(h, 12)) return false;
    return std::string(h, 4) == "RIFF" && std::string(h + 8, 4) == "WAVE";
}

/// Any input as float samples at `sr` (several channels averaged, resampled when needed).
syncdsp::tensor<float, 1> decode_any(const std::string& path, const syncdsp::io::mapped_wav* wav, unsigned sr) {
    using namespace syncdsp;
    if (wav) {
        const auto w = wav->decode<float>();
        auto mono = io::downmix(w.samples);
        if (w.sample_rate != sr) mono = audio::resample(mono, w.sample_rate, sr);
        return mono;
    }
    return io::decode_audio(path, sr);
}

int run(const std::vector<std::string>& args) {
    using namespace syncdsp;
    cli::arguments a(args, {"-o", "--output", "--preset", "--sr", "--threads"}, {"--help", "-h"});
    if (a.flag("--help") || a.flag("-h")) {
        std::cout << help;
        return 0;
    }
    const auto& pos = a.positional();
    if (pos.size() != 2) throw cli::usage_error("expected KIND (mfcc|logmel|zcr|rms) and INPUT");
    const std::string kind = pos[0], input = pos[1];
    if (kind != "mfcc" && kind != "logmel" && kind != "zcr" && kind != "rms")
        throw cli::usage_error("unknown feature '" + kind + "' (mfcc, logmel, zcr or rms)");
    const std::string preset = a.value_or("--preset", "psf");
    if (preset != "psf" && preset != "kaldi" && preset != "librosa")
        throw cli::usage_error("unknown preset '" + preset + "' (psf, kaldi or librosa)");
    std::string out = a.value_or("-o", a.value_or("--output", ""));
    if (out.empty()) throw cli::usage_error("missing -o OUT.npy");
    const double srd = a.number_or("--sr", 16000);
    if (!(srd >= 1000 && srd <= 384000) || srd != double(unsigned(srd)))
        throw cli::usage_error("--sr must be an integer number of Hz in 1000..384000");
    const auto sr = static_cast<unsigned>(srd);

    const double threads_d = a.number_or("--threads", 0);
    if (threads_d != std::floor(threads_d) || threads_d < 0 || threads_d > 256) throw cli::usage_error("--threads must be 0..256");
    const auto threads = static_cast<unsigned>(threads_d);
    if (!std::ifstream(input).good()) detail::throw_io_error("features", "cannot open '", input, "'");
    io::check_output_path("-o", out);

    // A WAV file is mapped, not read; 16-bit mono PCM at the analysis rate (the usual case) goes
    // from the mapping straight into the frames, with no decoded copy of the signal.
    std::unique_ptr<io::mapped_wav> wav;
    if (is_wav(input)) wav = std::make_unique<io::mapped_wav>(input);
    const std::int16_t* pcm = wav && wav->channels() == 1 && wav->sample_rate() == sr ? wav->pcm16() : nullptr;
    const bool mel_kind = kind == "mfcc" || kind == "logmel";
    tensor<float, 1> x;
    if (!(pcm && mel_kind)) x = decode_any(input, wav.get(), sr);

    // float32 throughout: the output is float32, and float arithmetic stays within 1e-4 of double
    // on speech (docs/audio.md) at half the memory traffic and FFT time.
    tensor<float, 2> feats;
    if (kind == "mfcc") {
        const auto o = preset == "psf" ? audio::MfccOptions::python_speech_features(sr)
                       : preset == "kaldi" ? audio::MfccOptions::kaldi(sr)
                                           : audio::MfccOptions::librosa(sr);
        feats = pcm ? audio::mfcc_pcm16<float>(pcm, wav->frames(), o, threads) : audio::mfcc(x, o, threads);
    } else if (kind == "logmel") {
        const auto o = preset == "psf" ? audio::LogMelOptions::python_speech_features(sr)
                       : preset == "kaldi" ? audio::LogMelOptions::kaldi(sr)
                                           : audio::LogMelOptions::librosa(sr);
        feats = pcm ? audio::log_mel_pcm16<float>(pcm, wav->frames(), o, threads) : audio::log_mel(x, o, threads);
    } else {
        const bool z = kind == "zcr";
        const auto o = preset == "psf" ? audio::FrameFeatureOptions::python_speech_features(sr)
                       : preset == "kaldi" ? audio::FrameFeatureOptions::kaldi(sr)
                       : z ? audio::FrameFeatureOptions::librosa_zcr()
                           : audio::FrameFeatureOptions::librosa_rms();
        feats = z ? audio::zero_crossing_rate(x, o) : audio::rms(x, o);
    }
    io::write_npy(out, feats);
    return 0;
}

const syncdsp::cli::command_registration reg(
    "features", "audio features (mfcc, logmel, zcr, rms) of a WAV/media file to NPY, as psf/kaldi/librosa compute them", run);

}  // namespace
}  // namespace cmd_features
