// Example: the English phones pocketsphinx hears in a 16 kHz recording, and the expected mouth
// openness per 25 fps video frame derived from them.
//   example_phones [audio.wav]
// Needs the CMake target syncdsp::phones (pocketsphinx); examples/CMakeLists.txt builds it only
// when that target exists. Without the model files it says the phone cue is unavailable and exits 0.
// To give the recogniser to the offset estimator instead:
//   opt.recognise_phones = syncdsp::audio::pocketsphinx_recogniser();
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>

#include <syncdsp/audio/phone_openness.hpp>
#include <syncdsp/audio/pocketsphinx.hpp>
#include <syncdsp/io/wav.hpp>

int main(int argc, char** argv) {
    const std::string input = argc > 1 ? argv[1] : SYNCDSP_EXAMPLE_DATA "/lrs3_C8zY0oAdQrs_00018/audio_16k.wav";
    if (!syncdsp::audio::phone_recogniser_available()) {
        std::printf("the phone cue is unavailable: %s\n", syncdsp::audio::phone_recogniser_status().c_str());
        return 0;
    }
    try {
        const auto wav = syncdsp::io::read_wav(input);
        const auto mono = syncdsp::io::downmix(wav.samples);
        syncdsp::audio::phone_decoder decoder;  // loads the model once; reuse it for many inputs
        const auto heard = syncdsp::audio::recognise_phones(decoder, mono.data(), mono.size(), wav.sample_rate);
        std::printf("%s: %.2f s, %zu phone segments, %.1f phones/s\n", input.c_str(), heard.duration_s,
                    heard.segments.size(), heard.phone_rate_hz());
        for (std::size_t i = 0; i < heard.segments.size() && i < 10; ++i) {
            const auto& s = heard.segments[i];
            std::printf("  %6.2f - %6.2f  %-4s openness %.2f\n", s.start_s, s.end_s, s.phone.c_str(),
                        syncdsp::audio::phone_openness(s.phone));
        }
        const auto track = syncdsp::audio::openness_track(heard, 25.0);  // one value per 25 fps frame
        std::printf("openness at 25 fps, first second:");
        for (std::size_t i = 0; i < track.openness.size() && i < 25; ++i) std::printf(" %.2f", track.openness(i));
        std::printf("\n");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
