#!/usr/bin/env bash
# Regenerates the report screenshots in docs/figures/ as a user sees them (headless Chromium):
#   report_sync.png   `syncdsp sync data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4 --report sync.html`
#   report_batch.png  `syncdsp batch archive -o results.jsonl` + `syncdsp report results.jsonl --html`
#                     over the dev clips (linked into a folder named archive/) and one corrupt file
# with the default options, run from the repository root so the pages show short relative paths.
# usage: scripts/make_report_figures.sh [SYNCDSP] [DEV_DIR]   (defaults build/apps/syncdsp, ../shared/data/dev)
set -euo pipefail
cd "$(dirname "$0")/.."
syncdsp=$(readlink -f "${1:-build/apps/syncdsp}")
dev=$(readlink -f "${2:-../shared/data/dev}")
source scripts/chromium.sh
[[ -n $CHROMIUM ]] || { echo "make_report_figures: chromium is not installed" >&2; exit 1; }
[[ -d $dev ]] || { echo "make_report_figures: no dev clips at $dev" >&2; exit 1; }
t=$(mktemp -d /tmp/syncdsp-figures.XXXXXX)
trap 'rm -rf "$t"' EXIT
"$syncdsp" sync data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4 --report "$t/sync.html" >/dev/null
mkdir -p "$t/run/archive"
for f in "$dev"/*.mp4; do ln -s "$f" "$t/run/archive/$(basename "$f")"; done
echo "not a video" >"$t/run/archive/corrupt.mp4"
(cd "$t/run" && "$syncdsp" batch archive -o results.jsonl --quiet || [[ $? -eq 1 ]])
(cd "$t/run" && "$syncdsp" report results.jsonl --html "$t/batch.html" >/dev/null)
chromium_screenshot "$t/profile" "$t/sync.html" docs/figures/report_sync.png 2300
chromium_screenshot "$t/profile" "$t/batch.html" docs/figures/report_batch.png 1450
echo "make_report_figures: wrote docs/figures/report_sync.png and docs/figures/report_batch.png"
