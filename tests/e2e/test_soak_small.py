"""A small soak (tests/soak/soak.py, the code behind bench/soak.py): 30 ec2_ami lifecycles at
parallelism 10 on one provider, 15 % of EC2 calls faulted, every invariant asserted; plus the lost
DeregisterImage answer the soak runs into, made deterministic."""
import pytest

from ami_env import ami_with_snapshot, attrs, config, driver, emu  # noqa: F401
from conftest import scaled
from tests.soak import soak


def test_small_soak_under_faults(binary):
    opts = soak.SoakOptions(count=30, concurrency=10, fault_rate=0.15, seed=7, binary=binary)
    res = soak.run(opts)
    report = soak.format_report(opts, res)
    assert res.figures["wall_s"] < scaled(60), report
    assert res.figures["faulted_requests"] > 0, report  # the faults were really there
    assert res.figures["exit_status"] == 0, report
    assert not res.problems, report


@pytest.mark.parametrize("kind", ["drop-after", "truncate"])
def test_destroy_whose_deregister_answer_was_lost_succeeds(emu, tmp_path, kind):  # noqa: F811
    """DeregisterImage ran but its answer was lost; the re-sent call meets InvalidAMIID.Unavailable
    (already deregistered). The image is gone as asked: the destroy must succeed."""
    snap = "snap-0c000000000000001"
    emu.snapshot(snap)
    state = str(tmp_path / "s.tfstate")
    cfg = config(emu, {"web": ami_with_snapshot("web-1", snap, delete_snapshots=True)},
                 provider={"plan_dry_run": False})
    out = driver(cfg, state).apply()
    assert out.exit_code == 0, out.output
    image_id = attrs(out, "ec2_ami.web")["id"]
    emu.fault(kind, action="DeregisterImage")
    out = driver(cfg, state, env={"TF_LOG_PROVIDER": "DEBUG"}).destroy()
    faulted = [r for r in emu.requests("DeregisterImage") if r["fault"]]
    assert len(faulted) == 1 and faulted[0]["params"].get("DryRun") != "true", faulted
    assert out.exit_code == 0, out.output
    img = emu.find_image(image_id)
    assert img is None or img["state"] == "deregistered"
    assert snap not in emu.snapshot_ids()
