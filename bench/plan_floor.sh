#!/usr/bin/env bash
# plan_floor.sh - how close can any PlanResourceChange come to the empty method on this machine?
#
# Builds, in a scratch git worktree of HEAD, a provider whose plan handler does only the libraries'
# share of a plan (bench/plan_floor.patch): protobuf-c unpacks the request and packs the answer as
# always, and msgpack-c parses the proposed state and writes it back as the planned state, with no
# value tree, no plan rules and no resource code. Then runs bench/plugin_bench.py --h2load-only
# against that provider and against the real one, alternately. The floor's plan/health ratio is
# the best any handler built on these libraries can reach here: prints figures, asserts nothing.
#
# The patch replaces plan_resource_change() in provider/protocol.c; when that function changes, make
# it again (edit a copy of the file, then `git diff > bench/plan_floor.patch`).
#
# usage: bench/plan_floor.sh [ROUNDS]    (default 2; the real provider is build/terraform-provider-ec2)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
real=$PWD/build/terraform-provider-ec2
[ -x "$real" ] || { echo "build the provider first (scripts/build.sh)" >&2; exit 2; }
scratch=$(mktemp -d)
trap 'git worktree remove --force "$scratch/src" >/dev/null 2>&1 || true; rm -rf "$scratch"' EXIT
git worktree add -q --detach "$scratch/src" HEAD
git -C "$scratch/src" apply "$PWD/bench/plan_floor.patch"
# The patched file leaves some helpers unused: the build log is shown only when the build fails.
if ! { cmake -S "$scratch/src" -B "$scratch/build" &&
       cmake --build "$scratch/build" -j"$(nproc)" --target terraform-provider-ec2; } \
     >"$scratch/build.log" 2>&1; then
  cat "$scratch/build.log" >&2
  exit 1
fi
for round in $(seq 1 "$rounds"); do
  for which in floor real; do
    binary=$real
    [ "$which" = floor ] && binary=$scratch/build/terraform-provider-ec2
    echo "== round $round: $which provider"
    /usr/bin/python3 bench/plugin_bench.py --binary "$binary" --h2load-only --runs 3 \
      --h2load-requests 100000 | sed -n '/^C client/,$p'
  done
done
