// syncdsp/pocketsphinx.hpp - the phone recogniser (pocketsphinx's phone-loop decoder). Only with
// the CMake target syncdsp::phones, which adds pocketsphinx; syncdsp.hpp never includes it.
//   opt.recognise_phones = syncdsp::audio::pocketsphinx_recogniser();
#pragma once
#include "syncdsp/audio/pocketsphinx.hpp"
