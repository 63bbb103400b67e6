// syncdsp/io.hpp - the io layer: files, WAV, NPY, the ffmpeg subprocess (and, as they land, images,
// landmarks, weight files).
#pragma once
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/io/file.hpp"
#include "syncdsp/io/npy.hpp"
#include "syncdsp/io/subprocess.hpp"
#include "syncdsp/io/wav.hpp"
