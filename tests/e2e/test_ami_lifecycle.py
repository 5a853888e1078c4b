"""ec2_ami end to end, on both protocol versions: create -> no-change plan -> update in place -> destroy;
import; drift made behind Terraform's back; a create that times out while the image is pending."""
import pytest

from ami_env import (ami_with_snapshot, attrs, config, driver, emu, find_diag,  # noqa: F401
                     make_emulator)

SNAP = "snap-0c000000000000001"
ADDR = "ec2_ami.web"


def test_create_plan_update_destroy(emu, tmp_path, protocol):
    emu.snapshot(SNAP)
    state = str(tmp_path / "s.tfstate")
    body = ami_with_snapshot("web-1", SNAP, tags={"Team": "web"})
    out = driver(config(emu, {"web": body}), state, protocol).apply()
    assert out.exit_code == 0, out.output
    a = attrs(out, ADDR)
    image_id = a["id"]
    assert image_id.startswith("ami-")
    assert a["arn"] == f"arn:aws:ec2:us-east-1::image/{image_id}"
    assert a["state"] == "available"
    assert a["architecture"] == "x86_64"
    assert a["root_snapshot_id"] == SNAP
    assert a["delete_snapshots"] is False
    assert a["deregistration_protection"] == "disabled"
    assert a["tags"] == {"Team": "web"}
    assert emu.find_image(image_id)["tags"] == {"Team": "web"}

    out = driver(config(emu, {"web": body}), state, protocol).plan()
    assert out.exit_code == 0 and "No changes." in out.output, out.output

    body.update(description="web image", tags={"Team": "platform", "Env": "prod"},
                deprecation_time="2030-01-01T00:00:00Z", deregistration_protection="enabled")
    emu.admin("DELETE", "requests")
    out = driver(config(emu, {"web": body}), state, protocol).apply()
    assert out.exit_code == 0, out.output
    assert attrs(out, ADDR)["id"] == image_id  # in place, not replaced
    img = emu.find_image(image_id)
    assert img["description"] == "web image"
    assert img["tags"] == {"Team": "platform", "Env": "prod"}
    assert img["deprecation_time"].startswith("2030-01-01T00:00:00")
    assert img["deregistration_protection"] == "enabled-without-cooldown"
    # Only the difference: Env and the changed Team are created, nothing deleted.
    assert not [r for r in emu.requests("DeleteTags") if r["params"].get("DryRun") != "true"]
    assert attrs(out, ADDR)["deprecation_time"] == "2030-01-01T00:00:00Z"

    out = driver(config(emu, {"web": body}), state, protocol).plan()
    assert out.exit_code == 0 and "No changes." in out.output, out.output

    body.update(deregistration_protection="disabled", delete_snapshots=True, tags={"Env": "prod"})
    body.pop("deprecation_time")
    out = driver(config(emu, {"web": body}), state, protocol).apply()
    assert out.exit_code == 0, out.output
    img = emu.find_image(image_id)
    assert img["tags"] == {"Env": "prod"}
    assert img["deprecation_time"] is None
    assert img["deregistration_protection"] == "disabled"

    out = driver(config(emu, {"web": body}), state, protocol).destroy()
    assert out.exit_code == 0, out.output
    assert ADDR not in out.state.resources
    img = emu.find_image(image_id)
    assert img is None or img["state"] == "deregistered"
    assert SNAP not in emu.snapshot_ids()  # delete_snapshots = true


def test_import_then_plan_shows_no_replacement(emu, tmp_path, protocol):
    emu.snapshot(SNAP)
    seeded = emu.image(name="legacy-1", architecture="arm64", root_device_name="/dev/xvda",
                       block_device_mappings=[{"device_name": "/dev/xvda", "snapshot_id": SNAP}],
                       tags={"Team": "old"})
    state = str(tmp_path / "s.tfstate")
    body = ami_with_snapshot("legacy-1", SNAP, architecture="arm64", tags={"Team": "old"})
    body["ebs_block_device"][0].update(volume_size=8, volume_type="gp3", delete_on_termination=True,
                                       encrypted=False)
    out = driver(config(emu, {"web": body}), state, protocol).import_(ADDR, seeded["image_id"])
    assert out.exit_code == 0, out.output
    a = attrs(out, ADDR)
    assert a["id"] == seeded["image_id"]
    assert a["name"] == "legacy-1"
    assert a["architecture"] == "arm64"
    assert a["delete_snapshots"] is False
    assert a["tags"] == {"Team": "old"}
    out = driver(config(emu, {"web": body}), state, protocol).plan()
    assert out.exit_code == 0, out.output
    assert "must be replaced" not in out.output and "destroy" not in out.output.split("Plan:")[-1][:40]


