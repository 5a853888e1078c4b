"""Same inputs through both clients: every case of cases.json runs once through the AWS SDK for JavaScript
(sdk_ops.mjs) and once through our C client (ec2-conformance-ops), each against a freshly reset and seeded
emulator. The emulator records the decoded form parameters of every request; for each case the two
parameter sets must be equal, and both clients must have met the same outcome. Each raw body must also be
encoded the way EC2 expects (RFC 3986).

Only a ClientToken the case does not give is exempt from value comparison (each client generates its own),
though both must send one. Version is compared like any other parameter (both must send 2016-11-15).

Environment: TF_TEST_SOURCE_DIR, TF_TEST_BINARY_DIR (set by ctest); EC2_CONFORMANCE_OPS overrides the path
of the C program; TF_NODE the node binary.
"""

import json
import os
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("TF_TEST_SOURCE_DIR", os.path.normpath(os.path.join(HERE, "..", "..")))
BINARY = os.environ.get("TF_TEST_BINARY_DIR", os.path.join(SOURCE, "build"))
SCALE = float(os.environ.get("TF_TEST_TIMEOUT_SCALE", "1"))
CASES_PATH = os.path.join(HERE, "cases.json")
CASES = json.load(open(CASES_PATH, encoding="utf-8"))
SEED = json.load(open(os.path.join(HERE, "seed.json"), encoding="utf-8"))

# What the SDK run must meet against the seeded emulator (anything not listed: HTTP 200). Checks that the
# cases exercise what their names say, and the emulator's semantics under the reference client.
EXPECTED_ERRORS = {
    "register-image-dry-run": (412, "DryRunOperation"),
    "register-image-duplicate-name": (400, "InvalidAMIName.Duplicate"),
    "describe-images-unknown-id": (400, "InvalidAMIID.NotFound"),
    "deregister-protected-image-fails": (400, "OperationNotPermitted"),
    "delete-snapshot-in-use-fails": (400, "InvalidSnapshot.InUse"),
    "deregister-image-dry-run": (412, "DryRunOperation"),
}


def c_program():
    path = os.environ.get("EC2_CONFORMANCE_OPS") or os.path.join(BINARY, "tests", "conformance", "ec2-conformance-ops")
    return path


class Emulator:
    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(SOURCE, "tests", "ec2emu", "ec2emu.py"), "--port", "0", "--pending-delay", "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.url = self.proc.stdout.readline().strip()
        if not self.url:
            raise RuntimeError("the EC2 emulator did not start")

    def admin(self, method, route, data=None):
        body = json.dumps(data).encode() if data is not None else None
        req = urllib.request.Request(self.url + "_emu/" + route, data=body, method=method)
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10 * SCALE) as r:
            return json.loads(r.read())

    def fresh(self):
        self.admin("POST", "reset")
        for s in SEED["snapshots"]:
            self.admin("POST", "snapshots", s)
        for i in SEED["images"]:
            self.admin("POST", "images", i)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def emulator():
    emu = Emulator()
    yield emu
    emu.stop()


def run_client(emulator, argv, what):
    emulator.fresh()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120 * SCALE, cwd=HERE,
                          env=dict(os.environ, NODE_NO_WARNINGS="1"))
    log = emulator.admin("GET", "requests")
    assert proc.returncode == 0, f"{what} exited {proc.returncode}:\n{proc.stderr[-4000:]}"
    assert len(log) == len(CASES), (
        f"{what} made {len(log)} requests for {len(CASES)} cases (retries or skipped cases?): "
        f"{[e['action'] for e in log]}"
    )
    return {"stdout": proc.stdout, "log": log}


@pytest.fixture(scope="module")
def sdk_run(emulator):
    node = os.environ.get("TF_NODE") or shutil.which("node")
    assert node, "node is not on PATH (install Node.js 20, see scripts/deps.sh)"
    assert os.path.isdir(os.path.join(HERE, "node_modules", "@aws-sdk", "client-ec2")), (
        "the pinned AWS SDK is not installed: run `npm ci` in tests/conformance (scripts/deps.sh does it)"
    )
    return run_client(emulator, [node, os.path.join(HERE, "sdk_ops.mjs"), emulator.url, CASES_PATH], "sdk_ops.mjs")


@pytest.fixture(scope="module")
def c_run(emulator):
    prog = c_program()
    if not os.access(prog, os.X_OK):
        pytest.fail(
            f"the C conformance program is missing: {prog} (build the ec2-conformance-ops target, "
            "or point EC2_CONFORMANCE_OPS at it)"
        )
    return run_client(emulator, [prog, emulator.url, CASES_PATH], "ec2-conformance-ops")


def test_cases_cover_every_operation():
    ops = {c["operation"] for c in CASES}
    assert ops == {
        "RegisterImage", "DescribeImages", "DeregisterImage", "CreateTags", "DeleteTags", "ModifyImageAttribute",
        "DescribeImageAttribute", "EnableImageDeprecation", "DisableImageDeprecation",
        "EnableImageDeregistrationProtection", "DisableImageDeregistrationProtection", "DescribeSnapshots",
        "DeleteSnapshot", "CreateSnapshot", "CopyImage",
    }
    assert len({c["name"] for c in CASES}) == len(CASES), "case names must be unique"


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c["name"] for c in CASES])
def test_sdk_outcome(sdk_run, index):
    case, entry = CASES[index], sdk_run["log"][index]
    assert entry["action"] == case["operation"]
    assert entry["params"].get("Version") == "2016-11-15"
    want = EXPECTED_ERRORS.get(case["name"], (200, None))
    assert (entry["status"], entry["error_code"]) == want
    line = json.loads(sdk_run["stdout"].splitlines()[index])
    assert line["name"] == case["name"] and line["ok"] == (want[0] == 200)


def encoding_problems(body):
    """Pieces of a form body not encoded the way EC2 expects: RFC 3986, only A-Za-z0-9-_.~ literal,
    upper-case hex, space as %20 (never '+')."""
    bad = []
    for part in body.split("&"):
        for piece in part.split("=", 1):
            if urllib.parse.quote(urllib.parse.unquote(piece), safe="-_.~") != piece:
                bad.append(piece)
    return bad


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c["name"] for c in CASES])
def test_sdk_body_encoding(sdk_run, index):
    assert encoding_problems(sdk_run["log"][index]["body"]) == []


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c["name"] for c in CASES])
def test_c_body_encoding(c_run, index):
    assert encoding_problems(c_run["log"][index]["body"]) == [], "the C client's form body is not RFC 3986-encoded"


def comparable(case, params):
    out = dict(params)
    if "ClientToken" not in case["input"] and "ClientToken" in out:
        out["ClientToken"] = "<generated>"
    return out


def describe_diff(sdk, ours):
    lines = []
    for key in sorted(set(sdk) | set(ours)):
        a, b = sdk.get(key), ours.get(key)
        if a != b:
            lines.append(f"  {key}: sdk={a!r} c={b!r}")
    return "\n".join(lines)


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c["name"] for c in CASES])
def test_same_params_and_outcome(sdk_run, c_run, index):
    case = CASES[index]
    sdk, ours = sdk_run["log"][index], c_run["log"][index]
    assert ours["action"] == case["operation"], f"C client sent {ours['action']} for case {case['name']}"
    a, b = comparable(case, sdk["params"]), comparable(case, ours["params"])
    assert a == b, f"parameters differ for {case['name']} (sdk vs C):\n{describe_diff(a, b)}"
    assert (ours["status"], ours["error_code"]) == (sdk["status"], sdk["error_code"])
