"""Fixtures for the emulator's own tests: one emulator process per session (state reset before each test)
and a tiny EC2 client with its own SigV4 signer, written for the tests and independent of the emulator's
verifier code, so a shared mistake cannot hide."""

import datetime
import hashlib
import hmac
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

AK = "AKIDEXAMPLE"
SK = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
OWNER = "123456789012"
SCALE = float(os.environ.get("TF_TEST_TIMEOUT_SCALE", "1"))

# Short timings keep the state-transition tests quick.
EMU_ARGS = ["--pending-delay", "0.3", "--deregistered-linger", "1.0", "--protection-cooldown", "1.5"]


def start_emulator(extra_args=()):
    proc = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "ec2emu.py"), "--port", "0", *extra_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = proc.stdout.readline().strip()
    if not url:
        proc.kill()
        raise RuntimeError("emulator did not start: " + proc.stderr.read())
    return proc, url


def stop_emulator(proc):
    proc.terminate()
    try:
        proc.wait(timeout=5 * SCALE)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _enc(s):
    return urllib.parse.quote(str(s), safe="-_.~")


def strip_ns(root):
    for el in root.iter():
        if "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    return root


class Reply:
    def __init__(self, status, header_list, body):
        self.status = status
        self.header_list = header_list
        self.headers = dict(header_list)
        self.body = body
        self.xml = strip_ns(ET.fromstring(body)) if body.strip().startswith(b"<") else None

    @property
    def code(self):
        el = self.xml.find("./Errors/Error/Code") if self.xml is not None else None
        return el.text if el is not None else None

    @property
    def message(self):
        el = self.xml.find("./Errors/Error/Message")
        return el.text if el is not None else None

    def text(self, path):
        el = self.xml.find(path)
        return el.text if el is not None else None

    def __repr__(self):
        return f"Reply({self.status}, {self.body[:300]!r})"


class Client:
    def __init__(self, url, ak=AK, sk=SK, token=None, region="us-east-1"):
        u = urllib.parse.urlsplit(url)
        self.url = url
        self.scheme, self.host, self.port = u.scheme, u.hostname, u.port
        self.ak, self.sk, self.token, self.region = ak, sk, token, region
        self.ssl_context = None

    def conn(self, timeout=10):
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout * SCALE, context=self.ssl_context)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout * SCALE)

    def sign(self, body, when, extra_headers=None):
        amz_date = when.strftime("%Y%m%dT%H%M%SZ")
        headers = {
            "content-type": "application/x-www-form-urlencoded; charset=utf-8",
            "host": f"{self.host}:{self.port}",
            "x-amz-date": amz_date,
        }
        if self.token:
            headers["x-amz-security-token"] = self.token
        headers.update(extra_headers or {})
        names = sorted(headers)
        creq = "\n".join(
            [
                "POST",
                "/",
                "",
                "".join(f"{n}:{headers[n].strip()}\n" for n in names),
                ";".join(names),
                hashlib.sha256(body).hexdigest(),
            ]
        )
        scope = f"{amz_date[:8]}/{self.region}/ec2/aws4_request"
        sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
        key = ("AWS4" + self.sk).encode()
        for part in (amz_date[:8], self.region, "ec2", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
        headers["authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={self.ak}/{scope}, SignedHeaders={';'.join(names)}, Signature={sig}"
        )
        return headers

    def body_for(self, action, params):
        pairs = [("Action", action), ("Version", "2016-11-15")] + list(params.items())
        return "&".join(f"{_enc(k)}={_enc(v)}" for k, v in pairs).encode()

    def call(self, action, params=None, when=None, tamper=None, headers=None):
        body = self.body_for(action, params or {})
        when = when or datetime.datetime.now(datetime.timezone.utc)
        hdrs = self.sign(body, when, headers)
        if tamper:
            body, hdrs = tamper(body, hdrs)
        c = self.conn()
        try:
            c.request("POST", "/", body=body, headers=hdrs)
            r = c.getresponse()
            return Reply(r.status, r.getheaders(), r.read())
        finally:
            c.close()

    def ok(self, action, params=None):
        r = self.call(action, params)
        assert r.status == 200, r
        return r


class Admin:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port

    def req(self, method, route, data=None, expect=200):
        c = http.client.HTTPConnection(self.host, self.port, timeout=10 * SCALE)
        try:
            body = json.dumps(data).encode() if data is not None else None
            c.request(method, "/_emu/" + route, body=body, headers={"Content-Type": "application/json"})
            r = c.getresponse()
            out = json.loads(r.read())
            assert r.status == expect, out
            return out
        finally:
            c.close()

    def snapshot(self, **spec):
        return self.req("POST", "snapshots", spec)

    def image(self, **spec):
        return self.req("POST", "images", spec)

    def requests(self):
        return self.req("GET", "requests")

    def state(self):
        return self.req("GET", "state")


@pytest.fixture(scope="session")
def emu_url():
    proc, url = start_emulator(EMU_ARGS)
    yield url
    stop_emulator(proc)


@pytest.fixture
def admin(emu_url):
    a = Admin(emu_url)
    a.req("POST", "reset")
    return a


@pytest.fixture
def ec2(emu_url, admin):
    return Client(emu_url)


def items(reply, path):
    return reply.xml.findall(path)


def wait_until(pred, timeout=5.0):
    deadline = time.time() + timeout * SCALE
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def register(ec2, admin, name="img-one", snap=None, size=8, extra=None):
    """Seeds a snapshot (unless given) and registers an EBS image on it; returns (image id, snapshot id)."""
    if snap is None:
        snap = admin.snapshot(volume_size=size)["snapshot_id"]
    params = {
        "Name": name,
        "RootDeviceName": "/dev/xvda",
        "BlockDeviceMapping.1.DeviceName": "/dev/xvda",
        "BlockDeviceMapping.1.Ebs.SnapshotId": snap,
    }
    params.update(extra or {})
    r = ec2.ok("RegisterImage", params)
    return r.text("imageId"), snap
