"""Planning ec2_ami without EC2 (plan_dry_run = false): the plan follows Terraform core's rules, on
both protocols, through the raw client and through the Terraform-like driver."""
import json

import pytest

from conftest import QUIET_ENV
from tests.driver import UNKNOWN, Driver, check_plan, proposed_new

PROVIDER = {"region": "us-east-1", "access_key": "AKIDEXAMPLE",
            "secret_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "plan_dry_run": False,
            "max_retries": 0}
AMI = {
    "name": "e2e-test-ami",
    "description": "made by the e2e tests",
    "root_device_name": "/dev/xvda",
    "tags": {"Team": "e2e"},
    "ebs_block_device": [{"device_name": "/dev/xvda", "snapshot_id": "snap-0123456789abcdef0"}],
}
COMPUTED = ("id", "arn", "owner_id", "state", "creation_date", "image_type", "hypervisor", "public")


def _endpoints(p):
    schema = p.get_schema().provider.block
    e = {"ec2": "http://127.0.0.1:9"}
    if "endpoints" in schema.block_types and schema.block_types["endpoints"].nesting in (2, 3):
        return [e]
    return e


@pytest.fixture
def configured(provider):
    cfg = dict(PROVIDER, endpoints=_endpoints(provider))
    diags = provider.configure(provider.validate_provider_config(cfg).value)
    assert not [d for d in diags if d.is_error], diags
    return provider


def _ami_config(block, body):
    from tests.driver.config import decode_block

    return decode_block(block, body, {}, "ec2_ami.test")


def test_create_plan_marks_computed_attributes_unknown(configured):
    p = configured
    block = p.get_schema().resources["ec2_ami"].block
    cfg = _ami_config(block, AMI)
    assert not [d for d in p.validate_resource_config("ec2_ami", cfg) if d.is_error]
    proposed = proposed_new(block, None, cfg)
    for name in COMPUTED:
        assert proposed[name] is None  # Terraform proposes computed attributes null on create
    pr = p.plan("ec2_ami", None, proposed, cfg)
    assert not [d for d in pr.diagnostics if d.is_error], pr.diagnostics
    planned = pr.planned_state
    for name in COMPUTED:
        assert planned[name] is UNKNOWN, f"{name} should be (known after apply), got {planned[name]!r}"
    assert planned["name"] == "e2e-test-ami"
    assert planned["tags"] == {"Team": "e2e"}
    assert check_plan(block, None, cfg, planned) == []


def test_destroy_plan_returns_null(configured):
    p = configured
    block = p.get_schema().resources["ec2_ami"].block
    prior = block.null_object()
    prior.update({"id": "ami-0123456789abcdef0", "name": "e2e-test-ami", "state": "available"})
    pr = p.plan("ec2_ami", prior, None, None, b"")
    assert not [d for d in pr.diagnostics if d.is_error], pr.diagnostics
    assert pr.planned_state is None


def test_a_name_change_requires_replacement(configured):
    p = configured
    block = p.get_schema().resources["ec2_ami"].block
    cfg = _ami_config(block, AMI)
    # A prior state as an earlier apply would have left it (computed values EC2 reported).
    prior = proposed_new(block, None, cfg)
    prior.update({"id": "ami-0123456789abcdef0", "arn": "arn:aws:ec2:us-east-1::image/ami-0123456789abcdef0",
                  "owner_id": "123456789012", "state": "available", "creation_date": "2026-01-01T00:00:00.000Z",
                  "architecture": "x86_64", "virtualization_type": "hvm"})
    new_cfg = dict(cfg, name="e2e-test-ami-renamed")
    pr = p.plan("ec2_ami", prior, proposed_new(block, prior, new_cfg), new_cfg, b"")
    assert not [d for d in pr.diagnostics if d.is_error], pr.diagnostics
    assert ["name"] in pr.requires_replace
    assert pr.planned_state["name"] == "e2e-test-ami-renamed"
    assert check_plan(block, prior, new_cfg, pr.planned_state) == []


@pytest.mark.parametrize("version", [5, 6])
def test_driver_plans_a_create(binary, tmp_path, version):
    cfg = {"provider": {"ec2": dict(PROVIDER, endpoints={"ec2": "http://127.0.0.1:9"})},
           "resource": {"ec2_ami": {"test": AMI}}}
    (tmp_path / "main.tf.json").write_text(json.dumps(cfg, indent=2))
    d = Driver(str(tmp_path), str(tmp_path / "terraform.tfstate"), binary, protocol=version, env=QUIET_ENV)
    out = d.plan()
    assert out.exit_code == 0, out.output
    assert "  # ec2_ami.test will be created" in out.output
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in out.output
    assert "(known after apply)" in out.output
    assert '+ name ' in out.output and '"e2e-test-ami"' in out.output
    assert out.change("ec2_ami.test").action == "create"


def test_driver_reports_provider_config_errors_like_terraform(binary, tmp_path):
    cfg = {"provider": {"ec2": {"region": "us-east-1", "max_retries": -1}},
           "resource": {"ec2_ami": {"test": AMI}}}
    (tmp_path / "main.tf.json").write_text(json.dumps(cfg, indent=2))
    out = Driver(str(tmp_path), str(tmp_path / "terraform.tfstate"), binary, env=QUIET_ENV).plan()
    assert out.exit_code == 1
    assert "Error: " in out.output
    assert 'with provider["registry.terraform.io/hashicorp/ec2"]' in out.output
    assert "on main.tf.json line" in out.output and '"max_retries": -1' in out.output
    assert [d for d in out.errors() if d.path == ["max_retries"]]
