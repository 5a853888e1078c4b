"""The driver's engine against a small Python provider (fake_provider.py): the whole lifecycle and
each Terraform core rule it enforces, independent of the C provider."""
import json
import os
import threading
import time

import pytest

from tests.driver import Driver, State

FAKE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_provider.py")


@pytest.fixture
def work(tmp_path):
    """(run(config dict, command, *args) -> Outcome, tmp_path)."""
    env = {"FAKE_STORE": str(tmp_path / "store.json")}

    def run(config, command, *args):
        (tmp_path / "main.tf.json").write_text(json.dumps(config, indent=2))
        d = Driver(str(tmp_path), str(tmp_path / "terraform.tfstate"), FAKE, env=env)
        return d.import_(*args) if command == "import" else getattr(d, command)()

    return run, tmp_path


def _cfg(things, data=None):
    c = {"provider": {"fake": {"region": "here"}}, "resource": {"fake_thing": things}}
    if data:
        c["data"] = {"fake_thing": data}
    return c


def _store(tmp_path):
    p = tmp_path / "store.json"
    return json.loads(p.read_text()) if p.exists() else {}


def _calls(tmp_path):
    return (tmp_path / "store.json.calls").read_text().splitlines()


def test_full_lifecycle(work):
    run, tmp = work
    cfg = _cfg({"a": {"name": "one", "tags": {"k": "v"}},
                "b": {"name": "two-${fake_thing.a.id}", "note": "${fake_thing.a.size}"}},
               data={"a": {"id": "${fake_thing.a.id}"}})
    out = run(cfg, "plan")
    assert out.exit_code == 0, out.output
    assert "Plan: 2 to add, 0 to change, 0 to destroy." in out.output
    assert "  # data.fake_thing.a will be read during apply" in out.output
    out = run(cfg, "apply")
    assert out.exit_code == 0, out.output
    assert "Apply complete! Resources: 2 added, 0 changed, 0 destroyed." in out.output
    st = State.load(str(tmp / "terraform.tfstate"))
    a, b = st.resources["fake_thing.a"], st.resources["fake_thing.b"]
    assert b.attributes["name"] == "two-" + a.attributes["id"]
    assert b.attributes["note"] == "8"
    assert a.private == b"apply-private"
    assert st.resources["data.fake_thing.a"].attributes["name"] == "one"
    assert "fake_thing.a" in b.dependencies
    assert "ApplyResourceChange private=plan-private" in _calls(tmp)  # planned_private reaches apply

    out = run(cfg, "plan")
    assert "No changes." in out.output, out.output
    assert "ReadResource private=apply-private" in _calls(tmp)  # private reaches ReadResource

    cfg["resource"]["fake_thing"]["a"]["tags"] = {"k": "w"}
    out = run(cfg, "apply")
    assert out.exit_code == 0, out.output
    assert "  # fake_thing.a will be updated in-place" in out.output
    assert '      ~ tags = {\n          ~ "k" = "v" -> "w"\n        }' in out.output
    assert "Resources: 0 added, 1 changed, 0 destroyed." in out.output

    cfg["resource"]["fake_thing"]["a"]["name"] = "uno"
    out = run(cfg, "plan")
    assert "  # fake_thing.a must be replaced" in out.output
    assert "# forces replacement" in out.output
    out = run(cfg, "apply")
    assert out.exit_code == 0, out.output
    assert len(_store(tmp)) == 2

    out = run(cfg, "destroy")
    assert out.exit_code == 0, out.output
    assert "Destroy complete! Resources: 2 destroyed." in out.output
    assert _store(tmp) == {}
    assert State.load(str(tmp / "terraform.tfstate")).resources == {}
    # plan_destroy: PlanResourceChange with a null proposed state before each destroy; its
    # planned_private reaches ApplyResourceChange.
    calls = _calls(tmp)
    assert calls.count("PlanResourceChange destroy") >= 2
    assert "ApplyResourceChange private=destroy-private" in calls
    # b depends on a, so b goes first.
    assert out.output.index("fake_thing.b: Destroying") < out.output.index("fake_thing.a: Destroying")


def test_invalid_plan_is_reported(work):
    run, _ = work
    out = run(_cfg({"a": {"name": "x", "note": "BAD_PLAN"}}), "plan")
    assert out.exit_code == 1
    assert "Error: Provider produced invalid plan" in out.output
    assert 'fake_thing.a.note: planned value "something else" does not match config value "BAD_PLAN"' in out.output


