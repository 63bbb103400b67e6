#!/usr/bin/env bash
# Speed of the face pass of `syncdsp sync` on a 60 s, 25 fps, 1280x720 video with TWO faces (issue 12),
# side by side with the same pass on ONE face (the same left picture, the right half gray):
#   benchmarks/run_faces.sh [path/to/syncdsp] [calib data dir]
# Input: two single-speaker calib clips of >= 60 s (DFRF cnn2, EDTalk pose_source2), each scaled to
# 640x720 and stacked (made once in a scratch folder, libx264 veryfast). Prints, per configuration,
# the median over 3 runs (RUNS=N to change) of the wall time and of the "faces" stage (the one decode with the detector,
# landmarks of every track, shot cuts and the kept mouth parts), plus user+system CPU of the process.
set -euo pipefail
cd "$(dirname "$0")/.."
syncdsp=${1:-build/apps/syncdsp}
calib=${2:-../shared/data/calib}
a=$calib/sstzal+DFRF__dataset_vids_cnn2_25fps.mp4
b=$calib/tanshuai0219+EDTalk__test_data_pose_source2.mp4
[[ -f $a && -f $b ]] || { echo "run_faces: SKIP: $a or $b missing" >&2; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ffmpeg -nostdin -v error -y -i "$a" -i "$b" -filter_complex \
  "[0:v]fps=25,scale=640:720,setsar=1,trim=0:60,setpts=PTS-STARTPTS[l];[1:v]fps=25,scale=640:720,setsar=1,trim=0:60,setpts=PTS-STARTPTS[r];[l][r]hstack=inputs=2[v];[0:a]atrim=0:60[a]" \
  -map "[v]" -map "[a]" -c:v libx264 -preset veryfast -crf 20 -c:a aac "$work/two.mp4"
ffmpeg -nostdin -v error -y -i "$a" -filter_complex \
  "[0:v]fps=25,scale=640:720,setsar=1,trim=0:60,setpts=PTS-STARTPTS,pad=1280:720:0:0:gray[v];[0:a]atrim=0:60[a]" \
  -map "[v]" -map "[a]" -c:v libx264 -preset veryfast -crf 20 -c:a aac "$work/one.mp4"
echo "input: $(ffprobe -v error -show_entries format=duration -of csv=p=0 "$work/two.mp4") s, 1280x720, $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
measure() {
  local label=$1 video=$2; shift 2
  /usr/bin/python3 - "$label" "$work/out.json" "$syncdsp" sync "$video" --quiet --json --phones off "$@" <<'PY'
import json, os, resource, statistics, subprocess, sys, time
label, out, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
walls, cpus, faces = [], [], []
for _ in range(int(os.environ.get("RUNS", "3"))):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    with open(out, "w") as f:
        subprocess.run(cmd, stdout=f, check=False)
    walls.append(time.monotonic() - t0)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    faces.append(json.load(open(out))["timings_ms"].get("faces", float("nan")) / 1000)
j = json.load(open(out))
print(f"{label}: face pass median {statistics.median(faces):.2f} s (runs {' '.join(f'{x:.2f}' for x in faces)}); "
      f"total wall {statistics.median(walls):.2f} s; CPU {statistics.median(cpus):.2f} s; "
      f"tracks {len(j.get('tracks', []))}, offset {j.get('offset_ms')} ms")
PY
}
measure "one face  (--face speaker)" "$work/one.mp4"
measure "two faces (--face speaker)" "$work/two.mp4"
measure "two faces (--face largest, single-face path)" "$work/two.mp4" --face largest
