// syncdsp/syncdsp.hpp - the DSP layers in one include: core, audio, vision and sync (the offset
// engine). It stays light, as xtensor.hpp leaves out its file I/O: no subprocesses, no POSIX
// calls, no networks, no pocketsphinx. The heavy parts come through their own umbrellas:
//   syncdsp/io.hpp           files (WAV, NPY, images, landmarks, weights) and the ffmpeg subprocess
//   syncdsp/nn.hpp           the networks (SyncNet, the face detector and landmarks)
//   syncdsp/pipeline.hpp     estimate_offset on a media file (needs io, nn)
//   syncdsp/pocketsphinx.hpp the phone recogniser (link the CMake target syncdsp::phones)
// Single io headers without a subprocess (e.g. syncdsp/io/wav.hpp) can be included on their own.
// Every header under syncdsp/ compiles on its own (tests/CMakeLists.txt checks it).
#pragma once
#include "syncdsp/core.hpp"
#include "syncdsp/audio.hpp"
#include "syncdsp/vision.hpp"
#include "syncdsp/sync.hpp"
