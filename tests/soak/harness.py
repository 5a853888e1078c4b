"""The pieces every hardening script needs: the EC2 emulator as a process with its admin API, the
provider launched as Terraform launches it (tests/driver) with its CPU and memory read from /proc,
and AmiSession, Terraform core's side of an ec2_ami lifecycle on ONE provider process, safe to use
from many threads at once (one gRPC channel, as terraform -parallelism=N uses).

AmiSession applies the same rules as tests/driver/engine.py (proposed new state, "invalid plan",
"inconsistent result after apply") but per resource and without a state file, so that a thread pool
can drive hundreds of resources through one provider. A rule broken or an error diagnostic raises
StepError; warnings are kept in AmiSession.diagnostics for the caller to inspect.
"""
import json
import os
import re
import ssl
import subprocess
import sys
import threading
import urllib.error
import urllib.request

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if SOURCE_DIR not in sys.path:
    sys.path.insert(0, SOURCE_DIR)

from tests.driver import Provider, rules  # noqa: E402
from tests.driver.config import decode_block  # noqa: E402
from tests.driver.engine import default_binary  # noqa: E402
from tests.driver.plugin import has_errors  # noqa: E402
from tests.driver.values import equal, is_known  # noqa: E402

# EC2EMU_SCRIPT runs another emulator script with the same options (e.g. a patched copy, to compare).
EMULATOR = os.environ.get("EC2EMU_SCRIPT") or os.path.join(SOURCE_DIR, "tests", "ec2emu", "ec2emu.py")
RESOURCE = "ec2_ami"
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"  # the emulator's public example pair

# Keeps the provider off the network and away from the user's own AWS settings.
PROVIDER_ENV = {
    "AWS_ACCESS_KEY_ID": ACCESS_KEY,
    "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    "AWS_SESSION_TOKEN": None,
    "AWS_PROFILE": None,
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_REGION": "us-east-1",
    "TF_LOG": None,
}


def provider_binary():
    """TF_PROVIDER_BIN, else the newest build*/terraform-provider-ec2."""
    found = default_binary()
    if found is None:
        raise RuntimeError("no provider binary: build it or set TF_PROVIDER_BIN")
    os.environ.setdefault("TF_PROTO_PYTHON_DIR", os.path.join(os.path.dirname(found), "python"))
    return found


# --- processes ---------------------------------------------------------------------------------------


