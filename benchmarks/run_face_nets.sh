#!/usr/bin/env bash
# The face networks side by side with face-api's WASM-SIMD backend, in one run:
#   benchmarks/run_face_nets.sh [BUILD_DIR]         (default: build)
# Alternates, REPS times (default 3): syncdsp's example_face_landmarks IMAGE 0 N (each call timed
# N times, default 30, median of thread-CPU ms) and face-api's scripts/faceapi/faceapi_speed.js
# MODELS IMAGE wasm N (tfjs-backend-wasm with SIMD, 1 thread, median of process-CPU ms), on the
# same image, for the tiny face detector at 416 and 224, FaceLandmark68Net and the tiny 68-point
# net. Prints each run, then the medians over the REPS runs and the ratio syncdsp / face-api
# (< 1: syncdsp faster), with the machine (CPU model, cores, load average before and after).
# Both sides include their own pre- and post-processing (resize, decode, NMS, mapping).
#
# Environment: IMAGE (default ../shared/anchors/inference/frame50.png), SYNCDSP_MODELS (default
# ${XDG_DATA_HOME:-~/.local/share}/syncdsp/models, where scripts/get_models.sh puts them), REPS, N.
# Skips (exit 0, with a message) when node, the models, the image, the example or
# scripts/faceapi/node_modules (`cd scripts/faceapi && npm ci`) are missing.
# Report: benchmarks/README.md, section "Face networks"; docs/faces.md "Speed".
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${1:-build}
IMAGE=${IMAGE:-../shared/anchors/inference/frame50.png}
MODELS=${SYNCDSP_MODELS:-${XDG_DATA_HOME:-$HOME/.local/share}/syncdsp/models}
REPS=${REPS:-3}
N=${N:-30}
example=$BUILD/examples/example_face_landmarks
skip() { echo "run_face_nets: SKIP: $*" >&2; exit 0; }
command -v node >/dev/null || skip "node not found (face-api runs on Node)"
[[ -f $MODELS/tiny_face_detector_model.bin && -f $MODELS/face_landmark_68_model.bin &&
   -f $MODELS/face_landmark_68_tiny_model.bin ]] || skip "face-api models not in $MODELS (scripts/get_models.sh)"
[[ -f $IMAGE ]] || skip "image $IMAGE not found (set IMAGE)"
[[ -x $example ]] || skip "$example not built (cmake --build $BUILD --target example_face_landmarks)"
[[ -d scripts/faceapi/node_modules/@vladmandic/face-api ]] ||
  skip "scripts/faceapi/node_modules missing (cd scripts/faceapi && npm ci)"
export SYNCDSP_MODELS=$MODELS

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "# face networks, syncdsp vs face-api WASM-SIMD, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1); $(nproc) CPUs online;" \
     "SIMD: $(grep -m1 -o -w -E 'avx512f|avx2|fma|sse4_2' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?'); build: $BUILD; image: $IMAGE; $REPS runs x $N calls"
echo "load average at the start: $(load)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for ((r = 1; r <= REPS; r++)); do
  "$example" "$IMAGE" 0 "$N" >"$work/syncdsp_$r.txt"
  grep -q "detector 416" "$work/syncdsp_$r.txt" || { cat "$work/syncdsp_$r.txt"; skip "example printed no timings"; }
  node scripts/faceapi/faceapi_speed.js "$MODELS" "$IMAGE" wasm "$N" >"$work/faceapi_$r.json"
  echo "run $r done, load average $(load)"
done

/usr/bin/python3 - "$work" "$REPS" <<'PY'
import json, re, statistics, sys
work, reps = sys.argv[1], int(sys.argv[2])
rows = [("detector 416", "detector_416", "detector, input 416"),
        ("detector 224", "detector_224", "detector, input 224"),
        ("landmarks 68 tiny", "landmarks_68_tiny", "landmarks 68 tiny"),
        ("landmarks 68", "landmarks_68", "landmarks 68")]
ours = {k: [] for _, k, _ in rows}
theirs = {k: [] for _, k, _ in rows}
simd = None
for r in range(1, reps + 1):
    text = open(f"{work}/syncdsp_{r}.txt").read()
    for label, key, _ in rows:
        m = re.search(r"^\s*" + re.escape(label) + r"\s+([\d.]+)\s*/\s*([\d.]+)\s*$", text, re.M)
        ours[key].append(float(m.group(2)))  # thread-CPU ms
    j = json.load(open(f"{work}/faceapi_{r}.json"))
    simd = j.get("simd")
    for _, key, _ in rows:
        if key in j:
            theirs[key].append(j[key]["cpu_ms"])
print(f"\nface-api backend wasm, SIMD {simd}; CPU ms per call, run by run (syncdsp | face-api):")
for _, key, name in rows:
    print(f"  {name:22s} " + "  ".join(f"{a:6.2f}" for a in ours[key]) + "  |  " +
          "  ".join(f"{b:6.2f}" for b in theirs[key]))
print(f"\nmedian of {reps} runs, CPU ms per call (one thread):")
print("| call | syncdsp CPU ms | face-api WASM-SIMD CPU ms | syncdsp / face-api |")
print("| --- | --- | --- | --- |")
for _, key, name in [rows[0], rows[1], rows[3], rows[2]]:
    a = statistics.median(ours[key])
    if theirs[key]:
        b = statistics.median(theirs[key])
        print(f"| {name} | {a:.2f} | {b:.2f} | {a / b:.2f} |")
    else:
        print(f"| {name} | {a:.2f} | (no face found by face-api) | - |")
PY
echo "load average at the end: $(load)"
