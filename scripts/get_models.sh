#!/usr/bin/env bash
# Installs the face detector and 68-point landmark weights that syncdsp's face models use.
#
#   scripts/get_models.sh [MODELS_DIR] [--tarball vladmandic-face-api-1.7.15.tgz]
#
# The weights ship inside the MIT-licensed npm package @vladmandic/face-api 1.7.15 (model/ folder,
# TF.js weight manifests + uint8-quantised binary shards). This script fetches the package with
# npm's own client (`npm pack`), extracts only the three models syncdsp uses, checks each file's
# sha256 against the values below and copies them to MODELS_DIR. Nothing is installed if any
# checksum differs. With --tarball it uses an already downloaded package instead (offline).
#
# When MODELS_DIR already holds all files with the right sha256, nothing is fetched.
# MODELS_DIR defaults to $SYNCDSP_MODELS, else ${XDG_DATA_HOME:-$HOME/.local/share}/syncdsp/models,
# which is where the library looks by default (see docs/faces.md).
set -euo pipefail

package="@vladmandic/face-api@1.7.15"
dest=""
tarball=""
while (($#)); do
  case "$1" in
    --tarball) tarball="${2:?--tarball needs a path}"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "get_models: unknown option $1" >&2; exit 2 ;;
    *) dest="$1"; shift ;;
  esac
done
if [[ -z "$dest" ]]; then
  dest="${SYNCDSP_MODELS:-${XDG_DATA_HOME:-$HOME/.local/share}/syncdsp/models}"
fi

# sha256 of the files in model/ of @vladmandic/face-api 1.7.15 (measured on the npm tarball,
# npm integrity sha512-WDMmK3CfNLo8j...IDXFnvrdHTXDw==).
declare -A sums=(
  [tiny_face_detector_model-weights_manifest.json]=5d1af4849ac48d5b985f4a9b16010c512353ddd6fcc63d50fd0bc9e9e64296e5
  [tiny_face_detector_model.bin]=b7503ce7df31039b1c43316a9b865cab6a70dd748cc602d3fa28b551503c3871
  [face_landmark_68_model-weights_manifest.json]=ca4886639f86e99b39fed0c155f81b63317225773bd9616716e887b0153389c9
  [face_landmark_68_model.bin]=4611ef65c87d836d03d684b30eec4d195d8b219fa1dd58fc58945831c6b9299b
  [face_landmark_68_tiny_model-weights_manifest.json]=9a1a5dd19fd814fd5095c3cb58f8e0d3193b8c5b9a6715b30a69d559aea31ad4
  [face_landmark_68_tiny_model.bin]=b98e9f2f7da76f8a6dda9741a36ed485b224b889d552de2b2c1bb16217f67bfc
)

# Already installed and intact: nothing to fetch (demo.sh and test.sh call this on every run).
if [[ -z "$tarball" ]]; then
  intact=1
  for f in "${!sums[@]}"; do
    if [[ ! -f "$dest/$f" ]] || [[ "$(sha256sum "$dest/$f" | cut -d' ' -f1)" != "${sums[$f]}" ]]; then
      intact=0
      break
    fi
  done
  if ((intact)); then
    echo "get_models: the ${#sums[@]} files are already in $dest (sha256 verified); nothing to fetch"
    exit 0
  fi
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [[ -z "$tarball" ]]; then
  command -v npm >/dev/null || { echo "get_models: npm not found; install Node.js/npm, or pass --tarball FILE" >&2; exit 1; }
  echo "get_models: npm pack $package"
  (cd "$work" && npm pack --silent "$package" >/dev/null)
  tarball="$(ls "$work"/*.tgz)"
fi
[[ -f "$tarball" ]] || { echo "get_models: no such file $tarball" >&2; exit 1; }

members=()
for f in "${!sums[@]}"; do members+=("package/model/$f"); done
tar -xzf "$tarball" -C "$work" "${members[@]}"

bad=0
for f in "${!sums[@]}"; do
  got="$(sha256sum "$work/package/model/$f" | cut -d' ' -f1)"
  if [[ "$got" != "${sums[$f]}" ]]; then
    echo "get_models: sha256 mismatch for $f: got $got, expected ${sums[$f]}" >&2
    bad=1
  fi
done
((bad == 0)) || { echo "get_models: nothing installed" >&2; exit 1; }

mkdir -p "$dest"
for f in "${!sums[@]}"; do
  install -m 0644 "$work/package/model/$f" "$dest/$f.tmp$$"
  mv -f "$dest/$f.tmp$$" "$dest/$f"
done
tar -xzf "$tarball" -C "$work" package/LICENSE && install -m 0644 "$work/package/LICENSE" "$dest/LICENSE.face-api"
echo "get_models: installed ${#sums[@]} files (sha256 verified) to $dest"
echo "get_models: set SYNCDSP_MODELS=$dest if that is not the default location"
