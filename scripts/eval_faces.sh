#!/usr/bin/env bash
# Speaker choice on side-by-side composites of single-speaker calib clips (issue 12).
#
#   scripts/eval_faces.sh SYNCDSP_BINARY [OUT_DIR] [DATA_DIR]
#
# For each pair of in-sync single-speaker clips (../shared/data/calib, MANIFEST faces == 1) it builds,
# with ffmpeg, three 2-face videos: both pictures side by side (each scaled to 360x360), with the
# sound of the LEFT face, of the RIGHT face, and ALTERNATING (left's sound for the first half, the
# right's for the second). Truth by construction: in each 5 s window (hop 2.5 s) lying wholly in one
# half, the face whose sound plays is the speaker, and the offset is the clip's own (0 ms within
# the calib clips' accuracy). Then `syncdsp sync --json --track 5s` on each, and on the 5
# calib/multi clips (no per-window truth there: their choices are listed for reading).
# Prints a TSV per composite and the totals; regenerate the figures in docs/faces.md with it.
set -euo pipefail
bin=${1:?usage: eval_faces.sh SYNCDSP_BINARY [OUT_DIR] [DATA_DIR]}
out=${2:-build/eval_faces}
data=${3:-$(cd "$(dirname "$0")/.." && pwd)/../shared/data}
py=/usr/bin/python3
mkdir -p "$out"
calib=$data/calib
# Pairs of single-speaker clips of >= 10 s (names from calib/MANIFEST.tsv).
pairs=(
  "yerfor+MimicTalk__data_raw_examples_German_20s.mp4 tanshuai0219+EDTalk__test_data_uncrop_Obama.mp4"
  "MeiGen-AI+InfiniteTalk__examples_single_ref_video.mp4 yerfor+MimicTalk__data_raw_examples_Trump_10s.mp4"
  "sstzal+DFRF__dataset_vids_cnn2_25fps.mp4 tanshuai0219+EDTalk__test_data_pose_source2.mp4"
)
dur=${EVAL_FACES_SECONDS:-20}
for pair in "${pairs[@]}"; do
  read -r a b <<<"$pair"
  [[ -f $calib/$a && -f $calib/$b ]] || { echo "eval_faces: SKIP $a / $b (missing)" >&2; continue; }
  la=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$calib/$a")
  lb=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$calib/$b")
  d=$($py -c "print(f'{min($la, $lb, $dur):.3f}')")
  half=$($py -c "print(f'{$d/2:.3f}')")
  tag="${a%%__*}-${b%%__*}"
  for mode in left right alternating; do
    f=$out/$tag.$mode.mp4
    if [[ ! -s $f ]]; then
      case $mode in
        left) amap="[0:a]atrim=0:$d,asetpts=PTS-STARTPTS[a]" ;;
        right) amap="[1:a]atrim=0:$d,asetpts=PTS-STARTPTS[a]" ;;
        alternating) amap="[0:a]atrim=0:$half,asetpts=PTS-STARTPTS[a0];[1:a]atrim=$half:$d,asetpts=PTS-STARTPTS[a1];[a0][a1]concat=n=2:v=0:a=1[a]" ;;
      esac
      ffmpeg -nostdin -v error -y -i "$calib/$a" -i "$calib/$b" -filter_complex \
        "[0:v]fps=25,scale=360:360,setsar=1,trim=0:$d,setpts=PTS-STARTPTS[l];[1:v]fps=25,scale=360:360,setsar=1,trim=0:$d,setpts=PTS-STARTPTS[r];[l][r]hstack=inputs=2[v];$amap" \
        -map "[v]" -map "[a]" -c:v libx264 -preset veryfast -crf 20 -c:a aac -ar 48000 "$f"
    fi
    "$bin" sync "$f" --json --track 5s --quiet >"$f.json" || true
  done
done
for f in "$data"/calib/multi/*.mp4; do
  [[ -f $f ]] || continue
  j=$out/multi.$(basename "$f").json
  "$bin" sync "$f" --json --track 5s --quiet >"$j" || true
done
$py - "$out" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
tot = right = ambiguous = 0
print("file\twindows_truth\tright\tambiguous\twhole_offset_ms\treliable\tleft_id\tright_id")
for j in sorted(glob.glob(os.path.join(out, "*.mp4.json"))):
    name = os.path.basename(j)[:-5]
    try:
        r = json.load(open(j))
    except Exception:
        print(f"{name}\tno answer"); continue
    if name.startswith("multi."):
        used = [t["id"] for t in r.get("tracks", []) if t.get("speaker")]
        wins = [(w["start_s"], w.get("face")) for w in r.get("windows", [])]
        print(f"{name}\t(no truth)\tused={used}\twindows={wins}\t{r['offset_ms'] if r.get('valid') else None}\t{r.get('reliable')}")
        continue
    mode = name.split(".")[-2]
    tracks = r.get("tracks", [])
    # The left face: the track whose median box centre is in the left half (x < 360).
    left = [t["id"] for t in tracks if t["box"][0] + t["box"][2] / 2 < 360]
    rightf = [t["id"] for t in tracks if t["box"][0] + t["box"][2] / 2 >= 360]
    dur = r.get("duration_s", 0)
    n = ok = amb = 0
    for w in r.get("windows", []):
        s, e = w["start_s"], w["end_s"]
        if mode == "left": truth = left
        elif mode == "right": truth = rightf
        else:
            if e <= dur / 2 + 1e-6: truth = left
            elif s >= dur / 2 - 1e-6: truth = rightf
            else: continue
        n += 1
        if w.get("ambiguous"): amb += 1
        elif w.get("face") in truth: ok += 1
    tot += n; right += ok; ambiguous += amb
    print(f"{name}\t{n}\t{ok}\t{amb}\t{r['offset_ms'] if r.get('valid') else None}\t{r.get('reliable')}\t{left}\t{rightf}")
if tot:
    print(f"TOTAL\t{tot} windows with one speaker\t{right} right ({100.0 * right / tot:.1f} %)\t{ambiguous} ambiguous")
PY
