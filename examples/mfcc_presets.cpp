// Example: MFCC of a WAV file with each preset (python_speech_features as SyncNet uses it, Kaldi,
// librosa), printing the shape, the conventions and the first frame of each.
//   example_mfcc_presets [input.wav]
#include <cstdio>
#include <exception>

#include <syncdsp/audio.hpp>
#include <syncdsp/io/wav.hpp>

int main(int argc, char** argv) {
    const std::string input = argc > 1 ? argv[1] : SYNCDSP_EXAMPLE_DATA "/lrs3_C8zY0oAdQrs_00018/audio_16k.wav";
    namespace audio = syncdsp::audio;
    try {
        const auto wav = syncdsp::io::read_wav<float>(input);     // samples in [-1, 1)
        auto x = syncdsp::io::downmix(wav.samples);               // mono
        if (wav.sample_rate != 16000) x = audio::resample(x, wav.sample_rate, 16000);
        std::printf("%s: %.2f s\n", input.c_str(), double(x.size()) / 16000);

        const struct {
            const char* name;
            audio::MfccOptions options;
        } presets[] = {
            {"python_speech_features", audio::MfccOptions::python_speech_features()},
            {"kaldi", audio::MfccOptions::kaldi()},
            {"librosa", audio::MfccOptions::librosa(16000)},
        };
        for (const auto& p : presets) {
            const syncdsp::tensor<float, 2> m = audio::mfcc(x, p.options);  // (frames, n_mfcc)
            std::printf("\n%s: %zu frames x %zu coefficients\n  %s\n  frame 100:", p.name, m.shape()[0], m.shape()[1],
                        p.options.to_string().c_str());
            for (std::size_t c = 0; c < m.shape()[1]; ++c) std::printf(" %.2f", double(m(100, c)));
            std::printf("\n");
        }
        // deltas as librosa.feature.delta computes them
        const auto m = audio::mfcc(x, audio::MfccOptions::python_speech_features());
        const auto d = audio::deltas(m, audio::DeltaOptions::librosa(1));
        std::printf("\ndeltas of the psf MFCC: %zu x %zu\n", d.shape()[0], d.shape()[1]);
    } catch (const std::exception& e) {  // every syncdsp error is a std::exception with an id
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
