#!/usr/bin/env bash
# Quick start, step two: the whole test suite. Builds (if needed) and runs every ctest test - unit,
# emulator, SDK conformance, end-to-end - first in a normal build, then under AddressSanitizer and
# UndefinedBehaviorSanitizer; then the end-to-end and unit tests with every provider process under
# valgrind memcheck; then every libFuzzer target for a short bounded time on its committed corpus,
# after replaying its regression inputs. --quick runs the normal build's tests only.
# The last line sums up every pass: "suite: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
jobs=$(nproc)
status=0
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# Runs a ctest pass, keeping its output to count the results.
ctest_pass() {
  local name=$1 dir=$2
  shift 2
  echo "== $name: ctest in $dir" >&2
  (cd "$dir" && ctest --output-on-failure -j"$jobs" --timeout 1200 "$@") 2>&1 | tee "$logs/$name.log" \
    || status=1
  grep -q "tests passed" "$logs/$name.log" || status=1
}

dir=$(bash scripts/build.sh)
ctest_pass normal "$dir"
if [ "${1:-}" != "--quick" ]; then
  dir=$(bash scripts/build.sh --sanitize)
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest_pass sanitizers "$dir"
  echo "== e2e and unit tests under valgrind memcheck" >&2
  bash tests/valgrind/run.sh -b build --no-build --unit 2>&1 | tee "$logs/valgrind.log" || status=1
  echo "== fuzz targets (${FUZZ_SECONDS:-10} s each)" >&2
  FUZZ_SECONDS=${FUZZ_SECONDS:-10} bash fuzz/ci.sh 2>&1 | tee "$logs/fuzz.log" || status=1
fi

passed=0 failed=0
# pytest's own summary for the valgrind pass ("171 passed, 2 deselected in ...").
if [ -f "$logs/valgrind.log" ]; then
  line=$(grep -E "^=*ERROR|[0-9]+ passed" "$logs/valgrind.log" | tail -n1 || true)
  p=$(grep -oE "[0-9]+ passed" <<<"$line" | grep -oE "[0-9]+" || echo 0)
  f=$(grep -oE "[0-9]+ failed" <<<"$line" | grep -oE "[0-9]+" || echo 0)
  passed=$((passed + p)); failed=$((failed + f))
fi
for log in "$logs"/*.log; do
  line=$(grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" "$log" | tail -n1) || continue
  f=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
  n=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$line")
  passed=$((passed + n - f)); failed=$((failed + f))
done
[ "$failed" -eq 0 ] || status=1
echo "suite: $passed passed, $failed failed"
exit $status
