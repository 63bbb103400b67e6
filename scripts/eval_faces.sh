#!/usr/bin/env bash
# Speaker choice on side-by-side composites of single-speaker calib clips (issue 12).
#
#   scripts/eval_faces.sh SYNCDSP_BINARY [OUT_DIR] [DATA_DIR]
#
# For each pair of in-sync single-speaker clips (../shared/data/calib, MANIFEST faces == 1) it builds,
# with ffmpeg, three 2-face videos: both pictures side by side, with the sound of the LEFT face, of
# the RIGHT face, and ALTERNATING (left, right, left, ... every 10 s; every half for clips shorter
# than 20 s). Two kinds of pairs:
#  - "square": the three pairs of >= 10 s clips of the first evaluation, each picture scaled to
#    360x360 at 25 fps (720x360);
#  - "native": every pair of the calib clips of >= 30 s (DFRF cnn2 512x512 25 fps, DFRF french
#    512x512 30 fps, EDTalk pose_source2 256x256 25 fps), each picture at its own size (the smaller
#    one centred vertically on black), the video at the left clip's frame rate (so a 25 fps clip
#    next to a 30 fps one is shown at 30 fps with repeated frames): mixed resolutions and rates.
# Truth by construction: in each 5 s window (hop 2.5 s) lying wholly in one sound segment, the face
# whose sound plays is the speaker, and the offset is that clip's own (plus the container's start
# shift of its video over its audio, which the composite drops: 80 ms for DFRF french). Then `syncdsp sync --json
# --track 5s` on each composite, and on each clip alone over the same duration (its own single-face
# offset, to compare with the composite's whole-video offset). With EVAL_FACES_MULTI=1 (default) it
# also runs the 5 calib/multi clips (no per-window truth there: their choices are listed for reading).
# Prints a TSV per composite and the totals; regenerate the figures in docs/faces.md with it.
# Existing composites and JSON answers in OUT_DIR are reused (delete them to re-run).
set -euo pipefail
bin=${1:?usage: eval_faces.sh SYNCDSP_BINARY [OUT_DIR] [DATA_DIR]}
out=${2:-build/eval_faces}
data=${3:-$(cd "$(dirname "$0")/.." && pwd)/../shared/data}
py=/usr/bin/python3
mkdir -p "$out"
calib=$data/calib
period_max=10  # seconds per sound segment in the alternating composites
# kind:left:right (names from calib/MANIFEST.tsv).
pairs=(
  "square yerfor+MimicTalk__data_raw_examples_German_20s.mp4 tanshuai0219+EDTalk__test_data_uncrop_Obama.mp4"
  "square MeiGen-AI+InfiniteTalk__examples_single_ref_video.mp4 yerfor+MimicTalk__data_raw_examples_Trump_10s.mp4"
  "square sstzal+DFRF__dataset_vids_cnn2_25fps.mp4 tanshuai0219+EDTalk__test_data_pose_source2.mp4"
  "native sstzal+DFRF__dataset_vids_cnn2_25fps.mp4 tanshuai0219+EDTalk__test_data_pose_source2.mp4"
  "native sstzal+DFRF__dataset_vids_french.mp4 sstzal+DFRF__dataset_vids_cnn2_25fps.mp4"
  "native sstzal+DFRF__dataset_vids_french.mp4 tanshuai0219+EDTalk__test_data_pose_source2.mp4"
)
square_max=${EVAL_FACES_SECONDS:-20}  # the square pairs use at most this many seconds (as before)
probe() { ffprobe -v error -select_streams v:0 -show_entries "$1" -of csv=p=0 "$2" | head -1; }
# ms by which the container starts the video after the audio (DFRF french: 80). The composites
# restart each picture and sound at 0 (setpts/asetpts), which drops it: a composite's truth is the
# clip's own offset plus this.
start_shift_ms() {
  $py -c "import subprocess as s, sys
o = s.run(['ffprobe', '-v', 'error', '-show_entries', 'stream=codec_type,start_time', '-of', 'csv=p=0', sys.argv[1]], capture_output=True, text=True).stdout.split()
st = {k: float(v) for k, v in (l.split(',') for l in o if ',' in l and l.split(',')[1] not in ('', 'N/A'))}
print(round(1000 * (st.get('video', 0) - st.get('audio', 0))))" "$1"
}
run_sync() {  # FILE JSON: the answer, kept when it exists
  [[ -s $2 ]] || "$bin" sync "$1" --json --track 5s --quiet >"$2" || true
}
for pair in "${pairs[@]}"; do
  read -r kind a b <<<"$pair"
  [[ -f $calib/$a && -f $calib/$b ]] || { echo "eval_faces: SKIP $a / $b (missing)" >&2; continue; }
  la=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$calib/$a")
  lb=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$calib/$b")
  if [[ $kind == square ]]; then cap=$square_max; else cap=100000; fi
  d=$($py -c "print(f'{min($la, $lb, $cap):.3f}')")
  period=$($py -c "print(f'{min($period_max, $d / 2):.3f}')")
  nseg=$($py -c "import math; print(math.ceil($d / $period - 1e-6))")
  na=${a#*__}; nb=${b#*__}
  tag="$kind.${na%.mp4}+${nb%.mp4}"
  if [[ $kind == square ]]; then
    fps=25
    vmap="[0:v]fps=25,scale=360:360,setsar=1,trim=0:$d,setpts=PTS-STARTPTS[l];[1:v]fps=25,scale=360:360,setsar=1,trim=0:$d,setpts=PTS-STARTPTS[r];[l][r]hstack=inputs=2[v]"
    split=360
  else
    fps=$(probe stream=r_frame_rate "$calib/$a")
    wa=$(probe stream=width "$calib/$a"); ha=$(probe stream=height "$calib/$a")
    wb=$(probe stream=width "$calib/$b"); hb=$(probe stream=height "$calib/$b")
    h=$(( ha > hb ? ha : hb ))
    vmap="[0:v]fps=$fps,setsar=1,pad=$wa:$h:0:($h-ih)/2,trim=0:$d,setpts=PTS-STARTPTS[l];[1:v]fps=$fps,setsar=1,pad=$wb:$h:0:($h-ih)/2,trim=0:$d,setpts=PTS-STARTPTS[r];[l][r]hstack=inputs=2[v]"
    split=$wa
  fi
  for mode in left right alternating; do
    f=$out/$tag.$mode.mp4
    if [[ ! -s $f ]]; then
      case $mode in
        left) amap="[0:a]atrim=0:$d,asetpts=PTS-STARTPTS[a]" ;;
        right) amap="[1:a]atrim=0:$d,asetpts=PTS-STARTPTS[a]" ;;
        alternating)
          amap="" ; cat=""
          for ((k = 0; k < nseg; k++)); do
            s=$($py -c "print(f'{$k * $period:.3f}')"); e=$($py -c "print(f'{min(($k + 1) * $period, $d):.3f}')")
            amap+="[$((k % 2)):a]atrim=$s:$e,asetpts=PTS-STARTPTS[a$k];"; cat+="[a$k]"
          done
          amap+="${cat}concat=n=$nseg:v=0:a=1[a]" ;;
      esac
      ffmpeg -nostdin -v error -y -i "$calib/$a" -i "$calib/$b" -filter_complex "$vmap;$amap" \
        -map "[v]" -map "[a]" -r "$fps" -c:v libx264 -preset veryfast -crf 20 -c:a aac -ar 48000 "$f"
    fi
    printf '{"split_x": %s, "period_s": %s, "left": "%s", "right": "%s", "shift_ms": {"left": %s, "right": %s}}\n' \
      "$split" "$period" "$a" "$b" "$(start_shift_ms "$calib/$a")" "$(start_shift_ms "$calib/$b")" >"$f.meta"
    run_sync "$f" "$f.json"
  done
  # Each clip alone over the same seconds: its own single-face offset.
  for c in "$a" "$b"; do
    s=$out/alone.${c%%.mp4}.$d.mp4
    [[ -s $s ]] || ffmpeg -nostdin -v error -y -i "$calib/$c" -t "$d" -c copy "$s"
    run_sync "$s" "$s.json"
  done
