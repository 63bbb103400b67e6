#!/usr/bin/env bash
# Sets up, builds the `syncdsp` program and runs the main job on the bundled clip: measure the
# audio-video offset of data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4 (a real talk, in sync as
# published) and of a copy whose audio is made 300 ms late, then fix that copy.
#   scripts/demo.sh [VIDEO]      measure VIDEO instead of the bundled clip
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target syncdsp_cli -j "${JOBS:-$(nproc)}"
syncdsp=./build/apps/syncdsp
# The face networks (from the npm package @vladmandic/face-api, MIT; setup.sh installs npm): with
# them the mouth is found by landmarks; without them a face crop's lower centre is used.
# get_models.sh fetches nothing when the models are already installed.
bash scripts/get_models.sh || echo "demo: face models not installed; continuing without them"
if [[ $# -gt 0 ]]; then
  echo "+ syncdsp sync $1"; $syncdsp sync "$1"; exit
fi
clip=data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4
mkdir -p out
echo "+ syncdsp sync $clip"
$syncdsp sync "$clip"
echo "+ ffmpeg: out/late300.mp4 = the same clip with its audio 300 ms late"
ffmpeg -nostdin -v error -y -i "$clip" -itsoffset 0.3 -i "$clip" -map 0:v -map 1:a -c copy out/late300.mp4
echo "+ syncdsp sync out/late300.mp4 --track 5s"
$syncdsp sync out/late300.mp4 --track 5s
echo "+ syncdsp fix out/late300.mp4 -o out/fixed.mp4"
$syncdsp fix out/late300.mp4 -o out/fixed.mp4
