// Example: MFCC of audio that arrives in chunks (e.g. from a microphone or a decoder pipe), with
// the streaming extractor; the frames are exactly those of the one-shot call.
//   example_streaming_mfcc [input.wav]
#include <algorithm>
#include <cstdio>
#include <exception>

#include <syncdsp/audio.hpp>
#include <syncdsp/io/wav.hpp>

int main(int argc, char** argv) {
    const std::string input = argc > 1 ? argv[1] : SYNCDSP_EXAMPLE_DATA "/lrs3_C8zY0oAdQrs_00018/audio_16k.wav";
    namespace audio = syncdsp::audio;
    try {
        const auto wav = syncdsp::io::read_wav<float>(input);
        auto x = syncdsp::io::downmix(wav.samples);
        if (wav.sample_rate != 16000) x = audio::resample(x, wav.sample_rate, 16000);

        const auto options = audio::MfccOptions::python_speech_features();
        audio::feature_stream<float> stream(options);
        std::size_t frames = 0, chunks = 0;
        const std::size_t chunk = 1234;  // any size works, even 1
        for (std::size_t pos = 0; pos < x.size(); pos += chunk, ++chunks) {
            stream.accept(x.data() + pos, std::min(chunk, x.size() - pos));
            const auto ready = stream.pop(stream.frames_ready());  // (n, 13): use them as they come
            frames += ready.shape()[0];
        }
        stream.finish();  // the zero-padded tail frame(s)
        frames += stream.pop(stream.frames_ready()).shape()[0];

        const auto oneshot = audio::mfcc(x, options);
        std::printf("%zu chunks -> %zu frames streamed; one-shot call: %zu frames\n", chunks, frames, oneshot.shape()[0]);
        return frames == oneshot.shape()[0] ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
