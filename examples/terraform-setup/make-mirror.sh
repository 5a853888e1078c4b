#!/usr/bin/env bash
# Lays out a filesystem mirror holding this build of the provider, for filesystem-mirror.tfrc.
# Usage: make-mirror.sh BUILD_DIR MIRROR_DIR [VERSION]
set -euo pipefail
build=${1:?build directory holding terraform-provider-ec2}
mirror=${2:?mirror directory to create}
version=${3:-0.1.0}
os=$(uname -s | tr '[:upper:]' '[:lower:]')
case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
dest="$mirror/registry.terraform.io/ami-tools/ec2/$version/${os}_$arch"
mkdir -p "$dest"
cp "$build/terraform-provider-ec2" "$dest/terraform-provider-ec2_v$version"
echo "$dest/terraform-provider-ec2_v$version"
