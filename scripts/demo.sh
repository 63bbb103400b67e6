#!/usr/bin/env bash
# Sets up, builds the `syncdsp` program and runs the main job on the bundled clip.
#   scripts/demo.sh [extra arguments for the command]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target syncdsp_cli -j "${JOBS:-$(nproc)}"
mkdir -p out
clip=data/lrs3_C8zY0oAdQrs_00018
echo "+ syncdsp features mfcc --preset psf $clip/audio_16k.wav -o out/mfcc.npy"
./build/apps/syncdsp features mfcc --preset psf "$clip/audio_16k.wav" -o out/mfcc.npy "$@"