def test_import_rejects_a_non_ami_id(emu, tmp_path, protocol):
    out = driver(config(emu, {"web": ami_with_snapshot("x-1", SNAP)}), str(tmp_path / "s.tfstate"),
                 protocol).import_(ADDR, "snap-123")
    assert out.exit_code == 1
    assert find_diag(out.errors(), "Invalid import id")


def test_import_of_a_missing_image_fails(emu, tmp_path, protocol):
    out = driver(config(emu, {"web": ami_with_snapshot("x-1", SNAP)}), str(tmp_path / "s.tfstate"),
                 protocol).import_(ADDR, "ami-0123456789abcdef0")
    assert out.exit_code == 1
    assert find_diag(out.errors(), "non-existent")


def test_drift_is_refreshed_and_planned_back(emu, tmp_path, protocol):
    emu.snapshot(SNAP)
    state = str(tmp_path / "s.tfstate")
    body = ami_with_snapshot("web-1", SNAP, description="v1", tags={"Team": "web"})
    out = driver(config(emu, {"web": body}), state, protocol).apply()
    assert out.exit_code == 0, out.output
    image_id = attrs(out, ADDR)["id"]

    status, _ = emu.call("CreateTags", **{"ResourceId.1": image_id, "Tag.1.Key": "Rogue", "Tag.1.Value": "1"})
    assert status == 200
    status, _ = emu.call("ModifyImageAttribute", ImageId=image_id, **{"Description.Value": "changed"})
    assert status == 200
    out = driver(config(emu, {"web": body}), state, protocol).plan()
    assert out.exit_code == 0, out.output
    change = out.change(ADDR)
    assert change is not None and change.action == "update", out.output
    assert change.before["tags"] == {"Team": "web", "Rogue": "1"}
    assert change.before["description"] == "changed"
    out = driver(config(emu, {"web": body}), state, protocol).apply()
    assert out.exit_code == 0, out.output
    img = emu.find_image(image_id)
    assert img["tags"] == {"Team": "web"} and img["description"] == "v1"


def test_deregistered_behind_terraforms_back_is_created_again(emu, tmp_path, protocol):
    emu.snapshot(SNAP)
    state = str(tmp_path / "s.tfstate")
    body = ami_with_snapshot("web-1", SNAP)
    out = driver(config(emu, {"web": body}), state, protocol).apply()
    assert out.exit_code == 0, out.output
    image_id = attrs(out, ADDR)["id"]
    status, _ = emu.call("DeregisterImage", ImageId=image_id)
    assert status == 200
    out = driver(config(emu, {"web": body}), state, protocol).plan()
    assert out.exit_code == 0, out.output
    change = out.change(ADDR)
    assert change is not None and change.action == "create", out.output


def test_create_timing_out_while_pending_keeps_the_id_tainted(tmp_path, protocol):
    slow = make_emulator("--pending-delay", "60")
    try:
        slow.snapshot(SNAP)
        state = str(tmp_path / "s.tfstate")
        body = ami_with_snapshot("web-1", SNAP, timeouts={"create": "2s"})
        out = driver(config(slow, {"web": body}), state, protocol).apply()
        assert out.exit_code == 1
        d = find_diag(out.errors(), "Timed out waiting")
        assert d is not None, out.output
        inst = out.state.resources.get(ADDR)
        assert inst is not None and inst.tainted
        image_id = inst.attributes["id"]
        assert image_id.startswith("ami-") and image_id in d.detail
        assert slow.find_image(image_id)["state"] == "pending"
    finally:
        slow.stop()