done
if [[ ${EVAL_FACES_MULTI:-1} != 0 ]]; then
  for f in "$data"/calib/multi/*.mp4; do
    [[ -f $f ]] || continue
    run_sync "$f" "$out/multi.$(basename "$f").json"
  done
fi
$py - "$out" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
tot = right = ambiguous = 0
def load(p):
    try:
        return json.load(open(p))
    except Exception:
        return None
def offset(r):
    if not r or not r.get("valid"):
        return "none"
    return f"{r['offset_ms']:+.0f}{'' if r.get('reliable') else ' (unreliable)'}"
print("file\twindows_truth\tright\tambiguous\twhole_offset_ms\tclip_alone_offset_ms\tleft_ids\tright_ids")
for j in sorted(glob.glob(os.path.join(out, "*.mp4.json"))):
    name = os.path.basename(j)[:-5]
    r = load(j)
    if name.startswith("alone."):
        continue
    if r is None:
        print(f"{name}\tno answer"); continue
    if name.startswith("multi."):
        used = [t["id"] for t in r.get("tracks", []) if t.get("speaker")]
        wins = [(w["start_s"], w.get("face")) for w in r.get("windows", [])]
        print(f"{name}\t(no truth)\ttracks={len(r.get('tracks', []))}\tused={used}\twindows={wins}\t{offset(r)}")
        continue
    meta = json.load(open(j[:-5] + ".meta"))
    mode = name.split(".")[-2]
    tracks = r.get("tracks", [])
    split = meta["split_x"]
    left = [t["id"] for t in tracks if t["box"][0] + t["box"][2] / 2 < split]
    rightf = [t["id"] for t in tracks if t["box"][0] + t["box"][2] / 2 >= split]
    period = meta["period_s"]
    n = ok = amb = 0
    for w in r.get("windows", []):
        s, e = w["start_s"], w["end_s"]
        if mode == "left": truth = left
        elif mode == "right": truth = rightf
        else:
            seg = int((s + 1e-6) // period)
            if e > (seg + 1) * period + 1e-6: continue  # spans a change of speaker
            truth = left if seg % 2 == 0 else rightf
        n += 1
        if w.get("ambiguous"): amb += 1
        elif w.get("face") in truth: ok += 1
    tot += n; right += ok; ambiguous += amb
    # The speaking clip's own offset over the same seconds (both clips for the alternating ones).
    alone = []
    for side in (["left"] if mode == "left" else ["right"] if mode == "right" else ["left", "right"]):
        c = meta[side][:-4]
        hits = glob.glob(os.path.join(out, f"alone.{c}.*.mp4.json"))
        dur = r.get("duration_s", 0)
        # the trimmed copy whose length matches this composite (names carry the seconds)
        best = None
        for h in hits:
            o = load(h)
            secs = float(os.path.basename(h)[len("alone." + c) + 1:-len(".mp4.json")])
            if best is None or abs(secs - dur) < best[0]:
                best = (abs(secs - dur), o)
        own = offset(best[1]) if best else "?"
        shift = meta.get("shift_ms", {}).get(side, 0)
        if shift and best and best[1] and best[1].get("valid"):
            own += f" (+{shift} start shift = {best[1]['offset_ms'] + shift:+.0f})"
        alone.append(own)
    print(f"{name}\t{n}\t{ok}\t{amb}\t{offset(r)}\t{' / '.join(alone)}\t{left}\t{rightf}")
if tot:
    print(f"TOTAL\t{tot} windows with one speaker\t{right} right ({100.0 * right / tot:.1f} %)\t{ambiguous} ambiguous")
PY
