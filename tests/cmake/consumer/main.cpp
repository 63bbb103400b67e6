// A program built against the *installed* syncdsp package: round-trips a tone through WAV.
#include <cmath>
#include <cstdio>

#include <syncdsp/io/wav.hpp>
#include <syncdsp/syncdsp.hpp>

int main() {
    syncdsp::tensor<float, 1> tone = syncdsp::tensor<float, 1>::from_shape({1600});
    for (std::size_t i = 0; i < tone.size(); ++i) tone(i) = 0.5f * std::sin(0.1f * float(i));
    syncdsp::tensor<float, 2> stereo = syncdsp::tensor<float, 2>::from_shape({1600, 1});
    std::copy(tone.begin(), tone.end(), stereo.begin());
    const auto bytes = syncdsp::io::encode_wav(stereo, 16000);
    const auto back = syncdsp::io::decode_wav<float>(bytes.data(), bytes.size());
    if (back.frames() != 1600 || std::fabs(back.samples(10, 0) - tone(10)) > 1e-4f) return 1;
    std::printf("consumer ok: %zu frames\n", back.frames());
    return 0;
}
