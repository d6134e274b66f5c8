#!/usr/bin/env bash
# Configures and builds Lightbox with CMake + Ninja (+ ccache). usage: installer/build.sh [BUILD_DIR] [TARGET...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="${1:-${LIGHTBOX_BUILD_DIR:-$root/build}}"
shift || true
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ $# -gt 0 ]; then
  cmake --build "$build" --parallel --target "$@"
else
  cmake --build "$build" --parallel
fi
