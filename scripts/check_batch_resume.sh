#!/usr/bin/env bash
# Checks that an interrupted batch resumes to exactly what an uninterrupted one writes, on real
# archives (the ctest `cli_batch` checks the same on four short clips):
#   1. `syncdsp batch INPUTS -o full.jsonl` runs to the end;
#   2. `syncdsp batch INPUTS -o resumed.jsonl` is killed with SIGKILL once KILL_AFTER lines are out,
#      then run again with the same arguments, which skips what is done;
#   3. both outputs, merged and sorted without timings (`syncdsp report --merge --no-timings`), must
#      be byte for byte equal.
# usage: scripts/check_batch_resume.sh SYNCDSP OUTDIR INPUT... [-- BATCH_OPTIONS...]
#   KILL_AFTER=N (default 5)
set -euo pipefail
syncdsp=$(realpath "$1"); out=$2; shift 2
inputs=(); opts=()
while (($#)); do
  if [[ $1 == -- ]]; then shift; opts=("$@"); break; fi
  inputs+=("$1"); shift
done
kill_after=${KILL_AFTER:-5}
mkdir -p "$out"
rm -f "$out"/full.jsonl "$out"/resumed.jsonl
echo "check_batch_resume: uninterrupted run over ${inputs[*]}"
start=$SECONDS
"$syncdsp" batch "${inputs[@]}" -o "$out/full.jsonl" --quiet "${opts[@]}" || true   # exit 1 = some file failed
echo "check_batch_resume: $(wc -l <"$out/full.jsonl") lines in $((SECONDS - start)) s"

"$syncdsp" batch "${inputs[@]}" -o "$out/resumed.jsonl" --quiet "${opts[@]}" &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  lines=0
  [[ -f $out/resumed.jsonl ]] && lines=$(wc -l <"$out/resumed.jsonl")
  if ((lines >= kill_after)); then kill -9 "$pid"; break; fi
  sleep 0.2
done
wait "$pid" 2>/dev/null || true
partial=$(wc -l <"$out/resumed.jsonl")
echo "check_batch_resume: killed with SIGKILL after $partial lines; resuming"
"$syncdsp" batch "${inputs[@]}" -o "$out/resumed.jsonl" --quiet "${opts[@]}" || true
"$syncdsp" report "$out/full.jsonl" --merge "$out/full.merged.jsonl" --no-timings >/dev/null
"$syncdsp" report "$out/resumed.jsonl" --merge "$out/resumed.merged.jsonl" --no-timings >/dev/null
if cmp -s "$out/full.merged.jsonl" "$out/resumed.merged.jsonl"; then
  echo "check_batch_resume: PASS: $(wc -l <"$out/full.merged.jsonl") files, killed after $partial, resumed output equals the uninterrupted one"
else
  echo "check_batch_resume: FAIL: the resumed output differs:" >&2
  diff <(cut -c1-300 "$out/full.merged.jsonl") <(cut -c1-300 "$out/resumed.merged.jsonl") | head -20 >&2
  exit 1
fi
