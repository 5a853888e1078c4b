"""The driver's own rules, without the provider: the driver stands in for Terraform core, so its
codec and its plan/apply checks must catch what Terraform catches."""
import msgpack
import pytest

from tests.driver import UNKNOWN, check_apply, check_plan, decode, encode, proposed_new
from tests.driver.config import Config, ConfigError, decode_block, evaluate
from tests.driver.engine import Change
from tests.driver.render import render_plan
from tests.driver.schema import LIST, SET, SINGLE, Attribute, Block, NestedBlock
from tests.driver.values import TypeMismatch

BLOCK = Block(
    attributes={
        "id": Attribute("id", "string", computed=True),
        "name": Attribute("name", "string", required=True),
        "size": Attribute("size", "number", optional=True, computed=True),
        "note": Attribute("note", "string", optional=True),
        "tags": Attribute("tags", ["map", "string"], optional=True),
    },
    block_types={
        "disk": NestedBlock("disk", SET, Block(attributes={
            "dev": Attribute("dev", "string", required=True),
            "gb": Attribute("gb", "number", optional=True, computed=True)})),
        "timeouts": NestedBlock("timeouts", SINGLE, Block(attributes={
            "create": Attribute("create", "string", optional=True)})),
        "rules": NestedBlock("rules", LIST, Block(attributes={"n": Attribute("n", "number", required=True)})),
    },
)
T = BLOCK.type()


def test_unknown_is_written_as_terraform_writes_it():
    raw = encode({"name": "a", "id": UNKNOWN}, T)
    m = msgpack.unpackb(raw, raw=False, strict_map_key=False, ext_hook=lambda c, d: (c, d))
    assert m["id"] == (0, b"\x00")
    assert b"\xd4\x00\x00" in raw


def test_objects_carry_exactly_one_key_per_attribute_and_block():
    m = msgpack.unpackb(encode({"name": "a"}, T), raw=False)
    assert set(m) == {"id", "name", "size", "note", "tags", "disk", "timeouts", "rules"}
    with pytest.raises(TypeMismatch):
        encode({"name": "a", "bogus": 1}, T)


def test_decode_round_trips_and_rejects_missing_or_extra_keys():
    v = {"id": None, "name": "a", "size": 8, "note": None, "tags": {"k": "v"},
         "disk": [{"dev": "/dev/xvda", "gb": UNKNOWN}], "timeouts": None, "rules": []}
    assert decode(encode(v, T), T) == v
    m = msgpack.unpackb(encode(v, T), raw=False)
    del m["note"]
    with pytest.raises(TypeMismatch) as e:
        decode(msgpack.packb(m), T)
    assert e.value.path == ["note"]
    m["note"], m["extra"] = None, 1
    with pytest.raises(TypeMismatch):
        decode(msgpack.packb(m), T)


def test_any_extension_decodes_as_unknown_and_numbers_may_be_text():
    raw = msgpack.packb({"a": msgpack.ExtType(12, b"\x80"), "b": "1.5", "c": 2.0})
    t = ["object", {"a": "string", "b": "number", "c": "number"}]
    assert decode(raw, t) == {"a": UNKNOWN, "b": 1.5, "c": 2.0}


def test_dynamic_values_travel_with_their_type():
    t = ["object", {"d": "dynamic"}]
    raw = encode({"d": ["x", 1]}, t)
    assert decode(raw, t) == {"d": ["x", 1]}


def _cfg(**kw):
    body = {"name": "a"}
    body.update(kw)
    return decode_block(BLOCK, body, {}, "x_thing.a")


def test_proposed_new_takes_computed_from_prior_and_config_otherwise():
    cfg = _cfg(note="n")
    assert proposed_new(BLOCK, None, cfg)["id"] is None
    prior = dict(cfg, id="i-1", size=8, note="old")
    p = proposed_new(BLOCK, prior, cfg)
    assert (p["id"], p["size"], p["note"]) == ("i-1", 8, "n")


def test_check_plan_accepts_a_good_create_plan():
    cfg = _cfg(disk=[{"dev": "/dev/xvda"}])
    planned = BLOCK.unknown_computed(proposed_new(BLOCK, None, cfg))
    planned["disk"] = [{"dev": "/dev/xvda", "gb": UNKNOWN}]
    assert check_plan(BLOCK, None, cfg, planned) == []


@pytest.mark.parametrize("change,fragment", [
    ({"name": "b"}, 'name: planned value "b" does not match config value "a"'),
    ({"note": "x"}, "note: planned value"),
    ({"disk": []}, "block count in plan"),
])
def test_check_plan_catches_invalid_plans(change, fragment):
    cfg = _cfg(disk=[{"dev": "/dev/xvda"}])
    planned = dict(BLOCK.unknown_computed(proposed_new(BLOCK, None, cfg)), **change)
    errs = check_plan(BLOCK, None, cfg, planned)
    assert any(fragment in e for e in errs), errs


def test_check_plan_keeps_unknown_config_unknown():
    cfg = dict(_cfg(), note=UNKNOWN)
    planned = dict(BLOCK.unknown_computed(proposed_new(BLOCK, None, cfg)), note="guess")
    assert check_plan(BLOCK, None, cfg, planned)


def test_check_apply_catches_changed_and_unknown_values():
    planned = {"id": UNKNOWN, "name": "a", "size": UNKNOWN, "note": None, "tags": None, "disk": [],
               "timeouts": None, "rules": []}
    good = dict(planned, id="i-1", size=8)
    assert check_apply(T, planned, good) == []
    assert any("name" in e for e in check_apply(T, planned, dict(good, name="b")))
    assert any("unknown" in e for e in check_apply(T, planned, dict(good, id=UNKNOWN)))


def test_config_errors_name_the_attribute():
    with pytest.raises(ConfigError) as e:
        decode_block(BLOCK, {}, {}, "x_thing.a")
    assert e.value.summary == "Missing required argument" and e.value.path == ["name"]
    with pytest.raises(ConfigError) as e:
        decode_block(BLOCK, {"name": "a", "id": "x"}, {}, "x_thing.a")
    assert e.value.summary == "Value for unconfigurable attribute"
    with pytest.raises(ConfigError) as e:
        decode_block(BLOCK, {"name": "a", "size": "big"}, {}, "x_thing.a")
    assert e.value.path == ["size"]


def test_references_resolve_and_stay_unknown_until_known():
    ctx = {"x_thing.a": {"id": "i-1", "tags": {"k": "v"}}, "x_thing.b": UNKNOWN}
    assert evaluate("${x_thing.a.id}", ctx) == "i-1"
    assert evaluate('pre-${x_thing.a.tags["k"]}-post', ctx) == "pre-v-post"
    assert evaluate("${x_thing.b.id}", ctx) is UNKNOWN
    assert evaluate("$${literal}", ctx) == "${literal}"
    cfg = Config.load({"resource": {"x_thing": {"b": {"name": "${x_thing.a.id}"}, "a": {"name": "z"}}}})
    assert cfg.order() == ["x_thing.a", "x_thing.b"]


def test_plan_text_reads_like_terraform():
    cfg = _cfg(note="hello")
    after = BLOCK.unknown_computed(proposed_new(BLOCK, None, cfg))
    ch = Change(addr="x_thing.a", mode="managed", type="x_thing", name="a", action="create",
                block=BLOCK, after=after)
    text = "\n".join(render_plan([ch]))
    assert "  # x_thing.a will be created" in text
    assert '  + resource "x_thing" "a" {' in text
    assert "+ id   = (known after apply)" in text
    assert '+ note = "hello"' in text
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in text
