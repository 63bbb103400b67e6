#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for FUZZ_SECONDS (default 30) from its
# seed corpus in tests/fuzz/corpus/<name>/. New inputs go to a scratch corpus, not into git.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-30}
CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Release -DSYNCDSP_BUILD_FUZZERS=ON \
  -DSYNCDSP_BUILD_APPS=OFF -DSYNCDSP_BUILD_EXAMPLES=OFF -DSYNCDSP_INSTALL=OFF >/dev/null
targets=$(cd tests/fuzz && ls *_fuzz.cpp | sed 's/_fuzz.cpp$//')
for t in $targets; do cmake --build build-fuzz --target "fuzz_$t" -j "${JOBS:-$(nproc)}"; done
for t in $targets; do
  work="build-fuzz/corpus-$t"
  mkdir -p "$work"
  echo "== fuzz $t for ${SECONDS_EACH}s"
  ./build-fuzz/tests/fuzz/fuzz_$t "$work" "tests/fuzz/corpus/$t" -max_total_time="$SECONDS_EACH" \
    -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 2>&1 | tail -n 12
done
echo "fuzz: all targets ran without a crash"
