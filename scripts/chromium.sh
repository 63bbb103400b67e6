# scripts/chromium.sh - sourced by the scripts that look at an HTML page as a user would (headless
# Chromium from Debian's package; scripts/setup.sh installs it). Defines:
#   CHROMIUM                                       the browser's path (empty when not installed)
#   chromium_run PROFILE_DIR ARGS... URL           one headless run with a throw-away profile
#   chromium_screenshot PROFILE_DIR PAGE PNG H     a 1100 x H screenshot of a local page
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
chromium_run() {
  local profile=$1
  shift
  timeout 120 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --no-first-run --user-data-dir="$profile" "$@"
}
chromium_screenshot() {
  chromium_run "$1" --hide-scrollbars --window-size=1100,"$4" --screenshot="$3" "file://$2" >/dev/null 2>&1
}