def test_inconsistent_apply_result_is_reported(work):
    run, tmp = work
    out = run(_cfg({"a": {"name": "x", "note": "BAD_APPLY"}}), "apply")
    assert out.exit_code == 1
    assert "Error: Provider produced inconsistent result after apply" in out.output
    assert 'note: was "BAD_APPLY", but now "changed behind your back"' in out.output


def test_failed_create_with_an_object_is_tainted_then_replaced(work):
    run, tmp = work
    out = run(_cfg({"a": {"name": "FAIL_CREATE"}}), "apply")
    assert out.exit_code == 1
    assert "Error: Creation failed half-way" in out.output
    st = State.load(str(tmp / "terraform.tfstate"))
    assert st.resources["fake_thing.a"].tainted
    saved = json.loads((tmp / "terraform.tfstate").read_text())
    assert saved["resources"][0]["instances"][0]["status"] == "tainted"
    out = run(_cfg({"a": {"name": "FAIL_CREATE"}}), "plan")
    assert "  # fake_thing.a is tainted, so must be replaced" in out.output
    assert "Plan: 1 to add, 0 to change, 1 to destroy." in out.output


def test_object_gone_remotely_is_dropped_on_refresh_and_planned_again(work):
    run, tmp = work
    cfg = _cfg({"a": {"name": "x"}})
    assert run(cfg, "apply").exit_code == 0
    (tmp / "store.json").write_text("{}")
    out = run(cfg, "plan")
    assert "fake_thing.a has been deleted" in out.output
    assert "  # fake_thing.a will be created" in out.output


def test_import_reads_the_object_and_rejects_missing_ones(work):
    run, tmp = work
    cfg = _cfg({"a": {"name": "x"}})
    (tmp / "store.json").write_text(json.dumps({"thing-1": {"id": "thing-1", "name": "x", "note": None,
                                                            "size": 8, "tags": None}}))
    out = run(cfg, "import", "fake_thing.a", "thing-2")
    assert out.exit_code == 1
    assert "Error: Cannot import non-existent remote object" in out.output
    out = run(cfg, "import", "fake_thing.a", "thing-1")
    assert out.exit_code == 0, out.output
    assert "Import successful!" in out.output
    st = State.load(str(tmp / "terraform.tfstate"))
    assert st.resources["fake_thing.a"].attributes["name"] == "x"
    assert run(cfg, "plan").output.count("No changes.") == 1


def test_config_errors_point_at_the_line(work):
    run, _ = work
    c = _cfg({"a": {"name": "x"}})
    c["provider"]["fake"]["region"] = "nowhere"
    out = run(c, "plan")
    assert out.exit_code == 1
    assert "Error: Invalid region" in out.output
    assert 'with provider["registry.terraform.io/hashicorp/fake"],' in out.output
    assert '"region": "nowhere"' in out.output
    out = run(_cfg({"a": {"name": "x", "nonsense": 1}}), "plan")
    assert "Error: Unsupported argument" in out.output and out.exit_code == 1
    out = run(_cfg({"a": {}}), "plan")
    assert "Error: Missing required argument" in out.output


def test_state_can_live_in_memory_between_commands(tmp_path):
    d = Driver(_cfg({"a": {"name": "x"}}), None, FAKE, env={"FAKE_STORE": str(tmp_path / "store.json")})
    assert d.apply().exit_code == 0
    out = d.plan()
    assert "No changes." in out.output, out.output
    assert d.destroy().exit_code == 0
    assert _store(tmp_path) == {}


def test_interrupt_stops_the_provider_and_starts_nothing_new(tmp_path):
    store = tmp_path / "store.json"
    cfg = _cfg({"a": {"name": "SLOW"}, "b": {"name": "after-${fake_thing.a.id}"}, "c": {"name": "c"}})
    d = Driver(cfg, str(tmp_path / "s.tfstate"), FAKE, env={"FAKE_STORE": str(store)})
    # c has no dependency, so it is ordered after a only by the file order; a blocks in apply.
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("out", d.apply()))
    t.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        calls = (tmp_path / "store.json.calls")
        if calls.exists() and "ApplyResourceChange" in calls.read_text():
            break
        time.sleep(0.05)
    d.interrupt()
    t.join(15)
    out = result["out"]
    assert out.exit_code == 1
    assert "Interrupt received." in out.output
    assert "Error: Interrupted" in out.output
    assert any(c.startswith("StopProvider") for c in _calls(tmp_path))
    assert _store(tmp_path) == {}, "nothing may be created after the interrupt"