def proc_figures(pid):
    """CPU seconds (user + system) and memory (kB) of a live process, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    out = {"cpu_s": (int(fields[11]) + int(fields[12])) / tick}  # utime, stime (fields 14, 15)
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key] = int(value.split()[0])
    return out


class Emulator:
    """tests/ec2emu as a child process; stopped by stop() or on leaving a with-block."""

    def __init__(self, *args, stderr=None, cafile=None):
        """args: ec2emu options; cafile: the CA to trust for the admin API of an HTTPS emulator."""
        self.ssl = ssl.create_default_context(cafile=cafile) if cafile else None
        self.proc = subprocess.Popen([sys.executable, EMULATOR, "--port", "0", *args], stdout=subprocess.PIPE,
                                     stderr=stderr or subprocess.DEVNULL, text=True)
        self.url = self.proc.stdout.readline().strip()
        if not self.url:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("the EC2 emulator did not start")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def admin(self, method, route, body=None, timeout=120):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + "_emu/" + route, method=method, data=data)
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=self.ssl) as r:
                return json.load(r)
        except urllib.error.HTTPError as e:
            text = e.read().decode(errors="replace")
            raise RuntimeError(f"emulator {method} /_emu/{route}: {e.code} {text}") from None

    def snapshot(self, sid, **kw):
        return self.admin("POST", "snapshots", {"snapshot_id": sid, **kw})

    def image(self, **spec):
        return self.admin("POST", "images", spec)

    def state(self):
        return self.admin("GET", "state")

    def requests(self, action=None):
        return self.admin("GET", "requests" + (f"?action={action}" if action else ""))

    def clear_requests(self):
        self.admin("DELETE", "requests")

    def faults(self, spec):
        return self.admin("POST", "faults", spec)

    def clear_faults(self):
        return self.admin("DELETE", "faults")

    def images_by_id(self):
        images = self.state()["images"]
        return images if isinstance(images, dict) else {i["image_id"]: i for i in images}

    def snapshot_ids(self):
        snaps = self.state()["snapshots"]
        return set(snaps) if isinstance(snaps, dict) else {s["snapshot_id"] for s in snaps}

    def figures(self):
        return proc_figures(self.proc.pid)


def launch_provider(binary=None, log_level="DEBUG", env=None, protocol=6):
    """The provider started as Terraform starts it (AutoMTLS), logging at log_level on stderr."""
    e = dict(PROVIDER_ENV)
    if log_level:
        e["TF_LOG_PROVIDER"] = log_level
    e.update(env or {})
    return Provider.launch(binary or provider_binary(), protocol=protocol, env=e, timeout=30, echo_stderr=False)


def log_messages(provider):
    """(level, message) of every hclog JSON line the provider wrote to stderr so far."""
    return [(r.get("@level", ""), r.get("@message", "")) for r in provider.log_records()]


# The EC2 client's log line for each retry (ec2/client.c, ec2_client_send), and for a retryable
# failure it decided not to retry; the provider prefixes the client's lines with "ec2: ".
RETRY_RE = re.compile(r"^(?:ec2: )?(\w+) attempt (\d+) failed: (.*) \(HTTP (-?\d+), (\w+)\); retrying in (\d+) ms$")
GIVE_UP_RE = re.compile(r"^(?:ec2: )?(\w+) attempt (\d+): (.*); not retrying, (.*)$")


# --- the Terraform-core side of a lifecycle ----------------------------------------------------------


class StepError(Exception):
    """A lifecycle step failed: error diagnostics, a broken protocol rule, or a gRPC failure.
    new_state is what the provider returned with the failure (a create keeps its id there)."""

    def __init__(self, step, messages, new_state=None):
        self.step, self.messages, self.new_state = step, list(messages), new_state
        super().__init__(f"{step}: " + " | ".join(self.messages))


def _diag_text(d):
    return f"{d.severity}: {d.summary}: {d.detail}".strip()


class AmiSession:
    """One configured provider; methods are the steps Terraform runs for one ec2_ami. Thread-safe:
    each method uses only its arguments and the shared channel."""

    def __init__(self, provider, endpoint, **provider_config):
        self.p = provider
        self.schema = provider.get_schema()
        self.block = self.schema.resources[RESOURCE].block
        self.type = self.block.type()
        self.diagnostics = []  # (step, Diagnostic) of every call, warnings included
        self.lock = threading.Lock()
        cfg = {"region": "us-east-1", "endpoints": {"ec2": endpoint}, **provider_config}
        pcfg = decode_block(self.schema.provider.block, cfg, {}, "provider")
        res = provider.validate_provider_config(pcfg)
        self._check("configure", res.diagnostics)
        self._check("configure", provider.configure(res.value))

    def _check(self, step, diags, new_state=None):
        with self.lock:
            self.diagnostics += [(step, d) for d in diags]
        if has_errors(diags):
            raise StepError(step, [_diag_text(d) for d in diags if d.is_error], new_state)

    def config(self, body):
        return decode_block(self.block, body, {}, f"{RESOURCE}.x")

    def validate(self, body):
        self._check("validate", self.p.validate_resource_config(RESOURCE, self.config(body)))

    def plan(self, prior, body, private=b"", step="plan"):
        """PlanResourceChange as Terraform sends it, checked as Terraform checks it."""
        cfg = self.config(body)
        proposed = rules.proposed_new(self.block, prior, cfg)
        pr = self.p.plan(RESOURCE, prior, proposed, cfg, private)
        self._check(step, pr.diagnostics)
        errs = rules.check_plan(self.block, prior, cfg, pr.planned_state)
        if errs:
            raise StepError(step, ["invalid plan: " + e for e in errs])
        return pr

    def plan_is_noop(self, prior, pr):
        return equal(prior, pr.planned_state, self.type) and not rules.replace_paths(
            self.type, prior, pr.planned_state, pr.requires_replace)

    def apply(self, prior, body, private=b"", step="apply"):
        """terraform apply for one object: plan, the final plan, ApplyResourceChange. Returns
        (new_state, private)."""
        first = self.plan(prior, body, private, step + "/plan")
        final = self.plan(prior, body, private, step + "/final-plan")
        errs = [e for e in rules.check_apply(self.type, first.planned_state, final.planned_state)
                if "unknown values" not in e]
        if errs:
            raise StepError(step, ["inconsistent final plan: " + e for e in errs])
        if prior is not None and rules.replace_paths(self.type, prior, final.planned_state, final.requires_replace):
            raise StepError(step, ["the plan replaces the image instead of updating it in place"])
        ar = self.p.apply(RESOURCE, prior, final.planned_state, self.config(body), final.planned_private)
        self._check(step, ar.diagnostics, ar.new_state)
        if ar.new_state is None:
            raise StepError(step, ["the provider returned a null object"])
        errs = rules.check_apply(self.type, final.planned_state, ar.new_state)
        if errs:
            raise StepError(step, ["inconsistent result after apply: " + e for e in errs], ar.new_state)
        return ar.new_state, ar.private

    def read(self, state, private=b"", step="read"):
        rr = self.p.read(RESOURCE, state, private)
        self._check(step, rr.diagnostics)
        if rr.new_state is not None and not is_known(rr.new_state):
            raise StepError(step, ["ReadResource returned unknown values"])
        return rr.new_state, rr.private

    def destroy(self, state, private=b"", step="destroy"):
        """terraform destroy for one object: PlanResourceChange to null when the provider asks
        for it (plan_destroy), then ApplyResourceChange to null."""
        if self.schema.plan_destroy:
            pr = self.p.plan(RESOURCE, state, None, None, private)
            self._check(step + "/plan", pr.diagnostics)
            if pr.planned_state is not None:
                raise StepError(step, ["planned a non-null object for a destroy"])
            private = pr.planned_private
        ar = self.p.apply(RESOURCE, state, None, None, private)
        self._check(step, ar.diagnostics, ar.new_state)
        if ar.new_state is not None:
            raise StepError(step, ["a destroy returned a non-null object"], ar.new_state)

    def equal(self, a, b):
        return equal(a, b, self.type)

    def differences(self, a, b):
        return rules.changed_paths(self.type, a, b)


def ami_body(name, devices, description=None, tags=None, **extra):
    """An ec2_ami configuration body: devices is [(device_name, snapshot_id)], the first the root."""
    body = {"name": name, "root_device_name": devices[0][0],
            "ebs_block_device": [{"device_name": d, "snapshot_id": s} for d, s in devices]}
    if description is not None:
        body["description"] = description
    if tags is not None:
        body["tags"] = tags
    body.update(extra)
    return body


def median(values):
    v = sorted(values)
    if not v:
        return None
    mid = len(v) // 2
    return v[mid] if len(v) % 2 else (v[mid - 1] + v[mid]) / 2


def percentile(values, q):
    v = sorted(values)
    if not v:
        return None
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]
