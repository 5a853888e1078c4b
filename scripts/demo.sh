#!/usr/bin/env bash
# The demo lifecycle against the bundled EC2 emulator: plan (with DryRun validation), apply, then a
# destroy with delete_snapshots whose output shows one warning per snapshot - one of them kept because
# a second AMI, registered outside Terraform, still uses it.
# Uses terraform or tofu when one is on PATH (through a dev_overrides CLI config), else the bundled
# Terraform-like driver. DEMO_CLI=driver|terraform|tofu forces a choice.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"
py=/usr/bin/python3
[ -x "$build/terraform-provider-ec2" ] || { echo "demo: build first (scripts/build.sh)" >&2; exit 1; }

cli=${DEMO_CLI:-}
if [ -z "$cli" ]; then
  if command -v terraform >/dev/null; then cli=terraform
  elif command -v tofu >/dev/null; then cli=tofu
  else cli=driver; fi
fi

work=$(mktemp -d)
emu_pid=
cleanup() { [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$py" "$root/tests/ec2emu/ec2emu.py" --port 0 --pending-delay 1 >"$work/emu.out" 2>"$work/emu.err" &
emu_pid=$!
for _ in $(seq 50); do [ -s "$work/emu.out" ] && break; sleep 0.1; done
url=$(head -n1 "$work/emu.out")
admin() { curl -fsS -X POST "${url}_emu/$1" -H 'Content-Type: application/json' -d "$2" >/dev/null; }

root_snap=snap-0a11ce0000000001a
shared_snap=snap-0da7a00000000002b
admin snapshots "{\"snapshot_id\":\"$root_snap\",\"volume_size\":8}"
admin snapshots "{\"snapshot_id\":\"$shared_snap\",\"volume_size\":20}"
# A second AMI, not managed by this configuration, that shares the data snapshot.
admin images "{\"image_id\":\"ami-0b0b0b0b0b0b0b0b0\",\"name\":\"team-b-image\",\"root_device_name\":\"/dev/xvda\",\"block_device_mappings\":[{\"device_name\":\"/dev/xvda\",\"snapshot_id\":\"$shared_snap\"}]}"

export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
export AWS_REGION=us-east-1 AWS_ENDPOINT_URL_EC2="$url"
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true

cat >"$work/main.tf.json" <<JSON
{
  "terraform": {"required_providers": {"ec2": {"source": "registry.terraform.io/ami-tools/ec2"}}},
  "provider": {"ec2": {"region": "us-east-1"}},
  "resource": {"ec2_ami": {"app": {
    "name": "demo-app-v1",
    "description": "Demo image registered from two snapshots",
    "root_device_name": "/dev/xvda",
    "delete_snapshots": true,
    "tags": {"Team": "platform"},
    "ebs_block_device": [
      {"device_name": "/dev/xvda", "snapshot_id": "$root_snap"},
      {"device_name": "/dev/xvdb", "snapshot_id": "$shared_snap"}
    ]
  }}}
}
JSON

step() { printf '\n\033[1m==> %s\033[0m\n\n' "$*"; }
case "$cli" in
  terraform|tofu)
    cat >"$work/cli.rc" <<RC
provider_installation {
  dev_overrides { "registry.terraform.io/ami-tools/ec2" = "$build" }
  direct {}
}
RC
    export TF_CLI_CONFIG_FILE="$work/cli.rc" TF_IN_AUTOMATION=1
    run() { (cd "$work" && "$cli" "$@" -no-color); }
    step "$cli plan (RegisterImage is validated with DryRun)"; run plan
    step "$cli apply"; run apply -auto-approve
    step "$cli destroy (per-snapshot results)"; run destroy -auto-approve
    ;;
  driver)
    run() { (cd "$root" && "$py" -m tests.driver -chdir="$work" "$@"); }
    step "plan (RegisterImage is validated with DryRun)"; run plan
    step "apply"; run apply
    step "destroy (per-snapshot results)"; run destroy
    ;;
  *) echo "demo: unknown DEMO_CLI=$cli" >&2; exit 2 ;;
esac

step "EC2 afterwards"
curl -fsS "${url}_emu/state" | "$py" -c '
import json, sys
s = json.load(sys.stdin)
imgs = s.get("images", {}); snaps = s.get("snapshots", {})
imgs = imgs.values() if isinstance(imgs, dict) else imgs
snaps = snaps.values() if isinstance(snaps, dict) else snaps
for i in imgs: print("image   ", i.get("image_id"), i.get("name"), i.get("state"))
for n in snaps: print("snapshot", n.get("snapshot_id"), "kept")
'
