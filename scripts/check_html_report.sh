#!/usr/bin/env bash
# scripts/check_html_report.sh SYNCDSP INPUT_DIR [SCREENSHOT_DIR] - the HTML report in a real
# browser: a batch over INPUT_DIR plus a corrupt file, `report --html`, and `sync --report` on the
# first video; headless Chromium loads each page and must log no console message at all (errors,
# warnings, exceptions); its DOM dump must hold the key elements (counts, histogram, the table
# with a row per file, a section with charts per file, the error line); its screenshot must not
# be blank. A page with a deliberate script error is checked first, so the console check can fail.
# With SCREENSHOT_DIR the screenshots are kept there (docs/figures/ for the docs).
set -euo pipefail
SYNCDSP=$(readlink -f "$1"); INPUTS=$(readlink -f "$2"); SHOTS=${3:-}
fail() { echo "check_html_report: FAIL: $*" >&2; exit 1; }
source "$(dirname "$0")/chromium.sh"
[ -n "$CHROMIUM" ] || fail "chromium is not installed (scripts/setup.sh installs it)"
T=$(mktemp -d /tmp/syncdsp-html.XXXXXX)
trap 'rm -rf "$T"' EXIT
browse() {  # browse PAGE OUT_PREFIX: DOM dump, console log, screenshot
  chromium_run "$T/profile" --enable-logging=stderr --v=0 --dump-dom "file://$1" > "$2.dom" 2> "$2.log" ||
    fail "chromium could not load $1"
  chromium_screenshot "$T/profile" "$1" "$2.png" "${3:-1500}" || fail "no screenshot of $1"
}
console() { grep -E "CONSOLE|Uncaught" "$1.log" || true; }
# The console check must be able to fail.
echo "<!DOCTYPE html><html><body><script>undefinedFunction();</script></body></html>" > "$T/broken.html"
browse "$T/broken.html" "$T/broken"
[ -n "$(console "$T/broken")" ] || fail "the console check does not see a deliberate script error; it would prove nothing"

mkdir -p "$T/in"
find "$INPUTS" -maxdepth 2 -name '*.mp4' | sort | head -4 | while read -r f; do ln -s "$f" "$T/in/$(basename "$f")"; done
echo "not a video" > "$T/in/corrupt.mp4"
FIRST=$(find "$T/in" -name '*.mp4' ! -name corrupt.mp4 | sort | head -1)
OPTS="--faces off --phones off --face-crop"
"$SYNCDSP" batch "$T/in" -o "$T/r.jsonl" --quiet $OPTS || [ $? -eq 1 ]
"$SYNCDSP" report "$T/r.jsonl" --html "$T/batch.html" > /dev/null
"$SYNCDSP" sync "$FIRST" --report "$T/sync.html" $OPTS > /dev/null || true
files=$(wc -l < "$T/r.jsonl")
for page in batch sync; do
  browse "$T/$page.html" "$T/$page" 1500
  c=$(console "$T/$page"); [ -z "$c" ] || fail "$page.html logs to the console: $c"
  dom="$T/$page.dom"
  grep -q "<table id=\"files\"" "$dom" || fail "$page.html: no table of files in the DOM"
  grep -q "class=\"counts\"" "$dom" || fail "$page.html: no counts"
  grep -q "Correlation of mouth and sound over offsets" "$dom" || fail "$page.html: no correlation chart"
  grep -q "offset (ms; &gt; 0 = audio late)" "$dom" || fail "$page.html: the chart has no labelled offset axis"
  grep -q "90 % interval" "$dom" || fail "$page.html: no interval band"
  grep -q "in tolerance" "$dom" || fail "$page.html: no tolerance band"
  grep -q "Audio cues over time" "$dom" || fail "$page.html: no cue traces"
  grep -q "mouth / face used" "$dom" || fail "$page.html: no face used"
  # The script ran: it wrote "N of N shown".
  grep -q "id=\"shown\">[0-9]* of [0-9]* shown" "$dom" || fail "$page.html: the table script did not run"
  python3 - "$T/$page.png" <<'PY' || fail "$page.html: the screenshot is blank or unreadable"
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n'
pos, idat, w, h, ctype = 8, b'', 0, 0, 0
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
    if kind == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
    if kind == b'IDAT': idat += body
raw = zlib.decompress(idat); bpp = {2: 3, 6: 4}[ctype]; stride = w * bpp + 1
# Rows whose filtered bytes vary carry ink: require ink in each third of the page height.
inked = [len(set(raw[y * stride + 1:(y + 1) * stride])) > 2 for y in range(h)]
for third in range(3):
    part = inked[third * h // 3:(third + 1) * h // 3]
    assert sum(part) > len(part) // 10, f'third {third} of the screenshot is blank'
PY
done
grep -c "<tr data-verdict" "$T/batch.dom" | grep -qx "$files" || fail "batch.html: the table does not have one row per file ($files)"
grep -q "io_error.ffmpeg" "$T/batch.dom" || fail "batch.html: the corrupt file's error id is missing"
if [ -n "$SHOTS" ]; then
  mkdir -p "$SHOTS"
  cp "$T/batch.png" "$SHOTS/report_batch.png"; cp "$T/sync.png" "$SHOTS/report_sync.png"
fi
echo "check_html_report: OK: batch.html ($files files) and sync.html load in Chromium without console messages, with every key element"
