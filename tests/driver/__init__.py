"""A Terraform-like test driver for terraform-provider-ec2.

Library use:
    from tests.driver import Provider, Driver, UNKNOWN
    with Provider.launch(binary, protocol=6) as p:      # go-plugin launch, AutoMTLS, handshake
        schema = p.get_schema()
        p.configure({"region": "us-east-1", ...})
        plan = p.plan("ec2_ami", None, proposed, config)
    out = Driver(config_json, "terraform.tfstate", binary).apply()   # Terraform's rules enforced
CLI: /usr/bin/python3 -m tests.driver --help
"""
from .certs import KeyPair, make_client_cert
from .config import Config, ConfigError
from .engine import Change, Driver, Outcome, Reported, default_binary
from .plugin import (MAGIC_COOKIE, Diagnostic, Handshake, HandshakeError, Provider, ProviderError,
                     has_errors)
from .rules import check_apply, check_plan, proposed_new
from .schema import Block, ProviderSchema, Schema
from .state import Instance, State
from .values import UNKNOWN, decode, encode, is_known

__all__ = [
    "Block", "Change", "Config", "ConfigError", "Diagnostic", "Driver", "Handshake", "HandshakeError",
    "Instance", "KeyPair", "MAGIC_COOKIE", "Outcome", "Provider", "ProviderError", "ProviderSchema",
    "Reported", "Schema", "State", "UNKNOWN", "check_apply", "check_plan", "decode", "default_binary",
    "encode", "has_errors", "is_known", "make_client_cert", "proposed_new",
]
