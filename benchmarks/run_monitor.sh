#!/usr/bin/env bash
# Latency, CPU and memory of `syncdsp monitor` on input played at its own speed (--realtime), as
# benchmarks/README.md reports them.
#   benchmarks/run_monitor.sh crop   SECONDS [path/to/syncdsp]   the bundled 224x224 face crop, looped
#   benchmarks/run_monitor.sh 720p   SECONDS [path/to/syncdsp]   the same face drawn at 448x448 into a
#                                                                1280x720 frame (25 fps), --roi on the mouth
#   benchmarks/run_monitor.sh 720p-faces SECONDS [path/to/syncdsp]   the same 1280x720 stream without
#                                                                --roi: the face networks follow the face
# Prints: the first estimate's wall time after the first frame came out of the decoder (the face
# is there from the first frame) and after the monitor started; per estimate, the wall time out
# minus the stream time of the end of the picture it judges (t_s) and minus the end of the sound
# it used (sound_until_s), with stream time 0 at the first frame; the CPU of the monitor
# and its ffmpeg decoder (user + system) over the wall time; the resident memory of the monitor
# process sampled every 5 s (first minute vs last minute).
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?crop, 720p or 720p-faces}
seconds=${2:?duration in seconds}
syncdsp=${3:-build/apps/syncdsp}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
clip=data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4
loops=$(python3 -c "import math; print(math.ceil($seconds / 15.72) + 1)")
roi=()
if [[ $kind == crop ]]; then
  ffmpeg -nostdin -v error -y -stream_loop "$loops" -i "$clip" -c copy -t "$seconds" -f mpegts "$work/in.ts"
else
  # mouth box: vision::face_crop_mouth_box of the 448x448 face (193 px square at its lower centre)
  # moved to where the face is drawn (416, 136)
  ffmpeg -nostdin -v error -y -stream_loop "$loops" -i "$clip" -t "$seconds" \
    -vf "scale=448:448,pad=1280:720:416:136:color=gray" -c:v libx264 -preset veryfast -g 50 -c:a copy -f mpegts "$work/in.ts"
  [[ $kind == 720p ]] && roi=(--roi 544,376,193,193)
fi
echo "input: $kind, $(ffprobe -v error -show_entries format=duration -of csv=p=0 "$work/in.ts") s, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$work/out.jsonl" "$syncdsp" monitor "$work/in.ts" --realtime --jsonl "${roi[@]}" <<'PY'
import json, resource, statistics, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
rss = []  # (seconds, kB)
with open(out, "w") as f:
    p = subprocess.Popen(cmd, stdout=f)
    while p.poll() is None:
        try:
            with open(f"/proc/{p.pid}/status") as s:
                for line in s:
                    if line.startswith("VmRSS:"):
                        rss.append((time.monotonic() - t0, int(line.split()[1])))
        except FileNotFoundError:
            pass
        time.sleep(5)
wall = time.monotonic() - t0
r = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = r.ru_utime + r.ru_stime
lines = [json.loads(l) for l in open(out)]
est = [l for l in lines if "offset_ms" in l]
events = [l["event"] for l in lines if "event" in l]
# Stream time 0 went live when the first frame came out of the decoder ("started"; ffmpeg -re
# paces from its own start, so this is at most a frame late); without that event (older builds),
# the monitor's start, which makes every latency below an upper bound.
started = [l["wall_s"] for l in lines if l.get("event") == "started"]
zero = started[0] if started else 0.0
lat_picture = [l["wall_s"] - zero - l["t_s"] for l in est]
lat_sound = [l["wall_s"] - zero - l["sound_until_s"] for l in est]
print(f"estimates: {len(est)} ({sum(l['reliable'] for l in est)} reliable), events: {sorted(set(events))}")
# With the face networks the face is followed from its first detection: the first estimate after
# it ("face appeared" is said once it was followed for 25 frames, 0.96 s of stream, after it).
appeared = [l for l in lines if l.get("event") == "face appeared"]
if appeared:
    print(f"face appeared (followed 25 frames) at t_s {appeared[0]['t_s']} s; first estimate "
          f"{est[0]['wall_s'] - zero - (appeared[0]['t_s'] - 0.96):.2f} s after the face's first frame was out")
print(f"first frame out of the decoder at {zero:.2f} s wall after the monitor started")
print(f"first estimate out {est[0]['wall_s'] - zero:.2f} s after the first frame ({est[0]['wall_s']:.2f} s after the "
      f"monitor started; t_s {est[0]['t_s']} s)")
q = lambda v, x: sorted(v)[min(len(v) - 1, int(x * len(v)))]
print(f"out after the end of its picture (wall - t_s): median {statistics.median(lat_picture):.2f} s, "
      f"95% {q(lat_picture, 0.95):.2f} s, max {max(lat_picture):.2f} s")
print(f"out after the end of its sound (wall - sound_until_s): median {statistics.median(lat_sound):.2f} s, "
      f"max {max(lat_sound):.2f} s")
print(f"CPU: {cpu:.1f} s over {wall:.1f} s wall = {cpu / wall:.3f} core (monitor + its ffmpeg)")
first = [k for t, k in rss if t <= 60]
last = [k for t, k in rss if t >= wall - 60]
print(f"RSS of the monitor: first minute max {max(first) / 1024:.1f} MB, last minute max {max(last) / 1024:.1f} MB, "
      f"overall max {max(k for _, k in rss) / 1024:.1f} MB ({len(rss)} samples)")
PY
