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
# The study cache is encrypted; with no display there is no key store session and no dialog, so
# its passphrase comes from LIGHTBOX_CACHE_PASSPHRASE, or is asked here, in the terminal.
if [ -z "${LIGHTBOX_CACHE_PASSPHRASE:-}" ] && [ -z "${LIGHTBOX_CACHE_ENCRYPTION:-}" ]; then
  if [ -t 0 ]; then
    read -r -s -p "quickstart: passphrase of the encrypted study cache (new or existing): " LIGHTBOX_CACHE_PASSPHRASE
    echo
    export LIGHTBOX_CACHE_PASSPHRASE
  else
    echo "quickstart: no display and no terminal: set LIGHTBOX_CACHE_PASSPHRASE (the study cache is encrypted)," >&2
    echo "            or LIGHTBOX_CACHE_ENCRYPTION=off for a plain cache" >&2
    exit 1
  fi
fi
shot="${LIGHTBOX_SCREENSHOT:-$PWD/lightbox-demo.png}"
echo "quickstart: no display; running under Xvfb and saving a screenshot to $shot"
xvfb-run -a -s "-screen 0 1600x1000x24" "$build/app/lightbox" --demo --screenshot "$shot" "$@"
echo "quickstart: screenshot written to $shot"
