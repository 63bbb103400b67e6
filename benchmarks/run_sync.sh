#!/usr/bin/env bash
# End-to-end speed of `syncdsp sync` on a 60 s, 25 fps, 224x224 talking-face clip: the bundled
# LRS3 face crop concatenated 4 times (stream copy, 62.9 s), made in a scratch folder. Prints the
# wall and CPU time of each configuration (median of 3 runs) and the stage timings of the last run.
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
# Wall and CPU time (user + system of syncdsp and its ffmpeg children: less sensitive to other load
# on the machine than wall time) of 3 runs; the median of each.
measure() {
  local label=$1; shift
  /usr/bin/python3 - "$label" "$work/out.json" "$syncdsp" sync "$work/clip60.mp4" --quiet --json "$@" <<'PY'
import json, resource, statistics, subprocess, sys, time
label, out, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
walls, cpus = [], []
for _ in range(3):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    with open(out, "w") as f:
        subprocess.run(cmd, stdout=f, check=True)
    walls.append(time.monotonic() - t0)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
print(f"{label}: median wall {statistics.median(walls):.2f} s, median CPU {statistics.median(cpus):.2f} s "
      f"(wall runs: {' '.join(f'{w:.2f}' for w in walls)}; CPU runs: {' '.join(f'{c:.2f}' for c in cpus)})")
j = json.load(open(out))
print("   offset", j["offset_ms"], "ms; stages (ms):", j["timings_ms"])
PY
}
measure "flow + energy (--faces off --phones off)" --faces off --phones off
measure "+ phones (--faces off)" --faces off
measure "default (face networks + phones, when installed)"
