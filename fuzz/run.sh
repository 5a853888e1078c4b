#!/usr/bin/env bash
# Run the libFuzzer targets of fuzz/: for each, first replay every committed regression input
# (fuzz/regressions/<target>/*), then fuzz for a bounded time starting from the committed corpus
# (fuzz/corpus/<target>/). New corpus entries, crash files and logs go under <build>/fuzz/, never
# into the source tree. Prints one line per target: executions, crashes, and the verdict.
#
# Usage: fuzz/run.sh [-b BUILD_DIR] [-t SECONDS] [-j JOBS] [-k] [-l] [TARGET...]
#   -b  build tree holding fuzz/<target> binaries (default: build-fuzz next to this folder's parent)
#   -t  seconds of fuzzing per target (default 60; 0 = replay regressions only)
#   -j  targets fuzzed at once (default 1)
#   -k  keep going after a crash (libFuzzer fork mode), to count several crashes in one run
#   -l  lax UTF-8 while fuzzing: do not check that error messages are one line of valid UTF-8, and
#       skip JSON input that is not UTF-8 (to explore past a known UTF-8 bug; regressions are always
#       replayed strictly)
#   no TARGET: every fuzz_* binary in the build tree
# Exit status: 0 when every replay passed and no crash was found, 1 otherwise, 2 on usage errors.
set -uo pipefail

src=$(cd "$(dirname "$0")" && pwd)
build="$src/../build-fuzz"
seconds=60
jobs=1
keep_going=0
lax=0
while getopts "b:t:j:kl" opt; do
  case $opt in
    b) build=$OPTARG ;;
    t) seconds=$OPTARG ;;
    j) jobs=$OPTARG ;;
    k) keep_going=1 ;;
    l) lax=1 ;;
    *) echo "usage: $0 [-b BUILD_DIR] [-t SECONDS] [-j JOBS] [-k] [-l] [TARGET...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
build=$(cd "$build" 2>/dev/null && pwd) || { echo "run.sh: no build tree at $build" >&2; exit 2; }
out="$build/fuzz"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for bin in "$out"/fuzz_*; do
    [ -x "$bin" ] && [ -f "$bin" ] && targets+=("$(basename "$bin")")
  done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "run.sh: no fuzz_* binaries in $out (build with -DFUZZ=ON -DCMAKE_C_COMPILER=clang)" >&2
  exit 2
fi

# Dictionaries: libFuzzer splices these tokens in, which finds structure much sooner.
dict_for() {
  case $1 in
    fuzz_xml_*) echo "$src/dict/xml.dict" ;;
    fuzz_codec_json | fuzz_type_json) echo "$src/dict/json.dict" ;;
    fuzz_config_file) echo "$src/dict/ini.dict" ;;
    *) echo "" ;;
  esac
}

# One target: writes "<target> <executions> <crashes> <verdict>" to $out/results/<target>.
run_one() {
  local t=$1 bin="$out/$1" log="$out/logs/$1.log" art="$out/artifacts/$1/"
  local execs=0 crashes=0 verdict=ok dict
  local -a args
  mkdir -p "$out/corpus/$t" "$art" "$out/logs"
  if [ ! -x "$bin" ]; then
    echo "$t - - missing" >"$out/results/$t"
    return
  fi
  # Regressions: each file runs once, on its own, so that every failing one is named.
  local failed=0 f
  : >"$out/logs/$t.replay.log"
  if [ -d "$src/regressions/$t" ]; then
    while IFS= read -r -d '' f; do
      if ! env -u FUZZ_LAX_UTF8 "$bin" -runs=1 "$f" >>"$out/logs/$t.replay.log" 2>&1; then
        failed=$((failed + 1))
        echo "REGRESSION FAILED: $f" >>"$out/logs/$t.replay.log"
      fi
    done < <(find "$src/regressions/$t" -type f ! -name '*.md' -print0 | sort -z)
  fi
  [ "$failed" -gt 0 ] && verdict="regressions-failed:$failed"
  if [ "$seconds" -gt 0 ]; then
    # Earlier crash files stay for triage; only those newer than this marker count for this run.
    touch "$out/logs/$t.start"
    args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=1536 -print_final_stats=1
      -artifact_prefix="$art")
    dict=$(dict_for "$t")
    [ -n "$dict" ] && [ -f "$dict" ] && args+=(-dict="$dict")
    [ "$keep_going" -eq 1 ] && args+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
    local -a envset=(env -u FUZZ_LAX_UTF8)
    [ "$lax" -eq 1 ] && envset=(env FUZZ_LAX_UTF8=1)
    "${envset[@]}" "$bin" "${args[@]}" "$out/corpus/$t" "$src/corpus/$t" >"$log" 2>&1
    # Final stats when libFuzzer prints them, else the last progress line "#<runs> ...".
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    [ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
    [ -n "$execs" ] || execs=0
    crashes=$(find "$art" -maxdepth 1 -type f -newer "$out/logs/$t.start" \( -name 'crash-*' \
      -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    if [ "$crashes" -gt 0 ]; then
      verdict=$([ "$verdict" = ok ] && echo crashed || echo "$verdict,crashed")
    fi
  fi
  echo "$t $execs $crashes $verdict" >"$out/results/$t"
}

mkdir -p "$out/results"
running=0
for t in "${targets[@]}"; do
  rm -f "$out/results/$t"
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

status=0
failed=()
printf '%-26s %12s %8s  %s\n' target executions crashes verdict
for t in "${targets[@]}"; do
  read -r name execs crashes verdict <"$out/results/$t"
  printf '%-26s %12s %8s  %s\n' "$name" "$execs" "$crashes" "$verdict"
  [ "$verdict" = ok ] || failed+=("$t")
done
# For each failure, the lines that say what broke, so a CI log shows the bug without opening files.
for t in "${failed[@]}"; do
  status=1
  logs=("$out/logs/$t.replay.log")
  [ "$seconds" -gt 0 ] && logs+=("$out/logs/$t.log")
  echo "== $t: logs ${logs[*]}; crash inputs in $out/artifacts/$t/"
  grep -h -E 'REGRESSION FAILED|invariant failed|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error' \
    "${logs[@]}" 2>/dev/null | head -12 | sed 's/^/  /'
done
exit $status
