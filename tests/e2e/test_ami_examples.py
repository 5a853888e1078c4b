"""Runs each examples/<name>/test/main.tf.json (the .tf.json twin of examples/<name>/main.tf) against the
emulator: the snapshots and images an example names are seeded first, and the provider finds the
emulator through AWS_ENDPOINT_URL_EC2, as a user's environment would set it."""
import os

from ami_env import driver, emu  # noqa: F401
from conftest import SOURCE_DIR


def example(name):
    return os.path.join(SOURCE_DIR, "examples", name, "test", "main.tf.json")


def run(emu, name, tmp_path, protocol, command):
    d = driver(example(name), str(tmp_path / "s.tfstate"), protocol, env={"AWS_ENDPOINT_URL_EC2": emu.url})
    return getattr(d, command)()


def test_ami_from_snapshots(emu, tmp_path, protocol):
    emu.snapshot("snap-0a000000000000001")
    emu.snapshot("snap-0a000000000000002", volume_size=20)
    out = run(emu, "ami-from-snapshots", tmp_path, protocol, "apply")
    assert out.exit_code == 0, out.output
    image_id = out.state.outputs["ami_id"]
    assert out.state.outputs["ami_arn"] == f"arn:aws:ec2:us-east-1::image/{image_id}"
    img = emu.find_image(image_id)
    assert img["state"] == "available" and img["boot_mode"] == "uefi-preferred"
    assert len(img["block_device_mappings"]) == 3
    out = run(emu, "ami-from-snapshots", tmp_path, protocol, "plan")
    assert out.exit_code == 0 and "No changes." in out.output, out.output
    out = run(emu, "ami-from-snapshots", tmp_path, protocol, "destroy")
    assert out.exit_code == 0, out.output
    assert {"snap-0a000000000000001", "snap-0a000000000000002"} <= emu.snapshot_ids()


def test_ami_destroy_delete_snapshots(emu, tmp_path, protocol):
    emu.snapshot("snap-0b000000000000001")
    emu.snapshot("snap-0b000000000000002")
    out = run(emu, "ami-destroy-delete-snapshots", tmp_path, protocol, "apply")
    assert out.exit_code == 0, out.output
    out = run(emu, "ami-destroy-delete-snapshots", tmp_path, protocol, "destroy")
    assert out.exit_code == 0, out.output
    summaries = [d.summary for d in out.warnings()]
    # The shared snapshot is skipped by whichever image goes first, deleted with the second.
    assert summaries.count("Snapshot snap-0b000000000000002 was kept (skipped)") == 1, summaries
    assert "Snapshot snap-0b000000000000002 deleted" in summaries
    assert "Snapshot snap-0b000000000000001 deleted" in summaries
    assert not {"snap-0b000000000000001", "snap-0b000000000000002"} & emu.snapshot_ids()


def test_ami_lookup(emu, tmp_path, protocol):
    import time
    emu.snapshot("snap-0c100000000000001")
    bdm = [{"device_name": "/dev/xvda", "snapshot_id": "snap-0c100000000000001"}]
    ids = {}
    for name in ("web-2030.01", "web-2030.02", "web-nightly"):
        ids[name] = emu.image(name=name, root_device_name="/dev/xvda", block_device_mappings=bdm)["image_id"]
        time.sleep(0.01)
    out = run(emu, "ami-lookup", tmp_path, protocol, "apply")
    assert out.exit_code == 0, out.output
    assert out.state.outputs["ami_id"] == ids["web-2030.02"]
    assert out.state.outputs["ami_name"] == "web-2030.02"
    assert out.state.outputs["root_snapshot_id"] == "snap-0c100000000000001"
