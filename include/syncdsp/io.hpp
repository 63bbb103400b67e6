// syncdsp/io.hpp - the io layer: files, WAV, NPY, images, landmark files, safetensors, TF.js
// weight manifests, the ffmpeg subprocess (decode and remux), and batch inputs and results
// (input lists and shards, content keys, crash-safe JSONL).
#pragma once
#include "syncdsp/io/content_key.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/io/file.hpp"
#include "syncdsp/io/image.hpp"
#include "syncdsp/io/input_list.hpp"
#include "syncdsp/io/jsonl.hpp"
#include "syncdsp/io/landmarks.hpp"
#include "syncdsp/io/live_decode.hpp"
#include "syncdsp/io/npy.hpp"
#include "syncdsp/io/remux.hpp"
#include "syncdsp/io/safetensors.hpp"
#include "syncdsp/io/subprocess.hpp"
#include "syncdsp/io/tfjs.hpp"
#include "syncdsp/io/wav.hpp"
