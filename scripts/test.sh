#!/usr/bin/env bash
# Sets up, builds and runs every test: the normal build (warnings as errors), the whole suite again
# under AddressSanitizer + UndefinedBehaviorSanitizer, and each libFuzzer target for a bounded time.
#   scripts/test.sh              everything (what CI runs)
#   scripts/test.sh --quick      the normal build and ctest only
#   FUZZ_SECONDS=30 (default)    time per fuzz target whose parser changed lately (scripts/fuzz.sh)
#   SYNCDSP_NO_MODELS=1          do not install the face models (their tests then skip, and say so)
# The face models are installed first (scripts/get_models.sh, through npm; nothing is fetched when
# they are already there), so the face networks are tested as users run them. After each ctest run
# the skipped cases are listed with their reasons (scripts/skipped.sh), and each phase's time.
# Phases overlap where that cuts no test (run_ctest, start_background below), to keep CI within
# 30 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
JOBS=${JOBS:-$(nproc)}
start=$SECONDS
phase_start=$SECONDS
times=()
phase_done() {  # phase_done NAME: records how long the phase since the last call took
  times+=("$1 $((SECONDS - phase_start)) s")
  echo "== $1 took $((SECONDS - phase_start)) s"
  phase_start=$SECONDS
}
# ctest, then the skipped cases; ctest's own closing line ("N% tests passed ...") stays as it is.
# The real-time tests (label realtime: each plays a stream at its own speed for about 35 s and uses
# little CPU) would hold ctest's -j slots while the cores idle, so they run in a second ctest beside
# the CPU-bound ones, 4 at a time. That ctest runs from DIR/tests so that each writes its own log
# (Testing/Temporary), and its output is printed when both are done.
run_ctest() {  # run_ctest BUILD_DIR [ctest args...]
  local dir=$1 rc=0 realtime_rc=0 realtime_pid
  shift
  ctest --test-dir "$dir/tests" --output-on-failure -j 4 -L realtime "$@" >"$dir/realtime_tests.log" 2>&1 &
  realtime_pid=$!
  ctest --test-dir "$dir" --output-on-failure -j "$JOBS" -LE realtime "$@" || rc=$?
  wait "$realtime_pid" || realtime_rc=$?
  echo "== real-time tests (run beside the others):"
  cat "$dir/realtime_tests.log"
  bash scripts/skipped.sh "$dir"
  bash scripts/skipped.sh "$dir/tests"
  ((rc == 0)) || return "$rc"
  return "$realtime_rc"
}

if [[ "${SYNCDSP_NO_MODELS:-}" != 1 ]]; then
  echo "== face models"
  bash scripts/get_models.sh || {
    echo "test: the face models could not be installed (see above); set SYNCDSP_NO_MODELS=1 to test without them" >&2
    exit 1
  }
fi
phase_done setup

# While one phase's tests run, the next phase's build runs beside them at the lowest priority
# (nice 19): it only takes the CPU the tests leave idle (subprocesses, real-time streams, waits),
# and the tests keep their speed. A failed background build prints its log and fails the run.
background_pid=""
background_log=""
trap '[[ -z $background_pid ]] || kill -- "-$background_pid" 2>/dev/null || true' EXIT
start_background() {  # start_background LOG COMMAND...: runs COMMAND at nice 19, output to LOG
  background_log=$1
  shift
  setsid nice -n 19 "$@" >"$background_log" 2>&1 &  # its own process group, so the trap can end it
  background_pid=$!
}
finish_background() {  # waits for the background build; prints the end of its log on failure
  local rc=0
  wait "$background_pid" || rc=$?
  background_pid=""
  if ((rc != 0)); then
    tail -n 60 "$background_log"
    echo "test: the build in the background failed (exit $rc); its whole log: $background_log" >&2
    exit "$rc"
  fi
  echo "(log of the build run beside the tests: $background_log)"
}

echo "== build (Release, -Wall -Wextra -Wpedantic -Werror)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSYNCDSP_WARNINGS_AS_ERRORS=ON \
      -DSYNCDSP_PYTHON=ON -DPython_EXECUTABLE=/usr/bin/python3 >/dev/null
cmake --build build -j "$JOBS"
phase_done "release build"

full=0
[[ "${1:-}" == "--quick" ]] || full=1
if ((full)); then
  # -g1: line tables and function names, all a sanitizer report needs (file:line of every frame,
  # inlined ones included) at about 3/4 of the compile time of -g.
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DSYNCDSP_SANITIZE=ON \
        -DSYNCDSP_BUILD_EXAMPLES=OFF -DSYNCDSP_HEADER_CHECK=OFF >/dev/null
  echo "== sanitizer build started beside the release tests (nice 19)"
  start_background build-asan/build.log cmake --build build-asan -j "$JOBS"
fi
echo "== tests"
run_ctest build
phase_done "release tests"

if ((full)); then
  echo "== the rest of the sanitizer build"
  finish_background
  phase_done "sanitizer build (rest)"
  echo "== fuzz targets' build started beside the sanitizer tests (nice 19)"
  mkdir -p build-fuzz
  start_background build-fuzz/build.log bash scripts/fuzz.sh --build-only
  echo "== tests under AddressSanitizer + UndefinedBehaviorSanitizer"
  # The CMake consumer tests check packaging and generated_docs the help texts, not run-time
  # behaviour: the Release run covers them.
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 SYNCDSP_SANITIZED=1 \
    run_ctest build-asan -E "^(cmake_|generated_docs$)"
  phase_done "sanitizer tests"

  echo "== fuzzing"
  finish_background
  bash scripts/fuzz.sh
  phase_done fuzzing
fi

printf '== time per phase:'
printf ' %s;' "${times[@]}"
echo " total $((SECONDS - start)) s"
