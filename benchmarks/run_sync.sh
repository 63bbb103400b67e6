#!/usr/bin/env bash
# End-to-end speed of `syncdsp sync` on a 60 s, 25 fps, 224x224 talking-face clip: the bundled
# LRS3 face crop concatenated 4 times (stream copy, 62.9 s), made in a scratch folder. Prints the
# wall time of each configuration (median of 3 runs) and the stage timings of the last run.
#   benchmarks/run_sync.sh [path/to/syncdsp]
set -euo pipefail
cd "$(dirname "$0")/.."
syncdsp=${1:-build/apps/syncdsp}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
clip=data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4
for i in 1 2 3 4; do echo "file '$PWD/$clip'"; done > "$work/list.txt"
ffmpeg -nostdin -v error -y -f concat -safe 0 -i "$work/list.txt" -c copy "$work/clip60.mp4"
echo "input: $(ffprobe -v error -show_entries format=duration -of csv=p=0 "$work/clip60.mp4") s, $(nproc) cores"
measure() {
  local label=$1; shift
  local times=()
  for _ in 1 2 3; do
    local t0 t1
    t0=$(date +%s.%N)
    "$syncdsp" sync "$work/clip60.mp4" --quiet --json "$@" > "$work/out.json"
    t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc)")
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
  echo "$label: median wall ${median} s (runs: ${times[*]})"
  /usr/bin/python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print('   offset', j['offset_ms'], 'ms; stages (ms):', j['timings_ms'])" "$work/out.json"
}
measure "flow + energy (--faces off --phones off)" --faces off --phones off
measure "+ phones (--faces off)" --faces off
measure "default (face networks + phones, when installed)"
