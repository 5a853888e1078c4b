#!/usr/bin/env bash
# Quick start, step two: the whole test suite. Builds (if needed) and runs every ctest test - unit,
# emulator, SDK conformance, end-to-end - first in a normal build, then under AddressSanitizer and
# UndefinedBehaviorSanitizer. --quick skips the sanitizer pass.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
jobs=$(nproc)
status=0
run() {
  local dir
  dir=$(bash scripts/build.sh "$@")
  echo "== ctest in $dir" >&2
  (cd "$dir" && ctest --output-on-failure -j"$jobs" --timeout 1200) || status=1
}
run
if [ "${1:-}" != "--quick" ]; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 run --sanitize
fi
exit $status
