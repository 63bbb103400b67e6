#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each from its seed corpus in
# tests/fuzz/corpus/<name>/. New inputs go to a scratch corpus, not into git.
# Fuzz time goes where the code changed: a target whose fuzz source or whose parser headers (the
# syncdsp headers it includes) changed in the last FUZZ_RECENT commits (default 30) runs for
# FUZZ_SECONDS (default 30); the others for FUZZ_SECONDS_UNCHANGED (default 10), which replays the
# seed corpus and still mutates it. Outside a git checkout every target gets FUZZ_SECONDS.
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
for t in $targets; do cmake --build build-fuzz --target "fuzz_$t" -j "${JOBS:-$(nproc)}"; done
for t in $targets; do
  work="build-fuzz/corpus-$t"
  mkdir -p "$work"
  SECONDS_EACH=$(seconds_for "$t")
  echo "== fuzz $t for ${SECONDS_EACH}s"
  ./build-fuzz/tests/fuzz/fuzz_$t "$work" "tests/fuzz/corpus/$t" -max_total_time="$SECONDS_EACH" \
    -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 2>&1 | tail -n 12
done
echo "fuzz: all targets ran without a crash"
