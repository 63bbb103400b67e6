#!/usr/bin/env bash
# Installs what syncdsp needs from Debian packages (idempotent; run as root on Debian bookworm),
# and npm (for scripts/get_models.sh) when no npm is installed.
#   scripts/setup.sh            build + test dependencies
#   scripts/setup.sh --bench    also the benchmark references (Google Benchmark, torchaudio, OpenCV)
set -euo pipefail

packages=(
  build-essential cmake pkg-config            # toolchain
  libeigen3-dev xtensor-dev libfftw3-dev libstb-dev nlohmann-json3-dev libhwy-dev   # library dependencies
  doctest-dev                                  # tests
  ffmpeg                                       # media decoding/muxing for the CLI (a subprocess)
  clang libclang-rt-14-dev                     # libFuzzer + sanitizer runtimes for the fuzz run
  python3-numpy python3-scipy                  # golden-data scripts (never needed to build)
  python3-dev pybind11-dev python3-pybind11 python3-pytest   # the Python module (SYNCDSP_PYTHON); its tests also use numpy, scipy
  libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us pocketsphinx   # optional phone cue
  espeak-ng sox                                # test speech made at test time
  fonts-dejavu-core                            # the text of `--plot x.png` (stb_truetype)
  parallel slurm-wlm munge                     # the cluster recipes, run for real (scripts/cluster/)
  chromium                                     # the HTML report checked in a real browser
)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(libbenchmark-dev python3-torch python3-torchaudio libopencv-dev python3-opencv)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all Debian packages already installed"
fi

# npm fetches the face models (scripts/get_models.sh). Debian's npm only when there is no npm at
# all: it conflicts with a Node.js installed from elsewhere (e.g. NodeSource's nodejs ships npm).
if ! command -v npm >/dev/null 2>&1; then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  echo "setup: installing npm (for the face models)"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends npm
fi
