"""Destroying an ec2_ami: each per-snapshot result of DeregisterImage with DeleteAssociatedSnapshots becomes
a warning on delete_snapshots that explains it; deregistration protection is an error that says how to
lift it; throttling is retried; an image already gone is a success with a warning."""
import pytest

from ami_env import ami_with_snapshot, attrs, config, driver, emu, find_diag  # noqa: F401

ADDR = "ec2_ami.app"


def five_disk_ami(delete_snapshots=True):
    devices = ["/dev/xvda", "/dev/xvdb", "/dev/xvdc", "/dev/xvdd", "/dev/xvde"]
    return {"name": "app-1", "root_device_name": "/dev/xvda", "delete_snapshots": delete_snapshots,
            "ebs_block_device": [{"device_name": d, "snapshot_id": f"snap-0d00000000000000{i}"}
                                 for i, d in enumerate(devices, 1)]}


def snapshot_warnings(out):
    return {d.summary: d for d in out.warnings() if d.path == ["delete_snapshots"]}


def test_each_snapshot_result_is_reported(emu, tmp_path, protocol):
    for i in range(1, 6):
        emu.snapshot(f"snap-0d00000000000000{i}")
    # snap-...2 is also used by another image: EC2 skips it.
    other = emu.image(name="other-1", root_device_name="/dev/xvda",
                      block_device_mappings=[{"device_name": "/dev/xvda", "snapshot_id": "snap-0d000000000000002"}])
    state = str(tmp_path / "s.tfstate")
    cfg = config(emu, {"app": five_disk_ami()}, provider={"snapshot_report": "all"})
    out = driver(cfg, state, protocol).apply()
    assert out.exit_code == 0, out.output
    image_id = attrs(out, ADDR)["id"]
    emu.policy(snapshot_results={"snap-0d000000000000003": "missing-permissions",
                                 "snap-0d000000000000004": "internal-error",
                                 "snap-0d000000000000005": "client-error"})

    out = driver(cfg, state, protocol).destroy()
    assert out.exit_code == 0, out.output
    assert ADDR not in out.state.resources
    w = snapshot_warnings(out)
    ok = w.get("Snapshot snap-0d000000000000001 deleted")
    assert ok is not None and ok.detail.startswith("success"), list(w)
    skipped = w["Snapshot snap-0d000000000000002 was kept (skipped)"]
    assert other["image_id"] in skipped.detail and skipped.detail.startswith("skipped")
    perm = w["Snapshot snap-0d000000000000003 was kept (missing-permissions)"]
    assert "ec2:DeleteSnapshot" in perm.detail
    retried = w["Snapshot snap-0d000000000000004 deleted on retry (internal-error)"]
    assert retried.detail.startswith("internal-error")
    client = w["Snapshot snap-0d000000000000005 was kept (client-error)"]
    assert "describe-snapshots" in client.detail
    left = emu.snapshot_ids()
    assert "snap-0d000000000000001" not in left and "snap-0d000000000000004" not in left
    assert {"snap-0d000000000000002", "snap-0d000000000000003", "snap-0d000000000000005"} <= left
    img = emu.find_image(image_id)
    assert img is None or img["state"] == "deregistered"


def test_problems_only_by_default_and_plan_forecasts_shared_snapshot(emu, tmp_path, protocol):
    emu.snapshot("snap-0e000000000000001")
    emu.snapshot("snap-0e000000000000002")
    other = emu.image(name="other-1", root_device_name="/dev/xvdb",
                      block_device_mappings=[{"device_name": "/dev/xvdb", "snapshot_id": "snap-0e000000000000002"}])
    body = ami_with_snapshot("app-1", "snap-0e000000000000001", delete_snapshots=True)
    body["ebs_block_device"].append({"device_name": "/dev/xvdb", "snapshot_id": "snap-0e000000000000002"})
    state = str(tmp_path / "s.tfstate")
    out = driver(config(emu, {"app": body}), state, protocol).apply()
    assert out.exit_code == 0, out.output
    out = driver(config(emu, {"app": body}), state, protocol).destroy()
    assert out.exit_code == 0, out.output
    # Plan-time forecast, then the apply's report of the skipped one only.
    kept = [d for d in out.warnings() if d.summary == "Snapshot snap-0e000000000000002 will be kept"]
    assert kept and "snap-0e000000000000002" in kept[0].detail and other["image_id"] in kept[0].detail
    deleted = [d for d in out.warnings() if d.summary == "Snapshot snap-0e000000000000001 will be deleted"]
    assert deleted and "snap-0e000000000000001" in deleted[0].detail
    w = snapshot_warnings(out)
    assert "Snapshot snap-0e000000000000002 was kept (skipped)" in w
    assert "Snapshot snap-0e000000000000001 deleted" not in w  # success is reported only with "all"
    assert emu.snapshot_ids() >= {"snap-0e000000000000002"}
    assert "snap-0e000000000000001" not in emu.snapshot_ids()


