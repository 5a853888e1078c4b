#!/usr/bin/env bash
# The fuzzing step of the test suite (called by scripts/test.sh): configures build-fuzz/ with clang
# and -DFUZZ=ON, builds the libFuzzer targets, and runs their ctest tests - each replays every input
# in fuzz/regressions/<target>/ and then fuzzes for a bounded time from fuzz/corpus/<target>/.
#
# Usage: fuzz/ci.sh [SECONDS]   seconds of fuzzing per target (default: $FUZZ_SECONDS, else 15)
# Needs clang with its libFuzzer runtime (Debian: clang-14, libclang-rt-14-dev). Exit status is
# ctest's: non-zero when a regression input fails or a new crash is found (see the printed table,
# and build-fuzz/fuzz/artifacts/<target>/ for the crashing inputs).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-${FUZZ_SECONDS:-15}}
dir=build-fuzz
cmake -S . -B "$dir" -DWERROR=ON -DFUZZ=ON -DCMAKE_C_COMPILER=clang \
  -DTF_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build "$dir" -j"$(nproc)" --target fuzz >&2
cd "$dir"
ctest -L fuzz --output-on-failure -j"$(nproc)"
