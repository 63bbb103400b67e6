// syncdsp/audio.hpp - the audio layer: FFT plans, windows, framing, STFT, mel, log-mel, MFCC,
// deltas, ZCR, RMS, band energy, digital silence, resampling, the streaming feature extractor, voice
// activity, and the phone cue's types and planning (phones.hpp). The pocketsphinx recogniser is
// syncdsp/pocketsphinx.hpp.
#pragma once
#include "syncdsp/audio/fft.hpp"
#include "syncdsp/audio/window.hpp"
#include "syncdsp/audio/framing.hpp"
#include "syncdsp/audio/stft.hpp"
#include "syncdsp/audio/digital_silence.hpp"
#include "syncdsp/audio/band_energy.hpp"
#include "syncdsp/audio/band_energy_stream.hpp"
#include "syncdsp/audio/mel.hpp"
#include "syncdsp/audio/mfcc.hpp"
#include "syncdsp/audio/deltas.hpp"
#include "syncdsp/audio/zcr.hpp"
#include "syncdsp/audio/resample.hpp"
#include "syncdsp/audio/streaming.hpp"
#include "syncdsp/audio/vad.hpp"
#include "syncdsp/audio/phones.hpp"
#include "syncdsp/audio/phone_openness.hpp"
