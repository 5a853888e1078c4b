#!/usr/bin/env bash
# Runs the end-to-end suite (tests/e2e) with every provider process under valgrind memcheck, then
# scans the logs (tests/valgrind/memcheck.py summary) and exits non-zero on any invalid access,
# uninitialised-value use or definitely/indirectly lost block. The driver (tests/driver/plugin.py)
# prefixes each provider command line with $TF_PROVIDER_WRAPPER. See tests/valgrind/README.md.
#
# Usage: tests/valgrind/run.sh [-b BUILD_DIR] [-o LOG_DIR] [--no-build] [--track-origins] [--unit]
#                              [-- PYTEST_ARGS...]
#   -b BUILD_DIR     build to test (default: <source>/build-valgrind, configured Debug if new)
#   -o LOG_DIR       where vg.<pid>.log files go (default: BUILD_DIR/valgrind-logs/<date-time>)
#   --no-build       use BUILD_DIR as it is (ctest's mode)
#   --track-origins  report where uninitialised values came from (about twice as slow)
#   --unit           also run the C unit tests (ctest -R ^test_) under valgrind, logs in LOG_DIR/unit
#   PYTEST_ARGS      extra pytest arguments, e.g. -k schema; a path or node id among them replaces
#                    the default target tests/e2e (paths are relative to the source directory)
# Exit status: 0 clean; 1 memcheck findings (or nothing ran under valgrind); 2 clean but tests failed.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
PYTHON=${TF_PYTHON:-/usr/bin/python3}
BUILD=$SRC/build-valgrind
LOGS=
BUILD_IT=1
UNIT=0
ORIGINS=()
while [ $# -gt 0 ]; do
  case $1 in
    -b) BUILD=$(realpath -m "$2"); shift 2 ;;
    -o) LOGS=$(realpath -m "$2"); shift 2 ;;
    --no-build) BUILD_IT=0; shift ;;
    --track-origins) ORIGINS=(--track-origins=yes); shift ;;
    --unit) UNIT=1; shift ;;
    --) shift; break ;;
    *) echo "run.sh: unknown argument $1 (see the comment at the top)" >&2; exit 2 ;;
  esac
done
LOGS=${LOGS:-$BUILD/valgrind-logs/$(date +%Y%m%d-%H%M%S)}

command -v valgrind >/dev/null || { echo "run.sh: valgrind is not installed" >&2; exit 2; }
if [ "$BUILD_IT" = 1 ]; then
  [ -f "$BUILD/CMakeCache.txt" ] || cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug >/dev/null
  if [ "$UNIT" = 1 ]; then
    cmake --build "$BUILD" -j2
  else
    cmake --build "$BUILD" -j2 --target terraform-provider-ec2 tfproto_python
  fi
fi
[ -x "$BUILD/terraform-provider-ec2" ] || { echo "run.sh: no provider binary in $BUILD" >&2; exit 2; }
mkdir -p "$LOGS"
rm -f "$LOGS"/vg.*.log

# Leak errors are only definite and indirect ones: "still reachable" at exit is expected, as the
# provider never calls grpc_shutdown() (it can block for seconds). The error exit code makes the
# provider's own exit status show a finding too, so a test asserting a clean exit fails loudly.
VG_ARGS=(--tool=memcheck --leak-check=full "--show-leak-kinds=definite,indirect"
  "--errors-for-leak-kinds=definite,indirect" --error-exitcode=97 --num-callers=40
  --suppressions="$HERE/suppressions.supp" "${ORIGINS[@]}")

# Deselected: tests whose assertions are about wall-clock timing that valgrind's slowdown breaks by
# itself (their code paths run in other tests that remain). README.md says why for each.
DESELECT=(
  --deselect "tests/e2e/test_ami_destroy.py::test_protected_image_is_an_error_that_says_how_to_lift_it[v5-enabled-with-cooldown]"
  --deselect "tests/e2e/test_ami_destroy.py::test_protected_image_is_an_error_that_says_how_to_lift_it[v6-enabled-with-cooldown]"
  --deselect "tests/e2e/test_ami_lifecycle.py::test_stop_while_register_image_is_in_flight_keeps_the_id"
)

# The deselected node ids are relative to the source directory, which is also where ctest runs pytest.
cd "$SRC"
TARGET=(tests/e2e)
for a in "$@"; do
  case $a in tests/*) TARGET=() ;; esac
done

status=0
start=$(date +%s)
set +e
# printf %q quotes each word so that the driver's shell-style split gives them back (paths with spaces).
TF_PROVIDER_WRAPPER="valgrind $(printf '%q ' "${VG_ARGS[@]}" "--log-file=$LOGS/vg.%p.log")" \
  TF_TEST_TIMEOUT_SCALE=${TF_TEST_TIMEOUT_SCALE:-10} \
  TF_PROVIDER_BIN="$BUILD/terraform-provider-ec2" TF_TEST_BINARY_DIR="$BUILD" TF_TEST_SOURCE_DIR="$SRC" \
  PYTHONDONTWRITEBYTECODE=1 \
  "$PYTHON" -m pytest -q -p no:cacheprovider "${DESELECT[@]}" "$@" "${TARGET[@]}"
tests_rc=$?
set -e
echo "e2e under valgrind: pytest exit $tests_rc, $(( $(date +%s) - start )) s, logs in $LOGS"

if [ "$UNIT" = 1 ]; then
  mkdir -p "$LOGS/unit"
  rm -f "$LOGS"/unit/vg.*.log
  "$PYTHON" "$HERE/memcheck.py" unit "$BUILD" "$LOGS/unit" "${VG_ARGS[@]}" || tests_rc=1
  echo "== unit tests"
  "$PYTHON" "$HERE/memcheck.py" summary "$LOGS/unit" || status=1
  echo "== provider processes (e2e)"
fi
"$PYTHON" "$HERE/memcheck.py" summary "$LOGS" || status=1
if [ "$status" = 0 ] && [ "$tests_rc" != 0 ]; then
  status=2
fi
exit $status
