#!/usr/bin/env bash
# Quick start, step 1: installs the dependencies (apt), builds Lightbox and starts it on the demo
# study (a CT chest phantom generated into the per-user cache on first use).
# Without a display (no $DISPLAY), it runs under Xvfb and saves a screenshot instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="${LIGHTBOX_BUILD_DIR:-$root/build}"
"$root/installer/install-deps.sh"
"$root/installer/build.sh" "$build" lightbox
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$build/app/lightbox" --demo "$@"
fi
shot="${LIGHTBOX_SCREENSHOT:-$PWD/lightbox-demo.png}"
echo "quickstart: no display; running under Xvfb and saving a screenshot to $shot"
xvfb-run -a -s "-screen 0 1600x1000x24" "$build/app/lightbox" --demo --screenshot "$shot" "$@"
echo "quickstart: screenshot written to $shot"
