// Fuzz target for the WAV reader: any input either decodes or throws syncdsp::error; a decoded
// file must re-encode and decode to the same shape (float64 keeps every value exactly).
#include <cstdint>
#include <cstdlib>

#include "syncdsp/io/wav.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    syncdsp::io::wav_audio<double> audio;
    try {
        audio = syncdsp::io::decode_wav<double>(data, size);
    } catch (const syncdsp::error&) {
        return 0;
    }
    if (audio.frames() > (1u << 20)) return 0;  // keep re-encoding cheap
    bool finite = true;
    for (double v : audio.samples) finite = finite && std::isfinite(v);
    if (!finite) return 0;
    const auto bytes = syncdsp::io::encode_wav(audio.samples, audio.sample_rate, syncdsp::io::wav_format::float64);
    const auto again = syncdsp::io::decode_wav<double>(bytes.data(), bytes.size());
    if (again.frames() != audio.frames() || again.channels() != audio.channels()) std::abort();
    for (std::size_t i = 0; i < audio.samples.size(); ++i)
        if (again.samples.data()[i] != audio.samples.data()[i]) std::abort();
    return 0;
}