def test_lost_register_response_adopts_our_own_image(emu, tmp_path, protocol):
    emu.snapshot(SNAP)
    # EC2 registers the image but the answer never arrives; the client's retry meets
    # InvalidAMIName.Duplicate and the provider recognises the image as its own.
    emu.fault("drop-after", action="RegisterImage")
    state = str(tmp_path / "s.tfstate")
    out = driver(config(emu, {"web": ami_with_snapshot("web-1", SNAP)}, provider={"plan_dry_run": False}),
                 state, protocol).apply()
    assert out.exit_code == 0, out.output
    assert find_diag(out.warnings(), "Adopted an image")
    images = [i for i in emu.state()["images"] if i["name"] == "web-1"]
    assert len(images) == 1
    assert attrs(out, ADDR)["id"] == images[0]["image_id"]


def test_name_taken_by_another_image_is_an_error_naming_it(emu, tmp_path, protocol):
    emu.snapshot(SNAP)
    emu.snapshot("snap-0c000000000000009")
    other = emu.image(name="web-1", root_device_name="/dev/xvda",
                      block_device_mappings=[{"device_name": "/dev/xvda", "snapshot_id": "snap-0c000000000000009"}])
    out = driver(config(emu, {"web": ami_with_snapshot("web-1", SNAP)}), str(tmp_path / "s.tfstate"),
                 protocol).apply()
    assert out.exit_code == 1
    d = find_diag(out.errors(), "already exists")
    assert d is not None and d.path == ["name"], out.output
    assert d.detail.startswith("InvalidAMIName.Duplicate") and other["image_id"] in d.detail
    assert ADDR not in out.state.resources


def test_stop_during_create_keeps_the_id(tmp_path, protocol):
    import threading
    import time

    slow = make_emulator("--pending-delay", "60")
    try:
        slow.snapshot(SNAP)
        d = driver(config(slow, {"web": ami_with_snapshot("web-1", SNAP)}), str(tmp_path / "s.tfstate"), protocol)
        result = {}
        t = threading.Thread(target=lambda: result.update(out=d.apply()))
        t.start()
        deadline = time.time() + 20
        while not slow.state()["images"] and time.time() < deadline:
            time.sleep(0.1)
        assert slow.state()["images"], "RegisterImage never arrived"
        time.sleep(0.3)  # inside the wait for `available`
        d.p.stop()
        t.join(timeout=20)
        assert not t.is_alive()
        out = result["out"]
        assert out.exit_code == 1
        assert find_diag(out.errors(), "Operation cancelled"), out.output
        inst = out.state.resources.get(ADDR)
        assert inst is not None and inst.tainted
        assert inst.attributes["id"] == slow.state()["images"][0]["image_id"]
    finally:
        slow.stop()


def test_stop_while_register_image_is_in_flight_keeps_the_id(emu, tmp_path, protocol):
    """StopProvider aborts RegisterImage mid-request, but EC2 registers the image anyway: the quick
    look-up by name puts it in the state, tainted, instead of orphaning it."""
    import threading
    import time

    emu.snapshot(SNAP)
    # EC2 holds the request for 0.4 s, then registers the image whether or not anyone waits.
    emu.fault("delay", action="RegisterImage", delay=0.4)
    d = driver(config(emu, {"web": ami_with_snapshot("web-1", SNAP)}, provider={"plan_dry_run": False}),
               str(tmp_path / "s.tfstate"), protocol)
    result = {}
    t = threading.Thread(target=lambda: result.update(out=d.apply()))
    t.start()
    deadline = time.time() + 20
    while not emu.requests("RegisterImage") and time.time() < deadline:
        time.sleep(0.02)
    assert emu.requests("RegisterImage"), "RegisterImage never arrived"
    stopped = time.monotonic()
    d.p.stop()
    t.join(timeout=20)
    assert not t.is_alive()
    out = result["out"]
    images = [i for i in emu.state()["images"] if i["name"] == "web-1"]
    assert len(images) == 1, images
    inst = out.state.resources.get(ADDR)
    assert out.exit_code == 1, out.output
    assert inst is not None and inst.tainted, out.output
    assert inst.attributes["id"] == images[0]["image_id"]
    assert find_diag(out.warnings(), "Image registered before the interruption"), out.output
    assert time.monotonic() - stopped < 3
