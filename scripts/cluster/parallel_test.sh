#!/usr/bin/env bash
# scripts/cluster/parallel_test.sh SYNCDSP INPUT_DIR [SHARDS] - the GNU parallel recipe of
# docs/scale.md: N shards of `syncdsp batch` run by GNU parallel, locally (-j) and through
# --sshlogin ':' (parallel's name for this machine, with no ssh), merged with `syncdsp report
# --merge` and compared with one local batch of the same files. Exit 1 with the reason otherwise.
set -euo pipefail
SYNCDSP=$(readlink -f "$1"); INPUTS=$(readlink -f "$2"); SHARDS=${3:-2}
OPTS=${SYNCDSP_BATCH_OPTS:---faces off --phones off --face-crop}
fail() { echo "parallel_test: FAIL: $*" >&2; exit 1; }
command -v parallel >/dev/null || fail "GNU parallel is not installed (scripts/setup.sh installs it)"
T=$(mktemp -d /tmp/syncdsp-parallel.XXXXXX)
trap 'rm -rf "$T"' EXIT
# The inputs: a symbolic-link copy of INPUT_DIR plus a corrupt file (its error line must match too).
cp -rs "$INPUTS" "$T/in" && echo "not a video" > "$T/in/corrupt.mp4" && INPUTS="$T/in"
"$SYNCDSP" batch "$INPUTS" -o "$T/local-raw.jsonl" --quiet $OPTS || [ $? -eq 1 ]
"$SYNCDSP" report "$T/local-raw.jsonl" --merge "$T/local.jsonl" --no-timings > /dev/null
for mode in local sshlogin; do
  mkdir -p "$T/$mode"
  if [ $mode = local ]; then where=(-j 2); else where=(--sshlogin : -j 2); fi
  # exit status 1 of a shard only means some file failed; its line says why
  seq 0 $((SHARDS - 1)) | parallel --will-cite "${where[@]}" \
    "'$SYNCDSP' batch '$INPUTS' -o '$T/$mode/results-{}.jsonl' --shard {}/$SHARDS --threads 1 --quiet $OPTS; [ \$? -le 1 ]" \
    || fail "a $mode shard failed"
  "$SYNCDSP" report "$T/$mode"/results-*.jsonl --merge "$T/$mode.jsonl" --no-timings > /dev/null
  cmp -s "$T/$mode.jsonl" "$T/local.jsonl" || fail "$mode shards differ from the local batch: $(diff "$T/$mode.jsonl" "$T/local.jsonl" | head -c 600)"
  echo "parallel_test: OK: $SHARDS shards by GNU parallel ($mode) equal the local batch ($(wc -l < "$T/local.jsonl") files)"
done
