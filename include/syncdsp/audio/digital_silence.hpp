// syncdsp/audio/digital_silence.hpp - the one rule for missing audio: digital silence.
//
// A stretch whose samples are all exactly 0 is missing data, not quiet speech: real microphones
// always pick up some noise, so exact zeros come from padding (a shifted or cut track, a gap an
// encoder filled). Every audio cue treats such frames as gaps (band energy gives NaN, the VAD
// marks them `missing`, the phone recogniser cuts them out) so the correlation skips them instead
// of matching silence with silence.
//
// The rule applies to the samples the consumer sees: the float cues test the float samples, the
// phone recogniser (which is fed 16-bit PCM) tests the 16-bit samples.
#pragma once

#include <cstddef>

namespace syncdsp::audio {

/// True when every one of the n samples is exactly zero (true for n == 0: nothing is there).
/// NaN is not zero.
template <class T>
bool is_digital_silence(const T* x, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        if (!(x[i] == T(0))) return false;
    return true;
}

}  // namespace syncdsp::audio
