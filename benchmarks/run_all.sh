#!/usr/bin/env bash
# Reproduces the whole benchmarks/README.md table in one run, each figure side by side with its
# anchor, by calling the per-area scripts in turn. Records the machine (CPU model, cores, SIMD),
# the build, the date and the load average before and after every part, since the machine may be
# shared and wall times move with its load.
#
#   benchmarks/run_all.sh [BUILD_DIR] [--quick] [--only PART[,PART...]] 2>&1 | tee bench.log
#
# BUILD_DIR (default build-bench): a Release build configured with -DSYNCDSP_BUILD_BENCHMARKS=ON;
# the targets each part needs are built first (nothing is rebuilt when up to date).
# PARTS, in README order:
#   vision   bench_flow: Farneback, syncdsp vs OpenCV in one process
#   audio    run_audio.sh: MFCC vs torchaudio (+ psf/librosa when REF_PSF/REF_LIBROSA/REF_STUBS are set)
#   nn       run_nn.py: SyncNet vs PyTorch (alternated), then example_face_landmarks (face networks)
#   facenets run_face_nets.sh: face detector + landmark nets vs face-api WASM-SIMD (alternated)
#   sync     run_sync.sh: `syncdsp sync` end to end on the 60 s 224x224 clip
#   batch    `syncdsp batch` over $DATA/dev with --jobs 1 and 2 (skipped when absent)
#   monitor  run_monitor.sh crop and 720p, 120 s each (real time: takes 4 min)
#   faces    run_faces.sh: the face pass with one and two faces (needs $DATA/calib)
# --quick: one repetition and the small inputs only, to check that every part runs (the figures
# are then not the README's). DATA (default ../shared/data) holds dev/ and calib/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=build-bench
QUICK=0
PARTS=vision,audio,nn,facenets,sync,batch,monitor,faces
while (($#)); do
  case $1 in
    --quick) QUICK=1 ;;
    --only) PARTS=${2:?--only needs a list of parts}; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) BUILD=$1 ;;
  esac
  shift
