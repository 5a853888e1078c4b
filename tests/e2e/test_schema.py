"""GetProviderSchema on both protocols: what Terraform needs to accept the provider."""
import json

import grpc
import pytest

from tests.driver.schema import to_json

PROVIDER_ATTRS = {"region", "access_key", "secret_key", "token", "profile", "shared_config_files",
                  "shared_credentials_files", "max_retries", "custom_ca_bundle", "insecure",
                  "plan_dry_run", "snapshot_report"}
VALID_KINDS = {"string", "number", "bool", "dynamic", "list", "set", "map", "object", "tuple"}


def _check_type(t):
    kind = t if isinstance(t, str) else t[0]
    assert kind in VALID_KINDS, t
    if kind in ("list", "set", "map"):
        _check_type(t[1])
    elif kind == "object":
        for at in t[1].values():
            _check_type(at)
    elif kind == "tuple":
        for et in t[1]:
            _check_type(et)


def _check_block(block, where):
    for name, a in block.attributes.items():
        json.loads(a.raw_type)  # the wire form is JSON text
        _check_type(a.type)
        assert a.required or a.optional or a.computed, f"{where}.{name}: no mode"
        assert not (a.required and (a.optional or a.computed)), f"{where}.{name}: required and optional/computed"
    for name, nb in block.block_types.items():
        assert nb.nesting in (1, 2, 3, 4, 5), f"{where}.{name}: nesting {nb.nesting}"
        _check_block(nb.block, f"{where}.{name}")


def test_schema_has_provider_resource_and_data_source(provider):
    s = provider.get_schema()
    assert not [d for d in s.diagnostics if d.is_error]
    assert PROVIDER_ATTRS <= set(s.provider.block.attributes)
    assert "endpoints" in s.provider.block.attributes or "endpoints" in s.provider.block.block_types
    assert "ec2_ami" in s.resources
    assert "ec2_ami" in s.data_sources
    assert s.plan_destroy is True


def test_every_attribute_type_is_json_type_text(provider):
    s = provider.get_schema()
    _check_block(s.provider.block, "provider")
    for name, sch in s.resources.items():
        _check_block(sch.block, name)
    for name, sch in s.data_sources.items():
        _check_block(sch.block, f"data.{name}")


def test_ami_resource_computes_what_ec2_decides(provider):
    block = provider.get_schema().resources["ec2_ami"].block
    a = block.attributes
    assert a["name"].required
    for name in ("id", "arn", "owner_id", "state", "creation_date"):
        assert a[name].computed and not a[name].optional, name
    assert a["tags"].type == ["map", "string"]


def test_both_protocols_describe_the_same_schema(launch):
    with launch(protocol=5, versions="5") as p5, launch(protocol=6, versions="6") as p6:
        s5, s6 = p5.get_schema(), p6.get_schema()
        assert to_json(s5.provider.block) == to_json(s6.provider.block)
        assert {k: to_json(v.block) for k, v in s5.resources.items()} == \
               {k: to_json(v.block) for k, v in s6.resources.items()}
        assert {k: to_json(v.block) for k, v in s5.data_sources.items()} == \
               {k: to_json(v.block) for k, v in s6.data_sources.items()}
        assert s5.plan_destroy == s6.plan_destroy


def test_metadata_lists_the_resource_and_data_source(provider):
    md = provider.get_metadata()
    assert "ec2_ami" in [r.type_name for r in md.resources]
    assert "ec2_ami" in [d.type_name for d in md.data_sources]


def test_schema_calls_are_answered_repeatedly_and_identically(provider):
    first = provider.call("GetProviderSchema").SerializeToString(deterministic=True)
    for _ in range(3):
        assert provider.call("GetProviderSchema").SerializeToString(deterministic=True) == first


def test_a_malformed_request_is_an_error_not_a_crash(provider):
    path = provider.method_path("PlanResourceChange")
    with pytest.raises(grpc.RpcError) as e:
        # Field 1 (type_name) claims 100 bytes and the message ends: unparseable.
        provider.call_raw(path, b"\x0a\x64abc", timeout=5)
    assert e.value.code() != grpc.StatusCode.UNAVAILABLE
    assert provider.proc.poll() is None
    assert provider.health_check() == 1
