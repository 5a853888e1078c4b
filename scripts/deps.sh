#!/usr/bin/env bash
# Installs everything the build, the tests and the demo need on Debian 12: the C libraries, the test
# tooling (Debian's Python with grpcio, Node.js 20 + npm for the AWS SDK conformance tests), then the
# pinned npm packages. Run as root it installs; otherwise it prints the exact apt-get line to run.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libgrpc-dev protobuf-c-compiler libprotobuf-c-dev protobuf-compiler
  libmsgpack-dev libjson-c-dev libcurl4-openssl-dev libssl-dev libxml2-dev libcmocka-dev
  python3 python3-grpcio python3-protobuf python3-msgpack python3-cryptography python3-pytest
  nodejs npm valgrind nghttp2-client
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node may come from elsewhere than Debian (this machine ships Node 20); only ask for it when absent.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs/}"); missing=("${missing[@]/npm/}")
fi
want=()
for p in "${missing[@]}"; do [ -n "$p" ] && want+=("$p"); done

if [ "${#want[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "deps: installing ${want[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${want[@]}" >/dev/null
  else
    echo "deps: missing packages; run as root:" >&2
    echo "  apt-get update && apt-get install -y ${want[*]}" >&2
    exit 1
  fi
fi

# The AWS SDK for JavaScript, pinned by tests/conformance/package-lock.json.
if [ -f tests/conformance/package.json ] && [ ! -d tests/conformance/node_modules/@aws-sdk/client-ec2 ]; then
  echo "deps: installing the pinned AWS SDK for JavaScript (npm ci)" >&2
  (cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
