#!/usr/bin/env bash
# Quick start, step one: install what is needed, build, and run the demo lifecycle (against the
# bundled EC2 emulator, or with real terraform/tofu when one is on PATH). --no-demo stops after the build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh >/dev/null
if [ "${1:-}" != "--no-demo" ]; then
  bash scripts/demo.sh
fi
