// Example: read a WAV file, mix it down to mono, write it back as 16-bit PCM and as NPY.
//   example_wav_roundtrip [input.wav]
#include <cstdio>
#include <exception>

#include <syncdsp/io.hpp>

int main(int argc, char** argv) {
    const std::string input = argc > 1 ? argv[1] : SYNCDSP_EXAMPLE_DATA "/lrs3_C8zY0oAdQrs_00018/audio_16k.wav";
    try {
        const auto audio = syncdsp::io::read_wav(input);  // float samples in [-1, 1)
        const auto mono = syncdsp::io::downmix(audio.samples);
        std::printf("%s: %u Hz, %zu channel(s), %.2f s\n", input.c_str(), audio.sample_rate,
                    audio.channels(), audio.duration_s());
        syncdsp::io::write_wav("mono.wav", mono, audio.sample_rate);
        syncdsp::io::write_npy("mono.npy", mono);
        std::printf("wrote mono.wav and mono.npy (%zu samples)\n", mono.size());
    } catch (const std::exception& e) {  // every syncdsp error is a std::exception with an id
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
