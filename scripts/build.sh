#!/usr/bin/env bash
# Configures and builds into a build directory: build/ by default, build-asan/ with --sanitize
# (AddressSanitizer + UndefinedBehaviorSanitizer). Prints the directory it built.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build; extra=()
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan; extra=(-DSANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
fi
cmake -S . -B "$dir" -DWERROR=ON "${extra[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)" >&2
echo "$dir"
