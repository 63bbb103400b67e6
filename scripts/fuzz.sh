#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each from its seed corpus in
# tests/fuzz/corpus/<name>/. New inputs go to a scratch corpus, not into git.
# Fuzz time goes where the code changed: a target whose fuzz source or whose parser headers (the
# syncdsp headers it includes) changed in the last FUZZ_RECENT commits (default 30) runs for
# FUZZ_SECONDS (default 30); the others for FUZZ_SECONDS_UNCHANGED (default 10), which replays the
# seed corpus and still mutates it. Outside a git checkout every target gets FUZZ_SECONDS.
# The targets are built together and run JOBS (default: the number of cores) at a time, one core each.
#   scripts/fuzz.sh [--build-only]   (--build-only: configure and build, run nothing)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_CHANGED=${FUZZ_SECONDS:-30}
SECONDS_UNCHANGED=${FUZZ_SECONDS_UNCHANGED:-10}
if changed_files=$(git log -n "${FUZZ_RECENT:-30}" --format= --name-only 2>/dev/null); then
  have_history=1
else
  have_history=""
fi
seconds_for() {  # seconds_for TARGET: the fuzz time of one target
  local t=$1 f
  [[ -n $have_history ]] || { echo "$SECONDS_CHANGED"; return; }
  for f in "tests/fuzz/${t}_fuzz.cpp" $(grep -oE '#include "syncdsp/[^"]+"' "tests/fuzz/${t}_fuzz.cpp" |
                                        sed -E 's|#include "(.*)"|include/\1|'); do
    if grep -qxF "$f" <<<"$changed_files"; then echo "$SECONDS_CHANGED"; return; fi
  done
  echo "$SECONDS_UNCHANGED"
}
CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Release -DSYNCDSP_BUILD_FUZZERS=ON \
  -DSYNCDSP_BUILD_APPS=OFF -DSYNCDSP_BUILD_EXAMPLES=OFF -DSYNCDSP_INSTALL=OFF >/dev/null
targets=$(cd tests/fuzz && ls *_fuzz.cpp | sed 's/_fuzz.cpp$//')
jobs=${JOBS:-$(nproc)}
# One build command for all targets, so make compiles them side by side (one per core).
cmake --build build-fuzz -j "$jobs" --target $(sed 's/^/fuzz_/' <<<"$targets")
[[ "${1:-}" != --build-only ]] || exit 0
# Each fuzzer runs on one core: run $jobs of them at a time, each writing to its own log, and print
# the logs in a fixed order once all have ended.
declare -A pid_of
failed=()
for t in $targets; do
  while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
  work="build-fuzz/corpus-$t"
  mkdir -p "$work"
  SECONDS_EACH=$(seconds_for "$t")
  echo "== fuzz $t for ${SECONDS_EACH}s"
  ./build-fuzz/tests/fuzz/fuzz_$t "$work" "tests/fuzz/corpus/$t" -max_total_time="$SECONDS_EACH" \
    -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 >"build-fuzz/fuzz_$t.log" 2>&1 &
  pid_of[$t]=$!
done
for t in $targets; do
  rc=0
  wait "${pid_of[$t]}" || rc=$?
  echo "== fuzz $t (exit $rc), last lines of build-fuzz/fuzz_$t.log:"
  tail -n 12 "build-fuzz/fuzz_$t.log"
  ((rc == 0)) || failed+=("$t")
done
if ((${#failed[@]})); then
  echo "fuzz: FAILED: ${failed[*]} (their logs are above, and in build-fuzz/fuzz_<name>.log)" >&2
  exit 1
fi
echo "fuzz: all targets ran without a crash"
