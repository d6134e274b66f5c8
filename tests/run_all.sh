#!/usr/bin/env bash
# Quick start, step 2 (and CI): installs the dependencies (apt), builds Lightbox and its tests,
# starts a private Xvfb for the OpenGL tests, runs every test with CTest, and stops Xvfb.
# Environment: LIGHTBOX_BUILD_DIR (default build/), LIGHTBOX_TESTDATA (default ../shared/testdata),
# CTEST_ARGS (extra arguments for ctest, e.g. "-R fidelity").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="${LIGHTBOX_BUILD_DIR:-$root/build}"
start=$(date +%s)

"$root/installer/install-deps.sh"
"$root/installer/build.sh" "$build"

runtime=$(mktemp -d)
export XDG_RUNTIME_DIR="$runtime"
export HOME_FOR_TESTS="$runtime/home"
mkdir -p "$HOME_FOR_TESTS"
cleanup() {
  if [ -n "${xvfb_pid:-}" ]; then kill "$xvfb_pid" 2>/dev/null || true; wait "$xvfb_pid" 2>/dev/null || true; fi
  rm -rf "$runtime"
}
trap cleanup EXIT

# Xvfb picks a free display number and writes it to the file descriptor we give it.
Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp 3>"$runtime/display" 2>"$runtime/xvfb.log" &
xvfb_pid=$!
for _ in $(seq 1 100); do
  [ -s "$runtime/display" ] && break
  sleep 0.1
done
if [ ! -s "$runtime/display" ]; then
  echo "run_all: Xvfb did not start:" >&2
  cat "$runtime/xvfb.log" >&2
  exit 1
fi
export DISPLAY=":$(head -n1 "$runtime/display")"
echo "run_all: Xvfb on $DISPLAY"

status=0
HOME="$HOME_FOR_TESTS" ctest --test-dir "$build" --output-on-failure --timeout 1200 -j2 ${CTEST_ARGS:-} || status=$?
echo "run_all: finished in $(( $(date +%s) - start )) s with status $status"
exit $status
