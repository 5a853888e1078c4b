"""Provider configuration: validation diagnostics point at the attribute Terraform should underline,
and a good configuration configures without touching the network."""
import pytest


def _diags(p, config):
    """ValidateProviderConfig, then (only if clean) ConfigureProvider; all diagnostics."""
    res = p.validate_provider_config(config)
    diags = list(res.diagnostics)
    if not any(d.is_error for d in diags):
        diags += p.configure(res.value)
    return diags


def _errors_at(diags, path):
    return [d for d in diags if d.is_error and d.path == path]


@pytest.mark.parametrize(
    "config,path",
    [
        ({"max_retries": -1}, ["max_retries"]),
        ({"max_retries": 1.5}, ["max_retries"]),
        ({"region": "not a region!"}, ["region"]),
        ({"access_key": "AKIDEXAMPLE"}, ["secret_key"]),
        ({"snapshot_report": "sometimes"}, ["snapshot_report"]),
        ({"custom_ca_bundle": ""}, ["custom_ca_bundle"]),
    ],
    ids=["negative-retries", "fractional-retries", "bad-region", "lone-access-key", "bad-report", "empty-ca"],
)
def test_bad_provider_config_points_at_the_attribute(provider, config, path):
    diags = _diags(provider, config)
    hits = _errors_at(diags, path)
    assert hits, f"no error at {path}: {diags}"
    assert all(d.severity in ("error", "warning") for d in diags), "severity left unset"
    assert hits[0].summary and "\n" not in hits[0].summary


def test_bad_endpoint_points_into_the_endpoints_block(provider):
    schema = provider.get_schema().provider.block
    endpoints = {"ec2": "ftp://example.com"}
    if "endpoints" in schema.block_types and schema.block_types["endpoints"].nesting in (2, 3):
        endpoints = [endpoints]
    diags = _diags(provider, {"endpoints": endpoints})
    assert [d for d in diags if d.is_error and d.path[:1] == ["endpoints"] and "ec2" in d.path], diags


def test_good_config_with_static_keys_and_endpoint_configures(provider):
    schema = provider.get_schema().provider.block
    endpoints = {"ec2": "http://127.0.0.1:9"}
    if "endpoints" in schema.block_types and schema.block_types["endpoints"].nesting in (2, 3):
        endpoints = [endpoints]
    diags = _diags(provider, {"region": "eu-west-1", "access_key": "AKIDEXAMPLE",
                              "secret_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                              "endpoints": endpoints, "max_retries": 2, "plan_dry_run": False})
    assert not [d for d in diags if d.is_error], diags


def test_credentials_never_appear_in_logs_or_diagnostics(launch):
    p = launch(protocol=6, env={"TF_LOG": "trace", "TF_LOG_PROVIDER": "trace"})
    secret = "SuperSecretKeyDoNotLog0123456789abcdefgh"
    diags = _diags(p, {"region": "bad region", "access_key": "AKIDLEAKCHECK", "secret_key": secret,
                       "token": "SessionTokenDoNotLog"})
    p.close()
    text = p.stderr_text() + repr(diags)
    assert secret not in text
    assert "SessionTokenDoNotLog" not in text