done
DATA=${DATA:-../shared/data}
[[ -f $BUILD/CMakeCache.txt ]] || {
  echo "run_all.sh: $BUILD is not a CMake build; configure it first:" >&2
  echo "  cmake -S . -B $BUILD -DCMAKE_BUILD_TYPE=Release -DSYNCDSP_BUILD_BENCHMARKS=ON" >&2
  exit 1
}
cache() { sed -n "s/^$1:[A-Z]*=//p" "$BUILD/CMakeCache.txt"; }
[[ $(cache SYNCDSP_BUILD_BENCHMARKS) == ON ]] || {
  echo "run_all.sh: $BUILD was configured without -DSYNCDSP_BUILD_BENCHMARKS=ON" >&2
  exit 1
}
want() { [[ ",$PARTS," == *",$1,"* ]]; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
cli=$BUILD/apps/syncdsp

echo "# syncdsp benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1); $(nproc) CPUs online," \
     "$(lscpu | sed -n 's/^Thread(s) per core: *//p') thread(s) per core;" \
     "SIMD: $(grep -m1 -o -w -E 'avx512f|avx2|fma|sse4_2' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "memory: $(free -g | awk '/^Mem:/ {print $2 " GiB"}'); kernel $(uname -r)"
echo "build: $BUILD, $(cache CMAKE_BUILD_TYPE), $($(cache CMAKE_CXX_COMPILER) --version | head -n 1)," \
     "SYNCDSP_NATIVE=$(cache SYNCDSP_NATIVE), flags '$(cache CMAKE_CXX_FLAGS)'"
echo "mode: $([[ $QUICK == 1 ]] && echo 'quick (NOT the README figures)' || echo full); parts: $PARTS"
echo "load average at the start: $(load)"

targets=()
want vision && targets+=(bench_flow)
want audio && targets+=(bench_audio)
want nn && targets+=(bench_nn example_face_landmarks)
want facenets && targets+=(example_face_landmarks)
{ want sync || want batch || want monitor || want faces; } && targets+=(syncdsp_cli)
if ((${#targets[@]})); then
  echo "== building ${targets[*]}"
  cmake --build "$BUILD" -j "$(nproc)" --target "${targets[@]}" >/dev/null
fi

part() {  # part NAME: a header with the time and load average
  echo
  echo "## $1 ($(date -u '+%H:%M:%S UTC'), load average $(load))"
}
part_end() { echo "-- $1 done at $(date -u '+%H:%M:%S UTC'), load average $(load)"; }

if want vision; then
  part "vision: bench_flow (syncdsp vs OpenCV)"
  if [[ $QUICK == 1 ]]; then
    "$BUILD/benchmarks/bench_flow" --benchmark_filter='/0/./1' --benchmark_repetitions=1
  else
    "$BUILD/benchmarks/bench_flow" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
  fi
  part_end vision
fi

if want audio; then
  part "audio: run_audio.sh (MFCC vs torchaudio)"
  if [[ $QUICK == 1 ]]; then bash benchmarks/run_audio.sh "$BUILD" --quick; else bash benchmarks/run_audio.sh "$BUILD"; fi
  part_end audio
fi

if want nn; then
  part "inference: run_nn.py (SyncNet vs PyTorch, alternated)"
  if [[ $QUICK == 1 ]]; then
    /usr/bin/python3 benchmarks/run_nn.py "$BUILD/benchmarks/bench_nn" --reps 1 --threads 1 --streams audio
  else
    /usr/bin/python3 benchmarks/run_nn.py "$BUILD/benchmarks/bench_nn" --reps 3 --threads 1,2
  fi
  part "inference: example_face_landmarks (face networks, bundled LRS3 crop)"
  "$BUILD/examples/example_face_landmarks" data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4 0 \
    "$([[ $QUICK == 1 ]] && echo 3 || echo 20)"
  part_end inference
fi

if want facenets; then
  part "face networks vs face-api WASM-SIMD: run_face_nets.sh (alternated)"
  if [[ $QUICK == 1 ]]; then REPS=1 N=3 bash benchmarks/run_face_nets.sh "$BUILD"; else bash benchmarks/run_face_nets.sh "$BUILD"; fi
  part_end facenets
fi

if want sync; then
  part "sync end to end: run_sync.sh"
  bash benchmarks/run_sync.sh "$cli"
  part_end sync
fi

if want batch; then
  part "batch throughput: syncdsp batch over $DATA/dev"
  if [[ -d $DATA/dev ]]; then
    out=$(mktemp -d)
    for jobs in 1 2; do
      /usr/bin/time -f "jobs $jobs: %e s wall, %U s user, %S s system" \
        "$cli" batch "$DATA/dev" -o "$out/j$jobs.jsonl" --jobs "$jobs" --quiet
      echo "   load average: $(load)"
      [[ $QUICK == 1 ]] && break
    done
    echo "   $(wc -l <"$out/j1.jsonl") result lines (one per video) in the --jobs 1 run"
    rm -rf "$out"
  else
    echo "SKIP: $DATA/dev not found (set DATA)"
  fi
  part_end batch
fi

if want monitor; then
  part "monitor (live, real time): run_monitor.sh"
  if [[ $QUICK == 1 ]]; then
    bash benchmarks/run_monitor.sh crop 20 "$cli"
  else
    bash benchmarks/run_monitor.sh crop 120 "$cli"
    bash benchmarks/run_monitor.sh 720p 120 "$cli"
  fi
  part_end monitor
fi

if want faces; then
  part "face pass with one and two faces: run_faces.sh"
  if [[ $QUICK == 1 ]]; then RUNS=1 bash benchmarks/run_faces.sh "$cli" "$DATA/calib"; else bash benchmarks/run_faces.sh "$cli" "$DATA/calib"; fi
  part_end faces
fi

echo
echo "load average at the end: $(load); finished $(date -u '+%Y-%m-%d %H:%M UTC')"
