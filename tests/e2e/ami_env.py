"""Shared pieces of the ec2_ami end-to-end tests (test_ami_*.py): an EC2 emulator per test with its admin
API, a tiny signed EC2 client for changes "behind Terraform's back", and a runner for driver commands.

The provider talks to the emulator over plain HTTP (endpoints.ec2); the emulator checks SigV4 with its
default key, which the tests pass to the provider through the environment (conftest.QUIET_ENV)."""
import datetime
import hashlib
import hmac
import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request

import pytest

from conftest import BINARY, QUIET_ENV, SOURCE_DIR, scaled
from tests.driver import Driver

EMULATOR = os.path.join(SOURCE_DIR, "tests", "ec2emu", "ec2emu.py")
OWNER = "123456789012"


class Emulator:
    def __init__(self, *args):
        self.proc = subprocess.Popen([sys.executable, EMULATOR, "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.url = self.proc.stdout.readline().strip()
        if not self.url:
            self.proc.kill()
            raise RuntimeError("the EC2 emulator did not start")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=scaled(5))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def admin(self, method, route, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + "_emu/" + route, method=method, data=data)
        with urllib.request.urlopen(req, timeout=scaled(10)) as r:
            return json.load(r)

    def snapshot(self, sid, **kw):
        return self.admin("POST", "snapshots", {"snapshot_id": sid, **kw})

    def image(self, **spec):
        return self.admin("POST", "images", spec)

    def state(self):
        return self.admin("GET", "state")

    def find_image(self, image_id):
        images = self.state()["images"]
        if isinstance(images, dict):
            return images.get(image_id)
        return next((i for i in images if i.get("image_id") == image_id), None)

    def snapshot_ids(self):
        snaps = self.state()["snapshots"]
        return set(snaps) if isinstance(snaps, dict) else {s["snapshot_id"] for s in snaps}

    def requests(self, action=None):
        return self.admin("GET", "requests" + (f"?action={action}" if action else ""))

    def fault(self, kind, action=None, count=1, **kw):
        return self.admin("POST", "faults", {"kind": kind, "action": action, "count": count, **kw})

    def policy(self, **spec):
        return self.admin("POST", "policy", spec)

    def call(self, action, **params):
        """A SigV4-signed EC2 Query call (the emulator's default key), as another tool would make it."""
        body = urllib.parse.urlencode({"Action": action, "Version": "2016-11-15", **params},
                                      quote_via=urllib.parse.quote, safe="-_.~")
        host = urllib.parse.urlparse(self.url).netloc
        now = datetime.datetime.now(datetime.timezone.utc)
        amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        ctype = "application/x-www-form-urlencoded; charset=utf-8"
        signed = "content-type;host;x-amz-date"
        creq = "\n".join(["POST", "/", "", f"content-type:{ctype}", f"host:{host}", f"x-amz-date:{amz_date}", "",
                          signed, hashlib.sha256(body.encode()).hexdigest()])
        scope = f"{day}/us-east-1/ec2/aws4_request"
        sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
        key = ("AWS4" + QUIET_ENV["AWS_SECRET_ACCESS_KEY"]).encode()
        for part in (day, "us-east-1", "ec2", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
        auth = f"AWS4-HMAC-SHA256 Credential={QUIET_ENV['AWS_ACCESS_KEY_ID']}/{scope}, SignedHeaders={signed}, Signature={sig}"
        req = urllib.request.Request(self.url, data=body.encode(), method="POST", headers={
            "Content-Type": ctype, "X-Amz-Date": amz_date, "Authorization": auth})
        try:
            with urllib.request.urlopen(req, timeout=scaled(10)) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()


def make_emulator(*args):
    return Emulator("--pending-delay", "0.3", "--deregistered-linger", "0.5", "--protection-cooldown", "2", *args)


@pytest.fixture
def emu():
    e = make_emulator()
    yield e
    e.stop()


def provider_block(emu, **extra):
    return {"ec2": {"region": "us-east-1", "endpoints": {"ec2": emu.url}, **extra}}


def config(emu, resources=None, data=None, provider=None, outputs=None):
    cfg = {"provider": provider_block(emu, **(provider or {}))}
    if resources:
        cfg["resource"] = {"ec2_ami": resources}
    if data:
        cfg["data"] = {"ec2_ami": data}
    if outputs:
        cfg["output"] = outputs
    return cfg


def driver(cfg, state_path, protocol=6, env=None):
    e = dict(QUIET_ENV)
    e.update(env or {})
    return Driver(cfg, state_path, binary=BINARY, protocol=protocol, env=e, launch_timeout=scaled(10))


def attrs(outcome, addr):
    inst = outcome.state.resources.get(addr)
    return inst.attributes if inst is not None else None


def find_diag(diags, summary_part):
    return next((d for d in diags if summary_part in d.summary), None)


def ami_with_snapshot(name, snap, **kw):
    body = {"name": name, "root_device_name": "/dev/xvda",
            "ebs_block_device": [{"device_name": "/dev/xvda", "snapshot_id": snap}]}
    body.update(kw)
    return body
