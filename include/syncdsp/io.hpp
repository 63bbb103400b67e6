// syncdsp/io.hpp - the io layer: files, WAV, NPY (and, as they land, images, landmarks, weights, ffmpeg).
#pragma once
#include "syncdsp/io/file.hpp"
#include "syncdsp/io/npy.hpp"
#include "syncdsp/io/wav.hpp"
