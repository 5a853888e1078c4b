"""Plan-time checks of ec2_ami: validation with attribute paths, and DryRun (plan_dry_run) so missing
permissions and missing snapshots fail the plan - for a create, an update and a destroy - while nothing
in EC2 changes. Values unknown at plan time are never guessed: the DryRun is skipped."""
from ami_env import ami_with_snapshot, attrs, config, driver, emu, find_diag  # noqa: F401

SNAP = "snap-13000000000000001"
ADDR = "ec2_ami.web"


def real(requests):
    return [r for r in requests if r["params"].get("DryRun") != "true"]


def test_denied_register_fails_the_plan(emu, tmp_path, protocol):
    emu.snapshot(SNAP)
    emu.policy(deny_actions=["RegisterImage"])
    out = driver(config(emu, {"web": ami_with_snapshot("web-1", SNAP)}), str(tmp_path / "s"), protocol).plan()
    assert out.exit_code == 1
    d = find_diag(out.errors(), "Missing permission ec2:RegisterImage")
    assert d is not None, out.output
    assert d.detail.startswith("UnauthorizedOperation: You are not authorized")
    assert "request id" in d.detail
    assert emu.state()["images"] == []
    dry = emu.requests("RegisterImage")
    assert dry and all(r["params"].get("DryRun") == "true" for r in dry)


def test_missing_snapshot_is_caught_in_plan_on_the_block(emu, tmp_path, protocol):
    out = driver(config(emu, {"web": ami_with_snapshot("web-1", "snap-0123456789abcdef9")}),
                 str(tmp_path / "s"), protocol).plan()
    assert out.exit_code == 1
    d = find_diag(out.errors(), "Snapshot not found")
    assert d is not None, out.output
    assert d.path == ["ebs_block_device"]
    assert d.detail.startswith("InvalidSnapshot.NotFound")
    assert not real(emu.requests("RegisterImage"))


def test_denied_update_fails_the_plan(emu, tmp_path, protocol):
    emu.snapshot(SNAP)
    state = str(tmp_path / "s")
    body = ami_with_snapshot("web-1", SNAP, tags={"A": "1"})
    out = driver(config(emu, {"web": body}), state, protocol).apply()
    assert out.exit_code == 0, out.output
    image_id = attrs(out, ADDR)["id"]
    emu.policy(deny_actions=["CreateTags"])
    body["tags"] = {"A": "2"}
    out = driver(config(emu, {"web": body}), state, protocol).plan()
    assert out.exit_code == 1
    d = find_diag(out.errors(), "Missing permission ec2:CreateTags")
    assert d is not None and d.path == ["tags"], out.output
    assert emu.find_image(image_id)["tags"] == {"A": "1"}


def test_denied_deregister_fails_the_destroy_plan(emu, tmp_path, protocol):
    emu.snapshot(SNAP)
    state = str(tmp_path / "s")
    body = ami_with_snapshot("web-1", SNAP)
    out = driver(config(emu, {"web": body}), state, protocol).apply()
    image_id = attrs(out, ADDR)["id"]
    emu.policy(deny_actions=["DeregisterImage"])
    out = driver(config(emu, {"web": body}), state, protocol).destroy()
    assert out.exit_code == 1
    assert find_diag(out.errors(), "Missing permission ec2:DeregisterImage"), out.output
    assert not real(emu.requests("DeregisterImage"))
    assert emu.find_image(image_id)["state"] == "available"
    assert ADDR in out.state.resources


def test_plan_dry_run_off_sends_nothing_at_plan(emu, tmp_path, protocol):
    emu.policy(deny_actions=["RegisterImage"])
    cfg = config(emu, {"web": ami_with_snapshot("web-1", "snap-0123456789abcdef9")}, provider={"plan_dry_run": False})
    out = driver(cfg, str(tmp_path / "s"), protocol).plan()
    assert out.exit_code == 0, out.output
    assert emu.requests("RegisterImage") == [] and emu.requests("DescribeSnapshots") == []


def test_unknown_values_skip_the_dry_run(emu, tmp_path, protocol):
    emu.snapshot(SNAP)
    first = ami_with_snapshot("web-1", SNAP)
    second = ami_with_snapshot("web-2", SNAP, description="copy of ${ec2_ami.first.id}")
    out = driver(config(emu, {"first": first, "second": second}), str(tmp_path / "s"), protocol).plan()
    assert out.exit_code == 0, out.output
    names = [r["params"].get("Name") for r in emu.requests("RegisterImage")]
    assert names == ["web-1"], names


def test_validation_points_at_attributes(emu, tmp_path, protocol):
    body = ami_with_snapshot("x", SNAP, architecture="amd64", deprecation_time="2030-01-01T00:00:30Z",
                             timeouts={"create": "forty minutes"})
    out = driver(config(emu, {"web": body}), str(tmp_path / "s"), protocol).plan()
    assert out.exit_code == 1
    paths = {tuple(d.path) for d in out.errors()}
    assert {("name",), ("architecture",), ("deprecation_time",), ("timeouts", "create")} <= paths, paths
    assert emu.requests() == [] or not emu.requests("RegisterImage")
