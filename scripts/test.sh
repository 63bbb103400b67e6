#!/usr/bin/env bash
# Sets up, builds and runs every test: the normal build (warnings as errors), the whole suite again
# under AddressSanitizer + UndefinedBehaviorSanitizer, and each libFuzzer target for a bounded time.
#   scripts/test.sh              everything (what CI runs)
#   scripts/test.sh --quick      the normal build and ctest only
#   FUZZ_SECONDS=40 (default)    time per fuzz target
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
JOBS=${JOBS:-$(nproc)}

echo "== build (Release, -Wall -Wextra -Wpedantic -Werror)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSYNCDSP_WARNINGS_AS_ERRORS=ON >/dev/null
cmake --build build -j "$JOBS"
echo "== tests"
ctest --test-dir build --output-on-failure -j "$JOBS"

if [[ "${1:-}" == "--quick" ]]; then exit 0; fi

echo "== tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DSYNCDSP_SANITIZE=ON \
      -DSYNCDSP_BUILD_EXAMPLES=OFF -DSYNCDSP_HEADER_CHECK=OFF >/dev/null
cmake --build build-asan -j "$JOBS"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 SYNCDSP_SANITIZED=1 \
  ctest --test-dir build-asan --output-on-failure -j "$JOBS" -E "^cmake_"

echo "== fuzzing"
bash scripts/fuzz.sh
