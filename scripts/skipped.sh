#!/usr/bin/env bash
# Lists the test cases a ctest run skipped, with their reasons. doctest 2.4 counts a skipped case
# as passed, so each test program ends with "SKIPPED [program] case: reason" lines (tests/main.cpp)
# and this script gathers them from ctest's log.
#   scripts/skipped.sh [BUILD_DIR]   (default build)
set -euo pipefail
log="${1:-build}/Testing/Temporary/LastTest.log"
[[ -f "$log" ]] || { echo "skipped: no ctest log at $log"; exit 0; }
lines="$(grep -a '^SKIPPED \[' "$log" | LC_ALL=C sort -u || true)"
if [[ -z "$lines" ]]; then
  echo "Skipped: none"
  exit 0
fi
echo "Skipped: $(wc -l <<<"$lines") test case(s) did not run in full (doctest counts them as passed):"
sed -E 's/^SKIPPED \[([^]]*)\] /  \1: /' <<<"$lines"
echo "Skipped per program: $(sed -E 's/^SKIPPED \[([^]]*)\].*/\1/' <<<"$lines" | uniq -c | awk '{printf "%s%s %d", (NR > 1 ? ", " : ""), $2, $1}')"
