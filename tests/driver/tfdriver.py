#!/usr/bin/python3
"""Command line of the Terraform-like driver (also `/usr/bin/python3 -m tests.driver`).

    tfdriver.py [-chdir=DIR] [--config FILE|DIR] [--state FILE] [--provider BIN] [--protocol 5|6]
                [-refresh=false] plan|apply|destroy|refresh|import ADDR ID|schema|state

The configuration defaults to the *.tf.json files of the working directory and the state to
terraform.tfstate there. The provider's environment is ours (AWS_* pass through). Exit status 1 on
any error diagnostic, as Terraform.
"""
import argparse
import json
import os
import signal
import sys

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    __package__ = "tests.driver"

from tests.driver.engine import Driver, default_binary  # noqa: E402
from tests.driver.plugin import Provider  # noqa: E402
from tests.driver.schema import to_json  # noqa: E402


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="tfdriver", description="Terraform-like driver for terraform-provider-ec2")
    ap.add_argument("-chdir", "--chdir", default=None, help="working directory")
    ap.add_argument("--config", default=None, help="a .tf.json file or a directory (default: the working directory)")
    ap.add_argument("--state", default="terraform.tfstate", help="state file (default terraform.tfstate)")
    ap.add_argument("--provider", default=None, help="provider binary (default: $TF_PROVIDER_BIN or the newest build)")
    ap.add_argument("--protocol", type=int, choices=(5, 6), default=6)
    ap.add_argument("-refresh", "--refresh", default="true", choices=("true", "false"))
    ap.add_argument("-auto-approve", "--auto-approve", action="store_true", help="accepted and ignored")
    ap.add_argument("command", choices=("plan", "apply", "destroy", "refresh", "import", "schema", "state"))
    ap.add_argument("args", nargs="*")
    return ap.parse_args(argv)


def _route_sigint(driver):
    """First Ctrl-C: a graceful stop through StopProvider; the second one ends the driver."""
    count = [0]

    def handler(sig, frame):
        count[0] += 1
        if count[0] > 1:
            raise KeyboardInterrupt
        driver.interrupt()

    signal.signal(signal.SIGINT, handler)


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    if a.chdir:
        os.chdir(a.chdir)
    binary = a.provider or default_binary()
    if a.command == "schema":
        if not binary:
            print("Error: provider binary not found (set TF_PROVIDER_BIN)", file=sys.stderr)
            return 1
        with Provider.launch(binary, protocol=a.protocol) as p:
            s = p.get_schema()
            doc = {
                "provider": {"version": s.provider.version, "block": to_json(s.provider.block)},
                "resource_schemas": {k: {"version": v.version, "block": to_json(v.block)} for k, v in s.resources.items()},
                "data_source_schemas": {k: {"version": v.version, "block": to_json(v.block)}
                                        for k, v in s.data_sources.items()},
                "server_capabilities": {"plan_destroy": s.plan_destroy,
                                        "get_provider_schema_optional": s.get_provider_schema_optional},
            }
        json.dump(doc, sys.stdout, indent=2)
        print()
        return 0
    if a.command == "state":
        with open(a.state) as fh:
            sys.stdout.write(fh.read())
        return 0
    d = Driver(a.config or ".", a.state, binary, protocol=a.protocol, stdout=sys.stdout, stderr=sys.stderr,
               refresh=a.refresh == "true")
    _route_sigint(d)
    if a.command == "import":
        if len(a.args) != 2:
            print("Error: import needs ADDR and ID", file=sys.stderr)
            return 1
        out = d.import_(a.args[0], a.args[1])
    else:
        out = getattr(d, a.command)()
    return out.exit_code


if __name__ == "__main__":
    sys.exit(main())