def test_without_delete_snapshots_snapshots_stay(emu, tmp_path, protocol):
    emu.snapshot("snap-0f000000000000001")
    body = ami_with_snapshot("app-1", "snap-0f000000000000001")
    state = str(tmp_path / "s.tfstate")
    assert driver(config(emu, {"app": body}), state, protocol).apply().exit_code == 0
    out = driver(config(emu, {"app": body}), state, protocol).destroy()
    assert out.exit_code == 0, out.output
    assert not snapshot_warnings(out)
    assert "snap-0f000000000000001" in emu.snapshot_ids()
    dereg = [r for r in emu.requests("DeregisterImage") if r["params"].get("DryRun") != "true"]
    assert dereg and dereg[-1]["params"].get("DeleteAssociatedSnapshots", "false") == "false"


@pytest.mark.parametrize("mode", ["enabled", "enabled-with-cooldown"])
def test_protected_image_is_an_error_that_says_how_to_lift_it(emu, tmp_path, protocol, mode):
    emu.snapshot("snap-10000000000000001")
    body = ami_with_snapshot("app-1", "snap-10000000000000001", deregistration_protection=mode)
    state = str(tmp_path / "s.tfstate")
    out = driver(config(emu, {"app": body}), state, protocol).apply()
    assert out.exit_code == 0, out.output
    image_id = attrs(out, ADDR)["id"]
    assert attrs(out, ADDR)["deregistration_protection"] == mode

    out = driver(config(emu, {"app": body}), state, protocol).destroy()
    assert out.exit_code == 1
    d = find_diag(out.errors(), "protected against deregistration")
    assert d is not None, out.output
    assert 'deregistration_protection = "disabled"' in d.detail
    assert ("cooldown" in d.detail) == (mode == "enabled-with-cooldown")
    assert ADDR in out.state.resources
    assert emu.find_image(image_id)["state"] == "available"

    body["deregistration_protection"] = "disabled"
    assert driver(config(emu, {"app": body}), state, protocol).apply().exit_code == 0
    out = driver(config(emu, {"app": body}), state, protocol).destroy()
    if mode == "enabled":
        assert out.exit_code == 0, out.output
        return
    # Disabling protection enabled with cooldown leaves the image undeletable for a while.
    assert out.exit_code == 1
    d = find_diag(out.errors(), "protected against deregistration")
    assert d is not None and "cooldown" in d.detail, out.output
    assert ADDR in out.state.resources


def test_throttling_during_destroy_is_retried(emu, tmp_path, protocol):
    emu.snapshot("snap-11000000000000001")
    body = ami_with_snapshot("app-1", "snap-11000000000000001", delete_snapshots=True)
    state = str(tmp_path / "s.tfstate")
    # No plan-time DryRun here, so both throttled answers hit the apply's DeregisterImage.
    cfg = config(emu, {"app": body}, provider={"plan_dry_run": False})
    assert driver(cfg, state, protocol).apply().exit_code == 0
    emu.admin("DELETE", "requests")
    emu.fault("throttle", action="DeregisterImage", count=2)
    out = driver(cfg, state, protocol).destroy()
    assert out.exit_code == 0, out.output
    codes = [r["error_code"] for r in emu.requests("DeregisterImage")]
    assert codes == ["RequestLimitExceeded", "RequestLimitExceeded", None], codes
    assert "snap-11000000000000001" not in emu.snapshot_ids()
    assert ADDR not in out.state.resources


def test_image_already_gone_is_a_success_with_a_warning(emu, tmp_path, protocol):
    emu.snapshot("snap-12000000000000001")
    body = ami_with_snapshot("app-1", "snap-12000000000000001")
    state = str(tmp_path / "s.tfstate")
    out = driver(config(emu, {"app": body}), state, protocol).apply()
    image_id = attrs(out, ADDR)["id"]
    status, _ = emu.call("DeregisterImage", ImageId=image_id)
    assert status == 200
    import time
    time.sleep(1.0)  # past the emulator's deregistered linger: now InvalidAMIID.NotFound
    d = driver(config(emu, {"app": body}), state, protocol)
    d.do_refresh = False
    out = d.destroy()
    assert out.exit_code == 0, out.output
    assert find_diag(out.warnings(), "Image already gone")
    assert ADDR not in out.state.resources


def test_throttling_beyond_max_retries_is_an_error_naming_the_code(emu, tmp_path, protocol):
    """Retries are bounded by max_retries: when every attempt is throttled, the destroy fails with a
    diagnostic that names EC2's code and how many attempts were made, and the state keeps the image."""
    emu.snapshot("snap-11000000000000002")
    body = ami_with_snapshot("app-2", "snap-11000000000000002")
    state = str(tmp_path / "s.tfstate")
    cfg = config(emu, {"app": body}, provider={"plan_dry_run": False, "max_retries": 1})
    assert driver(cfg, state, protocol).apply().exit_code == 0
    emu.admin("DELETE", "requests")
    emu.fault("throttle", action="DeregisterImage", count=5)
    out = driver(cfg, state, protocol).destroy()
    assert out.exit_code == 1, out.output
    d = find_diag(out.errors(), "Cannot deregister image")
    assert d is not None, out.output
    assert d.detail.startswith("RequestLimitExceeded") and "after 2 attempts" in d.detail, d.detail
    assert [r["error_code"] for r in emu.requests("DeregisterImage")] == ["RequestLimitExceeded"] * 2
    assert ADDR in out.state.resources
