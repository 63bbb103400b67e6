// Example: voice activity of a WAV file - speech segments, the speech fraction, and the per-frame
// decision / likelihood / missing mask / speech-band energy / SNR written as an NPY table.
//   example_voice_activity [input.wav] [frame_ms] [output.npy]
// Defaults: the bundled LRS3 clip, 10 ms frames, ./voice_activity.npy (float32, shape (frames, 5):
// speech 0/1, likelihood, missing 0/1, band energy dBFS, SNR dB). scripts/vad/compare.py uses it.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include <syncdsp/audio/vad.hpp>
#include <syncdsp/io/npy.hpp>
#include <syncdsp/io/wav.hpp>

int main(int argc, char** argv) {
    const std::string input = argc > 1 ? argv[1] : SYNCDSP_EXAMPLE_DATA "/lrs3_C8zY0oAdQrs_00018/audio_16k.wav";
    const std::string output = argc > 3 ? argv[3] : "voice_activity.npy";
    try {
        syncdsp::audio::VadOptions opt;
        if (argc > 2) opt.frame_ms = std::atof(argv[2]);
        const auto wav = syncdsp::io::read_wav<float>(input);
        const auto mono = syncdsp::io::downmix(wav.samples);

        const auto t0 = std::chrono::steady_clock::now();
        const auto r = syncdsp::audio::detect_voice_activity(mono, double(wav.sample_rate), opt);
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

        std::size_t speech = 0, missing = 0;
        for (std::size_t t = 0; t < r.size(); ++t) {
            speech += r.speech(t);
            missing += r.missing(t);
        }
        std::printf("%s: %.2f s at %u Hz, %zu frames of %zu samples (%.1f frames/s)\n", input.c_str(),
                    wav.duration_s(), wav.sample_rate, r.size(), r.frame_length, r.frame_rate());
        std::printf("%s\n", opt.to_string().c_str());
        std::printf("speech %.1f %% of frames, missing (digital silence) %.1f %%\n", 100.0 * double(speech) / double(r.size()),
                    100.0 * double(missing) / double(r.size()));
        std::printf("analysis took %.3f s (%.0fx real time)\n", secs, secs > 0 ? wav.duration_s() / secs : 0.0);
        // Speech segments, from the per-frame decision.
        for (std::size_t t = 0; t < r.size();) {
            if (!r.speech(t)) {
                ++t;
                continue;
            }
            std::size_t e = t;
            while (e < r.size() && r.speech(e)) ++e;
            const double dt = double(r.frame_length) / r.sample_rate;
            std::printf("  speech %7.2f - %7.2f s\n", double(t) * dt, double(e) * dt);
            t = e;
        }
        std::vector<float> table(r.size() * 5);
        for (std::size_t t = 0; t < r.size(); ++t) {
            float* row = table.data() + 5 * t;
            row[0] = r.speech(t);
            row[1] = r.likelihood(t);
            row[2] = r.missing(t);
            row[3] = r.band_energy_db(t);
            row[4] = r.snr_db(t);
        }
        syncdsp::io::write_npy(output, table.data(), {r.size(), std::size_t(5)});
        std::printf("wrote %s (%zu x 5: speech, likelihood, missing, band_energy_db, snr_db)\n", output.c_str(), r.size());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
